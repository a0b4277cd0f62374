"""Normalisation: bring indicators to a common scale with higher = better.

Arrays are ``(..., observations, indicators)``; any leading axes (the replicate axis of an
uncertainty analysis) are carried through. Reductions run over the observation axis, within each
block of ``scope`` (one block for pooled normalisation, one per year for ``by-year``), ignoring
missing values. Formulas follow the OECD/JRC Handbook on Constructing Composite Indicators (2008),
section 5, unless noted.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from silkscope.errors import MethodError

Array = np.ndarray


def normalise(
    x: Array,
    method: str,
    directions: Array,
    *,
    scope: Array | None = None,
    minmax_range: tuple[float, float] = (0.0, 100.0),
    goalposts: Array | None = None,
) -> Array:
    """Normalise columns of ``x`` with ``method``; ``directions`` (+1/-1 per column) orient them.

    ``goalposts`` is a ``(2, indicators)`` array of (low, high) for the goalposts method.
    """
    x = np.asarray(x, dtype=float)
    d = np.asarray(directions, dtype=float)
    if method == "goalposts":
        if goalposts is None or np.isnan(goalposts).any():
            raise MethodError("goalposts normalisation needs goalposts: [low, high] on every indicator")
        return _goalposts(x, d, goalposts, minmax_range)
    try:
        func = _METHODS[method]
    except KeyError:
        raise MethodError(
            f"unknown normalise method '{method}'; expected one of {'|'.join(METHODS)}"
        ) from None
    if scope is None:
        return func(x, d, minmax_range)
    out = np.empty_like(x)
    for key in np.unique(scope):
        rows = scope == key
        out[..., rows, :] = func(x[..., rows, :], d, minmax_range)
    return out


def _minmax(x: Array, d: Array, rng: tuple[float, float]) -> Array:
    """(x - min) / (max - min) scaled to ``rng``; reversed for direction -1; constant -> midpoint."""
    lo, hi = rng
    xmin, xmax = _nan(np.nanmin, x), _nan(np.nanmax, x)
    span = xmax - xmin
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = np.where(d > 0, (x - xmin) / span, (xmax - x) / span)
    unit = np.where(span == 0, np.where(np.isnan(x), np.nan, 0.5), unit)
    return lo + unit * (hi - lo)


def _zscore(x: Array, d: Array, rng: tuple[float, float]) -> Array:
    """(x - mean) / sd with the sample sd (ddof=1); constant -> 0."""
    mean = _nan(np.nanmean, x)
    sd = _nan(np.nanstd, x, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x - mean) / sd
    z = np.where(sd == 0, np.where(np.isnan(x), np.nan, 0.0), z)
    return z * d


def _rank(x: Array, d: Array, rng: tuple[float, float]) -> Array:
    """Rank of each observation (1 = lowest after orientation; ties get the average rank)."""
    from scipy.stats import rankdata

    oriented = x * d
    return rankdata(oriented, axis=-2, method="average", nan_policy="omit")


def _ratio_to_mean(x: Array, d: Array, rng: tuple[float, float]) -> Array:
    """100 x / mean(x); direction -1 reflects within the observed range (keeps the scale)."""
    mean = _nan(np.nanmean, x)
    if np.any(mean == 0):
        raise MethodError("ratio-to-mean normalisation is undefined for an indicator whose mean is 0")
    return _reflect(100.0 * x / mean, d)


def _vector(x: Array, d: Array, rng: tuple[float, float]) -> Array:
    """x / sqrt(sum x^2) as TOPSIS uses (Hwang & Yoon 1981); direction -1 reflects within range."""
    norm = np.sqrt(_nan(np.nansum, x * x))
    if np.any(norm == 0):
        raise MethodError("vector normalisation is undefined for an indicator that is 0 everywhere")
    return _reflect(x / norm, d)


def _none(x: Array, d: Array, rng: tuple[float, float]) -> Array:
    """Raw values; direction -1 reflects within the observed range so higher stays better."""
    return _reflect(x.copy(), d)


def _goalposts(x: Array, d: Array, posts: Array, rng: tuple[float, float]) -> Array:
    """Distance to target: (x - low) / (high - low) clipped to [0, 1], scaled to ``rng``."""
    low, high = posts[0], posts[1]
    unit = np.clip((x - low) / (high - low), 0.0, 1.0)
    unit = np.where(d > 0, unit, 1.0 - unit)
    lo, hi = rng
    return lo + unit * (hi - lo)


def _reflect(v: Array, d: Array) -> Array:
    """For direction -1, map v to max + min - v: order reversed, range and spacing kept."""
    if np.all(d > 0):
        return v
    vmin, vmax = _nan(np.nanmin, v), _nan(np.nanmax, v)
    return np.where(d > 0, v, vmax + vmin - v)


def _nan(func: Callable[..., Array], x: Array, **kw) -> Array:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns stay NaN
        return func(x, axis=-2, keepdims=True, **kw)


_METHODS: dict[str, Callable[[Array, Array, tuple[float, float]], Array]] = {
    "minmax": _minmax,
    "zscore": _zscore,
    "rank": _rank,
    "ratio-to-mean": _ratio_to_mean,
    "vector": _vector,
    "none": _none,
}
METHODS = (*_METHODS, "goalposts")
