"""Issue 15: strict parsing, bounded spreadsheet reading and atomic, formula-safe outputs."""

from __future__ import annotations

import os
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from silkscope.errors import InputError
from silkscope.io.excel import read_sheet
from silkscope.io.tables import read_values
from silkscope.io.writers import check_output_path, write_table


def _csv(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("cell", ["1e309", "9" * 400])
def test_overflowing_numbers_are_refused_with_the_cell(tmp_path: Path, cell: str):
    path = _csv(tmp_path, f"unit_id,year,x\nCHN,2020,{cell}\n")
    with pytest.raises(InputError, match=r"row 2, column 'x': .*beyond the range of numbers"):
        read_values(path)


def test_decimal_comma_is_decided_per_column(tmp_path: Path):
    path = _csv(tmp_path, "unit_id;year;x;y\nCHN;2020;3,12;1,234.5\nIND;2020;1.234,5;7\n")
    values = read_values(path, custom_units=True)
    got = dict(zip(values.unit_id + values.indicator_id, values.value, strict=True))
    assert got == {"CHNx": 3.12, "INDx": 1234.5, "CHNy": 1234.5, "INDy": 7.0}


def test_ambiguous_and_conflicting_commas_are_refused(tmp_path: Path):
    with pytest.raises(InputError, match=r"'1,234' could be 1234 or 1.234"):
        read_values(_csv(tmp_path, 'unit_id,year,x\nCHN,2020,"1,234"\n'))
    with pytest.raises(InputError, match=r"'3,12' writes a decimal comma but '1,234.5' a decimal point"):
        read_values(_csv(tmp_path, "unit_id;year;x\nCHN;2020;3,12\nIND;2020;1,234.5\n", "c.csv"))


def test_rows_with_the_wrong_number_of_fields_are_refused(tmp_path: Path):
    path = _csv(tmp_path, "unit_id,year,x,y\nCHN,2020,1,2\nIND,2020,3,12,5\nRUS,2020,4")
    with pytest.raises(InputError) as err:
        read_values(path)
    text = str(err.value)
    assert "row 3: 5 fields, more than the 4" in text and "row 4: 3 fields, fewer than the 4" in text


def test_huge_cell_and_long_id_are_messages(tmp_path: Path):
    with pytest.raises(InputError, match="field larger than field limit"):
        read_values(_csv(tmp_path, 'unit_id,year,x\nCHN,2020,"' + "a" * 140_000 + '"\n'))
    with pytest.raises(InputError, match="ids are at most 256"):
        read_values(_csv(tmp_path, "unit_id,year," + "i" * 300 + "\nCHN,2020,1\n", "l.csv"))


def test_stray_cell_far_away_is_refused_fast(tmp_path: Path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["unit_id", "year", "x"])
    ws.append(["CHN", 2020, 1.5])
    ws["XFD1048576"] = "stray"
    book.save(tmp_path / "far.xlsx")
    ws["XFD1048576"] = None
    ws["A20000"] = "stray"
    book.save(tmp_path / "near.xlsx")
    start = time.process_time()
    with pytest.raises(InputError, match=r"cell XFD1048576 \('stray'\) lies far from the other cells"):
        read_sheet(tmp_path / "far.xlsx", None)
    sheet = read_sheet(tmp_path / "near.xlsx", None)
    assert len(sheet.grid) == 20000 and sheet.grid[19999][0] == "stray"
    assert time.process_time() - start < 5


def test_outputs_are_atomic_replace_symlinks_and_neutralise_formulas(tmp_path: Path):
    frame = pd.DataFrame({"unit_id": ["=1+1", "@SUM(A1)", "CHN"], "v": [-1.5, 2.0, 3.0]})
    target = tmp_path / "target.txt"
    target.write_text("keep")
    (tmp_path / "out.csv").symlink_to(target)
    write_table(frame, tmp_path / "out.csv")
    assert target.read_text() == "keep" and not (tmp_path / "out.csv").is_symlink()
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[1:] == ["'=1+1,-1.5", "'@SUM(A1),2.0", "CHN,3.0"]
    write_table(frame, tmp_path / "out.xlsx")
    cells = [c for row in openpyxl.load_workbook(tmp_path / "out.xlsx").active.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert [c.value for c in cells if c.column == 2][1:] == [-1.5, 2, 3]
    assert sorted(os.listdir(tmp_path)) == ["out.csv", "out.xlsx", "target.txt"]


@pytest.mark.parametrize("bad", ["folder.csv", "/proc/x.csv", "x.txt"])
def test_bad_output_paths_are_refused_before_work(tmp_path: Path, bad: str):
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(InputError, match="cannot write"):
        check_output_path(bad if bad.startswith("/") else tmp_path / bad)
