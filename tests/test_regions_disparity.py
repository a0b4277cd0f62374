"""Dagum Gini and Theil decompositions (issue 17): identities, a hand-worked case, ``inequality``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkscope.regions.dagum import dagum
from silkscope.regions.disparity import COMPONENTS, disparity
from silkscope.regions.theil import dispersion, theil_decomposition


def naive_gini(y: np.ndarray) -> float:
    """G = Σ_i Σ_r |y_i - y_r| / (2 n² μ), by brute force over all ordered pairs."""
    return float(np.abs(y[:, None] - y[None, :]).sum() / (2 * len(y) ** 2 * y.mean()))


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(0.01, 1000, allow_nan=False), min_size=4, max_size=40),
    k=st.integers(2, 4),
    seed=st.integers(0, 10_000),
)
def test_dagum_identity_on_random_data(values, k, seed):
    y = np.array(values)
    labels = np.random.default_rng(seed).integers(0, k, len(y))
    labels[:k] = np.arange(k)  # every group present
    r = dagum(y, labels)
    assert r.gini == pytest.approx(naive_gini(y), rel=1e-9, abs=1e-12)
    assert r.within + r.between_net + r.transvariation == pytest.approx(r.gini, rel=1e-9, abs=1e-12)
    assert r.between_net >= -1e-12 and r.transvariation >= -1e-12
    for g, (g_jj, _) in r.groups.items():
        assert g_jj == pytest.approx(naive_gini(y[labels.astype(str) == g]), rel=1e-9, abs=1e-12)


def test_dagum_two_groups_by_hand():
    # A = {1, 4}, B = {3, 6}: n = 4, μ = 3.5, μ_A = 2.5, μ_B = 4.5.
    # G: unordered |differences| 2+3+5+1+3+2 = 16, ordered 32; G = 32 / (2·16·3.5) = 2/7.
    # G_AA = 2·3 / (2·2²·2.5) = 0.3;  G_BB = 2·3 / (2·2²·4.5) = 1/6.
    # p_A = p_B = 1/2, s_A = 5/14, s_B = 9/14: Gw = 0.3·½·5/14 + (1/6)·½·9/14 = 3/28.
    # G_AB = (|1-3|+|1-6|+|4-3|+|4-6|) / (2·2·(2.5+4.5)) = 10/28 = 5/14.
    # B richer: d = Σ(y_B - y_A)⁺ = 2+5+0+2 = 9, p = Σ(y_A - y_B)⁺ = 1, D_BA = (9-1)/(9+1) = 0.8.
    # weight p_A s_B + p_B s_A = ½ (9/14 + 5/14) = ½: Gnb = 5/14·½·0.8 = 1/7, Gt = 5/14·½·0.2 = 1/28.
    # Check: 3/28 + 4/28 + 1/28 = 8/28 = 2/7 = G.
    r = dagum(np.array([1.0, 4.0, 3.0, 6.0]), np.array(["A", "A", "B", "B"]))
    assert r.gini == pytest.approx(2 / 7)
    assert r.within == pytest.approx(3 / 28)
    assert r.between_net == pytest.approx(1 / 7)
    assert r.transvariation == pytest.approx(1 / 28)
    assert r.groups["A"][0] == pytest.approx(0.3)
    assert r.groups["B"][0] == pytest.approx(1 / 6)
    (a, b, g_ab, d_ab, part) = r.pairs[0]
    assert (a, b) == ("A", "B")
    assert g_ab == pytest.approx(5 / 14) and d_ab == pytest.approx(0.8) and part == pytest.approx(5 / 28)


def test_theil_against_inequality_theild():
    from inequality.theil import Theil, TheilD

    rng = np.random.default_rng(7)
    y = rng.lognormal(3, 0.8, 60)
    labels = rng.integers(0, 3, 60)
    ours = theil_decomposition(y, labels)
    ref = TheilD(y, labels)
    assert ours["theil_t"] == pytest.approx(float(np.ravel(Theil(y).T)[0]), rel=1e-10)
    assert ours["theil_t"] == pytest.approx(float(np.ravel(ref.T)[0]), rel=1e-10)
    assert ours["theil_t_between"] == pytest.approx(float(np.ravel(ref.bg)[0]), rel=1e-10)
    assert ours["theil_t_within"] == pytest.approx(float(np.ravel(ref.wg)[0]), rel=1e-10)
    # L (mean log deviation) decomposes exactly too: L = Σ p_g L_g + Σ p_g ln(μ/μ_g).
    assert ours["theil_l_within"] + ours["theil_l_between"] == pytest.approx(ours["theil_l"], rel=1e-10)


def test_theil_l_cv_sdlog_by_hand():
    # y = (1, 2, 4, 5): μ = 3. L = ¼ Σ ln(3/y) = ¼ ln(81/40).
    # CV: population sd = √((4+1+1+4)/4) = √2.5, CV = √2.5/3. sd_log = population sd of ln y.
    y = np.array([1.0, 2.0, 4.0, 5.0])
    parts = theil_decomposition(y, np.array(["a", "a", "b", "b"]))
    assert parts["theil_l"] == pytest.approx(np.log(81 / 40) / 4)
    # groups a = {1,2} (μ 1.5), b = {4,5} (μ 4.5): L_between = ½ ln(3/1.5) + ½ ln(3/4.5).
    assert parts["theil_l_between"] == pytest.approx(0.5 * np.log(2) + 0.5 * np.log(2 / 3))
    d = dispersion(y)
    assert d["cv"] == pytest.approx(np.sqrt(2.5) / 3)
    logs = np.log(y)
    assert d["sd_log"] == pytest.approx(np.sqrt(np.mean((logs - logs.mean()) ** 2)))


def test_disparity_table_contract_and_refusals():
    from silkscope.errors import InputError

    frame = pd.DataFrame({"unit_id": list("abcd") * 2, "year": [2020] * 4 + [2021] * 4,
                          "score": [1.0, 4.0, 3.0, 6.0, 2.0, 2.0, 5.0, 5.0]})  # fmt: skip
    groups = {"a": "A", "b": "A", "c": "B", "d": "B"}
    table = disparity(frame, "score", groups)
    assert list(table.columns[:6]) == ["year", "component", "group", "group_b", "value", "share"]
    assert set(table["component"]) == set(COMPONENTS)
    y20 = table[table["year"] == 2020].set_index(["component", "group"])
    assert y20.loc[("gini", ""), "value"] == pytest.approx(2 / 7)
    shares = y20.loc[[("gini_within", ""), ("gini_between_net", ""), ("gini_transvariation", "")], "share"]
    assert shares.sum() == pytest.approx(1.0)
    # group contributions add up to the within share, pair contributions to net + transvariation
    assert y20.xs("gini_group", level=0)["share"].sum() == pytest.approx(
        y20.loc[("gini_within", ""), "share"]
    )
    frame.loc[0, "score"] = -1.0
    with pytest.raises(InputError, match="negative"):
        disparity(frame, "score", groups)
