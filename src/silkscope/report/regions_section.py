"""Report section: regional disparity and dynamics of the index score (issue 17, part 6).

The index score of every scored province-year (the report's own index build) goes through
``regions.disparity.disparity`` (Dagum 1997 Gini decomposition G = Gw + Gnb + Gt per year, Theil
T and L with their within/between split, CV and sd of logs for σ-convergence) by the report's
grouping, ``regions.convergence.convergence(kind="beta")`` (absolute β over the scored years, OLS
with HC1 SEs; clubs by group) and ``regions.obstacles.report_tables`` (obstacle degree of each
indicator). Held when the index units are provinces, a grouping is set and at least
:data:`MIN_YEARS` years are scored. Verdicts: β < 0 with p < 0.05 is convergence, β > 0 with
p < 0.05 divergence, else neither.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go

from silkscope.errors import InputError, MethodError
from silkscope.i18n import Translator
from silkscope.report.document import Section, Table
from silkscope.report.module_sections import Module, register
from silkscope.report.module_text import num, refused

if TYPE_CHECKING:
    from silkscope.index import IndexResult
    from silkscope.report.builder import ReportInputs

MIN_YEARS = 3
LEVEL = 0.05
TOP_OBSTACLES = 3


def score_panel(result: IndexResult) -> pd.DataFrame:
    """``unit_id, year, score`` of the scored unit-years."""
    root = result.framework.root.id
    frame = result.table("index").reset_index().rename(columns={root: "score"})
    frame["unit_id"] = frame["unit_id"].astype(str)
    return frame.dropna(subset=["score"])[["unit_id", "year", "score"]]


def held(inputs: ReportInputs) -> bool:
    """Provinces, a grouping, and at least :data:`MIN_YEARS` years with two or more scores."""
    from silkscope.reference import provinces

    if not inputs.groups:
        return False
    units = set(inputs.values["unit_id"].astype(str))
    if not units or not units <= set(provinces()["unit_id"].astype(str)):
        return False
    scores = score_panel(inputs.index_result())
    return int((scores.groupby("year")["unit_id"].nunique() >= 2).sum()) >= MIN_YEARS


def compute(inputs: ReportInputs) -> dict[str, pd.DataFrame | list[str]]:
    """The module tables behind the section: ``disparity`` (the ``regions disparity`` table),
    ``beta`` (the ``regions convergence --kind beta`` table), ``obstacles_top`` and
    ``obstacles_pillar`` (``regions.obstacles.report_tables``), ``obstacles`` (every indicator's
    degree, for the group means), ``panel`` and ``notes``."""
    from silkscope.regions.convergence import convergence
    from silkscope.regions.disparity import disparity
    from silkscope.regions.obstacles import obstacles, report_tables
    from silkscope.regions.panel import panel

    result = inputs.index_result()
    scores = score_panel(result)
    notes: list[str] = []
    table = disparity(scores, "score", inputs.groups, None, notes)
    data = panel(scores, "score", inputs.groups, None, [])
    beta = pd.DataFrame()
    try:
        beta = convergence(data, "beta", notes=notes)
    except InputError as exc:
        notes.append(str(exc))
    tables = {
        "obstacles_top": pd.DataFrame(),
        "obstacles_pillar": pd.DataFrame(),
        "obstacles": pd.DataFrame(),
    }
    try:
        tables.update(report_tables(result), obstacles=obstacles(result, top=None))
    except MethodError as exc:  # obstacle degree needs min-max or goalpost normalisation
        notes.append(str(exc))
    return {"disparity": table, "beta": beta, **tables, "panel": data, "notes": notes}


def _group(t: Translator, name: object) -> str:
    text = str(name)
    return t(f"group.{text}") if t.has(f"group.{text}") else text


def build(inputs: ReportInputs, t: Translator, demo: bool) -> Section:
    if demo and not inputs.is_demo:
        from silkscope.report.builder import demo_inputs

        inputs = demo_inputs()
    from silkscope.report.index_sections import unit_names

    try:
        parts = compute(inputs)
    except (InputError, MethodError) as exc:  # e.g. negative scores (z-scores): no Gini
        return refused("disparity", t("module_a.section.regions"), t, exc)
    names = unit_names(t.lang, inputs.names)
    indicator_names = inputs.framework.names(t.lang)
    c = lambda key: t(f"module_a.col.{key}")  # noqa: E731
    dis = parts["disparity"]
    overall = dis[dis["group"] == ""]
    wide = overall.pivot(index="year", columns="component", values="value")
    share = overall.pivot(index="year", columns="component", values="share")
    years = wide.index.astype(int)
    n_units = overall.drop_duplicates("year").set_index("year")["n_units"]
    dagum = pd.DataFrame({
        c("year"): years, c("n_units"): n_units.reindex(wide.index).to_numpy(),
        c("gini"): wide["gini"].to_numpy(), c("gini_within"): wide["gini_within"].to_numpy(),
        c("gini_between_net"): wide["gini_between_net"].to_numpy(),
        c("gini_transvariation"): wide["gini_transvariation"].to_numpy(),
        c("share_within"): 100 * share["gini_within"].to_numpy(),
        c("share_between_net"): 100 * share["gini_between_net"].to_numpy(),
        c("share_transvariation"): 100 * share["gini_transvariation"].to_numpy(),
    })  # fmt: skip
    theil = pd.DataFrame({
        c("year"): years, c("theil_t"): wide["theil_t"].to_numpy(),
        c("theil_t_within"): wide["theil_t_within"].to_numpy(), c("theil_t_between"): wide["theil_t_between"].to_numpy(),
        c("theil_l"): wide["theil_l"].to_numpy(), c("theil_l_within"): wide["theil_l_within"].to_numpy(),
        c("theil_l_between"): wide["theil_l_between"].to_numpy(), c("cv"): wide["cv"].to_numpy(),
        c("sd_log"): wide["sd_log"].to_numpy(),
    })  # fmt: skip
    groups = dis[dis["component"].isin(["gini_group", "gini_between_pair"])]
    group_sheet = pd.DataFrame({
        c("year"): groups["year"].astype(int).to_numpy(),
        c("component"): [t(f"module_a.regions.component.{k}") for k in groups["component"]],
        c("group"): [_group(t, g) for g in groups["group"]],
        c("group_b"): [_group(t, g) if g else "" for g in groups["group_b"]],
        c("value"): groups["value"].to_numpy(), c("share_pct"): 100 * groups["share"].to_numpy(),
        "component_id": groups["component"].to_numpy(), "group_id": groups["group"].to_numpy(),
        "group_b_id": groups["group_b"].to_numpy(),
    })  # fmt: skip
    beta = parts["beta"]
    slope = beta[beta["term"] == "log_initial"] if len(beta) else beta
    beta_sheet = pd.DataFrame({
        c("group"): [t("module_a.regions.all") if g == "all" else _group(t, g) for g in slope.get("group", [])],
        c("beta"): slope.get("coef", []), c("se"): slope.get("se", []), "p": slope.get("p", []),
        "n": slope.get("n", []), "R²": slope.get("r2", []), c("speed"): slope.get("speed", []),
        c("half_life"): slope.get("half_life", []),
        c("verdict"): [t(f"module_a.regions.beta.{_beta_verdict(r)}") for r in slope.itertuples()],
        "group_id": slope.get("group", []),
    })  # fmt: skip
    top = parts["obstacles_top"]
    last = int(years.max())
    obstacle_sheet = _obstacles_by_group(t, parts["obstacles"], inputs.groups or {}, indicator_names, last)
    unit_sheet = pd.DataFrame()
    if len(top):
        latest = top[top["year"] == last]
        unit_sheet = pd.DataFrame({
            c("unit"): [names.get(u, u) for u in latest["unit_id"]], c("group"): [
                _group(t, (inputs.groups or {}).get(u, "")) for u in latest["unit_id"]],
            c("rank"): latest["rank"].to_numpy(), c("indicator"): [indicator_names.get(i, i) for i in latest["indicator"]],
            c("obstacle_pct"): 100 * latest["obstacle"].to_numpy(), "unit_id": latest["unit_id"].to_numpy(),
            "indicator_id": latest["indicator"].to_numpy(),
        })  # fmt: skip
    fig = go.Figure()
    for key, colour in (("gini_within", "#2f6690"), ("gini_between_net", "#c0392b"),
                        ("gini_transvariation", "#9a9a9a")):  # fmt: skip
        fig.add_trace(
            go.Bar(x=[str(y) for y in years], y=wide[key].to_numpy(), name=c(key), marker_color=colour)
        )
    fig.update_layout(barmode="stack", template="simple_white", yaxis={"title": c("gini")},
                      xaxis={"title": c("year"), "type": "category"}, legend={"orientation": "h", "y": -0.2})  # fmt: skip
    tables = [
        Table(sheet=t("module_a.sheet.dagum"), title=t("module_a.regions.dagum_table"), frame=dagum),
        Table(sheet=t("module_a.sheet.dagum_groups"), title=t("module_a.regions.group_table"), frame=group_sheet,
              hidden=("component_id", "group_id", "group_b_id"), show_rows=0),
        Table(sheet=t("module_a.sheet.theil"), title=t("module_a.regions.theil_table"), frame=theil),
        Table(sheet=t("module_a.sheet.beta"), title=t("module_a.regions.beta_table"), frame=beta_sheet,
              hidden=("group_id",)),
        Table(sheet=t("module_a.sheet.obstacles_groups"), title=t("module_a.regions.obstacle_table", year=last),
              frame=obstacle_sheet, hidden=("group_id", "indicator_id")),
        Table(sheet=t("module_a.sheet.obstacles_units"), title=t("module_a.regions.unit_table", year=last),
              frame=unit_sheet, hidden=("unit_id", "indicator_id"), show_rows=0),
        Table(sheet=t("module_a.sheet.regions_notes"), title=t("module_a.regions.notes_table"),
              frame=pd.DataFrame({c("note"): parts["notes"]}), show_rows=0),
    ]  # fmt: skip
    paragraphs = [t("module_a.regions.intro", groups=len(set((inputs.groups or {}).values())), min_years=MIN_YEARS),
                  t("module_a.regions.rule", level=LEVEL)]  # fmt: skip
    if parts["notes"]:
        paragraphs.append(t("module_a.regions.notes", n=len(parts["notes"])))
    if demo:
        paragraphs.append(t("module_a.regions.demo_note"))
    return Section(
        id="disparity",
        title=t("module_a.section.regions"),
        paragraphs=paragraphs,
        findings=_findings(t, dagum, theil, beta_sheet, obstacle_sheet, c),
        figures=[(t("module_a.regions.figure"), fig)],
        tables=[table for table in tables if len(table.frame)],
    )


def _beta_verdict(row) -> str:
    if pd.isna(row.p) or row.p >= LEVEL:
        return "none"
    return "converging" if row.coef < 0 else "diverging"


def _obstacles_by_group(t: Translator, full: pd.DataFrame, groups, names, year: int) -> pd.DataFrame:
    """Per group: the indicators ranked by their mean obstacle degree over the group's units in
    ``year`` (from every indicator's degree, not only each unit's top five), the first
    :data:`TOP_OBSTACLES`."""
    if full.empty:
        return pd.DataFrame()
    latest = (
        full[full["year"] == year].assign(group=lambda f: f["unit_id"].map(groups)).dropna(subset=["group"])
    )
    units = latest.groupby("group")["unit_id"].nunique()
    sums = latest.groupby(["group", "indicator"])["obstacle"].sum().reset_index()
    sums["mean"] = sums["obstacle"] / sums["group"].map(units)
    sums = sums.sort_values(["group", "mean", "indicator"], ascending=[True, False, True])
    sums["rank"] = sums.groupby("group").cumcount() + 1
    sums = sums[sums["rank"] <= TOP_OBSTACLES]
    c = lambda key: t(f"module_a.col.{key}")  # noqa: E731
    return pd.DataFrame({
        c("group"): [_group(t, g) for g in sums["group"]], c("rank"): sums["rank"].to_numpy(),
        c("indicator"): [names.get(i, i) for i in sums["indicator"]], c("obstacle_pct"): 100 * sums["mean"].to_numpy(),
        c("n_units"): sums["group"].map(units).to_numpy(), "group_id": sums["group"].to_numpy(),
        "indicator_id": sums["indicator"].to_numpy(),
    })  # fmt: skip


def _findings(t: Translator, dagum, theil, beta, obstacles, c) -> list[str]:
    out: list[str] = []
    first, last = dagum.iloc[0], dagum.iloc[-1]
    out.append(t("module_a.finding.dagum", year=int(last[c("year")]), n=int(last[c("n_units")]),
                 g=num(last[c("gini")], 4), within=num(last[c("share_within")], 1),
                 between=num(last[c("share_between_net")], 1), trans=num(last[c("share_transvariation")], 1)))  # fmt: skip
    if len(dagum) > 1:
        key = (
            "module_a.finding.gini_rose"
            if last[c("gini")] > first[c("gini")]
            else "module_a.finding.gini_fell"
        )
        out.append(t(key, first_year=int(first[c("year")]), last_year=int(last[c("year")]),
                     g0=num(first[c("gini")], 4), g1=num(last[c("gini")], 4),
                     cv0=num(theil.iloc[0][c("cv")], 4), cv1=num(theil.iloc[-1][c("cv")], 4)))  # fmt: skip
    if len(beta):
        row = beta.iloc[0]
        key = (
            "module_a.finding.beta" if pd.notna(row[c("half_life")]) else "module_a.finding.beta_no_half_life"
        )
        out.append(t(key, beta=num(row[c("beta")], 4), p=num(row["p"], 4), n=int(row["n"]),
                     verdict=row[c("verdict")], half_life=num(row[c("half_life")], 1)))  # fmt: skip
    if len(obstacles):
        firsts = obstacles[obstacles[c("rank")] == 1]
        out.append(t("module_a.finding.obstacles", items=t("module_a.list_sep").join(
            t("module_a.regions.obstacle_item", group=r[c("group")], indicator=r[c("indicator")],
              pct=num(r[c("obstacle_pct")], 1)) for _, r in firsts.iterrows())))  # fmt: skip
    return out


MODULE = register(
    Module("disparity", "module_a.missing.regions", held, build, title_key="module_a.section.regions")
)
