"""The report's elasticity-of-substitution section: the cross-price elasticity between exporters'
varieties of a cultural good in a market that paper 003 asks for, by Feenstra (1994) as extended
by Broda & Weinstein (2006) (:func:`silkscope.trade.elasticity.feenstra_elasticities`), on the
study's flows with quantities (BACI ``v`` and ``q``, as ``trade elasticity --workspace`` reads them).

Bounded by an explicit rule (:func:`selection`): in the study's latest HS revision, the
:data:`PRODUCTS` core cultural HS6 goods (UNESCO FCS 2009, domains A-F) with the largest value
over the flows with a positive value and quantity, times the :data:`MARKETS` importers with the
largest imports of those goods: at most 100 product x market cells, each estimated with
:data:`N_BOOT` bootstrap draws, needing :data:`MIN_YEARS` years and :data:`MIN_VARIETIES`
exporters (the estimator's defaults). The status of every cell is counted (estimated, or why
not), estimates are compared with the published Broda-Weinstein sigmas where the HS 3-digit
heading and market overlap, and the SE bars are drawn. Held when the study's flows carry
quantities.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from silkscope.i18n import Translator
from silkscope.report.document import Section, Table
from silkscope.report.module_sections import Module, register

PRODUCTS = 10
MARKETS = 10
MIN_YEARS = 3
MIN_VARIETIES = 4
N_BOOT = 100
SEED = 0
ESTIMATED = ("ok", "grid_search", "grid_search_at_bound")


def _revision(ws) -> str | None:
    """The latest HS revision the study holds flows of (as the report's trade section reads)."""
    held = sorted(p.name.split("=", 1)[1] for p in ws.trade_dir.glob("hs_revision=*") if p.is_dir())
    return held[-1] if held else None


def _study_table(root):
    """(ibis backend, flows with ``quantity``, HS revision) of the study, or None without flows."""
    from silkscope.trade.queries import connect, workspace_flows
    from silkscope.workspace import CONFIG_NAME, Workspace

    if root is None or not (root / CONFIG_NAME).exists():
        return None
    ws = Workspace.open(root)
    if ws.trade_glob is None:
        return None
    revision = _revision(ws)
    con = connect("duckdb")
    return con, workspace_flows(con, ws, revision, quantity=True), revision


def held(inputs) -> bool:
    """Whether the study's flows carry a positive value and quantity somewhere."""
    found = _study_table(inputs.workspace)
    if found is None:
        return False
    con, table, _ = found
    usable = table.filter((table.value > 0) & table.quantity.notnull() & (table.quantity > 0))
    return bool(con.execute(usable.limit(1).count()))


def selection(con, table, revision: str) -> tuple[list[str], list[str], pd.DataFrame, dict]:
    """(products, markets, their flows, facts) by the rule of the module text; the facts count the
    flows, years and cultural products seen."""
    from silkscope.reference.cultural_goods import CORE_DOMAINS, cultural_products

    codes = cultural_products("unesco_fcs_2009", CORE_DOMAINS, revision, categories=("core",))
    usable = table.filter(
        (table.value > 0) & table.quantity.notnull() & (table.quantity > 0) & table["product"].isin(codes)
    )
    by_product = con.to_pandas(usable.group_by("product").aggregate(value=usable.value.sum()))
    by_product = by_product.sort_values(["value", "product"], ascending=[False, True])
    products = by_product["product"].astype(str).head(PRODUCTS).tolist()
    chosen = usable.filter(usable["product"].isin(products))
    by_market = con.to_pandas(chosen.group_by("importer").aggregate(value=chosen.value.sum()))
    by_market = by_market.sort_values(["value", "importer"], ascending=[False, True])
    markets = by_market["importer"].astype(str).head(MARKETS).tolist()
    flows = con.to_pandas(chosen.filter(chosen.importer.isin(markets)))
    years = con.to_pandas(usable.select("year").distinct())
    facts = {
        "cultural_codes": len(codes),
        "cultural_held": len(by_product),
        "years": sorted(int(y) for y in years["year"]),
        "revision": revision,
    }
    return products, markets, flows, facts


def estimate(con, table, revision: str):
    """(the :class:`~silkscope.trade.elasticity.Elasticities` of the selection, products, markets,
    facts)."""
    from silkscope.trade.elasticity import feenstra_elasticities

    products, markets, flows, facts = selection(con, table, revision)
    result = feenstra_elasticities(
        flows, products, markets, min_years=MIN_YEARS, min_varieties=MIN_VARIETIES, n_boot=N_BOOT, seed=SEED
    )
    return result, products, markets, facts


def _span(years: list[int]) -> str:
    if not years:
        return "–"
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


def _status(t: Translator, status: str) -> str:
    return t("module_b.list_sep").join(t(f"module_b.el.status.{s}") for s in status.split("; "))


def build_section(inputs, t: Translator, demo: bool) -> Section:
    """The elasticity section on the study's flows, or (``demo``) on the trade demo's flows."""
    import ibis

    from silkscope.reference import country_name
    from silkscope.report.trade_sections import product_name
    from silkscope.trade.elasticity import compare_published

    if demo:
        from silkscope.reference.cultural_goods import PACKAGED_REVISION
        from silkscope.trade.demo import DEMO_SEED, demo_flows
        from silkscope.trade.queries import connect

        con = connect("duckdb")
        table, revision = ibis.memtable(demo_flows()), PACKAGED_REVISION
        source = [t("module_b.el.demo_source", seed=DEMO_SEED)]
    else:
        con, table, revision = _study_table(inputs.workspace)
        source = []
    result, products, markets, facts = estimate(con, table, revision)
    frame = result.table
    sep = t("module_b.list_sep")
    years = facts["years"]
    paragraphs = [
        t("module_b.el.intro"),
        *source,
        t("module_b.el.rule", products=PRODUCTS, markets=MARKETS, min_years=MIN_YEARS,
          min_varieties=MIN_VARIETIES, boot=N_BOOT),
        t("module_b.el.coverage", revision=revision, held=facts["cultural_held"], codes=facts["cultural_codes"],
          n_years=len(years), span=_span(years),
          products=len(products), markets=len(markets), cells=len(frame)),
    ]  # fmt: skip
    counts = frame["status"].str.split("; ").explode().value_counts()
    estimated = frame[frame["status"].isin(ESTIMATED)]
    findings = [
        t("module_b.el.finding.status", estimated=len(estimated), cells=len(frame),
          detail=sep.join(f"{t(f'module_b.el.status.{s}')} {int(n)}" for s, n in counts.items()))
    ]  # fmt: skip
    if len(estimated):
        low = estimated.loc[estimated["sigma"].idxmin()]
        high = estimated.loc[estimated["sigma"].idxmax()]
        findings.append(
            t("module_b.el.finding.range", median=f"{estimated['sigma'].median():.2f}", n=len(estimated),
              low=f"{low['sigma']:.2f}", low_cell=f"{product_name(t, low['product'])} · {country_name(low['market'], t.lang)}",
              high=f"{high['sigma']:.2f}",
              high_cell=f"{product_name(t, high['product'])} · {country_name(high['market'], t.lang)}")
        )  # fmt: skip
    else:
        paragraphs.append(t("module_b.el.none_estimated", min_years=MIN_YEARS, min_varieties=MIN_VARIETIES))
    shown = pd.DataFrame(
        {
            t("modules.col.product"): frame["product"].to_numpy(),
            t("modules.col.product_name"): [product_name(t, p).split(" ", 1)[-1] for p in frame["product"]],
            t("modules.col.iso3"): frame["market"].to_numpy(),
            t("module_b.el.col.market"): [country_name(m, t.lang) for m in frame["market"]],
            t("module_b.el.col.sigma"): frame["sigma"].round(3).to_numpy(),
            t("module_b.el.col.std_error"): frame["std_error"].round(3).to_numpy(),
            t("module_b.el.col.rho"): frame["rho"].round(3).to_numpy(),
            t("module_b.el.col.n_varieties"): frame["n_varieties"].to_numpy(),
            t("module_b.el.col.n_years"): frame["n_years"].to_numpy(),
            t("module_b.el.col.status"): [_status(t, s) for s in frame["status"]],
            t("module_b.el.col.status_id"): frame["status"].to_numpy(),
        }
    )
    tables = [
        Table(sheet="elasticity", title=t("module_b.el.table"), frame=shown, show_rows=100,
              hidden=(t("modules.col.iso3"), t("module_b.el.col.status_id")))
    ]  # fmt: skip
    if demo:
        paragraphs.append(t("module_b.el.no_comparison_demo"))
    elif len(estimated):
        compared = compare_published(frame)
        if len(compared):
            within = (compared["sigma"] - compared["published_sigma"]).abs() <= 2 * compared["std_error"]
            findings.append(t("module_b.el.finding.published", n=len(compared), within=int(within.sum())))
            tables.append(
                Table(
                    sheet="elasticity_published",
                    title=t("module_b.el.published_table"),
                    frame=pd.DataFrame(
                        {
                            t("modules.col.product"): compared["product"].to_numpy(),
                            t("module_b.el.col.market"): [
                                country_name(m, t.lang) for m in compared["market"]
                            ],
                            t("module_b.el.col.sigma"): compared["sigma"].round(3).to_numpy(),
                            t("module_b.el.col.std_error"): compared["std_error"].round(3).to_numpy(),
                            t("module_b.el.col.hs3"): compared["hs3"].to_numpy(),
                            t("module_b.el.col.published"): compared["published_sigma"].round(3).to_numpy(),
                            t("module_b.el.col.source"): compared["source"].to_numpy(),
                        }
                    ),
                    hidden=(t("module_b.el.col.source"),),
                )
            )
        else:
            paragraphs.append(t("module_b.el.no_published"))
    figures = []
    if len(estimated):
        order = estimated.sort_values("sigma")
        caption = t("module_b.el.chart.caption", n=len(order))
        fig = go.Figure(
            go.Scatter(
                x=[f"{p} · {country_name(m, t.lang)}" for p, m in zip(order["product"], order["market"], strict=True)],
                y=order["sigma"],
                mode="markers",
                error_y={"type": "data", "array": order["std_error"].fillna(0).to_numpy(), "visible": True},
                marker={"size": 8, "color": "#7a1f1f"},
            )
        )  # fmt: skip
        fig.update_layout(
            title=caption, yaxis={"title": t("module_b.el.col.sigma"), "type": "log"},
            xaxis={"tickangle": -60}, height=520, margin={"b": 160},
        )  # fmt: skip
        figures.append((caption, fig))
    return Section(
        id="elasticity",
        title=t("module_b.section.elasticity"),
        paragraphs=paragraphs,
        findings=findings,
        figures=figures,
        tables=tables,
    )


MODULE = register(
    Module(
        "elasticity",
        "module_b.missing.elasticity",
        held,
        build_section,
        title_key="module_b.section.elasticity",
    )
)
