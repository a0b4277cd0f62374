"""Smile curve: rates and shares, the quadratic fit and the Lind–Mehlum U test (hand-worked)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.cluster.chain import fit_quadratic, lind_mehlum, smile_curve
from silkscope.errors import InputError, MethodError

runner = CliRunner()
X = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
# The fourth difference (1, -4, 6, -4, 1) is orthogonal to 1, x and x² on x = -2..2, so
# y = x² + δ·(1, -4, 6, -4, 1) has OLS coefficients exactly (0, 0, 1) and RSS = 70 δ².
NOISE = 0.1 * np.array([1.0, -4.0, 6.0, -4.0, 1.0])


def hand_worked_t() -> tuple[float, float]:
    """By hand: σ² = 70 δ² / 2 = 0.35; (X'X)⁻¹ gives Var(c1) = σ²/10, Var(c2) = 5σ²/70,
    Cov(c1, c2) = 0; slope at ±2 is ±4 with variance σ²/10 + 16·σ²/14 = 0.435."""
    se = math.sqrt(0.35 / 10 + 16 * 0.35 / 14)
    t = 4 / se
    return t, float(stats.t.sf(t, 2))


def test_hand_worked_u():
    fit = fit_quadratic(X, X**2 + NOISE, "u", "y")
    assert fit.coef == pytest.approx((0.0, 0.0, 1.0), abs=1e-12)
    assert fit.curvature == pytest.approx(2.0)
    u = fit.utest
    t, p = hand_worked_t()
    assert u.shape == "u"
    assert (u.slope_low, u.slope_high) == pytest.approx((-4.0, 4.0))
    assert u.t == pytest.approx(t) and u.t == pytest.approx(6.0648, abs=1e-4)
    assert u.p == pytest.approx(p) and 0.01 < u.p < 0.02
    assert u.extremum == pytest.approx(0.0, abs=1e-12)


def test_hand_worked_inverted_u():
    fit = fit_quadratic(X, -(X**2) - NOISE, "inv", "y")
    u = fit.utest
    t, p = hand_worked_t()
    assert u.shape == "inverted_u" and fit.curvature == pytest.approx(-2.0)
    assert u.t == pytest.approx(t) and u.p == pytest.approx(p)


def test_monotone_curve_is_not_a_u():
    """y = x² on x = 1..5 (minimum outside the range): the slope at the lower bound is positive,
    so t < 0 and p > 0.5 — no U on this interval."""
    x = np.arange(1.0, 6.0)
    fit = fit_quadratic(x, x**2 + 0.05 * np.array([1, -4, 6, -4, 1]), "mono", "y")
    assert fit.utest.slope_low > 0 and fit.utest.t < 0 and fit.utest.p > 0.5


def test_covariance_matches_statsmodels():
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    x = np.repeat(np.arange(1.0, 6.0), 4)
    y = 2 - 1.5 * x + 0.3 * x**2 + rng.normal(0, 0.2, len(x))
    fit = fit_quadratic(x, y, "g", "y")
    ols = sm.OLS(y, np.column_stack([np.ones_like(x), x, x**2])).fit()
    assert fit.coef == pytest.approx(tuple(ols.params))
    assert fit.cov == pytest.approx(np.asarray(ols.cov_params()))
    grad = np.array([0, 1, 2 * 1.0])
    se_lo = math.sqrt(grad @ ols.cov_params() @ grad)
    t_lo = -(ols.params[1] + 2 * ols.params[2]) / se_lo
    grad = np.array([0, 1, 2 * 5.0])
    t_hi = (ols.params[1] + 10 * ols.params[2]) / math.sqrt(grad @ ols.cov_params() @ grad)
    assert fit.utest.t == pytest.approx(min(t_lo, t_hi))


def test_too_few_points():
    with pytest.raises(MethodError):
        lind_mehlum((0, 0, 1), np.eye(3), 0, 1, 0)
    fit = fit_quadratic(np.array([1.0, 2, 3]), np.array([3.0, 1, 4]), "three", "y")
    assert fit.utest is None and "exact fit" in fit.reason


def test_rates_shares_and_groups():
    frame = pd.DataFrame(
        {
            "region": ["A"] * 4 + ["B"] * 4,
            "stage": ["design", "making", "selling", "brand"] * 2,
            "order": [1, 2, 3, 4] * 2,
            "output": [10.0, 40, 20, 10, 8, 30, 20, 5],
            "value_added": [5.0, 8, 6, 6, 4, 6, 5, 3],
        }
    )
    result = smile_curve(frame)
    table = result.table
    assert list(table.columns) == ["region", "stage", "order", "value_added_rate", "value_added_share"]
    a = table[table["region"] == "A"]
    assert a["value_added_rate"].tolist() == pytest.approx([0.5, 0.2, 0.3, 0.6])
    assert a["value_added_share"].tolist() == pytest.approx([5 / 25, 8 / 25, 6 / 25, 6 / 25])
    assert result.target == "value_added_rate"
    assert [f.group for f in result.fits] == ["A", "B", "all"]
    assert all(f.coef[2] > 0 for f in result.fits)


def test_bad_input_names_row():
    frame = pd.DataFrame({"stage": ["a", "b"], "order": [1, "x"], "output": [1, 2], "value_added": [1, 1]})
    with pytest.raises(InputError, match="row 3, column 'order'"):
        smile_curve(frame)
    with pytest.raises(InputError, match="value_added"):
        smile_curve(frame.drop(columns="value_added"))


@pytest.mark.shared
def test_real_nbs_value_added_split(shared_data, tmp_path):
    """NBS culture and related industries, value added by activity 2015–2024 (manufacturing,
    wholesale and retail, services; no outputs published, so the curve is on shares). Ordered
    manufacturing → wholesale/retail → services, the shares are lowest in the middle in every year,
    and the pooled Lind–Mehlum test agrees with the test computed by hand from statsmodels."""
    import statsmodels.api as sm

    source = pd.read_csv(
        shared_data
        / "china_culture_industry_nbs_releases/cultural_industry_value_added_national_2015_2024.csv"
    )
    stages = [
        ("manufacturing", "manufacturing_va"),
        ("wholesale_retail", "wholesale_retail_va"),
        ("services", "services_va"),
    ]
    rows = [
        {"year": int(r.year), "stage": s, "order": i, "output": None, "value_added": float(getattr(r, c))}
        for r in source.itertuples()
        for i, (s, c) in enumerate(stages, 1)
    ]
    data = tmp_path / "stages.csv"
    pd.DataFrame(rows).to_csv(data, index=False)
    out = tmp_path / "smile.csv"
    result = runner.invoke(app, ["cluster", "smile", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["year", "stage", "order", "value_added_rate", "value_added_share"]
    y2023 = table[table["year"] == 2023].set_index("stage")["value_added_share"]
    assert y2023["services"] == pytest.approx(41158 / (12168 + 6138 + 41158))
    assert table.groupby("year")["value_added_share"].sum().to_numpy() == pytest.approx(np.ones(10))
    mid_lowest = table.pivot(index="year", columns="order", values="value_added_share")
    assert ((mid_lowest[2] < mid_lowest[1]) & (mid_lowest[2] < mid_lowest[3])).all()
    chart = tmp_path / "smile_chart.html"
    assert chart.exists() and "plotly" in chart.read_text(encoding="utf-8")[:200000].lower()

    x = table["order"].to_numpy(float)
    y = table["value_added_share"].to_numpy()
    ols = sm.OLS(y, np.column_stack([np.ones_like(x), x, x**2])).fit()
    from silkscope.cluster.chain import smile_curve as curve
    from silkscope.io.tables import read_table

    pooled = [f for f in curve(read_table(data)).fits if f.group == "all"][0]
    assert pooled.coef == pytest.approx(tuple(ols.params))
    assert pooled.utest.shape == "u" and pooled.utest.p < 0.001
    assert "U" in result.output
