"""Import a validated table into a workspace: all or nothing, recorded in ``sources`` and ``provenance``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from silkscope.io.tables import read_indicator_table
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
    path = Path(path)
    known_units = ws.query("SELECT unit_id FROM units")["unit_id"].tolist()
    resolver = UnitResolver(extra_units=known_units)
    if known_indicators is not None:
        registered = ws.query("SELECT indicator_id FROM indicators")["indicator_id"]
        known_indicators = set(known_indicators) | set(registered)
    table = read_indicator_table(
        path,
        sheet=sheet,
        header_row=header_row,
        encoding=encoding,
        known_indicators=known_indicators,
        custom_units=custom_units,
        resolver=resolver,
        **roles,
    )
    values = table.values
    record = SourceRecord.for_file(path, "table", rows=len(values), licence=licence, title=table.title)
    incoming = values.assign(source_id=record.source_id)
    new_units = sorted(set(values.unit_id) - set(known_units))
    units = [(u, resolver.level(u), u) for u in new_units]
    with ws.transaction() as con:
        con.register("_incoming", incoming)
        replaced = con.execute(
            "SELECT count(*) FROM indicator_values v JOIN _incoming i USING (unit_id, year, indicator_id)"
        ).fetchone()[0]
        con.execute(
            "DELETE FROM indicator_values USING _incoming i WHERE indicator_values.unit_id = i.unit_id "
            "AND indicator_values.year = i.year AND indicator_values.indicator_id = i.indicator_id"
        )
        con.execute(
            "INSERT INTO indicator_values (unit_id, year, indicator_id, value, source_id) "
            "SELECT unit_id, year, indicator_id, value, source_id FROM _incoming"
        )
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
    return (
        None if value is None or (isinstance(value, float) and value != value) or value == "" else str(value)
    )
