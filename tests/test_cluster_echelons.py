"""Echelons: Fisher-Jenks optimum by brute force, GVF against mapclassify, k-means order, CLI."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.cluster.echelons import classify, echelons, goodness_of_variance_fit
from silkscope.errors import InputError, MethodError


def _brute_force_jenks(values: np.ndarray, k: int) -> float:
    """The least within-class sum of squares over every split of the sorted values into k runs."""
    x = np.sort(values)
    best = np.inf
    for cuts in itertools.combinations(range(1, len(x)), k - 1):
        parts = np.split(x, cuts)
        best = min(best, sum(((p - p.mean()) ** 2).sum() for p in parts))
    return best


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=6, max_size=11, unique=True), st.integers(2, 4))
def test_jenks_reaches_the_brute_force_optimum(ints, k):
    values = np.array(ints, dtype=float)
    classes = classify(values, "jenks", k)
    within = sum(((values[classes == c] - values[classes == c].mean()) ** 2).sum() for c in range(1, k + 1))
    assert within == pytest.approx(_brute_force_jenks(values, k), rel=1e-9, abs=1e-9)
    # echelon 1 holds the highest values: classes are ordered runs
    order = np.argsort(-values)
    assert (np.diff(classes[order]) >= 0).all()


def test_gvf_matches_mapclassify_and_hand_example():
    import mapclassify

    values = np.array([1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 30.0])
    classes = classify(values, "jenks", 3)
    assert list(classes) == [3, 3, 3, 2, 2, 2, 1]
    # hand: mean 9.857; SDAM = sum((x - mean)^2); SDCM = 2 + 2 + 0
    sdam = ((values - values.mean()) ** 2).sum()
    assert goodness_of_variance_fit(values, classes) == pytest.approx(1 - 4 / sdam)
    # mapclassify's tss is the within-class sum of squares (SDCM)
    assert goodness_of_variance_fit(values, classes) == pytest.approx(
        1 - mapclassify.FisherJenks(values, k=3).tss / sdam
    )
    quant = classify(values, "quantile", 2)
    assert goodness_of_variance_fit(values, quant) == pytest.approx(
        1 - mapclassify.Quantiles(values, k=2).tss / sdam
    )


def test_kmeans_echelons_are_ordered_by_centre():
    rng = np.random.default_rng(1)
    values = np.r_[rng.normal(10, 0.5, 8), rng.normal(50, 0.5, 8), rng.normal(90, 0.5, 8)]
    classes = classify(values, "kmeans", 3, seed=4)
    assert list(classes) == [3] * 8 + [2] * 8 + [1] * 8


def test_per_year_pooled_and_cli(tmp_path: Path):
    frame = pd.DataFrame(
        {
            "unit_id": [f"u{i}" for i in range(6)] * 2,
            "year": [2020] * 6 + [2021] * 6,
            "score": [1, 2, 10, 11, 20, 21, 5, 6, 7, 30, 31, 32],
        }
    )
    result = echelons(frame, "score", "jenks", 3)
    y2020 = result.table[result.table.year == 2020].set_index("unit_id").echelon
    assert y2020.to_dict() == {"u4": 1, "u5": 1, "u2": 2, "u3": 2, "u0": 3, "u1": 3}
    assert result.gvf[2020] == pytest.approx(
        goodness_of_variance_fit(frame.score[:6].to_numpy(), y2020.sort_index())
    )
    assert "2020: high 2 (20–21); medium 2 (10–11); low 2 (1–2)" in result.summary()
    pooled = echelons(frame, "score", "jenks", 3, pooled=True)
    assert pooled.gvf[2020] == pooled.gvf[2021]
    data, out = tmp_path / "s.csv", tmp_path / "e.csv"
    frame.to_csv(data, index=False)
    args = [
        "cluster",
        "echelons",
        "--data",
        str(data),
        "--variable",
        "score",
        "--method",
        "kmeans",
        "--k",
        "2",
    ]
    run = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert run.exit_code == 0, run.output
    table = pd.read_csv(out)
    assert list(table.columns[:4]) == ["unit_id", "year", "value", "echelon"]
    assert table.groupby("year").echelon.apply(set).tolist() == [{1, 2}, {1, 2}]
    top = table[table.echelon == 1].groupby("year").value.min()
    bottom = table[table.echelon == 2].groupby("year").value.max()
    assert (top > bottom).all()


def test_bad_input():
    frame = pd.DataFrame({"unit_id": list("abcd"), "score": [1, 1, 2, 2]})
    with pytest.raises(InputError, match="only 2 distinct values; cannot form 3 echelons"):
        echelons(frame, "score", "jenks", 3)
    with pytest.raises(MethodError, match="unknown method 'natural'"):
        echelons(frame, "score", "natural", 2)
    with pytest.raises(MethodError, match="k must be at least 2"):
        echelons(frame, "score", "jenks", 1)
    with pytest.raises(InputError, match="no column 'gdp'"):
        echelons(frame, "gdp")
    ties = pd.DataFrame({"unit_id": list("abcdef"), "score": [1, 1, 1, 1, 2, 3]})
    with pytest.raises(InputError, match="quantile gives only 2 non-empty classes of 3"):
        echelons(ties, "score", "quantile", 3)
    twice = pd.DataFrame({"unit_id": ["a", "a", "b", "c"], "year": 2020, "score": [1, 2, 3, 4]})
    with pytest.raises(InputError, match="unit a appears more than once in 2020"):
        echelons(twice, "score", "jenks", 2)
