"""Uncertainty analysis: 10,000 replicates of 300 units x 50 indicators in one vectorised pass,
against the straightforward approach — rebuild the whole index once per replicate (as COINr's
get_sensitivity does), here with silkscope's own `build()` — on the same draws.

The loop is timed on the first LOOP_N replicates (it is linear in the number of replicates) and
its ranks are checked to be identical to the vectorised ones for those draws.

Sobol indices (issue 19), N = 1024 on the same model: silkscope's ``sensitivity`` on the summary
target only (and on all 301 targets) against SALib for one target — ``sample.sobol.sample``, the
same model evaluations through silkscope's engine, ``analyze.sobol.analyze`` with the same number
of bootstrap resamples — interleaved, medians of 3; S1, ST and their intervals must agree to 1e-10.

Run: .venv/bin/python -m benchmarks uncertainty
"""

from __future__ import annotations

import resource
import statistics
import time
import warnings

import numpy as np
import pandas as pd

from benchmarks._util import peak_memory_mb, timed
from silkscope.index import Choices, Framework, build
from silkscope.index.uncertainty import CHUNK, Engine, Vary, sobol_indices

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


SOBOL_N, SOBOL_BOOT, SOBOL_SEED = 1024, 300, 1


def salib_one_target(nominal) -> dict:
    """SALib's Sobol workflow for the mean absolute rank shift: sample, evaluate, analyse."""
    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    spec = Vary.parse(VARY, nominal)
    engine = Engine(nominal, spec)
    n_w = engine.n_nodes - 1
    steps = list(spec.steps)
    problem = {
        "num_vars": len(steps) + n_w,
        "names": [*steps, *[f"w{k}" for k in range(n_w)]],
        "bounds": [[0, 1]] * (len(steps) + n_w),
        "groups": [*steps, *["weights_perturbation"] * n_w],
    }
    x = salib_sample.sample(problem, SOBOL_N, calc_second_order=False, seed=SOBOL_SEED)
    cols = np.flatnonzero(nominal.years == nominal.headline_year())
    ranks = engine.ranks(engine.index_scores(x))[:, cols]
    shift = np.nanmean(np.abs(ranks - nominal.ranks[cols, 0]), axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return salib_analyze.analyze(
            problem, shift, calc_second_order=False, num_resamples=SOBOL_BOOT, seed=SOBOL_SEED
        )


def sobol_main() -> None:
    values, fw = synthetic()
    nominal = build(values, fw)
    runs = {
        "silkscope, summary target": lambda: nominal.sensitivity(
            n=SOBOL_N, vary=VARY, seed=SOBOL_SEED, n_boot=SOBOL_BOOT, targets="summary"
        ),
        "SALib, one target": lambda: salib_one_target(nominal),
        "silkscope, all 301 targets": lambda: nominal.sensitivity(
            n=SOBOL_N, vary=VARY, seed=SOBOL_SEED, n_boot=SOBOL_BOOT, targets="all"
        ),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    results = {}
    for _ in range(3):
        for name, func in runs.items():
            start = time.perf_counter()
            results[name] = func()
            times[name].append(time.perf_counter() - start)
    med = {name: statistics.median(t) for name, t in times.items()}
    ours, si = results["silkscope, summary target"].to_frame(), results["SALib, one target"]
    for key in ("S1", "ST"):
        np.testing.assert_allclose(ours[key], si[key], rtol=0, atol=1e-10)
        half = (ours[f"{key}_high"] - ours[f"{key}_low"]) / 2
        np.testing.assert_allclose(half, si[f"{key}_conf"], rtol=0, atol=1e-10)
    # the analysis alone (no model runs): the same outputs through both
    from SALib.analyze import sobol as salib_analyze

    runs_out = results["silkscope, summary target"].outputs
    y = runs_out[[0, *range(2, len(runs_out)), 1]].transpose(1, 0, 2).reshape(-1)
    problem = {"num_vars": len(runs_out) - 2, "names": list(dict.fromkeys(ours.factor))}
    analysis = {
        "silkscope sobol_indices": lambda: sobol_indices(
            runs_out[0], runs_out[1], list(runs_out[2:]), n_boot=SOBOL_BOOT, seed=SOBOL_SEED
        ),
        "SALib sobol.analyze": lambda: salib_analyze.analyze(
            problem, y, calc_second_order=False, num_resamples=SOBOL_BOOT, seed=SOBOL_SEED
        ),
    }
    analysis_t = {name: timed(func, repeat=3)[0] for name, func in analysis.items()}
    base = med["SALib, one target"]
    print(
        f"Sobol indices, N = {SOBOL_N} ({SOBOL_N * 6:,} runs), {SOBOL_BOOT} bootstrap resamples, "
        "300 units x 50 indicators (medians of 3, interleaved)"
    )
    for name, t in med.items():
        print(f"  {name}: {t:.2f} s ({t / base:.2f}x SALib one target)")
    for name, t in analysis_t.items():
        print(f"  analysis only (same outputs), {name}: {t * 1000:.0f} ms")
    print("  S1, ST and their intervals equal SALib's to 1e-10: yes")


def main() -> None:
    replicates_main()
    sobol_main()


def replicates_main() -> None:
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
        f"  vectorised (chunks of {CHUNK}): {vec_t:.2f} s, peak traced {mem:.0f} MB, process max RSS {rss:.0f} MB"
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
