"""``silkscope regions``: disparity, convergence, Markov chains, coupling and obstacles (issue 17)."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import (
    checked_output,
    err_console,
    reports_errors,
    show_table,
    write_output,
    year_range,
)

app = typer.Typer(
    help="Regional disparity, convergence, Markov chains, coupling, obstacles.", no_args_is_help=True
)

DATA_HELP = "Values: long (unit, year, indicator, value) or wide (unit_id, year, <variables>)."
WORKSPACE_HELP = "Study folder: read the indicator values from its workspace instead of --data."
GROUPS_HELP = "reference:china-3belt, reference:china-4region, or a text column of the data file"


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _load(data: Path | None, workspace: Path | None, needed: list[str]):
    """``(values, attributes)``: wide values from --data (read_values) or the workspace."""
    from silkscope.errors import InputError

    if (data is None) == (workspace is None):
        raise InputError("give either --data FILE or --workspace DIR (one of them)")
    if workspace is not None:
        from silkscope.workspace import Workspace

        return Workspace.open(workspace).indicator_table(needed), None
    from silkscope.io.tables import read_values
    from silkscope.regions.panel import to_wide

    values, attributes = read_values(data, with_attributes=True)
    return to_wide(values), attributes


def _groups(spec: str | None, attributes, data: Path | None):
    from silkscope.commands.index import resolve_groups

    return resolve_groups(spec, attributes, data)


def _t(key: str, **fields) -> str:
    from silkscope.i18n import translator

    return translator()(key, **fields)


def _notes(notes: list[str]) -> None:
    label = _t("regions.note")
    for note in notes:
        err_console.print(f"[yellow]{label}:[/] {note}")


@app.command("disparity")
@reports_errors
def disparity_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    variable: str = typer.Option(..., "--variable", help="Variable (indicator) to analyse."),
    groups: str = typer.Option("reference:china-3belt", "--groups", help=GROUPS_HELP),
    years: str = typer.Option(None, "--years", help="A year or A-B."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Dagum Gini decomposition, Theil T/L decomposition, CV and sd of logs per year."""
    from silkscope.regions.disparity import disparity

    values, attributes = _load(data, workspace, [variable])
    notes: list[str] = []
    table = disparity(values, variable, _groups(groups, attributes, data), year_range(years), notes)
    _notes(notes)
    show_table(
        table[table["component"].str.startswith("gini") & (table["group"] == "")].head(8),
        title=_t("regions.title.dagum"),
    )
    write_output(table, out, title="disparity")


@app.command("convergence")
@reports_errors
def convergence_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    variable: str = typer.Option(..., "--variable", help="Variable (indicator) to analyse."),
    kind: str = typer.Option("sigma", "--kind", help="sigma | beta | spatial-beta"),
    groups: str = typer.Option(None, "--groups", help=GROUPS_HELP + " (clubs)"),
    controls: str = typer.Option("", "--controls", help="Conditional β: control variables (initial year)."),
    model: str = typer.Option("lag", "--model", help="spatial-beta: lag | error"),
    weights: str = typer.Option("contiguity", "--weights", help="contiguity | contiguity:land | knn:K"),
    years: str = typer.Option(None, "--years", help="A-B: the first and last year."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """σ-convergence (CV, sd_log per year), absolute/conditional β (OLS, HC1) or spatial β (spreg)."""
    from silkscope.regions.convergence import convergence, initial_controls
    from silkscope.regions.panel import panel

    names = _names(controls)
    values, attributes = _load(data, workspace, [variable, *names])
    notes: list[str] = []
    grouping = _groups(groups, attributes, data) if groups else None
    data_panel = panel(values, variable, grouping, year_range(years), notes)
    ctrl = initial_controls(values, names, int(data_panel["year"].min())) if names else None
    table = convergence(data_panel, kind, ctrl, model, weights, notes)
    _notes(notes)
    show_table(table.head(12), title=_t("regions.title.convergence", kind=kind))
    write_output(table, out, title="convergence")


@app.command("markov")
@reports_errors
def markov_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    variable: str = typer.Option(..., "--variable", help="Variable (indicator) to classify."),
    classes: int = typer.Option(5, "--classes", help="Number of quantile classes."),
    spatial: bool = typer.Option(False, "--spatial", help="Also the spatial Markov chain (giddy)."),
    pooled: bool = typer.Option(False, "--pooled", help="Quantile breaks over all years (fixed classes)."),
    weights: str = typer.Option("contiguity", "--weights", help="contiguity | contiguity:land | knn:K"),
    years: str = typer.Option(None, "--years", help="A-B."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Classic (and spatial) Markov transition matrices, steady state and mobility via giddy."""
    from silkscope.regions.distribution import markov_table
    from silkscope.regions.panel import panel

    values, _ = _load(data, workspace, [variable])
    notes: list[str] = []
    table = markov_table(panel(values, variable, None, year_range(years), notes), classes, spatial, weights,
                         pooled, notes)  # fmt: skip
    _notes(notes)
    show_table(
        table[table["matrix"] == "classic"], title=_t("regions.title.markov"), max_rows=classes * classes
    )
    write_output(table, out, title="markov")


@app.command("coupling")
@reports_errors
def coupling_command(
    data: Path = typer.Option(
        None, "--data", help="Table with unit_id, year and one column per subsystem index."
    ),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    systems: str = typer.Option(..., "--systems", help="Subsystem columns A,B[,C]."),
    weights: str = typer.Option("", "--weights", help="Weights of T, e.g. 0.5,0.5 (default equal)."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
    lang: str = typer.Option(None, "--lang", help="zh | en for band_name (default: the locale)."),
) -> None:
    """Coupling degree C, comprehensive index T, coordination D = √(C·T), band and lagging system."""
    from silkscope.errors import InputError
    from silkscope.regions.coupling import coupling

    names = _names(systems)
    values, _ = _load(data, workspace, names)
    try:
        w = [float(v) for v in _names(weights)] or None
    except ValueError:
        raise InputError(f"--weights must be numbers like 0.5,0.5, got '{weights}'") from None
    notes: list[str] = []
    table = coupling(values, names, w, notes=notes, lang=lang)
    _notes(notes)
    show_table(table.head(10), title=_t("regions.title.coupling"))
    write_output(table, out, title="coupling")


@app.command("obstacles")
@reports_errors
def obstacles_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP + " Default: the built-in demo."),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    framework: str = typer.Option(None, "--framework", help="Framework YAML or builtin:cidi."),
    top: int = typer.Option(5, "--top", help="Obstacles kept per unit and year (0 = all)."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Obstacle degree O_ij = F_j·(1 - x_ij) / Σ_j F_j·(1 - x_ij) from the index build."""
    from silkscope.commands.index import load_inputs, make_choices
    from silkscope.index import build

    # the study's values, and its recorded framework and choices, or --data, or the demo
    inputs = load_inputs(data, framework, None, workspace)
    from silkscope.regions.obstacles import obstacles

    result = build(inputs.values, inputs.framework, make_choices(inputs.saved_choices))
    table = obstacles(result, top or None)
    show_table(table.head(10), title=_t("regions.title.obstacles"))
    write_output(table, out, title="obstacles")
