"""``silkscope report``: the main job — a bilingual, offline HTML report and its Excel workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import checked_output, console, progress_bar, reports_errors


@reports_errors
def report(
    workspace: Path = typer.Option(None, "--workspace", help="Study folder; default: the built-in demo."),
    lang: str = typer.Option(
        None, "--lang", help="zh | en (default: the study's language in silkscope.yaml; else the locale's)."
    ),
    out: Path = typer.Option(
        Path("outputs/report"),
        "--out",
        help="Folder for report.html and report.xlsx.",
        callback=checked_output(None, ("report.html", "report.xlsx")),  # refused before any work
    ),
    province_geometry: Path = typer.Option(
        None,
        "--province-geometry",
        help="GeoJSON of province boundaries (a property with the GB/T code or name): maps become choropleths.",
    ),
    with_demo: bool = typer.Option(
        False,
        "--with-demo",
        help="Show the sections whose inputs the study lacks (e.g. trade) with the built-in demo data, "
        "labelled as such in every table and sheet; by default they are left out and listed.",
    ),
) -> None:
    """Build report.html (self-contained, works offline) and report.xlsx (every table behind every chart)."""
    from silkscope.i18n import translator
    from silkscope.report.builder import build_report, demo_inputs, workspace_inputs
    from silkscope.report.document import write_report

    if lang is None and workspace is not None:
        from silkscope.workspace import Workspace

        lang = Workspace.open(workspace).config.get("language")
    t = translator(lang)
    command = (
        "silkscope report"
        + (f" --workspace {workspace}" if workspace else "")
        + (" --with-demo" if with_demo else "")
        + f" --lang {t.lang}"
    )
    steps = ["inputs", "index", "sections", "modules", "methods", "write"]
    with progress_bar() as progress:
        task = progress.add_task("building the report", total=len(steps))

        def step(name: str) -> None:
            progress.update(task, advance=1, description=f"report: {name}")

        geometry = None
        if province_geometry is not None:  # checked before the inputs are gathered
            from silkscope.report.charts import load_province_geometry

            geometry = load_province_geometry(province_geometry)
        inputs = workspace_inputs(workspace) if workspace else demo_inputs()
        inputs.with_demo = with_demo
        if geometry is not None:
            inputs.geometry = geometry
        step("inputs")
        document, result = build_report(inputs, t, command, step)
        html, xlsx = write_report(document, t, out)
        step("write")
    console.print(result.summary(t.lang))
    excluded = result.excluded()
    if len(excluded):
        from silkscope.commands._common import show_table

        show_table(
            result.excluded_summary().round(3),
            title=f"not scored: {len(excluded)} unit-year(s) below the coverage threshold "
            "(each listed in the sheet coverage_excluded)",
            max_rows=40,
        )
    if inputs.is_demo:
        console.print(
            "[yellow]built from the DEMONSTRATION data (synthetic); labelled as such on every page[/]"
        )
    console.print(f"wrote {html} and {xlsx}")
