"""``silkscope import wdi|confucius|heritage``: country-level tables for the partner study.

``register(app)`` adds them to the ``import`` group (see ``commands/imports.py``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import console, reports_errors


@reports_errors
def wdi(
    files: list[Path] = typer.Argument(
        ..., help="WDI bulk CSVs (API_<code>_…csv) and, optionally, their Metadata_Country/Indicator files."
    ),
    licence: str = typer.Option(
        None, "--licence", help="Licence text (default: the World Bank's CC BY 4.0)."
    ),
    workspace: Path = typer.Option(Path("."), "--workspace", help="Study folder (default: current folder)."),
) -> None:
    """Import World Bank WDI indicators: economies become units, aggregates are skipped and listed."""
    from silkscope.io.wdi import import_wdi
    from silkscope.workspace import Workspace

    ws = Workspace.open(workspace)
    summary = import_wdi(ws, files, licence)
    console.print(
        f"imported {summary['rows']:,} values of {len(summary['indicators'])} WDI indicator(s) for "
        f"{summary['units']} economies ({summary['new_units']} new units)"
        + (f"; {summary['replaced']:,} replaced" if summary["replaced"] else ""),
        highlight=False,
    )
    for ind in summary["indicators"]:
        recoded = ", ".join(f"{a}->{b}" for a, b in ind["recoded"].items())
        console.print(
            f"  {ind['id']}: {ind['name']} ({ind['values']:,} values, {ind['layout']} layout, "
            f"last updated {ind['last_updated'] or 'not stated'}, names from the {ind['names_from']}, "
            f"economies from {ind['country_metadata']})" + (f"; retired codes {recoded}" if recoded else ""),
            highlight=False,
            markup=False,
        )
    skipped = summary["aggregates_skipped"]
    console.print(
        f"  aggregates skipped ({len(skipped)}, empty Region in the country metadata): {', '.join(skipped)}",
        highlight=False,
        markup=False,
    )
    unknown = summary["not_in_metadata_skipped"]
    if unknown:
        console.print(
            f"  skipped, not in the country metadata ({len(unknown)}): {', '.join(unknown)}",
            highlight=False,
            markup=False,
        )


def _counts(kind: str, file: Path, licence: str | None, workspace: Path) -> None:
    from silkscope.io.country_lists import import_counts, read_confucius, read_heritage
    from silkscope.workspace import Workspace

    ws = Workspace.open(workspace)
    counts = (read_confucius if kind == "confucius" else read_heritage)(file)
    summary = import_counts(ws, counts, licence)
    console.print(
        f"imported {summary['rows']:,} values ({', '.join(summary['indicators'])}) for "
        f"{summary['countries']} countries, year {summary['year']}, from {file.name} as source "
        f"{summary['source_id']}" + (f"; {summary['replaced']:,} replaced" if summary["replaced"] else ""),
        highlight=False,
        markup=False,
    )
    console.print(f"  rule: {summary['rule']}", highlight=False, markup=False)
    if summary["left_out"]:
        console.print(
            f"  left out (no state): {'; '.join(summary['left_out'])}", highlight=False, markup=False
        )


@reports_errors
def confucius(
    file: Path = typer.Argument(
        ..., help="Confucius Institute list (CSV: confucius_institute, country, status)."
    ),
    licence: str = typer.Option(None, "--licence", help="Licence text of the data, recorded in sources."),
    workspace: Path = typer.Option(Path("."), "--workspace", help="Study folder (default: current folder)."),
) -> None:
    """Import Confucius Institute counts per country: confucius_institutes (open), _listed (all)."""
    _counts("confucius", file, licence, workspace)


@reports_errors
def heritage(
    file: Path = typer.Argument(..., help="UNESCO World Heritage List export (whc-sites-YYYY.csv)."),
    licence: str = typer.Option(None, "--licence", help="Licence text of the data, recorded in sources."),
    workspace: Path = typer.Option(Path("."), "--workspace", help="Study folder (default: current folder)."),
) -> None:
    """Import World Heritage counts per state party: all, cultural, natural, mixed."""
    _counts("heritage", file, licence, workspace)


def register(app: typer.Typer) -> None:
    """Add this module's import commands to the ``import`` group."""
    app.command("wdi")(wdi)
    app.command("confucius")(confucius)
    app.command("heritage")(heritage)
