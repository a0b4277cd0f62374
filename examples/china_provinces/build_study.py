"""The 31 provinces on real published series: import as published, index with coverage, zh and en reports.

Run:  python examples/china_provinces/build_study.py [STUDY] [--data DIR] [--replicates N]

Every step is a ``silkscope`` command, as a user would type it, printed before it runs; the script
stops with that command's exit code on the first failure. The files are read as their publishers ship
them (NBS workbooks with ``2019年`` year columns, the CNKI yearbook ``.xls`` encrypted with Excel's
default password, the Statistical Yearbook's budget table); the data folder defaults to
``$SILKSCOPE_SHARED_DATA``, else ``../shared/data``. The framework (``framework.yaml`` beside this
script) follows the three pillars of seed paper 002; all five indicators are published together only
for 2019, so coverage makes 2019 the headline year (see README.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _steps import run  # noqa: E402

from silkscope.paths import shared_data_dir  # noqa: E402

HERE = Path(__file__).resolve().parent
NBS = "china_nbs_provincial_tourism_gdp/raw"
PATENTS = "china_patents_by_province/raw"
BUDGET = "china_public_budget_by_province/raw"
#: folder (relative to the data folder) -> where its publisher offers it (from each PROVENANCE.md)
SOURCES = {
    NBS: "NBS National Data, 分省年度数据: https://data.stats.gov.cn/ (Excel export of each series)",
    PATENTS: "China Statistical Yearbook on Science and Technology, CNKI yearbook database: "
    "https://data.cnki.net/ (国内三种专利授权数按地区分布, one .xls per year)",
    BUDGET: "China Statistical Yearbook, table 7-6 (分地区一般公共预算支出): "
    "https://www.stats.gov.cn/sj/ndsj/ (one .xls per edition)",
}
#: the NBS workbook of each indicator (years as columns; the GDP file repeats its block)
NBS_SERIES = {
    "gdp": "nbs_province_gdp_2005_2023.xlsx",
    "intl_tourism_receipts": "nbs_province_intl_tourism_receipts_musd_2005_2019.xlsx",
    "overseas_visitors": "nbs_province_overseas_visitors_2005_2019.xlsx",
}
#: the source's OCR defects, accepted explicitly (PROVENANCE.md of the patent tables)
OCR_ALIASES = "江两=江西,山两=山西,两藏=西藏"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("study", nargs="?", default="study", type=Path, help="study folder (default ./study)")
    parser.add_argument("--data", type=Path, default=None, help="shared data folder")
    parser.add_argument("--replicates", type=int, default=1000, help="uncertainty replicates (default 1000)")
    options = parser.parse_args(argv)
    data = (options.data or shared_data_dir()).resolve()
    study = options.study
    print(f"data folder: {data}")
    for relative, origin in SOURCES.items():
        if not (data / relative).is_dir():
            print(f"missing: {data / relative} — download it from {origin}; see its PROVENANCE.md")
            return 2
        print(f"  {relative}\n      from {origin}")
    out = study / "outputs"
    run("init", study, "--name", "china_provinces")
    for indicator, name in NBS_SERIES.items():
        run("import", "table", data / NBS / name, "--workspace", study, "--indicator", indicator)
    grants = sorted((data / PATENTS).glob("patent_grants_by_region_*.xls"))
    run("import", "table", *grants, "--workspace", study, "--indicator", "design_patents_granted",
        "--value-column", "外观设计", "--alias", OCR_ALIASES)  # fmt: skip
    budget = sorted((data / BUDGET).glob("csy_table7-6_*.xls"))
    run("import", "table", *budget, "--workspace", study, "--indicator", "culture_tourism_sport_media_spending",
        "--value-column", "文化旅游体育与传媒支出", "--measure-unit", "亿元")  # fmt: skip
    run("index", "build", "--workspace", study, "--framework", HERE / "framework.yaml", "--weights", "entropy",
        "--group-by", "reference:china-3belt", "--save", "--out", out / "index.xlsx")  # fmt: skip
    run("index", "uncertainty", "--workspace", study, "--n", options.replicates, "--seed", 1,
        "--out", out / "uncertainty.csv")  # fmt: skip
    run("report", "--workspace", study, "--lang", "zh", "--out", out / "report_zh")
    run("report", "--workspace", study, "--lang", "en", "--out", out / "report_en")
    print(f"done: {out / 'index.xlsx'}, {out / 'uncertainty.csv'}, {out / 'report_zh'}, {out / 'report_en'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
