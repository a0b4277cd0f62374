"""One index build of 300 and of 30,000 units x 50 indicators x 10 years (15 M long rows), against
a straightforward pandas implementation of the same pipeline (min-max pooled, framework weights,
arithmetic mean, ranks per year) run in the same run; at 300 units both must give the same scores.
At 30,000 units each side runs in a fresh process that builds the data, so its peak RSS
(``VmHWM``, reset after the data are built) is its own: the process peak (input table included)
and what the build adds; every run's time is printed, so the noise of a shared machine shows.

Run: .venv/bin/python -m benchmarks index   (INDEX_RUNS=7 for more builds at 30,000 units)
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd

from benchmarks._util import peak_memory_mb, timed
from silkscope.index import Choices, Framework, build

N_UNITS, N_YEARS, PILLARS, DIMS, PER_DIM = 300, 10, 5, 2, 5  # 50 indicators


def synthetic(seed: int = 1, n_units: int | None = None) -> tuple[pd.DataFrame, Framework]:
    rng = np.random.default_rng(seed)
    children = []
    ids = []
    for p in range(PILLARS):
        dims = []
        for d in range(DIMS):
            leaves = []
            for k in range(PER_DIM):
                ind = f"x{p}{d}{k}"
                ids.append(ind)
                leaves.append(
                    {"id": ind, "weight": float(rng.uniform(0.5, 2)), "direction": int(rng.choice([1, -1]))}
                )
            dims.append({"id": f"d{p}{d}", "weight": 1, "children": leaves})
        children.append({"id": f"p{p}", "weight": float(p + 1), "children": dims})
    fw = Framework.from_dict({"id": "idx", "children": children})
    units = [f"U{i:03d}" for i in range(n_units or N_UNITS)]
    idx = pd.MultiIndex.from_product(
        [units, range(2010, 2010 + N_YEARS), ids], names=["unit_id", "year", "indicator_id"]
    )
    values = pd.DataFrame({"value": rng.lognormal(2, 1, len(idx))}, index=idx).reset_index()
    return values, fw


def pandas_baseline(values: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """The straightforward way: a wide DataFrame, one column operation per node, groupby ranks."""
    wide = values.pivot_table(index=["unit_id", "year"], columns="indicator_id", values="value")
    scores = pd.DataFrame(index=wide.index)
    for ind in fw.indicators:
        col = wide[ind]
        norm = (col - col.min()) / (col.max() - col.min()) * 100
        scores[ind] = norm if fw[ind].direction > 0 else 100 - norm
    weights = fw.framework_weights()
    for node in fw.internal_bottom_up():
        total = sum(weights[c] for c in node.children)
        scores[node.id] = sum(scores[c] * weights[c] for c in node.children) / total
    ranks = scores.groupby(level="year").rank(ascending=False, method="min")
    return scores.stack().rename("score").to_frame().join(ranks.stack().rename("rank"))


LARGE = 30_000
REPEAT = int(os.environ.get("INDEX_RUNS", "5"))  # builds timed at 30,000 units (the peer runs once)
_CHILD = """
import statistics, time
from benchmarks._util import reset_peak_rss, rss_mb
from benchmarks.bench_index import synthetic, pandas_baseline
from silkscope.index import Choices, build
values, fw = synthetic(n_units={n})
before = rss_mb()
assert reset_peak_rss()
run = (lambda: build(values, fw, Choices())) if {ours!r} else (lambda: pandas_baseline(values, fw))
times = []
for _ in range({repeat}):
    start = time.perf_counter()
    run()
    times.append(time.perf_counter() - start)
peak = rss_mb("VmHWM")
print(statistics.median(times), peak, peak - before, *times)
"""


def large(ours: bool, repeat: int) -> tuple[float, float, float, list[float]]:
    """Median seconds, process peak RSS (MB), the build's addition to it, and every run's seconds,
    at 30,000 units."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    code = _CHILD.format(n=LARGE, ours=ours, repeat=repeat)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    seconds, peak, added, *runs = (float(v) for v in out.stdout.split())
    return seconds, peak, added, runs


def main() -> None:
    values, fw = synthetic()
    ours_t, ours = timed(lambda: build(values, fw, Choices()))
    base_t, base = timed(lambda: pandas_baseline(values, fw))
    frame = ours.to_frame().set_index(["unit_id", "year", "node"]).sort_index()
    base = base.rename_axis(["unit_id", "year", "node"]).sort_index()
    np.testing.assert_allclose(
        frame["score"].to_numpy(), base.loc[frame.index, "score"].to_numpy(), rtol=1e-9
    )
    assert (frame["rank"].to_numpy() == base.loc[frame.index, "rank"].to_numpy()).all()
    mem = peak_memory_mb(lambda: build(values, fw, Choices()))
    entropy_t, _ = timed(lambda: build(values, fw, Choices(weights="entropy", aggregate="geometric")))
    print(
        f"index build, {N_UNITS} units x {len(fw.indicators)} indicators x {N_YEARS} years ({len(values):,} values)"
    )
    print(
        f"  silkscope build (minmax, framework weights, arithmetic): {ours_t * 1000:.0f} ms, peak {mem:.0f} MB"
    )
    print(
        f"  pandas baseline, same pipeline:                       {base_t * 1000:.0f} ms  -> ratio {base_t / ours_t:.1f}x"
    )
    print(f"  silkscope build (entropy weights, geometric):         {entropy_t * 1000:.0f} ms")
    print("  scores identical to 1e-9 and ranks identical: yes")
    ours_t, ours_peak, ours_add, ours_runs = large(True, repeat=REPEAT)
    base_t, base_peak, base_add, _ = large(False, repeat=1)
    print(
        f"index build, {LARGE:,} units x {len(fw.indicators)} indicators x {N_YEARS} years ({LARGE * 500:,} values)"
    )
    print(
        f"  silkscope build: {ours_t:6.2f} s (median of {REPEAT}: {' '.join(f'{t:.2f}' for t in ours_runs)}), "
        f"process peak {ours_peak:,.0f} MB (the build adds {ours_add:,.0f} MB to the input)"
    )
    print(
        f"  pandas baseline: {base_t:6.1f} s (one run), process peak {base_peak:,.0f} MB "
        f"(adds {base_add:,.0f} MB)  -> ratio {base_t / ours_t:.1f}x"
    )


if __name__ == "__main__":
    main()
