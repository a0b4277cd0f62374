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
from silkscope.workspace import SourceRecord, Workspace, kill_point, sql_path, utc_now

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
    # into staging when every row passes (:func:`stage_typed`), else the text path names the rows
    typed_relation: str | None = None

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


def stage_typed(con: duckdb.DuckDBPyConnection, source: FlowSource) -> dict[str, Any] | None:
    """Read ``source.typed_relation`` once into the temp table ``_staged`` (typed: year, codes,
    hs6, value, quantity) and run every check of :func:`validate_source` on it; registers
    ``_codes`` and returns what :func:`validate_source` returns when every row passes. None when
    any row fails or the strict read fails on a value: the caller then runs the text path, which
    names the rows. A row with the wrong number of fields (a truncated line, an unquoted decimal
    comma) is refused here, with its line."""
    if source.typed_relation is None:
        return None
    c = {k: (v if v == "NULL" else f"CAST({v} AS VARCHAR)") for k, v in source.columns.items()}
    missing = ", ".join(f"'{m}'" for m in MISSING_QUANTITY)
    # codes kept as read (trimmed and mapped once per distinct code below); quantity: NaN and the
    # missing spellings are NULL, any other text that is not a number >= 0 is a bad row
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _staged AS SELECT
                CASE WHEN regexp_full_match(trim(t), '[0-9]{{4}}') THEN CAST(trim(t) AS INTEGER) END AS year,
                e AS exporter, m AS importer,
                CASE WHEN regexp_full_match(trim(k), '[0-9]{{1,6}}') THEN lpad(trim(k), 6, '0') END AS hs6,
                v AS value, CASE WHEN isnan(qd) THEN NULL ELSE qd END AS quantity,
                CASE WHEN qd IS NULL OR isnan(qd) THEN coalesce(trim(q), '') NOT IN ({missing})
                    ELSE isinf(qd) OR qd < 0 END AS q_bad
            FROM (SELECT {c["year"]} AS t, {c["exporter"]} AS e, {c["importer"]} AS m, {c["product"]} AS k,
                    TRY_CAST({source.columns["value"]} AS DOUBLE) AS v, {c["quantity"]} AS q,
                    TRY_CAST({c["quantity"]} AS DOUBLE) AS qd
                FROM {source.typed_relation} WHERE {source.where})"""
        )
    except duckdb.InvalidInputException as exc:
        _refuse_field_count(exc, source)
        return None
    except duckdb.Error:
        return None  # a value the strict read does not take: the text path names it
    products = ""
    if source.products is not None:
        con.execute("CREATE OR REPLACE TEMP TABLE _products (hs6 VARCHAR)")
        con.executemany("INSERT INTO _products VALUES (?)", [[p] for p in sorted(source.products)])
        products = ", count(*) FILTER (WHERE hs6 NOT IN (SELECT hs6 FROM _products))"
    row = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE year IS NULL OR year NOT BETWEEN 1900 AND 2100 "
        "OR coalesce(trim(exporter), '') = '' OR coalesce(trim(importer), '') = '' "
        f"OR hs6 IS NULL OR value IS NULL OR NOT isfinite(value) OR value < 0 OR q_bad){products}, "
        "list(DISTINCT exporter), list(DISTINCT importer), min(year), max(year) FROM _staged"
    ).fetchone()
    if row[0] == 0 or row[1] or (products and row[2]):
        return None
    raw = set(row[-4] or []) | set(row[-3] or [])
    clean = {code: _clean_code(code) for code in raw}
    mapping = iso3_mapping(set(clean.values()), source.country_codes)
    found_groupings = {}
    for code in mapping:
        if code.lstrip("0") in source.groupings:
            stored, name = source.groupings[code.lstrip("0")]
            mapping[code] = stored
            found_groupings[stored] = name
    if any(iso is None for iso in mapping.values()):
        return None
    con.execute("CREATE OR REPLACE TEMP TABLE _codes (code VARCHAR, iso3 VARCHAR)")
    con.executemany("INSERT INTO _codes VALUES (?, ?)", sorted((r, mapping[k]) for r, k in clean.items()))
    return {"rows": int(row[0]), "years": (int(row[-2]), int(row[-1])), "groupings": found_groupings}


def _clean_code(code: str | None) -> str:
    """What :func:`_code` does in SQL, on one distinct code: trimmed, a trailing ``.0`` removed."""
    text = (code or "").strip()
    return text[:-2] if text.endswith(".0") else text


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


def write_staged(
    con: duckdb.DuckDBPyConnection, source: FlowSource, staging: Path, tag: str, source_id: str
) -> None:
    """Write the rows :func:`stage_typed` checked into the staging folder, as :func:`write_source`."""
    target = str(staging).replace("'", "''")  # COPY TO does not glob: quotes doubled only
    con.execute("SET preserve_insertion_order = false")  # row order within a partition is not kept
    con.execute(
        f"""COPY (
            SELECT s.year, ce.iso3 AS exporter, ci.iso3 AS importer, s.hs6,
                s.value * {source.value_scale} AS value_kusd, s.quantity * {source.quantity_scale} AS quantity_t,
                '{source.hs_revision}' AS hs_revision, ? AS source_id
            FROM _staged s JOIN _codes ce ON ce.code = s.exporter JOIN _codes ci ON ci.code = s.importer
        ) TO '{target}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (hs_revision, year),
            FILENAME_PATTERN '{tag}_{{i}}', OVERWRITE_OR_IGNORE)""",
        [source_id],
    )
    con.execute("DROP TABLE _staged; SET preserve_insertion_order = true")


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
    current = ws.flow_version
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
                checked = stage_typed(con, source)
                if checked is None:  # the text path: two reads, names every bad row
                    con.execute("DROP TABLE IF EXISTS _staged")
                    checked = validate_source(con, source)
                    if progress:
                        progress(f"writing {source.file.name}", n - 1, len(sources))
                    write_source(con, source, staging, f"f{n}", record.source_id)
                else:
                    if progress:
                        progress(f"writing {source.file.name}", n - 1, len(sources))
                    write_staged(con, source, staging, f"f{n}", record.source_id)
                kill_point("written")
                total += checked["rows"]
                nes.update(checked["groupings"])
                years.update(range(checked["years"][0], checked["years"][1] + 1))
            glob = f"{sql_path(staging)}/*/*/*.parquet"
            _refuse_duplicates(con, glob, sources)
            value = con.execute(f"SELECT sum(value_kusd) FROM read_parquet('{glob}')").fetchone()[0]
            grouped = _grouping_flows(con, glob, nes)
        kill_point("staged")
        partitions = sorted(p.relative_to(staging) for p in staging.glob("*/*") if p.is_dir())
        old = store / current
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
            "value_kusd": float(value or 0.0),
            "partitions": [str(p) for p in partitions],
            "replaced": [str(p) for p in replaced],
            "groupings": grouped,
            "version": version.name,
        }
        with ws.transaction() as wcon:
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
    ws.remove_stale()  # the old version (the lock is held: nothing else is live)
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


def _refuse_duplicates(con: duckdb.DuckDBPyConnection, glob: str, sources: Sequence[FlowSource]) -> None:
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
