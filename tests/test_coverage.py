"""Coverage stated and enforced: per unit x year x node, a threshold below which a unit-year gets no
score and no rank, the headline year, comparisons only between years with the same indicators.

Real data: NBS provincial GDP (2005-2023) and inbound tourism (2005-2019), and the MoF culture,
tourism, sport and media expenditure by province (2019-2023), read unchanged from shared/data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from silkscope.errors import InputError, MethodError
from silkscope.index import Choices, Framework, build
from silkscope.index.coverage import node_coverage

pytestmark = pytest.mark.shared

TOURISM = "china_nbs_provincial_tourism_gdp/china_provincial_tourism_gdp_long.csv"
BUDGET = "china_public_budget_by_province/culture_tourism_sport_media_expenditure_by_province_2019_2023.csv"

FRAMEWORK = {
    "id": "tourism_culture",
    "name": {"en": "Provincial Tourism and Culture Index", "zh": "省级旅游与文化指数"},
    "children": [
        {"id": "economy", "children": [{"id": "gdp"}]},
        {
            "id": "tourism",
            "children": [
                {"id": "intl_tourism_receipts"},
                {"id": "overseas_visitors"},
                {"id": "foreign_visitors"},
            ],
        },
        {
            "id": "public_culture",
            "children": [{"id": "culture_tourism_sport_media"}, {"id": "culture_share_pct"}],
        },
    ],
}


def real_values(shared_data: Path, budget: bool = True) -> pd.DataFrame:
    """Long values from the real files; GB/T two-digit codes -> the six-digit unit ids."""
    tour = pd.read_csv(shared_data / TOURISM)
    frames = [
        pd.DataFrame(
            {
                "unit_id": (tour["province_code"] * 10000).astype(str),
                "year": tour["year"],
                "indicator_id": tour["indicator"],
                "value": tour["value"],
            }
        )
    ]
    if budget:
        money = pd.read_csv(shared_data / BUDGET)
        long = money.melt(
            id_vars=["year", "province_code"],
            value_vars=["culture_tourism_sport_media", "culture_share_pct"],
            var_name="indicator_id",
        )
        long["unit_id"] = (long["province_code"] * 10000).astype(str)
        frames.append(long[["unit_id", "year", "indicator_id", "value"]])
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def values(shared_data: Path) -> pd.DataFrame:
    return real_values(shared_data)


def test_node_coverage_by_hand():
    fw = Framework.from_dict(
        {
            "id": "x",
            "children": [
                {"id": "A", "weight": 2, "children": [{"id": "a1", "weight": 1}, {"id": "a2", "weight": 3}]},
                {"id": "B", "weight": 1, "children": [{"id": "b1"}]},
            ],
        }
    )
    values = pd.DataFrame(
        {
            "unit_id": ["u", "u", "v", "v", "v"],
            "year": [2020] * 5,
            "indicator_id": ["a1", "b1", "a1", "a2", "b1"],
            "value": [1.0, 2.0, 1.0, np.nan, np.nan],
        }
    )
    cov = node_coverage(values, fw).set_index(["unit_id", "node"])["coverage"]
    # u: a1 observed (weight 1 of 4) -> A = 0.25; B = 1; index = (2 * 0.25 + 1 * 1) / 3 = 0.5
    assert cov["u", "A"] == pytest.approx(0.25)
    assert cov["u", "B"] == pytest.approx(1.0)
    assert cov["u", "x"] == pytest.approx(0.5)
    # v: a2 and b1 are given as missing -> A = 0.25, B = 0, index = 0.5 / 3
    assert cov["v", "x"] == pytest.approx(0.5 / 3)
    assert cov["v", "a2"] == 0 and cov["v", "a1"] == 1


def test_coverage_column_and_real_counts(values):
    fw = Framework.from_dict(FRAMEWORK)
    cov = node_coverage(values, fw)
    index = cov[cov.node == "tourism_culture"].set_index(["unit_id", "year"])["coverage"]
    # 2019 holds all six indicators for the 31 provinces; 2005-2018 lack the budget pillar (2/3),
    # 2020-2023 lack inbound tourism (2/3 as well: each pillar weighs a third)
    assert len(index) == 31 * 19
    assert (index.xs(2019, level="year") == 1).all()
    assert index.xs(2023, level="year").round(6).eq(round(2 / 3, 6)).all()
    assert index.xs(2010, level="year").round(6).eq(round(2 / 3, 6)).all()


def test_a_unit_missing_a_pillar_has_no_score_at_the_default_and_one_at_zero(values):
    fw = Framework.from_dict(FRAMEWORK)
    tibet = "540000"
    gone = (values.unit_id == tibet) & values.indicator_id.isin(
        ["culture_tourism_sport_media", "culture_share_pct"]
    )
    held = values[~gone]
    strict = build(held, fw)
    frame = strict.to_frame()
    row = frame[(frame.unit_id == tibet) & (frame.year == 2019) & (frame.node == fw.root.id)].iloc[0]
    assert pd.isna(row.score) and pd.isna(row["rank"])
    assert row.coverage == pytest.approx(2 / 3)
    pillar = frame[(frame.unit_id == tibet) & (frame.year == 2019) & (frame.node == "public_culture")].iloc[0]
    assert pd.isna(pillar.score) and pillar.coverage == 0
    ranked = frame[(frame.year == 2019) & (frame.node == fw.root.id)]["rank"].dropna()
    assert sorted(ranked.astype(int)) == list(range(1, 31))  # 30 provinces ranked, Tibet not
    excluded = strict.excluded()
    assert ((excluded.unit_id == tibet) & (excluded.year == 2019)).sum() == 1
    assert excluded[(excluded.unit_id == tibet) & (excluded.year == 2019)].below.iloc[0] == "public_culture"

    loose = build(held, fw, Choices(min_coverage=0))
    lf = loose.to_frame().set_index(["unit_id", "year", "node"])
    score = lf.loc[(tibet, 2019, fw.root.id), "score"]
    assert np.isfinite(score)
    # the index of the pillars it has: equal pillar weights, the missing one skipped
    expected = (lf.loc[(tibet, 2019, "economy"), "score"] + lf.loc[(tibet, 2019, "tourism"), "score"]) / 2
    assert score == pytest.approx(expected)
    # screening removes unit-years; it changes no score of those that pass
    sf = frame.set_index(["unit_id", "year", "node"])["score"]
    both = sf.dropna().index
    np.testing.assert_allclose(sf.loc[both].to_numpy(), lf.loc[both, "score"].to_numpy())


def test_headline_year_is_the_latest_passing_year(values):
    fw = Framework.from_dict(FRAMEWORK)
    result = build(values, fw)
    assert int(result.years.max()) == 2023
    assert result.passing_years() == [2019]
    assert result.headline_year() == 2019
    assert int(result.ranking()["year"].iloc[0]) == 2019
    assert result.ranking().score.notna().all()
    assert set(result.excluded().year) == set(range(2005, 2024)) - {2019}
    assert "headline year 2019" in result.summary()


def test_changes_only_between_years_with_the_same_indicators(shared_data: Path):
    fw = Framework.from_dict({**FRAMEWORK, "children": FRAMEWORK["children"][:2]})
    result = build(real_values(shared_data, budget=False), fw)
    # 2020-2023 hold GDP only: half of the index, below 2/3 -> not scored; 2005-2019 pass
    assert result.headline_year() == 2019
    assert result.comparable_year() == 2005
    assert result.indicator_set(2023) == ("gdp",)
    changes = result.changes()
    assert not changes[changes.year == 2020].same_indicators.any()
    assert changes[changes.year == 2019].same_indicators.all()
    # with the budget pillar only 2019 holds all indicators: nothing to compare it with
    assert build(real_values(shared_data), Framework.from_dict(FRAMEWORK)).comparable_year() is None


def test_threshold_is_validated_and_nothing_passing_is_an_input_error(values):
    with pytest.raises(MethodError, match="min_coverage"):
        Choices(min_coverage=1.5)
    fw = Framework.from_dict(FRAMEWORK)
    result = build(values[values.year != 2019], fw)
    with pytest.raises(InputError, match="best index coverage per year"):
        result.headline_year()


def test_entropy_robustness_leaves_zscore_out(values):
    from silkscope.index.uncertainty import DEFAULT_VARY

    fw = Framework.from_dict(FRAMEWORK)
    nominal = build(values, fw, Choices(weights="entropy"))
    unc = nominal.uncertainty(n=40, vary=DEFAULT_VARY, seed=3)
    assert unc.vary.left_out == ("normalise=zscore",)
    assert "zscore" not in unc.vary.steps["normalise"]
    frame = unc.to_frame()
    # unit-years without a nominal score have no replicate ranks either
    assert frame[frame.nominal_rank.isna()].median_rank.isna().all()
    assert frame[frame.year == 2019].median_rank.notna().all()
    # with framework weights z-score stays and entropy (undefined on z-scores) leaves the alternatives
    other = build(values, fw).uncertainty(n=10, vary={**DEFAULT_VARY, "weights": ["entropy"]}, seed=0)
    assert other.vary.left_out == ("weights=entropy",)
