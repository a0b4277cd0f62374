"""The report's elasticity section on a large study: ``held`` (is there a flow with a quantity?)
and the section (the stated selection in DuckDB over the stored Parquet flows, then at most
10 x 10 product x market cells estimated with 100 bootstrap draws each), in a new study of
5 years x 2,001,600 flows (60 exporters x 60 importers x 556 HS17 products a year, the 78 HS17
core cultural codes among them, quantities on every row), imported with ``import baci``.

The flows are synthetic, in BACI's layout (values from a hash, unit values lognormal-like per
exporter x product x year), so every cell has 59 varieties over 5 years: the estimator's work is
the most a 10 x 10 selection can ask (every cell estimated, many by the grid search).

Run: .venv/bin/python -m benchmarks report_modules
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import duckdb

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_import_baci import countries
from silkscope.io import baci
from silkscope.io.flows import import_flows
from silkscope.workspace import SourceRecord, Workspace

YEARS = tuple(range(2017, 2022))
PRODUCTS = 556


def products() -> list[int]:
    """The HS17 core cultural codes, then other HS17 codes, as numbers (BACI writes them so)."""
    from silkscope.reference.cultural_goods import CORE_DOMAINS, cultural_products

    core = [int(c) for c in cultural_products("unesco_fcs_2009", CORE_DOMAINS, "HS17", categories=("core",))]
    other = [c for c in range(10000 + 1700, 10000 + 1700 * 2000, 1700) if c not in core]
    return core + other[: PRODUCTS - len(core)]


def make_year(path: Path, year: int, codes: list[str], goods: list[int]) -> int:
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        con.execute("CREATE TABLE c AS SELECT unnest(?) AS code", [codes])
        con.execute("CREATE TABLE p AS SELECT unnest(?) AS k", [goods])
        con.execute(
            f"""COPY (
                SELECT {year} AS t, e.code AS i, m.code AS j, p.k AS k,
                    round(((hash(e.code, m.code, p.k, {year}) % 1000000) / 1000.0) + 0.001, 3) AS v,
                    round(v / (1 + (hash(e.code, p.k, {year}) % 1000) / 100.0), 3) + 0.001 AS q
                FROM c e, c m, p WHERE e.code <> m.code ORDER BY e.code, m.code, k
            ) TO '{path}' (HEADER, DELIMITER ',')"""
        )
        return con.execute(f"SELECT count(*) FROM read_csv('{path}')").fetchone()[0]


def main() -> None:
    from silkscope.i18n import Translator
    from silkscope.report.elasticity_section import _study_table, build_section, held, selection

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        ws = Workspace.init(base / "study")
        codes, goods = countries(), products()
        rows = 0
        for year in YEARS:
            csv = base / f"BACI_HS17_Y{year}_V202401.csv"
            rows += make_year(csv, year, codes, goods)
            with tempfile.TemporaryDirectory(dir=ws.root, prefix=".baci-") as staging:
                found = baci.sources(csv, Path(staging))
                import_flows(ws, found, SourceRecord.for_file(csv, "baci", rows=0), "import baci")
            csv.unlink()
        inputs = SimpleNamespace(workspace=ws.root)
        con, table, revision = _study_table(ws.root)
        start = time.perf_counter()
        chosen = selection(con, table, revision)
        select_s = time.perf_counter() - start
        start = time.perf_counter()
        assert held(inputs)
        held_s = time.perf_counter() - start
        start = time.perf_counter()
        section = build_section(inputs, Translator("en"), False)
        build_s = time.perf_counter() - start
        frame = section.tables[0].frame
        print(f"report elasticity section, study of {rows:,} flows ({len(YEARS)} years, HS17):")
        print(f"  held (a flow with a quantity)        {held_s:6.2f} s")
        print(
            f"  selection alone (DuckDB over the Parquet flows, {len(chosen[2]):,} rows out)  {select_s:6.2f} s"
        )
        print(f"  section: selection + {len(frame)} cells x 100 draws  {build_s:6.2f} s")
        print(f"  statuses: {frame.iloc[:, -1].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
