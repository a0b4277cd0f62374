"""``silkscope index``: Composite index: build, weights, uncertainty, audit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from silkscope.commands._common import (
    console,
    err_console,
    progress_bar,
    reports_errors,
    show_table,
    write_output,
)

if TYPE_CHECKING:
    import pandas as pd

    from silkscope.index import Choices, Framework

app = typer.Typer(help="Composite index: build, weights, uncertainty, audit.", no_args_is_help=True)

DATA_HELP = "Indicator values: long (unit, year, indicator, value) or wide (unit_id, year, <indicators>); CSV/Excel/Parquet. Default: the built-in demo."
FRAMEWORK_HELP = "Framework YAML, or builtin:cidi. Default: builtin:cidi."
IMPUTE_HELP = "none|mean|median|group-mean|previous-year"
TREAT_HELP = "none|winsorise|log"
NORMALISE_HELP = "minmax|zscore|rank|goalposts|ratio-to-mean|vector|none"
GROUP_HELP = "reference:china-3belt, reference:china-4region, or a column of the data file"


def load_inputs(
    data: Path | None, framework: str | None, group_by: str | None
) -> tuple[pd.DataFrame, Framework, dict[str, str] | None, bool]:
    """Values, framework and grouping for an index command; the demo when ``data`` is None.

    Returns ``(values, framework, groups, is_demo)``.
    """
    from silkscope.index import Framework, builtin_framework, demo_framework, demo_values

    is_demo = data is None
    if framework is None:
        fw = demo_framework()
    elif framework.startswith("builtin:"):
        fw = builtin_framework(framework.split(":", 1)[1])
    else:
        fw = Framework.from_yaml(framework)
    attributes = None
    if is_demo:
        values = demo_values()
        err_console.print("[yellow]using the built-in DEMONSTRATION data (synthetic, not real statistics)[/]")
    else:
        from silkscope.io.tables import read_values

        values, attributes = read_values(data, with_attributes=True)
    groups = resolve_groups(group_by, attributes, data)
    return values, fw, groups, is_demo


def resolve_groups(
    group_by: str | None, attributes: pd.DataFrame | None, data: Path | None
) -> dict[str, str] | None:
    """``{unit_id: group}`` from a reference grouping or a text column of the data file."""
    from silkscope.errors import InputError
    from silkscope.reference import GROUPINGS, province_groups

    if group_by is None:
        return None
    if group_by.startswith("reference:"):
        name = group_by.split(":", 1)[1]
        if name not in GROUPINGS:
            raise InputError(f"unknown reference grouping '{name}'; expected one of {', '.join(GROUPINGS)}")
        return province_groups(name)
    if attributes is None or group_by not in attributes.columns:
        have = [] if attributes is None else [c for c in attributes.columns if c != "unit_id"]
        raise InputError(
            f"--group-by '{group_by}' is neither reference:<grouping> nor a text column of "
            f"{data.name if data else 'the data'} (text columns: {', '.join(have) or 'none'})"
        )
    pairs = attributes[["unit_id", group_by]].dropna().drop_duplicates()
    clash = pairs[pairs.duplicated("unit_id", keep=False)]
    if not clash.empty:
        raise InputError(f"column '{group_by}' gives unit {clash.iloc[0]['unit_id']} more than one group")
    return dict(zip(pairs["unit_id"], pairs[group_by].astype(str), strict=True))


def make_choices(**options: object) -> Choices:
    """Choices from CLI options (None = the default)."""
    from silkscope.index import Choices

    given = {k: v for k, v in options.items() if v is not None}
    if "minmax_range" in given:
        text = str(given["minmax_range"])
        try:
            lo, hi = (float(v) for v in text.split(","))
        except ValueError:
            from silkscope.errors import MethodError

            raise MethodError(f"--range must be 'low,high', e.g. 0,100; got '{text}'") from None
        given["minmax_range"] = (lo, hi)
    return Choices(**given)  # type: ignore[arg-type]


@app.command("build")
@reports_errors
def build_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    framework: str = typer.Option(None, "--framework", help=FRAMEWORK_HELP),
    impute: str = typer.Option("none", help=IMPUTE_HELP),
    treat: str = typer.Option("none", help=TREAT_HELP),
    normalise: str = typer.Option("minmax", "--normalise", "--normalize", help=NORMALISE_HELP),
    weights: str = typer.Option("framework", help="equal|framework|entropy|critic|pca|ahp"),
    aggregate: str = typer.Option("arithmetic", help="arithmetic|geometric|harmonic|topsis"),
    group_by: str = typer.Option(None, "--group-by", help=GROUP_HELP),
    scope: str = typer.Option("pooled", help="pooled (comparable across years) | by-year"),
    minmax_range: str = typer.Option(
        None, "--range", help="Min-max output range 'low,high' (default 0,100)."
    ),
    group_weight: str = typer.Option(
        None, help="Indicator in the data (outside the framework) weighting group means, e.g. population."
    ),
    force_ahp: bool = typer.Option(False, help="Accept AHP matrices with consistency ratio > 0.1."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet."),
) -> None:
    """Build the composite index: scores and ranks at every level (unit_id, year, level, node, score, rank)."""
    from silkscope.index import build

    values, fw, groups, is_demo = load_inputs(data, framework, group_by)
    choices = make_choices(
        impute=impute,
        treat=treat,
        normalise=normalise,
        weights=weights,
        aggregate=aggregate,
        scope=scope,
        minmax_range=minmax_range,
        group_weight=group_weight,
        force_ahp=force_ahp,
    )
    result = build(values, fw, choices, groups)
    for warning in result.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}")
    console.print(result.summary())
    show_table(
        result.ranking().head(10), title="index ranking, latest year" + (" (DEMO data)" if is_demo else "")
    )
    frame = result.to_frame()
    if out.suffix.lower() == ".xlsx":
        from silkscope.io.writers import write_workbook

        sheets = {"scores": frame, "weights": result.weights_frame(), "profiles": result.profiles()}
        if groups:
            sheets["groups"] = result.group_scores()
        write_workbook(sheets, out)
        console.print(
            f"wrote {len(frame):,} rows (+ weights, profiles{', groups' if groups else ''}) to {out}"
        )
    else:
        write_output(frame, out, title="index")


@app.command("weights")
@reports_errors
def weights_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    framework: str = typer.Option(None, "--framework", help=FRAMEWORK_HELP),
    method: str = typer.Option("entropy", "--method", help="entropy|critic|pca|equal (also framework|ahp)"),
    impute: str = typer.Option("none", help=IMPUTE_HELP),
    treat: str = typer.Option("none", help=TREAT_HELP),
    normalise: str = typer.Option("minmax", "--normalise", "--normalize", help=NORMALISE_HELP),
    year: int = typer.Option(None, help="Compute on this year only (default: all years pooled)."),
    flat: bool = typer.Option(
        False, "--flat", help="One weight vector over all indicators instead of within parents."
    ),
    force_ahp: bool = typer.Option(False, help="Accept AHP matrices with consistency ratio > 0.1."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet."),
) -> None:
    """Indicator weights (columns node, weight): within their parent, or over all indicators with --flat."""
    from silkscope.index.build import indicator_weights

    values, fw, _, _ = load_inputs(data, framework, None)
    choices = make_choices(
        impute=impute, treat=treat, normalise=normalise, weights=method, force_ahp=force_ahp
    )
    frame = indicator_weights(values, fw, choices, year=year, flat=flat)
    show_table(frame, title=f"{method} weights", max_rows=40)
    write_output(frame, out, title="weights")


@app.command("uncertainty")
@reports_errors
def uncertainty_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    framework: str = typer.Option(None, "--framework", help=FRAMEWORK_HELP),
    n: int = typer.Option(1000, "--n", help="Number of replicates (random draws)."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same result."),
    vary: str = typer.Option(
        None,
        "--vary",
        help="What varies, as YAML/JSON, e.g. '{normalise: [minmax, zscore], aggregate: [geometric], weight_noise: 0.25}'. "
        "Default: normalise minmax|zscore|rank, weights framework|equal|critic, aggregate arithmetic|geometric, weights +-25%.",
    ),
    sobol: int = typer.Option(
        0, "--sobol", help="Also compute Sobol indices with this base sample size (e.g. 256)."
    ),
    chunk: int = typer.Option(500, help="Replicates per vectorised chunk (memory bound; result unchanged)."),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet."),
) -> None:
    """Rank intervals under method and weight uncertainty (unit_id, year, nominal_rank, median_rank,
    rank_p05, rank_p95, p_top10); with --sobol N also first-order and total Sobol indices."""
    import yaml

    from silkscope.errors import MethodError
    from silkscope.index import build

    values, fw, groups, _ = load_inputs(data, framework, None)
    spec = None
    if vary:
        spec = yaml.safe_load(vary)
        if not isinstance(spec, dict):
            raise MethodError(
                f"--vary must be a mapping, e.g. '{{normalise: [minmax, zscore]}}'; got {vary!r}"
            )
    nominal = build(values, fw)
    with progress_bar() as progress:
        task = progress.add_task(f"{n:,} replicates", total=n)
        result = nominal.uncertainty(
            n=n,
            vary=spec,
            seed=seed,
            chunk=chunk,
            progress=lambda done, total: progress.update(task, completed=done),
        )
    console.print(result.summary())
    frame = result.to_frame()
    show_table(frame[frame.year == frame.year.max()].head(15), title="rank intervals, latest year")
    write_output(frame, out, title="uncertainty")
    if sobol:
        sens = nominal.sensitivity(n=sobol, vary=spec, seed=seed, chunk=chunk)
        console.print(sens.summary())
        target = out.with_name(f"{out.stem}_sobol{out.suffix}")
        write_output(sens.to_frame(), target, title="sobol")


@app.command("audit")
@reports_errors
def audit_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    framework: str = typer.Option(None, "--framework", help=FRAMEWORK_HELP),
    year: int = typer.Option(None, help="Year to audit (default: latest)."),
    out: Path = typer.Option(..., "--out", help="Output .xlsx (one sheet per check)."),
) -> None:
    """Statistical audit: correlations, flags, Cronbach's alpha, PCA per pillar, effective weights."""
    from silkscope.index import build
    from silkscope.index.audit import audit
    from silkscope.io.writers import write_workbook

    values, fw, _, _ = load_inputs(data, framework, None)
    report = audit(build(values, fw), year)
    console.print(report.summary())
    if not report.flags.empty:
        show_table(report.flags, title="flags")
    write_workbook(report.sheets(), out)
    console.print(f"wrote {len(report.sheets())} sheets to {out}")
