"""``silkscope import table`` on tables as their publishers ship them (issue 13): NBS exports with
years as columns, CNKI yearbook .xls files protected with Excel's default password, yearbook budget
tables in stacked blocks, tidy extracts with measurement-unit and metadata columns. Every value is
checked against the tidy file published beside the raw one; every bad input changes nothing."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.io.importing import import_indicator_tables
from silkscope.io.tables import read_indicator_table
from silkscope.workspace import Workspace

runner = CliRunner()
TABLES = ("indicator_values", "indicators", "units", "sources", "provenance")
NBS = "china_nbs_provincial_tourism_gdp"
PATENTS = "china_patents_by_province"
BUDGET = "china_public_budget_by_province"
OCR = ("--alias", "江两=江西", "--alias", "山两=山西,两藏=西藏")
NBS_FILES = {  # raw workbook -> indicator id of the tidy CSV beside it
    "nbs_province_gdp_2005_2023.xlsx": "gdp",
    "nbs_province_intl_tourism_receipts_musd_2005_2019.xlsx": "intl_tourism_receipts",
    "nbs_province_overseas_visitors_2005_2019.xlsx": "overseas_visitors",
    "nbs_province_foreign_visitors_2005_2019.xlsx": "foreign_visitors",
}


def invoke(*args: object):
    result = runner.invoke(app, ["import", "table", *map(str, args)])
    result.text = " ".join(result.output.split())  # rich wraps long lines
    return result


def snapshot(ws: Workspace) -> dict[str, pd.DataFrame]:
    return {t: ws.query(f'SELECT * FROM "{t}" ORDER BY ALL') for t in TABLES}


def assert_unchanged(before: dict[str, pd.DataFrame], ws: Workspace) -> None:
    after = snapshot(ws)
    for name in TABLES:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


def gb_code(code2: pd.Series) -> pd.Series:
    """Two-digit province code of the tidy files -> the GB/T 2260 unit id (11 -> 110000)."""
    return code2.astype(int).astype(str) + "0000"


@pytest.fixture(scope="module")
def tidy_tourism(shared_data: Path) -> pd.DataFrame:
    tidy = pd.read_csv(shared_data / NBS / "china_provincial_tourism_gdp_long.csv")
    return tidy.assign(unit_id=gb_code(tidy.province_code))


@pytest.fixture(scope="module")
def tidy_patents(shared_data: Path) -> pd.DataFrame:
    tidy = pd.read_csv(shared_data / PATENTS / "china_domestic_patents_by_region_2010_2023_long.csv")
    tidy = tidy[tidy.unit_type == "province"]
    return tidy.assign(unit_id=gb_code(tidy.province_code))


# -- NBS exports: years as columns -------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(NBS_FILES))
def test_nbs_province_workbook_equals_the_tidy_csv(shared_data: Path, tidy_tourism: pd.DataFrame, name: str):
    indicator = NBS_FILES[name]
    table = read_indicator_table(shared_data / NBS / "raw" / name, indicator=indicator)
    assert table.layout == "wide-by-year"
    got = table.values.sort_values(["unit_id", "year"]).reset_index(drop=True)
    want = tidy_tourism[tidy_tourism.indicator == indicator][["unit_id", "year", "value"]]
    want = want.sort_values(["unit_id", "year"]).reset_index(drop=True)
    assert got.indicator_id.eq(indicator).all() and got.unit_id.nunique() == 31
    pd.testing.assert_frame_equal(got[["unit_id", "year", "value"]], want, check_dtype=False)
    if name.startswith("nbs_province_gdp"):  # the 32-row block twice, verbatim, and no footer
        assert table.remarks == (
            "589 values on rows 34–64 repeat the table's earlier block verbatim; kept once",
        )
        assert table.notes == ()
        assert len(got) == 31 * 19
    else:
        assert table.remarks == () and table.notes == ("数据来源：国家统计局",)
        assert len(got) == 31 * 15


def test_nbs_import_stores_names_unit_and_source_note(workspace: Workspace, shared_data: Path):
    path = shared_data / NBS / "raw" / "nbs_province_intl_tourism_receipts_musd_2005_2019.xlsx"
    result = invoke(
        path, "--workspace", workspace.root, "--indicator", "intl_tourism_receipts",
        "--name-zh", "国际旅游外汇收入", "--name-en", "International tourism receipts", "--measure-unit", "百万美元",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "imported 465 values (31 units, 1 indicator, years 2005–2019, wide-by-year form)" in result.text
    assert "source note kept: 数据来源：国家统计局" in result.text
    stored = workspace.query("SELECT indicator_id, name_zh, name_en, unit, notes FROM indicators")
    assert stored.to_dict("records") == [
        {
            "indicator_id": "intl_tourism_receipts",
            "name_zh": "国际旅游外汇收入",
            "name_en": "International tourism receipts",
            "unit": "百万美元",
            "notes": "数据来源：国家统计局",
        }
    ]
    tianjin = workspace.query(
        "SELECT year, value FROM indicator_values WHERE unit_id = '120000' AND year IN (2017, 2018) ORDER BY 1"
    )  # the published break in the series (PROVENANCE.md), kept as it stands
    assert tianjin.value.tolist() == [3751.47, 1109.85]


def test_a_year_table_without_indicator_or_title_is_refused(shared_data: Path):
    with pytest.raises(
        InputError, match=r"the years are columns \(2005–2023\) but nothing names the indicator"
    ):
        read_indicator_table(shared_data / NBS / "raw" / "nbs_province_gdp_2005_2023.xlsx")


# -- tidy extracts: a measurement-unit column, metadata columns ---------------------------------------
def test_tidy_csv_unit_column_is_the_measurement_unit(workspace: Workspace, shared_data: Path, tidy_tourism):
    result = invoke(
        shared_data / NBS / "china_provincial_tourism_gdp_long.csv", "--workspace", workspace.root
    )
    assert result.exit_code == 0, result.output
    assert "imported 1,984 values (31 units, 4 indicators, years 2005–2023, long form)" in result.text
    assert "columns not imported: province_zh" in result.text
    indicators = workspace.query("SELECT indicator_id, name_zh, unit FROM indicators ORDER BY 1")
    assert indicators.to_dict("records")[1] == {
        "indicator_id": "gdp",
        "name_zh": "地区生产总值",
        "unit": "100 million yuan (亿元)",
    }
    units = workspace.query("SELECT DISTINCT unit_id FROM indicator_values")["unit_id"]
    assert sorted(units) == sorted(tidy_tourism.unit_id.unique()) and len(units) == 31
    total = workspace.query("SELECT sum(value) AS s FROM indicator_values").s[0]
    assert total == pytest.approx(tidy_tourism.value.sum(), rel=1e-12)


def test_culture_institutions_metadata_columns_are_not_indicators(shared_data: Path):
    path = shared_data / "china_culture_institutions_nbs" / "culture_institutions_by_province.csv"
    table = read_indicator_table(path)
    assert sorted(table.values.indicator_id.unique()) == [
        "art_performance_places", "art_performance_troupes", "cultural_centers", "museums", "public_libraries",
    ]  # fmt: skip
    assert table.unused_columns == (
        "province_en",
        "province_zh",
        "yearbook_edition",
        "table_no",
        "source_url",
    )
    assert len(table.values) == 89 * 5  # 31 + 31 + 27 provinces (2006: four cut off, absent, not zero)
    local_1998 = table.values[table.values.year == 1998].groupby("indicator_id").value.sum()
    # PROVENANCE.md: the 31 provinces of 1998 sum to the table's "Local" row
    assert local_1998.to_dict() == {
        "art_performance_troupes": 2635, "art_performance_places": 1923, "cultural_centers": 2901,
        "public_libraries": 2730, "museums": 1334,
    }  # fmt: skip


# -- CNKI yearbook .xls: default-password encryption, OCR names, non-unit rows ------------------------
def test_encrypted_patent_tables_equal_the_tidy_csv(shared_data: Path, tidy_patents: pd.DataFrame):
    raw = shared_data / PATENTS / "raw"
    table = read_indicator_table(raw / "patent_applications_by_region_2020.xls")
    assert table.title == "8-7 国内三种专利申请数按地区分布(2020年)" and table.values.year.eq(2020).all()
    assert table.skipped_rows == ("row 7: 全国", "row 39: 香港", "row 40: 澳门", "row 41: 台湾")
    assert table.unused_columns == ("Region",)
    got = table.values.pivot(index="unit_id", columns="indicator_id", values="value")
    want = tidy_patents[(tidy_patents.kind == "applications") & (tidy_patents.year == 2020)].set_index(
        "unit_id"
    )
    names = {"合计": "total", "发明": "invention", "实用新型": "utility_model", "外观设计": "design"}
    for column, tidy in names.items():
        assert got[column].sort_index().tolist() == want[tidy].sort_index().astype(float).tolist(), column
    facts = table.indicators.set_index("indicator_id")
    assert facts.loc["发明", "name_en"] == "Invention" and facts.unit.eq("件").all()


def test_ocr_province_names_are_refused_with_a_suggestion_then_accepted(
    workspace: Workspace, shared_data: Path, tidy_patents: pd.DataFrame
):
    raw = shared_data / PATENTS / "raw"
    files = [raw / "patent_grants_by_region_2012.xls", raw / "patent_grants_by_region_2016.xls"]
    common = ("--workspace", workspace.root, "--value-column", "合计", "--indicator", "patent_grants")
    before = snapshot(workspace)
    refused = invoke(*files, *common)
    assert refused.exit_code == 2
    assert (
        "patent_grants_by_region_2012.xls, row 15, column '地区': unit '山两' is not a province"
        in refused.text
        and "did you mean 山西 (140000)? If so, accept it with --alias 山两=山西" in refused.text
        and "row 37, column '地区': unit '两藏'" in refused.text
        and "did you mean 西藏 (540000)?" in refused.text
    )
    assert "东部地区" not in refused.text  # region rows are skipped, not errors
    assert_unchanged(before, workspace)
    accepted = invoke(*files, *common, *OCR)
    assert accepted.exit_code == 0, accepted.output
    assert (
        "rows skipped, not units: row 7: 全国; row 8: 东部地区; row 9: 中部地区; row 10: 西部地区; row 11: 东北地区"
        in (accepted.text)
    )
    got = workspace.query("SELECT unit_id, year, value FROM indicator_values ORDER BY ALL")
    want = tidy_patents[(tidy_patents.kind == "grants") & tidy_patents.year.isin([2012, 2016])]
    want = want[["unit_id", "year", "total"]].sort_values(["unit_id", "year"]).reset_index(drop=True)
    assert len(got) == 62 and got.value.tolist() == want.total.astype(float).tolist()
    assert got[got.unit_id == "140000"].value.iloc[0] == 7196.0  # 山两 in 2012 is 山西
    stored = workspace.query("SELECT name_zh, name_en, unit FROM indicators").iloc[0].tolist()
    assert stored == [
        "国内三种专利申请授权数（合计）",
        "Three Kinds of Domestic Patent Applications Granted (Total)",
        "件",
    ]


def test_applications_2014_ocr_name_and_region_rows(shared_data: Path, tidy_patents: pd.DataFrame):
    path = shared_data / PATENTS / "raw" / "patent_applications_by_region_2014.xls"
    with pytest.raises(
        InputError, match=r"row 25, column '地区': unit '江两' .* did you mean 江西 \(360000\)"
    ):
        read_indicator_table(path, value_column="Total", indicator="patent_applications")
    table = read_indicator_table(
        path, value_column="Total", indicator="patent_applications", aliases={"江两": "江西"}
    )
    assert [s.split(": ")[1] for s in table.skipped_rows] == [
        "全国", "东部地区", "中部地区", "西部地区", "东北地区", "香港", "澳门", "台湾",
    ]  # fmt: skip
    want = tidy_patents[(tidy_patents.kind == "applications") & (tidy_patents.year == 2014)]
    got = table.values.set_index("unit_id").value.sort_index()
    assert got.tolist() == want.set_index("unit_id").total.sort_index().astype(float).tolist()
    assert got["360000"] == 25594


# -- yearbook budget tables: wide by function, stacked blocks -----------------------------------------
def test_budget_culture_column_over_five_years(workspace: Workspace, shared_data: Path):
    files = sorted((shared_data / BUDGET / "raw").glob("*.xls"))
    culture = "文化旅游体育与传媒支出"
    summaries = import_indicator_tables(
        workspace, files, value_column=culture, indicator="culture_tourism_sport_media"
    )
    assert [s["years"] for s in summaries] == [f"{y}–{y}" for y in range(2019, 2024)]
    assert all(s["skipped_rows"][0].endswith("地方合计") for s in summaries)
    got = workspace.query("SELECT unit_id, year, value FROM indicator_values ORDER BY year, unit_id")
    tidy = pd.read_csv(
        shared_data / BUDGET / "culture_tourism_sport_media_expenditure_by_province_2019_2023.csv"
    )
    tidy = tidy[tidy.province_code.notna()].assign(unit_id=lambda t: gb_code(t.province_code))
    tidy = tidy.sort_values(["year", "unit_id"]).reset_index(drop=True)
    assert len(got) == 155 and got.value.tolist() == tidy.culture_tourism_sport_media.tolist()
    # PROVENANCE.md: all local governments 3,777.47 (2019) ... 3,792.67 (2023); provinces sum to it (±0.05)
    sums = got.groupby("year").value.sum().round(2).tolist()
    assert sums == pytest.approx([3777.47, 3995.34, 3774.10, 3740.00, 3792.67], abs=0.05)
    name_zh, name_en, unit = workspace.query("SELECT name_zh, name_en, unit FROM indicators").iloc[0]
    assert (name_zh, unit) == (culture, "亿元") and name_en.startswith("Expenditure for Culture")


def test_budget_functions_as_indicators_from_both_sheets(shared_data: Path):
    path = shared_data / BUDGET / "raw" / "csy_table7-6_general_public_budget_expenditure_by_region_2019.xls"
    long = pd.read_csv(
        shared_data / BUDGET / "china_local_general_public_budget_expenditure_by_region_2019_2023_long.csv"
    )
    long = long[(long.year == 2019) & long.province_code.notna()].dropna(subset=["value_100m_yuan"])
    long = long.assign(unit_id=gb_code(long.province_code))
    first = read_indicator_table(path)  # sheet 1-2: two stacked blocks of 8 items
    with pytest.raises(InputError, match="no year column"):  # its title, 续表 2, names no year
        read_indicator_table(path, sheet="3")
    second = read_indicator_table(path, sheet="3", year=2019)  # 9 more items
    assert first.values.indicator_id.nunique() == 16 and second.values.indicator_id.nunique() == 9
    assert first.remarks == ("read sheet '1-2'; the workbook also has sheet(s) 3 (choose with --sheet)",)
    got = pd.concat([first.values, second.values]).rename(columns={"indicator_id": "item_zh"})
    merged = got.merge(long, on=["unit_id", "item_zh"], how="outer", indicator=True)
    assert merged._merge.eq("both").all(), merged[merged._merge != "both"]
    assert (merged.value == merged.value_100m_yuan).all() and len(merged) == len(long)


# -- bad input: a clear message naming the place, the workspace unchanged -----------------------------
def _edited_copy(source: Path, target: Path, edit) -> Path:
    book = openpyxl.load_workbook(source)
    edit(book.worksheets[0])
    book.save(target)
    return target


def test_bad_published_inputs_change_nothing(workspace: Workspace, shared_data: Path, tmp_path: Path):
    gdp = shared_data / NBS / "raw" / "nbs_province_gdp_2005_2023.xlsx"
    visitors = shared_data / NBS / "raw" / "nbs_province_foreign_visitors_2005_2019.xlsx"
    patent = shared_data / PATENTS / "raw" / "patent_grants_by_region_2020.xls"
    assert invoke(visitors, "--workspace", workspace.root, "--indicator", "foreign_visitors").exit_code == 0
    before = snapshot(workspace)
    cut = tmp_path / "cut.xls"
    cut.write_bytes(patent.read_bytes()[:9000])
    cut_xlsx = tmp_path / "cut.xlsx"
    cut_xlsx.write_bytes(gdp.read_bytes()[:3000])

    def set_cell(cell: str, value):
        return lambda ws: ws.__setitem__(cell, value)

    cases = {  # file, extra options, expected fragment
        "truncated xls": (cut, [], "cut.xls: cannot read the .xls workbook"),
        "truncated xlsx": (cut_xlsx, [], "cut.xlsx: cannot open the workbook"),
        "wrong sheet": (
            patent,
            ["--sheet", "5"],
            "sheet 5 does not exist; the workbook has 2 sheet(s) (1, CNKI)",
        ),
        "unknown province": (
            _edited_copy(visitors, tmp_path / "gondor.xlsx", set_cell("A3", "Gondor")),
            ["--indicator", "foreign_visitors"],
            "gondor.xlsx, row 3, column '地区': unit 'Gondor' is not a province",
        ),
        "conflicting duplicate": (
            _edited_copy(gdp, tmp_path / "clash.xlsx", set_cell("B34", 1.5)),
            ["--indicator", "gdp"],
            "clash.xlsx, row 34, column '2023年': duplicate value for unit 110000, year 2023, indicator 'gdp' "
            "(also on row 2): 43760.7 there, 1.5 here",
        ),
        "empty year header": (
            _edited_copy(visitors, tmp_path / "nohead.xlsx", set_cell("C1", None)),
            ["--indicator", "foreign_visitors"],
            "nohead.xlsx, row 1: column C has no name",
        ),
        "unknown column": (visitors, ["--value-column", "2030年"], "--value-column '2030年': no such column"),
        "bad alias": (patent, ["--alias", "江两=Gondor"], "'江两=Gondor': 'Gondor' is not a known unit"),
    }
    for case, (path, extra, expected) in cases.items():
        result = invoke(path, "--workspace", workspace.root, *extra)
        assert result.exit_code == 2, (case, result.output)
        assert expected in result.text, (case, result.output)
        assert "Traceback" not in result.output
        assert_unchanged(before, workspace)


def test_explicit_roles_and_ignored_columns(workspace: Workspace, tmp_path: Path):
    path = tmp_path / "roles.csv"
    pd.DataFrame(
        {
            "unit": ["亿元", "亿元"],
            "where": ["北京", "上海"],
            "when": [2020, 2020],
            "what": ["x1", "x1"],
            "amount": [1.5, 2.5],
            "comment": ["a", "b"],
            "page": [3, 4],
        }
    ).to_csv(path, index=False)
    roles = ["--unit-column", "where", "--year-column", "when", "--indicator-column", "what"]
    result = invoke(
        path, "--workspace", workspace.root, *roles, "--value-column", "amount", "--ignore", "page"
    )
    assert result.exit_code == 0, result.output
    assert "imported 2 values (2 units, 1 indicator, years 2020–2020, long form)" in result.text
    assert "columns not imported: comment" in result.text  # 'page' was ignored on purpose
    assert workspace.query("SELECT unit FROM indicators").unit.tolist() == ["亿元"]
    assert workspace.query("SELECT sum(value) s FROM indicator_values").s[0] == 4.0


def test_the_provincial_set_imports_file_by_file(tmp_path: Path, shared_data: Path):
    """The real provincial files (4 NBS + 28 patent tables), one all-or-nothing call per indicator, as in
    the provincial example; its time is measured in benchmarks/bench_import_provincial.py."""
    ws = Workspace.init(tmp_path / "set")
    raw = shared_data / PATENTS / "raw"
    for name, indicator in NBS_FILES.items():
        import_indicator_tables(ws, [shared_data / NBS / "raw" / name], indicator=indicator)
    aliases = {"江两": "江西", "山两": "山西", "两藏": "西藏"}
    for kind in ("applications", "grants"):
        files = sorted(raw.glob(f"patent_{kind}_by_region_*.xls"))
        import_indicator_tables(ws, files, indicator=f"patent_{kind}", value_column="合计", aliases=aliases)
    counts = ws.query("SELECT indicator_id, count(*) n FROM indicator_values GROUP BY 1 ORDER BY 1")
    assert counts.n.tolist() == [465, 589, 465, 465, 434, 434]  # patents: 31 provinces x 14 years


def test_a_title_row_names_the_indicator_and_its_unit(
    workspace: Workspace, shared_data: Path, tmp_path: Path
):
    source = shared_data / NBS / "raw" / "nbs_province_foreign_visitors_2005_2019.xlsx"
    path = _edited_copy(source, tmp_path / "titled.xlsx", lambda ws: ws.insert_rows(1))
    book = openpyxl.load_workbook(path)
    book.worksheets[0]["A1"] = "接待外国人游客(百万人次)"
    book.save(path)
    result = invoke(path, "--workspace", workspace.root, "--value-column", "2019年,2018年")
    assert result.exit_code == 0, result.output
    assert "imported 62 values (31 units, 1 indicator, years 2018–2019, wide-by-year form)" in result.text
    stored = workspace.query("SELECT indicator_id, name_zh, unit, notes FROM indicators").iloc[0].tolist()
    assert stored == ["接待外国人游客", "接待外国人游客", "百万人次", "数据来源：国家统计局"]
    assert workspace.query("SELECT title FROM sources").title[0] == "接待外国人游客(百万人次)"
    beijing = workspace.query("SELECT value FROM indicator_values WHERE unit_id = '110000' ORDER BY year")
    assert beijing.value.tolist() == [3.4, 3.21]  # PROVENANCE.md: Beijing 2019 foreigners 3.21


def test_cells_of_skipped_rows_are_not_checked(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text(
        "地区,年份,x1\n全国,2020,…待定\n北京,2020,1\n上海,2020,2\n香港,2020,n/a?\n", encoding="utf-8"
    )
    table = read_indicator_table(path)
    assert table.skipped_rows == ("row 2: 全国", "row 5: 香港") and table.values.value.tolist() == [1.0, 2.0]
    path.write_text("地区,年份,x1\n全国,2020,1\nAtlantis,2020,2\n", encoding="utf-8")
    with pytest.raises(InputError) as info:  # not mostly units: 全国 is reported too
        read_indicator_table(path)
    assert "row 2, column '地区': '全国' is a national total" in str(info.value)
    assert "row 3, column '地区': unit 'Atlantis' is not a province" in str(info.value)
