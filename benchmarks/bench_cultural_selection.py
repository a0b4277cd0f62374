"""What ``--products cultural`` adds to ``silkscope trade indicators``: resolving the packaged
FCS 2009 classification in the flows' HS revision and filtering the flows by it, against the same
run given the same codes as an explicit list (and, for scale, ``--products all``).

Synthetic flows in BACI layout (``bench_indicators.synthetic_baci``), HS17, whose 5,000 products
include every code of ``cultural:all`` in HS17, imported into a workspace as ``import baci`` does.

Run: .venv/bin/python benchmarks/bench_cultural_selection.py [ROWS]  (default 1,000,000)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_indicators import synthetic_baci


def main(n_rows: int = 1_000_000, repeat: int = 5) -> None:
    from typer.testing import CliRunner

    from silkscope.cli import app
    from silkscope.commands.import_trade import baci as import_baci
    from silkscope.trade.codes import product_selection
    from silkscope.workspace import Workspace

    raw = synthetic_baci(n_rows)
    cultural = product_selection("cultural:all", "HS17")
    core = product_selection("cultural", "HS17")
    rng = np.random.default_rng(5)
    others = rng.choice(np.arange(10_000, 970_000), 6000, replace=False)
    others = [f"{c:06d}" for c in others if f"{c:06d}" not in set(cultural)]
    universe = np.array(sorted(cultural + others[: 5000 - len(cultural)]))
    old = np.sort(raw["k"].unique())
    raw["k"] = universe[np.searchsorted(old, raw["k"].to_numpy())]
    print(f"trade indicators --reporter all, {len(raw):,} synthetic HS17 flows, 5,000 products")
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "BACI_HS17_Y2021_V202301.csv"
        raw.to_csv(csv, index=False)
        ws = Workspace.init(Path(tmp) / "ws")
        import_baci.__wrapped__(csv, None, None, None, None, ws.root)
        runner = CliRunner()
        explicit = ",".join(core)
        runs = {"cultural": "cultural", "same codes listed": explicit, "all": "all"}
        times: dict[str, list[float]] = {k: [] for k in runs}
        for n in range(repeat):  # alternating order; --products all once (for scale)
            order = ["cultural", "same codes listed"][:: 1 if n % 2 else -1] + (["all"] if n == 0 else [])
            for name in order:
                word = runs[name]
                out = Path(tmp) / "ind.parquet"
                args = ["trade", "indicators", "--workspace", str(ws.root), "--reporter", "all"]
                start = time.perf_counter()
                run = runner.invoke(app, [*args, "--products", word, "--out", str(out)])
                times[name].append(time.perf_counter() - start)
                assert run.exit_code == 0, run.output
        start = time.perf_counter()
        for _ in range(20):
            product_selection("cultural", "HS17")
        resolve = (time.perf_counter() - start) / 20
    best = {k: min(v) for k, v in times.items()}
    for name, value in best.items():
        print(f"  --products {name:<18} {value:6.2f} s (best of {len(times[name])})")
    extra = best["cultural"] / best["same codes listed"] - 1
    print(f"  resolving the classification (cached): {resolve * 1000:.2f} ms")
    print(f"  --products cultural vs the same {len(core)} codes listed: {extra * 100:+.1f} %")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
