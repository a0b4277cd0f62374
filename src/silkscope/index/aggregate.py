"""Aggregation of child scores into a parent score, vectorised over leading (replicate) axes.

``children`` is ``(..., observations, k)`` and ``weights`` is ``(..., k)`` (broadcast over
observations). Missing child scores are skipped and the remaining weights rescaled to sum 1
(a parent with no child score is missing). Formulas: OECD/JRC Handbook (2008), section 6.2;
TOPSIS closeness: Hwang & Yoon (1981).
"""

from __future__ import annotations

import numpy as np

from silkscope.errors import MethodError

Array = np.ndarray


def aggregate(children: Array, weights: Array, method: str, *, scope: Array | None = None) -> Array:
    """The parent score for every observation: ``(..., observations)``."""
    x = np.asarray(children, dtype=float)
    if x.ndim == 2 and np.ndim(weights) == 2 and method != "topsis":
        return _shared_children(x, np.asarray(weights, dtype=float), method)
    w = np.asarray(weights, dtype=float)[..., None, :]
    if method in ("arithmetic", "geometric") and not np.isnan(x).any():
        wsum = w.sum(axis=-1)
        if method == "arithmetic":
            return np.einsum("...nk,...nk->...n", x, np.broadcast_to(w, x.shape)) / wsum
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.exp(np.einsum("...nk,...nk->...n", np.log(x), np.broadcast_to(w, x.shape)) / wsum)
    present = ~np.isnan(x)
    wp = np.where(present, w, 0.0)
    wsum = wp.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            out = np.where(present, x * w, 0.0).sum(axis=-1) / wsum
        elif method == "geometric":
            out = np.exp(np.where(present, w * np.log(x), 0.0).sum(axis=-1) / wsum)
        elif method == "harmonic":
            out = wsum / np.where(present, w / x, 0.0).sum(axis=-1)
        elif method == "topsis":
            out = _topsis(x, w, present, scope)
        else:
            raise MethodError(f"unknown aggregate method '{method}'")
    return np.where(wsum > 0, out, np.nan)


def _shared_children(x: Array, w: Array, method: str) -> Array:
    """Children ``(observations, k)`` shared by all replicates, weights ``(replicates, k)``: the
    weighted sums become one matrix product instead of a broadcast over replicates."""
    present = ~np.isnan(x)
    wsum = w @ present.T.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            out = (w @ np.where(present, x, 0.0).T) / wsum
        elif method == "geometric":
            out = np.exp((w @ np.where(present, np.log(np.where(present, x, 1.0)), 0.0).T) / wsum)
        elif method == "harmonic":
            out = wsum / (w @ np.where(present, 1.0 / np.where(present, x, 1.0), 0.0).T)
        else:
            raise MethodError(f"unknown aggregate method '{method}'")
    return np.where(wsum > 0, out, np.nan)


def _topsis(x: Array, w: Array, present: Array, scope: Array | None) -> Array:
    """Closeness C = D- / (D+ + D-), times 100, to the ideal (best observed weighted value per
    column) and anti-ideal, computed within each scope block; missing values add no distance."""
    wn = w / w.sum(axis=-1, keepdims=True)
    v = x * wn
    out = np.empty(x.shape[:-1])
    blocks = [slice(None)] if scope is None else [scope == key for key in np.unique(scope)]
    for rows in blocks:
        vb = v[..., rows, :]
        best = np.nanmax(vb, axis=-2, keepdims=True)
        worst = np.nanmin(vb, axis=-2, keepdims=True)
        d_plus = np.sqrt(np.nansum((vb - best) ** 2, axis=-1))
        d_minus = np.sqrt(np.nansum((vb - worst) ** 2, axis=-1))
        total = d_plus + d_minus
        out[..., rows] = np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 0.5) * 100.0
    return out


def shift_positive(children: Array) -> tuple[Array, Array]:
    """For geometric/harmonic means: shift each column whose minimum is <= 0 up by
    ``-min + 1%`` of its range (or by 1 if constant). Returns the shifted values and the shifts."""
    x = np.asarray(children, dtype=float)
    xmin = np.nanmin(x, axis=-2, keepdims=True)
    span = np.nanmax(x, axis=-2, keepdims=True) - xmin
    pad = np.where(span > 0, 0.01 * span, 1.0)
    shift = np.where(xmin <= 0, -xmin + pad, 0.0)
    return x + shift, shift
