"""Report sections for the composite index: overview and findings, ranking, pillar profiles, the
East/Central/West comparison beside Table 1 of paper 002, and the methods appendix.

Findings are generated from the numbers by explicit rules (each rule is one catalogue sentence).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from silkscope.i18n import Translator
from silkscope.index import IndexResult
from silkscope.reference import benchmark_table1, provinces
from silkscope.report.charts import province_map
from silkscope.report.document import Section, Table

BELTS = ("East", "Central", "West")


def unit_names(lang: str, extra: Mapping[str, Mapping[str, str]] | None = None) -> dict[str, str]:
    """Display names of units: provinces from the reference table, then any ``extra`` names."""
    prov = provinces()
    column = "short_zh" if lang == "zh" else "name_en"
    names = dict(zip(prov["unit_id"], prov[column], strict=True))
    for unit, by_lang in (extra or {}).items():
        names[unit] = by_lang.get(lang) or next(iter(by_lang.values()), unit)
    return names


def index_sections(
    result: IndexResult, t: Translator, names: Mapping[str, str], geometry: dict | None = None
) -> list[Section]:
    """The index part of the report, in reading order; ``geometry`` (province GeoJSON) turns
    the tile-grid map into a choropleth."""
    return [
        overview_section(result, t, names),
        coverage_section(result, t, names),
        ranking_section(result, t, names),
        pillar_section(result, t, names, geometry),
        *([regions_section(result, t)] if result.groups and has_table1(result) else []),
        uncertainty_section(result, t, names),
    ]


def has_table1(result: IndexResult) -> bool:
    """Whether the published Table 1 of paper 002 measures this index (the builtin CIDI)."""
    return result.framework.id == "cidi"


def comparison_years(result: IndexResult) -> tuple[int | None, int]:
    """``(first, last)``: the headline year and the earliest passing year with the same indicator
    set (None when there is none): the only pair rank changes are computed between."""
    last = result.headline_year()
    return result.comparable_year(last), last


def change_note(result: IndexResult, t: Translator) -> str:
    """The sentence saying which years a rank change compares, and on which indicators."""
    first, last = comparison_years(result)
    if first is None:
        return t("coverage.change.none", year=last)
    return t("coverage.change.same", first_year=first, last_year=last, n=len(result.indicator_set(last)))


def _name(names: Mapping[str, str], unit: str) -> str:
    return names.get(unit, unit)


def overview_section(result: IndexResult, t: Translator, names: Mapping[str, str]) -> Section:
    fw = result.framework
    latest = int(result.years.max())
    last = result.headline_year()
    first, _ = comparison_years(result)
    ranking = result.ranking(last).dropna(subset=["score"])
    intro = t(
        "report.overview.intro",
        units=len(set(result.units.tolist())),
        first_year=int(result.years.min()),
        last_year=latest,
        indicators=len(fw.indicators),
        pillars=len(fw.pillars),
    )
    paragraphs = [intro]
    if last != latest:
        paragraphs.append(
            t(
                "coverage.finding.headline",
                year=last,
                latest=latest,
                held=len(result.indicator_set(latest)),
                total=len(fw.indicators),
            )
        )
    findings = [
        t(
            "report.finding.top",
            unit=_name(names, ranking.iloc[0].unit_id),
            year=last,
            score=f"{ranking.iloc[0].score:.1f}",
        ),
        t(
            "report.finding.bottom",
            unit=_name(names, ranking.iloc[-1].unit_id),
            year=last,
            score=f"{ranking.iloc[-1].score:.1f}",
        ),
    ]
    if first is not None:
        moves = rank_moves(result, first, last)
        if not moves.empty:
            up, down = moves.iloc[0], moves.iloc[-1]
            if up.moved > 0:
                findings.append(
                    t(
                        "report.finding.riser",
                        unit=_name(names, up.unit_id),
                        places=int(up.moved),
                        first_year=first,
                        last_year=last,
                    )
                )
            if down.moved < 0:
                findings.append(
                    t(
                        "report.finding.faller",
                        unit=_name(names, down.unit_id),
                        places=int(-down.moved),
                        first_year=first,
                        last_year=last,
                    )
                )
    if int(result.years.min()) < last:
        paragraphs.append(change_note(result, t))
    if result.groups:
        groups = result.group_scores()
        idx = groups[(groups.node == fw.root.id) & (groups.year == last)].sort_values("mean")
        if len(idx) >= 2:
            high, low = idx.iloc[-1], idx.iloc[0]
            findings.append(
                t(
                    "report.finding.group_gap",
                    year=last,
                    high=t(f"group.{high.group}"),
                    low=t(f"group.{low.group}"),
                    gap=f"{high['mean'] - low['mean']:.1f}",
                    high_score=f"{high['mean']:.1f}",
                    low_score=f"{low['mean']:.1f}",
                )
            )
        pillars = groups[(groups.level == "pillar") & (groups.year == last)]
        pillar_names = fw.names(t.lang)
        for group, block in pillars.groupby("group", sort=False):
            weakest = block.sort_values("mean").iloc[0]
            findings.append(
                t(
                    "report.finding.weak_pillar",
                    group=t(f"group.{group}"),
                    year=last,
                    pillar=pillar_names[weakest.node],
                    score=f"{weakest['mean']:.1f}",
                )
            )
    return Section(
        id="overview", title=t("report.section.overview"), paragraphs=paragraphs, findings=findings
    )


def rank_moves(result: IndexResult, first: int, last: int) -> pd.DataFrame:
    """Index rank in ``first`` and ``last`` per unit and places moved (positive = up), best first."""
    root = result.framework.root.id
    frame = result.to_frame()
    idx = frame[(frame.node == root) & frame.year.isin([first, last])]
    wide = idx.pivot(index="unit_id", columns="year", values="rank").dropna()
    if wide.empty or first not in wide or last not in wide:
        return pd.DataFrame(columns=["unit_id", "moved"])
    out = pd.DataFrame({"unit_id": wide.index, "moved": (wide[first] - wide[last]).astype(int).to_numpy()})
    return out.sort_values(["moved", "unit_id"], ascending=[False, True]).reset_index(drop=True)


def ranking_section(result: IndexResult, t: Translator, names: Mapping[str, str]) -> Section:
    first, last = comparison_years(result)
    fw = result.framework
    pillar_names = fw.names(t.lang)
    table = result.ranking(last)
    fig = result.figure(last, labels=names, lang=t.lang)
    fig.update_layout(title=t("report.ranking.caption", year=last))
    shown = pd.DataFrame(
        {
            t("col.rank"): table["rank"],
            t("col.unit"): [_name(names, u) for u in table.unit_id],
            t("col.unit_id"): table.unit_id,
        }
    )
    if "group" in table:
        shown[t("col.group")] = [t(f"group.{g}") if isinstance(g, str) else "" for g in table.group]
    shown[t("col.score")] = table["score"].round(2)
    for pillar in fw.pillars:
        shown[pillar_names[pillar]] = table[pillar].round(2)
    if first is not None:
        moves = rank_moves(result, first, last).set_index("unit_id")["moved"]
        shown[t("col.rank_change") + f" ({first}–{last})"] = (
            table.unit_id.map(moves).astype("Int64").to_numpy()
        )
    return Section(
        id="ranking",
        title=t("report.section.ranking"),
        paragraphs=[change_note(result, t)] if int(result.years.min()) < last else [],
        figures=[(t("report.ranking.caption", year=last), fig)],
        tables=[Table(sheet="ranking", title=t("report.ranking.table", year=last), frame=shown)],
    )


def pillar_section(
    result: IndexResult, t: Translator, names: Mapping[str, str], geometry: dict | None = None
) -> Section:
    last = result.headline_year()
    fw = result.framework
    pillar_names = fw.names(t.lang)
    table = result.ranking(last)
    is_provinces = all(str(u).isdigit() and len(str(u)) == 6 for u in table.unit_id)
    figures: list[tuple[str, go.Figure]] = []
    if is_provinces:
        tile = province_map(
            dict(zip(table.unit_id, table.score, strict=True)),
            dict(names),
            title=t("report.ranking.caption", year=last),
            colorbar_title=t("col.score"),
            geometry=geometry,
        )
        figures.append((t("report.ranking.caption", year=last), tile))
    heat = go.Figure(
        go.Heatmap(
            z=table[list(fw.pillars)].to_numpy(),
            x=[pillar_names[p] for p in fw.pillars],
            y=[_name(names, u) for u in table.unit_id],
            colorscale="YlOrRd",
            colorbar={"title": t("col.score")},
        )
    )
    heat.update_layout(
        height=max(400, 18 * len(table)),
        yaxis={"autorange": "reversed", "tickmode": "linear", "dtick": 1},
        margin={"l": 120},
    )
    figures.append((t("report.pillars.caption", year=last), heat))
    prof = result.profiles()
    prof = prof[prof.year == last].set_index("unit_id")
    shown = pd.DataFrame({t("col.unit"): [_name(names, u) for u in table.unit_id]})
    for pillar in fw.pillars:
        shown[pillar_names[pillar]] = table[pillar].round(2).to_numpy()
    shown[t("col.strongest")] = [pillar_names.get(prof.strongest_pillar.get(u), "") for u in table.unit_id]
    shown[t("col.weakest")] = [pillar_names.get(prof.weakest_pillar.get(u), "") for u in table.unit_id]
    return Section(
        id="pillars",
        title=t("report.section.pillars"),
        figures=figures,
        tables=[Table(sheet="pillars", title=t("report.pillars.table", year=last), frame=shown)],
    )


def coverage_section(result: IndexResult, t: Translator, names: Mapping[str, str]) -> Section:
    """Coverage stated: a heat map of index coverage (units × years), the unit-years left
    unscored and the coverage of the index and every pillar (sheet ``coverage``)."""
    fw = result.framework
    threshold = f"{result.choices.min_coverage:.3g}"
    cov = result.coverage_table("screened")
    root = fw.root.id
    wide = cov[root].unstack("year").sort_index()
    order = wide.mean(axis=1).sort_values(ascending=False).index
    wide = wide.loc[order]
    heat = go.Figure(
        go.Heatmap(
            z=wide.to_numpy(),
            x=[str(y) for y in wide.columns],
            y=[_name(names, u) for u in wide.index],
            zmin=0,
            zmax=1,
            colorscale="Blues",
            colorbar={"title": t("coverage.col.coverage")},
        )
    )
    heat.update_layout(
        height=max(400, 18 * len(wide)),
        yaxis={"autorange": "reversed", "tickmode": "linear", "dtick": 1},
        margin={"l": 120},
    )
    excluded = result.excluded()
    if len(excluded):
        by_year = excluded.groupby("year").size()
        findings = [
            t(
                "coverage.finding.excluded",
                n=len(excluded),
                years=", ".join(f"{int(y)}: {int(n)}" for y, n in by_year.items()),
            )
        ]
    else:
        findings = [t("coverage.finding.none_excluded", threshold=threshold)]
    pillar_names = fw.names(t.lang)
    shown_excluded = pd.DataFrame(
        {
            t("col.unit"): [_name(names, u) for u in excluded.unit_id],
            t("col.unit_id"): excluded.unit_id.to_numpy(),
            t("col.year"): excluded.year.to_numpy(),
            t("coverage.col.coverage"): excluded.coverage.round(3).to_numpy(),
            t("coverage.col.below"): [
                ", ".join(pillar_names.get(n.strip(), n.strip()) for n in b.split(","))
                for b in excluded.below
            ],
        }
    )
    coverage_sheet = cov.round(4).reset_index()
    return Section(
        id="coverage",
        title=t("coverage.section"),
        paragraphs=[t("coverage.intro", threshold=threshold)],
        findings=findings,
        figures=[(t("coverage.caption"), heat)],
        tables=[
            Table(sheet="coverage_excluded", title=t("coverage.table.excluded"), frame=shown_excluded),
            Table(sheet="coverage", title=t("coverage.table.coverage"), frame=coverage_sheet, show_rows=0),
        ],
    )


UNCERTAINTY_N = 1000
UNCERTAINTY_NOISE = 0.25


def uncertainty_section(
    result: IndexResult, t: Translator, names: Mapping[str, str], seed: int = 1
) -> Section:
    """Rank intervals and the Sobol bar chart, from the default variation of methods and weights."""
    from silkscope.index.uncertainty import DEFAULT_VARY

    vary = {**DEFAULT_VARY, "weight_noise": UNCERTAINTY_NOISE}
    unc = result.uncertainty(n=UNCERTAINTY_N, vary=vary, seed=seed)
    last = result.headline_year()
    frame = unc.to_frame()
    frame = frame[(frame.year == last) & frame.nominal_rank.notna()]
    fig = unc.figure(last, labels=names)
    for trace, key in zip(fig.data, ("interval", "median", "nominal"), strict=True):
        trace.name = t(f"zh.uncertainty.{key}")
    fig.update_layout(yaxis={"title": t("zh.axis.rank")})
    shown = pd.DataFrame(
        {
            t("col.rank"): frame.nominal_rank,
            t("col.unit"): [_name(names, u) for u in frame.unit_id],
            t("col.median_rank"): frame.median_rank,
            t("col.rank_interval"): [
                f"{int(a)}–{int(b)}" for a, b in zip(frame.rank_p05, frame.rank_p95, strict=True)
            ],
            t("col.p_top10"): frame.p_top10.round(2),
        }
    )
    top = frame.iloc[0]
    findings = [
        t(
            "report.finding.robust",
            unit=_name(names, top.unit_id),
            low=int(top.rank_p05),
            high=int(top.rank_p95),
            n=UNCERTAINTY_N,
        )
    ]
    figures = [(t("report.uncertainty.caption", year=last), fig)]
    sens = result.sensitivity(n=128, vary=vary, seed=seed)
    sobol = sobol_figure(sens, t)
    figures.append((t("report.sobol.caption"), sobol))
    return Section(
        id="uncertainty",
        title=t("report.section.uncertainty"),
        paragraphs=[
            t("report.uncertainty.intro", n=UNCERTAINTY_N, noise=int(UNCERTAINTY_NOISE * 100)),
            *(
                [
                    t(
                        "coverage.uncertainty.left_out",
                        weights=result.choices.weights,
                        methods=", ".join(unc.vary.left_out),
                    )
                ]
                if unc.vary.left_out
                else []
            ),
        ],
        findings=findings,
        figures=figures,
        tables=[
            Table(sheet="rank_intervals", title=t("report.uncertainty.table", year=last), frame=shown),
            Table(sheet="sobol", title=t("report.sobol.caption"), frame=sens.to_frame(), show_rows=0),
        ],
    )


def sobol_figure(sens, t: Translator):
    """The Sobol bar chart with its factors, legend and axis in the report's language."""
    fig = sens.figure()
    for trace, key in zip(fig.data, ("first", "total"), strict=True):
        trace.name = t(f"zh.sobol.{key}")
        trace.x = [factor_label(t, f) for f in trace.x]
    fig.update_layout(
        yaxis={"title": t("zh.sobol.axis")},
        xaxis={"title": t("zh.sobol.factor")},
        legend={"orientation": "h", "y": -0.25},
    )
    return fig


def factor_label(t: Translator, factor: str) -> str:
    """A varied factor of the uncertainty analysis (a method choice or the weight noise) for people."""
    from silkscope.report.labels import label

    key = f"zh.factor.{factor}"
    return t(key) if t.has(key) else label(t, "choice", factor)


def _source_fields() -> dict[str, dict[str, object]]:
    """Source id -> the fields of its translated title (the seeds of the built-in demo data)."""
    from silkscope.index.demo import DEMO_SEED
    from silkscope.trade.demo import DEMO_SEED as TRADE_SEED

    return {"demo:cidi-synthetic": {"seed": DEMO_SEED}, "demo:trade-synthetic": {"seed": TRADE_SEED}}


def sources_table(sources: pd.DataFrame, t: Translator) -> pd.DataFrame:
    """The sources for people: the built-in sources' titles and licences in the report's language
    (catalogue ``zh.source.<id>.*``; a study's own sources keep the publisher's wording) and
    translated column headers; ``source_id`` stays as a column (hidden in the HTML)."""
    frame = sources.copy()
    fields = _source_fields()
    for column in ("title", "licence"):
        if column not in frame.columns or "source_id" not in frame.columns:
            continue
        frame[column] = [
            t(f"zh.source.{sid}.{column}", **fields.get(sid, {}))
            if t.has(f"zh.source.{sid}.{column}")
            else value
            for sid, value in zip(frame["source_id"], frame[column], strict=True)
        ]
    titles = {c: t("zh.col.source_title") if c == "title" else t(f"zh.col.{c}") for c in frame.columns}
    return frame.rename(columns={c: v for c, v in titles.items() if not v.startswith("zh.col.")})


def regions_table(result: IndexResult) -> pd.DataFrame:
    """Computed belt means beside the published Table 1 (paper 002): rows (node, year), columns
    ``computed_<belt>`` and ``published_<belt>`` for the years the paper reports."""
    fw = result.framework
    groups = result.group_scores()
    nodes = [fw.root.id, *fw.pillars]
    computed = groups[groups.node.isin(nodes)].pivot_table(
        index=["node", "year"], columns="group", values="mean"
    )
    published = benchmark_table1()
    published = published.assign(node=published.node.replace({"index": fw.root.id}))
    pub = published.pivot_table(index=["node", "year"], columns="belt3", values="value")
    years = sorted(set(result.years.tolist()) & set(published.year.tolist()), reverse=True)
    if not years:
        first, last = comparison_years(result)
        years = sorted({last} | ({first} if first is not None else set()), reverse=True)
    rows = []
    for node in nodes:
        for year in years:
            row: dict[str, object] = {"node": node, "year": year}
            for belt in BELTS:
                row[f"computed_{belt}"] = (
                    computed[belt].get((node, year), np.nan) if belt in computed else np.nan
                )
            for belt in BELTS:
                row[f"published_{belt}"] = pub[belt].get((node, year), np.nan) if belt in pub else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


def regions_section(result: IndexResult, t: Translator) -> Section:
    fw = result.framework
    names = fw.names(t.lang)
    table = regions_table(result)
    fig = go.Figure()
    idx = table[table.node == fw.root.id]
    for belt in BELTS:
        fig.add_bar(
            name=f"{t('group.' + belt)} · {t('col.computed')}",
            x=idx.year.astype(str),
            y=idx[f"computed_{belt}"],
        )
    for belt in BELTS:
        fig.add_bar(
            name=f"{t('group.' + belt)} · {t('col.published')}",
            x=idx.year.astype(str),
            y=idx[f"published_{belt}"],
            marker_pattern_shape="/",
        )
    fig.update_layout(barmode="group", title=t("report.regions.caption"))
    shown = pd.DataFrame({t("col.node"): [names.get(n, n) for n in table.node], t("col.year"): table.year})
    for kind, label in (("computed", t("col.computed")), ("published", t("col.published"))):
        for belt in BELTS:
            shown[f"{t('group.' + belt)} · {label}"] = table[f"{kind}_{belt}"].round(1)
    return Section(
        id="regions",
        title=t("report.section.regions"),
        paragraphs=[t("report.regions.intro")],
        figures=[(t("report.regions.caption"), fig)],
        tables=[Table(sheet="regions_table1", title=t("report.regions.table"), frame=shown)],
    )


def methods_section(
    result: IndexResult, t: Translator, sources: pd.DataFrame, command: str, notes: list[str] | None = None
) -> Section:
    """Every choice, the framework, data sources and licences, and the command that reproduces it."""
    fw = result.framework
    from silkscope.report.labels import choice_value, label

    choices = pd.DataFrame(
        [
            {t("col.choice"): label(t, "choice", k), t("col.value"): choice_value(t, v), "id": k}
            for k, v in result.choices.to_dict().items()
        ]
    )
    frame = fw.to_frame()
    weights = result.weights_frame().set_index("node")
    names = dict(zip(frame.node, frame["name_zh" if t.lang == "zh" else "name_en"], strict=True))
    framework_table = pd.DataFrame(
        {
            t("col.node"): frame.node,
            t("polish.col.name"): frame.node.map(names),
            t("col.level"): [label(t, "level", v) for v in frame.level],
            t("polish.col.parent_name"): [
                names.get(p, "") if isinstance(p, str) else "" for p in frame.parent
            ],
            t("col.parent"): frame.parent,
            t("col.direction"): [label(t, "direction", v) for v in frame.direction],
            t("col.weight"): frame.node.map(weights["weight"]).round(4),
            t("polish.col.unit"): [label(t, "unit", v) for v in frame.unit],
        }
    )
    paragraphs = [
        t("report.methods.reproduce", command=f"`{command}`"),
        t("coverage.methods.rule", threshold=f"{result.choices.min_coverage:.3g}"),
        *(notes or []),
        *result.warnings,
    ]
    return Section(
        id="methods",
        title=t("report.section.methods"),
        paragraphs=paragraphs,
        tables=[
            Table(sheet="choices", title=t("report.methods.choices"), frame=choices, hidden=("id",)),
            Table(
                sheet="framework",
                title=t("report.methods.framework"),
                frame=framework_table,
                show_rows=60,
                hidden=(t("col.node"), t("col.parent")),
            ),
            Table(
                sheet="sources",
                title=t("report.methods.sources"),
                frame=sources_table(sources, t),
                hidden=(t("zh.col.source_id"), t("zh.col.file_sha256")),
            ),
            Table(
                sheet="index_scores",
                title=t("zh.table.index_scores"),
                frame=result.to_frame(),
                show_rows=0,
            ),
        ],
    )
