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
    sheet: str = typer.Option(
        None, "--sheet", help="Excel sheet name, or its 0-based position (default: the first)."
    ),
    header_row: int = typer.Option(
        None, "--header-row", help="1-based row of the header (default: found below any title rows)."
    ),
    encoding: str = typer.Option(
        None, "--encoding", help="Text encoding of a CSV (default: UTF-8 with or without BOM, then GB18030)."
    ),
    licence: str = typer.Option(None, "--licence", help="Licence text of the data, recorded in sources."),
    workspace: Path = typer.Option(Path("."), "--workspace", help="Study folder (default: current folder)."),
    custom_units: bool = typer.Option(
        False, "--custom-units", help="Keep unit ids that are neither provinces nor ISO3 countries."
    ),
    framework: str = typer.Option(
        None,
        "--framework",
        help="YAML framework or builtin:NAME; indicators neither in it nor in the workspace are refused.",
    ),
) -> None:
    """Import an indicator table (long or wide) into the workspace in one transaction."""
    from silkscope.errors import InputError
    from silkscope.io.importing import import_indicator_table
    from silkscope.workspace import Workspace

    if kind != "indicators":
        raise InputError(f"unknown --kind '{kind}'; this command imports: indicators")
    ws = Workspace.open(workspace)
    known = None
    if framework is not None:
        from silkscope.index import Framework, builtin_framework

        fw = (
            builtin_framework(framework.split(":", 1)[1])
            if framework.startswith("builtin:")
            else Framework.from_yaml(framework)
        )
        known = set(fw.indicators)
    summary = import_indicator_table(
        ws,
        file,
        sheet=sheet,
        header_row=header_row,
        encoding=encoding,
        licence=licence,
        custom_units=custom_units,
        known_indicators=known,
    )
    console.print(
        f"imported {summary['rows']:,} values ({_n(summary['units'], 'unit')}, "
        f"{_n(summary['indicators'], 'indicator')}, "
        f"years {summary['years']}, {summary['layout']} form) from {file.name} as source {summary['source_id']}"
    )
    if summary["replaced"]:
        console.print(f"  {summary['replaced']:,} of them replaced values already in the workspace")
    if summary["new_indicators"]:
        console.print(f"  new indicators: {', '.join(summary['new_indicators'])}")
    if summary["new_units"]:
        console.print(f"  new units: {', '.join(summary['new_units'])}")
    if summary["ignored_columns"]:
        console.print(f"  [yellow]text columns not imported: {', '.join(summary['ignored_columns'])}[/]")


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# Each analysis module's importers live in their own command module and register here.
from silkscope.commands import import_countries, import_partners, import_trade  # noqa: E402

import_trade.register(app)
import_countries.register(app)
import_partners.register(app)
