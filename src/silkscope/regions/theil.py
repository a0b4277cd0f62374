"""Theil T and L (mean log deviation) with the within/between-group decomposition, CV and the sd
of logs (σ-convergence).

Theil (1967) *Economics and Information Theory*; Shorrocks (1980) *Econometrica* 48(3): 613-625
for the additive decomposition. With s_g the group's share of the total and p_g its share of units:

* T = (1/n) Σ (y/μ) ln(y/μ);  T_within = Σ_g s_g T_g;  T_between = Σ_g s_g ln(μ_g/μ)
* L = (1/n) Σ ln(μ/y);        L_within = Σ_g p_g L_g;  L_between = Σ_g p_g ln(μ/μ_g)

T allows zeros (0·ln 0 = 0); L and the sd of logs need every value > 0. CV and sd are population
(ddof = 0) like the Gini and Theil measures they sit beside.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def theil_t(y: np.ndarray) -> float:
    """Theil's T of non-negative values."""
    r = np.asarray(y, dtype=float) / np.mean(y)
    return float(np.mean(np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0)))


def theil_l(y: np.ndarray) -> float:
    """Theil's L (mean log deviation) of positive values."""
    y = np.asarray(y, dtype=float)
    return float(np.mean(np.log(y.mean() / y)))


def theil_decomposition(y: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """``theil_t, theil_t_within, theil_t_between`` and the same for L (NaN when a value is ≤ 0)."""
    y = np.asarray(y, dtype=float)
    labels = np.asarray(labels).astype(str)
    mu, n = y.mean(), len(y)
    t_w = t_b = l_w = l_b = 0.0
    for g in sorted(set(labels.tolist())):
        v = y[labels == g]
        s_g, p_g, mu_g = v.sum() / y.sum(), len(v) / n, v.mean()
        t_w += s_g * theil_t(v)
        t_b += s_g * np.log(mu_g / mu)
        if (y > 0).all():
            l_w += p_g * theil_l(v)
            l_b += p_g * np.log(mu / mu_g)
    positive = bool((y > 0).all())
    nan = float("nan")
    return {
        "theil_t": theil_t(y),
        "theil_t_within": float(t_w),
        "theil_t_between": float(t_b),
        "theil_l": theil_l(y) if positive else nan,
        "theil_l_within": float(l_w) if positive else nan,
        "theil_l_between": float(l_b) if positive else nan,
    }


def dispersion(y: np.ndarray) -> dict[str, float]:
    """Coefficient of variation sd/mean and the sd of ln y (NaN unless every value is > 0)."""
    y = np.asarray(y, dtype=float)
    return {
        "cv": float(np.std(y) / np.mean(y)),
        "sd_log": float(np.std(np.log(y))) if (y > 0).all() else float("nan"),
    }


def theil_table(panel: pd.DataFrame, notes: list[str] | None = None) -> pd.DataFrame:
    """Rows ``year, component, group, group_b, value, share`` of Theil T/L, CV and sd_log."""
    rows = []
    for year, block in panel.groupby("year", sort=True):
        y = block["value"].to_numpy()
        parts = theil_decomposition(y, block["group"].to_numpy()) if "group" in block else {}
        if notes is not None and not (y > 0).all():
            zeros = block.loc[block["value"] <= 0, "unit_id"].tolist()
            notes.append(f"{year}: Theil L and sd_log left empty, {', '.join(zeros[:5])} not > 0")
        for name, value in {**parts, **dispersion(y)}.items():
            total = parts.get(name.rsplit("_", 1)[0] if name.endswith(("_within", "_between")) else name)
            share = value / total if name.startswith("theil") and total else np.nan
            rows.append({"year": int(year), "component": name, "group": "", "group_b": "", "value": value,
                         "share": share})  # fmt: skip
    return pd.DataFrame(rows)
