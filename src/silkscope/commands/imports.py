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
    files: list[Path] = typer.Argument(
        ...,
        metavar="FILE...",
        help="CSV (UTF-8/BOM/GBK), Excel (.xlsx, .xls incl. CNKI's protected .xls) or Parquet file(s); "
        "several files (e.g. one yearbook table per year) are imported together, all or nothing.",
    ),
    kind: str = typer.Option(
        "indicators",
        "--kind",
        help="What the table holds: indicators | talent-supply (region, field, year, value) | "
        "talent-demand (region, sector, year, value) | talent-mapping (YAML fields -> sectors) | "
        "chain-stages (stage, order, output, value_added[, year, region], or the NBS release layout); "
        "a talent or chain table replaces the study's whole table.",
    ),
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
    indicator: str = typer.Option(
        None,
        "--indicator",
        help="Indicator id of a one-indicator table (years as columns, or the one --value-column); "
        "in a long table, import only this indicator.",
    ),
    name_zh: str = typer.Option(
        None, "--name-zh", help="Chinese name of the indicator (stored in indicators)."
    ),
    name_en: str = typer.Option(
        None, "--name-en", help="English name of the indicator (stored in indicators)."
    ),
    measure_unit: str = typer.Option(
        None, "--measure-unit", help="Measurement unit of the values, e.g. 亿元 (stored in indicators)."
    ),
    unit_column: str = typer.Option(
        None, "--unit-column", help="Column holding the unit (province/country)."
    ),
    year_column: str = typer.Option(None, "--year-column", help="Column holding the year."),
    indicator_column: str = typer.Option(
        None, "--indicator-column", help="Column holding the indicator id (long form)."
    ),
    value_column: list[str] = typer.Option(
        None,
        "--value-column",
        help="Column(s) of values to import (name, English name or letter; comma-separated or repeated).",
    ),
    ignore: list[str] = typer.Option(
        None, "--ignore", help="Columns to leave out, comma-separated (C1,C2) or repeated."
    ),
    alias: list[str] = typer.Option(
        None,
        "--alias",
        help="Accept a spelling as a unit, e.g. --alias 江两=江西 (repeatable or comma-separated).",
    ),
    year: int = typer.Option(
        None,
        "--year",
        help="Year of every value, for a table whose year is in neither a column nor its title.",
    ),
) -> None:
    """Import an indicator table (long, wide, or wide by year as NBS publishes it) in one transaction."""
    from silkscope.errors import InputError
    from silkscope.io.importing import import_indicator_tables
    from silkscope.io.module_tables import KINDS
    from silkscope.io.tables import parse_aliases
    from silkscope.workspace import Workspace

    if kind != "indicators" and kind not in KINDS:
        raise InputError(f"unknown --kind '{kind}'; this command imports: indicators, {', '.join(KINDS)}")
    ws = Workspace.open(workspace)
    if kind in KINDS:
        _module_table(ws, files, kind, sheet=sheet, header_row=header_row, encoding=encoding, licence=licence)
        return
    known = None
    if framework is not None:
        from silkscope.index import Framework, builtin_framework

        fw = (
            builtin_framework(framework.split(":", 1)[1])
            if framework.startswith("builtin:")
            else Framework.from_yaml(framework)
        )
        known = set(fw.indicators)
    summaries = import_indicator_tables(
        ws,
        files,
        sheet=sheet,
        header_row=header_row,
        encoding=encoding,
        licence=licence,
        custom_units=custom_units,
        known_indicators=known,
        indicator=indicator,
        name_zh=name_zh,
        name_en=name_en,
        measure_unit=measure_unit,
        unit_column=unit_column,
        year_column=year_column,
        indicator_column=indicator_column,
        value_column=value_column or None,
        ignore=ignore or None,
        aliases=parse_aliases(alias),
        year=year,
    )
    for summary in summaries:
        console.print(
            f"imported {summary['rows']:,} values ({_n(summary['units'], 'unit')}, "
            f"{_n(summary['indicators'], 'indicator')}, "
            f"years {summary['years']}, {summary['layout']} form) from {Path(summary['file']).name} as source {summary['source_id']}"
        )
        if summary["replaced"]:
            console.print(f"  {summary['replaced']:,} of them replaced values already in the workspace")
        if summary["new_indicators"]:
            console.print(f"  new indicators: {', '.join(summary['new_indicators'])}")
        if summary["new_units"]:
            console.print(f"  new units: {', '.join(summary['new_units'])}")
        if summary["ignored_columns"]:
            console.print(f"  [yellow]columns not imported: {', '.join(summary['ignored_columns'])}[/]")
        if summary["skipped_rows"]:
            console.print(f"  rows skipped, not units: {'; '.join(summary['skipped_rows'])}")
        for remark in summary["remarks"]:
            console.print(f"  note: {remark}")
        if summary["notes"]:
            console.print(f"  source note kept: {' '.join(summary['notes'])}")
        for fact in summary["indicator_facts"]:
            named = ", ".join(f"{k} {fact[k]}" for k in ("name_zh", "name_en", "unit") if fact.get(k))
            if named:
                console.print(f"  indicator {fact['indicator_id']}: {named}")


def _module_table(ws, files: list[Path], kind: str, licence: str | None, **options) -> None:
    """One talent or chain-stage file into its study table (``io.module_tables``), replaced whole."""
    from silkscope.errors import InputError
    from silkscope.io.module_tables import import_module_table

    if len(files) != 1:
        raise InputError(f"--kind {kind} imports one file at a time; got {len(files)}")
    summary = import_module_table(ws, files[0], kind, licence=licence, **options)
    console.print(
        f"imported {summary['rows']:,} rows from {files[0].name} into {summary['table']} "
        f"as source {summary['source_id']}"
    )
    if summary["replaced"]:
        console.print(f"  replaced the {summary['replaced']:,} rows the table held")
    for note in summary["notes"]:
        console.print(f"  note: {note}")


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# Each analysis module's importers live in their own command module and register here.
from silkscope.commands import import_countries, import_partners, import_trade  # noqa: E402

import_trade.register(app)
import_countries.register(app)
import_partners.register(app)
