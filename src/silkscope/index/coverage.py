"""Data coverage of a framework: which unit-years hold enough of a node's indicators to be scored.

The coverage of a node for one unit-year is the weighted share of the node's indicators that have
an observed value (before any imputation): 1 for an observed indicator, 0 for a missing one, then
the framework weights' weighted mean up the tree (so it equals the summed effective weight of the
observed indicators within the node). A unit-year whose pillar or index coverage is below the
threshold gets no score and no rank there: missing data are not averaged away in silence.
This is COINr's ``Screen()`` rule (data availability threshold) applied per pillar and for the
index, as the OECD/JRC Handbook on Constructing Composite Indicators (2008, section 3, missing
data) recommends stating and enforcing coverage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from silkscope.errors import MethodError
from silkscope.index.framework import Framework

#: Default minimum coverage, for each pillar and for the index (COINr's ``Screen()`` uses a data
#: availability threshold of this kind; two thirds is the value the issue sets).
DEFAULT_MIN_COVERAGE = 2 / 3
_TOLERANCE = 1e-9


def coverage_matrix(observed: np.ndarray, framework: Framework) -> np.ndarray:
    """Coverage ``(observations, nodes)`` in framework node order from an ``(observations,
    indicators)`` matrix that is True (or a number) where the indicator has a value."""
    from silkscope.index.build import score_tree

    if np.asarray(observed).dtype == bool:  # the build's mask: no missing value to clear (one pass)
        present = np.asarray(observed, dtype=float)
    else:
        present = np.asarray(observed, dtype=float)
        present = np.where(np.isnan(present), 0.0, (present != 0).astype(float))
    base = framework.framework_weights()
    weights = np.array([base[n.id] for n in framework.nodes])
    return score_tree(present, weights, framework, "arithmetic")


def check_min_coverage(value: float) -> float:
    """``value`` as a float in [0, 1], or a MethodError saying so."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise MethodError(f"min_coverage must be a number in [0, 1], got {value!r}") from None
    if not 0 <= out <= 1:
        raise MethodError(f"min_coverage must be in [0, 1] (a share of the weighted indicators), got {out}")
    return out


def passing(coverage: np.ndarray, framework: Framework, min_coverage: float) -> np.ndarray:
    """Which (observation, node) cells may carry a score: every pillar with children needs
    ``coverage >= min_coverage``; the index needs that for itself and for every such pillar.
    Dimensions and indicators are not screened (an indicator's score is its own value)."""
    ok = np.ones(coverage.shape, dtype=bool)
    position = {n.id: k for k, n in enumerate(framework.nodes)}
    screened = [position[p] for p in framework.pillars if not framework[p].is_leaf]
    level_ok = coverage >= min_coverage - _TOLERANCE
    for k in screened:
        ok[:, k] = level_ok[:, k]
    ok[:, 0] = level_ok[:, 0] & (ok[:, screened].all(axis=1) if screened else True)
    return ok


def node_coverage(values: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Coverage per unit × year × node: ``unit_id, year, level, node, coverage`` (0–1).

    ``values`` are long indicator values ``unit_id, year, indicator_id, value`` (a missing value,
    or no row, counts as not covered; indicators outside the framework are ignored). Every
    unit-year with at least one row in ``values`` appears, for every node of the framework.
    Reusable wherever a table must say how much of a framework the data fill (e.g. partner tiers).
    """
    need = ("unit_id", "year", "indicator_id", "value")
    missing = [c for c in need if c not in values.columns]
    if missing:
        from silkscope.errors import InputError

        raise InputError(f"values need columns {', '.join(need)}; missing {', '.join(missing)}")
    frame = values.loc[:, list(need)].copy()
    frame["unit_id"] = frame["unit_id"].astype(str)
    frame["year"] = frame["year"].astype(int)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    cells = frame.dropna(subset=["value"]).drop_duplicates(["unit_id", "year", "indicator_id"])
    observations = frame[["unit_id", "year"]].drop_duplicates().sort_values(["unit_id", "year"])
    index = pd.MultiIndex.from_frame(observations)
    present = (
        cells.assign(flag=1.0)
        .pivot_table(index=["unit_id", "year"], columns="indicator_id", values="flag", aggfunc="max")
        .reindex(index=index, columns=list(framework.indicators))
        .fillna(0.0)
        .to_numpy()
    )
    cov = coverage_matrix(present, framework)
    return coverage_frame(index, cov, framework)


def coverage_frame(index: pd.MultiIndex, coverage: np.ndarray, framework: Framework) -> pd.DataFrame:
    """Long ``unit_id, year, level, node, coverage`` from a coverage matrix and its (unit, year) rows."""
    nodes = framework.nodes
    n_obs = len(index)
    return pd.DataFrame(
        {
            "unit_id": np.repeat(index.get_level_values(0).astype(str).to_numpy(), len(nodes)),
            "year": np.repeat(index.get_level_values(1).astype(int).to_numpy(), len(nodes)),
            "level": np.tile([n.level for n in nodes], n_obs),
            "node": np.tile([n.id for n in nodes], n_obs),
            "coverage": coverage.ravel(),
        }
    )
