"""Uncertainty analysis: 10,000 replicates of 300 units x 50 indicators in one vectorised pass,
against the straightforward approach — rebuild the whole index once per replicate (as COINr's
get_sensitivity does), here with silkscope's own `build()` — on the same draws.

The loop is timed on the first LOOP_N replicates (it is linear in the number of replicates) and
its ranks are checked to be identical to the vectorised ones for those draws.

Run: .venv/bin/python -m benchmarks uncertainty
"""

from __future__ import annotations

import resource
import time

import numpy as np
import pandas as pd

from benchmarks._util import peak_memory_mb
from silkscope.index import Choices, Framework, build
from silkscope.index.uncertainty import Engine, Vary

N_REPLICATES, LOOP_N = 10_000, 300
VARY = {
    "normalise": ["zscore", "rank"],
    "weights": ["equal"],
    "aggregate": ["geometric"],
    "weight_noise": 0.25,
}


def synthetic(seed: int = 2) -> tuple[pd.DataFrame, Framework]:
    rng = np.random.default_rng(seed)
    children, ids = [], []
    for p in range(5):
        dims = []
        for d in range(2):
            leaves = [{"id": f"x{p}{d}{k}", "weight": 1, "direction": 1} for k in range(5)]
            ids += [leaf["id"] for leaf in leaves]
            dims.append({"id": f"d{p}{d}", "weight": 1, "children": leaves})
        children.append({"id": f"p{p}", "weight": 1, "children": dims})
    fw = Framework.from_dict({"id": "idx", "children": children})
    latent = rng.normal(size=300)
    rows = [
        pd.DataFrame(
            {
                "unit_id": [f"U{i:03d}" for i in range(300)],
                "year": 2020,
                "indicator_id": ind,
                "value": np.exp(latent * rng.uniform(0.3, 1) + rng.normal(0, 0.5, 300)),
            }
        )
        for ind in ids
    ]
    return pd.concat(rows, ignore_index=True), fw


def loop_ranks(nominal, engine: Engine, design: np.ndarray) -> np.ndarray:
    """Rebuild the index once per replicate with the same draws."""
    out = np.empty((len(design), len(nominal.units)))
    steps = list(engine.vary.steps)
    for r, d in enumerate(design):
        pick = {
            s: engine.method(s, min(int(d[k] * len(engine.vary.steps[s])), len(engine.vary.steps[s]) - 1))
            for k, s in enumerate(steps)
        }
        choices = Choices(**pick)
        base = engine.base_weights("none", choices.normalise, choices.weights)
        w = engine.weights_from_u(base, d[None, len(steps) :])[0]
        overrides = {n.id: w[k] for k, n in enumerate(nominal.framework.nodes) if n.parent}
        out[r] = build(nominal.values, nominal.framework, choices, weights=overrides).ranks[:, 0]
    return out


def pandas_ranks(nominal, engine: Engine, design: np.ndarray) -> np.ndarray:
    """The textbook loop: per replicate, normalise, weight and aggregate with pandas, then rank.
    (All synthetic indicators have direction +1 and framework weights 1, so 'framework' and
    'equal' coincide, as they do in the vectorised run.)"""
    fw = nominal.framework
    wide = nominal.values.pivot(index="unit_id", columns="indicator_id", values="value")[list(fw.indicators)]
    steps = list(engine.vary.steps)
    noise = engine.vary.weight_noise
    out = np.empty((len(design), len(wide)))
    for r, d in enumerate(design):
        pick = {
            s: engine.method(s, min(int(d[k] * len(engine.vary.steps[s])), len(engine.vary.steps[s]) - 1))
            for k, s in enumerate(steps)
        }
        norm, agg = pick.get("normalise", "minmax"), pick.get("aggregate", "arithmetic")
        if norm == "minmax":
            scores = (wide - wide.min()) / (wide.max() - wide.min()) * 100
        elif norm == "zscore":
            scores = (wide - wide.mean()) / wide.std()
        else:
            scores = wide.rank(method="average")
        mult = dict(zip([n.id for n in fw.nodes][1:], 1 + noise * (2 * d[len(steps) :] - 1), strict=True))
        for node in fw.internal_bottom_up():
            block = scores[list(node.children)]
            w = pd.Series({c: mult[c] / len(node.children) for c in node.children})
            w = w / w.sum()
            if agg == "geometric":
                low, span = block.min(), block.max() - block.min()
                shift = np.where(low <= 0, -low + np.where(span > 0, 0.01 * span, 1.0), 0.0)
                block = block + shift
                scores[node.id] = np.exp((np.log(block) * w).sum(axis=1))
            else:
                scores[node.id] = (block * w).sum(axis=1)
        out[r] = scores[fw.root.id].rank(ascending=False, method="min").to_numpy()
    return out


def main() -> None:
    values, fw = synthetic()
    nominal = build(values, fw)
    start = time.perf_counter()
    result = nominal.uncertainty(n=N_REPLICATES, vary=VARY, seed=1)
    vec_t = time.perf_counter() - start
    mem = peak_memory_mb(lambda: nominal.uncertainty(n=N_REPLICATES, vary=VARY, seed=1))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    engine = Engine(nominal, Vary.parse(VARY, nominal))
    start = time.perf_counter()
    looped = loop_ranks(nominal, engine, result.design[:LOOP_N])
    loop_t = (time.perf_counter() - start) / LOOP_N * N_REPLICATES
    identical = np.array_equal(looped, result.ranks[:LOOP_N])
    start = time.perf_counter()
    pandas_looped = pandas_ranks(nominal, engine, result.design[:LOOP_N])
    pandas_t = (time.perf_counter() - start) / LOOP_N * N_REPLICATES
    same_pandas = np.array_equal(pandas_looped, result.ranks[:LOOP_N])
    print(
        f"uncertainty, {N_REPLICATES:,} replicates of 300 units x 50 indicators, varying {', '.join(result.vary.factors())}"
    )
    print(
        f"  vectorised (chunks of 500): {vec_t:.2f} s, peak traced {mem:.0f} MB, process max RSS {rss:.0f} MB"
    )
    print(
        f"  rebuild per replicate (timed on {LOOP_N}, scaled): {loop_t:.1f} s -> ratio {loop_t / vec_t:.0f}x"
    )
    print(
        f"  pandas loop, rebuild per replicate (timed on {LOOP_N}, scaled): {pandas_t:.1f} s -> ratio {pandas_t / vec_t:.0f}x"
    )
    print(
        f"  identical ranks on the {LOOP_N} common draws: build loop {'yes' if identical else 'NO'}, "
        f"pandas loop {'yes' if same_pandas else 'NO'}"
    )
    assert identical and same_pandas


if __name__ == "__main__":
    main()
