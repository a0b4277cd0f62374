"""The study's tables of the talent and smile-curve modules (issue 18): imported with
``silkscope import table FILE --kind KIND``, read by ``talent gap``/``cluster smile --workspace``
and by the report sections.

=================  =================  ===================================================================
``--kind``         DuckDB table       columns (checked by)
=================  =================  ===================================================================
talent-supply      ``talent_supply``  region, field, year, value (``talent.gap.check_long``)
talent-demand      ``talent_demand``  region, sector, year, value (``talent.gap.check_long``)
talent-mapping     ``talent_mapping`` the YAML text of a field → sector mapping, one row
                                      (``talent.gap.parse_mapping``; see ``field_sector_mapping.yaml``)
chain-stages       ``chain_stages``   stage, order, output, value_added[, year][, region]
                                      (``cluster.chain.stage_table``); the NBS release layout
                                      (``manufacturing_va, wholesale_retail_va, services_va``) is
                                      reshaped first (``cluster.chain_nbs``)
=================  =================  ===================================================================

Each import replaces the table whole, with its ``sources`` rows, in one transaction under the
study lock: a file that fails its checks raises before anything is written, so the study keeps the
table it had. Every row keeps the ``source_id`` of the file it came from.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from silkscope.errors import InputError

#: the DuckDB columns of each table (the last is always ``source_id``)
SCHEMAS: dict[str, str] = {
    "talent_supply": "region VARCHAR, field VARCHAR, year INTEGER, value DOUBLE, source_id VARCHAR",
    "talent_demand": "region VARCHAR, sector VARCHAR, year INTEGER, value DOUBLE, source_id VARCHAR",
    "talent_mapping": "yaml VARCHAR, source_id VARCHAR",
    "chain_stages": 'stage VARCHAR, "order" DOUBLE, output DOUBLE, value_added DOUBLE, year INTEGER, '
    "region VARCHAR, source_id VARCHAR",
}


@dataclass(frozen=True)
class ModuleKind:
    """One ``--kind``: its table and how a file becomes that table's rows (checked)."""

    kind: str
    table: str
    rows: Callable[[Path, dict], tuple[pd.DataFrame, list[str]]]


def _read(path: Path, options: dict) -> pd.DataFrame:
    from silkscope.io.tables import read_table

    return read_table(path, **options)


def _long(key: str) -> Callable[[Path, dict], tuple[pd.DataFrame, list[str]]]:
    def rows(path: Path, options: dict) -> tuple[pd.DataFrame, list[str]]:
        from silkscope.talent.gap import check_long

        return check_long(_read(path, options), key, path.name), []

    return rows


def _mapping(path: Path, options: dict) -> tuple[pd.DataFrame, list[str]]:
    from silkscope.talent.gap import parse_mapping

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("a mapping is a UTF-8 YAML text file", file=path.name) from None
    mapping = parse_mapping(text, path.name)
    return pd.DataFrame({"yaml": [text]}), [f"{len(mapping)} fields mapped: {', '.join(mapping)}"]


def _stages(path: Path, options: dict) -> tuple[pd.DataFrame, list[str]]:
    from silkscope.cluster.chain import smile_curve, stage_table
    from silkscope.cluster.chain_nbs import is_nbs_layout, nbs_stage_table

    frame = _read(path, options)
    notes = []
    if is_nbs_layout(frame):
        frame = nbs_stage_table(frame, path.name)
        notes.append(
            "the NBS release layout (value added by activity per year) was reshaped into "
            f"{len(frame)} stage rows: manufacturing = 1, wholesale and retail = 2, services = 3; "
            "no gross output is published, so the curve is fitted on value-added shares"
        )
    table = stage_table(frame, path.name)
    smile_curve(table, path.name)  # refuse at import what the curve cannot be fitted on
    for column in ("year", "region"):
        if column not in table.columns:
            table[column] = None
    table["year"] = pd.to_numeric(table["year"], errors="coerce").astype("Int64")
    table["region"] = table["region"].where(table["region"].notna(), None)
    return table[["stage", "order", "output", "value_added", "year", "region"]], notes


KINDS: dict[str, ModuleKind] = {
    k.kind: k
    for k in (
        ModuleKind("talent-supply", "talent_supply", _long("field")),
        ModuleKind("talent-demand", "talent_demand", _long("sector")),
        ModuleKind("talent-mapping", "talent_mapping", _mapping),
        ModuleKind("chain-stages", "chain_stages", _stages),
    )
}


def import_module_table(
    ws, path: Path, kind: str, licence: str | None = None, **options
) -> dict[str, object]:
    """Check ``path`` as a ``kind`` table, then replace the study's table with it (and the
    ``sources`` rows of the file it replaces) in one transaction; returns a summary."""
    from silkscope.workspace import SourceRecord, utc_now

    spec = KINDS[kind]
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}", file=path)
    rows, notes = spec.rows(path, {k: v for k, v in options.items() if v is not None})
    if rows.empty:
        raise InputError("the file holds no rows", file=path.name)
    record = SourceRecord.for_file(path, kind, rows=len(rows), licence=licence)
    frame = rows.assign(source_id=record.source_id)
    with ws.transaction() as con:
        con.execute(f'CREATE TABLE IF NOT EXISTS "{spec.table}" ({SCHEMAS[spec.table]})')
        replaced = con.execute(f'SELECT count(*) FROM "{spec.table}"').fetchone()[0]
        con.execute(f'DELETE FROM "{spec.table}"')
        con.execute("DELETE FROM sources WHERE kind = ?", [kind])
        con.register("_module_rows", frame)
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f'INSERT INTO "{spec.table}" ({columns}) SELECT {columns} FROM _module_rows')
        con.unregister("_module_rows")
        ws.record_source(con, record)
        details = {"file": str(path), "rows": len(rows), "replaced": int(replaced)}
        con.execute(
            "INSERT INTO provenance VALUES (?, ?, ?)",
            [utc_now(), f"import table --kind {kind}", json.dumps(details, ensure_ascii=False)],
        )
    return {"table": spec.table, "rows": len(rows), "replaced": int(replaced), "notes": notes,
            "source_id": record.source_id}  # fmt: skip


def _held(ws, table: str) -> bool:
    if not ws.db_path.exists():
        return False
    with ws.connect(read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [table]
        ).fetchone()[0]
        return bool(exists) and con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] > 0


def study_table(ws, table: str) -> pd.DataFrame | None:
    """The rows of one module table (without ``source_id``), or None when the study has none."""
    if not _held(ws, table):
        return None
    frame = ws.query(f'SELECT * FROM "{table}"').drop(columns="source_id")
    return frame


def talent_inputs(ws) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, float]] | None] | None:
    """``(supply, demand, mapping)`` held by the study (mapping None: fields match sectors by
    name), or None when it lacks supply or demand."""
    from silkscope.talent.gap import parse_mapping

    supply, demand = study_table(ws, "talent_supply"), study_table(ws, "talent_demand")
    if supply is None or demand is None:
        return None
    text = study_table(ws, "talent_mapping")
    mapping = None if text is None else parse_mapping(str(text["yaml"].iloc[0]), "talent_mapping")
    order = ["region", "field", "year"]
    return (
        supply.sort_values(order).reset_index(drop=True),
        demand.sort_values(["region", "sector", "year"]).reset_index(drop=True),
        mapping,
    )


def chain_stages(ws) -> pd.DataFrame | None:
    """The study's chain-stage table as ``cluster smile`` reads a file (``year``/``region`` only
    when given), or None when the study has none."""
    frame = study_table(ws, "chain_stages")
    if frame is None:
        return None
    for column in ("region", "year"):
        if frame[column].isna().all():
            frame = frame.drop(columns=column)
    if "year" in frame.columns:
        frame["year"] = frame["year"].astype("Int64")
    keys = [c for c in ("year", "region") if c in frame.columns]
    return frame.sort_values([*keys, "order"]).reset_index(drop=True)


def missing_kinds(ws, kinds: tuple[str, ...]) -> list[str]:
    """Which of ``kinds`` the study does not hold (for messages)."""
    return [k for k in kinds if not _held(ws, KINDS[k].table)]
