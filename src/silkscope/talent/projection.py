"""Projections of one yearly series by GM(1,1) or exponential smoothing, with a hold-out backtest.

ETS is statsmodels' ``ETSModel`` (additive error and trend, Hyndman et al. 2008), whose prediction
intervals come from the state-space model. GM(1,1) has no sampling model; its band is
forecast × (1 ± z · r · √h), r the in-sample relative RMSE and h the step ahead — an approximate
band, said so in the output notes. The backtest refits on all but the last ``holdout`` values and
reports the MAPE (%) of the forecasts of those values, so the user sees which method fits.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from silkscope.errors import MethodError
from silkscope.talent.gm11 import MIN_POINTS, gm11

METHODS = ("gm11", "ets")
ETS_MIN_POINTS = 5
MAX_HOLDOUT = 3


@dataclass(frozen=True)
class Projection:
    """Forecasts ``mean`` with interval ``low``/``high`` for the ``horizon`` steps after the data."""

    method: str
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    C: float = float("nan")
    P: float = float("nan")
    grade: str = ""
    a: float = float("nan")
    b: float = float("nan")


def min_points(method: str) -> int:
    """Fewest values a method is fitted on."""
    return MIN_POINTS if method == "gm11" else ETS_MIN_POINTS


def project(values: np.ndarray, method: str, horizon: int, level: float = 0.95) -> Projection:
    """Forecast the ``horizon`` values after ``values`` with ``method`` (gm11 or ets)."""
    values = np.asarray(values, dtype=float)
    if method == "gm11":
        fit = gm11(values)
        mean = fit.forecast(horizon)
        z = float(norm.ppf(0.5 + level / 2))
        width = z * fit.relative_rmse * np.sqrt(np.arange(1, horizon + 1))
        return Projection(
            "gm11",
            mean,
            mean * (1 - width),
            mean * (1 + width),
            fit.c_ratio,
            fit.p_small,
            fit.grade,
            fit.a,
            fit.b,
        )
    if method == "ets":
        mean, low, high = ets_forecast(values, horizon, level)
        return Projection("ets", mean, low, high)
    raise MethodError(f"unknown projection method '{method}'; expected one of {', '.join(METHODS)}")


def ets_forecast(values: np.ndarray, horizon: int, level: float = 0.95) -> tuple[np.ndarray, ...]:
    """Mean and prediction interval from statsmodels ETSModel(error='add', trend='add')."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    if len(values) < ETS_MIN_POINTS or not np.all(np.isfinite(values)):
        raise MethodError(f"ETS needs at least {ETS_MIN_POINTS} values without gaps; got {len(values)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        series = pd.Series(np.asarray(values, dtype=float))
        fit = ETSModel(series, error="add", trend="add").fit(disp=False)
        frame = fit.get_prediction(start=len(values), end=len(values) + horizon - 1).summary_frame(
            alpha=1 - level
        )
    return (
        frame["mean"].to_numpy(),
        frame["pi_lower"].to_numpy(),
        frame["pi_upper"].to_numpy(),
    )


def holdout_size(n: int) -> int:
    """Values held out for the backtest: up to 3, leaving enough for both methods to fit."""
    return max(0, min(MAX_HOLDOUT, n - ETS_MIN_POINTS))


def backtest_mape(values: np.ndarray, method: str, holdout: int) -> float:
    """MAPE (%) of ``method`` forecasting the last ``holdout`` values from the ones before."""
    values = np.asarray(values, dtype=float)
    if holdout < 1:
        return float("nan")
    train, test = values[:-holdout], values[-holdout:]
    forecast = project(train, method, holdout).mean
    return float(np.mean(np.abs((test - forecast) / test)) * 100)
