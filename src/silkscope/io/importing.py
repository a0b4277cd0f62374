"""Import a validated table into a workspace: all or nothing, recorded in ``sources``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from silkscope.io.tables import read_indicator_table
from silkscope.reference import UnitResolver
from silkscope.workspace import SourceRecord, Workspace


def import_indicator_table(ws: Workspace, path: str | Path, **options: Any) -> dict[str, Any]:
    """Validate ``path`` fully, then in one transaction upsert its values into ``indicator_values``,
    add new indicator ids and custom units, and record the source; any error changes nothing."""
    path = Path(path)
    licence = options.pop("licence", None)
    known_units = ws.query("SELECT unit_id FROM units")["unit_id"].tolist()
    table = read_indicator_table(path, resolver=UnitResolver(extra_units=known_units), **options)
    values = table.values
    record = SourceRecord.for_file(path, "table", rows=len(values), licence=licence)
    frame = values.assign(source_id=record.source_id)
    with ws.transaction() as con:
        con.register("_incoming", frame)
        con.execute(
            "DELETE FROM indicator_values USING _incoming i WHERE indicator_values.unit_id = i.unit_id "
            "AND indicator_values.year = i.year AND indicator_values.indicator_id = i.indicator_id"
        )
        con.execute(
            "INSERT INTO indicator_values (unit_id, year, indicator_id, value, source_id) "
            "SELECT unit_id, year, indicator_id, value, source_id FROM _incoming"
        )
        con.execute(
            "INSERT INTO indicators (indicator_id, source_id) SELECT DISTINCT indicator_id, source_id FROM _incoming i "
            "WHERE NOT EXISTS (SELECT 1 FROM indicators d WHERE d.indicator_id = i.indicator_id)"
        )
        for unit in table.custom_units:
            if unit not in known_units:
                con.execute(
                    "INSERT INTO units (unit_id, level, name_en) VALUES (?, 'custom', ?)", [unit, unit]
                )
        Workspace.record_source(con, record)
        con.unregister("_incoming")
    ws.log("import table", {"file": str(path), "rows": len(values), "source_id": record.source_id})
    return {
        "rows": len(values),
        "units": values.unit_id.nunique(),
        "indicators": values.indicator_id.nunique(),
        "years": f"{values.year.min()}–{values.year.max()}",
        "source_id": record.source_id,
    }
