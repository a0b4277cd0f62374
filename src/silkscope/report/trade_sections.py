"""Report sections on cultural-goods trade (values, markets, RCA, constant market shares) and
partner countries (tiers on a world map, docking recommendations), from trade flows.

Findings are generated from the numbers by explicit rules (each rule is one catalogue sentence);
every number they quote is also in a table, so in the Excel workbook.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from silkscope.i18n import Translator
from silkscope.reference import country_name as reference_country_name
from silkscope.report.charts import world_choropleth
from silkscope.report.document import Section, Table

FOCUS = "CHN"
TOP_MARKETS = 10
TIER_REPLICATES = 200


@dataclass
class TradeInputs:
    """Flows ``year, exporter, importer, product, value`` (thousand USD) and where they are from."""

    flows: pd.DataFrame
    is_demo: bool
    source: str
    #: ``origin, dest, dist_km`` (the workspace's GeoDist pairs); None = the demo distance proxy
    distances: pd.DataFrame | None = None
    #: HS revision of the product codes (HS92 ... HS22); None = read from ``source`` ("(HS17)")
    hs_revision: str | None = None


# --- helpers -----------------------------------------------------------------------------------
def country_name(code: str, lang: str = "en") -> str:
    """A country's short name in ``lang`` (see :func:`silkscope.reference.country_name`)."""
    return reference_country_name(code, lang)


def _sep(t: Translator) -> str:
    """The list separator of the language (、 in Chinese)."""
    return "、" if t.lang == "zh" else ", "


def product_name(t: Translator, code: str) -> str:
    key = f"modules.hs.{code}"
    return f"{code} {t(key)}" if t.has(key) else code


def _pct(value: float) -> str:
    return f"{value:.1f}"


def _kusd(value: float) -> str:
    return f"{value:,.0f}"


def _demo_note(t: Translator, is_demo: bool, source: str, flows: pd.DataFrame | None = None) -> list[str]:
    """Where the flows are from and, when they are not a world matrix, their coverage
    (``trade.coverage``): the indicators beside it were computed with partial coverage."""
    from silkscope.trade.coverage import Coverage
    from silkscope.trade.demo import DEMO_LABEL

    if is_demo:
        return [t("modules.demo_flows", label=DEMO_LABEL.get(t.lang, DEMO_LABEL["en"]))]
    notes = [t("modules.flows_source", source=source)]
    coverage = Coverage.of_flows(flows) if flows is not None and len(flows) else None
    if coverage is not None and not coverage.world:
        notes.append(coverage.statement(t.lang))
    return notes


# --- trade -------------------------------------------------------------------------------------
def trade_section(trade: TradeInputs, t: Translator, exporter: str = FOCUS) -> Section:
    from silkscope.trade.indicators import trade_indicators
    from silkscope.trade.structure import constant_market_share, trade_values

    flows = trade.flows
    mine = flows[flows["exporter"] == exporter]
    years = sorted(int(y) for y in flows["year"].unique())
    first, last = years[0], years[-1]
    paragraphs = _demo_note(t, trade.is_demo, trade.source, trade.flows)
    if mine.empty or mine["value"].sum() <= 0:
        paragraphs.append(t("modules.trade.none", exporter=country_name(exporter, t.lang)))
        return Section(id="trade", title=t("modules.section.trade"), paragraphs=paragraphs)
    paragraphs.insert(
        0,
        t(
            "modules.trade.intro",
            exporter=country_name(exporter, t.lang),
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
                exporter=country_name(exporter, t.lang),
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
            t("modules.col.country"): [country_name(c, t.lang) for c in latest["importer"]],
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

    # the UNESCO FCS 2009 domains (core cultural goods), when the flows support them
    part = domain_part(trade, t, exporter, last)
    paragraphs.extend(part.paragraphs)
    findings.extend(part.findings)
    tables.extend(part.tables)
    figures.extend(part.figures)

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
                exporter=country_name(exporter, t.lang),
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
                hidden=(t("modules.col.effect_id"),),
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


# --- cultural domains --------------------------------------------------------------------------
@dataclass
class DomainPart:
    paragraphs: list[str]
    findings: list[str]
    tables: list[Table]
    figures: list[tuple[str, go.Figure]]


def flows_revision(trade: TradeInputs) -> str | None:
    """The HS revision of the flows: given, else named in the source ("... (HS17)"), else the
    packaged classification's own (HS07) for the demo flows, whose codes are real HS codes."""
    import re

    from silkscope.reference.cultural_goods import HS_REVISIONS, PACKAGED_REVISION

    if trade.hs_revision:
        return trade.hs_revision
    if trade.is_demo:
        return PACKAGED_REVISION
    found = re.findall(r"\b(HS\d\d)\b", trade.source or "")
    return found[-1] if found and found[-1] in HS_REVISIONS else None


def domain_exports(flows: pd.DataFrame, exporter: str, year: int, revision: str) -> tuple[pd.DataFrame, int]:
    """Per FCS 2009 domain (core cultural goods, in ``revision``): the exporter's exports in
    ``year``, their share of its core cultural exports, RCA and top market; and how many of the
    classified codes occur in the year's flows.

    RCA_d = (X_ed / X_e) / (X_wd / X_w) (Balassa 1965), X over all products of the flows and w =
    every exporter in them (self-flows left out), as the product RCA of this section.
    """
    from silkscope.reference.cultural_goods import CORE_DOMAINS, classified

    domains = classified("unesco_fcs_2009", CORE_DOMAINS, revision, categories=("core",))
    groups = domains.groupby("product")["domain"].agg(lambda d: "/".join(sorted(set(d))))
    year_flows = flows[(flows["year"] == year) & (flows["exporter"] != flows["importer"])]
    year_flows = year_flows.assign(domain=year_flows["product"].map(groups))
    present = int(year_flows.loc[year_flows["domain"].notna(), "product"].nunique())
    mine = year_flows[year_flows["exporter"] == exporter]
    cultural = mine[mine["domain"].notna()]
    if cultural.empty or cultural["value"].sum() <= 0:
        return pd.DataFrame(), present
    world_total = year_flows["value"].sum()
    world = year_flows.groupby("domain")["value"].sum()
    mine_by = cultural.groupby("domain")["value"].sum()
    markets = cultural.groupby(["domain", "importer"])["value"].sum().reset_index()
    top = markets.sort_values(["domain", "value", "importer"], ascending=[True, False, True]).drop_duplicates(
        "domain"
    )
    top = top.set_index("domain")
    out = pd.DataFrame({"domain": mine_by.index, "value": mine_by.to_numpy()})
    out["share"] = out["value"] / out["value"].sum()
    out["rca"] = (out["value"] / mine["value"].sum()) / (
        world.reindex(out["domain"]).to_numpy() / world_total
    )
    out["top_market"] = top.reindex(out["domain"])["importer"].to_numpy()
    out["top_market_share"] = (top.reindex(out["domain"])["value"].to_numpy()) / out["value"]
    out["codes"] = [int(cultural.loc[cultural["domain"] == d, "product"].nunique()) for d in out["domain"]]
    return out.sort_values("value", ascending=False).reset_index(drop=True), present


def domain_part(trade: TradeInputs, t: Translator, exporter: str, year: int) -> DomainPart:
    """Exports, RCA and top market per UNESCO domain; or, when the flows cannot support it, a
    paragraph saying what to import."""
    from silkscope.reference.cultural_goods import CORE_DOMAINS, PACKAGED_REVISION, cultural_products

    part = DomainPart([], [], [], [])
    revision = flows_revision(trade)
    if revision is None:
        part.paragraphs.append(t("cultural.trade.no_revision"))
        return part
    table, present = domain_exports(trade.flows, exporter, year, revision)
    total = len(cultural_products("unesco_fcs_2009", CORE_DOMAINS, revision, categories=("core",)))
    if table.empty:
        part.paragraphs.append(
            t(
                "cultural.trade.no_domains",
                exporter=country_name(exporter, t.lang),
                year=year,
                revision=revision,
            )
        )
        return part
    exporters = int(trade.flows.loc[trade.flows["year"] == year, "exporter"].nunique())
    mapping = (
        t("cultural.trade.as_printed")
        if revision == PACKAGED_REVISION
        else t("cultural.trade.mapped", revision=revision)
    )
    part.paragraphs.append(
        t("cultural.trade.coverage", n=present, total=total, mapping=mapping, year=year, exporters=exporters)
    )
    names = [t(f"cultural.domain.{d}") if t.has(f"cultural.domain.{d}") else d for d in table["domain"]]
    frame = pd.DataFrame(
        {
            t("cultural.col.domain"): table["domain"].to_numpy(),
            t("cultural.col.domain_name"): names,
            t("modules.col.exports"): table["value"].round(3).to_numpy(),
            t("cultural.col.share_cultural"): (table["share"] * 100).round(2).to_numpy(),
            t("cultural.col.rca"): table["rca"].round(3).to_numpy(),
            t("cultural.col.top_market"): table["top_market"].to_numpy(),
            t("zh.col.top_market_name"): [country_name(str(c), t.lang) for c in table["top_market"]],
            t("cultural.col.top_market_share"): (table["top_market_share"] * 100).round(2).to_numpy(),
            t("cultural.col.codes"): table["codes"].to_numpy(),
        }
    )
    part.tables.append(
        Table(
            sheet="trade_domains",
            title=t("cultural.trade.domains.table", year=year, revision=revision),
            frame=frame,
            hidden=(t("cultural.col.top_market"),),  # the ISO3 code stays in the workbook
        )
    )
    fig = go.Figure()
    fig.add_bar(x=names, y=frame.iloc[:, 4], name=t("cultural.col.rca"))
    fig.add_hline(y=1.0, line_dash="dash", line_color="#52606d")
    fig.update_layout(yaxis={"title": "RCA"}, showlegend=False)
    part.figures.append((t("cultural.trade.domains.caption", year=year), fig))
    first = table.iloc[0]
    part.findings.append(
        t(
            "cultural.finding.top_domain",
            exporter=country_name(exporter, t.lang),
            domain=names[0],
            year=year,
            share=_pct(float(first["share"]) * 100),
            rca=f"{float(first['rca']):.2f}",
            market=country_name(str(first["top_market"]), t.lang),
        )
    )
    return part


# --- partners ----------------------------------------------------------------------------------
def partner_tier_result(
    flows: pd.DataFrame,
    home: str = FOCUS,
    replicates: int = TIER_REPLICATES,
    distances: pd.DataFrame | None = None,
):
    """Tiers of the partner countries from the flows (as ``silkscope partners tiers`` does) and
    their docking recommendations."""
    from silkscope.partners.docking import recommend
    from silkscope.partners.tiers import indicators_from_flows, partner_tiers

    # partial flows are allowed here: the section states their coverage beside the tiers
    indicators, _ = indicators_from_flows(flows, home, distances, allow_partial=True)
    result = partner_tiers(indicators, n=replicates, seed=0, exclude=(home,))
    recs = recommend(result.to_frame(), result.pillar_scores)
    return result, recs


def partners_section(trade: TradeInputs, t: Translator, home: str = FOCUS) -> Section:
    from silkscope.partners.tiers import partner_framework

    result, recs = partner_tier_result(trade.flows, home, distances=trade.distances)
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
            t("modules.col.country"): [country_name(c, t.lang) for c in frame["country"]],
            t("modules.col.tier"): frame["tier"].astype(int),
            t("col.score"): frame["score"].round(2),
            t("modules.col.tier_probability"): frame["tier_probability"].round(2),
            t("modules.col.driver"): [pillar_names.get(d, d) for d in frame["driver"]],
            t("modules.col.modes"): frame["country"].map(modes).fillna("").to_numpy(),
        }
    )
    hover = {
        row.country: f"{country_name(row.country, t.lang)} ({row.country})<br>{tier_labels[int(row.tier)]}"
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
                countries=_sep(t).join(unstable.iloc[:, 1]),
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
                    t("modules.col.countries"): _sep(t).join(
                        country_name(c, t.lang) for c in dict.fromkeys(block["country"])
                    ),
                }
                for (tier, rule), block in grouped
            ]
        ).sort_values(t("modules.col.tier"), kind="stable")
        tables.append(
            Table(
                sheet="partner_docking",
                title=t("modules.partners.docking.table"),
                frame=docking,
                hidden=(t("modules.col.rule"),),
            )
        )
    paragraphs = [
        t(
            "modules.partners.intro",
            n=len(table),
            k=k,
            replicates=result.details["n"],
            home=country_name(home, t.lang),
        ),
        *_demo_note(t, trade.is_demo, trade.source, trade.flows),
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
