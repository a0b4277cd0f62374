"""Dynamics of a score's distribution: kernel densities and (spatial) Markov chains of classes.

Kernel density: scipy's ``gaussian_kde`` with Scott's rule, h = σ̂ · n^(-1/5) (Scott 1992,
*Multivariate Density Estimation*), evaluated on one grid common to all years so curves overlay.
Markov chains: PySAL ``giddy`` (Rey et al. 2016): ``giddy.markov.Markov`` on quantile classes of
each year (or pooled breaks), ``giddy.markov.Spatial_Markov`` conditioned on the class of the
spatial lag (Rey 2001, *Geographical Analysis* 33(1): 59-83), with as many lag classes as
unit classes (giddy's default would be 4 whatever ``classes`` is); the steady state and Shorrocks'
(1978) mobility index M = (k - trace P)/(k - 1) from ``giddy.mobility.markov_mobility``.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd

from silkscope.errors import InputError


def kde_table(panel: pd.DataFrame, years: list[int] | None = None, points: int = 200) -> pd.DataFrame:
    """``year, x, density, bandwidth`` of each chosen year (default all), Scott's rule."""
    from scipy.stats import gaussian_kde

    years = years or sorted(panel["year"].unique().tolist())
    lo, hi = panel["value"].min(), panel["value"].max()
    pad = 0.1 * (hi - lo or 1.0)
    grid = np.linspace(lo - pad, hi + pad, points)
    parts = []
    for year in years:
        y = panel.loc[panel["year"] == year, "value"].to_numpy(dtype=float)
        if len(y) < 3 or np.std(y) == 0:
            continue
        kde = gaussian_kde(y, bw_method="scott")
        parts.append(pd.DataFrame({"year": int(year), "x": grid, "density": kde(grid),
                                   "bandwidth": float(kde.factor * np.std(y, ddof=1))}))  # fmt: skip
    if not parts:
        raise InputError("no year has 3 or more distinct values for a kernel density")
    return pd.concat(parts, ignore_index=True)


def balanced(panel: pd.DataFrame, notes: list[str] | None = None) -> pd.DataFrame:
    """Wide ``unit × year`` values of the units observed in every year (others named in notes)."""
    wide = panel.pivot(index="unit_id", columns="year", values="value")
    gaps = wide.index[wide.isna().any(axis=1)].tolist()
    if gaps and notes is not None:
        notes.append(
            f"{len(gaps)} units not observed in every year left out of the chain: {', '.join(gaps[:10])}"
        )
    wide = wide.dropna()
    if len(wide) < 2 or wide.shape[1] < 2:
        raise InputError("a Markov chain needs at least 2 units observed in at least 2 common years")
    return wide


def markov_table(
    panel: pd.DataFrame,
    classes: int = 5,
    spatial: bool = False,
    weights: str = "contiguity",
    pooled: bool = False,
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """``matrix, from_class, to_class, transitions, probability, steady_state, mobility``: class 1
    is the lowest quantile; ``matrix`` is ``classic`` or ``lag_class_<k>`` with ``spatial``."""
    import mapclassify

    wide = balanced(panel, notes)
    y = wide.to_numpy(dtype=float)
    if pooled:
        bins = mapclassify.Quantiles(y.ravel(), k=classes).bins
        ids = np.searchsorted(bins, y, side="left")
    else:
        ids = np.column_stack([mapclassify.Quantiles(y[:, t], k=classes).yb for t in range(y.shape[1])])
    with contextlib.redirect_stdout(io.StringIO()):  # giddy prints its chain's class structure
        rows = _chain_rows(ids, y, wide, classes, spatial, weights, pooled)
    return pd.DataFrame(rows)


def _chain_rows(
    ids: np.ndarray,
    y: np.ndarray,
    wide: pd.DataFrame,
    classes: int,
    spatial: bool,
    weights: str,
    pooled: bool,
) -> list[dict]:
    """Rows of the classic chain of ``ids`` and, with ``spatial``, of each lag-class chain."""
    from giddy.markov import Markov, Spatial_Markov
    from giddy.mobility import markov_mobility

    chains = [("classic", Markov(ids))]
    if spatial:
        from silkscope.cluster.spatial import spatial_weights

        w = spatial_weights(wide.index.tolist(), weights)
        w.transform = "r"
        sm = Spatial_Markov(y, w, k=classes, m=classes, fixed=pooled, fill_empty_classes=True)
        chains += [(f"lag_class_{k + 1}", _Chain(sm.T[k], sm.P[k], sm.S[k])) for k in range(len(sm.T))]
    rows = []
    for name, chain in chains:
        p, steady = np.asarray(chain.p, dtype=float), np.asarray(chain.steady_state, dtype=float).ravel()
        mobility = float(markov_mobility(p, measure="P")) if np.isfinite(p).all() else np.nan
        k = p.shape[0]
        for i in range(k):
            for j in range(k):
                rows.append({"matrix": name, "from_class": i + 1, "to_class": j + 1,
                             "transitions": int(np.asarray(chain.transitions)[i, j]), "probability": p[i, j],
                             "steady_state": steady[i] if i < len(steady) else np.nan,
                             "mobility": mobility})  # fmt: skip
    return rows


class _Chain:
    """One conditional matrix of a spatial Markov chain, shaped like ``giddy.markov.Markov``."""

    def __init__(self, transitions: np.ndarray, p: np.ndarray, steady: np.ndarray) -> None:
        self.transitions, self.p, self.steady_state = transitions, p, steady
