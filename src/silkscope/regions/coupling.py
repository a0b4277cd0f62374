"""Coupling coordination of two or more subsystem indices (U_i in [0, 1]) per unit and year.

n-system form (Wang Shujia et al. 2021, "耦合协调度模型的误区及修正", 自然资源学报 36(3):
793-810): C = [Π U_i / ((1/n) Σ U_i)^n]^(1/n), i.e. the geometric over the arithmetic mean, in
[0, 1]; T = Σ w_i U_i (user weights summing to 1); D = √(C·T). Ten bands of D, each 0.1 wide
(廖重斌 1999, 热带地理 19(2): 171-177): 极度失调 … 优质协调. ``lagging`` names the lowest subsystem
when max U - min U > 0.1, else ``balanced`` (the usual relative-development rule).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from silkscope.errors import InputError

BANDS = (
    "extreme_disorder", "serious_disorder", "moderate_disorder", "mild_disorder", "verge_of_disorder",
    "barely_coordinated", "primary_coordination", "intermediate_coordination", "good_coordination",
    "quality_coordination",
)  # fmt: skip


def band(d: np.ndarray) -> np.ndarray:
    """Band key of each D: [0, 0.1) extreme disorder … [0.9, 1] quality coordination."""
    k = np.clip(np.floor(np.asarray(d, dtype=float) * 10 + 1e-12).astype(int), 0, 9)
    return np.array(BANDS, dtype=object)[k]


def band_names(bands: pd.Series, lang: str | None = None) -> pd.Series:
    """The band keys' names from the catalogue (``regions.band.<key>``; 极度失调 … 优质协调)."""
    from silkscope.i18n import translator

    t = translator(lang)
    return bands.map(lambda key: t(f"regions.band.{key}"))


def coupling(
    frame: pd.DataFrame,
    systems: list[str],
    weights: list[float] | None = None,
    tolerance: float = 0.1,
    notes: list[str] | None = None,
    lang: str | None = None,
) -> pd.DataFrame:
    """``unit_id, year, c, t, d, band, lagging, band_name`` plus the subsystem values used
    (``band_name`` in ``lang``, default the user's locale)."""
    from silkscope.regions.panel import to_wide

    if len(systems) < 2:
        raise InputError("coupling needs two or more subsystems: --systems A,B[,C]")
    weights = weights or [1.0 / len(systems)] * len(systems)
    if len(weights) != len(systems) or abs(sum(weights) - 1) > 1e-9 or min(weights) < 0:
        raise InputError(f"--weights must be {len(systems)} non-negative numbers summing to 1, got {weights}")
    wide = to_wide(frame)
    missing = [s for s in systems if s not in wide.columns]
    if missing:
        raise InputError(f"subsystem(s) {', '.join(missing)} not in the data")
    data = wide[["unit_id", "year", *systems]].dropna()
    if notes is not None and len(data) < len(wide):
        notes.append(f"{len(wide) - len(data)} unit-years without every subsystem left out")
    u = data[systems].to_numpy(dtype=float)
    top = np.nanmax(u)
    if u.min() < 0 or top > 100:
        raise InputError("subsystem indices must lie in [0, 1] (or [0, 100], rescaled)")
    if top > 1:
        u = u / 100.0
        if notes is not None:
            notes.append("subsystem values read as 0-100 scores and divided by 100")
    n = len(systems)
    mean = u.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(mean > 0, np.exp(np.log(u).mean(axis=1)) / mean, 0.0)
    t = u @ np.asarray(weights)
    d = np.sqrt(c * t)
    lag = np.where(u.max(axis=1) - u.min(axis=1) > tolerance, np.array(systems)[u.argmin(axis=1)], "balanced")
    out = pd.DataFrame({"unit_id": data["unit_id"].astype(str).to_numpy(), "year": data["year"].astype(int).to_numpy(),
                        "c": c, "t": t, "d": d, "band": band(d), "lagging": lag})  # fmt: skip
    out["band_name"] = band_names(out["band"], lang)
    for k, s in enumerate(systems):
        out[s] = u[:, k]
    assert n == u.shape[1]
    return out
