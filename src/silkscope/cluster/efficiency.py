"""Data Envelopment Analysis and the Malmquist productivity index, solved with HiGHS.

One envelopment LP is built per (model, orientation, reference set) and re-solved for every unit
by changing only the unit's own column coefficients and right-hand sides (warm-started), instead
of building a fresh LP per unit. By default (``method="frontier"``) each LP holds only a working set
of frontier units grown by pricing (Dulá 2011; :mod:`silkscope.cluster.efficiency_frontier`),
with the same optima; ``method="full"`` keeps every unit in every LP.

* CCR (Charnes, Cooper & Rhodes 1978): constant returns to scale.
* BCC (Banker, Charnes & Cooper 1984): variable returns, ``sum(lambda) = 1``.
* Input orientation: min theta s.t. X lambda <= theta x_o, Y lambda >= y_o. Output orientation:
  max phi s.t. X lambda <= x_o, Y lambda >= phi y_o; efficiency = 1 / phi.
* Slacks: second stage maximising the sum of slacks with theta (phi) fixed (Coelli 1996, DEAP).
* Super-efficiency (Andersen & Petersen 1993): unit o is removed from its own reference set.
* Scale efficiency = CCR / BCC (Coelli, Rao, O'Donnell & Battese 2005, ch. 8).
* SBM (Tone 2001): the slacks-based measure rho = (1 - mean(s-/x_o)) / (1 + mean(s+/y_o)),
  non-oriented or input/output-oriented, CRS or VRS, linearised by the Charnes-Cooper
  transformation; an output that is 0 for the evaluated unit is left out of its mean (as Cooper,
  Seiford & Tone 2007 do for zero data); undesirable outputs enter the denominator with their own slacks (Tone 2004;
  Cooper, Seiford & Tone 2007, sec. 13.4), weighted by their share of all outputs.
* Malmquist (Färe, Grosskopf, Norris & Zhang 1994): CRS input distance functions across adjacent
  periods; M = effch x techch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError

MODELS = ("ccr", "bcc", "sbm")
ORIENTATIONS = ("input", "output", "none")  # "none": non-oriented, SBM only
METHODS = ("frontier", "full")  # LPs over the screened frontier (default) or over every unit


def _highs():
    """A silent HiGHS model; its constructor prints a banner on the C stdout, which is muted."""
    import os
    import sys

    import highspy

    sys.stdout.flush()
    saved, devnull = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    return h


def _set_matrix(lp, dense: np.ndarray) -> None:
    """Give a HighsLp the non-zeros of ``dense`` column-wise (placeholder 1.0 entries included,
    so the sparsity pattern stays fixed while per-unit solves overwrite them)."""
    import highspy
    from scipy.sparse import csc_matrix

    matrix = csc_matrix(dense)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)


def set_radial_point(h, orientation: str, x_o: np.ndarray, y_o: np.ndarray, inf: float) -> None:
    """Point the radial envelopment LP in HiGHS model ``h`` at unit ``(x_o, y_o)``: column 0 is
    theta (input: rows X lambda - theta x_o <= 0, Y lambda >= y_o) or phi (output: X lambda <= x_o,
    Y lambda - phi y_o >= 0); rows 0..m-1 inputs, m..m+s-1 outputs."""
    m, s = len(x_o), len(y_o)
    if orientation == "input":
        for i in range(m):
            h.changeCoeff(i, 0, -float(x_o[i]))
        for r in range(s):
            h.changeRowBounds(m + r, float(y_o[r]), inf)
    else:
        for i in range(m):
            h.changeRowBounds(i, -inf, float(x_o[i]))
        for r in range(s):
            h.changeCoeff(m + r, 0, -float(y_o[r]))


class EnvelopmentLP:
    """The envelopment LP over a fixed reference set ``(X_ref, Y_ref)`` (units in columns), re-solved
    for any evaluated point ``(x_o, y_o)``. Column 0 is theta (or phi), columns 1.. are lambdas."""

    def __init__(self, x_ref: np.ndarray, y_ref: np.ndarray, vrs: bool, orientation: str) -> None:
        import highspy

        self.m, self.n = x_ref.shape
        self.s = y_ref.shape[0]
        self.orientation = orientation
        self.vrs = vrs
        self.x_ref, self.y_ref = x_ref, y_ref
        inf = highspy.kHighsInf
        self.inf = inf
        n_rows = self.m + self.s + (1 if vrs else 0)
        dense = np.zeros((n_rows, self.n + 1))
        dense[: self.m, 1:] = x_ref
        dense[self.m : self.m + self.s, 1:] = y_ref
        if vrs:
            dense[-1, 1:] = 1.0
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = self.n + 1, n_rows
        lp.col_cost_ = np.r_[1.0, np.zeros(self.n)]
        lp.col_lower_ = np.r_[-inf, np.zeros(self.n)]
        lp.col_upper_ = np.full(self.n + 1, inf)
        lp.row_lower_ = np.r_[np.full(self.m, -inf), np.zeros(self.s), [1.0] if vrs else []]
        lp.row_upper_ = np.r_[np.zeros(self.m), np.full(self.s, inf), [1.0] if vrs else []]
        # theta's column gets one entry per input (input orientation) or output row: placeholders
        # of 1.0 keep the sparsity pattern fixed; each solve overwrites them.
        rows_of_theta = range(self.m) if orientation == "input" else range(self.m, self.m + self.s)
        dense[list(rows_of_theta), 0] = 1.0
        _set_matrix(lp, dense)
        if orientation == "output":
            lp.sense_ = highspy.ObjSense.kMaximize
        self.h = _highs()
        self.h.passModel(lp)
        self._kind = highspy.HighsModelStatus

    def solve(self, x_o: np.ndarray, y_o: np.ndarray, exclude: int | None = None) -> tuple[float, np.ndarray]:
        """theta (input) or phi (output) and the lambdas for point ``(x_o, y_o)``; ``exclude`` drops
        one reference unit (super-efficiency). Returns (nan, ...) when infeasible."""
        h = self.h
        set_radial_point(h, self.orientation, x_o, y_o, self.inf)
        if exclude is not None:
            h.changeColBounds(exclude + 1, 0.0, 0.0)
        h.run()
        status = h.getModelStatus()
        if exclude is not None:
            h.changeColBounds(exclude + 1, 0.0, self.inf)
        if status != self._kind.kOptimal:
            return float("nan"), np.full(self.n, np.nan)
        sol = np.asarray(h.getSolution().col_value)
        return float(sol[0]), sol[1:]

    def max_slacks(self, score: float) -> np.ndarray:
        """Second stage on the same model, right after :meth:`solve` for the same unit: fix
        theta/phi at ``score`` and maximise the sum of slacks, i.e. ``(Y sums - X sums) . lambda``."""
        h = self.h
        gain = self.y_ref.sum(axis=0) - self.x_ref.sum(axis=0)
        sign = -1.0 if self.orientation == "input" else 1.0  # input model minimises, output maximises
        columns = np.arange(self.n + 1, dtype=np.int32)
        h.changeColsCost(self.n + 1, columns, np.r_[0.0, sign * gain])
        h.changeColBounds(0, score, score)
        h.run()
        ok = h.getModelStatus() == self._kind.kOptimal
        lam = np.asarray(h.getSolution().col_value)[1:] if ok else np.full(self.n, np.nan)
        h.changeColsCost(self.n + 1, columns, np.r_[1.0, np.zeros(self.n)])
        h.changeColBounds(0, -self.inf, self.inf)
        return lam


class SlacksBasedLP:
    """Tone's (2001) SBM over a fixed reference set, linearised (Charnes-Cooper) and re-solved per unit.

    Columns: ``t``, ``Lambda`` (n), ``S-`` (m), ``S+`` (good outputs), ``Sb`` (bad outputs).
    Rows: ``t + sum(w+ S+) + sum(wb Sb) = 1``; ``X Lambda + S- - x_o t = 0``;
    ``Y Lambda - S+ - y_o t = 0``; ``B Lambda + Sb - b_o t = 0``; VRS: ``sum(Lambda) - t = 0``.
    Objective: ``min t - sum(S- / (m x_o))``. Input orientation drops the output terms of the
    first row (so ``t = 1``), output orientation the input terms of the objective.
    """

    def __init__(
        self, x_ref: np.ndarray, y_ref: np.ndarray, b_ref: np.ndarray, vrs: bool, orientation: str
    ) -> None:
        import highspy

        self.m, self.n = x_ref.shape
        self.s, self.q = y_ref.shape[0], b_ref.shape[0]
        self.orientation = orientation
        m, n, s, q = self.m, self.n, self.s, self.q
        inf = highspy.kHighsInf
        n_cols = 1 + n + m + s + q
        self.first_slack = 1 + n
        n_rows = 1 + m + s + q + (1 if vrs else 0)
        dense = np.zeros((n_rows, n_cols))
        dense[0, 0] = 1.0
        if orientation != "input":
            dense[0, 1 + n + m :] = 1.0  # placeholders for the output-slack weights
        body = slice(1, 1 + m + s + q)
        dense[body, 1 : 1 + n] = np.r_[x_ref, y_ref, b_ref]
        dense[body, 0] = 1.0  # placeholders for -x_o, -y_o, -b_o
        dense[1 : 1 + m, 1 + n : 1 + n + m] = np.eye(m)
        dense[1 + m : 1 + m + s, 1 + n + m : 1 + n + m + s] = -np.eye(s)
        dense[1 + m + s : 1 + m + s + q, 1 + n + m + s :] = np.eye(q)
        if vrs:
            dense[-1, 0], dense[-1, 1 : 1 + n] = -1.0, 1.0
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n_cols, n_rows
        lp.col_cost_ = np.r_[1.0, np.zeros(n_cols - 1)]
        lp.col_lower_, lp.col_upper_ = np.zeros(n_cols), np.full(n_cols, inf)
        lp.row_lower_ = lp.row_upper_ = np.r_[1.0, np.zeros(n_rows - 1)]
        _set_matrix(lp, dense)
        self.h = _highs()
        self.h.passModel(lp)
        self._optimal = highspy.HighsModelStatus.kOptimal

    def solve(
        self, x_o: np.ndarray, y_o: np.ndarray, b_o: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """``(rho, slacks, lambdas)`` for one unit; slacks are ``s-, s+, sb`` in data units."""
        h, m, s, q, n = self.h, self.m, self.s, self.q, self.n
        point = np.r_[x_o, y_o, b_o]
        for row in range(m + s + q):
            h.changeCoeff(1 + row, 0, -float(point[row]))
        if self.orientation != "input":
            outputs = np.r_[y_o, b_o]
            positive = max(int((outputs > 0).sum()), 1)  # a zero output's term is left out of the mean
            for k in range(s + q):
                weight = 1.0 / (positive * float(outputs[k])) if outputs[k] > 0 else 0.0
                h.changeCoeff(0, 1 + n + m + k, weight)
        cost = np.zeros(m) if self.orientation == "output" else -1.0 / (m * x_o)
        h.changeColsCost(m, np.arange(1 + n, 1 + n + m, dtype=np.int32), cost)
        h.run()
        if h.getModelStatus() != self._optimal:
            return float("nan"), np.full(m + s + q, np.nan), np.full(n, np.nan)
        sol = np.asarray(h.getSolution().col_value)
        t = sol[0]
        return float(h.getInfo().objective_function_value), sol[1 + n :] / t, sol[1 : 1 + n] / t


@dataclass(frozen=True)
class DEAResult:
    """Per-unit efficiency, scale efficiency, slacks and targets of one DEA run."""

    frame: pd.DataFrame
    model: str
    orientation: str
    twins: tuple[tuple[str, ...], ...] = ()  # units with identical data

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> str:
        eff = self.frame["efficiency"]
        oriented = "non-oriented" if self.orientation == "none" else f"{self.orientation}-oriented"
        text = (
            f"DEA {self.model.upper()} {oriented}: {len(eff)} units, "
            f"{int((eff >= 1 - 1e-9).sum())} efficient, mean efficiency {eff.mean():.3f}"
        )
        if self.twins:
            groups = "; ".join(" = ".join(g) for g in self.twins[:5])
            text += f"\nidentical inputs and outputs (same scores, each other's peers): {groups}"
        return text

    def figure(self):
        import plotly.graph_objects as go

        f = self.frame.sort_values("efficiency")
        return go.Figure(
            go.Bar(x=f["efficiency"], y=f["unit_id"].astype(str), orientation="h")
        ).update_layout(xaxis_title="efficiency", height=max(350, 16 * len(f)))


def _validate(x: np.ndarray, y: np.ndarray, inputs: list[str], outputs: list[str], units: list[str]) -> None:
    problems = []
    for k, name in enumerate(inputs):
        bad = np.flatnonzero(~np.isfinite(x[:, k]) | (x[:, k] <= 0))
        if len(bad):
            problems.append(
                f"input '{name}' must be > 0; unit(s) {', '.join(units[b] for b in bad[:5])} have {x[bad[0], k]}"
            )
    for k, name in enumerate(outputs):
        bad = np.flatnonzero(~np.isfinite(y[:, k]) | (y[:, k] < 0))
        if len(bad):
            problems.append(
                f"output '{name}' must be >= 0; unit(s) {', '.join(units[b] for b in bad[:5])} have {y[bad[0], k]}"
            )
        if np.all(y[:, k] == 0):
            problems.append(f"output '{name}' is 0 for every unit")
    if problems:
        raise InputError("; ".join(problems), hint="DEA needs positive inputs and non-negative outputs")


def dea(
    frame: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    *,
    model: str = "ccr",
    orientation: str = "input",
    super_efficiency: bool = False,
    unit: str = "unit_id",
    rts: str = "crs",
    undesirable: list[str] | None = None,
    method: str = "frontier",
) -> DEAResult:
    """DEA efficiency of every row of ``frame`` against the others (one period).

    Columns: ``unit_id, efficiency, scale_efficiency`` (CRS / VRS score: both models are solved),
    then ``slack_<var>`` and ``target_<var>`` per input and output, ``super_efficiency`` if asked.
    ``rts`` and ``undesirable`` (outputs to reduce, a subset of ``outputs``) apply to SBM.
    ``method="frontier"`` solves each LP against the screened frontier (column generation, Dulá
    2011); ``"full"`` against every unit. Both give the same optima; "full" is the reference path.
    """
    if method not in METHODS:
        raise MethodError(f"method must be frontier|full; got {method}")
    if model not in MODELS or orientation not in ORIENTATIONS or rts not in ("crs", "vrs"):
        raise MethodError(
            f"model must be ccr|bcc|sbm, orientation input|output|none, rts crs|vrs; got {model}, {orientation}, {rts}"
        )
    undesirable = list(undesirable or [])
    if model != "sbm" and (orientation == "none" or undesirable):
        raise MethodError(
            "non-oriented efficiency and undesirable outputs need --model sbm (Tone 2001, 2004)"
        )
    if model == "sbm" and super_efficiency:
        raise MethodError("super-efficiency is implemented for ccr and bcc (Andersen-Petersen), not for sbm")
    stray = [b for b in undesirable if b not in outputs]
    if stray:
        raise InputError(f"undesirable output(s) {', '.join(stray)} must also be listed among the outputs")
    missing = [c for c in [unit, *inputs, *outputs] if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}; have {', '.join(map(str, frame.columns))}")
    units = frame[unit].astype(str).tolist()
    x = frame[inputs].to_numpy(dtype=float)
    y = frame[outputs].to_numpy(dtype=float)
    _validate(x, y, inputs, outputs, units)
    if model == "sbm":
        good = [o for o in outputs if o not in undesirable]
        rows = _sbm_rows(frame, units, inputs, good, undesirable, orientation, rts, method)
        return DEAResult(pd.DataFrame(rows), model, orientation, _twins(x, y, units))
    if method == "full":
        solve_unit, order = _full_solver(x, y, model, orientation, super_efficiency), range(len(units))
    else:
        from silkscope.cluster.efficiency_frontier import visit_order

        solve_unit = _frontier_solver(x, y, model, orientation, super_efficiency)
        order = visit_order(x, y)  # similar units in a row: warm starts close to the optimum
    solutions = [None] * len(units)
    for o in order:
        solutions[o] = solve_unit(o)
    rows = []
    for o in range(len(units)):
        crs, vrs, xl, yl, sup = solutions[o]
        score = crs if model == "ccr" else vrs
        eff = score if orientation == "input" else 1.0 / score
        crs, vrs = (crs, vrs) if orientation == "input" else (1.0 / crs, 1.0 / vrs)
        row: dict[str, object] = {"unit_id": units[o], "efficiency": eff, "scale_efficiency": crs / vrs}
        if orientation == "input":
            s_in, s_out = score * x[o] - xl, yl - y[o]
            t_in, t_out = score * x[o] - s_in, y[o] + s_out
        else:
            s_in, s_out = x[o] - xl, yl - score * y[o]
            t_in, t_out = x[o] - s_in, score * y[o] + s_out
        for k, name in enumerate(inputs):
            row[f"slack_{name}"] = max(float(s_in[k]), 0.0)
            row[f"target_{name}"] = float(t_in[k])
        for k, name in enumerate(outputs):
            row[f"slack_{name}"] = max(float(s_out[k]), 0.0)
            row[f"target_{name}"] = float(t_out[k])
        if super_efficiency:
            row["super_efficiency"] = sup if orientation == "input" else (1.0 / sup if sup else np.nan)
        rows.append(row)
    return DEAResult(pd.DataFrame(rows), model, orientation, _twins(x, y, units))


_UnitSolution = tuple[float, float, np.ndarray, np.ndarray, float]


def _full_solver(x: np.ndarray, y: np.ndarray, model: str, orientation: str, super_: bool):
    """The exhaustive path: every LP over all units. Returns ``o -> (ccr, bcc, X lambda, Y lambda,
    super)`` with the raw theta/phi scores and the second-stage (max-slack) lambdas of ``model``."""
    lps = {m: EnvelopmentLP(x.T, y.T, vrs=(m == "bcc"), orientation=orientation) for m in ("ccr", "bcc")}
    other = "bcc" if model == "ccr" else "ccr"

    def solve_unit(o: int) -> _UnitSolution:
        scores = {other: lps[other].solve(x[o], y[o])[0], model: lps[model].solve(x[o], y[o])[0]}
        lam = lps[model].max_slacks(scores[model])
        sup = lps[model].solve(x[o], y[o], exclude=o)[0] if super_ else np.nan
        return scores["ccr"], scores["bcc"], x.T @ lam, y.T @ lam, sup

    return solve_unit


def _frontier_solver(x: np.ndarray, y: np.ndarray, model: str, orientation: str, super_: bool):
    """The screened path (:mod:`silkscope.cluster.efficiency_frontier`): the same LPs over a working
    set of frontier units grown by pricing, with the same optima."""
    from silkscope.cluster.efficiency_frontier import FrontierEnvelopmentLP

    lps = {
        m: FrontierEnvelopmentLP(x.T, y.T, vrs=(m == "bcc"), orientation=orientation) for m in ("ccr", "bcc")
    }
    other = "bcc" if model == "ccr" else "ccr"

    def solve_unit(o: int) -> _UnitSolution:
        scores = {model: lps[model].solve(x[o], y[o])}
        if model == "ccr" and abs(lps["ccr"].lambda_sum - 1.0) <= 1e-12:
            scores["bcc"] = scores["ccr"]  # a CCR optimum with sum(lambda) = 1 is BCC's optimum too
        else:
            scores[other] = lps[other].solve(x[o], y[o])
        xl, yl = lps[model].max_slacks(scores[model])
        sup = lps[model].super_solve(o, x[o], y[o]) if super_ else np.nan
        return scores["ccr"], scores["bcc"], xl, yl, sup

    return solve_unit


def _sbm_rows(
    frame: pd.DataFrame,
    units: list[str],
    inputs: list[str],
    good: list[str],
    bad: list[str],
    orientation: str,
    rts: str,
    method: str,
) -> list[dict[str, object]]:
    x, y, b = (frame[c].to_numpy(dtype=float) for c in (inputs, good, bad))
    if method == "full":
        kind = SlacksBasedLP
    else:
        from silkscope.cluster.efficiency_frontier import FrontierSlacksBasedLP as kind
    lps = {v: kind(x.T, y.T, b.T, vrs=v == "vrs", orientation=orientation) for v in ("crs", "vrs")}
    rows = []
    for o in range(len(units)):
        scores = {v: lps[v].solve(x[o], y[o], b[o]) for v in lps}
        rho, slacks = scores[rts][:2]
        row: dict[str, object] = {
            "unit_id": units[o],
            "efficiency": rho,
            "scale_efficiency": scores["crs"][0] / scores["vrs"][0],
        }
        s_in, s_good, s_bad = np.split(slacks, [len(inputs), len(inputs) + len(good)])
        for names, data, slack, sign in ((inputs, x, s_in, -1), (good, y, s_good, 1), (bad, b, s_bad, -1)):
            for k, name in enumerate(names):
                row[f"slack_{name}"] = max(float(slack[k]), 0.0)
                row[f"target_{name}"] = float(data[o, k] + sign * max(float(slack[k]), 0.0))
        rows.append(row)
    return rows


def _twins(x: np.ndarray, y: np.ndarray, units: list[str]) -> tuple[tuple[str, ...], ...]:
    """Groups of units with identical inputs and outputs (they share every score)."""
    data = pd.DataFrame(np.c_[x, y]).assign(unit=units)
    columns = list(range(x.shape[1] + y.shape[1]))
    same = data[data.duplicated(columns, keep=False)]
    return tuple(tuple(g.unit) for _, g in same.groupby(columns, sort=False))


def malmquist(
    frame: pd.DataFrame, inputs: list[str], outputs: list[str], *, unit: str = "unit_id", year: str = "year"
) -> pd.DataFrame:
    """Input-oriented CRS Malmquist index between adjacent years (Färe et al. 1994):
    ``unit_id, period, malmquist, effch, techch``; every unit must be observed in every year."""
    frame = frame.assign(**{year: frame[year].astype(int)})
    years = sorted(frame[year].unique())
    if len(years) < 2:
        raise InputError("Malmquist needs at least two years")
    counts = frame.groupby(unit)[year].nunique()
    gaps = counts[counts < len(years)]
    if not gaps.empty:
        raise InputError(
            f"unbalanced panel: unit(s) {', '.join(map(str, gaps.index[:5]))} miss some of the years {years}",
            hint="Malmquist compares the same units in adjacent years; drop or fill those units",
        )
    data = {t: frame[frame[year] == t].sort_values(unit) for t in years}
    units = data[years[0]][unit].astype(str).tolist()
    mats = {}
    for t in years:
        x, y = data[t][inputs].to_numpy(float), data[t][outputs].to_numpy(float)
        _validate(x, y, inputs, outputs, units)
        mats[t] = (x, y)
    lps = {t: EnvelopmentLP(mats[t][0].T, mats[t][1].T, vrs=False, orientation="input") for t in years}
    rows = []
    for t0, t1 in zip(years[:-1], years[1:], strict=True):
        for o, u in enumerate(units):
            d00 = lps[t0].solve(mats[t0][0][o], mats[t0][1][o])[0]
            d01 = lps[t0].solve(mats[t1][0][o], mats[t1][1][o])[0]  # period-t technology, t+1 data
            d10 = lps[t1].solve(mats[t0][0][o], mats[t0][1][o])[0]
            d11 = lps[t1].solve(mats[t1][0][o], mats[t1][1][o])[0]
            effch = d11 / d00
            techch = np.sqrt((d01 / d11) * (d00 / d10))
            rows.append(
                {
                    "unit_id": u,
                    "period": f"{t0}-{t1}",
                    "malmquist": effch * techch,
                    "effch": effch,
                    "techch": techch,
                }
            )
    return pd.DataFrame(rows)
