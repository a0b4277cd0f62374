"""``import baci`` of a 2 M-row BACI-format CSV (validated, stored as Parquet) against the I/O floor
measured in the same run (issue 19 target: import <= 2x the floor). Two floors, both DuckDB
``COPY (SELECT * FROM read_csv(...)) TO parquet`` of the same file with nothing checked, zstd and
DuckDB's default row groups as the import writes: ``read_csv`` sniffing the file (the figure of
earlier sessions) and ``read_csv`` told BACI's dialect and the column types (no sniffing: the
stricter floor; the ratio is taken against the faster of the two). Rounds interleave the three
runs; medians, the spread (min-max) and the process CPU time are printed, and the median of the
per-round ratios (each round's import over its own floor: robust to a load that drifts).

The import is timed as ``silkscope import baci`` runs it after opening the study: the file's
SHA-256 (the source id), the reading, every check, the Parquet, the duplicate check and the
transaction that makes the new version current. The stored value total is checked against the
floor's sum of ``v``.

The file is synthetic, in BACI's layout (``t,i,j,k,v,q``; BACI numeric country codes, HS6 codes
written as numbers so chapters 01-09 lose their leading zero, ``q`` ``NA`` on one row in ten,
space-padded and quoted): 60 exporters x 60 importers x 556 products = 2,001,600 flows of one year.

Run: .venv/bin/python -m benchmarks import_baci   (BACI_ROUNDS=7, BACI_COUNTRIES=60 by default)
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from silkscope.io import baci
from silkscope.io.flows import import_flows
from silkscope.trade.codes import BACI_NUMERIC, iso3_mapping
from silkscope.workspace import SourceRecord, Workspace

COUNTRIES = int(os.environ.get("BACI_COUNTRIES", "60"))  # 141: the 11 M flows of a full BACI year
PRODUCTS = 556
ROUNDS = int(os.environ.get("BACI_ROUNDS", "7"))
DIALECT = "header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', strict_mode = true"
TYPES = "{'t': 'INTEGER', 'i': 'INTEGER', 'j': 'INTEGER', 'k': 'INTEGER', 'v': 'DOUBLE', 'q': 'VARCHAR'}"


def countries() -> list[str]:
    """60 numeric codes that map to countries (ISO numeric and BACI's own)."""
    mapping = iso3_mapping([str(c) for c in range(4, 900)])
    first: dict[str, str] = {}  # one code per country (BACI's 58 and ISO's 56 are both BEL)
    for code in sorted(mapping, key=int):
        if mapping[code] and len(mapping[code]) == 3 and code not in BACI_NUMERIC:
            first.setdefault(mapping[code], code)
    return sorted(first.values(), key=int)[:COUNTRIES]


def make_file(path: Path) -> int:
    codes = countries()
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute("CREATE TABLE c AS SELECT unnest(?) AS code", [codes])
        con.execute(
            f"""COPY (
                SELECT 2021 AS t, e.code AS i, m.code AS j, 10000 + p * 1700 AS k,
                    round(((hash(e.code, m.code, p) % 1000000) / 1000.0) + 0.001, 3) AS v,
                    lpad(CASE WHEN p % 10 = 0 THEN 'NA' ELSE printf('%.3f', p * 0.25) END, 13, ' ') AS q
                FROM c e, c m, range({PRODUCTS}) r(p) ORDER BY e.code, m.code, k
            ) TO '{path}' (HEADER, DELIMITER ',', FORCE_QUOTE (q), NEW_LINE '\r\n')"""
        )
        return con.execute(f"SELECT count(*) FROM read_csv('{path}')").fetchone()[0]


def floor(csv: Path, out: Path, typed: bool) -> tuple[float, float]:
    """Wall and CPU seconds of DuckDB's COPY of the CSV to Parquet (zstd), nothing checked."""
    read = f"read_csv('{csv}', {DIALECT}, columns = {TYPES})" if typed else f"read_csv('{csv}')"
    start, cpu = time.perf_counter(), time.process_time()
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"COPY (SELECT * FROM {read}) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
    return time.perf_counter() - start, time.process_time() - cpu


def silkscope(csv: Path, root: Path) -> tuple[float, float, dict]:
    ws = Workspace.init(root)
    start, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(dir=ws.root, prefix=".baci-") as tmp:
        found = baci.sources(csv, Path(tmp))
        record = SourceRecord.for_file(csv, "baci", rows=0)
        summary = import_flows(ws, found, record, "import baci")
    return time.perf_counter() - start, time.process_time() - cpu, summary


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} s  ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        csv = base / "BACI_HS17_Y2021_V202401.csv"
        rows = make_file(csv)
        runs: dict[str, list[tuple[float, float]]] = {"sniffed": [], "typed": [], "import": []}
        for n in range(ROUNDS):  # interleaved
            runs["sniffed"].append(floor(csv, base / f"floor{n}.parquet", typed=False))
            runs["typed"].append(floor(csv, base / f"typed{n}.parquet", typed=True))
            seconds, cpu, summary = silkscope(csv, base / f"study{n}")
            assert summary["rows"] == rows
            runs["import"].append((seconds, cpu))
        with duckdb.connect() as con:
            total = con.execute(f"SELECT sum(v) FROM '{base}/floor0.parquet'").fetchone()[0]
        assert abs(summary["value_kusd"] - total) <= 1e-9 * total, (summary["value_kusd"], total)
        wall = {k: [w for w, _ in v] for k, v in runs.items()}
        cpu = {k: statistics.median(c for _, c in v) for k, v in runs.items()}
        ref = min(("sniffed", "typed"), key=lambda k: statistics.median(wall[k]))
        paired = statistics.median(i / f for i, f in zip(wall["import"], wall[ref], strict=True))
        ratio = statistics.median(wall["import"]) / statistics.median(wall[ref])
        size = csv.stat().st_size / 1e6
        print(
            f"import baci, {rows:,} rows ({size:.0f} MB CSV), {ROUNDS} interleaved rounds, median (min-max):"
        )
        print(
            f"  load average at the start {load:.1f}, at the end {os.getloadavg()[0]:.1f} (2 cores: > 0.5 is noise)"
        )
        print(f"  floor, read_csv sniffing      {spread(wall['sniffed'])}  CPU {cpu['sniffed']:.2f} s")
        print(f"  floor, read_csv typed         {spread(wall['typed'])}  CPU {cpu['typed']:.2f} s")
        print(f"  silkscope import baci         {spread(wall['import'])}  CPU {cpu['import']:.2f} s")
        print(
            f"  = {ratio:.2f}x the faster floor ({ref}); median of the per-round ratios {paired:.2f}x; "
            f"CPU {cpu['import'] / cpu[ref]:.2f}x (target <= 2x)"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  process peak RSS {peak:,.0f} MB (the file generation included)")


if __name__ == "__main__":
    main()
