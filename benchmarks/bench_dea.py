"""DEA: CCR + BCC + super-efficiency for 2,000 units x (4 inputs, 3 outputs), silkscope (one HiGHS
model per model/orientation, re-solved per unit) against one fresh LP per unit built with a generic
modelling layer (PuLP, solved by its HiGHS interface) run side by side. The baseline is timed on
the first BASE_N units and scaled linearly; its efficiencies must equal ours.

Run: .venv/bin/python -m benchmarks dea
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from silkscope.cluster.efficiency import dea

N, M, S, BASE_N = 2000, 4, 3, 60


def data(seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (N, M))
    y = (x.prod(axis=1) ** (1 / M))[:, None] * rng.uniform(0.3, 1.0, (N, S))
    frame = pd.DataFrame(np.c_[x, y], columns=[f"x{i}" for i in range(M)] + [f"y{r}" for r in range(S)])
    return frame.assign(unit_id=[f"u{i}" for i in range(N)])


def pulp_one(x: np.ndarray, y: np.ndarray, o: int, vrs: bool, exclude: bool) -> float:
    import pulp

    prob = pulp.LpProblem("dea", pulp.LpMinimize)
    theta = pulp.LpVariable("theta")
    lam = [pulp.LpVariable(f"l{j}", lowBound=0) for j in range(len(x))]
    prob += theta
    keep = [j for j in range(len(x)) if not (exclude and j == o)]
    for i in range(x.shape[1]):
        prob += pulp.lpSum(x[j, i] * lam[j] for j in keep) <= theta * x[o, i]
    for r in range(y.shape[1]):
        prob += pulp.lpSum(y[j, r] * lam[j] for j in keep) >= y[o, r]
    if vrs:
        prob += pulp.lpSum(lam[j] for j in keep) == 1
    prob.solve(pulp.HiGHS(msg=False))
    return theta.value()


def main() -> None:
    frame = data()
    inputs, outputs = [f"x{i}" for i in range(M)], [f"y{r}" for r in range(S)]
    start = time.perf_counter()
    ccr = dea(frame, inputs, outputs, model="ccr", super_efficiency=True).to_frame()
    bcc = dea(frame, inputs, outputs, model="bcc", super_efficiency=True).to_frame()
    ours_t = time.perf_counter() - start
    x, y = frame[inputs].to_numpy(), frame[outputs].to_numpy()
    start = time.perf_counter()
    base = [
        (
            pulp_one(x, y, o, False, False),
            pulp_one(x, y, o, True, False),
            pulp_one(x, y, o, False, True),
            pulp_one(x, y, o, True, True),
        )
        for o in range(BASE_N)
    ]
    base_t = (time.perf_counter() - start) / BASE_N * N
    base = np.array(base, dtype=float)
    same = np.allclose(base[:, 0], ccr.efficiency[:BASE_N], atol=1e-6) and np.allclose(
        base[:, 1], bcc.efficiency[:BASE_N], atol=1e-6
    )
    print(
        f"DEA CCR + BCC (+ slacks, scale efficiency) + super-efficiency, {N} units x ({M} inputs, {S} outputs)"
    )
    print(f"  silkscope, one HiGHS model re-solved per unit: {ours_t:.1f} s")
    print(
        f"  PuLP, a fresh LP per unit and model (timed on {BASE_N} units, scaled): {base_t:.1f} s -> ratio {base_t / ours_t:.1f}x"
    )
    print(f"  same efficiencies on the common units: {'yes' if same else 'NO'}")
    assert same


if __name__ == "__main__":
    main()
