"""Each normalisation, weighting and aggregation method against a hand-worked example and, where a
peer library exists (pymcdm, scikit-learn), against the peer run side by side."""

from __future__ import annotations

import numpy as np
import pytest
from pymcdm import methods as pm_methods
from pymcdm import normalizations as pm_norm
from pymcdm import weights as pm_weights
from sklearn.decomposition import PCA

from silkscope.errors import MethodError
from silkscope.index.aggregate import aggregate
from silkscope.index.normalise import normalise
from silkscope.index.prepare import impute, skew_kurtosis, treat
from silkscope.index.weights import ahp_weights, critic_weights, entropy_weights, pca_weights

# three units x two indicators; the second indicator is a cost (direction -1)
X = np.array([[2.0, 10.0], [4.0, 30.0], [8.0, 20.0]])
D = np.array([1.0, -1.0])
RNG = np.random.default_rng(7)
M = RNG.uniform(1, 10, size=(12, 4))


# -- normalisation: hand-worked ------------------------------------------------------------------
def test_minmax_by_hand():
    out = normalise(X, "minmax", D, minmax_range=(0, 100))
    # col 1: (x-2)/6 -> 0, 33.33, 100; col 2 reversed: (30-x)/20 -> 100, 0, 50
    np.testing.assert_allclose(out, [[0, 100], [100 / 3, 0], [100, 50]])


def test_minmax_efficacy_range():
    out = normalise(X, "minmax", D, minmax_range=(60, 100))
    np.testing.assert_allclose(out[:, 0], [60, 60 + 40 / 3, 100])


def test_zscore_by_hand():
    out = normalise(X, "zscore", D)
    mean, sd = 14 / 3, np.sqrt(((2 - 14 / 3) ** 2 + (4 - 14 / 3) ** 2 + (8 - 14 / 3) ** 2) / 2)
    np.testing.assert_allclose(out[:, 0], (X[:, 0] - mean) / sd)
    np.testing.assert_allclose(out[:, 1], [1.0, -1.0, 0.0])  # (20 - x) / 10


def test_rank_by_hand():
    out = normalise(X, "rank", D)
    np.testing.assert_allclose(out, [[1, 3], [2, 1], [3, 2]])


def test_goalposts_by_hand():
    posts = np.array([[0.0, 0.0], [10.0, 40.0]])  # low row, high row
    out = normalise(X, "goalposts", D, goalposts=posts, minmax_range=(0, 1))
    np.testing.assert_allclose(out, [[0.2, 0.75], [0.4, 0.25], [0.8, 0.5]])
    with pytest.raises(MethodError, match="goalposts"):
        normalise(X, "goalposts", D)


def test_ratio_to_mean_and_vector_by_hand():
    r = normalise(X, "ratio-to-mean", np.array([1.0, 1.0]))
    np.testing.assert_allclose(r[:, 0], 100 * X[:, 0] / (14 / 3))
    v = normalise(X, "vector", np.array([1.0, 1.0]))
    np.testing.assert_allclose(v[:, 0], X[:, 0] / np.sqrt(4 + 16 + 64))


def test_reflection_keeps_range_and_reverses_order():
    v = normalise(X, "vector", D)
    raw = X[:, 1] / np.sqrt(100 + 900 + 400)
    np.testing.assert_allclose(sorted(v[:, 1]), sorted(raw))
    assert np.argsort(v[:, 1]).tolist() == np.argsort(-raw).tolist()


def test_by_year_scope_normalises_each_year_alone():
    x = np.array([[1.0], [3.0], [10.0], [30.0]])
    out = normalise(x, "minmax", np.array([1.0]), scope=np.array([1, 1, 2, 2]))
    np.testing.assert_allclose(out[:, 0], [0, 100, 0, 100])


def test_normalise_with_replicate_axis():
    stack = np.stack([X, 2 * X, X + 5])
    out = normalise(stack, "minmax", D)
    for r in range(3):
        np.testing.assert_allclose(out[r], normalise(stack[r], "minmax", D))


def test_minmax_matches_pymcdm():
    types = np.array([1, 1, -1, 1])
    d = types.astype(float)
    ours = normalise(M, "minmax", d, minmax_range=(0, 1))
    for j in range(M.shape[1]):
        np.testing.assert_allclose(ours[:, j], pm_norm.minmax_normalization(M[:, j], cost=types[j] < 0))


def test_vector_matches_pymcdm_for_benefit_columns():
    ours = normalise(M, "vector", np.ones(4))
    for j in range(4):
        np.testing.assert_allclose(ours[:, j], pm_norm.vector_normalization(M[:, j], cost=False))


# -- weights ---------------------------------------------------------------------------------------
def test_entropy_by_hand():
    x = np.array([[1.0, 2.0], [1.0, 1.0], [1.0, 1.0]])
    w = entropy_weights(x)
    # col 1 uniform -> e = 1 -> d = 0; so all weight on col 2
    np.testing.assert_allclose(w, [0.0, 1.0], atol=1e-12)
    p = np.array([0.5, 0.25, 0.25])
    e2 = -(p * np.log(p)).sum() / np.log(3)
    x2 = np.array([[2.0, 2.0], [1.0, 1.0], [1.0, 2.0]])
    q = np.array([0.4, 0.2, 0.4])
    e_q = -(q * np.log(q)).sum() / np.log(3)
    np.testing.assert_allclose(entropy_weights(x2), np.array([1 - e2, 1 - e_q]) / (2 - e2 - e_q))


def test_entropy_matches_pymcdm():
    np.testing.assert_allclose(entropy_weights(M), pm_weights.entropy_weights(M), rtol=1e-12)


def test_entropy_refuses_negative_values():
    with pytest.raises(MethodError, match="non-negative"):
        entropy_weights(np.array([[-1.0, 1], [2, 2], [3, 1]]))


def test_critic_matches_pymcdm_on_minmax_data():
    scaled = normalise(M, "minmax", np.ones(4), minmax_range=(0, 100))
    np.testing.assert_allclose(critic_weights(scaled), pm_weights.critic_weights(M), rtol=1e-10)


def test_critic_by_hand():
    x = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 1.0]])
    # sd = (1, 1); r = 0.5 -> c = 1 * (0 + 0.5) each -> equal weights
    np.testing.assert_allclose(critic_weights(x), [0.5, 0.5])


def test_pca_weights_match_sklearn():
    z = (M - M.mean(0)) / M.std(0, ddof=1)
    first = PCA(n_components=1).fit(z).components_[0]
    np.testing.assert_allclose(pca_weights(M), first**2, rtol=1e-8)
    assert pca_weights(M).sum() == pytest.approx(1.0)


def test_ahp_saaty_example_and_consistency_ratio():
    # a perfectly consistent matrix built from weights (4, 2, 1): CR = 0, weights recovered
    w = np.array([4.0, 2.0, 1.0])
    a = w[:, None] / w[None, :]
    got, cr = ahp_weights(a)
    np.testing.assert_allclose(got, w / w.sum())
    assert cr == pytest.approx(0.0, abs=1e-10)
    # an inconsistent one: A>B (9), B>C (9), but C>A (9)
    bad = np.array([[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]])
    with pytest.raises(MethodError, match="consistency ratio"):
        ahp_weights(bad)
    _, cr_bad = ahp_weights(bad, force=True)
    lam = np.max(np.linalg.eigvals(bad).real)
    assert cr_bad == pytest.approx(((lam - 3) / 2) / 0.58)


# -- aggregation -----------------------------------------------------------------------------------
def test_aggregations_by_hand():
    x = np.array([[1.0, 4.0], [2.0, 8.0]])
    w = np.array([0.25, 0.75])
    np.testing.assert_allclose(aggregate(x, w, "arithmetic"), [3.25, 6.5])
    np.testing.assert_allclose(aggregate(x, w, "geometric"), [4**0.75, 2**0.25 * 8**0.75])
    np.testing.assert_allclose(aggregate(x, w, "harmonic"), [1 / (0.25 + 0.75 / 4), 1 / (0.125 + 0.75 / 8)])


def test_missing_children_reweight():
    x = np.array([[np.nan, 4.0], [np.nan, np.nan]])
    out = aggregate(x, np.array([0.5, 0.5]), "arithmetic")
    assert out[0] == 4.0 and np.isnan(out[1])


def test_topsis_matches_pymcdm():
    types = np.array([1, -1, 1, 1])
    w = np.array([0.1, 0.4, 0.3, 0.2])
    expected = pm_methods.TOPSIS(pm_norm.vector_normalization)(M, w, types)
    leaf = normalise(M, "vector", types.astype(float))
    ours = aggregate(leaf, w, "topsis") / 100
    np.testing.assert_allclose(ours, expected, rtol=1e-10)


def test_topsis_by_hand():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0]])
    out = aggregate(x, np.array([0.5, 0.5]), "topsis")
    # third unit: D+ = 0.5, D- = 0.5 -> 50
    np.testing.assert_allclose(out, [0, 100, 50])


def test_aggregate_with_replicate_axis():
    x = RNG.uniform(1, 5, size=(3, 6, 4))
    w = RNG.dirichlet(np.ones(4), size=3)
    for method in ("arithmetic", "geometric", "harmonic", "topsis"):
        out = aggregate(x, w, method)
        for r in range(3):
            np.testing.assert_allclose(out[r], aggregate(x[r], w[r], method))


# -- imputation and treatment ----------------------------------------------------------------------
def test_impute_methods_by_hand():
    x = np.array([[1.0], [np.nan], [5.0], [np.nan]])
    years = np.array([2014, 2014, 2014, 2015])
    units = np.array(["a", "b", "c", "a"])
    np.testing.assert_allclose(impute(x, "mean", years, units)[:, 0], [1, 3, 5, np.nan])
    np.testing.assert_allclose(impute(x, "previous-year", years, units)[:, 0], [1, np.nan, 5, 1])
    groups = np.array(["g1", "g1", "g2", "g1"])
    np.testing.assert_allclose(impute(x, "group-mean", years, units, groups)[:, 0], [1, 1, 5, np.nan])


def test_winsorise_follows_coinr_rule():
    col = np.r_[np.arange(1.0, 40.0), 500.0]
    sk, ku = skew_kurtosis(col)
    assert sk > 2 and ku > 3.5
    out = treat(col[:, None], "winsorise", ("x",))[:, 0]
    assert out.max() == 39.0  # the outlier is pulled in to the next value
    sk2, _ = skew_kurtosis(out)
    assert abs(sk2) <= 2
    logged = treat(col[:, None], "log", ("x",))[:, 0]
    np.testing.assert_allclose(logged, np.log(col))
