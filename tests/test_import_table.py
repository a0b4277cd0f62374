"""``silkscope import table``: a real file into a workspace in one transaction, recorded in sources
and provenance; every bad input leaves every table exactly as it was."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.io.importing import import_indicator_table
from silkscope.workspace import Workspace

runner = CliRunner()
TABLES = ("indicator_values", "indicators", "units", "sources", "provenance")
WIDE = pd.DataFrame(
    {"地区": ["北京", "上海", "广东"], "年份": [2018, 2018, 2018], "x1": [1.5, 2.0, 3.25], "x2": [10, 20, 30]}
)
FRAMEWORK = """
id: cidi
name: {en: Cultural Industry Development Index, zh: 文化产业发展指数}
children:
  - id: productive_force
    name: {en: Productive force, zh: 生产力}
    weight: 1
    children:
      - {id: x1, name: {en: Value added, zh: 增加值}, direction: 1, weight: 0.5}
      - {id: x2, name: {en: Cost, zh: 成本}, direction: -1, weight: 0.5}
"""


def snapshot(ws: Workspace) -> dict[str, pd.DataFrame]:
    return {t: ws.query(f'SELECT * FROM "{t}" ORDER BY ALL') for t in TABLES}


def assert_unchanged(before: dict[str, pd.DataFrame], ws: Workspace) -> None:
    after = snapshot(ws)
    for name in TABLES:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


def invoke(*args: str):
    return runner.invoke(app, ["import", "table", *args])


def test_gbk_wide_csv_is_imported_and_recorded(workspace: Workspace, tmp_path: Path):
    path = tmp_path / "省级指标.csv"
    WIDE.to_csv(path, index=False, encoding="gbk")
    result = invoke(
        str(path), "--kind", "indicators", "--workspace", str(workspace.root), "--licence", "CC-BY 4.0"
    )
    assert result.exit_code == 0, result.output
    assert "imported 6 values (3 units, 2 indicators, years 2018–2018, wide form)" in result.output
    values = workspace.query("SELECT unit_id, year, indicator_id, value FROM indicator_values ORDER BY ALL")
    assert values.to_dict("records") == [
        {"unit_id": "110000", "year": 2018, "indicator_id": "x1", "value": 1.5},
        {"unit_id": "110000", "year": 2018, "indicator_id": "x2", "value": 10.0},
        {"unit_id": "310000", "year": 2018, "indicator_id": "x1", "value": 2.0},
        {"unit_id": "310000", "year": 2018, "indicator_id": "x2", "value": 20.0},
        {"unit_id": "440000", "year": 2018, "indicator_id": "x1", "value": 3.25},
        {"unit_id": "440000", "year": 2018, "indicator_id": "x2", "value": 30.0},
    ]
    source = workspace.table("sources").iloc[0]
    assert source.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (source.rows, source.licence, source.kind) == (6, "CC-BY 4.0", "table")
    assert set(workspace.query("SELECT DISTINCT source_id FROM indicator_values").source_id) == {
        source.source_id
    }
    assert sorted(workspace.table("indicators").indicator_id) == ["x1", "x2"]
    log = workspace.query("SELECT details FROM provenance WHERE command = 'import table'")
    assert json.loads(log.details.iloc[0])["source_id"] == source.source_id


def test_reimport_replaces_values_without_duplicates(workspace: Workspace, tmp_path: Path):
    first = tmp_path / "a.csv"
    WIDE.to_csv(first, index=False)
    assert invoke(str(first), "--workspace", str(workspace.root)).exit_code == 0
    # the same facts in long form from a workbook, one value revised, one new year
    long = pd.DataFrame(
        {"province": ["Beijing", "Beijing"], "year": [2018, 2019], "indicator": ["x1", "x1"], "value": [9, 4]}
    )
    second = tmp_path / "b.xlsx"
    long.to_excel(second, index=False)
    result = invoke(str(second), "--workspace", str(workspace.root))
    assert result.exit_code == 0, result.output
    assert "1 of them replaced values already in the workspace" in result.output
    beijing = workspace.query(
        "SELECT year, value FROM indicator_values WHERE unit_id = '110000' AND indicator_id = 'x1' ORDER BY year"
    )
    assert beijing.to_dict("records") == [{"year": 2018, "value": 9.0}, {"year": 2019, "value": 4.0}]
    assert len(workspace.table("indicator_values")) == 7
    assert len(workspace.table("sources")) == 2


def _bad_files(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (extra CLI args after FILE, expected fragment of the message)."""
    files: dict[str, tuple[list[str], str]] = {}
    bad = WIDE.astype(object)
    bad.loc[2, "x1"] = "oops"
    bad.to_csv(tmp_path / "text.csv", index=False)
    files["text.csv"] = ([], "text.csv, row 4, column 'x1': 'oops' is not a number")
    pd.DataFrame({"unit": ["北京", "Beijing", "110000"], "year": 2018, "x1": [1, 2, 3]}).to_csv(
        tmp_path / "three.csv", index=False
    )
    files["three.csv"] = ([], "three.csv, row 3, column 'x1': duplicate value for unit 110000, year 2018")
    WIDE.assign(地区=["北京", "Gondor", "广东"]).to_csv(tmp_path / "unit.csv", index=False)
    files["unit.csv"] = ([], "unit.csv, row 3, column '地区': unit 'Gondor' is not a province")
    (tmp_path / "empty.csv").write_bytes(b"")
    files["empty.csv"] = ([], "empty.csv: the file is empty")
    WIDE.to_csv(tmp_path / "gbk.csv", index=False, encoding="gbk")
    files["gbk.csv"] = (["--encoding", "utf-8"], "gbk.csv: cannot decode the file as utf-8: byte 0 (line 1)")
    book = openpyxl.Workbook()
    book.active.append(["地区", "年份", "规模", None])
    book.active.append(["北京", 2018, 1, 2])
    book.active.merge_cells("C1:D1")
    book.save(tmp_path / "merged.xlsx")
    files["merged.xlsx"] = ([], "merged cells C1:D1 in the header row 1")
    (tmp_path / "fw.yaml").write_text(FRAMEWORK, encoding="utf-8")
    WIDE.assign(x3=[1, 2, 3]).to_csv(tmp_path / "unknown.csv", index=False)
    files["unknown.csv"] = (["--framework", str(tmp_path / "fw.yaml")], "column 'x3': unknown indicator 'x3'")
    return files


def test_every_bad_input_changes_nothing(workspace: Workspace, tmp_path: Path):
    good = tmp_path / "good.csv"
    WIDE.to_csv(good, index=False)
    assert invoke(str(good), "--workspace", str(workspace.root)).exit_code == 0
    before = snapshot(workspace)
    assert len(before["indicator_values"]) == 6
    for name, (extra, message) in _bad_files(tmp_path).items():
        result = invoke(str(tmp_path / name), "--workspace", str(workspace.root), *extra)
        assert result.exit_code == 2, (name, result.output)
        assert message in " ".join(result.output.split()), (name, result.output)
        assert_unchanged(before, workspace)


def test_a_failure_inside_the_transaction_rolls_everything_back(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "good.csv"
    WIDE.assign(地区=["北京", "Atlantis", "广东"]).to_csv(path, index=False)
    before = snapshot(workspace)

    def broken(con, record):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Workspace, "record_source", staticmethod(broken))
    with pytest.raises(RuntimeError, match="disk full"):
        import_indicator_table(workspace, path, custom_units=True)
    assert_unchanged(before, workspace)  # values, the new indicators and the custom unit all rolled back


def test_custom_and_country_units(workspace: Workspace, tmp_path: Path):
    frame = pd.DataFrame({"unit_id": ["Atlantis", "DEU", "京"], "year": 2020, "x1": [1, 2, 3]})
    path = tmp_path / "c.csv"
    frame.to_csv(path, index=False)
    refused = invoke(str(path), "--workspace", str(workspace.root))
    assert refused.exit_code == 2 and "unit 'Atlantis' is not a province" in refused.output
    result = invoke(str(path), "--workspace", str(workspace.root), "--custom-units")
    assert result.exit_code == 0, result.output
    units = workspace.query("SELECT unit_id, level FROM units WHERE unit_id IN ('Atlantis', 'DEU', '110000')")
    assert dict(zip(units.unit_id, units.level, strict=True)) == {
        "Atlantis": "custom",
        "DEU": "country",
        "110000": "province",
    }
    # once registered, the custom unit is known to later imports without --custom-units
    frame.assign(year=2021, unit_id=["atlantis", "DEU", "京"]).to_csv(path, index=False)
    again = invoke(str(path), "--workspace", str(workspace.root))
    assert again.exit_code == 0, again.output
    assert sorted(workspace.query("SELECT DISTINCT unit_id FROM indicator_values").unit_id) == [
        "110000",
        "Atlantis",
        "DEU",
    ]


def test_framework_indicators_and_a_named_sheet(workspace: Workspace, tmp_path: Path):
    fw = tmp_path / "fw.yaml"
    fw.write_text(FRAMEWORK, encoding="utf-8")
    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "2017"
    book.active.append(["not this sheet"])
    ws = book.create_sheet("2018")
    ws.append(["2018年各地区文化产业主要指标"])
    ws.append(["单位：亿元"])
    ws.append(list(WIDE.columns))
    for row in WIDE.itertuples(index=False):
        ws.append(list(row))
    book.save(path)
    args = [str(path), "--workspace", str(workspace.root), "--sheet", "2018", "--framework", str(fw)]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert len(workspace.table("indicator_values")) == 6


def test_default_workspace_is_the_current_folder(workspace: Workspace, tmp_path: Path, monkeypatch):
    path = tmp_path / "w.parquet"
    WIDE.to_parquet(path)
    monkeypatch.chdir(workspace.root)
    result = invoke(str(path), "--kind", "indicators")
    assert result.exit_code == 0, result.output
    assert len(workspace.table("indicator_values")) == 6


def test_not_a_workspace_and_unknown_kind(tmp_path: Path):
    path = tmp_path / "w.csv"
    WIDE.to_csv(path, index=False)
    result = invoke(str(path), "--workspace", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "is not a silkscope workspace" in result.output
    result = invoke(str(path), "--kind", "trade", "--workspace", str(tmp_path))
    assert result.exit_code == 2 and "unknown --kind 'trade'" in result.output


def test_import_function_raises_input_error_listing_problems(workspace: Workspace, tmp_path: Path):
    path = tmp_path / "bad.csv"
    WIDE.assign(x1=["a1", "b", "c"], x2=["1", "x", "2"]).to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        import_indicator_table(workspace, path, known_indicators={"x1", "x2"})
    assert len(info.value.problems) == 4  # x1 is a known indicator, so its words are bad cells
    assert {(p.row, p.column) for p in info.value.problems} == {(2, "x1"), (3, "x1"), (4, "x1"), (3, "x2")}
