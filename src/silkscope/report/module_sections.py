"""Report sections for the analysis modules: cultural-goods trade (values, markets, RCA, constant
market shares), partner countries (tiers on a world map, docking recommendations) and clusters
(echelons of provinces, spatial autocorrelation of the index score).

Findings are generated from the numbers by explicit rules (each rule is one catalogue sentence);
every number they quote is also in a table, so in the Excel workbook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from silkscope.i18n import Translator
from silkscope.index import IndexResult
from silkscope.report.charts import province_tile_map, world_choropleth
from silkscope.report.document import Section, Table

FOCUS = "CHN"
TOP_MARKETS = 10
TIER_REPLICATES = 200
SPATIAL_PERMUTATIONS = 999
ECHELON_COLOURS = ("#7a1f1f", "#e07b39", "#f6d55c")


@dataclass
class TradeInputs:
    """Flows ``year, exporter, importer, product, value`` (thousand USD) and where they are from."""

    flows: pd.DataFrame
    is_demo: bool
    source: str


def module_sections(
    trade: TradeInputs,
    result: IndexResult,
    t: Translator,
    names: Mapping[str, str],
    index_is_demo: bool,
    values: pd.DataFrame | None = None,
) -> list[Section]:
    """The module part of the report, in reading order (after the index sections); ``values``
    (long indicator values) feed the efficiency section."""
    sections = [trade_section(trade, t), partners_section(trade, t)]
    sections.append(cluster_section(result, t, names, index_is_demo))
    if values is not None:
        sections.append(efficiency_section(values, t, names, index_is_demo))
    return sections


# --- helpers -----------------------------------------------------------------------------------
@cache
def _country_names_en() -> dict[str, str]:
    import country_converter as coco

    data = coco.CountryConverter().data[["ISO3", "name_short"]].dropna()
    return dict(zip(data["ISO3"].astype(str), data["name_short"].astype(str), strict=True))


def country_name(code: str) -> str:
    """A country's short English name (no Chinese names are shipped), else its code."""
    return _country_names_en().get(code, code)


def product_name(t: Translator, code: str) -> str:
    key = f"modules.hs.{code}"
    return f"{code} {t(key)}" if t.has(key) else code


def _pct(value: float) -> str:
    return f"{value:.1f}"


def _kusd(value: float) -> str:
    return f"{value:,.0f}"


def _demo_note(t: Translator, is_demo: bool, source: str) -> list[str]:
    from silkscope.trade.demo import DEMO_LABEL

    if is_demo:
        return [t("modules.demo_flows", label=DEMO_LABEL.get(t.lang, DEMO_LABEL["en"]))]
    return [t("modules.flows_source", source=source)]


# --- trade -------------------------------------------------------------------------------------
def trade_section(trade: TradeInputs, t: Translator, exporter: str = FOCUS) -> Section:
    from silkscope.trade.indicators import trade_indicators
    from silkscope.trade.structure import constant_market_share, trade_values

    flows = trade.flows
    mine = flows[flows["exporter"] == exporter]
    years = sorted(int(y) for y in flows["year"].unique())
    first, last = years[0], years[-1]
    paragraphs = _demo_note(t, trade.is_demo, trade.source)
    if mine.empty or mine["value"].sum() <= 0:
        paragraphs.append(t("modules.trade.none", exporter=country_name(exporter)))
        return Section(id="trade", title=t("modules.section.trade"), paragraphs=paragraphs)
    paragraphs.insert(
        0,
        t(
            "modules.trade.intro",
            exporter=country_name(exporter),
            products=mine["product"].nunique(),
            markets=mine.loc[mine["value"] > 0, "importer"].nunique(),
            first_year=first,
            last_year=last,
        ),
    )
    findings: list[str] = []
    tables: list[Table] = []
    figures: list[tuple[str, go.Figure]] = []

    # exports by year
    by_year = trade_values(mine, by=("exporter", "year"))
    exports = pd.DataFrame(
        {
            t("col.year"): by_year["year"].astype(int),
            t("modules.col.exports"): by_year["value"].round(3),
            t("modules.col.yoy"): (by_year["yoy"] * 100).round(2),
        }
    )
    tables.append(Table(sheet="trade_exports", title=t("modules.trade.exports.caption"), frame=exports))
    fig = go.Figure()
    fig.add_bar(x=exports.iloc[:, 0].astype(str), y=exports.iloc[:, 1], name=t("modules.col.exports"))
    fig.add_scatter(
        x=exports.iloc[:, 0].astype(str),
        y=exports.iloc[:, 2],
        name=t("modules.col.yoy"),
        yaxis="y2",
        mode="lines+markers",
    )
    fig.update_layout(
        yaxis={"title": t("modules.col.exports")},
        yaxis2={"title": t("modules.col.yoy"), "overlaying": "y", "side": "right", "showgrid": False},
        legend={"orientation": "h"},
    )
    figures.append((t("modules.trade.exports.caption"), fig))
    start = float(exports.iloc[0, 1])
    end = float(exports.iloc[-1, 1])
    if first < last and start > 0:
        change = (end / start - 1) * 100
        findings.append(
            t(
                "modules.finding.trade_grew" if change >= 0 else "modules.finding.trade_fell",
                exporter=country_name(exporter),
                pct=_pct(abs(change)),
                first_year=first,
                last_year=last,
                start=_kusd(start),
                end=_kusd(end),
            )
        )

    # markets
    markets = trade_values(mine, by=("exporter", "importer", "year"))
    latest = markets[markets["year"] == last].sort_values("value", ascending=False).head(TOP_MARKETS)
    latest = latest[latest["value"] > 0]
    market_table = pd.DataFrame(
        {
            t("col.rank"): np.arange(1, len(latest) + 1),
            t("modules.col.market"): latest["importer"].to_numpy(),
            t("modules.col.country"): [country_name(c) for c in latest["importer"]],
            t("modules.col.exports"): latest["value"].round(3).to_numpy(),
            t("modules.col.share"): (latest["share"] * 100).round(2).to_numpy(),
            t("modules.col.cagr"): (latest["cagr"] * 100).round(2).to_numpy(),
        }
    )
    tables.append(
        Table(
            sheet="trade_markets",
            title=t("modules.trade.markets.table", n=len(latest), year=last, first_year=first),
            frame=market_table,
        )
    )
    if len(market_table):
        top = market_table.iloc[0]
        findings.append(
            t(
                "modules.finding.trade_top_market",
                year=last,
                market=top.iloc[2],
                share=_pct(float(top.iloc[4])),
                n=len(market_table),
                top_share=_pct(float(market_table.iloc[:, 4].sum())),
            )
        )

    # revealed comparative advantage of the focus products
    rca = trade_indicators(flows, [exporter], None, ("rca",))
    wide = rca.pivot_table(index="product", columns="year", values="value")
    products = sorted(mine.loc[mine["value"] > 0, "product"].unique())
    wide = wide.reindex(index=products)
    rca_table = pd.DataFrame(
        {
            t("modules.col.product"): products,
            t("modules.col.product_name"): [product_name(t, p).split(" ", 1)[-1] for p in products],
            f"RCA {first}": wide.get(first, pd.Series(np.nan, index=wide.index)).round(3).to_numpy(),
            f"RCA {last}": wide.get(last, pd.Series(np.nan, index=wide.index)).round(3).to_numpy(),
        }
    )
    tables.append(
        Table(
            sheet="trade_rca",
            title=t("modules.trade.rca.table", first_year=first, last_year=last),
            frame=rca_table,
        )
    )
    rca_fig = go.Figure()
    labels = [product_name(t, p) for p in products]
    for column in (f"RCA {first}", f"RCA {last}"):
        rca_fig.add_bar(x=labels, y=rca_table[column], name=column)
    rca_fig.add_hline(y=1.0, line_dash="dash", line_color="#52606d")
    rca_fig.update_layout(barmode="group", yaxis={"title": "RCA"}, legend={"orientation": "h"})
    figures.append((t("modules.trade.rca.caption", first_year=first, last_year=last), rca_fig))
    last_rca = rca_table[f"RCA {last}"].dropna()
    if len(last_rca):
        best = int(last_rca.idxmax())
        findings.append(
            t(
                "modules.finding.trade_rca",
                exporter=country_name(exporter),
                n=int((last_rca > 1).sum()),
                total=len(last_rca),
                year=last,
                product=product_name(t, products[best]),
                rca=f"{last_rca.loc[best]:.2f}",
            )
        )

    # constant-market-share decomposition, first to last year
    if first < last:
        cms = constant_market_share(flows, exporter, first, last)
        effect_names = [t(f"modules.cms.{e}") for e in cms["effect"]]
        cms_table = pd.DataFrame(
            {
                t("modules.col.effect"): effect_names,
                t("modules.col.effect_id"): cms["effect"].to_numpy(),
                t("modules.col.value_kusd"): cms["value"].round(3).to_numpy(),
                t("modules.col.share_of_change"): (cms["share_of_change"] * 100).round(2).to_numpy(),
            }
        )
        tables.append(
            Table(
                sheet="trade_cms",
                title=t("modules.trade.cms.caption", first_year=first, last_year=last),
                frame=cms_table,
            )
        )
        waterfall = go.Figure(
            go.Waterfall(
                x=[str(first), *effect_names, str(last)],
                measure=["absolute", *["relative"] * len(cms), "total"],
                y=[start, *cms_table.iloc[:, 2].tolist(), 0.0],
                connector={"line": {"color": "#9aa5b1"}},
                increasing={"marker": {"color": "#3d7ea6"}},
                decreasing={"marker": {"color": "#c0392b"}},
                totals={"marker": {"color": "#7a1f1f"}},
            )
        )
        waterfall.update_layout(yaxis={"title": t("modules.col.value_kusd")}, showlegend=False)
        figures.append((t("modules.trade.cms.caption", first_year=first, last_year=last), waterfall))
        biggest = cms_table.iloc[int(np.argmax(np.abs(cms_table.iloc[:, 2].to_numpy())))]
        findings.append(
            t(
                "modules.finding.trade_cms",
                first_year=first,
                last_year=last,
                change=_kusd(float(cms_table.iloc[:, 2].sum())),
                effect=biggest.iloc[0],
                value=_kusd(float(biggest.iloc[2])),
                share=_pct(float(biggest.iloc[3])),
            )
        )
        paragraphs.append(t("modules.trade.cms.note"))
    return Section(
        id="trade",
        title=t("modules.section.trade"),
        paragraphs=paragraphs,
        findings=findings,
        figures=figures,
        tables=tables,
    )


# --- partners ----------------------------------------------------------------------------------
def partner_tier_result(flows: pd.DataFrame, home: str = FOCUS, replicates: int = TIER_REPLICATES):
    """Tiers of the partner countries from the flows (as ``silkscope partners tiers`` does) and
    their docking recommendations."""
    from silkscope.partners.docking import recommend
    from silkscope.partners.tiers import flow_indicators, partner_tiers
    from silkscope.reference import iso3_codes
    from silkscope.trade.demo import demo_distances

    known = iso3_codes()
    flows = flows[flows["exporter"].isin(known) & flows["importer"].isin(known)]
    countries = sorted(set(flows["exporter"]).union(flows["importer"]))
    indicators = flow_indicators(flows, demo_distances(countries), home)
    result = partner_tiers(indicators, n=replicates, seed=0, exclude=(home,))
    recs = recommend(result.to_frame(), result.pillar_scores)
    return result, recs


def partners_section(trade: TradeInputs, t: Translator, home: str = FOCUS) -> Section:
    from silkscope.partners.tiers import partner_framework

    result, recs = partner_tier_result(trade.flows, home)
    frame = result.to_frame()
    k = int(result.details["k"])
    pillar_names = partner_framework().names(t.lang)
    lang = "zh" if t.lang == "zh" else "en"
    tier_labels = {tier: t("modules.tier", tier=tier) for tier in range(1, k + 1)}
    modes = (
        recs.groupby("country", sort=False)[f"mode_{lang}"].agg(lambda s: "; ".join(dict.fromkeys(s)))
        if len(recs)
        else pd.Series(dtype=str)
    )
    table = pd.DataFrame(
        {
            t("modules.col.iso3"): frame["country"],
            t("modules.col.country"): [country_name(c) for c in frame["country"]],
            t("modules.col.tier"): frame["tier"].astype(int),
            t("col.score"): frame["score"].round(2),
            t("modules.col.tier_probability"): frame["tier_probability"].round(2),
            t("modules.col.driver"): [pillar_names.get(d, d) for d in frame["driver"]],
            t("modules.col.modes"): frame["country"].map(modes).fillna("").to_numpy(),
        }
    )
    hover = {
        row.country: f"{country_name(row.country)} ({row.country})<br>{tier_labels[int(row.tier)]}"
        f"<br>{t('col.score')} {row.score:.2f}"
        for row in frame.itertuples()
    }
    fig = world_choropleth(
        {c: int(v) for c, v in zip(frame["country"], frame["tier"], strict=True)},
        hover=hover,
        title=t("modules.partners.map.caption"),
        colorbar_title=t("modules.col.tier"),
        categories=tier_labels,
    )
    findings = []
    for tier in range(1, k + 1):
        block = table[table.iloc[:, 2] == tier]
        if block.empty:
            continue
        findings.append(
            t(
                "modules.finding.tier",
                tier=tier,
                n=len(block),
                low=f"{block.iloc[:, 3].min():.2f}",
                high=f"{block.iloc[:, 3].max():.2f}",
                country=block.iloc[0, 1],
            )
        )
    unstable = table[table.iloc[:, 4] < 0.5]
    if len(unstable):
        findings.append(
            t(
                "modules.finding.tier_unstable",
                n=len(unstable),
                total=len(table),
                countries=", ".join(unstable.iloc[:, 1]),
                replicates=result.details["n"],
            )
        )
    else:
        findings.append(t("modules.finding.tier_stable", replicates=result.details["n"]))
    tables = [Table(sheet="partner_tiers", title=t("modules.partners.table"), frame=table, show_rows=60)]
    if len(recs):
        grouped = recs.groupby(["tier", "rule"], sort=False)
        docking = pd.DataFrame(
            [
                {
                    t("modules.col.tier"): int(tier),
                    t("modules.col.rule"): rule,
                    t("modules.col.recommendation"): block[f"text_{lang}"].iloc[0],
                    t("modules.col.modes"): "; ".join(dict.fromkeys(block[f"mode_{lang}"])),
                    t("modules.col.n_countries"): block["country"].nunique(),
                    t("modules.col.countries"): ", ".join(
                        country_name(c) for c in dict.fromkeys(block["country"])
                    ),
                }
                for (tier, rule), block in grouped
            ]
        ).sort_values(t("modules.col.tier"), kind="stable")
        tables.append(
            Table(sheet="partner_docking", title=t("modules.partners.docking.table"), frame=docking)
        )
    paragraphs = [
        t(
            "modules.partners.intro",
            n=len(table),
            k=k,
            replicates=result.details["n"],
            home=country_name(home),
        ),
        *_demo_note(t, trade.is_demo, trade.source),
        t("modules.partners.docking.intro"),
    ]
    return Section(
        id="partners",
        title=t("modules.section.partners"),
        paragraphs=paragraphs,
        findings=findings,
        figures=[(t("modules.partners.map.caption"), fig)],
        tables=tables,
    )


# --- clusters ----------------------------------------------------------------------------------
def cluster_section(result: IndexResult, t: Translator, names: Mapping[str, str], is_demo: bool) -> Section:
    from silkscope.cluster.echelons import echelon_names, echelons
    from silkscope.cluster.spatial import spatial_analysis
    from silkscope.reference import provinces

    last = int(result.years.max())
    ranking = result.ranking(last).dropna(subset=["score"])
    data = pd.DataFrame({"unit_id": ranking["unit_id"].astype(str), "year": last, "score": ranking["score"]})
    title = t("modules.section.cluster")
    province_ids = set(provinces()["unit_id"].astype(str))
    if len(data) < 4 or not set(data["unit_id"]) <= province_ids:
        return Section(id="cluster", title=title, paragraphs=[t("modules.cluster.not_provinces")])
    k = 3
    ech = echelons(data, "score", "jenks", k).table
    spatial = spatial_analysis(data, "score", "contiguity", permutations=SPATIAL_PERMUTATIONS, seed=0).table
    lisa = spatial[spatial["statistic"] == "lisa"].set_index("unit_id")
    label_of = {n: t(f"modules.echelon.{n}") for n in echelon_names(k)}
    table = pd.DataFrame(
        {
            t("col.unit"): [names.get(u, u) for u in ech["unit_id"]],
            t("col.unit_id"): ech["unit_id"].to_numpy(),
            t("col.score"): ech["value"].round(2).to_numpy(),
            t("modules.col.echelon"): ech["echelon"].astype(int).to_numpy(),
            t("modules.col.echelon_name"): [label_of[n] for n in ech["echelon_name"]],
            t("modules.col.lisa"): ech["unit_id"].map(lisa["label"]).to_numpy(),
            t("modules.col.local_i"): ech["unit_id"].map(lisa["value"]).round(3).to_numpy(),
            t("modules.col.p_value"): ech["unit_id"].map(lisa["p_value"]).round(3).to_numpy(),
        }
    )
    glob = spatial[spatial["unit_id"] == "ALL"]
    global_table = pd.DataFrame(
        {
            t("modules.col.statistic"): [t(f"modules.spatial.{s}") for s in glob["statistic"]],
            t("modules.col.statistic_id"): glob["statistic"].to_numpy(),
            t("modules.col.value"): glob["value"].astype(float).round(3).to_numpy(),
            t("modules.col.p_value"): glob["p_value"].astype(float).round(3).to_numpy(),
            t("modules.col.z_score"): glob["z_score"].astype(float).round(2).to_numpy(),
            t("modules.col.reading"): [t(f"modules.spatial.label.{lab}") for lab in glob["label"]],
        }
    )
    # the tile map: labels show the score, colours the echelon
    scores = dict(zip(table.iloc[:, 1], table.iloc[:, 2], strict=True))
    echelon = dict(zip(table.iloc[:, 1], table.iloc[:, 3], strict=True))
    tile = province_tile_map(scores, dict(names), title=t("modules.cluster.map.caption", year=last))
    marker_units = _tile_units()
    colour_values = [echelon.get(u, np.nan) for u in marker_units]
    scale = []
    for i, colour in enumerate(ECHELON_COLOURS[:k]):
        scale += [[i / k, colour], [(i + 1) / k, colour]]
    tile.update_traces(
        marker={
            "color": colour_values,
            "colorscale": scale,
            "cmin": 0.5,
            "cmax": k + 0.5,
            "colorbar": {
                "title": t("modules.col.echelon"),
                "tickvals": list(range(1, k + 1)),
                "ticktext": [label_of[n] for n in echelon_names(k)],
            },
        },
        textfont={"color": ["white" if e == 1 else "#1f2933" for e in colour_values]},
    )
    findings = []
    counts = table.groupby(table.columns[3]).size()
    ranges = table.groupby(table.columns[3])[table.columns[2]].agg(["min", "max"])
    findings.append(
        t(
            "modules.finding.echelons",
            year=last,
            n_high=int(counts.get(1, 0)),
            n_medium=int(counts.get(2, 0)),
            n_low=int(counts.get(3, 0)),
            high_min=f"{ranges.loc[1, 'min']:.2f}",
            low_max=f"{ranges.loc[k, 'max']:.2f}",
            top=", ".join(table[table.iloc[:, 3] == 1].iloc[:, 0]),
        )
    )
    moran = global_table[global_table.iloc[:, 1] == "moran_i"].iloc[0]
    moran_label = glob.set_index("statistic").loc["moran_i", "label"]
    findings.append(
        t(
            f"modules.finding.moran_{moran_label}",
            year=last,
            i=f"{moran.iloc[2]:.3f}",
            p=f"{moran.iloc[3]:.3f}",
            permutations=SPATIAL_PERMUTATIONS,
        )
    )
    lisa_counts = table.iloc[:, 5].value_counts()
    hh = table[table.iloc[:, 5] == "HH"].iloc[:, 0].tolist()
    findings.append(
        t(
            "modules.finding.lisa",
            hh=int(lisa_counts.get("HH", 0)),
            ll=int(lisa_counts.get("LL", 0)),
            hl=int(lisa_counts.get("HL", 0)),
            lh=int(lisa_counts.get("LH", 0)),
            hh_units=", ".join(hh) if hh else t("modules.none"),
        )
    )
    paragraphs = [
        t("modules.cluster.intro", year=last, k=k, permutations=SPATIAL_PERMUTATIONS),
        t("modules.cluster.lisa_legend"),
    ]
    if is_demo:
        paragraphs.append(t("modules.cluster.demo_note"))
    return Section(
        id="cluster",
        title=title,
        paragraphs=paragraphs,
        findings=findings,
        figures=[(t("modules.cluster.map.caption", year=last), tile)],
        tables=[
            Table(sheet="cluster_echelons", title=t("modules.cluster.table", year=last), frame=table),
            Table(
                sheet="cluster_spatial",
                title=t("modules.cluster.global_table", year=last),
                frame=global_table,
            ),
        ],
    )


@cache
def _tile_units() -> tuple[str, ...]:
    """The order of the units in the tile map's marker arrays (that of the tile-grid table)."""
    from silkscope.paths import REFERENCE_DIR

    grid = pd.read_csv(REFERENCE_DIR / "province_tilegrid.csv", dtype={"unit_id": str})
    return tuple(grid["unit_id"])


# --- efficiency --------------------------------------------------------------------------------
#: DEA inputs and output of the cultural industry (indicator ids of the builtin:cidi framework).
DEA_INPUTS = ("pf_employment", "pf_assets")
DEA_OUTPUTS = ("pf_value_added",)


def efficiency_section(
    values: pd.DataFrame, t: Translator, names: Mapping[str, str], is_demo: bool
) -> Section:
    """BCC (VRS) input-oriented efficiency in the latest year with CRS and scale efficiency, and
    the Malmquist productivity change from the first to the last year (chained over adjacent
    years, Färe et al. 1994)."""
    from silkscope.cluster.efficiency import dea, malmquist

    title = t("modules.section.efficiency")
    needed = [*DEA_INPUTS, *DEA_OUTPUTS]
    wide = values[values["indicator_id"].isin(needed)].pivot_table(
        index=["unit_id", "year"], columns="indicator_id", values="value"
    )
    if any(c not in wide.columns for c in needed):
        return Section(
            id="efficiency", title=title, paragraphs=[t("modules.efficiency.missing", ids=", ".join(needed))]
        )
    wide = wide.dropna().reset_index()
    wide = wide[(wide[needed] > 0).all(axis=1)]
    years = sorted(wide["year"].astype(int).unique())
    last = years[-1]
    latest = wide[wide["year"] == last]
    bcc = dea(latest, list(DEA_INPUTS), list(DEA_OUTPUTS), model="bcc", orientation="input").frame
    ccr = dea(latest, list(DEA_INPUTS), list(DEA_OUTPUTS), model="ccr", orientation="input").frame
    table = pd.DataFrame(
        {
            "unit_id": bcc["unit_id"].astype(str),
            "vrs": bcc["efficiency"].round(3),
            "crs": ccr.set_index("unit_id").loc[bcc["unit_id"], "efficiency"].round(3).to_numpy(),
        }
    )
    table["scale"] = (table["crs"] / table["vrs"]).round(3)
    balanced = wide.groupby("unit_id")["year"].transform("nunique") == len(years)
    change = None
    if len(years) > 1:
        periods = malmquist(wide[balanced], list(DEA_INPUTS), list(DEA_OUTPUTS))
        change = periods.groupby("unit_id")[["malmquist", "effch", "techch"]].prod().round(3)
        table = table.join(change, on="unit_id")
    table = table.sort_values(["vrs", "unit_id"], ascending=[False, True]).reset_index(drop=True)
    table.insert(0, "unit", [names.get(u, u) for u in table["unit_id"]])
    shown = table.rename(
        columns={
            "unit": t("col.unit"),
            "unit_id": t("col.unit_id"),
            "vrs": t("modules.col.eff_vrs"),
            "crs": t("modules.col.eff_crs"),
            "scale": t("modules.col.eff_scale"),
            "malmquist": t("modules.col.malmquist"),
            "effch": t("modules.col.effch"),
            "techch": t("modules.col.techch"),
        }
    )
    figure = go.Figure(
        go.Bar(x=table["unit"], y=table["vrs"], marker_color="#7a1f1f", name=t("modules.col.eff_vrs"))
    )
    figure.add_trace(
        go.Scatter(x=table["unit"], y=table["scale"], mode="markers", name=t("modules.col.eff_scale"))
    )
    figure.update_layout(yaxis={"range": [0, 1.05]}, height=420, margin={"t": 30, "b": 120})
    efficient = table[table["vrs"] >= 1.0]
    weakest = table.iloc[-1]
    findings = [
        t(
            "modules.finding.efficient",
            year=last,
            n=len(efficient),
            total=len(table),
            units=", ".join(efficient["unit"]) or t("modules.none"),
        ),
        t("modules.finding.least_efficient", year=last, unit=weakest["unit"], value=f"{weakest['vrs']:.3f}"),
    ]
    if change is not None:
        best = table.loc[table["malmquist"].idxmax()]
        findings.append(
            t(
                "modules.finding.malmquist",
                first=years[0],
                last=last,
                improved=int((table["malmquist"] > 1).sum()),
                total=int(table["malmquist"].notna().sum()),
                unit=best["unit"],
                value=f"{best['malmquist']:.3f}",
            )
        )
    paragraphs = [
        t("modules.efficiency.intro", inputs=", ".join(DEA_INPUTS), outputs=", ".join(DEA_OUTPUTS), year=last)
    ]
    if is_demo:
        paragraphs.append(t("modules.cluster.demo_note"))
    return Section(
        id="efficiency",
        title=title,
        paragraphs=paragraphs,
        findings=findings,
        figures=[(t("modules.efficiency.caption", year=last), figure)],
        tables=[Table(sheet="efficiency", title=t("modules.efficiency.table", year=last), frame=shown)],
    )
