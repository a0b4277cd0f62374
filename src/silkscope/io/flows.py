"""Trade flows into a workspace: validated in DuckDB, stored as Parquet partitioned by HS revision
and year under ``<workspace>/trade_flows/``, read through the ``trade_flows`` view.

A reader (``io/baci.py``, ``io/comtrade.py``) describes each file as a :class:`FlowSource`: a
DuckDB relation and SQL expressions that give the canonical text columns. :func:`import_flows`
checks every file in one streaming pass (nothing is loaded whole into memory) and writes the
partitions to a staging folder. An import replaces the partitions (HS revision x year) it brings
and leaves every other partition as it was: the staging folder gets hard links to the current
version's untouched partitions and becomes a complete new version ``trade_flows/v-*``; one
transaction then points ``flow_version`` (and the ``trade_flows`` view) at it and writes the
``sources`` row and the provenance entry. A kill at any instant leaves exactly the old data or
exactly the new; the old version is removed after the switch (or by the next command, see
:meth:`Workspace.clean_stale`). The whole import holds the study lock.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb

from silkscope.errors import InputError, Problem
from silkscope.trade.codes import iso3_mapping
from silkscope.workspace import SourceRecord, Workspace, current_flow_version, kill_point, sql_path, utc_now

HS_REVISIONS = ("HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22")
CANONICAL = ("year", "exporter", "importer", "product", "value", "quantity")
MISSING_QUANTITY = ("", "NA", "N/A", "NaN", "nan")


@dataclass(frozen=True)
class FlowSource:
    """One file of flows: ``relation`` is a DuckDB FROM item; ``columns`` maps each canonical
    column to a SQL text expression over it; ``where`` keeps the rows that are flows."""

    file: Path
    relation: str
    columns: dict[str, str]
    hs_revision: str
    labels: dict[str, str] = field(default_factory=dict)
    where: str = "TRUE"
    value_scale: float = 1.0  # to thousand US dollars
    quantity_scale: float = 1.0  # to metric tons
    first_row: int = 2  # spreadsheet row of the first data row
    country_codes: dict[str, str] = field(default_factory=dict)  # the file's own code -> ISO3
    products: frozenset[str] | None = None  # valid HS6 codes of the revision, when known
    # codes that are groupings, not countries (BACI's "N/A" entries): code -> (stored code, name);
    # they take precedence over the built-in guesses (e.g. 490 -> S19)
    groupings: dict[str, tuple[str, str]] = field(default_factory=dict)
    # the same rows read typed and strictly (the value column a DOUBLE, nothing guessed): one pass
    # to Parquet when every row passes (:func:`write_typed`), else the text path names the rows
    typed_relation: str | None = None
    # the year the file's name gives (BACI's ``_Y2021``): the typed pass writes straight into that
    # year's folder (a row of another year makes it partitioned); None: the year of the first row
    year_hint: str | None = None

    def label(self, column: str) -> str:
        return self.labels.get(column, column)


def relation_columns(relation: str, file: Path, what: str = "cannot be read") -> list[str]:
    """The column names of a DuckDB FROM item, or an InputError naming the file."""
    with duckdb.connect() as con:
        try:
            return list(con.sql(f"SELECT * FROM {relation} LIMIT 0").columns)
        except duckdb.Error as exc:
            raise InputError(f"{what}: {_first_line(exc)}", file=file) from exc


def _checks(products: frozenset[str] | None) -> list[tuple[str, str, str]]:
    """(canonical column, SQL condition of a bad row, what was expected)."""
    number = "TRY_CAST(trim({c}) AS DOUBLE)"
    value, quantity = number.format(c="value"), number.format(c="quantity")
    missing_q = ", ".join(f"'{m}'" for m in MISSING_QUANTITY)
    checks = [
        *(
            (side, f"coalesce(trim({side}), '') = ''", "a country code (the cell is empty)")
            for side in ("exporter", "importer")
        ),
        (
            "year",
            "NOT coalesce(regexp_full_match(trim(year), '[0-9]{4}'), FALSE) "
            "OR CAST(trim(year) AS INTEGER) NOT BETWEEN 1900 AND 2100",
            "a year (a whole number 1900-2100)",
        ),
        (
            "product",
            "NOT coalesce(regexp_full_match(trim(product), '[0-9]{1,6}'), FALSE)",
            "an HS code of up to 6 digits",
        ),
        ("value", f"coalesce(NOT isfinite({value}) OR {value} < 0, TRUE)", "a number >= 0"),
        (
            "quantity",
            f"coalesce(trim(quantity), '') NOT IN ({missing_q}) "
            f"AND coalesce(NOT isfinite({quantity}) OR {quantity} < 0, TRUE)",
            "a number >= 0, blank or NA",
        ),
    ]
    if products is not None:
        checks.append(
            (
                "product",
                "lpad(trim(product), 6, '0') NOT IN (SELECT hs6 FROM _products)",
                "a product code of the release's product list",
            )
        )
    return checks


def sql_list(values: Iterable[str]) -> str:
    """Text values as an SQL list of literals, quotes doubled (a code like ``O'B`` is data, not SQL)."""
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _code(column: str) -> str:
    return f"regexp_replace(trim({column}), '\\.0$', '')"


def _quantity(column: str) -> str:
    """A quantity as a number; blank, NA and NaN (BACI's missing values) as NULL, never NaN."""
    missing = ", ".join(f"'{m}'" for m in MISSING_QUANTITY)
    return f"CASE WHEN coalesce(trim({column}), '') IN ({missing}) THEN NULL ELSE TRY_CAST(trim({column}) AS DOUBLE) END"


def _select(source: FlowSource) -> str:
    exprs = ", ".join(f"CAST({source.columns[c]} AS VARCHAR) AS {c}" for c in CANONICAL)
    return f"SELECT {exprs} FROM {source.relation} WHERE {source.where}"


def _numbered(source: FlowSource) -> str:
    exprs = ", ".join(f"CAST({source.columns[c]} AS VARCHAR) AS {c}" for c in CANONICAL)
    offset = source.first_row - 1
    return (
        f"SELECT line, {', '.join(CANONICAL)} FROM (SELECT row_number() OVER () + {offset} AS line, "
        f"{exprs}, ({source.where}) AS _keep FROM {source.relation}) WHERE _keep"
    )


def validate_source(con: duckdb.DuckDBPyConnection, source: FlowSource) -> dict[str, Any]:
    """Check one file in one pass; register its ``_codes`` (code -> ISO3); raise listing the
    first bad rows of each kind (file, row, column, value, what was expected)."""
    if source.products is not None:
        con.execute("CREATE OR REPLACE TEMP TABLE _products (hs6 VARCHAR)")
        con.executemany("INSERT INTO _products VALUES (?)", [[p] for p in sorted(source.products)])
    checks = _checks(source.products)
    counts = ", ".join(f"count(*) FILTER (WHERE {cond})" for _, cond, _ in checks)
    try:
        row = con.execute(
            f"SELECT count(*), {counts}, list(DISTINCT {_code('exporter')}), "
            f"list(DISTINCT {_code('importer')}), min(TRY_CAST(trim(year) AS INTEGER)), "
            f"max(TRY_CAST(trim(year) AS INTEGER)) FROM ({_select(source)})"
        ).fetchone()
    except duckdb.Error as exc:
        raise InputError(f"cannot be read as a table of flows: {_first_line(exc)}", file=source.file) from exc
    rows, bad, codes = row[0], row[1 : 1 + len(checks)], set(row[-4] or []) | set(row[-3] or [])
    mapping = iso3_mapping(codes, source.country_codes)
    found_groupings = {}
    for code in mapping:
        if code.lstrip("0") in source.groupings:
            stored, name = source.groupings[code.lstrip("0")]
            mapping[code] = stored
            found_groupings[stored] = name
    unknown = sorted(c for c, iso in mapping.items() if iso is None and c.strip())  # empty: own check
    problems: list[Problem] = []
    for (column, cond, expected), n in zip(checks, bad, strict=True):
        if n:
            problems += _examples(con, source, column, cond, f"expected {expected}", n)
    if unknown:
        listed = sql_list(unknown)
        for column in ("exporter", "importer"):
            cond = f"{_code(column)} IN ({listed})"
            problems += _examples(
                con, source, column, cond, "unknown country code (not ISO3, ISO numeric or BACI)", None
            )
    if problems:
        raise InputError(
            problems,
            hint="nothing was imported; correct or drop these rows (a BACI release's own "
            "country_codes/product_codes files can be passed with --country-codes/--product-codes)",
        )
    if rows == 0:
        raise InputError("holds no flows", file=source.file)
    con.execute("CREATE OR REPLACE TEMP TABLE _codes (code VARCHAR, iso3 VARCHAR)")
    con.executemany("INSERT INTO _codes VALUES (?, ?)", sorted(mapping.items()))
    return {"rows": int(rows), "years": (int(row[-2]), int(row[-1])), "groupings": found_groupings}


TYPED_CODES = 1000  # BACI numbers its countries 0-999, written without padding


def write_typed(
    con: duckdb.DuckDBPyConnection, source: FlowSource, staging: Path, tag: str, source_id: str
) -> dict[str, Any] | None:
    """Check and store ``source.typed_relation`` in one streaming pass: read typed and strictly,
    every check of :func:`validate_source` a condition on the row (``error()`` stops the pass at the
    first row that fails), the codes mapped through ENUM types, written as Parquet into ``staging``
    as :func:`write_source` writes it. Nothing is held in DuckDB; the only other read is the
    duplicate check, on the Parquet just written (:func:`_stored_value`).

    Only text the text path takes and stores the same way passes: a year ``1900``-``2100`` in four
    digits, country codes as BACI writes them (a number of up to three digits without padding, one
    of :func:`typed_codes`), an HS code of one to six digits (and of the release's list, when
    given), a finite value >= 0, a quantity that is a finite number >= 0 or one of
    :data:`MISSING_QUANTITY` (padded with spaces or not). A file of one year (BACI's) is written
    straight into its partition folder, the year that of its first row; a row of another year
    makes it one pass partitioned by year. Returns what :func:`validate_source` returns, or None
    when a row fails or the strict read refuses a value: this file's partial output is removed and
    the caller runs the text path, which names the rows. A row with the wrong number of fields (a
    truncated line, an unquoted decimal comma) is refused here, with its line."""
    if source.typed_relation is None:
        return None
    codes, found_groupings = typed_codes(source)
    types = {
        "raw": codes,  # BACI number as written -> its position in the list of stored codes below
        "iso": sorted(set(codes.values())),
        "year": [str(y) for y in range(1900, 2101)],
        "source": [source_id],
    }
    if source.products is not None:
        types["hs6"] = sorted(source.products)
    con.execute("; ".join(f"CREATE TYPE _{name}_{tag} AS ENUM ({sql_list(v)})" for name, v in types.items()))
    first = _year_text(source.year_hint) or _first_year(con, source)
    con.execute("SET preserve_insertion_order = false")  # row order within a partition is not kept
    try:
        for year in (first, None) if first else (None,):
            try:
                copy = _typed_copy(source, staging, tag, codes, year)
                rows = con.execute(copy, [source_id]).fetchone()[0]
                break
            except duckdb.Error as exc:
                if isinstance(exc, duckdb.InvalidInputException):
                    _refuse_field_count(exc, source)
                _remove_output(staging, tag)
                if year is None or _OTHER_YEAR not in str(exc):
                    return None  # a row that fails a check, or a value the strict read refuses
    finally:
        con.execute("SET preserve_insertion_order = true")
    if rows == 0:
        _remove_output(staging, tag)
        return None  # the text path says the file holds no flows
    years = sorted(int(p.parent.name.split("=", 1)[1]) for p in staging.glob(f"*/year=*/{tag}_*"))
    return {"rows": int(rows), "years": (years[0], years[-1]), "groupings": found_groupings}


_ROW_FAILS = "a row fails a check of the typed pass"
_OTHER_YEAR = "a row of another year than the first"


def _typed_copy(source: FlowSource, staging: Path, tag: str, codes: dict[str, str], year: str | None) -> str:
    """The ``COPY`` of :func:`write_typed`: into the folder of ``year`` when given (every row must
    be of it), else partitioned by year; the parameter is the source id (in a CASE: a constant
    would make the column REQUIRED in the Parquet schema, the text path's is OPTIONAL). Uses the ENUM types
    ``_raw/_iso/_year/_source/_hs6_<tag>``."""
    c = {k: (v if v == "NULL" else f"CAST({v} AS VARCHAR)") for k, v in source.columns.items()}
    iso = f"CAST([{sql_list(codes.values())}] AS _iso_{tag}[])"
    hs6 = "CASE WHEN length(k) = 6 THEN k ELSE lpad(k, 6, '0') END"
    hs6 = f"CASE WHEN regexp_full_match(k, '[0-9]{{1,6}}') THEN {hs6} END"
    if source.products is not None:  # the release's list: NULL when not listed
        hs6 = f"TRY_CAST({hs6} AS _hs6_{tag})"
    row_ok = (
        "exporter IS NOT NULL AND importer IS NOT NULL AND hs6 IS NOT NULL "
        "AND isfinite(value) AND value >= 0 "
        f"AND (isfinite(qd) AND qd >= 0 OR coalesce(trim(q), '') IN ({sql_list(MISSING_QUANTITY)}))"
    )
    if year is None:
        years = f"enum_code(TRY_CAST(t AS _year_{tag})) + 1900"
        first = f"CASE WHEN {row_ok} AND year IS NOT NULL THEN year ELSE error('{_ROW_FAILS}') END AS year, exporter"
    else:  # the check of the year is a comparison of text
        years = "t"
        first = (
            f"CASE WHEN {row_ok} AND year = '{year}' THEN exporter WHEN {row_ok} AND TRY_CAST(year AS _year_{tag}) "
            f"IS NOT NULL THEN error('{_OTHER_YEAR}') ELSE error('{_ROW_FAILS}') END AS exporter"
        )
    value = "value" if source.value_scale == 1 else f"value * {source.value_scale}"
    quantity = "CASE WHEN isnan(qd) THEN NULL ELSE qd END"
    quantity = quantity if source.quantity_scale == 1 else f"{quantity} * {source.quantity_scale}"
    select = f"""SELECT {first}, importer, hs6, {value} AS value_kusd, {quantity} AS quantity_t,
            {"" if year else f"'{source.hs_revision}' AS hs_revision, "}CASE WHEN value IS NOT NULL THEN CAST(? AS _source_{tag}) END AS source_id
        FROM (SELECT {years} AS year, {iso}[enum_code(TRY_CAST(e AS _raw_{tag})) + 1] AS exporter,
                {iso}[enum_code(TRY_CAST(m AS _raw_{tag})) + 1] AS importer, {hs6} AS hs6,
                TRY_CAST(v AS DOUBLE) AS value, TRY_CAST(q AS DOUBLE) AS qd, q
            FROM (SELECT {c["year"]} AS t, {c["exporter"]} AS e, {c["importer"]} AS m, {c["product"]} AS k,
                    {source.columns["value"]} AS v, {c["quantity"]} AS q
                FROM {source.typed_relation} WHERE {source.where}))"""
    if year is None:
        target = sql_literal(staging)
        return (
            f"COPY ({select}) TO {target} (FORMAT parquet, COMPRESSION zstd, "
            f"PARTITION_BY (hs_revision, year), FILENAME_PATTERN '{tag}_{{i}}', OVERWRITE_OR_IGNORE)"
        )
    folder = staging / f"hs_revision={source.hs_revision}" / f"year={int(year)}"
    folder.mkdir(parents=True, exist_ok=True)
    return f"COPY ({select}) TO {sql_literal(folder / f'{tag}_0.parquet')} (FORMAT parquet, COMPRESSION zstd)"


def sql_literal(path: Path) -> str:
    """A path as an SQL text literal for ``COPY TO`` (which does not glob): quotes doubled only."""
    return "'" + str(path).replace("'", "''") + "'"


def _first_year(con: duckdb.DuckDBPyConnection, source: FlowSource) -> str | None:
    """The year text of the first flow of ``source.typed_relation`` when it is one the typed pass
    takes (:func:`_year_text`), else None (then the pass is partitioned by year)."""
    try:
        row = con.execute(
            f"SELECT CAST({source.columns['year']} AS VARCHAR) FROM {source.typed_relation} "
            f"WHERE {source.where} LIMIT 1"
        ).fetchone()
    except duckdb.Error:
        return None
    return _year_text(row[0] if row else None)


def _year_text(text: str | None) -> str | None:
    """``text`` when it is a year the typed pass takes (four digits, 1900-2100), else None."""
    return text if text and re.fullmatch(r"[0-9]{4}", text) and 1900 <= int(text) <= 2100 else None


def typed_codes(source: FlowSource) -> tuple[dict[str, str], dict[str, str]]:
    """The country codes :func:`write_typed` takes: each of BACI's numbers ``0``-``999`` as text,
    unpadded, that maps (:func:`~silkscope.trade.codes.iso3_mapping` with the release's
    country_codes, groupings as :func:`validate_source` stores them) -> the stored code; and the
    groupings among them, stored code -> name. Mapped before the data is read, so the pass needs
    no join and no list of the file's codes."""
    mapping = iso3_mapping([str(n) for n in range(TYPED_CODES)], source.country_codes)
    groupings = {}
    for code, (stored, name) in source.groupings.items():
        if code in mapping:
            mapping[code] = stored
            groupings[stored] = name
    return {code: iso for code, iso in mapping.items() if iso is not None}, groupings


def _remove_output(staging: Path, tag: str) -> None:
    """Remove what a failed pass of one file wrote into ``staging`` (its files, then folders left empty)."""
    for file in staging.glob(f"*/*/{tag}_*"):
        file.unlink(missing_ok=True)
    for folder in sorted(staging.glob("*/*"), reverse=True) + sorted(staging.glob("*"), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _refuse_field_count(exc: duckdb.Error, source: FlowSource) -> None:
    """A strict read that stopped at a row with the wrong number of fields: refuse it, naming the
    row (DuckDB counts lines as a spreadsheet does rows, the header being line 1)."""
    text = str(exc)
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    if found is None or line is None:
        return
    raise InputError(
        f"{found.group(2)} fields, expected {found.group(1)} (a truncated or damaged line, or an "
        "unquoted decimal comma?)",
        file=source.file,
        row=int(line.group(1)),
        hint="nothing was imported; download the file again, or quote values that hold a comma",
    )


def _examples(
    con: duckdb.DuckDBPyConnection, source: FlowSource, column: str, cond: str, expected: str, n: int | None
) -> list[Problem]:
    found = con.execute(f"SELECT * FROM ({_numbered(source)}) WHERE {cond} LIMIT 5").df()
    problems = []
    for record in found.to_dict("records"):
        problems.append(
            Problem(
                f"{record[column]!r}: {expected}", str(source.file), int(record["line"]), source.label(column)
            )
        )
    if n is not None and n > len(found):
        problems.append(
            Problem(
                f"... {n:,} rows in all with this problem in column '{source.label(column)}'",
                str(source.file),
            )
        )
    return problems


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def write_source(
    con: duckdb.DuckDBPyConnection, source: FlowSource, staging: Path, tag: str, source_id: str
) -> None:
    """Write one validated file into the staging folder, partitioned by revision and year."""
    target = str(staging).replace("'", "''")  # COPY TO does not glob: quotes doubled only
    con.execute(
        f"""COPY (
            SELECT CAST(trim(year) AS INTEGER) AS year, ce.iso3 AS exporter, ci.iso3 AS importer,
                lpad(trim(product), 6, '0') AS hs6,
                CAST(trim(value) AS DOUBLE) * {source.value_scale} AS value_kusd,
                {_quantity("quantity")} * {source.quantity_scale} AS quantity_t,
                '{source.hs_revision}' AS hs_revision, ? AS source_id
            FROM ({_select(source)}) f
            JOIN _codes ce ON ce.code = {_code("f.exporter")}
            JOIN _codes ci ON ci.code = {_code("f.importer")}
        ) TO '{target}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (hs_revision, year),
            FILENAME_PATTERN '{tag}_{{i}}', OVERWRITE_OR_IGNORE)""",
        [source_id],
    )


def import_flows(
    ws: Workspace,
    sources: Sequence[FlowSource],
    record: SourceRecord,
    command: str,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Validate and store every source, or nothing; returns a summary of what was imported."""
    revisions = sorted({s.hs_revision for s in sources})
    if len(revisions) > 1:
        listed = "; ".join(f"{s.file.name}: {s.hs_revision}" for s in sources)
        raise InputError(
            f"mixed HS revisions in one import ({listed})",
            hint="import each HS revision separately (its flows are stored and queried apart)",
        )
    with ws.lock():
        return _import_locked(ws, sources, record, command, revisions[0], progress)


def _import_locked(
    ws: Workspace,
    sources: Sequence[FlowSource],
    record: SourceRecord,
    command: str,
    revision: str,
    progress: Callable[[str, int, int], None] | None,
) -> dict[str, Any]:
    store = ws.trade_store
    store.mkdir(parents=True, exist_ok=True)
    tag = f"{utc_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    staging, version = store / f".staging-{tag}", store / f"v-{tag}"
    spill = store / f".staging-{tag}-spill"
    total, years, nes = 0, set(), {}
    committed = False
    try:
        with duckdb.connect() as con:
            con.execute("SET preserve_insertion_order = true; SET enable_progress_bar = false")
            con.execute(f"SET temp_directory = '{sql_path(spill)}'")  # where DuckDB may spill
            for n, source in enumerate(sources, 1):
                if progress:
                    progress(f"checking {source.file.name}", n - 1, len(sources))
                checked = write_typed(con, source, staging, f"f{n}", record.source_id)
                if checked is None:  # the text path: two reads, names every bad row
                    checked = validate_source(con, source)
                    if progress:
                        progress(f"writing {source.file.name}", n - 1, len(sources))
                    write_source(con, source, staging, f"f{n}", record.source_id)
                kill_point("written")
                total += checked["rows"]
                nes.update(checked["groupings"])
                years.update(range(checked["years"][0], checked["years"][1] + 1))
            value = _stored_value(con, staging, sources)
            glob = f"{sql_path(staging)}/*/*/*.parquet"
            grouped = _grouping_flows(con, glob, nes)
        kill_point("staged")
        partitions = sorted(p.relative_to(staging) for p in staging.glob("*/*") if p.is_dir())
        # the version is read, linked from and replaced in one transaction (one connection; a kill
        # before the commit leaves the store as it was)
        with ws.transaction() as wcon:
            old = store / current_flow_version(wcon)
            replaced = [p for p in partitions if (old / p).is_dir()]
            _link_untouched(old, staging, set(partitions))
            kill_point("linked")
            staging.rename(version)
            kill_point("renamed")
            summary = {
                "files": [str(s.file) for s in sources],
                "source_id": record.source_id,
                "hs_revision": revision,
                "rows": total,
                "value_kusd": value,
                "partitions": [str(p) for p in partitions],
                "replaced": [str(p) for p in replaced],
                "groupings": grouped,
                "version": version.name,
            }
            Workspace.set_flow_version(wcon, version.name)
            Workspace.record_source(wcon, replace(record, rows=total))
            ws.refresh_trade_view(wcon)
            wcon.execute(
                "INSERT INTO provenance VALUES (?, ?, ?)",
                [utc_now(), command, json.dumps(summary, ensure_ascii=False, default=str)],
            )
            kill_point("switching")
        committed = True
        kill_point("switched")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(spill, ignore_errors=True)
        if not committed:
            shutil.rmtree(version, ignore_errors=True)
    ws.remove_stale(current=version.name)  # the old version (the lock is held: nothing else is live)
    if progress:
        progress("done", len(sources), len(sources))
    return summary


def _link_untouched(old: Path, staging: Path, brought: set[Path]) -> None:
    """Give the new version the old version's partitions the import does not replace: hard links
    (no data copied; the old files are never written again), a copy where links are refused."""
    if not old.is_dir():
        return
    for part in sorted(p.relative_to(old) for p in old.glob("hs_revision=*/year=*") if p.is_dir()):
        if part in brought:
            continue
        (staging / part).mkdir(parents=True, exist_ok=True)
        for file in (old / part).iterdir():
            try:
                os.link(file, staging / part / file.name)
            except OSError:  # another file system, or links not supported
                shutil.copy2(file, staging / part / file.name)
        kill_point("linking")


def _grouping_flows(con: duckdb.DuckDBPyConnection, glob: str, nes: dict[str, str]) -> list[dict]:
    """``code, name, flows, value_kusd`` of each grouping (not a country) among the flows stored."""
    if not nes:
        return []
    listed = sql_list(sorted(nes))
    rows = con.execute(
        f"SELECT code, count(*), sum(value_kusd) FROM (SELECT exporter AS code, value_kusd FROM "
        f"read_parquet('{glob}') WHERE exporter IN ({listed}) UNION ALL SELECT "
        f"importer, value_kusd FROM read_parquet('{glob}') WHERE importer IN ({listed})) "
        "GROUP BY code ORDER BY code"
    ).fetchall()
    return [{"code": c, "name": nes[c], "flows": int(n), "value_kusd": float(v)} for c, n, v in rows]


def _stored_value(con: duckdb.DuckDBPyConnection, staging: Path, sources: Sequence[FlowSource]) -> float:
    """The value total of the staged flows, once no flow (year, exporter, importer, HS6) is stored
    twice. Exact and cheap: in each partition (one year of the revision) the flows of each
    exporter-importer pair set one bit per HS6 code in a bitstring (the codes numbered densely by an
    ENUM of those stored); the bits set add up to the rows exactly when no key repeats. That is a
    hash table of pairs (thousands) instead of one of flows (millions). Only when they differ is
    every key grouped (:func:`_refuse_duplicates`), to name the duplicates."""
    glob = f"{sql_path(staging)}/*/*/*.parquet"
    con.execute(f"CREATE TYPE _stored_hs6 AS ENUM (SELECT DISTINCT hs6 FROM read_parquet('{glob}'))")
    codes = con.execute("SELECT len(enum_range(NULL::_stored_hs6))").fetchone()[0]
    rows, bits, value = 0, 0, 0.0
    for part in sorted(p for p in staging.glob("*/*") if p.is_dir()):  # a year's bitstrings at a time
        n, b, v = con.execute(
            "SELECT sum(n), sum(bit_count(b)), sum(v) FROM (SELECT count(*) AS n, sum(value_kusd) AS v, "
            f"bitstring_agg(enum_code(CAST(hs6 AS _stored_hs6)), 0, {codes - 1}) AS b "
            f"FROM read_parquet('{sql_path(part)}/*.parquet') GROUP BY exporter, importer)"
        ).fetchone()
        rows, bits, value = rows + (n or 0), bits + (b or 0), value + (v or 0.0)
    if bits != rows:
        _refuse_duplicates(con, glob, sources)
    return value


def _refuse_duplicates(con: duckdb.DuckDBPyConnection, glob: str, sources: Sequence[FlowSource]) -> None:
    """Refuse flows stored more than once, naming the first five."""
    dup = con.execute(
        f"SELECT year, exporter, importer, hs6, count(*) AS n FROM read_parquet('{glob}', "
        "hive_partitioning = true) GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL LIMIT 5"
    ).fetchall()
    if dup:
        files = ", ".join(s.file.name for s in sources)
        shown = "; ".join(f"{y} {e}->{i} {k} ({n} rows)" for y, e, i, k, n in dup)
        raise InputError(
            f"the same flow (year, exporter, importer, HS6) appears more than once: {shown}",
            file=files,
            hint="a file was given twice, or a Comtrade file holds several customs/transport "
            "breakdowns: keep one row per flow",
        )
