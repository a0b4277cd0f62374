"""Uncertainty and sensitivity: zero perturbation = nominal, seeds and chunks reproducible,
replicates equal full rebuilds, Sobol indices agree with SALib."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample

from silkscope.errors import MethodError
from silkscope.index import Choices, build, demo_framework, demo_values
from silkscope.index.uncertainty import Engine, Vary, saltelli_design, sobol_indices


@pytest.fixture(scope="module")
def nominal():
    return build(demo_values().query("year >= 2017"), demo_framework(), Choices())


def test_zero_perturbation_equals_nominal(nominal):
    u = nominal.uncertainty(n=40, vary={}, seed=3)
    assert np.array_equal(u.ranks, np.broadcast_to(nominal.ranks[:, 0], u.ranks.shape))
    frame = u.to_frame()
    assert (frame.rank_p05 == frame.nominal_rank).all() and (frame.mean_abs_shift == 0).all()


def test_same_seed_same_result_and_chunks_do_not_matter(nominal):
    a = nominal.uncertainty(n=200, seed=9, chunk=13)
    b = nominal.uncertainty(n=200, seed=9, chunk=1000)
    c = nominal.uncertainty(n=200, seed=10)
    assert np.array_equal(a.ranks, b.ranks)
    assert not np.array_equal(a.ranks, c.ranks)


def test_replicates_equal_full_rebuilds(nominal):
    vary = {"normalise": ["zscore", "rank"], "aggregate": ["geometric"], "weight_noise": 0.3}
    u = nominal.uncertainty(n=12, vary=vary, seed=4)
    engine = Engine(nominal, Vary.parse(vary, nominal))
    for r in range(12):
        d = u.design[r]
        norm = engine.method("normalise", int(d[0] * 3))
        agg = engine.method("aggregate", int(d[1] * 2))
        w = engine.weights_from_u(engine.base_weights("none", norm, "framework"), d[None, 2:])[0]
        rebuilt = build(
            nominal.values,
            nominal.framework,
            Choices(normalise=norm, aggregate=agg),
            weights={n.id: w[k] for k, n in enumerate(nominal.framework.nodes) if n.parent},
        )
        np.testing.assert_array_equal(u.ranks[r], rebuilt.ranks[:, 0])


def test_contract_columns_and_bad_vary(nominal):
    frame = nominal.uncertainty(n=30, seed=1).to_frame()
    assert list(frame.columns[:7]) == [
        "unit_id",
        "year",
        "nominal_rank",
        "median_rank",
        "rank_p05",
        "rank_p95",
        "p_top10",
    ]
    assert ((frame.rank_p05 <= frame.median_rank) & (frame.median_rank <= frame.rank_p95)).all()
    assert frame.p_top10.between(0, 1).all()
    with pytest.raises(MethodError, match="cannot vary"):
        nominal.uncertainty(n=5, vary={"colour": ["red"]})
    with pytest.raises(MethodError, match="unknown normalise"):
        nominal.uncertainty(n=5, vary={"normalise": ["softmax"]})


def ishigami(x: np.ndarray) -> np.ndarray:
    x = -np.pi + 2 * np.pi * x
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_estimators_agree_with_salib_on_ishigami():
    n = 2048
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0, 1]] * 3}
    x = salib_sample.sample(problem, n, calc_second_order=False, seed=11)
    si = salib_analyze.analyze(problem, ishigami(x), calc_second_order=False, seed=11)
    a, b, mixes = saltelli_design(n, [0, 1, 2], seed=12)
    ours = sobol_indices(ishigami(a), ishigami(b), [ishigami(m) for m in mixes], seed=12)
    for key in ("S1", "ST"):
        tolerance = si[f"{key}_conf"] + ours[f"{key}_conf"]
        assert np.all(np.abs(ours[key] - si[key]) <= tolerance), key
    # and both near the analytic values (Saltelli et al. 2008)
    np.testing.assert_allclose(ours["S1"], [0.3139, 0.4424, 0.0], atol=0.05)
    np.testing.assert_allclose(ours["ST"], [0.5576, 0.4424, 0.2437], atol=0.05)


def test_index_sensitivity_agrees_with_salib_on_the_same_model(nominal):
    vary = {"normalise": ["zscore", "rank"], "aggregate": ["geometric"], "weight_noise": 0.5}
    spec = Vary.parse(vary, nominal)
    engine = Engine(nominal, spec)
    n_w = engine.n_nodes - 1
    problem = {
        "num_vars": 2 + n_w,
        "names": ["normalise", "aggregate", *[f"w{k}" for k in range(n_w)]],
        "bounds": [[0, 1]] * (2 + n_w),
        "groups": ["normalise", "aggregate", *["weights_perturbation"] * n_w],
    }
    cols = np.flatnonzero(nominal.years == 2018)
    nominal_rank = nominal.ranks[cols, 0]

    def shift(design):
        ranks = engine.ranks(engine.index_scores(design))[:, cols]
        return np.abs(ranks - nominal_rank).mean(axis=1)

    x = salib_sample.sample(problem, 512, calc_second_order=False, seed=5)
    si = salib_analyze.analyze(problem, shift(x), calc_second_order=False, seed=5)
    ours = nominal.sensitivity(n=512, vary=vary, seed=6).to_frame()
    ours = ours[ours.target == "mean_abs_rank_shift"].set_index("factor")
    for k, factor in enumerate(
        si["names"] if "names" in si else problem["names"][:2] + ["weights_perturbation"]
    ):
        for key in ("S1", "ST"):
            half = (ours.loc[factor, f"{key}_high"] - ours.loc[factor, f"{key}_low"]) / 2
            assert abs(ours.loc[factor, key] - si[key][k]) <= si[f"{key}_conf"][k] + half, (factor, key)
