"""The 13 WITS indicators for every reporter of one BACI-sized year: silkscope's Ibis queries on
DuckDB (reading the Parquet partitions ``import baci`` writes, writing the long table to Parquet
as ``silkscope trade indicators --reporter all`` does, unsorted and sorted) against the same
indicators written directly in pandas (``baseline_indicators_pandas.py``) on the same flows; plus ``import baci`` of
the year as a BACI CSV (streamed; peak memory of the process reported).

Synthetic flows in the real layout (t, i, j, k, v, q; ISO numeric country codes; HS6 products):
N_ROWS distinct (exporter, importer, product) cells drawn from 200 x 200 x 5,000.

Run: .venv/bin/python benchmarks/bench_indicators.py [--unsorted] [ROWS ...]  (default 300000 11000000; the
pandas baseline runs up to 300,000 rows: beyond that its pair merges outgrow this machine's memory)
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.baseline_indicators_pandas import pandas_trade_indicators
from silkscope.commands.trade import _coverage
from silkscope.io.writers import write_query
from silkscope.trade.indicators import indicator_table, row_notes
from silkscope.trade.queries import connect, workspace_flows

N_COUNTRIES, N_PRODUCTS = 200, 5000
SORTS = (False, True)


def synthetic_baci(n_rows: int, seed: int = 11) -> pd.DataFrame:
    """Distinct flows in BACI layout, sizes lognormal by exporter and importer."""
    import country_converter as coco

    rng = np.random.default_rng(seed)
    numeric = coco.CountryConverter().data["ISOnumeric"].dropna().astype(int).unique()
    codes = np.sort(rng.choice(numeric, N_COUNTRIES, replace=False))
    cells = np.unique(rng.integers(0, N_COUNTRIES * N_COUNTRIES * N_PRODUCTS, int(n_rows * 1.03)))
    cells = rng.permutation(cells)[:n_rows]
    i, rest = np.divmod(cells, N_COUNTRIES * N_PRODUCTS)
    j, k = np.divmod(rest, N_PRODUCTS)
    keep = i != j
    i, j, k = i[keep], j[keep], k[keep]
    size = rng.lognormal(0, 1.5, N_COUNTRIES)
    products = np.sort(rng.choice(np.arange(10_000, 970_000), N_PRODUCTS, replace=False))
    value = np.round(size[i] * size[j] * rng.lognormal(0, 2, len(i)), 3) + 0.001
    return pd.DataFrame(
        {
            "t": 2021,
            "i": codes[i],
            "j": codes[j],
            "k": products[k],  # written as a number: chapters 01-09 lose their leading zero
            "v": value,
            "q": np.round(value / rng.lognormal(1, 1, len(i)), 3),
        }
    )


def main(n_rows: int = 11_000_000, baseline_up_to: int = 300_000) -> None:
    """Time both on ``n_rows``; the pandas baseline only up to ``baseline_up_to`` rows (its
    Finger-Kreinin and complementarity merges outgrow memory on a full BACI year)."""
    from silkscope.commands.import_trade import baci as import_baci
    from silkscope.trade.codes import hs6, to_iso3
    from silkscope.workspace import Workspace

    print(f"trade indicators, all reporters, one year of {n_rows:,} synthetic BACI-layout flows")
    raw = synthetic_baci(n_rows)
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "BACI_HS17_Y2021_V202301.csv"
        raw.to_csv(csv, index=False)
        ws = Workspace.init(Path(tmp) / "ws")
        start = time.perf_counter()
        import_baci.__wrapped__(csv, None, None, None, None, ws.root)
        t_import = time.perf_counter() - start
        peak_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"  import baci ({csv.stat().st_size / 1e6:,.0f} MB CSV): {t_import:6.1f} s, "
            f"process peak RSS so far {peak_import:,.0f} MB (the CSV frame itself is "
            f"{raw.memory_usage(deep=True).sum() / 1e6:,.0f} MB)"
        )
        timings = {}
        for sort in SORTS:  # the CLI's path: --no-sort / --sort
            con = connect("duckdb")
            out = Path(tmp) / f"indicators_{sort}.parquet"
            start = time.perf_counter()
            flows = workspace_flows(con, ws)
            # the coverage comes from the per-year counts the CLI runs anyway (one aggregate)
            coverage = _coverage(con, flows, None)
            t_coverage = time.perf_counter() - start
            partial = coverage.require_world("the indicators", allow_partial=True)
            table = indicator_table(flows, con=con, sort=sort, unique=True)
            table = table.mutate(note=row_notes(table, coverage, partial))
            _, rows, _ = write_query(con, table, out)
            timings[sort] = time.perf_counter() - start
            print(
                f"  coverage (per-year counts, exporters, importers): {t_coverage:6.1f} s; "
                f"world matrix: {coverage.world}"
            )
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(
                f"  silkscope (Ibis on DuckDB, Parquet store -> Parquet file, "
                f"{'sorted' if sort else 'unsorted'}): {timings[sort]:6.1f} s, {rows:,} rows "
                f"({out.stat().st_size / 1e6:,.0f} MB); process peak RSS so far {rss:,.0f} MB"
            )
        t_ours = timings[SORTS[-1]]
        ours = pd.read_parquet(out)
        if n_rows > baseline_up_to:
            return
        flows = pd.DataFrame(
            {
                "year": raw.t,
                "exporter": to_iso3(raw.i),
                "importer": to_iso3(raw.j),
                "product": hs6(raw.k),
                "value": raw.v,
            }
        )
        del raw
        start = time.perf_counter()
        base = pandas_trade_indicators(flows)
        t_base = time.perf_counter() - start
        print(f"  pandas baseline (flows already in memory): {t_base:6.1f} s, {len(base):,} rows")
        print(f"  speed-up: {t_base / t_ours:.1f}x (sorted), {t_base / timings[False]:.1f}x (unsorted)")
        keys = ["indicator", "reporter", "partner", "product", "year"]
        check = ours.merge(base, on=keys, suffixes=("", "_pd"), how="left", indicator=True)
        extra = check[check._merge == "left_only"]
        # the baseline leaves out pairs with no product in common; their similarity is 0
        assert len(check) - len(extra) == len(base) and (extra.value == 0).all()
        check = check[check._merge == "both"]
        worst = float(np.max(np.abs(check.value - check.value_pd) / np.maximum(np.abs(check.value_pd), 1.0)))
        print(f"  largest difference between the two, relative to max(|value|, 1): {worst:.1e}")


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--unsorted" in args:  # only the --no-sort path (the < 20 s target)
        args.remove("--unsorted")
        SORTS = (False,)
    for size in map(int, args or ["300000", "11000000"]):
        main(size)
