"""Uncertainty and sensitivity of index ranks to method choices and weights — vectorised.

A replicate is a draw of the uncertain inputs: a method for each varied step (imputation,
normalisation, weighting scheme, aggregation) and a perturbation of every node weight. Instead of
rebuilding the pipeline once per replicate (as COINr's ``get_sensitivity`` does), the data-level
steps are computed once per distinct method and the replicates sharing them are scored together by
:func:`~silkscope.index.build.score_tree` over arrays with a leading replicate axis, in chunks so
memory stays bounded.

Design inputs are points ``u`` of the unit hypercube: one coordinate per varied step (mapped to a
method by ``floor(u * k)``) and one per non-root node weight (mapped to a multiplier
``1 + a (2u - 1)`` for ``weight_noise=a``, or to a Gamma quantile for Dirichlet draws around the
nominal weights). Sobol indices use Saltelli's (2010) design with the Saltelli first-order and
Jansen (1999) total-effect estimators on outputs standardised over all runs (the first-order
estimator is biased for un-centred outputs), the same as SALib's ``sobol.analyze``, bootstrap
resamples included; the weights are one group factor.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from silkscope.errors import MethodError
from silkscope.index.build import (
    node_weights,
    normalised,
    parent_positions,
    prepare,
    rank_within,
    renormalise_siblings,
    score_tree,
    weight_basis,
)
from silkscope.index.choices import AGGREGATE, IMPUTE, NORMALISE, WEIGHTS
from silkscope.index.result import IndexResult

STEPS = ("impute", "normalise", "weights", "aggregate")
_ALLOWED = {"impute": IMPUTE, "normalise": NORMALISE, "weights": WEIGHTS, "aggregate": AGGREGATE}
DEFAULT_VARY: dict[str, Any] = {
    "normalise": ["minmax", "zscore", "rank"],
    "weights": ["framework", "equal", "critic"],
    "aggregate": ["arithmetic", "geometric"],
    "weight_noise": 0.25,
}
Progress = Callable[[int, int], None]
#: Weighting schemes defined only on non-negative normalised values (entropy takes p = x / sum x;
#: CRITIC is specified on min-max normalised data, Diakoulaki et al. 1995), and the normalisations
#: that give negative values: a draw never pairs them.
NONNEGATIVE_WEIGHTS = ("entropy", "critic")
SIGNED_NORMALISE = ("zscore",)
#: what ``sensitivity`` analyses: the mean absolute rank shift, each unit's rank, or both
TARGETS = ("all", "summary", "units")
SUMMARY_TARGET = "mean_abs_rank_shift"
#: replicates scored together: small enough that a chunk's arrays stay in cache (64 was 2.3x faster
#: than 500 for 300 units x 50 indicators; the result does not depend on it)
CHUNK = 64


@dataclass(frozen=True)
class Vary:
    """What varies: alternative methods per step (the nominal one first) and the weight draw."""

    steps: dict[str, tuple[str, ...]]
    weight_noise: float = 0.0
    dirichlet: float | None = None
    #: methods left out of the draw because they are undefined with the chosen weighting
    left_out: tuple[str, ...] = ()

    @classmethod
    def parse(cls, vary: Mapping[str, Any] | None, nominal: IndexResult) -> Vary:
        spec = dict(DEFAULT_VARY if vary is None else vary)
        unknown = set(spec) - {*STEPS, "weight_noise", "dirichlet"}
        if unknown:
            raise MethodError(
                f"cannot vary {', '.join(sorted(unknown))}; expected {', '.join(STEPS)}, weight_noise, dirichlet"
            )
        steps: dict[str, tuple[str, ...]] = {}
        for step in STEPS:
            options = spec.get(step)
            if not options:
                continue
            current = getattr(nominal.choices, step)
            methods = tuple(dict.fromkeys([current, *options]))
            bad = [m for m in methods if m not in _ALLOWED[step]]
            if bad:
                raise MethodError(
                    f"unknown {step} method(s) {', '.join(bad)}; expected {'|'.join(_ALLOWED[step])}"
                )
            steps[step] = methods
        left_out = _defined_combinations(steps, nominal)
        steps = {k: v for k, v in steps.items() if len(v) > 1}
        noise = float(spec.get("weight_noise", 0.0) or 0.0)
        if not 0 <= noise < 1:
            raise MethodError(f"weight_noise is a fraction in [0, 1), got {noise}")
        dirichlet = spec.get("dirichlet")
        if dirichlet is not None and float(dirichlet) <= 0:
            raise MethodError("dirichlet concentration must be > 0")
        return cls(steps, noise, None if dirichlet is None else float(dirichlet), left_out)

    @property
    def varies_weights(self) -> bool:
        return self.weight_noise > 0 or self.dirichlet is not None

    def factors(self) -> list[str]:
        return [*self.steps, *(["weights_perturbation"] if self.varies_weights else [])]


def _defined_combinations(steps: dict[str, tuple[str, ...]], nominal: IndexResult) -> tuple[str, ...]:
    """Drop (in place) the methods whose combinations are undefined; returns what was dropped.

    With an entropy or CRITIC nominal weighting, z-score normalisation leaves the draw; otherwise
    entropy leaves the weighting alternatives when z-score is drawn (CRITIC computes on signed
    values, so it stays as an alternative, as before)."""
    norms = steps.get("normalise", (nominal.choices.normalise,))
    schemes = steps.get("weights", (nominal.choices.weights,))
    dropped: list[str] = []
    if nominal.choices.weights in NONNEGATIVE_WEIGHTS:
        keep = tuple(m for m in norms if m not in SIGNED_NORMALISE or m == nominal.choices.normalise)
        dropped += [f"normalise={m}" for m in norms if m not in keep]
        if "normalise" in steps:
            steps["normalise"] = keep
    elif any(m in SIGNED_NORMALISE for m in norms) and "entropy" in schemes[1:]:
        dropped.append("weights=entropy")
        steps["weights"] = tuple(m for m in schemes if m != "entropy")
    return tuple(dropped)


class Engine:
    """Scores replicates: caches the data-level steps per distinct method and evaluates the rest
    over arrays with a leading replicate axis."""

    def __init__(self, nominal: IndexResult, vary: Vary) -> None:
        if nominal.values is None:
            raise MethodError("uncertainty needs a result that holds its input values (use build())")
        self.nominal = nominal
        self.vary = vary
        self.fw = nominal.framework
        self.parents = parent_positions(self.fw)
        self.n_nodes = len(self.fw.nodes)
        self.root = 0
        self._prep: dict[str, Any] = {}
        self._leaf: dict[tuple[str, str], np.ndarray] = {}
        self._weights: dict[tuple[str, str, str], np.ndarray] = {}
        self.years = nominal.years
        self.units = nominal.units
        #: unit-years the nominal build scores: those below the coverage threshold stay unscored
        self.scored = ~np.isnan(nominal.scores[:, 0])

    def method(self, step: str, index: int) -> str:
        return (
            self.vary.steps[step][index] if step in self.vary.steps else getattr(self.nominal.choices, step)
        )

    def prep(self, impute: str):
        if impute not in self._prep:
            choices = self.nominal.choices.replace(impute=impute)
            self._prep[impute] = prepare(self.nominal.values, self.fw, choices, self.nominal.groups or None)
        return self._prep[impute]

    def leaf(self, impute: str, norm: str) -> np.ndarray:
        key = (impute, norm)
        if key not in self._leaf:
            self._leaf[key] = normalised(
                self.prep(impute), self.fw, self.nominal.choices.replace(normalise=norm)
            )
        return self._leaf[key]

    def base_weights(self, impute: str, norm: str, scheme: str) -> np.ndarray:
        key = (impute, norm, scheme)
        if key not in self._weights:
            choices = self.nominal.choices.replace(normalise=norm, weights=scheme)
            basis = weight_basis(self.prep(impute), self.leaf(impute, norm), choices)
            self._weights[key] = node_weights(self.fw, scheme, basis, force_ahp=choices.force_ahp)
        return self._weights[key]

    def weights_from_u(self, base: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Node weights ``(r, nodes)`` from nominal ``base`` and uniforms ``u`` ``(r, nodes - 1)``."""
        w = np.broadcast_to(base, (len(u), self.n_nodes)).copy()
        if self.vary.dirichlet is not None:
            shape = np.maximum(self.vary.dirichlet * base[1:], 1e-9)
            w[:, 1:] = stats.gamma.ppf(np.clip(u, 1e-12, 1 - 1e-12), shape)
        elif self.vary.weight_noise > 0:
            w[:, 1:] = base[1:] * (1 + self.vary.weight_noise * (2 * u - 1))
        return renormalise_siblings(w, self.parents)

    def index_scores(
        self, design: np.ndarray, chunk: int = CHUNK, progress: Progress | None = None
    ) -> np.ndarray:
        """Index scores ``(replicates, observations)`` for a design in the unit hypercube
        (columns: the varied steps in ``STEPS`` order, then one per non-root node weight)."""
        n = len(design)
        steps = list(self.vary.steps)
        codes = {
            s: np.minimum((design[:, k] * len(self.vary.steps[s])).astype(int), len(self.vary.steps[s]) - 1)
            for k, s in enumerate(steps)
        }
        u_w = design[:, len(steps) :]
        combo = np.stack([codes[s] for s in steps], axis=1) if steps else np.zeros((n, 0), int)
        out = np.empty((n, len(self.units)))
        done = 0
        scope = self.years if self.nominal.choices.scope == "by-year" else None
        for key in np.unique(combo, axis=0) if steps else [np.zeros(0, int)]:
            rows = np.flatnonzero((combo == key).all(axis=1)) if steps else np.arange(n)
            pick = dict(zip(steps, key.tolist(), strict=True))
            imp, norm, scheme, agg = (
                self.method(s, pick[s]) if s in pick else getattr(self.nominal.choices, s) for s in STEPS
            )
            leaf = self.leaf(imp, norm)
            base = self.base_weights(imp, norm, scheme)
            for start in range(0, len(rows), chunk):
                part = rows[start : start + chunk]
                w = (
                    self.weights_from_u(base, u_w[part])
                    if self.vary.varies_weights
                    else np.broadcast_to(base, (len(part), self.n_nodes))
                )
                leaves = np.broadcast_to(leaf, (len(part), *leaf.shape))
                scores = score_tree(
                    leaves, w, self.fw, agg, scope=scope, zero_rule=self.nominal.choices.zero_rule
                )
                out[part] = np.where(self.scored, scores[..., self.root], np.nan)
                done += len(part)
                if progress:
                    progress(done, n)
        return out

    def ranks(self, scores: np.ndarray) -> np.ndarray:
        return rank_within(scores[..., None], self.years)[..., 0]

    def n_dims(self) -> int:
        return len(self.vary.steps) + (self.n_nodes - 1 if self.vary.varies_weights else 0)


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Replicate ranks of the index and the draws that produced them."""

    units: np.ndarray
    years: np.ndarray
    nominal_rank: np.ndarray
    ranks: np.ndarray  # (replicates, observations)
    design: np.ndarray
    vary: Vary
    top_k: int = 10
    meta: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Per unit-year: ``unit_id, year, nominal_rank, median_rank, rank_p05, rank_p95, p_top10``
        and ``mean_abs_shift`` (mean |replicate rank - nominal rank|)."""
        r = self.ranks
        ranked = ~np.isnan(r).all(axis=0)  # unit-years below the coverage threshold: all NaN
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = pd.DataFrame(
                {
                    "unit_id": self.units,
                    "year": self.years.astype(int),
                    "nominal_rank": pd.array(self.nominal_rank, dtype="Float64").astype("Int64"),
                    "median_rank": np.nanmedian(r, axis=0),
                    "rank_p05": np.nanpercentile(r, 5, axis=0),
                    "rank_p95": np.nanpercentile(r, 95, axis=0),
                    f"p_top{self.top_k}": np.where(ranked, np.nanmean(r <= self.top_k, axis=0), np.nan),
                    "mean_abs_shift": np.nanmean(np.abs(r - self.nominal_rank), axis=0),
                }
            )
        return frame.sort_values(["year", "nominal_rank", "unit_id"]).reset_index(drop=True)

    def latest_ranked_year(self) -> int:
        """The latest year with a nominal rank (years below the coverage threshold have none)."""
        ranked = self.years[~np.isnan(np.asarray(self.nominal_rank, dtype=float))]
        return int(ranked.max()) if len(ranked) else int(self.years.max())

    def summary(self) -> str:
        frame = self.to_frame()
        last = frame[frame.year == self.latest_ranked_year()]
        width = (last.rank_p95 - last.rank_p05).median()
        return (
            f"{len(self.ranks):,} replicates varying {', '.join(self.vary.factors()) or 'nothing'}; "
            f"median 90% rank interval width {width:.1f} places in {int(last.year.iloc[0])}; "
            f"mean |rank shift| {np.nanmean(np.abs(self.ranks - self.nominal_rank)):.2f}"
            + (
                f"; left out of the draw (undefined with {self.meta.get('weights', 'this')} weights): "
                + ", ".join(self.vary.left_out)
                if self.vary.left_out
                else ""
            )
        )

    def figure(self, year: int | None = None, labels: Mapping[str, str] | None = None):
        """Rank-interval plot: units sorted by nominal rank, a bar for the 5-95 % interval."""
        import plotly.graph_objects as go

        frame = self.to_frame()
        year = self.latest_ranked_year() if year is None else year
        frame = frame[frame.year == year]
        names = [labels.get(u, u) if labels else u for u in frame.unit_id]
        fig = go.Figure()
        fig.add_bar(
            x=names,
            y=frame.rank_p95 - frame.rank_p05,
            base=frame.rank_p05,
            name="5–95 %",
            marker_color="rgba(122,31,31,0.35)",
        )
        fig.add_scatter(
            x=names, y=frame.median_rank, mode="markers", name="median", marker={"color": "#7a1f1f"}
        )
        fig.add_scatter(
            x=names,
            y=frame.nominal_rank.astype(float),
            mode="markers",
            name="nominal",
            marker={"symbol": "x", "color": "black"},
        )
        fig.update_layout(yaxis={"autorange": "reversed", "title": "rank"}, height=450)
        return fig


@dataclass(frozen=True, eq=False)
class SensitivityResult:
    """First-order (S1) and total (ST) Sobol indices with bootstrap confidence intervals, and the
    runs behind them: ``design`` ``(factors + 2, n, dims)`` and ``outputs``
    ``(factors + 2, n, targets)`` for the matrices A, B, AB_1, ..., AB_k (targets in the frame's
    order), so the analysis can be repeated elsewhere (e.g. SALib's ``sobol.analyze``)."""

    frame: pd.DataFrame
    design: np.ndarray | None = None
    outputs: np.ndarray | None = None

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> str:
        """S1 and ST per factor on the mean rank shift, or (units only) their medians over units."""
        agg = self.frame[self.frame.target == SUMMARY_TARGET]
        if agg.empty:
            agg = self.frame.groupby("factor", sort=False)[["S1", "ST"]].median().reset_index()
            head = f"median over {self.frame.target.nunique()} units: "
        else:
            head = ""
        return head + "; ".join(f"{r.factor}: S1 {r.S1:.2f}, ST {r.ST:.2f}" for r in agg.itertuples())

    def figure(self, target: str = SUMMARY_TARGET):
        """Bar chart of S1 and ST per factor for one target."""
        import plotly.graph_objects as go

        part = self.frame[self.frame.target == target]
        fig = go.Figure()
        fig.add_bar(
            x=part.factor,
            y=part.S1,
            name="S1 (first order)",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": part.S1_high - part.S1,
                "arrayminus": part.S1 - part.S1_low,
            },
        )
        fig.add_bar(
            x=part.factor,
            y=part.ST,
            name="ST (total)",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": part.ST_high - part.ST,
                "arrayminus": part.ST - part.ST_low,
            },
        )
        fig.update_layout(barmode="group", yaxis={"title": "Sobol index"}, height=400)
        return fig


def uncertainty(
    nominal: IndexResult,
    n: int = 1000,
    vary: Mapping[str, Any] | None = None,
    seed: int = 0,
    *,
    chunk: int = CHUNK,
    top_k: int = 10,
    progress: Progress | None = None,
) -> UncertaintyResult:
    """Rank distribution of every unit over ``n`` random draws of the varied choices and weights.

    The same ``seed`` gives the same draws; the chunk size does not change the result.
    """
    if n < 1:
        raise MethodError("n must be at least 1")
    spec = Vary.parse(vary, nominal)
    engine = Engine(nominal, spec)
    rng = np.random.default_rng(seed)
    design = rng.random((n, engine.n_dims()))
    scores = engine.index_scores(design, chunk=chunk, progress=progress)
    ranks = engine.ranks(scores)
    root = 0
    return UncertaintyResult(
        units=nominal.units,
        years=nominal.years,
        nominal_rank=nominal.ranks[:, root],
        ranks=ranks,
        design=design,
        vary=spec,
        top_k=top_k,
        meta={"seed": seed, "n": n, "weights": nominal.choices.weights},
    )


def saltelli_design(n: int, groups: list[int], seed: int) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Matrices A, B (``n x d``, from a scrambled Sobol' sequence in 2d dimensions) and for each group
    factor the matrix AB_g: A with the group's columns taken from B (Saltelli et al. 2010)."""
    d = len(groups)
    sampler = qmc.Sobol(d=2 * d, scramble=True, seed=seed)
    base = sampler.random(n)
    a, b = base[:, :d], base[:, d:]
    mixes = []
    for g in sorted(set(groups)):
        ab = a.copy()
        cols = [k for k, gg in enumerate(groups) if gg == g]
        ab[:, cols] = b[:, cols]
        mixes.append(ab)
    return a, b, mixes


def _bootstrap_counts(n: int, n_boot: int, seed: int) -> np.ndarray:
    """How often each of the ``n`` rows enters each of ``n_boot`` resamples ``(n_boot, n)``.

    The indices are SALib's (``sobol.analyze`` with a non-zero ``seed`` draws
    ``default_rng(seed).integers(n, size=(n, n_boot))``, one resample per column), so the
    confidence intervals equal SALib's; a mean over a resample is then ``counts @ x / n``."""
    draws = np.random.default_rng(seed).integers(n, size=(n, n_boot))
    flat = (draws + np.arange(n_boot) * n).ravel()
    return np.bincount(flat, minlength=n * n_boot).reshape(n_boot, n).astype(float)


def _ratio(num: np.ndarray, var: np.ndarray) -> np.ndarray:
    """``num / var``, 0 where the variance of ``f(A), f(B)`` vanishes (SALib's convention)."""
    eps = np.finfo(float).eps
    return np.divide(num, var, out=np.zeros_like(num), where=var > eps)


def sobol_indices(
    fa: np.ndarray,
    fb: np.ndarray,
    fab: list[np.ndarray],
    *,
    n_boot: int = 500,
    conf: float = 0.95,
    seed: int = 0,
    block: int = 2_000_000,
) -> dict[str, np.ndarray]:
    """S1 and ST per factor for outputs ``(n, ...)`` with bootstrap confidence half-widths
    (``S1_conf``, ``ST_conf``: z * bootstrap sd), as SALib's ``sobol.analyze`` reports them.

    Each target's outputs are first standardised over all ``n * (factors + 2)`` runs, as SALib
    does: the first-order estimator of Saltelli et al. (2010, table 2 (b)),
    ``V_i ~ mean(f(B) (f(AB_i) - f(A)))``, is biased for un-centred outputs. ``ST`` is Jansen's
    (1999) ``mean((f(A) - f(AB_i))^2) / 2``; both are divided by ``var(f(A), f(B))``. The
    bootstrap draws its resamples once (SALib's indices for the same non-zero ``seed``; SALib
    takes NumPy's global generator for ``seed=0``) and reduces every resample, factor and target
    in one matrix product of the resample counts with the per-run terms, ``block`` values at a
    time. A target constant over all runs has NaN indices (SALib reports 0)."""
    shape = fa.shape[1:]
    n, k = len(fa), len(fab)
    width = int(np.prod(shape, dtype=int))
    counts = _bootstrap_counts(n, n_boot, seed)
    z = stats.norm.ppf(0.5 + conf / 2)
    out = {key: np.full((k, width), np.nan) for key in ("S1", "S1_conf", "ST", "ST_conf")}
    step = max(1, block // (n * (2 * k + 2)))
    with np.errstate(invalid="ignore", divide="ignore"):
        for lo in range(0, width, step):
            cols = slice(lo, min(width, lo + step))
            runs = np.stack([x.reshape(n, width)[:, cols] for x in (fa, fb, *fab)])
            sd = runs.std(axis=(0, 1))
            runs = (runs - runs.mean(axis=(0, 1))) / np.where(sd > 0, sd, 1.0)
            a, b, abs_ = runs[0], runs[1], runs[2:]
            terms = np.concatenate(
                [((a + b) / 2)[None], ((a * a + b * b) / 2)[None], b * (abs_ - a), 0.5 * (a - abs_) ** 2]
            )  # (2 + 2k, n, c): mean, mean square, first-order and total terms per run
            full = terms.mean(axis=1)
            boot = (counts @ terms.transpose(1, 0, 2).reshape(n, -1) / n).reshape(n_boot, *terms.shape[::2])
            var = np.var(np.concatenate([a, b]), axis=0)
            boot_var = boot[:, 1] - boot[:, 0] ** 2
            for key, part in (("S1", slice(2, 2 + k)), ("ST", slice(2 + k, 2 + 2 * k))):
                est = _ratio(full[part], var)
                resampled = _ratio(boot[:, part], boot_var[:, None])
                constant = ~(sd > 0)
                out[key][:, cols] = np.where(constant, np.nan, est)
                out[f"{key}_conf"][:, cols] = np.where(constant, np.nan, z * resampled.std(axis=0, ddof=1))
    return {key: v.reshape(k, *shape) for key, v in out.items()}


def sensitivity(
    nominal: IndexResult,
    n: int = 256,
    vary: Mapping[str, Any] | None = None,
    seed: int = 0,
    *,
    year: int | None = None,
    targets: str = "all",
    chunk: int = CHUNK,
    n_boot: int = 300,
    progress: Progress | None = None,
) -> SensitivityResult:
    """Sobol indices of each varied step (and of the weight perturbation as one group) on each
    unit's rank in ``year`` (latest by default) and on the mean absolute rank shift versus the
    nominal ranking (``targets``: ``all``, ``summary`` = the shift only, ``units`` = the ranks
    only). Costs ``n * (factors + 2)`` replicate evaluations; ``progress`` counts them."""
    if targets not in TARGETS:
        raise MethodError(f"unknown Sobol targets '{targets}'; expected {'|'.join(TARGETS)}")
    if n < 2 or n_boot < 2:
        raise MethodError("Sobol indices need a base sample n >= 2 and at least 2 bootstrap resamples")
    spec = Vary.parse(vary, nominal)
    engine = Engine(nominal, spec)
    groups = list(range(len(spec.steps)))
    if spec.varies_weights:
        groups += [len(spec.steps)] * (engine.n_nodes - 1)
    if not groups:
        raise MethodError("nothing varies: give alternative methods or a weight perturbation")
    a, b, mixes = saltelli_design(n, groups, seed)
    year = nominal.headline_year() if year is None else int(year)
    cols = np.flatnonzero((nominal.years == year) & ~np.isnan(nominal.scores[:, 0]))
    nominal_rank = nominal.ranks[cols, 0]
    designs = [a, b, *mixes]
    total = n * len(designs)

    def outputs(k: int, design: np.ndarray) -> np.ndarray:
        step = (lambda done, _: progress(k * n + done, total)) if progress else None
        ranks = engine.ranks(engine.index_scores(design, chunk=chunk, progress=step))[:, cols]
        parts = [] if targets == "summary" else [ranks]
        if targets != "units":
            parts.append(np.nanmean(np.abs(ranks - nominal_rank), axis=1, keepdims=True))
        return np.concatenate(parts, axis=1)

    fa, fb, *fab = (outputs(k, d) for k, d in enumerate(designs))
    idx = sobol_indices(fa, fb, fab, n_boot=n_boot, seed=seed)
    names = [] if targets == "summary" else nominal.units[cols].tolist()
    names += [] if targets == "units" else [SUMMARY_TARGET]
    factors = spec.factors()
    s1, s1c, st, stc = (idx[k].ravel() for k in ("S1", "S1_conf", "ST", "ST_conf"))
    frame = pd.DataFrame(
        {
            "target": np.tile(np.asarray(names, dtype=object), len(factors)),
            "year": year,
            "factor": np.repeat(np.asarray(factors, dtype=object), len(names)),
            "S1": s1,
            "S1_low": s1 - s1c,
            "S1_high": s1 + s1c,
            "ST": st,
            "ST_low": st - stc,
            "ST_high": st + stc,
        }
    )
    return SensitivityResult(frame, np.stack(designs), np.stack([fa, fb, *fab]))
