"""``cluster spatial`` (issue 19): Moran's I + LISA only, 3,000 points, 999 permutations, against
esda's ``Moran`` + ``Moran_Local`` called directly on the same values and the same weights (target:
at most 1.1x esda), and all four statistics (Moran, LISA, Geary, Gi*) for reference. Runs are
interleaved, medians of 3; the values and p-values must equal esda's (asserted).

Run: .venv/bin/python -m benchmarks spatial
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np
import pandas as pd

from silkscope.cluster.spatial import spatial_statistics, spatial_weights

N_POINTS, PERMUTATIONS, K, SEED, REPEAT = 3_000, 999, 8, 4, 3


def points(seed: int = 1) -> tuple[pd.Series, pd.DataFrame]:
    """Random points with a smooth trend plus noise (so the statistics are not all null)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(N_POINTS, 2))
    units = [f"P{i:04d}" for i in range(N_POINTS)]
    value = np.sin(xy[:, 0] / 15) + xy[:, 1] / 50 + rng.normal(0, 0.5, N_POINTS)
    return pd.Series(value, index=units), pd.DataFrame(xy, index=units, columns=["x", "y"])


def esda_moran_lisa(y: np.ndarray, w) -> tuple:
    import esda

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(SEED)
        moran = esda.Moran(y, w, permutations=PERMUTATIONS)
        local = esda.Moran_Local(y, w, permutations=PERMUTATIONS, seed=SEED, n_jobs=1)
    return moran, local


def main() -> None:
    values, coords = points()
    w = spatial_weights(list(values.index), f"knn:{K}", coords)
    y = values.to_numpy()
    runs = {
        "silkscope moran,lisa": lambda: spatial_statistics(values, w, PERMUTATIONS, SEED, statistics=("moran", "lisa")),
        "esda Moran + Moran_Local": lambda: esda_moran_lisa(y, w),
        "silkscope all four": lambda: spatial_statistics(values, w, PERMUTATIONS, SEED),
    }  # fmt: skip
    for func in runs.values():  # warm up numba's compiled permutation kernels
        func()
    times: dict[str, list[float]] = {name: [] for name in runs}
    results = {}
    for _ in range(REPEAT):
        for name, func in runs.items():
            start = time.perf_counter()
            results[name] = func()
            times[name].append(time.perf_counter() - start)
    med = {name: statistics.median(t) for name, t in times.items()}
    ours, (moran, local) = results["silkscope moran,lisa"], results["esda Moran + Moran_Local"]
    assert set(ours.statistic) == {"moran_i", "lisa"}
    glob = ours.set_index("statistic").loc["moran_i"]
    assert glob.value == moran.I and glob.p_value == moran.p_sim
    lisa = ours[ours.statistic == "lisa"]
    assert np.array_equal(lisa.value, local.Is) and np.array_equal(lisa.p_value, local.p_sim)
    base = med["esda Moran + Moran_Local"]
    print(
        f"spatial, {N_POINTS:,} points, knn:{K}, {PERMUTATIONS} permutations (medians of {REPEAT}, interleaved)"
    )
    for name, t in med.items():
        print(f"  {name}: {t:.2f} s ({t / base:.2f}x esda Moran + LISA)")
    print("  values and pseudo p-values identical to esda's: yes")


if __name__ == "__main__":
    main()
