"""``silkscope import geodist``: gravity covariates (CEPII GeoDist) into the ``pairs`` table.

``register(app)`` adds it to the ``import`` group (see ``commands/imports.py``).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from silkscope.commands._common import console, reports_errors


@reports_errors
def geodist(
    file: Path = typer.Argument(..., help="CEPII dist_cepii table (.csv, .csv.gz, .xlsx or .parquet)."),
    licence: str = typer.Option(None, "--licence", help="Licence text of the data, recorded in sources."),
    workspace: Path = typer.Option(Path("."), "--workspace", help="Study folder (default: current folder)."),
) -> None:
    """Import CEPII GeoDist distances, contiguity, common language and colonial ties, all or nothing."""
    from silkscope.io.geodist import read_geodist
    from silkscope.workspace import SourceRecord, Workspace, utc_now

    ws = Workspace.open(workspace)
    pairs = read_geodist(file)
    record = SourceRecord.for_file(
        file, "geodist", rows=len(pairs), publisher="CEPII (GeoDist, Mayer & Zignago 2011)",
        url="http://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=6", licence=licence,
    )  # fmt: skip
    incoming = pairs.assign(source_id=record.source_id)
    with ws.transaction() as con:
        con.register("_pairs", incoming)
        replaced = con.execute("SELECT count(*) FROM pairs JOIN _pairs USING (origin, dest)").fetchone()[0]
        con.execute("DELETE FROM pairs USING _pairs p WHERE pairs.origin = p.origin AND pairs.dest = p.dest")
        con.execute(
            "INSERT INTO pairs (origin, dest, dist_km, distw_km, contig, comlang_off, comlang_ethno, "
            "colony, source_id) SELECT origin, dest, dist_km, distw_km, contig, comlang_off, "
            "comlang_ethno, colony, source_id FROM _pairs"
        )
        con.unregister("_pairs")
        Workspace.record_source(con, record)
        summary = {"file": str(file), "rows": len(pairs), "replaced": int(replaced)}
        con.execute(
            "INSERT INTO provenance VALUES (?, ?, ?)",
            [utc_now(), "import geodist", json.dumps(summary, ensure_ascii=False)],
        )
    console.print(
        f"imported {len(pairs):,} country pairs ({pairs.origin.nunique()} countries) from {file.name} "
        f"as source {record.source_id}" + (f"; {replaced:,} replaced" if replaced else "")
    )


def register(app: typer.Typer) -> None:
    """Add this module's import commands to the ``import`` group."""
    app.command("geodist")(geodist)
