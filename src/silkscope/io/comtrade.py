"""UN Comtrade downloads as flows: the current API / bulk layout (``refYear, reporterCode,
flowCode, partnerCode, cmdCode, primaryValue, netWgt`` ...) and the legacy one (``Year, Trade Flow
Code, Reporter Code, Partner Code, Commodity Code, Trade Value (US$), Netweight (kg)``), as CSV or
JSON (``{"data": [...]}`` from the API, ``{"dataset": [...]}`` from the legacy API).

Only HS6 rows against a single partner country are flows (the aggregates TOTAL and 2- and 4-digit
codes are skipped; any other code must be an HS6 code): World (code 0) and the
aggregates EU (97), bunkers (837), free zones (838), special categories (839) and areas n.e.s.
(899) are skipped, as are second-partner, customs-procedure and transport-mode breakdowns.
Values are converted from US dollars to thousands, net weight from kg to tonnes.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import duckdb

from silkscope.errors import InputError
from silkscope.io.flows import HS_REVISIONS, FlowSource, relation_columns

NOT_COUNTRIES = ("0", "97", "837", "838", "839", "899")
# Comtrade classification codes of the HS revisions (H0 = HS 1992 ... H6 = HS 2022)
CLASSIFICATIONS = dict(zip(("H0", "H1", "H2", "H3", "H4", "H5", "H6"), HS_REVISIONS, strict=True))
# normalised column name (lower case, letters and digits only) -> role; first found wins
ALIASES = {
    "year": ("refyear", "year", "yr"),
    "flow": ("flowcode", "tradeflowcode", "rgcode"),
    "reporter": ("reportercode", "rtcode"),
    "partner": ("partnercode", "ptcode"),
    "partner2": ("partner2code", "2ndpartnercode"),
    "customs": ("customscode", "customsproccode"),
    "transport": ("motcode", "modeoftransportcode"),
    "product": ("cmdcode", "commoditycode"),
    "classification": ("classificationcode", "classification", "pfcode"),
    "value": ("primaryvalue", "tradevalueus", "tradevalue"),
    "quantity": ("netwgt", "netweightkg", "netweight"),
}
REQUIRED = ("year", "flow", "reporter", "partner", "product", "value")
FLOW_CODES = {"exports": ("X", "2"), "imports": ("M", "1")}
READ_HINT = (
    "download the file again from UN Comtrade as CSV (comma-separated, one header row) or JSON "
    "(the API's {\"data\": [...]} object); the reader's own words are above"
)


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def source(file: Path, flow: str = "exports", hs: str | None = None) -> FlowSource:
    """A :class:`FlowSource` of one Comtrade file: a reporter's exports (``exporter`` = reporter)
    or imports (``importer`` = reporter) with each partner."""
    file = Path(file)
    if flow not in FLOW_CODES:
        raise InputError(f"unknown --flow '{flow}'; expected exports or imports")
    if not file.is_file():
        raise InputError("no such file", file=file)
    quoted = str(file).replace("'", "''")
    if file.name.lower().endswith((".json", ".json.gz")):
        relation, first_row = _json_relation(file, quoted), 1
    else:
        relation, first_row = f"read_csv('{quoted}', all_varchar = true, header = true)", 2
    try:
        names = relation_columns(relation, file)
    except InputError as exc:
        raise InputError(exc.problems, hint=READ_HINT) from exc
    roles = _roles(names)
    missing = [r for r in REQUIRED if r not in roles]
    if missing:
        expected = "; ".join(f"{r}: {' or '.join(ALIASES[r])}" for r in missing)
        raise InputError(f"not a UN Comtrade table: no column for {expected}; found {names[:12]}", file=file)
    revision = _revision(relation, roles, file, hs)
    col = {role: f'"{name}"' for role, name in roles.items()}
    codes = FLOW_CODES[flow]
    flow_ok = f"trim(CAST({col['flow']} AS VARCHAR)) IN ('{codes[0]}', '{codes[1]}')"
    where = [
        flow_ok,
        # aggregates (TOTAL, HS chapters and headings) are not flows; any other code is checked
        # as an HS6 code, so an empty or malformed one is refused, not skipped
        f"NOT regexp_full_match(coalesce(trim(CAST({col['product']} AS VARCHAR)), ''), "
        "'TOTAL|[0-9]{2}|[0-9]{4}')",
        # an empty partner is kept (and refused as an unknown code), not dropped as NULL
        f"coalesce(trim(CAST({col['partner']} AS VARCHAR)), '') NOT IN ({', '.join(repr(c) for c in NOT_COUNTRIES)})",
    ]
    for role, total in (("partner2", "'0'"), ("customs", "'C00'"), ("transport", "'0'")):
        if role in col:
            where.append(f"coalesce(trim(CAST({col[role]} AS VARCHAR)), {total}) IN ({total}, '')")
    exporter, importer = (
        (col["reporter"], col["partner"]) if flow == "exports" else (col["partner"], col["reporter"])
    )
    return FlowSource(
        file=file,
        relation=relation,
        columns={
            "year": col["year"],
            "exporter": _code_or_empty(exporter),
            "importer": _code_or_empty(importer),
            "product": col["product"],
            "value": col["value"],
            "quantity": col.get("quantity", "NULL"),
        },
        labels={
            "year": roles["year"],
            "exporter": roles["reporter" if flow == "exports" else "partner"],
            "importer": roles["partner" if flow == "exports" else "reporter"],
            "product": roles["product"],
            "value": roles["value"],
            "quantity": roles.get("quantity", "quantity"),
        },
        hs_revision=revision,
        where=" AND ".join(where),
        value_scale=1e-3,
        quantity_scale=1e-3,
        first_row=first_row,
    )


def _code_or_empty(column: str) -> str:
    """A country code column with an empty cell shown as ``(empty)``: an unknown code, refused
    with its row, instead of a flow silently dropped for want of a country."""
    return f"coalesce(nullif(trim(CAST({column} AS VARCHAR)), ''), '(empty)')"


def _json_relation(file: Path, quoted: str) -> str:
    key = check_json(file)
    return f"(SELECT unnest({key}, recursive := true) FROM read_json('{quoted}'))"


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """``object_pairs_hook`` for :func:`json.load`: a key given twice in one object is an error
    (the JSON standard leaves its meaning open; DuckDB refuses it, Python keeps the last)."""
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _constant(name: str) -> float:
    """``NaN`` (not JSON, but written by pandas and others for a missing value) stays NaN, which the
    flow checks treat as a missing quantity and refuse as a value; ``Infinity`` is refused."""
    if name == "NaN":
        return math.nan
    raise ValueError(f"{name} is not a number a Comtrade file can hold (a value must be finite)")


def check_json(file: Path) -> str:
    """Check a Comtrade JSON download before DuckDB reads it; returns the key holding the rows.

    Refused, with the record named: invalid JSON, a key given twice in one object, NaN/Infinity,
    a top level that is not an object with a ``data`` (or legacy ``dataset``) list, and records that
    are not flat objects of numbers and text."""
    import gzip
    import json
    import zlib

    opener = gzip.open if file.name.lower().endswith(".gz") else open
    try:
        with opener(file, "rt", encoding="utf-8-sig") as handle:
            document = json.load(handle, object_pairs_hook=_no_duplicates, parse_constant=_constant)
    except _DuplicateKey as exc:
        raise InputError(
            f"the key '{exc.key}' appears twice in one JSON object",
            file=file,
            hint="each record names each field once; download the file again",
        ) from exc
    except RecursionError as exc:
        raise InputError("is nested too deeply to be a Comtrade download", file=file, hint=READ_HINT) from exc
    except (OSError, EOFError, zlib.error, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        # json.JSONDecodeError is a ValueError and says line and column
        raise InputError(f"is not valid JSON: {exc}", file=file, hint=READ_HINT) from exc
    keys = list(document) if isinstance(document, dict) else []
    key = next((k for k in ("data", "dataset") if k in keys), None)
    if key is None:
        found = f"found keys {keys[:12]}" if isinstance(document, dict) else f"found a {_json_type(document)}"
        raise InputError(
            f"a Comtrade JSON download holds its rows under 'data' (or 'dataset'); {found}", file=file
        )
    records = document[key]
    if not isinstance(records, list):
        raise InputError(f"'{key}' holds a {_json_type(records)}, not a list of records", file=file)
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise InputError(
                f"record {number} of '{key}' is a {_json_type(record)}, not an object of fields", file=file
            )
        nested = next((k for k, v in record.items() if isinstance(v, dict | list)), None)
        if nested is not None:
            raise InputError(
                f"record {number} of '{key}': field '{nested}' holds a {_json_type(record[nested])}; "
                "Comtrade records hold numbers and text",
                file=file,
                column=nested,
            )
    if not records:
        raise InputError(f"'{key}' holds no records", file=file)
    return key


def _json_type(value: object) -> str:
    names = {dict: "object", list: "list", str: "text", bool: "true/false", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _roles(names: list[str]) -> dict[str, str]:
    normal = {_normalise(n): n for n in names}
    roles = {}
    for role, aliases in ALIASES.items():
        found = next((normal[a] for a in aliases if a in normal), None)
        if found is not None:
            roles[role] = found
    return roles


def _revision(relation: str, roles: dict[str, str], file: Path, hs: str | None) -> str:
    if hs is not None:
        from silkscope.io.baci import hs_revision

        return hs_revision([], hs)
    if "classification" not in roles:
        raise InputError("no classification column; name the HS revision with --hs", file=file)
    with duckdb.connect() as con:
        query = f'SELECT DISTINCT trim(CAST("{roles["classification"]}" AS VARCHAR)) FROM {relation}'
        try:
            found = [r[0] for r in con.execute(query).fetchall()]
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0][:300]
            raise InputError(f"cannot be read: {first}", file=file, hint=READ_HINT) from exc
    revisions = {CLASSIFICATIONS.get(str(c).upper()) for c in found}
    if None in revisions or len(revisions) != 1:
        raise InputError(
            f"classification code(s) {', '.join(sorted(map(str, found)))} in column "
            f"'{roles['classification']}': one of {', '.join(CLASSIFICATIONS)} expected",
            file=file,
            hint="'HS' (as reported) mixes revisions: download one revision (H0-H6), or name it with --hs",
        )
    return revisions.pop()
