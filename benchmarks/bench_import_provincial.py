"""Importing the real provincial set as published (issue 13 target: under 10 s): the 4 NBS provincial
workbooks (years as columns, one with a repeated block) and the 28 encrypted CNKI patent .xls tables,
one all-or-nothing import per indicator, into a fresh workspace. Baseline: pandas reading the same
files without validation (openpyxl for .xlsx; msoffcrypto + xlrd for the .xls), the floor of any
importer that reads these formats.

Run: .venv/bin/python -m benchmarks import_provincial   (needs ../shared/data or SILKSCOPE_SHARED_DATA)
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

import pandas as pd

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._util import timed
from silkscope.io.importing import import_indicator_tables
from silkscope.paths import shared_data_dir
from silkscope.workspace import Workspace

NBS = {
    "nbs_province_gdp_2005_2023.xlsx": "gdp",
    "nbs_province_intl_tourism_receipts_musd_2005_2019.xlsx": "intl_tourism_receipts",
    "nbs_province_overseas_visitors_2005_2019.xlsx": "overseas_visitors",
    "nbs_province_foreign_visitors_2005_2019.xlsx": "foreign_visitors",
}
ALIASES = {"江两": "江西", "山两": "山西", "两藏": "西藏"}


def silkscope_import(data: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "study")
        for name, indicator in NBS.items():
            import_indicator_tables(
                ws, [data / "china_nbs_provincial_tourism_gdp" / "raw" / name], indicator=indicator
            )
        raw = data / "china_patents_by_province" / "raw"
        for kind in ("applications", "grants"):
            files = sorted(raw.glob(f"patent_{kind}_by_region_*.xls"))
            import_indicator_tables(
                ws, files, indicator=f"patent_{kind}", value_column="合计", aliases=ALIASES
            )
        return int(ws.query("SELECT count(*) n FROM indicator_values").n[0])


def pandas_read(data: Path) -> int:
    import msoffcrypto

    cells = 0
    for name in NBS:
        cells += pd.read_excel(data / "china_nbs_provincial_tourism_gdp" / "raw" / name, header=None).size
    for path in sorted((data / "china_patents_by_province" / "raw").glob("*.xls")):
        plain = io.BytesIO()
        with open(path, "rb") as handle:
            office = msoffcrypto.OfficeFile(handle)
            office.load_key(password="VelvetSweatshop")
            office.decrypt(plain)
        cells += pd.read_excel(plain, sheet_name=0, header=None, engine="xlrd").size
    return cells


def main() -> None:
    data = shared_data_dir()
    if not (data / "china_patents_by_province").is_dir():
        print(f"import_provincial: skipped, shared data not found at {data}")
        return
    ours, values = timed(lambda: silkscope_import(data), repeat=3)
    floor, cells = timed(lambda: pandas_read(data), repeat=3)
    print("import the real provincial set (4 NBS workbooks + 28 encrypted patent .xls), medians of 3")
    print(f"  silkscope import (validate + store {values:,} values): {ours:.2f} s")
    print(f"  pandas read only ({cells:,} cells, no validation):  {floor:.2f} s")
    print(f"  ratio: {ours / floor:.2f}x the read floor (target: under 10 s)")


if __name__ == "__main__":
    main()
