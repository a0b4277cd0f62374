"""The report's intellectual-property section (issue 18): the provinces' IP dimension and the
partner countries' IP environment, each part shown when the study holds its inputs.

* Provinces: the values of the CIDI ``intellectual_property`` indicators (invention and design
  patents granted per 10,000 people, the invention share of grants; China S&T Statistical
  Yearbook / CNIPA) in the latest year that holds them, with the dimension's score and rank from
  the index build when the study's framework has the dimension. Held when the study's values
  hold one of those indicators.
* Partners: the partner table's IP-environment columns (WDI charges for the use of IP, receipts
  BX.GSR.ROYL.CD and payments BM.GSR.ROYL.CD per person; resident patent IP.PAT.RESD and trademark
  IP.TMK.RESD applications per million people; :data:`silkscope.partners.table.IP_COLUMNS`), the
  IP-environment pillar score on the partner framework's IP pillar (the mean of the min-max
  scaled ln(1 + column), 0-1; :data:`silkscope.partners.tiers.IP_PILLAR`), and the docking rule
  ``ip_environment_licensing`` with the numbers that triggered it. The rule's tier condition
  (tiers 1-2) is checked on the partner tiers the report derives from the study's trade flows
  (as the partner section does); without flows it is not checked, and the section says so. Held
  when the study holds a WDI IP series and the population SP.POP.TOTL.

The section is held when either part is; a part not held is named with what to import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from silkscope.i18n import Translator
from silkscope.index import IndexResult
from silkscope.partners.table import IP_COLUMNS, POPULATION
from silkscope.report.charts import province_tile_map
from silkscope.report.document import Section, Table
from silkscope.report.module_sections import Module, register
from silkscope.report.partner_inputs import named_list

IP_DIMENSION = "intellectual_property"
RULE_ID = "ip_environment_licensing"
WDI_IP_CODES = tuple(code for code, _ in IP_COLUMNS.values())


@dataclass
class Part:
    """What one part of the section adds."""

    paragraphs: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    figures: list[tuple[str, go.Figure]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def ip_indicators(framework=None) -> tuple[str, ...]:
    """The IP dimension's indicators: the framework's own when it has the dimension, else CIDI's."""
    from silkscope.index import builtin_framework

    if framework is not None and IP_DIMENSION in framework:
        return tuple(framework[IP_DIMENSION].children)
    return tuple(builtin_framework("cidi")[IP_DIMENSION].children)


def held_provinces(values: pd.DataFrame, framework=None) -> list[str]:
    """The IP indicators ``values`` holds a value of."""
    present = set(values.loc[values["value"].notna(), "indicator_id"])
    return [i for i in ip_indicators(framework) if i in present]


def held_partner_codes(inputs) -> list[str]:
    """The WDI IP codes the study holds for countries, when it holds the population too."""
    from silkscope.report.partner_inputs import held_country_indicators

    held = held_country_indicators(inputs.workspace)
    return [c for c in WDI_IP_CODES if c in held] if POPULATION in held else []


def held(inputs) -> bool:
    return bool(held_provinces(inputs.values, inputs.framework)) or bool(held_partner_codes(inputs))


# --- provinces -------------------------------------------------------------------------------
def study_units(values: pd.DataFrame, indicators: list[str]) -> list[str]:
    """The units the provincial part covers: those holding an IP value in some year, and every
    mainland province when those are all provinces (so a province without the series is named)."""
    from silkscope.reference import provinces

    held = set(
        values.loc[values["indicator_id"].isin(indicators) & values["value"].notna(), "unit_id"].astype(str)
    )
    mainland = set(provinces()["unit_id"].astype(str))
    return sorted(held | mainland if held <= mainland else held)


def province_part(
    values: pd.DataFrame, framework, result: IndexResult, names: Mapping[str, str], t: Translator
) -> Part:
    """Values of the IP indicators in their latest year, the dimension's score and rank (from
    ``result``, the index built from ``values`` and ``framework``), coverage."""
    from silkscope.reference import provinces
    from silkscope.report.labels import label

    indicators = ip_indicators(framework)
    held_ids = held_provinces(values, framework)
    defining = framework if IP_DIMENSION in framework else _cidi()  # names and units of the indicators
    fw_names = defining.names(t.lang)
    ip = values[values["indicator_id"].isin(held_ids) & values["value"].notna()]
    year = int(ip["year"].max())
    this = ip[ip["year"] == year].pivot_table(index="unit_id", columns="indicator_id", values="value")
    units = study_units(values, held_ids)
    table = pd.DataFrame({"unit_id": units})
    for indicator in held_ids:
        table[indicator] = table["unit_id"].map(this[indicator]) if indicator in this else np.nan
    has_dimension = IP_DIMENSION in framework
    if has_dimension:
        pos = result.node_ids.index(IP_DIMENSION)
        keep = result.years == year
        score = pd.Series(result.scores[keep, pos], index=result.units[keep].astype(str))
        rank = pd.Series(result.ranks[keep, pos], index=result.units[keep].astype(str))
        table["score"] = table["unit_id"].map(score)
        table["rank"] = table["unit_id"].map(rank)
        table = table.sort_values(["rank", "unit_id"], na_position="last", kind="stable")
    else:
        table = table.sort_values([held_ids[0], "unit_id"], ascending=[False, True], na_position="last")
    shown = pd.DataFrame(
        {t("col.unit"): [names.get(u, u) for u in table["unit_id"]], t("col.unit_id"): table["unit_id"]}
    )
    for indicator in held_ids:
        unit = label(t, "unit", defining[indicator].unit)
        header = (
            t("module_b.name_value", name=fw_names[indicator], value=unit) if unit else fw_names[indicator]
        )
        column = table[indicator].round(3)
        whole = column.dropna()
        shown[header] = column.astype("Int64") if len(whole) and (whole % 1 == 0).all() else column
    if has_dimension:
        shown[t("module_b.ip.col.dimension_score")] = table["score"].round(2)
        shown[t("module_b.ip.col.dimension_rank")] = table["rank"].astype("Int64")
    shown = shown.reset_index(drop=True)
    part = Part()
    part.paragraphs.append(
        t(
            "module_b.ip.provinces.intro",
            year=year,
            n=len(units),
            indicators=t("module_b.list_sep").join(fw_names[i] for i in held_ids),
        )
    )
    # coverage: every IP indicator of the dimension, held or not
    coverage_rows = []
    for indicator in indicators:
        column = table[indicator] if indicator in table else pd.Series(np.nan, index=table.index)
        missing = [names.get(u, u) for u, v in zip(table["unit_id"], column, strict=True) if pd.isna(v)]
        coverage_rows.append(
            {
                t("module_b.col.indicator"): fw_names.get(indicator, indicator),
                t("module_b.col.indicator_id"): indicator,
                t("module_b.col.year"): year if indicator in held_ids else None,
                t("module_b.col.n_with"): len(units) - len(missing),
                t("module_b.col.n_without"): len(missing),
                t("module_b.col.without"): named_list(missing, t)
                if indicator in held_ids
                else t("module_b.all"),
            }
        )
        if indicator in held_ids and missing:
            part.paragraphs.append(
                t("module_b.ip.coverage.some", indicator=fw_names[indicator], n=len(units) - len(missing),
                  total=len(units), year=year, missing=named_list(missing, t))
            )  # fmt: skip
    complete = [i for i in held_ids if table[i].notna().all()]
    if complete:
        part.paragraphs.append(
            t("module_b.ip.coverage.all", indicators=t("module_b.list_sep").join(fw_names[i] for i in complete),
              total=len(units), year=year)
        )  # fmt: skip
    not_held = [fw_names.get(i, i) for i in indicators if i not in held_ids]
    if not_held:
        part.paragraphs.append(
            t("module_b.ip.provinces.not_held", indicators=t("module_b.list_sep").join(not_held))
        )
    if not has_dimension:
        part.paragraphs.append(t("module_b.ip.provinces.no_dimension"))
    lead = held_ids[0]
    ranked = table.dropna(subset=[lead]).sort_values(lead, ascending=False)
    if len(ranked) >= 2:
        top, bottom = ranked.iloc[0], ranked.iloc[-1]
        ratio = f"{top[lead] / bottom[lead]:.1f}" if bottom[lead] > 0 else "–"
        part.findings.append(
            t(
                "module_b.ip.finding.top",
                year=year,
                indicator=fw_names[lead],
                top=names.get(top["unit_id"], top["unit_id"]),
                high=f"{top[lead]:,.2f}",
                bottom=names.get(bottom["unit_id"], bottom["unit_id"]),
                low=f"{bottom[lead]:,.2f}",
                ratio=ratio,
                median=f"{ranked[lead].median():,.2f}",
                n=len(ranked),
            )
        )
    if has_dimension:
        scored = table.dropna(subset=["score"])
        if len(scored) >= 2:
            first, last = scored.iloc[0], scored.iloc[-1]
            part.findings.append(
                t(
                    "module_b.ip.finding.dimension",
                    year=year,
                    dimension=fw_names[IP_DIMENSION],
                    top=names.get(first["unit_id"], first["unit_id"]),
                    score=f"{first['score']:.2f}",
                    bottom=names.get(last["unit_id"], last["unit_id"]),
                    low=f"{last['score']:.2f}",
                    n=len(scored),
                )
            )
    caption = t("module_b.ip.map.caption", indicator=fw_names[lead], year=year)
    mapped = dict(zip(table["unit_id"], table[lead], strict=True))
    if set(units) <= set(provinces()["unit_id"].astype(str)):
        fig = province_tile_map(mapped, dict(names), title=caption, colorbar_title=fw_names[lead])
    else:
        order = ranked.iloc[::-1]
        fig = go.Figure(
            go.Bar(x=order[lead], y=[names.get(u, u) for u in order["unit_id"]], orientation="h",
                   marker_color="#7a1f1f")
        )  # fmt: skip
        fig.update_layout(title=caption, height=max(320, 22 * len(order)), xaxis_title=fw_names[lead])
    part.figures.append((caption, fig))
    part.tables.append(
        Table(
            sheet="ip_provinces",
            title=t("module_b.ip.provinces.table", year=year),
            frame=shown,
            hidden=(t("col.unit_id"),),
        )
    )
    part.tables.append(
        Table(
            sheet="ip_provinces_coverage",
            title=t("module_b.ip.provinces.coverage_table"),
            frame=pd.DataFrame(coverage_rows),
            hidden=(t("module_b.col.indicator_id"),),
        )
    )
    return part


def _cidi():
    from silkscope.index import builtin_framework

    return builtin_framework("cidi")


# --- partners --------------------------------------------------------------------------------
def ip_pillar_scores(table: pd.DataFrame) -> pd.DataFrame:
    """``country, ip_environment``: the partner framework's IP pillar (its indicators on the
    columns held, ln(1 + column)) built by the index engine with the partner tiers' default
    choices (min-max to 0-100, arithmetic mean, the default coverage rule), rescaled to 0-1 as
    :class:`~silkscope.partners.tiers.TierResult` pillar scores are; over the countries with a
    value of some IP column."""
    from silkscope.index import build
    from silkscope.index.choices import Choices
    from silkscope.index.framework import Framework
    from silkscope.partners.tiers import IP_PILLAR, IP_STUDY_COLUMNS, held_ip_indicators

    held = held_ip_indicators(table)
    pillar = {**IP_PILLAR, "children": [c for c in IP_PILLAR["children"] if c["id"] in held]}
    framework = Framework.from_dict({"id": "partner_ip", "children": [pillar]}, source="builtin:partner_ip")
    rows = []
    for indicator in held:
        x = table[IP_STUDY_COLUMNS[indicator]].astype(float) + 1.0
        rows.append(pd.DataFrame({"unit_id": table["country"], "year": 0, "indicator_id": indicator,
                                  "value": np.log(x.where(x > 0))}))  # fmt: skip
    long = pd.concat(rows, ignore_index=True).dropna(subset=["value"])
    result = build(long, framework, Choices())
    scores = result.table("pillar")["ip_environment"] / 100.0
    out = scores.reset_index(level="year", drop=True).rename_axis("country").reset_index()
    return out.reset_index(drop=True)


def ip_docking(
    table: pd.DataFrame, pillar: pd.DataFrame, tiers: pd.DataFrame | None
) -> tuple[pd.DataFrame, object]:
    """The rule ``ip_environment_licensing`` (built-in docking table) on the IP pillar scores:
    with ``tiers`` (``country, tier``) as written; without, its tier condition dropped. Returns
    the recommendations (:func:`silkscope.partners.docking.recommend`) and the rule."""
    from silkscope.partners.docking import DockingRules, load_rules, recommend

    rules = load_rules()
    rule = next(r for r in rules.rules if r.id == RULE_ID)
    used = rule if tiers is not None else replace(rule, tiers=None)
    only = DockingRules(rules.modes, (used,), rules.source)
    frame = tiers if tiers is not None else pillar[["country"]].assign(tier=0)
    scored = pillar.dropna(subset=["ip_environment"])
    recs = recommend(frame[frame["country"].isin(scored["country"])], scored, only, table)
    return recs, rule


def partner_part(table: pd.DataFrame, tiers: pd.DataFrame | None, t: Translator, years: str) -> Part:
    """IP-environment columns, pillar score and the IP-licensing rule of the partner countries."""
    from silkscope.reference import country_name

    columns = [c for c in IP_COLUMNS if c in table.columns and table[c].notna().any()]
    pillar = ip_pillar_scores(table)
    recs, rule = ip_docking(table, pillar, tiers)
    threshold = next(c.above for c in rule.when if c.pillar == "ip_environment")
    met = set(recs["country"])
    frame = table[["country", *columns]].merge(pillar, on="country", how="left")
    if tiers is not None:
        frame = frame.merge(tiers[["country", "tier"]], on="country", how="left")
    frame = frame[frame[columns].notna().any(axis=1)]
    frame = frame.sort_values(["ip_environment", "country"], ascending=[False, True], na_position="last")
    evidence = recs.drop_duplicates("country").set_index("country")["evidence"]
    shown = pd.DataFrame(
        {
            t("modules.col.iso3"): frame["country"].to_numpy(),
            t("modules.col.country"): [country_name(c, t.lang) for c in frame["country"]],
        }
    )
    for column in columns:
        shown[t(f"module_b.ip.col.{column}")] = frame[column].round(2).to_numpy()
    shown[t("module_b.ip.col.pillar")] = frame["ip_environment"].round(3).to_numpy()
    if tiers is not None:
        shown[t("modules.col.tier")] = frame["tier"].astype("Int64").to_numpy()
    shown[t("module_b.ip.col.rule_met")] = [
        t("polish.yes") if c in met else t("polish.no") for c in frame["country"]
    ]
    shown[t("module_b.ip.col.evidence")] = frame["country"].map(evidence).fillna("").to_numpy()
    part = Part()
    part.paragraphs.append(
        t("module_b.ip.partners.intro", n=len(frame), total=len(table), years=years,
          columns=t("module_b.list_sep").join(t(f"module_b.ip.col.{c}") for c in columns))
    )  # fmt: skip
    # coverage of every IP column (and the WDI codes behind the ones not held)
    coverage_rows = []
    for column, (code, _) in IP_COLUMNS.items():
        values = table[column] if column in table.columns else pd.Series(np.nan, index=table.index)
        missing = [
            country_name(c, t.lang) for c, v in zip(table["country"], values, strict=True) if pd.isna(v)
        ]
        coverage_rows.append(
            {
                t("module_b.col.indicator"): t(f"module_b.ip.col.{column}"),
                t("module_b.col.indicator_id"): column,
                t("module_b.col.wdi_code"): code,
                t("module_b.col.n_with"): len(table) - len(missing),
                t("module_b.col.n_without"): len(missing),
                t("module_b.col.without"): named_list(missing, t) if column in columns else t("module_b.all"),
            }
        )
    not_held = [t(f"module_b.ip.col.{c}") for c in IP_COLUMNS if c not in columns]
    if not_held:
        part.paragraphs.append(
            t("module_b.ip.partners.not_held", columns=t("module_b.list_sep").join(not_held))
        )
    if tiers is not None:
        part.paragraphs.append(t("module_b.ip.rule.with_tiers", threshold=f"{threshold:g}"))
    else:
        part.paragraphs.append(t("module_b.ip.rule.no_tiers", threshold=f"{threshold:g}"))
    scored = frame.dropna(subset=["ip_environment"])
    if len(scored) >= 2:
        best, worst = scored.iloc[0], scored.iloc[-1]
        part.findings.append(
            t(
                "module_b.ip.finding.pillar",
                top=country_name(best["country"], t.lang),
                score=f"{best['ip_environment']:.2f}",
                bottom=country_name(worst["country"], t.lang),
                low=f"{worst['ip_environment']:.2f}",
                n=len(scored),
            )
        )
    hits = scored[scored["country"].isin(met)]
    part.findings.append(
        t(
            "module_b.ip.finding.rule",
            n=len(hits),
            total=len(scored),
            threshold=f"{threshold:g}",
            countries=named_list(
                [t("module_b.name_value", name=country_name(c, t.lang), value=f"{s:.2f}") for c, s in zip(hits["country"], hits["ip_environment"],
                                                                          strict=True)], t)
            or t("modules.none"),
        )
    )  # fmt: skip
    part.figures.append(_partner_figure(frame, columns, met, t))
    part.tables.append(
        Table(
            sheet="ip_partners",
            title=t("module_b.ip.partners.table"),
            frame=shown,
            hidden=(t("module_b.ip.col.evidence"),),  # ids and numbers of the rule, in the workbook
            show_rows=40,
        )
    )
    part.tables.append(
        Table(
            sheet="ip_partners_coverage",
            title=t("module_b.ip.partners.coverage_table"),
            frame=pd.DataFrame(coverage_rows),
            hidden=(t("module_b.col.indicator_id"), t("module_b.col.wdi_code")),
        )
    )
    return part


def _partner_figure(frame: pd.DataFrame, columns: list[str], met: set[str], t: Translator):
    """Royalty receipts against payments per person (log axes) when both are held, else a bar of
    the IP-environment score; the countries meeting the IP-licensing rule in red."""
    from silkscope.reference import country_name

    receipts, payments = "ip_royalty_receipts_per_capita", "ip_royalty_payments_per_capita"
    if receipts in columns and payments in columns:
        both = frame[(frame[receipts] > 0) & (frame[payments] > 0)]
        caption = t("module_b.ip.scatter.caption", n=len(both))
        fig = go.Figure(
            go.Scatter(
                x=both[payments],
                y=both[receipts],
                mode="markers",
                marker={"size": 9, "color": ["#b2182b" if c in met else "#4d6d8e" for c in both["country"]]},
                hovertext=[country_name(c, t.lang) for c in both["country"]],
                hoverinfo="text",
            )
        )
        fig.update_layout(
            title=caption,
            xaxis={"type": "log", "title": t(f"module_b.ip.col.{payments}")},
            yaxis={"type": "log", "title": t(f"module_b.ip.col.{receipts}")},
            height=480,
        )
        return caption, fig
    top = frame.dropna(subset=["ip_environment"]).head(25).iloc[::-1]
    caption = t("module_b.ip.bar.caption", n=len(top))
    fig = go.Figure(
        go.Bar(
            x=top["ip_environment"],
            y=[country_name(c, t.lang) for c in top["country"]],
            orientation="h",
            marker_color=["#b2182b" if c in met else "#4d6d8e" for c in top["country"]],
        )
    )
    fig.update_layout(title=caption, xaxis_title=t("module_b.ip.col.pillar"), height=max(320, 22 * len(top)))
    return caption, fig


# --- the section -----------------------------------------------------------------------------
def build_section(inputs, t: Translator, demo: bool) -> Section:
    """The IP section on the study's inputs, or (``demo``) on the index demo values and the
    synthetic demo partner table, with the demo trade flows' tiers."""
    from silkscope.report.index_sections import unit_names

    names = unit_names(t.lang, inputs.names)
    parts: list[Part] = []
    if demo:
        from silkscope.partners.demo import DEMO_PARTNER_SEED, demo_partner_table
        from silkscope.report.builder import demo_inputs

        names = unit_names(t.lang)
        intro = [t("module_b.ip.demo_source", seed=DEMO_PARTNER_SEED)]
        source = inputs if inputs.is_demo else demo_inputs()  # the demo report's own build when it is one
        parts.append(province_part(source.values, source.framework, source.index_result(), names, t))
        parts.append(partner_part(demo_partner_table(), _demo_tiers(), t, t("module_b.synthetic")))
    else:
        intro = []
        if held_provinces(inputs.values, inputs.framework):
            parts.append(province_part(inputs.values, inputs.framework, inputs.index_result(), names, t))
        else:
            intro.append(t("module_b.ip.provinces.missing"))
        if held_partner_codes(inputs):
            from silkscope.report.partner_inputs import study_partner_table

            pt = study_partner_table(inputs.workspace)
            spans = pt.sources.set_index("column")["years"]
            years = t("module_b.list_sep").join(
                f"`{c}` {spans[c]}" for c in WDI_IP_CODES if c in spans.index and spans[c]
            )
            parts.append(partner_part(pt.table, _study_tiers(inputs), t, years))
        else:
            intro.append(t("module_b.ip.partners.missing"))
    section = Section(id="ip", title=t("module_b.section.ip"), paragraphs=[t("module_b.ip.intro"), *intro])
    for part in parts:
        section.paragraphs += part.paragraphs
        section.findings += part.findings
        section.figures += part.figures
        section.tables += part.tables
    return section


def _tiers_of(trade) -> pd.DataFrame:
    """``country, tier`` of the report's flow-based partner tiers (one replicate: the tiers do not
    depend on the stability draws, only their probabilities do)."""
    from silkscope.report.trade_sections import partner_tier_result

    result, _ = partner_tier_result(trade.flows, replicates=1, distances=trade.distances)
    return result.to_frame()[["country", "tier"]]


def _demo_tiers() -> pd.DataFrame:
    from silkscope.report.trade_sections import TradeInputs
    from silkscope.trade.demo import DEMO_SOURCE_ID, demo_flows

    return _tiers_of(TradeInputs(demo_flows(), True, DEMO_SOURCE_ID))


def _study_tiers(inputs) -> pd.DataFrame | None:
    return _tiers_of(inputs.trade()) if inputs.has_flows() else None


MODULE = register(Module("ip", "module_b.missing.ip", held, build_section, title_key="module_b.section.ip"))
