"""``silkscope report``: the main job — a bilingual, offline HTML report and its Excel workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import console, progress_bar, reports_errors


@reports_errors
def report(
    workspace: Path = typer.Option(None, "--workspace", help="Study folder; default: the built-in demo."),
    lang: str = typer.Option(None, "--lang", help="zh|en (default: Chinese when the locale is Chinese)."),
    out: Path = typer.Option(Path("outputs/report"), "--out", help="Folder for report.html and report.xlsx."),
    province_geometry: Path = typer.Option(
        None,
        "--province-geometry",
        help="GeoJSON of province boundaries (a property with the GB/T code or name): maps become choropleths.",
    ),
) -> None:
    """Build report.html (self-contained, works offline) and report.xlsx (every table behind every chart)."""
    from silkscope.i18n import translator
    from silkscope.report.builder import build_report, demo_inputs, workspace_inputs
    from silkscope.report.document import write_report

    t = translator(lang)
    command = "silkscope report" + (f" --workspace {workspace}" if workspace else "") + f" --lang {t.lang}"
    steps = ["inputs", "index", "sections", "methods", "write"]
    with progress_bar() as progress:
        task = progress.add_task("building the report", total=len(steps))

        def step(name: str) -> None:
            progress.update(task, advance=1, description=f"report: {name}")

        inputs = workspace_inputs(workspace) if workspace else demo_inputs()
        if province_geometry is not None:
            from silkscope.report.charts import load_province_geometry

            inputs.geometry = load_province_geometry(province_geometry)
        step("inputs")
        document, _ = build_report(inputs, t, command, step)
        html, xlsx = write_report(document, t, out)
        step("write")
    if inputs.is_demo:
        console.print(
            "[yellow]built from the DEMONSTRATION data (synthetic); labelled as such on every page[/]"
        )
    console.print(f"wrote {html} and {xlsx}")
