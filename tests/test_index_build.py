"""End-to-end builds: a hand-worked tree, the demo, result tables, warnings and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkscope.errors import InputError
from silkscope.index import Choices, Framework, build, demo_framework, demo_values
from silkscope.index.normalise import normalise
from silkscope.reference import province_groups

TREE = Framework.from_dict(
    {
        "id": "idx",
        "children": [
            {
                "id": "p1",
                "weight": 3,
                "children": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1, "direction": -1}],
            },
            {"id": "p2", "weight": 1, "children": [{"id": "c", "weight": 1}]},
        ],
    }
)


def long(table: dict[str, list[float]], units=("u1", "u2", "u3"), year=2020) -> pd.DataFrame:
    rows = [
        {"unit_id": u, "year": year, "indicator_id": k, "value": v}
        for k, vals in table.items()
        for u, v in zip(units, vals, strict=True)
    ]
    return pd.DataFrame(rows)


def test_hand_worked_tree():
    values = long({"a": [0, 5, 10], "b": [1, 3, 2], "c": [2, 2, 4]})
    result = build(values, TREE, Choices())
    frame = result.to_frame()
    assert list(frame.columns) == ["unit_id", "year", "level", "node", "score", "rank", "coverage"]
    s = frame.set_index(["unit_id", "node"])["score"]
    # a -> 0, 50, 100; b reversed -> 100, 0, 50; c -> 0, 0, 100
    # p1 = (a + b) / 2 -> 50, 25, 75; idx = 0.75 p1 + 0.25 c -> 37.5, 18.75, 81.25
    assert s[("u1", "p1")] == pytest.approx(50)
    assert s[("u2", "idx")] == pytest.approx(18.75)
    assert s[("u3", "idx")] == pytest.approx(81.25)
    ranks = frame[frame.node == "idx"].set_index("unit_id")["rank"]
    assert ranks.to_dict() == {"u3": 1, "u1": 2, "u2": 3}
    c_ranks = frame[frame.node == "c"].set_index("unit_id")["rank"].to_dict()
    assert c_ranks == {"u3": 1, "u1": 2, "u2": 2}  # ties share the best rank


def test_demo_build_contract_and_group_scores():
    groups = province_groups("china-3belt")
    result = build(demo_values(), demo_framework(), Choices(minmax_range=(60, 100)), groups)
    frame = result.to_frame()
    assert set(frame.level) == {"index", "pillar", "dimension", "indicator"}
    assert frame.groupby(["year", "node"])["rank"].min().eq(1).all()
    assert frame.unit_id.nunique() == 31 and sorted(frame.year.unique()) == [2014, 2015, 2016, 2017, 2018]
    g = result.group_scores(weight="population")
    east = g[(g.group == "East") & (g.node == "cidi") & (g.year == 2018)].iloc[0]
    idx = frame[(frame.node == "cidi") & (frame.year == 2018)]
    east_units = [u for u, grp in groups.items() if grp == "East"]
    assert east["mean"] == pytest.approx(idx[idx.unit_id.isin(east_units)]["score"].mean())
    pop = demo_values().query("indicator_id == 'population' and year == 2018").set_index("unit_id")["value"]
    e = idx[idx.unit_id.isin(east_units)].set_index("unit_id")["score"]
    assert east["weighted_mean"] == pytest.approx((e * pop[e.index]).sum() / pop[e.index].sum())


def test_changes_and_profiles():
    a = long({"a": [0, 5, 10], "b": [1, 3, 2], "c": [2, 2, 4]}, year=2020)
    b = long({"a": [10, 5, 0], "b": [1, 3, 2], "c": [2, 2, 4]}, year=2021)
    result = build(pd.concat([a, b]), TREE, Choices())
    ch = result.changes().query("node == 'idx'").set_index("unit_id")
    assert ch.loc["u1", "previous_year"] == 2020
    before = result.to_frame().query("node == 'idx'").pivot(index="unit_id", columns="year", values="rank")
    assert ch.loc["u1", "rank_change"] == before.loc["u1", 2020] - before.loc["u1", 2021]
    prof = result.profiles().set_index(["unit_id", "year"])
    assert prof.loc[("u3", 2020), "strongest_pillar"] in {"p1", "p2"}
    assert prof.loc[("u2", 2020), "weakest_indicator"] in {"a", "b", "c"}


def test_zero_variance_and_all_missing_unit_warn():
    values = long({"a": [0, 5, 10], "b": [1, 3, 2], "c": [2, 2, 2]})
    values.loc[values.unit_id == "u2", "value"] = np.nan
    result = build(values, TREE, Choices())
    text = " ".join(result.warnings)
    assert "'c' has zero variance" in text
    assert "u2 2020" in text
    assert np.isnan(result.to_frame().query("unit_id == 'u2' and node == 'idx'")["score"]).all()


def test_missing_indicator_and_duplicates_are_errors():
    with pytest.raises(InputError, match="no values for 1 framework indicator.*c"):
        build(long({"a": [0, 5, 10], "b": [1, 3, 2]}), TREE)
    dup = long({"a": [0, 5, 10], "b": [1, 3, 2], "c": [2, 2, 4]})
    with pytest.raises(InputError, match="duplicate"):
        build(pd.concat([dup, dup.head(1)]), TREE)


def test_every_method_combination_runs_on_the_demo():
    values, fw = demo_values(), demo_framework()
    for normalise_method in ("minmax", "zscore", "rank", "ratio-to-mean", "vector", "none"):
        for aggregate_method in ("arithmetic", "geometric", "harmonic", "topsis"):
            r = build(values, fw, Choices(normalise=normalise_method, aggregate=aggregate_method))
            assert np.isfinite(r.scores[:, 0]).all(), (normalise_method, aggregate_method)
    for weights_method in ("equal", "entropy", "critic", "pca"):
        r = build(values, fw, Choices(weights=weights_method))
        w = r.weights_frame()
        assert w.groupby("parent")["weight"].sum().round(12).eq(1).all()


# -- properties ------------------------------------------------------------------------------------
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
column = st.lists(finite, min_size=3, max_size=12).filter(lambda v: np.ptp(v) > 1e-3)


@given(column, st.floats(0, 50), st.floats(51, 200))
@settings(max_examples=60, deadline=None)
def test_minmax_in_range(col, lo, hi):
    out = normalise(np.array(col)[:, None], "minmax", np.array([1.0]), minmax_range=(lo, hi))
    assert out.min() >= lo - 1e-9 and out.max() <= hi + 1e-9


@given(
    st.lists(st.floats(1, 1000, allow_nan=False), min_size=4, max_size=8).filter(lambda v: np.ptp(v) > 1e-2),
    st.floats(1e-3, 1e3),
    st.sampled_from(["minmax", "zscore", "rank", "ratio-to-mean", "vector"]),
)
@settings(max_examples=60, deadline=None)
def test_scores_invariant_to_indicator_units(a, scale, method):
    n = len(a)
    units = tuple(f"u{i}" for i in range(n))
    rng = np.random.default_rng(n)
    table = {"a": a, "b": rng.uniform(1, 9, n).tolist(), "c": rng.uniform(1, 9, n).tolist()}
    base = build(long(table, units), TREE, Choices(normalise=method)).scores
    scaled = build(
        long({**table, "a": [v * scale for v in a]}, units), TREE, Choices(normalise=method)
    ).scores
    np.testing.assert_allclose(base, scaled, rtol=1e-7, atol=1e-9)


@given(st.lists(finite, min_size=3, max_size=8), st.integers(0, 7), st.floats(0, 1e5))
@settings(max_examples=60, deadline=None)
def test_improving_on_a_positive_indicator_never_lowers_the_score(a, who, gain):
    n = len(a)
    who = who % n
    units = tuple(f"u{i}" for i in range(n))
    rng = np.random.default_rng(n)
    table = {"a": a, "b": rng.uniform(1, 9, n).tolist(), "c": rng.uniform(1, 9, n).tolist()}
    better = list(a)
    better[who] += gain
    before = build(long(table, units), TREE, Choices()).table("index").iloc[who, 0]
    after = build(long({**table, "a": better}, units), TREE, Choices()).table("index").iloc[who, 0]
    assert after >= before - 1e-9


@given(column, st.sampled_from(["minmax", "zscore", "rank", "ratio-to-mean", "vector", "none", "goalposts"]))
@settings(max_examples=60, deadline=None)
def test_reversing_direction_reverses_normalised_order(col, method):
    x = np.array(col)[:, None] + (2e6 if method in ("ratio-to-mean", "vector") else 0)
    posts = np.array([[x.min()], [x.max()]])
    up = normalise(x, method, np.array([1.0]), goalposts=posts)[:, 0]
    down = normalise(x, method, np.array([-1.0]), goalposts=posts)[:, 0]
    i, j = np.triu_indices(len(col), 1)
    strict = np.abs(x[i, 0] - x[j, 0]) > 1e-6 * max(1.0, np.abs(x).max())
    assert np.all(np.sign(up[i] - up[j])[strict] == -np.sign(down[i] - down[j])[strict])
