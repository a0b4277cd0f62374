"""Reading indicator tables as they arrive: encodings, Excel title rows, long/wide, bad cells."""

from __future__ import annotations

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
from silkscope.io.tables import parse_number, read_indicator_table, read_values

runner = CliRunner()
WIDE = pd.DataFrame({"地区": ["北京", "上海", "广东"], "年份": [2018, 2018, 2018], "x1": [1.5, 2.0, 3.25], "x2": [10, 20, 30]})


def long_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["unit_id", "year", "indicator_id"]).reset_index(drop=True)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_give_the_same_values(tmp_path: Path, encoding: str):
    path = tmp_path / "t.csv"
    WIDE.to_csv(path, index=False, encoding=encoding)
    values = long_of(read_values(path))
    assert values.unit_id.tolist()[:2] == ["110000", "110000"]
    assert set(values.unit_id) == {"110000", "310000", "440000"}
    assert values.value.sum() == pytest.approx(6.75 + 60)


def test_gbk_file_forced_as_utf8_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "t.csv"
    WIDE.to_csv(path, index=False, encoding="gbk")
    with pytest.raises(InputError, match=r"cannot decode the file as utf-8.*line 1"):
        read_values(path, encoding="utf-8")


def test_semicolon_and_long_form_equal_wide(tmp_path: Path):
    wide = read_values(_write(tmp_path / "w.csv", WIDE))
    long = WIDE.melt(id_vars=["地区", "年份"], var_name="指标", value_name="数值")
    path = tmp_path / "l.csv"
    long.to_csv(path, index=False, sep=";")
    pd.testing.assert_frame_equal(long_of(wide), long_of(read_values(path)))


def test_excel_with_title_rows_and_a_chosen_sheet(tmp_path: Path):
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "notes"
    ws = book.create_sheet("data")
    ws.append(["2018年各地区文化产业主要指标"])
    ws.append(["单位：亿元"])
    ws.append(list(WIDE.columns))
    for row in WIDE.itertuples(index=False):
        ws.append(list(row))
    ws.append([])
    book.save(path)
    values = read_values(path, sheet="data")
    assert len(values) == 6 and values.query("unit_id == '440000' and indicator_id == 'x1'").value.iloc[0] == 3.25


def test_merged_header_cells_are_named(tmp_path: Path):
    path = tmp_path / "merged.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["地区", "年份", "产业规模", None])
    ws.merge_cells("C1:D1")
    ws.append(["北京", 2018, 1, 2])
    book.save(path)
    with pytest.raises(InputError, match=r"merged cells C1:D1 in the header row 1"):
        read_values(path)


def test_text_in_a_value_cell_names_row_and_column(tmp_path: Path):
    bad = WIDE.astype(object)
    bad.loc[1, "x2"] = "about 20"
    with pytest.raises(InputError, match=r"t.csv, row 3, column 'x2': 'about 20' is not a number"):
        read_values(_write(tmp_path / "t.csv", bad))


def test_a_province_spelled_three_ways_is_one_unit(tmp_path: Path):
    frame = pd.DataFrame({"unit": ["北京", "Beijing", "110000"], "year": [2016, 2017, 2018], "x1": [1, 2, 3]})
    values = read_values(_write(tmp_path / "t.csv", frame))
    assert set(values.unit_id) == {"110000"}
    clash = frame.assign(year=2018)
    with pytest.raises(InputError, match=r"duplicate value for unit 110000, year 2018, indicator 'x1' \(also on row 2\)"):
        read_values(_write(tmp_path / "c.csv", clash))


def test_unmapped_units_and_unknown_indicators_are_listed(tmp_path: Path):
    frame = pd.DataFrame({"unit": ["北京", "Atlantis"], "year": [2018, 2018], "x9": [1, 2]})
    path = _write(tmp_path / "t.csv", frame)
    with pytest.raises(InputError) as info:
        read_indicator_table(path, known_indicators={"x1"})
    text = str(info.value)
    assert "row 3, column 'unit': unit 'Atlantis'" in text
    assert "unknown indicator 'x9'" in text
    assert read_indicator_table(path, custom_units=True).custom_units == ("Atlantis",)


def test_empty_file(tmp_path: Path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(InputError, match="empty.csv: the file is empty"):
        read_values(path)


def test_parse_number_accepts_what_yearbooks_print():
    assert parse_number("1,234.5") == 1234.5
    assert parse_number("１２") == 12.0
    assert parse_number("..") is None and parse_number("—") is None
    with pytest.raises(ValueError):
        parse_number("n.a. (see note)")


@given(
    st.lists(st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False), min_size=2, max_size=6),
    st.sampled_from([".csv", ".xlsx", ".parquet"]),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_round_trip_any_small_table(tmp_path: Path, numbers: list[float], suffix: str):
    units = ["110000", "120000", "130000", "140000", "150000", "210000"][: len(numbers)]
    frame = pd.DataFrame({"unit_id": units, "year": 2020, "x1": numbers})
    path = tmp_path / f"t{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False, float_format="%.17g")
    elif suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path)
    values = read_values(path).sort_values("unit_id")
    np.testing.assert_allclose(values.value.to_numpy(), np.array(numbers), rtol=1e-15)


# -- import into a workspace -------------------------------------------------------------------------
def test_import_is_all_or_nothing(workspace, tmp_path: Path):
    good = _write(tmp_path / "good.csv", WIDE)
    result = runner.invoke(app, ["import", "table", str(good), "--kind", "indicators", "--workspace", str(workspace.root), "--licence", "CC-BY 4.0"])
    assert result.exit_code == 0, result.output
    before = workspace.query("SELECT * FROM indicator_values ORDER BY ALL")
    sources = workspace.query("SELECT * FROM sources")
    assert len(before) == 6 and sources.licence.tolist() == ["CC-BY 4.0"] and sources.rows.tolist() == [6]
    bad = WIDE.assign(x1=["1", "2", "oops"])
    bad_path = _write(tmp_path / "bad.csv", bad)
    result = runner.invoke(app, ["import", "table", str(bad_path), "--workspace", str(workspace.root)])
    assert result.exit_code == 2 and "'oops' is not a number" in result.output
    pd.testing.assert_frame_equal(before, workspace.query("SELECT * FROM indicator_values ORDER BY ALL"))
    assert len(workspace.query("SELECT * FROM sources")) == 1


def test_index_build_reads_data_files(tmp_path: Path):
    from silkscope.index import demo_values

    v = demo_values()
    wide = v.pivot(index=["unit_id", "year"], columns="indicator_id", values="value").reset_index()
    wide["belt"] = wide.unit_id.map(lambda u: "A" if u < "400000" else "B")
    path = tmp_path / "demo.xlsx"
    wide.to_excel(path, index=False)
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["index", "build", "--data", str(path), "--group-by", "belt", "--impute", "mean", "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype={"unit_id": str})
    assert list(frame.columns) == ["unit_id", "year", "level", "node", "score", "rank"]
    assert frame.unit_id.nunique() == 31


def _write(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_csv(path, index=False)
    return path
