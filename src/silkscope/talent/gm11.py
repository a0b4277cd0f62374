"""Grey model GM(1,1) (Deng 1982): fit, forecast and the posterior-variance test.

x(1) is the accumulated series (1-AGO) of x(0); z(1)(k) = (x(1)(k) + x(1)(k-1)) / 2 the
background values; a (development coefficient) and b (grey input) are the least-squares solution
of x(0)(k) + a z(1)(k) = b, k = 2..n. The whitened response
x̂(1)(k+1) = (x(0)(1) - b/a) e^(-ak) + b/a, differenced, gives x̂(0). Accuracy follows Deng's
posterior-variance test: C = S2/S1 (std of the residuals over the std of the data) and
P = share of |e(k) - ē| < 0.6745 S1, graded good (C ≤ 0.35, P ≥ 0.95), qualified (0.5, 0.80),
barely qualified (0.65, 0.70), else unqualified (Liu Sifeng et al., Grey Systems: Theory and
Applications, ch. on GM(1,1) accuracy). Residuals run over k = 1..n (e(1) = 0 by construction).

The model is biased for an exact geometric series x(0)(k) = c r^(k-1): the grey equation holds
exactly with a = -2(r-1)/(r+1), but the fitted ratio is e^(-a), not r (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from silkscope.errors import MethodError

#: (grade, C at most, P at least), best first.
GRADES: tuple[tuple[str, float, float], ...] = (
    ("good", 0.35, 0.95),
    ("qualified", 0.50, 0.80),
    ("barely", 0.65, 0.70),
)
MIN_POINTS = 4


@dataclass(frozen=True)
class GreyFit:
    """A fitted GM(1,1): parameters, in-sample fit and the posterior-variance test."""

    a: float
    b: float
    x0: np.ndarray
    fitted: np.ndarray
    c_ratio: float
    p_small: float

    @property
    def grade(self) -> str:
        """Deng's accuracy grade from C and P: good, qualified, barely or unqualified."""
        for name, c_max, p_min in GRADES:
            if self.c_ratio <= c_max and self.p_small >= p_min:
                return name
        return "unqualified"

    def response(self, steps: np.ndarray) -> np.ndarray:
        """x̂(0) at 0-based positions ``steps`` (0 = the first observation)."""
        k = np.asarray(steps, dtype=float)
        start = self.x0[0] - self.b / self.a
        x1 = start * np.exp(-self.a * k) + self.b / self.a
        x1_prev = start * np.exp(-self.a * (k - 1)) + self.b / self.a
        return np.where(k == 0, self.x0[0], x1 - x1_prev)

    def forecast(self, horizon: int) -> np.ndarray:
        """The next ``horizon`` values after the last observation."""
        n = len(self.x0)
        return self.response(np.arange(n, n + horizon))

    @property
    def relative_rmse(self) -> float:
        """Root mean square of the relative residuals (k = 2..n), the width of the intervals."""
        rel = (self.x0[1:] - self.fitted[1:]) / self.x0[1:]
        return float(np.sqrt(np.mean(rel**2)))


def gm11(values: np.ndarray | list[float]) -> GreyFit:
    """Fit GM(1,1) to a positive series of at least four values (equally spaced years)."""
    x0 = np.asarray(values, dtype=float)
    if x0.ndim != 1 or len(x0) < MIN_POINTS:
        raise MethodError(f"GM(1,1) needs at least {MIN_POINTS} values in a row; got {x0.size}")
    if not np.all(np.isfinite(x0)) or np.any(x0 <= 0):
        raise MethodError("GM(1,1) needs positive values (no zeros, negatives or gaps)")
    x1 = np.cumsum(x0)
    z1 = 0.5 * (x1[1:] + x1[:-1])
    design = np.column_stack([-z1, np.ones_like(z1)])
    (a, b), *_ = np.linalg.lstsq(design, x0[1:], rcond=None)
    if abs(a) < 1e-12:
        raise MethodError("GM(1,1) development coefficient is 0 (a constant accumulated slope)")
    partial = GreyFit(float(a), float(b), x0, x0, 0.0, 1.0)
    fitted = partial.response(np.arange(len(x0)))
    residuals = x0 - fitted
    s1 = float(np.std(x0))
    s2 = float(np.std(residuals))
    if s1 == 0:
        c_ratio, p_small = 0.0, 1.0
    else:
        c_ratio = s2 / s1
        p_small = float(np.mean(np.abs(residuals - residuals.mean()) < 0.6745 * s1))
    return GreyFit(float(a), float(b), x0, fitted, c_ratio, p_small)
