"""``silkscope.regions`` (issue 17): everything for 31 provinces x 20 years (target < 2 s), and the
Dagum decomposition for 3,000 units x 30 years (target < 5 s), against baselines run side by side:
PySAL ``inequality`` (Gini and TheilD per year) and a naive O(n²) pairwise numpy Dagum, whose
figures must agree with ours.

Run: .venv/bin/python -m benchmarks regions
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks._util import timed
from silkscope.reference import province_groups
from silkscope.regions.convergence import convergence
from silkscope.regions.coupling import coupling
from silkscope.regions.dagum import dagum_table
from silkscope.regions.disparity import disparity
from silkscope.regions.distribution import kde_table, markov_table
from silkscope.regions.panel import panel


def provinces(years: int = 20, seed: int = 1) -> tuple[pd.DataFrame, dict[str, str]]:
    from silkscope.index import demo_values

    units = sorted(demo_values()["unit_id"].unique())
    rng = np.random.default_rng(seed)
    level = rng.lognormal(8, 0.7, len(units))
    rows = []
    for t in range(years):
        level = level * np.exp(rng.normal(0.06, 0.05, len(units)))
        rows += [{"unit_id": u, "year": 2004 + t, "gdp": v, "a": rng.uniform(0.1, 1), "b": rng.uniform(0.1, 1)}
                 for u, v in zip(units, level, strict=True)]  # fmt: skip
    return pd.DataFrame(rows), province_groups("china-3belt")


def everything(frame: pd.DataFrame, groups: dict[str, str]) -> None:
    disparity(frame, "gdp", groups)
    p = panel(frame, "gdp", groups)
    for kind in ("sigma", "beta", "spatial-beta"):
        convergence(p, kind)
    markov_table(p, 5, spatial=True)
    kde_table(p, [2004, 2013, 2023])
    coupling(frame, ["a", "b"])


def inequality_baseline(p: pd.DataFrame) -> list[float]:
    from inequality.gini import Gini
    from inequality.theil import TheilD

    out = []
    for _, block in p.groupby("year"):
        out.append(Gini(block["value"].to_numpy()).g)
        TheilD(block["value"].to_numpy(), block["group"].to_numpy())
    return out


def naive_dagum(p: pd.DataFrame) -> list[tuple[float, float, float, float]]:
    """Dagum by explicit n x n difference matrices per year (the textbook way, vectorised)."""
    out = []
    for _, block in p.groupby("year"):
        y, g = block["value"].to_numpy(), block["group"].to_numpy()
        n, mu = len(y), y.mean()
        total = np.abs(y[:, None] - y[None, :]).sum() / (2 * n * n * mu)
        names = sorted(set(g))
        parts = {k: y[g == k] for k in names}
        within = sum(np.abs(v[:, None] - v[None, :]).sum() / (2 * len(v) ** 2 * v.mean())
                     * len(v) / n * v.sum() / (n * mu) for v in parts.values())  # fmt: skip
        net = trans = 0.0
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                va, vb = parts[a], parts[b]
                diff = va[:, None] - vb[None, :]
                if va.mean() < vb.mean():
                    diff = -diff
                up, down = diff[diff > 0].sum(), -diff[diff < 0].sum()
                g_ab = (up + down) / (len(va) * len(vb) * (va.mean() + vb.mean()))
                w = len(va) / n * vb.sum() / (n * mu) + len(vb) / n * va.sum() / (n * mu)
                d = (up - down) / (up + down)
                net, trans = net + g_ab * w * d, trans + g_ab * w * (1 - d)
        out.append((total, within, net, trans))
    return out


def main() -> None:
    frame, groups = provinces()
    p = panel(frame, "gdp", groups)
    everything(frame, groups)  # warm imports (statsmodels, spreg, giddy, scipy)
    ours_t, _ = timed(lambda: everything(frame, groups), repeat=3)
    base_t, ginis = timed(lambda: inequality_baseline(p), repeat=3)
    ours_g = dagum_table(p).query("component == 'gini'")["value"].to_numpy()
    np.testing.assert_allclose(ours_g, ginis, rtol=1e-9)
    print("regions, 31 provinces x 20 years")
    print(f"  everything (disparity, sigma/beta/spatial-beta, spatial Markov, KDE, coupling): {ours_t:.2f} s"
          " (target < 2 s)")  # fmt: skip
    dis_t, _ = timed(lambda: disparity(frame, "gdp", groups), repeat=3)
    print(f"  disparity alone {dis_t * 1000:.0f} ms; inequality Gini + TheilD per year {base_t * 1000:.0f} ms"
          f" -> ours takes {dis_t / base_t:.1f}x its time (ours also does Dagum, L, CV, sd_log); Gini equal to 1e-9")  # fmt: skip

    rng = np.random.default_rng(2)
    n, years = 3000, 30
    big = pd.DataFrame({"unit_id": np.tile([f"U{i:04d}" for i in range(n)], years),
                        "year": np.repeat(np.arange(1994, 1994 + years), n),
                        "value": rng.lognormal(3, 0.8, n * years),
                        "group": np.tile(rng.choice(["E", "C", "W"], n), years)})  # fmt: skip
    dag_t, table = timed(lambda: dagum_table(big), repeat=3)
    naive_t, naive = timed(lambda: naive_dagum(big), repeat=1)
    top = table[table["group"] == ""].pivot(index="year", columns="component", values="value")
    ours = top[["gini", "gini_within", "gini_between_net", "gini_transvariation"]].to_numpy()
    np.testing.assert_allclose(ours, np.array(naive), rtol=1e-9)
    print(f"Dagum, {n:,} units x {years} years: {dag_t:.2f} s (target < 5 s); naive n x n numpy {naive_t:.2f} s"
          f" -> ours {naive_t / dag_t:.1f}x faster; G, Gw, Gnb, Gt equal to 1e-9")  # fmt: skip


if __name__ == "__main__":
    main()
