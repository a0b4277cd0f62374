"""``build(values, framework, choices) -> IndexResult``: the whole pipeline, recorded in one object.

The pipeline: pivot to an (observation x indicator) matrix (:mod:`silkscope.index.pivot`), check, impute, treat, normalise,
weight, aggregate bottom-up through the tree, rank within each year. :func:`score_tree` is the
array core shared with the uncertainty analysis, which runs it with a leading replicate axis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError
from silkscope.index.aggregate import aggregate, shift_positive
from silkscope.index.choices import Choices
from silkscope.index.coverage import coverage_matrix, passing
from silkscope.index.framework import Framework
from silkscope.index.normalise import normalise
from silkscope.index.pivot import pivot_values
from silkscope.index.prepare import StepLog, check_usable, impute, treat
from silkscope.index.result import IndexResult
from silkscope.index.weights import DATA_DRIVEN, ahp_weights


@dataclass(frozen=True)
class Prepared:
    """The data of one build after imputation and treatment: what every replicate starts from."""

    units: np.ndarray
    years: np.ndarray
    x: np.ndarray  # (observations, indicators), framework order
    extra: pd.DataFrame  # indicators outside the framework (e.g. population for group weights)
    log: StepLog
    observed: np.ndarray | None = None  # (observations, indicators): True where a value was given

    def coverage(self, framework: Framework) -> np.ndarray:
        """Coverage ``(observations, nodes)`` of the observed (not imputed) values."""
        observed = ~np.isnan(self.x) if self.observed is None else self.observed
        return coverage_matrix(observed, framework)


def prepare(
    values: pd.DataFrame, framework: Framework, choices: Choices, groups: Mapping[str, str] | None = None
) -> Prepared:
    """Pivot, check, impute and treat: the data-level steps that replicates share."""
    index, x, extra = pivot_values(values, framework)
    units = index.get_level_values("unit_id").to_numpy()
    years = index.get_level_values("year").to_numpy()
    log = StepLog()
    observed = ~np.isnan(x)
    check_usable(x, framework.indicators, units, log, years=years)
    group_codes = None if groups is None else np.array([groups.get(u, "") for u in units])
    x = impute(x, choices.impute, years, units, group_codes)
    scope = years if choices.scope == "by-year" else None
    if choices.treat != "none":
        blocks = [np.ones(len(x), bool)] if scope is None else [years == y for y in np.unique(years)]
        for rows in blocks:
            x[rows] = treat(
                x[rows],
                choices.treat,
                framework.indicators,
                skew_limit=choices.winsor_skew,
                kurtosis_limit=choices.winsor_kurtosis,
                max_fraction=choices.winsor_max_fraction,
                log=log,
            )
    return Prepared(units, years, x, extra, log, observed)


def normalised(prep: Prepared, framework: Framework, choices: Choices) -> np.ndarray:
    """Normalise the prepared matrix with the build's choices."""
    posts = np.array(
        [framework[i].goalposts if framework[i].goalposts else (np.nan, np.nan) for i in framework.indicators]
    ).T
    return normalise(
        prep.x,
        choices.normalise,
        framework.directions,
        scope=prep.years if choices.scope == "by-year" else None,
        minmax_range=choices.minmax_range,
        goalposts=posts,
    )


def weight_basis(prep: Prepared, leaf: np.ndarray, choices: Choices) -> np.ndarray:
    """The values data-driven weights are computed on: the normalised matrix, or with
    ``normalise='none'`` the raw (imputed, treated) values themselves, unoriented, as proportions."""
    return prep.x if choices.normalise == "none" else leaf


def node_weights(
    framework: Framework,
    method: str,
    leaf_scores: np.ndarray | None = None,
    *,
    force_ahp: bool = False,
    details: dict[str, Any] | None = None,
) -> np.ndarray:
    """Each node's weight within its parent (framework node order, sums to 1 per parent).

    ``equal`` and ``framework`` apply at every level; ``entropy``, ``critic`` and ``pca`` compute the
    weights of indicators within their parent from ``leaf_scores`` and keep framework weights above;
    ``ahp`` uses each node's pairwise matrix where one is given, framework weights elsewhere.
    """
    position = {n.id: k for k, n in enumerate(framework.nodes)}
    leaf_col = {ind: j for j, ind in enumerate(framework.indicators)}
    base = framework.framework_weights()
    w = np.array([base[n.id] for n in framework.nodes])
    for node in framework.nodes:
        if node.is_leaf:
            continue
        kids = [position[c] for c in node.children]
        if method == "equal":
            w[kids] = 1.0 / len(kids)
        elif method in DATA_DRIVEN and all(framework[c].is_leaf for c in node.children):
            if leaf_scores is None:
                raise MethodError(f"{method} weights need the normalised data")
            cols = [leaf_col[c] for c in node.children]
            w[kids] = DATA_DRIVEN[method](leaf_scores[:, cols])
        elif method == "ahp" and node.ahp is not None:
            w[kids], cr = ahp_weights(np.array(node.ahp), force=force_ahp, node=node.id)
            if details is not None:
                details.setdefault("ahp_consistency_ratio", {})[node.id] = cr
    return w


def parent_positions(framework: Framework) -> np.ndarray:
    """For each node (framework order) the position of its parent; the root points to itself."""
    position = {n.id: k for k, n in enumerate(framework.nodes)}
    return np.array([position[n.parent] if n.parent else 0 for n in framework.nodes])


def renormalise_siblings(weights: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """Rescale ``(..., nodes)`` weights so the children of each parent sum to 1 (root stays 1)."""
    n = weights.shape[-1]
    onehot = np.zeros((n, n))
    onehot[np.arange(1, n), parents[1:]] = 1.0  # node -> parent (root excluded)
    sums = weights @ onehot  # (..., parents)
    out = weights / np.where(sums[..., parents] > 0, sums[..., parents], 1.0)
    out[..., 0] = 1.0
    return out


def override_weights(framework: Framework, weights: np.ndarray, overrides: Mapping[str, float]) -> np.ndarray:
    """Set some nodes' weights within their parent (a share in [0, 1], as a slider gives it); the
    other children of that parent share the rest in proportion to their current weights. If every
    child of a parent is set, the given values are rescaled to sum 1."""
    position = {n.id: k for k, n in enumerate(framework.nodes)}
    out = np.array(weights, dtype=float, copy=True)
    for node_id, value in overrides.items():
        if node_id not in position or node_id == framework.root.id:
            raise MethodError(
                f"cannot set the weight of '{node_id}': not a non-root node of '{framework.id}'"
            )
        if not np.isfinite(value) or not 0 <= value <= 1:
            raise MethodError(f"weight of '{node_id}' within its parent must be in [0, 1], got {value}")
    for parent in {framework[k].parent for k in overrides}:
        kids = [position[c] for c in framework[parent].children]
        fixed = {position[k]: float(v) for k, v in overrides.items() if framework[k].parent == parent}
        free = [k for k in kids if k not in fixed]
        taken = sum(fixed.values())
        if taken > 1 + 1e-9:
            raise MethodError(f"weights set under '{parent}' sum to {taken:.3f} > 1")
        for k, v in fixed.items():
            out[k] = v
        rest = sum(weights[k] for k in free)
        for k in free:
            out[k] = (1 - taken) * (weights[k] / rest if rest > 0 else 1 / len(free))
        if not free:
            out[kids] = out[kids] / out[kids].sum() if out[kids].sum() > 0 else 1 / len(kids)
    return out


def score_tree(
    leaf_scores: np.ndarray,
    weights: np.ndarray,
    framework: Framework,
    method: str,
    *,
    scope: np.ndarray | None = None,
    zero_rule: str = "shift",
    warnings: list[str] | None = None,
    keep_leaves: bool = True,
) -> np.ndarray:
    """Scores of every node: ``(..., observations, nodes)`` from leaf scores ``(..., observations,
    indicators)`` and node weights ``(..., nodes)``; leading axes are replicates. With 2-D leaf
    scores shared by all replicates and ``keep_leaves=False`` the leaf columns of the output are
    left unset (uncertainty analysis needs only the aggregates)."""
    position = {n.id: k for k, n in enumerate(framework.nodes)}
    leaf_col = {ind: j for j, ind in enumerate(framework.indicators)}
    # leaf scores shared by every replicate (2-D) while weights vary per replicate (2-D):
    shared = leaf_scores.ndim == 2 and weights.ndim == 2
    lead = weights.shape[:-1] if shared else leaf_scores.shape[:-2]
    shape = (*lead, leaf_scores.shape[-2], len(framework.nodes))
    leaf_pos = [position[i] for i in framework.indicators]
    if keep_leaves or not shared:
        scores = np.full(shape, np.nan)
        for into, take in _runs(leaf_pos):  # column runs: a list index on the last axis is slow
            scores[..., into] = leaf_scores[..., take]
    else:
        scores = np.empty(shape)
    for node in framework.internal_bottom_up():
        kids = [position[c] for c in node.children]
        if shared and all(c in leaf_col for c in node.children):
            block = leaf_scores[:, [leaf_col[c] for c in node.children]]
        else:
            block = scores[..., kids]
        if method in ("geometric", "harmonic") and np.nanmin(block) <= 0:
            if zero_rule == "error":
                raise MethodError(
                    f"{method} aggregation of '{node.id}' met values <= 0; use min-max normalisation to a "
                    "positive range (e.g. 1-100) or zero_rule='shift'"
                )
            block, _ = shift_positive(block)
            if warnings is not None:
                warnings.append(f"{method} mean of '{node.id}': children with values <= 0 were shifted up")
        scores[..., position[node.id]] = aggregate(block, weights[..., kids], method, scope=scope)
    return scores


def _runs(positions: list[int]) -> list[tuple[slice, slice]]:
    """``(target, source)`` slice pairs covering ``positions`` (source k goes to ``positions[k]``)
    in runs of consecutive targets."""
    runs, start = [], 0
    for k in range(1, len(positions) + 1):
        if k == len(positions) or positions[k] != positions[k - 1] + 1:
            runs.append((slice(positions[start], positions[k - 1] + 1), slice(start, k)))
            start = k
    return runs


def rank_within(scores: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Rank 1 = best (highest score) within each year, per node; ties share the best rank; NaN unranked.

    One year's lanes (node x its observations) are ranked a few nodes at a time, so each block
    stays near :data:`RANK_BLOCK` values: at 30,000 units the sorts then run in cache (about a third
    less time than one block of all 66 nodes) and the temporaries stay small.
    """
    ranks = np.empty(scores.shape)
    lanes_in, lanes_out = np.swapaxes(scores, -1, -2), np.swapaxes(ranks, -1, -2)  # views (..., nodes, obs)
    n_nodes, lead = scores.shape[-1], int(np.prod(scores.shape[:-2], dtype=np.int64))
    for year in np.unique(years):
        rows = np.flatnonzero(years == year)
        step = max(1, RANK_BLOCK // max(lead * len(rows), 1))
        for first in range(0, n_nodes, step):
            nodes = slice(first, first + step)
            block = lanes_in[..., nodes, rows]  # a contiguous copy
            lanes_out[..., nodes, rows] = min_ranks(np.negative(block, out=block))
    return ranks


#: Values ranked per block in :func:`rank_within` (about 4 MB of float64).
RANK_BLOCK = 1 << 19


def min_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks along the last axis with ties given the lowest rank and NaN left unranked: the same
    numbers as ``scipy.stats.rankdata(values, axis=-1, method="min", nan_policy="omit")``, from one
    sort of every lane at once (scipy ranks lane by lane when it must omit NaN).

    NaN is sorted as +inf (numpy's vectorised argsort is about 10x slower on arrays holding NaN)
    and set back after: a real +inf then ties with the NaN, and a tie takes the rank of its first
    member, which is one more than the count of values below it, so its rank is unchanged. The
    sorted values come from ``np.sort`` (several times faster than gathering them through the
    order), the ranks are scattered back through flat indices, and lanes without a tie (the usual
    case for scores) skip the tie pass: rank = position + 1.
    """
    values = np.asarray(values, dtype=float)
    n = values.shape[-1]
    if values.size == 0:
        return np.empty(values.shape)
    nan = np.isnan(values)
    has_nan = bool(nan.any())
    keys = np.where(nan, np.inf, values) if has_nan else values
    order = np.argsort(keys, axis=-1)  # the order within ties does not matter
    ordered = np.sort(keys, axis=-1)
    rank = np.broadcast_to(np.arange(1.0, n + 1), ordered.shape)
    tie = ordered[..., 1:] == ordered[..., :-1]
    if tie.any():
        start = np.ones(ordered.shape, dtype=bool)
        np.logical_not(tie, out=start[..., 1:])
        rank = np.where(start, rank, 0.0)
        np.maximum.accumulate(rank, axis=-1, out=rank)  # each tie takes the rank of its first member
    del ordered, tie
    lanes = order.reshape(-1, n)
    lanes += (np.arange(lanes.shape[0]) * n)[:, None]  # flat positions in ``values``
    out = np.empty(values.shape)
    out.reshape(-1)[lanes.reshape(-1)] = rank.reshape(-1)
    if has_nan:
        out[nan] = np.nan
    return out


def build(
    values: pd.DataFrame,
    framework: Framework,
    choices: Choices | None = None,
    groups: Mapping[str, str] | None = None,
    weights: Mapping[str, float] | None = None,
) -> IndexResult:
    """Build the index: scores and ranks of every unit-year at every level of ``framework``.

    ``weights`` overrides the weight of some nodes within their parent (e.g. from a dashboard's
    sliders); siblings are rescaled so each parent's children still sum to 1.
    """
    choices = choices or Choices()
    prep = prepare(values, framework, choices, groups)
    leaf = normalised(prep, framework, choices)
    details: dict[str, Any] = {"treated": dict(prep.log.treated)}
    overrides = weights
    weights = node_weights(
        framework,
        choices.weights,
        weight_basis(prep, leaf, choices),
        force_ahp=choices.force_ahp,
        details=details,
    )
    if overrides:
        weights = override_weights(framework, weights, overrides)
    warnings = list(prep.log.warnings)
    scores = score_tree(
        leaf,
        weights,
        framework,
        choices.aggregate,
        scope=prep.years if choices.scope == "by-year" else None,
        zero_rule=choices.zero_rule,
        warnings=warnings,
    )
    coverage = prep.coverage(framework)
    scores[~passing(coverage, framework, choices.min_coverage)] = np.nan
    ranks = rank_within(scores, prep.years)
    return IndexResult(
        framework=framework,
        choices=choices,
        units=prep.units,
        years=prep.years,
        scores=scores,
        ranks=ranks,
        weights=dict(zip([n.id for n in framework.nodes], weights.tolist(), strict=True)),
        groups=dict(groups or {}),
        extra=prep.extra,
        warnings=tuple(dict.fromkeys(warnings)),
        details=details,
        prepared=prep.x,
        normalised=leaf,
        values=values,
        coverage=coverage,
    )


def indicator_weights(
    values: pd.DataFrame,
    framework: Framework,
    choices: Choices,
    *,
    year: int | None = None,
    flat: bool = False,
) -> pd.DataFrame:
    """Indicator weights ``node, weight`` (+ ``parent``): within each parent (summing to 1 per
    parent), or with ``flat`` one vector over all indicators; computed after the chosen
    imputation, treatment and normalisation, on ``year`` only when given."""
    prep = prepare(values, framework, choices)
    basis = weight_basis(prep, normalised(prep, framework, choices), choices)
    if year is not None:
        rows = prep.years == int(year)
        if not rows.any():
            raise InputError(f"no data for year {year}; years present: {sorted(set(prep.years.tolist()))}")
        basis = basis[rows]
    indicators = list(framework.indicators)
    if flat:
        method = choices.weights
        if method in DATA_DRIVEN:
            w = DATA_DRIVEN[method](basis)
        elif method == "equal":
            w = np.full(len(indicators), 1.0 / len(indicators))
        else:
            raise MethodError(f"--flat supports entropy|critic|pca|equal, not '{method}'")
        return pd.DataFrame({"node": indicators, "weight": w, "parent": framework.root.id})
    w = node_weights(framework, choices.weights, basis, force_ahp=choices.force_ahp)
    pos = {n.id: k for k, n in enumerate(framework.nodes)}
    return pd.DataFrame(
        {
            "node": indicators,
            "weight": [w[pos[i]] for i in indicators],
            "parent": [framework[i].parent for i in indicators],
        }
    )
