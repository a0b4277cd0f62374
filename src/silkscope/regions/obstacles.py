"""Obstacle degree of each indicator per unit and year, from an index build.

O_ij = F_j · I_ij / Σ_j F_j · I_ij with F_j the indicator's effective weight (its share of the
index, ``IndexResult.weights_frame().effective``) and I_ij = 1 - its normalised value scaled to
[0, 1] (the obstacle-degree model as used in Chinese regional studies, e.g. 杨丽, 孙之淳 2015,
经济地理 35(7)). Needs min-max or goalpost normalisation (values with a known best of 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from silkscope.errors import MethodError


def obstacles(result, top: int | None = 5) -> pd.DataFrame:
    """``unit_id, year, indicator, obstacle, rank, pillar`` (rank 1 = largest obstacle); indicators
    without a value are left out of that unit-year's sum, and unit-years the build left without an
    index score (coverage below its threshold, :meth:`IndexResult.excluded`) get no obstacles."""
    choices = result.choices
    if choices.normalise not in ("minmax", "goalposts"):
        raise MethodError(
            f"obstacle degree needs minmax or goalposts normalisation, the build used {choices.normalise}"
        )
    lo, hi = choices.minmax_range
    z = np.asarray(result.normalised, dtype=float)
    z = (z - lo) / (hi - lo) if choices.normalise == "minmax" else z
    indicators = list(result.framework.indicators)
    eff = result.weights_frame().set_index("node")["effective"].reindex(indicators).to_numpy()
    gap = eff * (1.0 - np.clip(z, 0.0, 1.0))
    root = result.node_ids.index(result.framework.root.id)
    gap[np.isnan(result.scores[:, root])] = np.nan  # not scored: no basis for obstacles either
    total = np.nansum(gap, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        o = np.where(total > 0, gap / total, np.nan)
    frame = pd.DataFrame(o, columns=indicators)
    frame["unit_id"], frame["year"] = result.units.astype(str), result.years.astype(int)
    long = frame.melt(["unit_id", "year"], var_name="indicator", value_name="obstacle").dropna(
        subset=["obstacle"]
    )
    long["rank"] = (
        long.groupby(["unit_id", "year"])["obstacle"].rank(ascending=False, method="first").astype(int)
    )
    long["pillar"] = long["indicator"].map(result.framework.pillar_of)
    if top:
        long = long[long["rank"] <= top]
    return long.sort_values(["year", "unit_id", "rank"]).reset_index(drop=True)


def pillar_obstacles(table: pd.DataFrame) -> pd.DataFrame:
    """Obstacle degree per pillar: the sum over its indicators (from an untruncated table)."""
    return table.groupby(["unit_id", "year", "pillar"], as_index=False)["obstacle"].sum()


def report_tables(result, disparity_table: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Tables a report section can draw: top obstacles, pillar obstacles and (given) disparity."""
    full = obstacles(result, top=None)
    out = {"obstacles_top": full[full["rank"] <= 5], "obstacles_pillar": pillar_obstacles(full)}
    if disparity_table is not None:
        out["disparity"] = disparity_table
    return out
