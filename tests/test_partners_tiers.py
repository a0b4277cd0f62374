"""Partner tiers (partners.tiers), docking rules (partners.docking) and ``silkscope partners tiers``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError, MethodError
from silkscope.partners.docking import MODES, RULES_PATH, load_rules, modes_by_country, parse_rules, recommend
from silkscope.partners.tiers import (
    OUTPUT_COLUMNS,
    PILLARS,
    demo_indicators,
    partner_framework,
    partner_tiers,
    pillar_contributions,
)


@pytest.fixture(scope="module")
def indicators() -> pd.DataFrame:
    return demo_indicators()


@pytest.fixture(scope="module")
def tiers(indicators):
    return partner_tiers(indicators, n=40, seed=3)


def test_framework_has_the_five_pillars():
    fw = partner_framework()
    assert fw.pillars == PILLARS
    assert fw["distance_to_home"].direction == -1 and fw.pillar_of("distance_to_home") == "proximity"


def test_demo_indicators_are_labelled_and_leave_china_out(indicators):
    assert indicators.attrs["demo"] is True and "synthetic" in indicators.attrs["label"]["en"]
    assert "CHN" not in set(indicators.country)
    assert set(partner_framework().indicators) <= set(indicators.columns)
    assert indicators.drop(columns="country").notna().all().all()


def test_tiers_output_and_driver_rule(tiers):
    table = tiers.table
    assert list(table.columns[:5]) == list(OUTPUT_COLUMNS)
    assert set(table.tier) == {1, 2, 3}
    assert table.tier_probability.between(0, 1).all()
    assert set(table.driver) <= set(PILLARS)
    # tiers follow the score: every tier-1 score is above every tier-2 score, and so on
    for upper, lower in ((1, 2), (2, 3)):
        assert table[table.tier == upper].score.min() > table[table.tier == lower].score.max()
    contrib = pillar_contributions(tiers.index)
    # arithmetic aggregation: contributions add up to score minus the mean score
    scores = table.set_index("country").score
    assert np.allclose(contrib.sum(axis=1).loc[scores.index], scores - scores.mean())
    for row in table.itertuples():
        own = contrib.loc[row.country]
        expected = own.idxmin() if row.tier == 3 else own.idxmax()
        assert row.driver == expected
        assert row.driver_contribution == pytest.approx(own[expected])
    # pillar scores on 0-1 for docking
    assert tiers.pillar_scores[list(PILLARS)].stack().between(0, 1).all()


def test_no_variation_means_certain_tiers(indicators):
    fixed = partner_tiers(indicators, n=5, vary={})
    assert (fixed.table.tier_probability == 1).all()


def test_tier_probability_counts_replicates(tiers):
    nominal = tiers.table.set_index("country").tier.loc[tiers.index.units].to_numpy()
    share = (tiers.replicate_tiers == nominal).mean(axis=0)
    got = tiers.table.set_index("country").tier_probability.loc[tiers.index.units].to_numpy()
    assert np.allclose(got, share)


def test_small_table_clear_tiers_and_kmeans():
    # three clear groups on every indicator: A,B high; C,D middle; E,F low (distance reversed)
    fw = partner_framework()
    level = {"AAA": 10, "BBB": 9.5, "CCC": 5, "DDD": 4.5, "EEE": 0, "FFF": 0.5}
    noise = np.random.default_rng(0)  # indicators not perfectly correlated (CRITIC needs that)
    rows = []
    for country, v in level.items():
        row = {"country": country}
        for ind in fw.indicators:
            value = v + noise.uniform(-0.2, 0.2)
            row[ind] = (100 - value * 9) if fw[ind].direction == -1 else value
        rows.append(row)
    table = pd.DataFrame(rows)
    for method in ("jenks", "kmeans"):
        result = partner_tiers(table, method=method, n=30, seed=1)
        tiers = result.table.set_index("country").tier.to_dict()
        assert tiers == {"AAA": 1, "BBB": 1, "CCC": 2, "DDD": 2, "EEE": 3, "FFF": 3}
    with pytest.raises(MethodError, match="tier method"):
        partner_tiers(table, method="quantiles")
    with pytest.raises(InputError, match="no column"):
        partner_tiers(table.drop(columns="n_partners"))


# -- docking -----------------------------------------------------------------------------------
RULES = {
    "modes": {m: {"en": m.replace("_", " "), "zh": "模式"} for m in MODES},
    "rules": [
        {
            "id": "near_core",
            "tier": 1,
            "when": {"pillar": "proximity", "above": 0.6},
            "modes": ["co_production", "cultural_parks"],
            "text": {"en": "Near core partner", "zh": "邻近核心伙伴"},
        },
        {
            "id": "driven_by_demand",
            "tier": [1, 2],
            "when": [{"driver": "cultural_demand"}, {"pillar": "china_trade", "below": 0.5}],
            "modes": "trade_of_cultural_goods",
            "text": {"en": "Demand-led", "zh": "需求驱动"},
        },
        {
            "id": "anyone_closed",
            "when": {"pillar": "openness_connectivity", "below": 0.3},
            "modes": ["talent_exchange"],
            "text": {"en": "Exchange first", "zh": "交流先行"},
        },
    ],
}
TIERS = pd.DataFrame(
    {
        "country": ["AAA", "BBB", "CCC"],
        "tier": [1, 2, 1],
        "driver": ["proximity", "cultural_demand", "china_trade"],
    }
)
PILLAR_SCORES = pd.DataFrame(
    {
        "country": ["AAA", "BBB", "CCC"],
        "proximity": [0.72, 0.9, 0.5],
        "china_trade": [0.8, 0.4, 0.3],
        "openness_connectivity": [0.9, 0.2, 0.5],
        "cultural_demand": [0.5, 0.5, 0.5],
    }
)


def test_recommend_with_evidence():
    recs = recommend(TIERS, PILLAR_SCORES, RULES)
    assert list(recs.columns) == [
        "country", "tier", "rule", "mode", "mode_en", "mode_zh", "text_en", "text_zh", "evidence"
    ]  # fmt: skip
    got = {(r.country, r.rule, r.mode): r.evidence for r in recs.itertuples()}
    assert got == {
        ("AAA", "near_core", "co_production"): "tier 1; proximity 0.72 > 0.6",
        ("AAA", "near_core", "cultural_parks"): "tier 1; proximity 0.72 > 0.6",
        (
            "BBB",
            "driven_by_demand",
            "trade_of_cultural_goods",
        ): "tier 2; driver cultural_demand; china_trade 0.40 < 0.5",
        ("BBB", "anyone_closed", "talent_exchange"): "openness_connectivity 0.20 < 0.3",
    }
    assert set(recs.text_zh) == {"邻近核心伙伴", "需求驱动", "交流先行"}
    per_country = modes_by_country(recs).set_index("country")
    assert per_country.loc["AAA", "modes"] == "co_production;cultural_parks"
    assert "CCC" not in per_country.index  # no rule matches


def _broken(rule_change: dict, drop: str | None = None) -> dict:
    data = yaml.safe_load(yaml.safe_dump(RULES, allow_unicode=True))
    data["rules"][0].update(rule_change)
    if drop:
        del data["rules"][0]["text"][drop]
    return data


def test_rule_validation_names_the_rule():
    with pytest.raises(InputError, match="rule 'near_core': unknown mode.*karaoke"):
        parse_rules(_broken({"modes": ["karaoke"]}))
    with pytest.raises(InputError, match="rule 'near_core': unknown pillar 'weather'"):
        recommend(TIERS, PILLAR_SCORES, _broken({"when": {"pillar": "weather", "above": 0.1}}))
    with pytest.raises(InputError, match="rule 'near_core': missing zh text"):
        parse_rules(_broken({}, drop="zh"))
    with pytest.raises(InputError, match="rule 'near_core': missing en text"):
        parse_rules(_broken({}, drop="en"))
    with pytest.raises(InputError, match="rule 'near_core'.*needs above or below"):
        parse_rules(_broken({"when": {"pillar": "proximity"}}))
    with pytest.raises(InputError, match="rule 'near_core'.*not a number"):
        parse_rules(_broken({"when": {"pillar": "proximity", "above": "high"}}))
    bad_mode = yaml.safe_load(yaml.safe_dump(RULES, allow_unicode=True))
    bad_mode["modes"]["tourism"] = {"en": "Tourism"}
    with pytest.raises(InputError, match="mode 'tourism': missing zh"):
        parse_rules(bad_mode)


def test_builtin_rules_load_and_cover_every_tier(tmp_path: Path, tiers):
    rules = load_rules(pillars=PILLARS)
    assert rules.source == str(RULES_PATH)
    assert set(rules.modes) == set(MODES)
    assert {t for r in rules.rules for t in (r.tiers or ())} == {1, 2, 3}
    recs = recommend(tiers.table, tiers.pillar_scores)
    assert set(tiers.table.country) == set(recs.country)  # every tier has a rule without conditions
    broken = tmp_path / "rules.yaml"
    broken.write_text(
        RULES_PATH.read_text(encoding="utf-8").replace("[tourism]", "[tourism, dancing]"), "utf-8"
    )
    with pytest.raises(InputError, match="rules.yaml.*rule 'foundations_nearby': unknown mode"):
        load_rules(broken)


# -- CLI ---------------------------------------------------------------------------------------
def test_cli_tiers_on_the_demo(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, recs = tmp_path / "tiers.csv", tmp_path / "recs.csv"
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["partners", "tiers", "--out", str(out), "--replicates", "30", "--seed", "2"]
        + ["--recommendations", str(recs)],
    )
    assert result.exit_code == 0, result.output
    assert "demonstration data" in result.output
    table = pd.read_csv(out)
    assert list(table.columns[:5]) == list(OUTPUT_COLUMNS)
    assert set(table.tier) == {1, 2, 3} and table.tier_probability.between(0, 1).all()
    assert "modes" in table.columns and table.note.str.contains("synthetic").all()
    assert set(pd.read_csv(recs).country) <= set(table.country)
    kmeans = runner.invoke(
        app,
        ["partners", "tiers", "--out", str(out), "--method", "kmeans", "--tiers", "4", "--replicates", "10"],
    )
    assert kmeans.exit_code == 0, kmeans.output
    assert set(pd.read_csv(out).tier) == {1, 2, 3, 4}
    bad = runner.invoke(app, ["partners", "tiers", "--out", str(out), "--method", "quantiles"])
    assert bad.exit_code == 2 and "tier method" in bad.output


def test_cli_tiers_from_own_indicator_table(tmp_path: Path, indicators):
    data = tmp_path / "indicators.csv"
    indicators.to_csv(data, index=False)
    out = tmp_path / "t.csv"
    result = CliRunner().invoke(
        app, ["partners", "tiers", "--data", str(data), "--out", str(out), "--replicates", "10"]
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == len(indicators)


def test_tiers_from_a_workspace_use_its_geodist_distances(workspace, shared_data, tmp_path):
    """Imported BACI flows and GeoDist pairs: distance_to_home is CEPII's CHN-to-country distance;
    countries without a pair from CHN are left out and listed."""
    from typer.testing import CliRunner

    from silkscope.cli import app

    runner = CliRunner()
    for args in (
        ["import", "baci", str(shared_data / "baci" / "baci_hs17_y2020_v202301_exporters_afg_zaf.parquet")],
        ["import", "geodist", str(shared_data / "cepii_geodist" / "dist_cepii.csv.gz")],
    ):
        result = runner.invoke(app, [*args, "--workspace", str(workspace.root)])
        assert result.exit_code == 0, result.output
    out = tmp_path / "tiers.csv"
    # the extract holds only AFG's and ZAF's exports (CHN exports none): tiers need --allow-partial
    args = ["partners", "tiers", "--workspace", str(workspace.root), "--replicates", "20", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "CHN exports nothing" in result.output
    result = runner.invoke(app, [*args, "--allow-partial"])
    assert result.exit_code == 0, result.output
    tiers = pd.read_csv(out)
    assert tiers["note"].str.contains("workspace pairs (GeoDist)", regex=False).all()
    pairs = workspace.table("pairs").query("origin == 'CHN'").set_index("dest")["dist_km"]
    from silkscope.partners.tiers import indicators_from_flows

    flows = workspace.query(
        "SELECT year, exporter, importer, hs6 AS product, value_kusd AS value FROM trade_flows"
    )
    indicators, dropped = indicators_from_flows(flows, "CHN", workspace.table("pairs"), allow_partial=True)
    row = indicators.set_index("country").loc["ZAF"]
    assert row["distance_to_home"] == pytest.approx(pairs["ZAF"])
    assert set(tiers["country"]) <= set(pairs.index)
    assert all(code not in pairs.index for code in dropped)
