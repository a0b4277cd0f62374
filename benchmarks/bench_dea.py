"""DEA at scale: silkscope's frontier-screened LPs (column generation over the frontier units, Dulá
2011) against scipy ``linprog`` (HiGHS) with one LP per unit, in the same run.

* CCR input: ``dea(model="ccr")`` (which also solves BCC for the scale efficiency and the
  second-stage slacks) against linprog solving the CCR envelopment LP of every unit.
* CCR + BCC with slacks: ``dea(ccr)`` and ``dea(bcc)`` against linprog solving, per unit, each
  model's envelopment LP and its max-slack second stage (4 LPs).
* The scaling curve, 500 / 2,000 / 10,000 / 50,000 units (``DEA_SIZES=500,2000`` to choose).

linprog is timed on the first 60 units at each size (fewer above 2,000 units, at least 5) and scaled
linearly (each unit's LP is independent and has the full size); its efficiencies must equal ours on
those units. Wall and CPU time of this process are both printed (the CPU ratio is the fairer one on
a loaded machine). At 2,000 units the exhaustive path (``method="full"``, every LP over all units)
is timed too.

Run: .venv/bin/python -m benchmarks dea
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd

from silkscope.cluster.efficiency import dea

M, S = 4, 3
INPUTS, OUTPUTS = [f"x{i}" for i in range(M)], [f"y{r}" for r in range(S)]
SIZES = [int(v) for v in os.environ.get("DEA_SIZES", "500,2000,10000,50000").split(",")]


def data(n: int = 2000, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, M))
    y = (x.prod(axis=1) ** (1 / M))[:, None] * rng.uniform(0.3, 1.0, (n, S))
    frame = pd.DataFrame(np.c_[x, y], columns=INPUTS + OUTPUTS)
    return frame.assign(unit_id=[f"u{i}" for i in range(n)])


def linprog_unit(x: np.ndarray, y: np.ndarray, o: int, vrs: bool, slacks: bool) -> float:
    """Input-oriented envelopment LP of unit ``o`` (and, if asked, its max-slack second stage)."""
    from scipy.optimize import linprog

    n = len(x)
    a_ub = np.r_[np.c_[-x[o][:, None], x.T], np.c_[np.zeros((S, 1)), -y.T]]
    b_ub = np.r_[np.zeros(M), -y[o]]
    a_eq, b_eq = (np.r_[0.0, np.ones(n)][None], [1.0]) if vrs else (None, None)
    bounds = [(None, None)] + [(0, None)] * n
    res = linprog(np.r_[1.0, np.zeros(n)], a_ub, b_ub, a_eq, b_eq, bounds=bounds, method="highs")
    theta = res.x[0]
    if slacks:  # theta fixed: max sum(theta x_o - X l) + sum(Y l - y_o)
        gain = y.sum(axis=1) - x.sum(axis=1)
        linprog(
            np.r_[0.0, -gain], a_ub, b_ub, a_eq, b_eq, bounds=[(theta, theta)] + bounds[1:], method="highs"
        )
    return theta


def per_unit(x: np.ndarray, y: np.ndarray, units: int, vrs: tuple[bool, ...], slacks: bool):
    """linprog wall and CPU time for all ``len(x)`` units (scaled from the first ``units``) and the
    last model's efficiencies on those units."""
    start, cpu = time.perf_counter(), time.process_time()
    values = [[linprog_unit(x, y, o, v, slacks) for v in vrs][-1] for o in range(units)]
    scale = len(x) / units
    return (time.perf_counter() - start) * scale, (time.process_time() - cpu) * scale, values


def main() -> None:
    print(f"DEA, units x ({M} inputs, {S} outputs); linprog timed on the first units and scaled")
    for n in SIZES:
        frame = data(n)
        x, y = frame[INPUTS].to_numpy(), frame[OUTPUTS].to_numpy()
        base_units = max(5, min(60, 120_000 // n))
        start, cpu = time.perf_counter(), time.process_time()
        ccr = dea(frame, INPUTS, OUTPUTS, model="ccr").to_frame()
        ccr_t, ccr_c = time.perf_counter() - start, time.process_time() - cpu
        bcc = dea(frame, INPUTS, OUTPUTS, model="bcc").to_frame()
        both_t, both_c = time.perf_counter() - start, time.process_time() - cpu
        lp_t, lp_c, lp_ccr = per_unit(x, y, base_units, (False,), slacks=False)
        lp2_t, lp2_c, lp_bcc = per_unit(x, y, base_units, (False, True), slacks=True)
        same = np.allclose(lp_ccr, ccr.efficiency[:base_units], atol=1e-6) and np.allclose(
            lp_bcc, bcc.efficiency[:base_units], atol=1e-6
        )
        print(f"  {n:>6,} units (linprog: {base_units} units timed, scaled); wall s | CPU s of this process")
        print(
            f"    CCR input (+ BCC, slacks): silkscope {ccr_t:7.1f} | {ccr_c:7.1f}"
            f"   linprog per unit {lp_t:8.1f} | {lp_c:8.1f}   -> {lp_t / ccr_t:5.1f}x | {lp_c / ccr_c:5.1f}x"
        )
        print(
            f"    CCR + BCC with slacks:     silkscope {both_t:7.1f} | {both_c:7.1f}"
            f"   linprog w/ slacks {lp2_t:7.1f} | {lp2_c:8.1f}   -> {lp2_t / both_t:5.1f}x | {lp2_c / both_c:5.1f}x"
        )
        print(f"    efficiencies equal linprog's on the timed units (1e-6): {'yes' if same else 'NO'}")
        assert same
        if n == 2000:
            start, cpu = time.perf_counter(), time.process_time()
            full = dea(frame, INPUTS, OUTPUTS, model="ccr", method="full").to_frame()
            full_t, full_c = time.perf_counter() - start, time.process_time() - cpu
            worst = float((full.iloc[:, 1:] - ccr.iloc[:, 1:]).abs().max().max())
            print(
                f"    exhaustive path (method='full', every LP over all units): {full_t:.1f} s,"
                f" CPU {full_c:.1f} s;"
                f" largest difference from the screened path {worst:.1e}"
            )


if __name__ == "__main__":
    main()
