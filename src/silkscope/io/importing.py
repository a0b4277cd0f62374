"""Import validated tables into a workspace: all or nothing, recorded in ``sources`` and ``provenance``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from silkscope.errors import InputError
from silkscope.io.tables import IndicatorTable, read_indicator_table
from silkscope.reference import UnitResolver
from silkscope.workspace import SourceRecord, Workspace, utc_now


def import_indicator_table(
    ws: Workspace,
    path: str | Path,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    licence: str | None = None,
    custom_units: bool = False,
    known_indicators: Iterable[str] | None = None,
    **roles: Any,
) -> dict[str, Any]:
    """Validate ``path`` fully, then in one transaction upsert its values into ``indicator_values``,
    add new indicator ids and units, record the source and log provenance; any error changes nothing.

    Units already in the workspace (e.g. custom units of an earlier import) are recognised. With
    ``known_indicators`` (e.g. a framework's leaves) an indicator that is neither there nor already
    in the workspace is a problem. ``roles`` are the column roles and indicator facts of
    :func:`~silkscope.io.tables.read_indicator_table` (``indicator``, ``value_column``, ``aliases``…);
    the indicators' names, measurement unit and the source's footnote go to ``indicators`` (given
    values replace stored ones, missing ones keep them).
    """
    return import_indicator_tables(
        ws,
        [path],
        sheet=sheet,
        header_row=header_row,
        encoding=encoding,
        licence=licence,
        custom_units=custom_units,
        known_indicators=known_indicators,
        **roles,
    )[0]


def import_indicator_tables(
    ws: Workspace,
    paths: Sequence[str | Path],
    *,
    licence: str | None = None,
    known_indicators: Iterable[str] | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Several files with the same options (e.g. one yearbook table per year): every file is
    validated first, then all are written in one transaction — one bad file changes nothing.
    A value given by two of the files is refused unless both give the same number."""
    if not paths:
        raise InputError("no file to import")
    with ws.connect(read_only=True) as con:
        known_units = [r[0] for r in con.execute("SELECT unit_id FROM units").fetchall()]
        registered = [r[0] for r in con.execute("SELECT indicator_id FROM indicators").fetchall()]
    resolver = UnitResolver(extra_units=known_units)
    if known_indicators is not None:
        known_indicators = set(known_indicators) | set(registered)
    tables = [
        (Path(p), read_indicator_table(p, known_indicators=known_indicators, resolver=resolver, **options))
        for p in paths
    ]
    _across_files(tables)
    summaries = []
    with ws.transaction() as con:
        for path, table in tables:
            summaries.append(_write(con, path, table, resolver, licence))
    return summaries


def _across_files(tables: list[tuple[Path, IndicatorTable]]) -> None:
    if len(tables) < 2:
        return
    keyed = pd.concat([t.values.assign(file=p.name) for p, t in tables], ignore_index=True).drop_duplicates(
        ["unit_id", "year", "indicator_id", "value"]
    )
    clash = keyed[keyed.duplicated(["unit_id", "year", "indicator_id"], keep=False)]
    if clash.empty:
        return
    problems = [
        f"{g.file.iloc[0]} and {g.file.iloc[1]} both give unit {u}, year {y}, indicator '{i}': "
        f"{g.value.iloc[0]:g} and {g.value.iloc[1]:g}"
        for (u, y, i), g in clash.groupby(["unit_id", "year", "indicator_id"], sort=True)
    ]
    raise InputError(problems, hint="import the files one at a time, or give them different --indicator ids")


def _write(
    con, path: Path, table: IndicatorTable, resolver: UnitResolver, licence: str | None
) -> dict[str, Any]:
    values = table.values
    record = SourceRecord.for_file(path, "table", rows=len(values), licence=licence, title=table.title)
    incoming = values.assign(source_id=record.source_id)
    known_units = {r[0] for r in con.execute("SELECT unit_id FROM units").fetchall()}
    new_units = sorted(set(values.unit_id) - known_units)
    units = [(u, resolver.level(u), u) for u in new_units]
    replaced = Workspace.upsert_values(con, incoming)
    con.register("_incoming", incoming)
    new_indicators = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT indicator_id FROM _incoming i WHERE NOT EXISTS "
            "(SELECT 1 FROM indicators d WHERE d.indicator_id = i.indicator_id) ORDER BY 1"
        ).fetchall()
    ]
    if new_indicators:
        con.executemany(
            "INSERT INTO indicators (indicator_id, source_id) VALUES (?, ?)",
            [[i, record.source_id] for i in new_indicators],
        )
    facts = table.indicators
    if facts is not None and not facts.empty:
        con.executemany(
            "UPDATE indicators SET name_zh = coalesce(?, name_zh), name_en = coalesce(?, name_en), "
            "unit = coalesce(?, unit), notes = coalesce(?, notes) WHERE indicator_id = ?",
            [
                [_text(r.name_zh), _text(r.name_en), _text(r.unit), _text(r.notes), r.indicator_id]
                for r in facts.itertuples(index=False)
            ],
        )
    if units:
        con.executemany("INSERT INTO units (unit_id, level, name_en) VALUES (?, ?, ?)", units)
    Workspace.record_source(con, record)
    con.unregister("_incoming")
    summary: dict[str, Any] = {
        "file": str(path),
        "source_id": record.source_id,
        "layout": table.layout,
        "rows": len(values),
        "replaced": int(replaced),
        "units": int(values.unit_id.nunique()),
        "indicators": int(values.indicator_id.nunique()),
        "years": f"{values.year.min()}–{values.year.max()}",
        "new_indicators": new_indicators,
        "new_units": new_units,
        "ignored_columns": list(table.unused_columns),
        "skipped_rows": list(table.skipped_rows),
        "notes": list(table.notes),
        "remarks": list(table.remarks),
        "indicator_facts": [] if facts is None else facts.to_dict("records"),
    }
    con.execute(
        "INSERT INTO provenance VALUES (?, ?, ?)",
        [utc_now(), "import table", json.dumps(summary, ensure_ascii=False, default=str)],
    )
    return summary


def _text(value: Any) -> str | None:
    """A stored text: None for missing/empty (so coalesce keeps what the workspace has)."""
    if value is None or (isinstance(value, float) and value != value) or value == "":
        return None
    return str(value)
