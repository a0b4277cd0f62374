"""RCA + ECI/PCI + density for 200 countries x 5,000 products: silkscope against the Harvard
Growth Lab's `ecomplexity` package (pip `ecomplexity`, dev extra) on the same synthetic data;
ECI must agree to 1e-8.

Run: .venv/bin/python -m benchmarks complexity
"""

from __future__ import annotations

import contextlib
import io
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._util import timed
from silkscope.trade.complexity import complexity

N_COUNTRIES, N_PRODUCTS = 200, 5000


def synthetic(seed: int = 7) -> pd.DataFrame:
    """Exports with a nested structure (diverse countries export rare products), ~35% zeros."""
    rng = np.random.default_rng(seed)
    capability = rng.uniform(0, 1, N_COUNTRIES)[:, None]
    difficulty = rng.uniform(0, 1, N_PRODUCTS)[None, :]
    size = rng.lognormal(0, 1.5, N_COUNTRIES)[:, None]
    value = size * rng.lognormal(0, 1, (N_COUNTRIES, N_PRODUCTS)) * (capability > difficulty * 0.8)
    value *= rng.uniform(0, 1, value.shape) > 0.1
    frame = pd.DataFrame(
        value,
        index=[f"C{i:03d}" for i in range(N_COUNTRIES)],
        columns=[f"{k:06d}" for k in range(N_PRODUCTS)],
    )
    long = (
        frame.rename_axis("country")
        .reset_index()
        .melt(id_vars="country", var_name="product", value_name="value")
    )
    return long[long.value > 0].assign(year=2020).reset_index(drop=True)


def main() -> None:
    try:
        from ecomplexity import ecomplexity
    except ImportError:
        print("complexity: `ecomplexity` is not installed (pip install ecomplexity); skipped")
        return
    data = synthetic()
    print(f"complexity: {N_COUNTRIES} countries x {N_PRODUCTS} products, {len(data):,} positive flows")
    ours_t, ours = timed(lambda: complexity(data), repeat=3)

    def peer():
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            cols = {"time": "year", "loc": "country", "prod": "product", "val": "value"}
            return ecomplexity(data, cols)

    peer_t, theirs = timed(peer, repeat=1)
    eci_ours = ours.country().set_index("country").eci
    eci_peer = theirs.drop_duplicates("country").set_index("country").eci.loc[eci_ours.index]
    diff = float(np.abs(eci_ours.to_numpy() - eci_peer.to_numpy()).max())
    print(
        f"  silkscope {ours_t:6.2f} s | ecomplexity {peer_t:6.2f} s | {peer_t / ours_t:5.1f}x faster | "
        f"max |ECI difference| {diff:.1e}"
    )
    assert diff < 1e-8, diff


if __name__ == "__main__":
    main()
