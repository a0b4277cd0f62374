"""``silkscope import``: Import real files into a workspace (tables, BACI, UN Comtrade)."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import console, reports_errors

app = typer.Typer(
    help="Import real files into a workspace (tables, BACI, UN Comtrade).", no_args_is_help=True
)


@app.command("table")
@reports_errors
def table(
    file: Path = typer.Argument(..., help="CSV (UTF-8/BOM/GBK), Excel (.xlsx) or Parquet file."),
    kind: str = typer.Option("indicators", "--kind", help="What the table holds: indicators."),
    workspace: Path = typer.Option(Path("."), "--workspace", help="Study folder (default: current folder)."),
    sheet: str = typer.Option(None, help="Excel sheet name or 0-based index (default: the first)."),
    header_row: int = typer.Option(None, "--header-row", help="1-based row of the header (default: found)."),
    encoding: str = typer.Option(None, help="Text encoding of a CSV (default: UTF-8, then GB18030)."),
    licence: str = typer.Option(None, help="Licence text of the data, recorded in sources."),
    custom_units: bool = typer.Option(
        False, "--custom-units", help="Keep unit ids that are not provinces/ISO3."
    ),
) -> None:
    """Import an indicator table (long or wide) into the workspace in one transaction."""
    from silkscope.errors import InputError
    from silkscope.io.importing import import_indicator_table
    from silkscope.workspace import Workspace

    if kind != "indicators":
        raise InputError(f"unknown --kind '{kind}'; this command imports: indicators")
    ws = Workspace.open(workspace)
    summary = import_indicator_table(
        ws,
        file,
        sheet=sheet,
        header_row=header_row,
        encoding=encoding,
        licence=licence,
        custom_units=custom_units,
    )
    console.print(
        f"imported {summary['rows']:,} values ({summary['units']} units, {summary['indicators']} indicators, "
        f"years {summary['years']}) from {file.name} as source {summary['source_id']}"
    )


# Each analysis module's importers live in their own command module and register here.
from silkscope.commands import import_partners, import_trade  # noqa: E402

import_trade.register(app)
import_partners.register(app)
