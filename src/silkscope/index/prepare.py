"""Imputation and outlier treatment of the raw (observation x indicator) matrix.

Observations are unit-years (rows), indicators are columns. These steps act on the data before
any method that an uncertainty analysis varies per replicate, so they work on 2-D arrays.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from silkscope.errors import InputError, MethodError


@dataclass
class StepLog:
    """Warnings and per-indicator notes a step wants the user to see."""

    warnings: list[str] = field(default_factory=list)
    treated: dict[str, str] = field(default_factory=dict)


def impute(
    x: np.ndarray,
    method: str,
    years: np.ndarray,
    units: np.ndarray,
    groups: np.ndarray | None = None,
) -> np.ndarray:
    """Fill missing values; means and medians are taken within the same year.

    ``group-mean`` uses the mean of the unit's group in that year (falling back to the year mean
    when the whole group is missing); ``previous-year`` carries the unit's latest earlier value
    forward (a gap before the first observed year stays missing).
    """
    out = np.array(x, dtype=float, copy=True)
    if method == "none" or not np.isnan(out).any():
        return out
    if method in ("mean", "median"):
        reducer = np.nanmean if method == "mean" else np.nanmedian
        _fill_by(out, years, reducer)
    elif method == "group-mean":
        if groups is None:
            raise MethodError("impute 'group-mean' needs a grouping (--group-by)")
        keys = np.array([f"{g}\x00{y}" for g, y in zip(groups, years, strict=True)])
        _fill_by(out, keys, np.nanmean)
        _fill_by(out, years, np.nanmean)
    elif method == "previous-year":
        order = np.lexsort((years, units))
        sorted_x = out[order]
        sorted_units = units[order]
        for i in range(1, len(order)):
            if sorted_units[i] == sorted_units[i - 1]:
                gap = np.isnan(sorted_x[i])
                sorted_x[i, gap] = sorted_x[i - 1, gap]
        out[order] = sorted_x
    else:
        raise MethodError(f"unknown impute method '{method}'")
    return out


def _fill_by(out: np.ndarray, keys: np.ndarray, reducer) -> None:
    for key in np.unique(keys):
        rows = keys == key
        block = out[rows]
        if not np.isnan(block).any():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing column: stays NaN
            fill = reducer(block, axis=0)
        r, c = np.nonzero(np.isnan(block))
        block[r, c] = fill[c]
        out[rows] = block


def skew_kurtosis(col: np.ndarray) -> tuple[float, float]:
    """Sample skewness and excess kurtosis (bias-corrected, as COINr's checks use)."""
    v = col[~np.isnan(col)]
    if len(v) < 4 or np.ptp(v) == 0:
        return 0.0, 0.0
    return float(stats.skew(v, bias=False)), float(stats.kurtosis(v, fisher=True, bias=False))


def treat(
    x: np.ndarray,
    method: str,
    indicator_ids: tuple[str, ...],
    *,
    skew_limit: float = 2.0,
    kurtosis_limit: float = 3.5,
    max_fraction: float = 0.05,
    log: StepLog | None = None,
) -> np.ndarray:
    """Outlier treatment per indicator column.

    ``winsorise`` follows COINr's ``Treat()`` default (Becker et al. 2017, JRC): while
    ``|skew| > skew_limit`` and ``kurtosis > kurtosis_limit``, the single most extreme value on the
    side of the skew is set to the next value inward, up to ``max_fraction`` of the points; if the
    column still fails, it is log-transformed instead. ``log`` applies ``log(x)`` to every column
    (``log(x - min + 1)`` when a column has values <= 0).
    """
    log = log if log is not None else StepLog()
    out = np.array(x, dtype=float, copy=True)
    if method == "none":
        return out
    if method not in ("winsorise", "log"):
        raise MethodError(f"unknown treat method '{method}'")
    for j, ind in enumerate(indicator_ids):
        col = out[:, j]
        if method == "log":
            out[:, j] = _log(col)
            log.treated[ind] = "log"
            continue
        sk, ku = skew_kurtosis(col)
        if abs(sk) <= skew_limit or ku <= kurtosis_limit:
            continue
        n_ok = int(np.sum(~np.isnan(col)))
        budget = int(np.floor(max_fraction * n_ok))
        done = 0
        while done < budget and abs(sk) > skew_limit and ku > kurtosis_limit:
            vals = col[~np.isnan(col)]
            if sk > 0:
                top = np.nanmax(col)
                inward = vals[vals < top].max(initial=-np.inf)
                idx = np.flatnonzero(col == top)[:1]
                col[idx] = inward
            else:
                bottom = np.nanmin(col)
                inward = vals[vals > bottom].min(initial=np.inf)
                idx = np.flatnonzero(col == bottom)[:1]
                col[idx] = inward
            if not np.isfinite(inward):
                break
            done += 1
            sk, ku = skew_kurtosis(col)
        if abs(sk) > skew_limit and ku > kurtosis_limit:
            out[:, j] = _log(x[:, j].astype(float))
            log.treated[ind] = f"log (winsorising {done} point(s) was not enough)"
        else:
            out[:, j] = col
            log.treated[ind] = f"winsorised {done} point(s)"
    return out


def _log(col: np.ndarray) -> np.ndarray:
    lo = np.nanmin(col) if np.isfinite(col).any() else 1.0
    return np.log(col) if lo > 0 else np.log(col - lo + 1.0)


def check_usable(
    x: np.ndarray,
    indicator_ids: tuple[str, ...],
    unit_labels: np.ndarray,
    log: StepLog,
    years: np.ndarray | None = None,
) -> None:
    """Refuse indicators with no data at all; warn on zero variance and all-missing units.

    With ``years`` the labels are ``"<unit> <year>"``, formed only for the rows warned about."""
    missing = np.isnan(x)
    empty = [ind for j, ind in enumerate(indicator_ids) if missing[:, j].all()]
    if empty:
        raise InputError(
            f"indicator(s) with no values at all: {', '.join(empty)}",
            hint="add data for them or remove them from the framework",
        )
    highest, lowest = np.nanmax(x, axis=0), np.nanmin(x, axis=0)
    for j, ind in enumerate(indicator_ids):
        if highest[j] == lowest[j]:
            log.warnings.append(
                f"indicator '{ind}' has zero variance (every value is {highest[j]:g}); it cannot "
                "discriminate between units and gets the middle of the normalised range"
            )
    all_missing = missing.all(axis=1)
    if all_missing.any():
        labels = unit_labels[all_missing]
        if years is not None:
            labels = [f"{u} {y}" for u, y in zip(labels, years[all_missing], strict=True)]
        names = sorted({str(u) for u in labels})
        log.warnings.append(
            f"{len(names)} unit-year(s) have no indicator value at all and get no score: "
            + ", ".join(names[:10])
            + (" ..." if len(names) > 10 else "")
        )
