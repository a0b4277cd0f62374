"""Intellectual property (issue 18): the CIDI IP dimension, the partner IP-environment pillar from
WDI and the IP-licensing docking rule that quotes the numbers behind it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from silkscope.errors import InputError
from silkscope.index.demo import demo_framework, demo_values
from silkscope.partners.docking import load_rules, parse_rules, recommend
from silkscope.partners.tiers import PILLARS, held_ip_indicators, study_framework, study_indicators

IP_INDICATORS = ("ip_invention_grants_pc", "ip_design_grants_pc", "ip_invention_share")


def test_cidi_has_an_ip_dimension_under_driving_force():
    fw = demo_framework()
    assert "intellectual_property" in fw
    assert tuple(fw["intellectual_property"].children) == IP_INDICATORS
    assert all(fw.pillar_of(i) == "driving_force" for i in IP_INDICATORS)
    assert fw["ip_invention_share"].unit == "%"
    assert fw["intellectual_property"].name["zh"] == "知识产权"


def test_demo_values_cover_the_ip_indicators():
    values = demo_values()
    ip = values[values.indicator_id.isin(IP_INDICATORS)]
    assert ip.groupby("indicator_id").size().to_dict() == dict.fromkeys(IP_INDICATORS, 31 * 5)
    share = ip[ip.indicator_id == "ip_invention_share"].value
    assert share.between(0, 100).all()
    # the latent level puts the East above the West, as for every other indicator
    from silkscope.reference import province_groups

    belt = province_groups("china-3belt")
    rate = ip[ip.indicator_id == "ip_invention_grants_pc"].assign(belt=lambda f: f.unit_id.map(belt))
    means = rate.groupby("belt").value.mean()
    assert means["East"] > means["West"]


def test_demo_values_of_earlier_indicators_do_not_depend_on_the_ip_dimension():
    """The IP values come from their own seeded stream: dropping the IP dimension from the
    framework leaves every other demo value as it is."""
    import silkscope.index.demo as demo

    full = demo_values()
    fw = demo_framework()
    without = demo.Framework.from_dict(
        {
            "id": fw.root.id,
            "name": dict(fw.root.name),
            "children": [_node(fw, p, skip="intellectual_property") for p in fw.pillars],
        }
    )
    original = demo.demo_framework
    demo.demo_framework = lambda: without
    try:
        before = demo_values()
    finally:
        demo.demo_framework = original
    merged = before.merge(full, on=["unit_id", "year", "indicator_id"], suffixes=("_before", "_now"))
    assert len(merged) == len(before)
    assert (merged.value_before == merged.value_now).all()
    assert not before.indicator_id.isin(IP_INDICATORS).any()


def _node(fw, node_id, skip):
    node = fw[node_id]
    data = {"id": node.id, "name": dict(node.name), "weight": node.weight}
    if node.is_leaf:
        data.update(direction=node.direction, unit=node.unit)
        return data
    data["children"] = [_node(fw, c, skip) for c in node.children if c != skip]
    return data


def _ip_table() -> pd.DataFrame:
    """A partner table with the four IP columns for three countries."""
    return pd.DataFrame(
        {
            "country": ["AAA", "BBB", "CCC"],
            "ip_royalty_receipts_per_capita": [120.0, 2.0, np.nan],
            "ip_royalty_payments_per_capita": [300.0, 10.0, 1.0],
            "ip_patents_resd_per_million": [2500.0, 40.0, 5.0],
            "ip_trademarks_resd_per_million": [3000.0, 100.0, 20.0],
        }
    )


def test_study_framework_gains_the_ip_pillar_only_with_ip_columns():
    assert study_framework().pillars == PILLARS
    table = _ip_table()
    fw = study_framework(table)
    assert fw.pillars == (*PILLARS, "ip_environment")
    assert tuple(fw["ip_environment"].children) == (
        "ip_payments_log",
        "ip_receipts_log",
        "ip_patents_log",
        "ip_trademarks_log",
    )
    only_patents = table[["country", "ip_patents_resd_per_million"]]
    assert held_ip_indicators(only_patents) == ["ip_patents_log"]
    assert tuple(study_framework(only_patents)["ip_environment"].children) == ("ip_patents_log",)


def test_ip_docking_rule_quotes_the_numbers():
    scores = pd.DataFrame({"country": ["AAA", "BBB"], **{p: [0.5, 0.5] for p in PILLARS}})
    scores["ip_environment"] = [0.91, 0.2]
    tiers = pd.DataFrame({"country": ["AAA", "BBB"], "tier": [1, 1], "driver": ["proximity"] * 2})
    recs = recommend(tiers, scores, None, _ip_table())
    ip = recs[recs.rule == "ip_environment_licensing"]
    assert ip.country.tolist() == ["AAA"] and ip["mode"].tolist() == ["ip_licensing"]
    evidence = ip.evidence.iloc[0]
    assert evidence.startswith("tier 1; ip_environment 0.91 > 0.5")
    assert "ip_patents_resd_per_million = 2500" in evidence
    assert "ip_royalty_payments_per_capita = 300" in evidence
    assert "知识产权" in ip.text_zh.iloc[0]


def test_optional_rule_is_skipped_without_the_pillar_and_others_still_refused():
    rules = load_rules(pillars=PILLARS)  # the built-in table loads on the five pillars
    assert "ip_environment_licensing" in {r.id for r in rules.rules}
    scores = pd.DataFrame({"country": ["AAA"], **{p: [0.9] for p in PILLARS}})
    tiers = pd.DataFrame({"country": ["AAA"], "tier": [1], "driver": ["proximity"]})
    recs = recommend(tiers, scores, rules)
    assert "ip_environment_licensing" not in set(recs.rule) and len(recs)
    strict = {
        "modes": {"ip_licensing": {"en": "IP", "zh": "知识产权"}},
        "rules": [{"id": "x", "when": {"pillar": "ip_environment", "above": 0.5}, "modes": ["ip_licensing"],
                   "text": {"en": "a", "zh": "甲"}}],
    }  # fmt: skip
    with pytest.raises(InputError, match="unknown pillar 'ip_environment'"):
        parse_rules(strict, PILLARS)
    strict["rules"][0]["optional"] = "yes"
    with pytest.raises(InputError, match="'optional' must be true or false"):
        parse_rules(strict, [*PILLARS, "ip_environment"])


@pytest.mark.shared
def test_real_wdi_ip_columns_and_docking(shared_data: Path, workspace):
    """WDI population (2025 vintage), resident patents (2026), IP receipts and resident trademarks
    (2013 vintage) imported into a study: the partner table's IP columns are the window means of
    the same-year ratios, checked by hand for the Republic of Korea, and the IP rule quotes them."""
    from silkscope.io.wdi import import_wdi
    from silkscope.partners.table import partner_table

    ip = shared_data / "wdi_ip_talent"
    import_wdi(
        workspace,
        [
            shared_data / "wdi_extracts/raw/API_SP.POP.TOTL_DS2_en_csv_v2_391465.csv",
            ip / "wb_api_2025_2026/API_IP.PAT.RESD_DS2_en_csv_v2_226.csv",
            ip / "wdi_2013_vintage_ronnywang/BX.GSR.ROYL.CD_WDI.csv",
            ip / "wdi_2013_vintage_ronnywang/IP.TMK.RESD_WDI.csv",
            ip / "wb_api_2025_2026/Metadata_Country_API_IP.PAT.RESD_DS2_en_csv_v2_226.csv",
        ],
    )
    table = partner_table(workspace, "CHN", [2010, 2011, 2012], "mean", lang="en")
    frame = table.table.set_index("country")

    def wb_years(path: Path, code: str, years=(2010, 2011, 2012), preamble: int = 4) -> dict[int, float]:
        raw = pd.read_csv(path, skiprows=preamble)
        row = raw[raw["Country Code"] == code].iloc[0]
        return {y: float(row[str(y)]) for y in years if pd.notna(row[str(y)])}

    def per_person_mean(series: dict[int, float], pop: dict[int, float]) -> float:
        """The mean over the window of the same-year ratios (a value over its own year's people)."""
        ratios = [series[y] / pop[y] for y in series if y in pop]
        return sum(ratios) / len(ratios)

    pop = wb_years(shared_data / "wdi_extracts/raw/API_SP.POP.TOTL_DS2_en_csv_v2_391465.csv", "KOR")
    patents = wb_years(ip / "wb_api_2025_2026/API_IP.PAT.RESD_DS2_en_csv_v2_226.csv", "KOR")
    receipts = wb_years(ip / "wdi_2013_vintage_ronnywang/BX.GSR.ROYL.CD_WDI.csv", "KOR", preamble=0)
    assert frame.at["KOR", "ip_patents_resd_per_million"] == pytest.approx(
        1e6 * per_person_mean(patents, pop)
    )
    assert frame.at["KOR", "ip_royalty_receipts_per_capita"] == pytest.approx(per_person_mean(receipts, pop))
    assert "ip_royalty_payments_per_capita" not in frame.columns  # BM.GSR.ROYL.CD not imported
    assert held_ip_indicators(table.table) == ["ip_receipts_log", "ip_patents_log", "ip_trademarks_log"]
    sources = table.sources.set_index("column")
    assert sources.at["ip_patents_resd_per_million", "source"] == "WDI IP.PAT.RESD, SP.POP.TOTL"
    # the IP pillar by hand: mean of the min-max scaled ln(1 + x) of the held columns
    cols = ["ip_royalty_receipts_per_capita", "ip_patents_resd_per_million", "ip_trademarks_resd_per_million"]
    logged = np.log1p(frame[cols].dropna())
    pillar = ((logged - logged.min()) / (logged.max() - logged.min())).mean(axis=1)
    scores = pd.DataFrame(
        {"country": pillar.index, **{p: 0.5 for p in PILLARS}, "ip_environment": pillar.values}
    )
    tiers = pd.DataFrame({"country": pillar.index, "tier": 1, "driver": "proximity"})
    recs = recommend(tiers, scores, None, table.table)
    chosen = recs[recs.rule == "ip_environment_licensing"].set_index("country")
    assert "KOR" in chosen.index and set(chosen.index) == set(pillar[pillar > 0.5].index)
    shown = f"ip_patents_resd_per_million = {frame.at['KOR', 'ip_patents_resd_per_million']:.2f}"
    assert shown.rstrip("0").rstrip(".") in chosen.at["KOR", "evidence"]
    indicators = study_indicators_ip(table.table)
    assert indicators.loc["KOR", "ip_patents_log"] == pytest.approx(
        math.log1p(frame.at["KOR", "ip_patents_resd_per_million"])
    )


def study_indicators_ip(table: pd.DataFrame) -> pd.DataFrame:
    """study_indicators needs the full study columns; fill the non-IP ones so the IP part runs."""
    filled = table.copy()
    for column in ("NY.GDP.MKTP.CD", "NY.GDP.PCAP.CD", "ST.INT.ARVL", "SP.URB.TOTL.IN.ZS",
                   "world_heritage_sites", "BX.KLT.DINV.CD.WD", "IT.NET.USER.ZS", "dist_km", "kogut_singh",
                   "confucius_institutes"):  # fmt: skip
        if column not in filled.columns:
            filled[column] = 1.0
    return study_indicators(filled).set_index("country")


@pytest.mark.shared
def test_real_provincial_patent_grants_give_the_invention_share(shared_data: Path):
    """CNIPA grants by province (China S&T Statistical Yearbook, 2010–2023): the CIDI indicator
    ip_invention_share = 100 × invention / total grants, between 0 and 100 for the 31 provinces,
    and the sums over provinces + HK, Macao, Taiwan equal the national row (as PROVENANCE says)."""
    frame = pd.read_csv(
        shared_data / "china_patents_by_province/china_domestic_patents_by_region_2010_2023_long.csv"
    )
    grants = frame[frame.kind == "grants"]
    provinces = grants[grants.unit_type == "province"]
    assert provinces.groupby("year").size().eq(31).all()
    share = 100 * provinces.invention / provinces.total
    assert share.between(0, 100).all()
    g2023 = grants[grants.year == 2023]
    national = g2023[g2023.unit_type == "national_total"].iloc[0]
    parts = g2023[g2023.unit_type.isin(["province", "hong_kong", "macao", "taiwan"])]
    assert parts.total.sum() == national.total == 3532282
    assert parts.invention.sum() == national.invention
    beijing = provinces[(provinces.year == 2023) & (provinces.province_code == 11)].iloc[0]
    assert 100 * beijing.invention / beijing.total > 100 * national.invention / national.total


@pytest.mark.shared
def test_latest_ip_per_person_uses_the_population_of_the_same_year(shared_data, workspace):
    """The 2013 WDI vintage of royalty receipts ends in 2012, the population file runs to 2024: the
    latest receipts per person is the 2012 receipts over the 2012 population, not the 2024 one."""
    from silkscope.io.wdi import import_wdi
    from silkscope.partners.table import partner_table

    ip = shared_data / "wdi_ip_talent"
    pop_file = shared_data / "wdi_extracts/raw/API_SP.POP.TOTL_DS2_en_csv_v2_391465.csv"
    receipts_file = ip / "wdi_2013_vintage_ronnywang/BX.GSR.ROYL.CD_WDI.csv"
    metadata = ip / "wb_api_2025_2026/Metadata_Country_API_IP.PAT.RESD_DS2_en_csv_v2_226.csv"
    import_wdi(workspace, [pop_file, receipts_file, metadata])
    table = partner_table(workspace, "CHN", lang="en")
    got = table.table.set_index("country").at["KOR", "ip_royalty_receipts_per_capita"]
    receipts = pd.read_csv(receipts_file)
    row = receipts[receipts["Country Code"] == "KOR"].iloc[0]
    last = max(int(y) for y in receipts.columns if y.isdigit() and pd.notna(row[y]))
    pop = pd.read_csv(pop_file, skiprows=4)
    people = pop[pop["Country Code"] == "KOR"].iloc[0]
    assert got == pytest.approx(float(row[str(last)]) / float(people[str(last)]), rel=1e-12)
    newest = max(int(y) for y in pop.columns if y.isdigit() and pd.notna(people[y]))
    assert newest > last  # the mismatch this guards against is real in these files
    assert got != pytest.approx(float(row[str(last)]) / float(people[str(newest)]), rel=1e-6)
    rule = table.sources.set_index("column").at["ip_royalty_receipts_per_capita", "rule"]
    assert "same year" in rule
