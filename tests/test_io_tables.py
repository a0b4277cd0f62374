"""Reading indicator tables as they arrive: encodings, delimiters, Excel title/notes rows, merged
headers, Parquet, long/wide, and every bad cell reported with its spreadsheet row and column."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.io.tables import parse_number, read_indicator_table, read_table, read_values, sniff_delimiter
from silkscope.io.writers import write_table

runner = CliRunner()
WIDE = pd.DataFrame(
    {"地区": ["北京", "上海", "广东"], "年份": [2018, 2018, 2018], "x1": [1.5, 2.0, 3.25], "x2": [10, 20, 30]}
)
# The same values in long form, as a hand-written expectation (not derived from the reader).
EXPECTED = pd.DataFrame(
    {
        "unit_id": ["110000", "110000", "310000", "310000", "440000", "440000"],
        "year": [2018] * 6,
        "indicator_id": ["x1", "x2"] * 3,
        "value": [1.5, 10.0, 2.0, 20.0, 3.25, 30.0],
    }
)


def long_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["unit_id", "year", "indicator_id"]).reset_index(drop=True)


def _write(path: Path, frame: pd.DataFrame, **kw) -> Path:
    frame.to_csv(path, index=False, **kw)
    return path


def _book(path: Path, rows: list[list], merges: tuple[str, ...] = (), title: str = "Sheet") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merge_cells(cells)
    book.save(path)
    return path


# -- encodings and delimiters ------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_give_the_same_values(tmp_path: Path, encoding: str):
    path = _write(tmp_path / "t.csv", WIDE, encoding=encoding)
    table = read_table(path)
    assert list(table.columns) == ["地区", "年份", "x1", "x2"]  # no BOM, no mojibake in the header
    assert table["地区"].tolist() == ["北京", "上海", "广东"]
    pd.testing.assert_frame_equal(long_of(read_values(path)), EXPECTED)


def test_gbk_file_forced_as_utf8_names_byte_line_and_encoding(tmp_path: Path):
    path = tmp_path / "gbk.csv"
    path.write_bytes(b"unit,year,x1\n" + "北京,2018,1\n".encode("gbk"))
    with pytest.raises(InputError) as info:
        read_values(path, encoding="utf-8")
    text = str(info.value)
    # 'unit,year,x1\n' is 13 bytes, so the first GBK byte of 北 (0xb1) is byte 13 on line 2
    assert "gbk.csv: cannot decode the file as utf-8: byte 13 (line 2) is 0xb1" in text
    assert "--encoding gb18030" in text
    assert "UnicodeDecodeError" not in text


def test_unknown_encoding_is_named(tmp_path: Path):
    path = _write(tmp_path / "t.csv", WIDE)
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_table(path, encoding="klingon")


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_delimiters_are_sniffed_below_a_title_line(tmp_path: Path, sep: str):
    path = tmp_path / "t.csv"
    body = WIDE.to_csv(index=False, sep=sep)
    path.write_text("2018年各地区文化产业主要指标\n" + body, encoding="utf-8")
    assert sniff_delimiter(path.read_text(encoding="utf-8")) == sep
    pd.testing.assert_frame_equal(long_of(read_values(path)), EXPECTED)


def test_semicolon_file_with_decimal_commas_is_not_read_as_thousands(tmp_path: Path):
    path = tmp_path / "eu.csv"
    path.write_text("unit;year;x1\nBeijing;2018;1,5\n", encoding="utf-8")
    # decided per column (issue 15): '1,5' can only be a decimal comma, never 15
    assert read_values(path).value.tolist() == [1.5]


# -- Excel -------------------------------------------------------------------------------------------
def _titled_rows(frame: pd.DataFrame) -> list[list]:
    return [
        ["2018年各地区文化产业主要指标"],
        ["单位：亿元"],
        list(frame.columns),
        *[list(r) for r in frame.itertuples(index=False)],
        [],
        ["注：数据来源于《中国文化及相关产业统计年鉴》。"],
    ]


def test_excel_title_rows_notes_and_a_chosen_sheet(tmp_path: Path):
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["这一页只有说明文字"])
    ws = book.create_sheet("data")
    for row in _titled_rows(WIDE):
        ws.append(row)
    ws.merge_cells("A1:D1")  # a merged title above the header is fine
    book.save(path)
    by_name = read_values(path, sheet="data")
    pd.testing.assert_frame_equal(long_of(by_name), EXPECTED)
    pd.testing.assert_frame_equal(long_of(read_values(path, sheet=1)), EXPECTED)
    pd.testing.assert_frame_equal(long_of(read_values(path, sheet="data", header_row=3)), EXPECTED)
    table = read_table(path, sheet="data")
    assert table.attrs["rows"] == [4, 5, 6]  # header on row 3 below two title rows; the footnote dropped
    with pytest.raises(InputError, match=r"no sheet named 'dat'; sheets: 说明, data"):
        read_values(path, sheet="dat")
    with pytest.raises(InputError, match=r"sheet 5 does not exist"):
        read_values(path, sheet=5)
    with pytest.raises(InputError, match=r"no unit or year column"):
        read_values(path, sheet="data", header_row=2)


def test_merged_header_cells_are_named(tmp_path: Path):
    path = _book(
        tmp_path / "merged.xlsx", [["地区", "年份", "产业规模", None], ["北京", 2018, 1, 2]], ("C1:D1",)
    )
    with pytest.raises(InputError, match=r"merged.xlsx, row 1: merged cells C1:D1 in the header row 1"):
        read_values(path)


def test_merged_header_below_title_rows(tmp_path: Path):
    rows = [
        ["标题"],
        ["单位：亿元"],
        ["地区", "年份", "规模", None],
        [None, None, "x1", "x2"],
        ["北京", 2018, 1, 2],
    ]
    path = _book(tmp_path / "two_level.xlsx", rows, ("A1:D1", "C3:D3", "A3:A4"))
    with pytest.raises(InputError) as info:
        read_values(path)
    assert "merged cells" in str(info.value) and "header row 3" in str(info.value)
    assert "A3:A4" in str(info.value) or "C3:D3" in str(info.value)


def test_text_in_a_value_cell_names_row_and_column(tmp_path: Path):
    bad = WIDE.astype(object)
    bad.loc[1, "x2"] = "about 20"
    with pytest.raises(InputError, match=r"t.csv, row 3, column 'x2': 'about 20' is not a number"):
        read_values(_write(tmp_path / "t.csv", bad))
    # in a workbook with two title rows the same cell is spreadsheet row 5
    path = _book(tmp_path / "t.xlsx", _titled_rows(bad))
    with pytest.raises(InputError, match=r"t.xlsx, row 5, column 'x2': 'about 20' is not a number"):
        read_values(path)


def test_missing_markers_and_thousands_separators(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text(
        'unit,year,x1,x2\n北京,2018,"1,234.5",-\n上海,2018,..,—\n广东,2018,,7\n', encoding="utf-8"
    )
    values = long_of(read_values(path))
    assert values.to_dict("records") == [
        {"unit_id": "110000", "year": 2018, "indicator_id": "x1", "value": 1234.5},
        {"unit_id": "440000", "year": 2018, "indicator_id": "x2", "value": 7.0},
    ]


# -- units, duplicates, unknown indicators, many problems -------------------------------------------
def test_a_province_spelled_three_ways_is_one_unit(tmp_path: Path):
    frame = pd.DataFrame({"unit": ["北京", "Beijing", "110000"], "year": [2016, 2017, 2018], "x1": [1, 2, 3]})
    values = read_values(_write(tmp_path / "t.csv", frame))
    assert values.unit_id.tolist() == ["110000"] * 3 and values.value.tolist() == [1.0, 2.0, 3.0]
    clash = frame.assign(year=2018)
    with pytest.raises(InputError) as info:
        read_values(_write(tmp_path / "c.csv", clash))
    text = str(info.value)
    assert text.startswith("2 problems")
    assert (
        "c.csv, row 3, column 'x1': duplicate value for unit 110000, year 2018, indicator 'x1' (also on row 2)"
        in text
    )
    assert "c.csv, row 4, column 'x1': duplicate value for unit 110000" in text


def test_duplicates_in_long_form(tmp_path: Path):
    long = pd.DataFrame(
        {"省份": ["京", "北京市"], "年份": ["2018年", "2018"], "指标": ["x1", "x1"], "数值": [1, 2]}
    )
    with pytest.raises(InputError, match=r"row 3, column '数值': duplicate value for unit 110000, year 2018"):
        read_values(_write(tmp_path / "l.csv", long))


def test_unmapped_units_unknown_indicators_and_custom_units(tmp_path: Path):
    frame = pd.DataFrame({"unit": ["北京", "Atlantis", "全国"], "year": [2018, 2018, 2018], "x9": [1, 2, 3]})
    path = _write(tmp_path / "t.csv", frame)
    with pytest.raises(InputError) as info:
        read_indicator_table(path, known_indicators={"x1"})
    text = str(info.value)
    assert "row 3, column 'unit': unit 'Atlantis' is not a province" in text
    assert "row 4, column 'unit': '全国' is a national total" in text
    assert "column 'x9': unknown indicator 'x9'" in text
    table = read_indicator_table(path.with_name("t.csv"), custom_units=True)
    assert table.custom_units == ("Atlantis", "全国")
    assert sorted(table.values.unit_id) == ["110000", "Atlantis", "全国"]


def test_iso3_countries_and_codes(tmp_path: Path):
    frame = pd.DataFrame({"unit_id": ["chn", "DEU", "11", "CN-GD"], "year": [2020] * 4, "x1": [1, 2, 3, 4]})
    values = read_values(_write(tmp_path / "t.csv", frame), custom_units=False)
    assert values.unit_id.tolist() == ["CHN", "DEU", "110000", "440000"]


def test_bad_years_and_empty_cells(tmp_path: Path):
    frame = pd.DataFrame({"unit": ["北京", "上海", ""], "year": ["20l8", "1700", "2018"], "x1": [1, 2, 3]})
    with pytest.raises(InputError) as info:
        read_values(_write(tmp_path / "t.csv", frame), custom_units=False)
    text = str(info.value)
    assert "row 2, column 'year': year '20l8' is not a four-digit year" in text
    assert "row 3, column 'year': year '1700'" in text
    assert "row 4, column 'unit': empty unit" in text


def test_many_problems_are_counted_and_capped(tmp_path: Path):
    frame = pd.DataFrame({"unit": ["北京"] * 25, "year": list(range(2000, 2025)), "x1": ["1.2.3"] * 25})
    with pytest.raises(InputError) as info:
        read_values(_write(tmp_path / "t.csv", frame))
    text = str(info.value)
    assert text.startswith("25 problems") and "... and 5 more" in text
    assert text.count("is not a number") == 20


def test_duplicate_and_unnamed_columns(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_text("unit,year,x1,x1\n北京,2018,1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"column name 'x1' appears twice \(C and D\)"):
        read_values(path)
    path.write_text("unit,year,,x2\n北京,2018,1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 1: column C has no name"):
        read_values(path)


# -- empty files -------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_empty_file_is_named(tmp_path: Path, suffix: str):
    path = tmp_path / f"empty{suffix}"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=rf"empty{suffix}: the file is empty"):
        read_values(path)


def test_blank_csv_header_only_and_empty_sheet(tmp_path: Path):
    blank = tmp_path / "blank.csv"
    blank.write_text("\n ,\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="blank.csv: the file is empty"):
        read_values(blank)
    header = tmp_path / "header.csv"
    header.write_text("unit,year,x1\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"header.csv: the table has a header \(row 1\) but no data rows"):
        read_values(header)
    sheet = _book(tmp_path / "empty.xlsx", [])
    with pytest.raises(InputError, match="empty.xlsx: sheet 'Sheet' is empty"):
        read_values(sheet)
    with pytest.raises(InputError, match="the table holds no rows"):
        read_values(pd.DataFrame({"unit_id": [], "year": [], "x1": []}))


# -- Parquet, long vs wide, typed read_table ---------------------------------------------------------
def test_parquet_round_trip_and_long_equals_wide(tmp_path: Path):
    wide = write_table(WIDE, tmp_path / "w.parquet")
    long = WIDE.melt(id_vars=["地区", "年份"], var_name="指标", value_name="数值")
    long_xlsx = write_table(long, tmp_path / "l.xlsx")
    long_csv = _write(tmp_path / "l.csv", long, sep=";")
    frames = [read_indicator_table(p) for p in (wide, long_xlsx, long_csv)]
    assert [f.layout for f in frames] == ["wide", "long", "long"]
    for table in frames:
        pd.testing.assert_frame_equal(long_of(table.values), EXPECTED)
    pd.testing.assert_frame_equal(long_of(read_values(WIDE)), EXPECTED)  # a DataFrame is read the same way


def test_read_table_types_columns_and_keeps_codes_as_text(tmp_path: Path):
    frame = pd.DataFrame(
        {
            "unit_id": ["110000", "310000"],
            "year": [2018, 2019],
            "x1": ["1,200.0", "-"],  # "1,200" alone is ambiguous (issue 15)
            "belt": ["East", "East"],
        }
    )
    table = read_table(_write(tmp_path / "t.csv", frame))
    assert table["unit_id"].tolist() == ["110000", "310000"]
    assert str(table["year"].dtype) == "Int64" and table["year"].tolist() == [2018, 2019]
    assert table["x1"].iloc[0] == 1200.0 and np.isnan(table["x1"].iloc[1])
    assert table["belt"].tolist() == ["East", "East"]
    assert table.attrs == {"file": "t.csv", "rows": [2, 3]}


def test_text_attribute_columns_are_kept_apart(tmp_path: Path):
    frame = WIDE.assign(belt=["East", "East", "East"], zone=["E", "E", "W"])
    table = read_indicator_table(_write(tmp_path / "t.csv", frame))
    assert set(table.values.indicator_id) == {"x1", "x2"}
    assert table.attributes.columns.tolist() == ["unit_id", "belt", "zone"]
    assert table.attributes.zone.tolist() == ["E", "E", "W"]
    # a column named as a known indicator is never taken for text: its cells are reported
    with pytest.raises(InputError, match="'East' is not a number"):
        read_indicator_table(_write(tmp_path / "t.csv", frame), known_indicators={"x1", "x2", "belt", "zone"})


def test_gzip_csv_and_exact_float_text(tmp_path: Path):
    import gzip

    # 900719925474.4375 is exactly representable; a fast non-correctly-rounded parser gets ...4376
    frame = pd.DataFrame({"unit_id": ["110000"], "year": [2020], "x1": [900719925474.4375]})
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(frame.to_csv(index=False).encode("gb18030")))
    assert read_values(path).value.iloc[0] == 900719925474.4375
    (tmp_path / "e.csv.gz").write_bytes(gzip.compress(b""))
    with pytest.raises(InputError, match="e.csv.gz: the file is empty"):
        read_values(tmp_path / "e.csv.gz")


def test_parse_number_accepts_what_yearbooks_print():
    assert parse_number("1,234.5") == 1234.5
    assert parse_number("12,345,678") == 12345678.0
    assert parse_number("１２") == 12.0
    assert parse_number(" -3.5e2 ") == -350.0
    assert parse_number("..") is None and parse_number("—") is None and parse_number("") is None
    assert parse_number(float("nan")) is None and parse_number(7) == 7.0
    for bad in ("n.a. (see note)", "1,5", "12,34", "1.2.3", "about 20"):
        with pytest.raises(ValueError):
            parse_number(bad)


# -- property: any small long table written wide reads back equal ------------------------------------
UNITS = ["110000", "120000", "310000", "440000", "650000", "USA", "DEU"]
finite = st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)


@st.composite
def long_tables(draw):
    units = draw(st.lists(st.sampled_from(UNITS), min_size=1, max_size=4, unique=True))
    years = draw(st.lists(st.integers(1990, 2030), min_size=1, max_size=3, unique=True))
    indicators = draw(
        st.lists(st.sampled_from(["x1", "x2", "gdp", "pop_10k"]), min_size=1, max_size=3, unique=True)
    )
    keys = [(u, y, i) for u in units for y in years for i in indicators]
    values = draw(st.lists(st.one_of(finite, st.none()), min_size=len(keys), max_size=len(keys)))
    rows = [(*k, v) for k, v in zip(keys, values, strict=True) if v is not None]
    if not rows:
        rows = [(*keys[0], 1.0)]
    return pd.DataFrame(rows, columns=["unit_id", "year", "indicator_id", "value"])


@given(long_tables(), st.sampled_from([".csv", ".xlsx", ".parquet"]))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_long_table_written_wide_reads_back_equal(long: pd.DataFrame, suffix: str):
    wide = long.pivot(index=["unit_id", "year"], columns="indicator_id", values="value").reset_index()
    wide.columns.name = None
    with tempfile.TemporaryDirectory() as tmp:
        path = write_table(wide, Path(tmp) / f"wide{suffix}")
        back = read_values(path, custom_units=False)
    # CSV and Parquet keep every bit; openpyxl writes 16 significant digits (Excel itself keeps 15)
    exact = suffix != ".xlsx"
    pd.testing.assert_frame_equal(
        long_of(back), long_of(long.astype({"year": int})), check_exact=exact, rtol=0 if exact else 1e-15
    )


def test_index_build_reads_data_files(tmp_path: Path):
    from silkscope.index import demo_values

    v = demo_values()
    wide = v.pivot(index=["unit_id", "year"], columns="indicator_id", values="value").reset_index()
    wide["belt"] = wide.unit_id.map(lambda u: "A" if u < "400000" else "B")
    path = tmp_path / "demo.xlsx"
    wide.to_excel(path, index=False)
    out = tmp_path / "s.csv"
    args = [
        "index",
        "build",
        "--data",
        str(path),
        "--group-by",
        "belt",
        "--impute",
        "mean",
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype={"unit_id": str})
    assert list(frame.columns) == ["unit_id", "year", "level", "node", "score", "rank", "coverage"]
    assert frame.unit_id.nunique() == 31


# -- real public files (../shared/data) --------------------------------------------------------------
def test_real_semicolon_file_with_null_markers(shared_data: Path):
    """Hofstede's 2015 matrix: ';'-separated, CRLF, '#NULL!' for missing (PROVENANCE: 110 rows)."""
    path = shared_data / "hofstede" / "6-dimensions-for-website-2015-08-16.csv"
    table = read_table(path)
    peer = pd.read_csv(path, sep=";", na_values=["#NULL!"])
    assert table.shape == peer.shape == (110, 8)
    for column in ["pdi", "idv", "mas", "uai", "ltowvs", "ivr"]:
        np.testing.assert_array_equal(table[column].to_numpy(), peer[column].to_numpy(dtype=float))
    china = table[table.ctr == "CHI"].iloc[0]
    assert (china.pdi, china.idv, china.ltowvs) == (80.0, 20.0, 87.0)
    assert table.loc[table.ctr == "PAK", "ivr"].iloc[0] == 0.0  # a real zero, not missing


def test_real_gzip_csv_as_indicator_values(shared_data: Path):
    """World Bank GDP/population 2017 (export_baskets): lower-case ISO3 map to ISO3; World Bank
    aggregates such as 'arb' (Arab World) are not countries and are refused unless custom."""
    path = shared_data / "export_baskets" / "world_gdp_and_population_2017.csv.gz"
    table = read_table(path)
    peer = pd.read_csv(path)
    assert table.shape == peer.shape
    frame = table.rename(columns={"reporter_iso": "unit_id"}).assign(year=2017)
    with pytest.raises(InputError) as info:
        read_values(frame, custom_units=False)
    assert "unit 'arb' is not a province" in str(info.value)
    values = read_values(frame)
    gdp = values[values.indicator_id == "gdp_current_usd"].set_index("unit_id").value
    assert (
        gdp["CHN"] == 12237700479375.0 and gdp["arb"] == peer.set_index("reporter_iso").gdp_current_usd["arb"]
    )
    assert len(values) == int(peer.drop(columns="reporter_iso").notna().sum().sum())
