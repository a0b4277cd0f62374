"""``silkscope cluster``: Agglomeration, spatial statistics, echelons, efficiency (DEA, Malmquist)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from silkscope.commands._common import checked_output, console, reports_errors, show_table, write_output
from silkscope.commands.index import naming_years

app = typer.Typer(
    help="Agglomeration, spatial statistics, echelons, efficiency (DEA, Malmquist), smile curve.",
    no_args_is_help=True,
)


WORKSPACE_HELP = "Study folder: read the indicator values from its workspace instead of --data."
YEAR_HELP = "Analyse this year only."
YEARS_HELP = "Analyse these years only: a year or a range, e.g. 2015-2019."


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _read(
    data: Path | None,
    workspace: Path | None,
    needed: list[str],
    year: int | None = None,
    years: str | None = None,
):
    """The table to analyse: ``--data`` (typed columns, unit ids as text) or, with ``--workspace``,
    the workspace's values of the ``needed`` indicators as columns; only ``--year``/``--years``
    when given (an empty selection is an error naming the years held)."""
    from silkscope.commands.index import selected_years
    from silkscope.errors import InputError

    if data is not None and workspace is not None:
        raise InputError("give either --data FILE or --workspace DIR (one of them)")
    wanted = selected_years(year, years)
    if data is None and workspace is None:
        frame = _demo_table(needed)
    elif workspace is not None:
        from silkscope.workspace import Workspace

        frame = Workspace.open(workspace).indicator_table(needed)
    else:
        from silkscope.io.tables import read_table

        frame = read_table(data).frame
        if "unit_id" in frame.columns:
            frame["unit_id"] = frame["unit_id"].astype(str).str.replace(r"\.0$", "", regex=True)
    if wanted is None:
        return frame
    if "year" not in frame.columns:
        raise InputError("--year/--years need a year column; the table has none", file=data)
    held = sorted({int(y) for y in frame["year"].dropna()})
    frame = frame[frame["year"].astype(int).isin(wanted)].reset_index(drop=True)
    if frame.empty:
        label = str(year) if year is not None else str(years)
        raise InputError(
            f"no values for year(s) {label} of {', '.join(needed) or 'the table'}; "
            f"years held: {', '.join(map(str, held)) or 'none'}",
            file=data,
        )
    return frame


def _demo_table(needed: list[str]):
    """The built-in demo values as a wide table (``unit_id, year`` and one column per indicator),
    announced as demonstration data; ``frame.attrs["demo"]`` is set so that commands can leave out
    the demo's deliberate gaps (and say so) where a method needs complete rows."""
    from silkscope.commands._common import err_console
    from silkscope.errors import InputError
    from silkscope.index import demo_values

    err_console.print(
        "[yellow]no --data and no --workspace: using the built-in DEMONSTRATION data "
        "(synthetic, not real statistics)[/]"
    )
    values = demo_values()
    held = sorted(values["indicator_id"].unique())
    missing = [n for n in needed if n not in held]
    if missing:
        raise InputError(
            f"the demo data has no indicator {', '.join(missing)}",
            hint=f"use its indicator ids ({', '.join(held[:8])}, …), or give --data FILE",
        )
    wide = values.pivot_table(index=["unit_id", "year"], columns="indicator_id", values="value")
    frame = wide.reset_index().rename_axis(columns=None)
    frame.attrs["demo"] = True
    return frame


def _complete_demo_rows(frame, columns: list[str], balanced: bool = False):
    """For the demo table only: the rows holding all ``columns`` (and, when ``balanced``, the units
    present in every year), printing what was left out; other tables are returned unchanged so
    that a user's gaps stay an error naming them."""
    if not frame.attrs.get("demo"):
        return frame
    from silkscope.commands._common import err_console

    complete = frame.dropna(subset=columns)
    if balanced and "year" in complete.columns:
        years = complete["year"].nunique()
        complete = complete[complete.groupby("unit_id")["year"].transform("nunique") == years]
    dropped = frame.loc[~frame.index.isin(complete.index), ["unit_id", "year"]]
    if len(dropped):
        listed = ", ".join(f"{r.unit_id} {int(r.year)}" for r in dropped.itertuples())
        err_console.print(
            f"[yellow]left out {len(dropped)} demo unit-year(s) without all of {', '.join(columns)}"
            + (" (Malmquist needs every unit in every year)" if balanced else "")
            + f": {listed}[/]"
        )
    out = complete.reset_index(drop=True)
    out.attrs["demo"] = True
    return out


def _label(year: int | None, years: str | None) -> str | None:
    return str(year) if year is not None else (years or None)


@app.command("efficiency")
@reports_errors
def efficiency(
    data: Path = typer.Option(
        None, "--data", help="Table with unit_id[, year] and the input/output columns."
    ),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    inputs: str = typer.Option(..., "--inputs", help="Comma-separated input columns."),
    outputs: str = typer.Option(..., "--outputs", help="Comma-separated output columns."),
    model: str = typer.Option("ccr", "--model", help="ccr | bcc | sbm"),
    orientation: str = typer.Option(
        "input", "--orientation", help="input | output | none (none: non-oriented SBM)"
    ),
    rts: str = typer.Option("crs", "--rts", help="crs | vrs returns to scale of SBM."),
    undesirable: str = typer.Option(
        "", "--undesirable", help="Outputs to reduce (SBM), e.g. waste; also list them in --outputs."
    ),
    super_: bool = typer.Option(False, "--super", help="Also compute super-efficiency (Andersen-Petersen)."),
    year: int = typer.Option(None, "--year", help=YEAR_HELP),
    years: str = typer.Option(None, "--years", help=YEARS_HELP),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """DEA efficiency per unit (and year): efficiency, scale_efficiency, slacks and targets."""
    import pandas as pd

    from silkscope.cluster.efficiency import dea

    frame = _read(data, workspace, _names(inputs) + _names(outputs), year, years)
    frame = _complete_demo_rows(frame, _names(inputs) + _names(outputs))
    if "unit_id" not in frame.columns:
        from silkscope.errors import InputError

        raise InputError(f"no unit_id column; columns are {', '.join(map(str, frame.columns))}", file=data)
    held = sorted(frame["year"].unique()) if "year" in frame.columns else [None]
    parts = []
    for one in held:
        block = frame if one is None else frame[frame["year"] == one]
        with naming_years(None if one is None else str(int(one))):
            result = dea(
                block,
                _names(inputs),
                _names(outputs),
                model=model,
                orientation=orientation,
                super_efficiency=super_,
                rts=rts,
                undesirable=_names(undesirable),
            )
        table = result.to_frame()
        table.insert(1, "year", pd.NA if one is None else int(one))
        parts.append(table)
        console.print(result.summary() + ("" if one is None else f" ({int(one)})"))
    write_output(pd.concat(parts, ignore_index=True), out, title="efficiency")


@app.command("malmquist")
@reports_errors
def malmquist_command(
    data: Path = typer.Option(None, "--data", help="Panel with unit_id, year and the input/output columns."),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    inputs: str = typer.Option(..., "--inputs", help="Comma-separated input columns."),
    outputs: str = typer.Option(..., "--outputs", help="Comma-separated output columns."),
    year: int = typer.Option(None, "--year", help=YEAR_HELP),
    years: str = typer.Option(None, "--years", help=YEARS_HELP),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Malmquist productivity index between adjacent years: unit_id, period, malmquist, effch, techch."""
    from silkscope.cluster.efficiency import malmquist

    frame = _read(data, workspace, _names(inputs) + _names(outputs), year, years)
    frame = _complete_demo_rows(frame, _names(inputs) + _names(outputs), balanced=True)
    with naming_years(_label(year, years)):
        result = malmquist(frame, _names(inputs), _names(outputs))
    show_table(result.head(15), title="Malmquist index")
    write_output(result, out, title="malmquist")


@app.command("spatial")
@reports_errors
def spatial_command(
    data: Path = typer.Option(
        None, "--data", help="Table with unit_id[, year], the variable, and x, y or lon, lat for knn."
    ),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    variable: str = typer.Option(..., "--variable", help="Column (or workspace indicator) to analyse."),
    weights: str = typer.Option(
        "contiguity", "--weights", help="contiguity | contiguity:land | knn:K | distance:D"
    ),
    permutations: int = typer.Option(999, "--permutations", help="Permutations for pseudo p-values."),
    seed: int = typer.Option(None, "--seed", help="Random seed for reproducible p-values."),
    significance: float = typer.Option(0.05, "--significance", help="Level for LISA / Gi* labels."),
    statistics: str = typer.Option(
        "moran,lisa,geary,gi",
        "--statistics",
        help="Which to compute, comma-separated: moran (Moran's I), lisa, geary (Geary's C), gi (Gi*).",
    ),
    year: int = typer.Option(None, "--year", help=YEAR_HELP),
    years: str = typer.Option(None, "--years", help=YEARS_HELP),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Moran's I, Geary's C, LISA clusters (HH/LL/HL/LH) and Getis-Ord Gi* hot spots (or only the
    --statistics asked; rows of the others are absent)."""
    from silkscope.cluster.spatial import parse_statistics, spatial_analysis
    from silkscope.io.writers import check_output_path

    asked = parse_statistics(statistics)
    check_output_path(out)
    frame = _read(data, workspace, [variable], year, years)
    with naming_years(_label(year, years)):
        result = spatial_analysis(frame, variable, weights, permutations, seed, significance, asked)
    console.print(result.summary())
    write_output(result.to_frame(), out, title="spatial")


@app.command("echelons")
@reports_errors
def echelons_command(
    data: Path = typer.Option(None, "--data", help="Table with unit_id[, year] and the variable."),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    variable: str = typer.Option(..., "--variable", help="Column (or workspace indicator) to classify."),
    method: str = typer.Option("jenks", "--method", help="jenks | quantile | kmeans"),
    k: int = typer.Option(3, "--k", help="Number of echelons (3: high / medium / low)."),
    pooled: bool = typer.Option(False, "--pooled", help="One classification over all years (common breaks)."),
    seed: int = typer.Option(0, "--seed", help="Seed of k-means."),
    year: int = typer.Option(None, "--year", help=YEAR_HELP),
    years: str = typer.Option(None, "--years", help=YEARS_HELP),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Echelons (1 = highest) by natural breaks, quantiles or k-means, with goodness of variance fit."""
    from silkscope.cluster.echelons import echelons

    frame = _read(data, workspace, [variable], year, years)
    with naming_years(_label(year, years)):
        result = echelons(frame, variable, method, k, seed, pooled)
    console.print(result.summary())
    write_output(result.to_frame(), out, title="echelons")


@app.command("agglomeration")
@reports_errors
def agglomeration_command(
    data: Path = typer.Option(
        None, "--data", help="Long table: region, sector, year, value (employment, value added)."
    ),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP + " Needs --sectors."),
    sectors: str = typer.Option(
        "", "--sectors", help="With --workspace: indicators that hold each sector's value."
    ),
    measure: str = typer.Option(..., "--measure", help="lq | hhi | gini | eg | ks"),
    firms: Path = typer.Option(
        None, "--firms", help="For eg: firm table (sector, year, firm, value) for the plant Herfindahl."
    ),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Location quotient, Herfindahl, spatial Gini, Ellison-Glaeser gamma or Krugman specialisation."""
    from silkscope.cluster.agglomeration import agglomeration, firm_herfindahl

    if workspace is not None:
        names = _names(sectors)
        if not names:
            from silkscope.errors import InputError

            raise InputError("with --workspace, name the sector indicators: --sectors a,b,c")
        wide = _read(None, workspace, names)
        frame = wide.melt(id_vars=["unit_id", "year"], var_name="sector", value_name="value").rename(
            columns={"unit_id": "region"}
        )
        frame = frame.dropna(subset=["value"])
    else:
        if data is None:
            from silkscope.errors import InputError

            raise InputError(
                "agglomeration needs a region x sector table, which the demo does not have",
                hint="give --data FILE (region, sector, year, value) or --workspace DIR --sectors a,b,c",
            )
        frame = _read(data, None, [])
    herfindahl = None
    if firms is not None:
        from silkscope.io.tables import read_table

        herfindahl = firm_herfindahl(read_table(firms).frame)
    result = agglomeration(frame, measure, herfindahl)
    show_table(result.head(15), title=f"agglomeration: {measure}")
    write_output(result, out, title="agglomeration")


@app.command("smile")
@reports_errors
def smile_command(
    data: Path = typer.Option(
        None,
        "--data",
        help="Table: stage, order, output, value_added[, year][, region] (output may be empty).",
    ),
    workspace: Path = typer.Option(
        None,
        "--workspace",
        help="Study folder: read its chain stages (import table --kind chain-stages) instead of --data.",
    ),
    chart: Path = typer.Option(
        None, "--chart", help="Chart .html (default: beside --out, <stem>_chart.html)."
    ),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Smile curve: value-added rate and share by chain stage, quadratic fit, Lind–Mehlum U test."""
    from silkscope.cluster.chain import smile_curve, smile_figure
    from silkscope.i18n import translator
    from silkscope.io.writers import check_output_path, write_text
    from silkscope.report.charts import PLOTLY_CONFIG

    t = translator()
    chart = chart or out.with_name(f"{out.stem}_chart.html")
    check_output_path(out)
    check_output_path(chart, (".html",))
    result = smile_curve(*_stages(data, workspace))
    for note in result.notes:
        console.print(f"[yellow]{escape(note)}[/]")
    for fit in result.fits:
        c0, c1, c2 = fit.coef
        console.print(
            t(
                "smile.fit",
                group=fit.group,
                c0=c0,
                c1=c1,
                c2=c2,
                n=fit.n,
                target=fit.target,
                extremum=fit.extremum,
            )
        )
        if fit.utest is None:
            console.print(t("smile.utest_na", group=fit.group, reason=fit.reason))
            continue
        u = fit.utest
        verdict = t(f"smile.verdict.{u.shape}") if u.p < 0.05 else t("smile.verdict.none")
        console.print(
            t(
                "smile.utest",
                group=fit.group,
                slope_low=u.slope_low,
                low=u.low,
                slope_high=u.slope_high,
                high=u.high,
                t=u.t,
                p=u.p,
                verdict=verdict,
            )
        )
    fig = smile_figure(result, t("smile.chart_title"), t("smile.axis_stage"))
    write_text(fig.to_html(full_html=True, include_plotlyjs=True, config=PLOTLY_CONFIG), chart, (".html",))
    console.print(t("smile.chart_written", path=str(chart)))
    show_table(result.table, title=t("smile.title"))
    write_output(result.table, out, title="smile")


def _stages(data: Path | None, workspace: Path | None):
    """``(table, name)`` of the chain stages: ``--data`` or the study's ``chain_stages`` table."""
    from silkscope.errors import InputError

    if (data is None) == (workspace is None):
        raise InputError("give either --data FILE or --workspace STUDY (one of them)")
    if data is not None:
        from silkscope.io.tables import read_table

        return read_table(data), data.name
    from silkscope.io.module_tables import chain_stages
    from silkscope.workspace import Workspace

    ws = Workspace.open(workspace)
    table = chain_stages(ws)
    if table is None:
        raise InputError(
            f"study {ws.root} holds no chain stages",
            hint=f"silkscope import table FILE --kind chain-stages --workspace {workspace}",
        )
    return table, "chain_stages"
