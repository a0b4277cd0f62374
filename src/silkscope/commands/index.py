"""``silkscope index``: Composite index: build, weights, uncertainty, audit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from silkscope.commands._common import (
    checked_output,
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
    from silkscope.workspace import Workspace

app = typer.Typer(help="Composite index: build, weights, uncertainty, audit.", no_args_is_help=True)

DATA_HELP = "Indicator values: long (unit, year, indicator, value) or wide (unit_id, year, <indicators>); CSV/Excel/Parquet. Default: the built-in demo."
FRAMEWORK_HELP = "Framework YAML, or builtin:cidi. Default: builtin:cidi."
IMPUTE_HELP = "none | mean | median | group-mean | previous-year"
TREAT_HELP = "none | winsorise | log"
NORMALISE_HELP = "minmax | zscore | rank | goalposts | ratio-to-mean | vector | none"
GROUP_HELP = "reference:china-3belt, reference:china-4region, or a column of the data file"


WORKSPACE_HELP = (
    "Study folder: use its indicator values, and the framework and choices its silkscope.yaml records "
    "(set them with index build --save)."
)
YEAR_HELP = "Use this year only."
YEARS_HELP = "Use these years only: a year or a range, e.g. 2015-2019."
MIN_COVERAGE_HELP = (
    "Minimum weighted share of a pillar's (and the index's) indicators a unit-year must hold to get "
    "a score and a rank (default 0.667 = 2/3; 0 scores whatever is there)."
)


@dataclass
class Inputs:
    """What an index command works on."""

    values: pd.DataFrame
    framework: Framework
    groups: dict[str, str] | None
    is_demo: bool
    workspace: Workspace | None = None
    #: choices the workspace records (silkscope.yaml), the base that CLI options override
    saved_choices: dict[str, Any] | None = None
    #: the --year/--years selection as text (None = all years)
    years_label: str | None = None


def selected_years(year: int | None, years: str | None) -> list[int] | None:
    """``--year Y`` or ``--years A-B`` (not both) as a list of years; None = all years."""
    from silkscope.commands._common import year_range
    from silkscope.errors import InputError

    if year is not None and years:
        raise InputError(f"give --year or --years, not both (got --year {year} and --years {years})")
    return [int(year)] if year is not None else year_range(years)


def load_inputs(
    data: Path | None,
    framework: str | None,
    group_by: str | None,
    workspace: Path | None = None,
    year: int | None = None,
    years: str | None = None,
) -> Inputs:
    """Values, framework and grouping for an index command: from ``--data``, a ``--workspace``
    (its values; its recorded framework unless ``--framework`` is given), or the demo."""
    from silkscope.errors import InputError
    from silkscope.index import Framework, builtin_framework, demo_framework, demo_values

    if data is not None and workspace is not None:
        raise InputError("give --data FILE or --workspace DIR, not both")
    wanted = selected_years(year, years)
    label = None if wanted is None else (str(year) if year is not None else str(years))
    attributes = None
    ws = None
    saved = None
    if workspace is not None:
        from silkscope.workspace import Workspace

        ws = Workspace.open(workspace)
        config = ws.config
        fw = ws.framework(None if framework is None else ws.framework_spec(framework))
        saved = dict(config["choices"]) if config.get("choices") else None
        values = ws.indicator_values(wanted)
        ws.check_framework(fw, ws.indicator_values() if wanted is not None else values)
        if wanted is not None:
            absent = [i for i in fw.indicators if i not in set(values["indicator_id"])]
            if absent:
                raise InputError(
                    f"year(s) {label} hold no values for {len(absent)} framework indicator(s): "
                    f"{', '.join(absent[:15])}",
                    hint="select years in which every framework indicator has values somewhere "
                    "(a unit-year lacking some is then left unscored or scored by --min-coverage)",
                )
        if group_by is None and config.get("grouping"):
            group_by = f"reference:{config['grouping']}"
    else:
        if framework is None:
            fw = demo_framework()
        elif framework.startswith("builtin:"):
            fw = builtin_framework(framework.split(":", 1)[1])
        else:
            fw = Framework.from_yaml(framework)
        if data is None:
            values = demo_values()
            err_console.print(
                "[yellow]using the built-in DEMONSTRATION data (synthetic, not real statistics)[/]"
            )
        else:
            from silkscope.io.tables import read_values

            values, attributes = read_values(data, with_attributes=True)
        if wanted is not None:
            held = sorted({int(y) for y in values["year"]})
            values = values[values["year"].astype(int).isin(wanted)]
            if values.empty:
                raise InputError(
                    f"no indicator values for year(s) {label}; the data holds {held[0]}–{held[-1]}"
                )
    groups = resolve_groups(group_by, attributes, data)
    return Inputs(values, fw, groups, data is None and ws is None, ws, saved, label)


@contextmanager
def naming_years(label: str | None) -> Iterator[None]:
    """Re-raise an error of the work inside with the selected years named first."""
    from silkscope.errors import InputError, Problem, SilkscopeError

    try:
        yield
    except InputError as exc:
        if label is None:
            raise
        problems = [Problem(f"year(s) {label}: {p.message}", p.file, p.row, p.column) for p in exc.problems]
        raise InputError(problems, hint=exc.hint) from exc
    except SilkscopeError as exc:
        if label is None:
            raise
        raise type(exc)(f"year(s) {label}: {exc}") from exc


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


def make_choices(base: dict[str, Any] | None = None, **options: object) -> Choices:
    """Choices from CLI options (None = not given: the ``base`` choice, e.g. the workspace's, else
    the default)."""
    from silkscope.index import Choices

    given = {**(base or {}), **{k: v for k, v in options.items() if v is not None}}
    if options.get("minmax_range") is not None:
        text = str(given["minmax_range"])
        try:
            lo, hi = (float(v) for v in text.split(","))
        except ValueError:
            from silkscope.errors import MethodError

            raise MethodError(f"--range must be 'low,high', e.g. 0,100; got '{text}'") from None
        given["minmax_range"] = (lo, hi)
    return Choices.from_dict(given)


@app.command("build")
@reports_errors
def build_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    framework: str = typer.Option(None, "--framework", help=FRAMEWORK_HELP),
    year: int = typer.Option(None, "--year", help=YEAR_HELP),
    years: str = typer.Option(None, "--years", help=YEARS_HELP),
    impute: str = typer.Option(None, help=IMPUTE_HELP + " (default none)"),
    treat: str = typer.Option(None, help=TREAT_HELP + " (default none)"),
    normalise: str = typer.Option(
        None, "--normalise", "--normalize", help=NORMALISE_HELP + " (default minmax)"
    ),
    weights: str = typer.Option(
        None, help="equal | framework | entropy | critic | pca | ahp (default framework)"
    ),
    aggregate: str = typer.Option(
        None, help="arithmetic | geometric | harmonic | topsis (default arithmetic)"
    ),
    group_by: str = typer.Option(None, "--group-by", help=GROUP_HELP),
    scope: str = typer.Option(None, help="pooled (comparable across years; default) | by-year"),
    minmax_range: str = typer.Option(
        None, "--range", help="Min-max output range 'low,high' (default 0,100)."
    ),
    group_weight: str = typer.Option(
        None, help="Indicator in the data (outside the framework) weighting group means, e.g. population."
    ),
    force_ahp: bool = typer.Option(
        None, "--force-ahp", help="Accept AHP matrices with consistency ratio > 0.1."
    ),
    min_coverage: float = typer.Option(None, "--min-coverage", help=MIN_COVERAGE_HELP),
    save: bool = typer.Option(
        False,
        "--save",
        help="With --workspace: record the framework and these choices in silkscope.yaml; report, serve "
        "and the other index commands then use them.",
    ),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Build the composite index: scores and ranks at every level (unit_id, year, level, node, score,
    rank, coverage); unit-years below --min-coverage keep their row with empty score and rank."""
    from silkscope.errors import InputError
    from silkscope.index import build

    if save and workspace is None:
        raise InputError("--save records the build in a study: give --workspace DIR")
    inputs = load_inputs(data, framework, group_by, workspace, year, years)
    choices = make_choices(
        inputs.saved_choices,
        impute=impute,
        treat=treat,
        normalise=normalise,
        weights=weights,
        aggregate=aggregate,
        scope=scope,
        minmax_range=minmax_range,
        group_weight=group_weight,
        force_ahp=force_ahp,
        min_coverage=min_coverage,
    )
    with naming_years(inputs.years_label):
        result = build(inputs.values, inputs.framework, choices, inputs.groups)
    for warning in result.warnings:
        err_console.print(f"[yellow]warning:[/] {warning}")
    try:
        from silkscope.i18n import default_language

        lang = default_language()
        summary, ranking = result.summary(lang), result.ranking()
    except InputError as exc:  # no unit-year passes: still write every row, scores empty
        err_console.print(f"[yellow]warning:[/] {exc}")
    else:
        console.print(summary)
        headline = int(ranking["year"].iloc[0]) if len(ranking) else None
        show_table(
            ranking.head(10).rename(columns=inputs.framework.names(lang)),  # pillar names, not ids
            title=f"index ranking, {headline}" + (" (DEMO data)" if inputs.is_demo else ""),
        )
    excluded = result.excluded()
    if len(excluded):
        show_table(
            result.excluded_summary().round(3),
            title=f"not scored: {len(excluded)} unit-year(s) below min_coverage {choices.min_coverage:.3g}"
            + (" (each listed in the sheet 'excluded')" if out.suffix.lower() == ".xlsx" else ""),
            max_rows=40,
        )
    frame = result.to_frame()
    if out.suffix.lower() == ".xlsx":
        from silkscope.io.writers import write_workbook

        sheets = {"scores": frame, "weights": result.weights_frame(), "profiles": result.profiles()}
        sheets["coverage"] = result.coverage_table("screened").reset_index()
        sheets["excluded"] = excluded
        if inputs.groups:
            sheets["groups"] = result.group_scores()
        write_workbook(sheets, out)
        console.print(
            f"wrote {len(frame):,} rows (+ weights, profiles, coverage, excluded"
            f"{', groups' if inputs.groups else ''}) to {out}"
        )
    else:
        write_output(frame, out, title="index")
    if save and inputs.workspace is not None:
        ws = inputs.workspace
        spec = ws.framework_spec(framework) if framework else ws.config.get("framework")
        ws.update_config(framework=spec, choices=choices.to_dict())
        ws.log("index build --save", {"framework": spec, "choices": choices.to_dict()})
        console.print(f"recorded framework {spec} and the choices in {ws.config_path}")


@app.command("weights")
@reports_errors
def weights_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    framework: str = typer.Option(None, "--framework", help=FRAMEWORK_HELP),
    method: str = typer.Option(
        "entropy", "--method", help="entropy | critic | pca | equal (also framework | ahp)"
    ),
    impute: str = typer.Option(None, help=IMPUTE_HELP + " (default none)"),
    treat: str = typer.Option(None, help=TREAT_HELP + " (default none)"),
    normalise: str = typer.Option(
        None, "--normalise", "--normalize", help=NORMALISE_HELP + " (default minmax)"
    ),
    year: int = typer.Option(None, help="Compute on this year only (default: all years pooled)."),
    years: str = typer.Option(None, "--years", help=YEARS_HELP),
    flat: bool = typer.Option(
        False, "--flat", help="One weight vector over all indicators instead of within parents."
    ),
    force_ahp: bool = typer.Option(
        None, "--force-ahp", help="Accept AHP matrices with consistency ratio > 0.1."
    ),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Indicator weights (columns node, weight): within their parent, or over all indicators with --flat."""
    from silkscope.index.build import indicator_weights

    inputs = load_inputs(data, framework, None, workspace, year, years)
    choices = make_choices(
        inputs.saved_choices,
        impute=impute,
        treat=treat,
        normalise=normalise,
        weights=method,
        force_ahp=force_ahp,
    )
    with naming_years(inputs.years_label):
        frame = indicator_weights(inputs.values, inputs.framework, choices, flat=flat)
    show_table(frame, title=f"{method} weights", max_rows=40)
    write_output(frame, out, title="weights")


@app.command("uncertainty")
@reports_errors
def uncertainty_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    framework: str = typer.Option(None, "--framework", help=FRAMEWORK_HELP),
    year: int = typer.Option(None, "--year", help=YEAR_HELP),
    years: str = typer.Option(None, "--years", help=YEARS_HELP),
    n: int = typer.Option(1000, "--n", help="Number of replicates (random draws)."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same result."),
    vary: str = typer.Option(
        None,
        "--vary",
        help="What varies, as YAML/JSON, e.g. '{normalise: [minmax, zscore], aggregate: [geometric], weight_noise: 0.25}'. "
        "Default: normalise minmax | zscore | rank, weights framework | equal | critic, aggregate arithmetic | geometric, weights +-25%.",
    ),
    sobol: int = typer.Option(
        0, "--sobol", help="Also compute Sobol indices with this base sample size (e.g. 256)."
    ),
    targets: str = typer.Option(
        "all",
        "--targets",
        help="Sobol targets: summary (the mean absolute rank shift), units (each unit's rank) or all.",
    ),
    chunk: int = typer.Option(
        64, help="Replicates per vectorised chunk (speed and memory; result unchanged)."
    ),
    out: Path = typer.Option(..., "--out", help="Output .csv, .xlsx or .parquet.", callback=checked_output()),
) -> None:
    """Rank intervals under method and weight uncertainty (unit_id, year, nominal_rank, median_rank,
    rank_p05, rank_p95, p_top10); with --sobol N also first-order and total Sobol indices (to
    <out>_sobol), on the targets --targets names."""
    import yaml

    from silkscope.errors import MethodError
    from silkscope.index import build
    from silkscope.index.uncertainty import TARGETS
    from silkscope.io.writers import check_output_path

    if targets not in TARGETS:
        raise MethodError(f"unknown --targets '{targets}'; expected {'|'.join(TARGETS)}")
    sobol_out = out.with_name(f"{out.stem}_sobol{out.suffix}")
    for path in (out, sobol_out) if sobol else (out,):
        check_output_path(path)
    inputs = load_inputs(data, framework, None, workspace, year, years)
    spec = None
    if vary:
        spec = yaml.safe_load(vary)
        if not isinstance(spec, dict):
            raise MethodError(
                f"--vary must be a mapping, e.g. '{{normalise: [minmax, zscore]}}'; got {vary!r}"
            )
    with naming_years(inputs.years_label):
        nominal = build(inputs.values, inputs.framework, make_choices(inputs.saved_choices))
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
    shown = result.latest_ranked_year()
    show_table(frame[frame.year == shown].head(15), title=f"rank intervals, {shown}")
    write_output(frame, out, title="uncertainty")
    if sobol:
        with naming_years(inputs.years_label), progress_bar() as progress:
            task = progress.add_task("Sobol runs", total=None)
            sens = nominal.sensitivity(
                n=sobol,
                vary=spec,
                seed=seed,
                targets=targets,
                chunk=chunk,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        console.print(sens.summary())
        write_output(sens.to_frame(), sobol_out, title="sobol")


@app.command("audit")
@reports_errors
def audit_command(
    data: Path = typer.Option(None, "--data", help=DATA_HELP),
    workspace: Path = typer.Option(None, "--workspace", help=WORKSPACE_HELP),
    framework: str = typer.Option(None, "--framework", help=FRAMEWORK_HELP),
    year: int = typer.Option(None, help="Year to audit (default: the latest whose coverage passes)."),
    years: str = typer.Option(
        None, "--years", help="Build on these years (default all), audit --year or the latest passing one."
    ),
    out: Path = typer.Option(
        ..., "--out", help="Output .xlsx (one sheet per check).", callback=checked_output((".xlsx",))
    ),
) -> None:
    """Statistical audit: correlations, flags, Cronbach's alpha, PCA per pillar, effective weights."""
    from silkscope.index import build
    from silkscope.index.audit import audit
    from silkscope.io.writers import write_workbook

    inputs = load_inputs(data, framework, None, workspace, None, years)
    label = inputs.years_label if year is None else str(year)
    with naming_years(label):
        report = audit(build(inputs.values, inputs.framework, make_choices(inputs.saved_choices)), year)
    console.print(report.summary())
    if not report.flags.empty:
        show_table(report.flags, title="flags")
    write_workbook(report.sheets(), out)
    console.print(f"wrote {len(report.sheets())} sheets to {out}")
