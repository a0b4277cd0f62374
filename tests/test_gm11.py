"""GM(1,1) against an independent implementation, a hand-derived geometric case and the grades."""

from __future__ import annotations

import math

import numpy as np
import pytest

from silkscope.errors import MethodError
from silkscope.talent.gm11 import gm11

# The standard worked example of GM(1,1) in Chinese grey-forecasting teaching,
# x(0) = (2.874, 3.278, 3.337, 3.390, 3.679), reproduced as the "textbook standard example"
# (教科书标准算例) in public course code, e.g. the exercise files of Si Shoukui's 数学建模算法与应用 /
# Python 数学实验与建模 (grey forecasting chapter). The book itself was not at hand, so its printed
# a and b are not asserted; the fit is checked against the independent implementation below and
# the rounded values of a hand calculation of the normal equations.
TEXTBOOK = [2.874, 3.278, 3.337, 3.390, 3.679]


def reference_gm11(x0: list[float], extra: int = 0) -> tuple[float, float, list[float]]:
    """Independent GM(1,1): a and b from the normal equations written with sums (no lstsq),
    x̂(0) from a loop over the whitened response."""
    n = len(x0)
    x1 = [sum(x0[: k + 1]) for k in range(n)]
    z = [0.5 * (x1[k] + x1[k - 1]) for k in range(1, n)]
    y = x0[1:]
    m = n - 1
    sz, sy, szz, szy = sum(z), sum(y), sum(v * v for v in z), sum(u * v for u, v in zip(z, y, strict=False))
    det = m * szz - sz * sz
    a = (sz * sy - m * szy) / det  # from [-z 1] design: minus the OLS slope of y on z
    b = (szz * sy - sz * szy) / det
    fitted = [x0[0]]
    for k in range(1, n + extra):
        fitted.append((x0[0] - b / a) * (math.exp(-a * k) - math.exp(-a * (k - 1))))
    return a, b, fitted


def test_textbook_series_matches_independent_implementation():
    fit = gm11(TEXTBOOK)
    a, b, fitted = reference_gm11(TEXTBOOK, extra=3)
    assert fit.a == pytest.approx(a, rel=1e-10)
    assert fit.b == pytest.approx(b, rel=1e-10)
    assert fit.fitted == pytest.approx(fitted[:5], rel=1e-10)
    assert fit.forecast(3) == pytest.approx(fitted[5:], rel=1e-10)
    # Rounded values a hand calculation of the normal equations gives.
    assert fit.a == pytest.approx(-0.03720, abs=5e-5)
    assert fit.b == pytest.approx(3.0654, abs=5e-4)


def test_textbook_posterior_variance_by_hand():
    fit = gm11(TEXTBOOK)
    _, _, fitted = reference_gm11(TEXTBOOK)
    e = np.array(TEXTBOOK) - np.array(fitted)
    s1 = math.sqrt(sum((v - sum(TEXTBOOK) / 5) ** 2 for v in TEXTBOOK) / 5)
    s2 = math.sqrt(sum((v - e.mean()) ** 2 for v in e) / 5)
    assert fit.c_ratio == pytest.approx(s2 / s1, rel=1e-10)
    assert fit.p_small == pytest.approx(np.mean(np.abs(e - e.mean()) < 0.6745 * s1))
    grade = next(
        (
            g
            for g, c, p in (("good", 0.35, 0.95), ("qualified", 0.5, 0.8), ("barely", 0.65, 0.7))
            if fit.c_ratio <= c and fit.p_small >= p
        ),
        "unqualified",
    )
    assert fit.grade == grade


@pytest.mark.parametrize("ratio", [1.05, 1.2, 0.9])
def test_geometric_series_satisfies_the_grey_equation_exactly(ratio):
    """For x(0)(k) = c r^(k-1) the grey equation x(0)(k) + a z(k) = b holds exactly with
    a = -2(r-1)/(r+1) and b = 2c/(r+1) (derived by hand from z(k)); the whitened response then
    grows by e^(-a) per step — GM(1,1)'s known bias for exponential series."""
    c = 7.0
    x0 = c * ratio ** np.arange(8)
    fit = gm11(x0)
    a = -2 * (ratio - 1) / (ratio + 1)
    assert fit.a == pytest.approx(a, rel=1e-9)
    assert fit.b == pytest.approx(2 * c / (ratio + 1), rel=1e-9)
    x1 = np.cumsum(x0)
    z = 0.5 * (x1[1:] + x1[:-1])
    assert x0[1:] + fit.a * z == pytest.approx(np.full(7, fit.b), rel=1e-9)
    growth = fit.fitted[2:] / fit.fitted[1:-1]
    assert growth == pytest.approx(np.full(6, math.exp(-a)), rel=1e-9)
    # The bias is second order in the growth rate: below 0.2 % per step for r = 1.05.
    if ratio == 1.05:
        assert abs(math.exp(-a) - ratio) / ratio < 2e-3


def test_grades_follow_deng_thresholds():
    noisy = gm11([10, 30, 12, 28, 11, 35])
    assert noisy.grade == "unqualified"
    smooth = gm11(5 * 1.03 ** np.arange(10))
    assert smooth.c_ratio < 0.35 and smooth.p_small == 1.0 and smooth.grade == "good"


@pytest.mark.parametrize("bad", [[1, 2, 3], [1, 2, 0, 4], [1, -2, 3, 4], [1, 2, float("nan"), 4]])
def test_bad_series_is_a_method_error(bad):
    with pytest.raises(MethodError):
        gm11(bad)
