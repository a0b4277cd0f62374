"""``silkscope import baci`` and ``silkscope import comtrade``: trade flows into the workspace.

``register(app)`` adds them to the ``import`` group (see ``commands/imports.py``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import typer

from silkscope.commands._common import console, progress_bar, reports_errors

WORKSPACE = typer.Option(Path("."), "--workspace", help="Study folder (default: current folder).")
LICENCE = typer.Option(None, "--licence", help="Licence text of the data, recorded in sources.")
WAIT = typer.Option(
    30.0, "--wait", min=0, help="Seconds to wait while another command writes the study (default 30)."
)


@reports_errors
def baci(
    path: Path = typer.Argument(
        ..., help="BACI zip, a folder of its CSVs, or one flow file (.csv, .csv.gz, .parquet)."
    ),
    hs: str = typer.Option(None, "--hs", help="HS revision (HS92 ... HS22) when file names do not say."),
    country_codes: Path = typer.Option(
        None, "--country-codes", help="BACI country_codes file (default: the one in PATH)."
    ),
    product_codes: Path = typer.Option(
        None, "--product-codes", help="BACI product_codes file (default: the one in PATH)."
    ),
    licence: str = LICENCE,
    workspace: Path = WORKSPACE,
    wait: float = WAIT,
) -> None:
    """Import CEPII BACI flows: validated, stored as Parquet by HS revision and year."""
    from silkscope.io import baci as reader
    from silkscope.workspace import SourceRecord, Workspace

    ws = Workspace.open(workspace, wait=wait)
    # the lock first: a .baci-* folder exists only while its import holds the lock (clean_stale)
    with ws.lock(), tempfile.TemporaryDirectory(dir=ws.root, prefix=".baci-") as tmp:
        found = reader.sources(path, Path(tmp), hs, country_codes, product_codes)
        record = SourceRecord.for_file(
            path,
            "baci",
            rows=0,
            publisher="CEPII",
            licence=licence,
            url="http://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37",
        )
        summary = _run(ws, found, record, "import baci")
    _report(summary, path)


@reports_errors
def comtrade(
    file: Path = typer.Argument(..., help="UN Comtrade bulk or API download (CSV or JSON)."),
    flow: str = typer.Option(
        "exports", "--flow", help="exports | imports: which reported flow becomes the flows."
    ),
    hs: str = typer.Option(
        None, "--hs", help="HS revision when the file's classification code is 'HS' (as reported)."
    ),
    licence: str = LICENCE,
    workspace: Path = WORKSPACE,
    wait: float = WAIT,
) -> None:
    """Import UN Comtrade flows (HS 6-digit, one reporter's exports or imports)."""
    from silkscope.io import comtrade as reader
    from silkscope.workspace import SourceRecord, Workspace

    ws = Workspace.open(workspace, wait=wait)
    found = reader.source(file, flow=flow, hs=hs)
    record = SourceRecord.for_file(
        file,
        "comtrade",
        rows=0,
        publisher="United Nations Statistics Division (UN Comtrade)",
        url="https://comtradeplus.un.org",
        licence=licence,
    )
    summary = _run(ws, [found], record, "import comtrade")
    _report(summary, file)


def _run(ws, found, record, command: str) -> dict[str, Any]:
    from silkscope.io.flows import import_flows

    with progress_bar() as bar:
        task = bar.add_task("import", total=len(found))

        def step(text: str, done: int, total: int) -> None:
            bar.update(task, description=text, completed=done, total=total)

        return import_flows(ws, found, record, command, progress=step)


def _report(summary: dict[str, Any], path: Path) -> None:
    years = sorted({p.split("year=")[1] for p in summary["partitions"]})
    console.print(
        f"imported {summary['rows']:,} flows ({summary['hs_revision']}, years {', '.join(years)}, "
        f"{summary['value_kusd'] / 1e6:,.3f} billion USD) from {path.name} as source {summary['source_id']}"
    )
    if summary["replaced"]:
        console.print(f"  replaced what the workspace held for: {', '.join(summary['replaced'])}")
    if summary.get("groupings"):  # BACI codes without ISO3: kept out of country-level results
        listed = "; ".join(f"{g['code']} {g['name']} ({g['flows']:,} flows)" for g in summary["groupings"])
        console.print(f"  groupings, not countries (left out of country-level results): {listed}")


def register(app: typer.Typer) -> None:
    """Add this module's import commands to the ``import`` group."""
    app.command("baci")(baci)
    app.command("comtrade")(comtrade)
