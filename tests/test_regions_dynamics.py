"""Markov chains against giddy, β-convergence against statsmodels, coupling and obstacles by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from silkscope.errors import InputError
from silkscope.regions.convergence import convergence
from silkscope.regions.coupling import coupling
from silkscope.regions.distribution import kde_table, markov_table


def random_panel(units: int = 30, years: int = 8, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    level = rng.lognormal(2, 0.6, units)
    rows = []
    for t in range(years):
        level = level * np.exp(rng.normal(0.05, 0.1, units) - 0.03 * np.log(level))
        rows += [{"unit_id": f"u{i:02d}", "year": 2010 + t, "value": v} for i, v in enumerate(level)]
    return pd.DataFrame(rows)


def test_markov_equals_giddy_on_the_same_classes():
    import mapclassify
    from giddy.markov import Markov
    from giddy.mobility import markov_mobility

    panel = random_panel()
    table = markov_table(panel, classes=4)
    wide = panel.pivot(index="unit_id", columns="year", values="value").to_numpy()
    ids = np.column_stack([mapclassify.Quantiles(wide[:, t], k=4).yb for t in range(wide.shape[1])])
    ref = Markov(ids)
    ours = table.pivot(index="from_class", columns="to_class", values="probability").to_numpy()
    np.testing.assert_allclose(ours, np.asarray(ref.p), atol=1e-12)
    counts = table.pivot(index="from_class", columns="to_class", values="transitions").to_numpy()
    assert counts.sum() == 30 * 7  # every unit makes one transition a year
    np.testing.assert_array_equal(counts, np.asarray(ref.transitions))
    steady = table.drop_duplicates("from_class")["steady_state"].to_numpy()
    np.testing.assert_allclose(steady, np.ravel(ref.steady_state), atol=1e-10)
    assert table["mobility"].iloc[0] == pytest.approx(markov_mobility(ref.p, measure="P"))
    # Shorrocks by hand: M = (k - trace P) / (k - 1)
    assert table["mobility"].iloc[0] == pytest.approx((4 - np.trace(ours)) / 3)


def test_kde_bandwidth_is_scotts_rule():
    panel = random_panel()
    kde = kde_table(panel, years=[2010, 2017], points=50)
    y = panel.loc[panel.year == 2010, "value"].to_numpy()
    assert kde.loc[kde.year == 2010, "bandwidth"].iloc[0] == pytest.approx(np.std(y, ddof=1) * 30 ** (-1 / 5))
    grid = kde.loc[kde.year == 2010]
    assert np.trapezoid(grid["density"], grid["x"]) == pytest.approx(1.0, abs=0.05)


def test_beta_convergence_against_statsmodels():
    import statsmodels.api as sm

    panel = random_panel(units=40, years=11, seed=5)
    table = convergence(panel, "beta")
    wide = panel.pivot(index="unit_id", columns="year", values="value")
    growth = np.log(wide[2020] / wide[2010]) / 10
    fit = sm.OLS(growth, sm.add_constant(np.log(wide[2010]).rename("x"))).fit(cov_type="HC1")
    row = table[(table.group == "all") & (table.term == "log_initial")].iloc[0]
    beta = fit.params["x"]
    assert row["coef"] == pytest.approx(beta, rel=1e-10)
    assert row["se"] == pytest.approx(fit.bse["x"], rel=1e-10)
    assert row["p"] == pytest.approx(fit.pvalues["x"], rel=1e-8)
    assert beta < 0  # the panel was drawn with convergence (-0.03 ln y a year)
    speed = -np.log(1 + beta * 10) / 10
    assert row["speed"] == pytest.approx(speed, rel=1e-10)
    assert row["half_life"] == pytest.approx(np.log(2) / speed, rel=1e-10)
    sigma = convergence(panel, "sigma")
    assert list(sigma.columns) == ["year", "group", "cv", "sd_log", "n_units"]
    with pytest.raises(InputError, match="two years"):
        convergence(panel[panel.year == 2010], "beta")


def test_coupling_by_hand():
    frame = pd.DataFrame({"unit_id": ["p", "q", "r"], "year": [2020, 2020, 2020],
                          "a": [0.4, 0.5, 0.0], "b": [0.9, 0.55, 0.3]})  # fmt: skip
    out = coupling(frame, ["a", "b"]).set_index("unit_id")
    assert list(out.columns[:6]) == ["year", "c", "t", "d", "band", "lagging"]
    # p: C = √(0.4·0.9) / 0.65 = 0.6/0.65 (= 2√(U1U2)/(U1+U2)); T = 0.65; D = √(C·T) = √0.6 = 0.7746
    assert out.loc["p", "c"] == pytest.approx(0.6 / 0.65)
    assert out.loc["p", "t"] == pytest.approx(0.65)
    assert out.loc["p", "d"] == pytest.approx(np.sqrt(0.6))
    assert out.loc["p", "band"] == "intermediate_coordination"  # 0.7 ≤ D < 0.8
    assert out.loc["p", "lagging"] == "a"  # 0.9 - 0.4 > 0.1
    assert out.loc["q", "lagging"] == "balanced"  # gap 0.05
    # q: D = √(√(0.275)) = 0.7241... with equal weights D = √(geometric mean)
    assert out.loc["q", "d"] == pytest.approx(0.275**0.25)
    # r: a subsystem at 0 gives C = 0, D = 0: extreme disorder
    assert out.loc["r", "c"] == 0 and out.loc["r", "band"] == "extreme_disorder"
    # user weights 0.3/0.7: T = 0.12 + 0.63 = 0.75, D = √(0.6/0.65·0.75) = 0.8321 -> good
    weighted = coupling(frame, ["a", "b"], [0.3, 0.7]).set_index("unit_id")
    assert weighted.loc["p", "d"] == pytest.approx(np.sqrt(0.6 / 0.65 * 0.75))
    assert weighted.loc["p", "band"] == "good_coordination"
    # three systems (0.2, 0.4, 0.8): geometric mean 0.4, mean 7/15: C = 6/7, D = √0.4 -> primary
    three = pd.DataFrame({"unit_id": ["p"], "year": [2020], "a": [20.0], "b": [40.0], "c3": [80.0]})
    row = coupling(three, ["a", "b", "c3"]).iloc[0]  # 0-100 scores are rescaled
    assert row["c"] == pytest.approx(6 / 7) and row["d"] == pytest.approx(np.sqrt(0.4))
    assert row["band"] == "primary_coordination"
    with pytest.raises(InputError, match="weights"):
        coupling(frame, ["a", "b"], [0.5, 0.6])


def test_obstacle_degree_two_indicators_by_hand():
    from silkscope.index import Choices, Framework, build
    from silkscope.regions.obstacles import obstacles

    fw = Framework.from_dict(
        {"id": "idx", "children": [{"id": "p1", "weight": 1,
                                    "children": [{"id": "a", "weight": 3}, {"id": "b", "weight": 1}]}]}
    )  # fmt: skip
    values = pd.DataFrame(
        [{"unit_id": u, "year": 2020, "indicator_id": k, "value": v}
         for k, vals in {"a": [0, 5, 10], "b": [4, 2, 0]}.items() for u, v in zip("xyz", vals, strict=True)]
    )  # fmt: skip
    result = build(values, fw, Choices())
    out = obstacles(result, top=None).set_index(["unit_id", "indicator"])["obstacle"]
    # F = (0.75, 0.25); min-max: a -> 0, .5, 1; b -> 1, .5, 0; I = 1 - z.
    # F·I: a = .75, .375, 0; b = 0, .125, .25; sums .75, .5, .25.
    # O: x = (1, 0), y = (.75, .25), z = (0, 1).
    assert out[("x", "a")] == pytest.approx(1.0) and out[("x", "b")] == pytest.approx(0.0)
    assert out[("y", "a")] == pytest.approx(0.75) and out[("y", "b")] == pytest.approx(0.25)
    assert out[("z", "a")] == pytest.approx(0.0) and out[("z", "b")] == pytest.approx(1.0)
    assert out.groupby(level=0).sum().to_numpy() == pytest.approx(np.ones(3))
    top = obstacles(result, top=1)
    assert list(top.columns[:5]) == ["unit_id", "year", "indicator", "obstacle", "rank"]
    assert top.set_index("unit_id")["indicator"].to_dict() == {"x": "a", "y": "a", "z": "b"}


def test_band_names_from_the_catalogue():
    from silkscope.i18n import catalogue
    from silkscope.regions.coupling import BANDS

    zh = [
        "极度失调",
        "严重失调",
        "中度失调",
        "轻度失调",
        "濒临失调",
        "勉强协调",
        "初级协调",
        "中级协调",
        "良好协调",
        "优质协调",
    ]
    assert [catalogue("zh")[f"regions.band.{b}"] for b in BANDS] == zh
    assert all(f"regions.band.{b}" in catalogue("en") for b in BANDS)
    frame = pd.DataFrame({"unit_id": ["p", "r"], "year": [2020, 2020], "a": [0.4, 0.0], "b": [0.9, 0.3]})
    out = coupling(frame, ["a", "b"], lang="zh")
    assert out["band_name"].tolist() == ["中级协调", "极度失调"]
    assert coupling(frame, ["a", "b"], lang="en")["band_name"].tolist() == [
        "Intermediate coordination",
        "Extreme disorder",
    ]


def test_unit_years_without_an_index_score_get_no_obstacles():
    """A province-year missing a whole pillar has no index score (coverage below 2/3), so the
    obstacle degree, which explains that score, is not computed for it either."""
    from silkscope.index import build, demo_framework, demo_values
    from silkscope.regions.obstacles import obstacles

    fw = demo_framework()
    values = demo_values()
    pillar = fw.pillars[0]
    leaves = [i for i in fw.indicators if fw.pillar_of(i) == pillar]
    gone = (values.unit_id == "110000") & (values.year == 2018) & values.indicator_id.isin(leaves)
    table = obstacles(build(values[~gone], fw), top=None)
    held = set(zip(table.unit_id, table.year, strict=True))
    assert ("110000", 2018) not in held and ("110000", 2017) in held and ("120000", 2018) in held
