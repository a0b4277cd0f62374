"""``import baci`` of a 2 M-row BACI-format CSV (validated, stored as Parquet) against the I/O floor
measured in the same run: DuckDB's ``COPY (SELECT * FROM read_csv(...)) TO parquet`` of the same
file with nothing checked (issue 19 target: import <= 2x the floor). Runs interleaved, medians.

The file is synthetic, in BACI's layout (``t,i,j,k,v,q``; BACI numeric country codes, HS6 codes
written as numbers so chapters 01-09 lose their leading zero, ``q`` ``NA`` on one row in ten):
60 exporters x 60 importers x 556 products = 2,001,600 flows of one year.

Run: .venv/bin/python -m benchmarks import_baci
"""

from __future__ import annotations

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

COUNTRIES = 60
PRODUCTS = 556
REPEAT = 3


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


def floor(csv: Path, out: Path) -> float:
    start = time.perf_counter()
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
    return time.perf_counter() - start


def silkscope(csv: Path, root: Path) -> tuple[float, int]:
    ws = Workspace.init(root)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=ws.root, prefix=".baci-") as tmp:
        found = baci.sources(csv, Path(tmp))
        record = SourceRecord.for_file(csv, "baci", rows=0)
        summary = import_flows(ws, found, record, "import baci")
    return time.perf_counter() - start, summary["rows"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        csv = base / "BACI_HS17_Y2021_V202401.csv"
        rows = make_file(csv)
        floors, imports = [], []
        for n in range(REPEAT):  # interleaved
            floors.append(floor(csv, base / f"floor{n}.parquet"))
            seconds, imported = silkscope(csv, base / f"study{n}")
            assert imported == rows
            imports.append(seconds)
        f, s = statistics.median(floors), statistics.median(imports)
        size = csv.stat().st_size / 1e6
        print(f"import baci, {rows:,} rows ({size:.0f} MB CSV), median of {REPEAT}:")
        print(f"  floor  COPY read_csv -> parquet  {f:6.2f} s")
        print(f"  silkscope import baci           {s:6.2f} s   = {s / f:.2f}x the floor (target <= 2x)")


if __name__ == "__main__":
    main()
