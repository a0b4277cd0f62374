"""The main job: `silkscope report` on the demo and on a workspace, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.i18n import catalogue
from silkscope.reference import benchmark_table1

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    result = runner.invoke(app, ["report", "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_report_is_self_contained_and_labelled(demo_report: Path):
    html = (demo_report / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html), "scripts must be inlined, not loaded"
    assert not re.search(r"<link[^>]+href=\"https?:", html)
    label = catalogue("en")["report.demo_label"]
    # the label sits in the sticky banner and at the foot of every section
    assert html.count(label) >= 1 + html.count("<section ")
    for section in ("overview", "ranking", "pillars", "regions", "methods"):
        assert f'id="{section}"' in html


def test_workbook_has_the_tables_behind_the_charts(demo_report: Path):
    book = openpyxl.load_workbook(demo_report / "report.xlsx", read_only=True)
    assert {"about", "ranking", "pillars", "regions_table1", "framework", "index_scores"} <= set(
        book.sheetnames
    )
    ranking = pd.read_excel(demo_report / "report.xlsx", sheet_name="ranking")
    assert len(ranking) == 31 and ranking["Rank"].min() == 1
    regions = pd.read_excel(demo_report / "report.xlsx", sheet_name="regions_table1")
    published = (
        benchmark_table1().query("node == 'index' and year == 2018 and belt3 == 'East'")["value"].iloc[0]
    )
    row = regions[(regions["Node"] == "Cultural Industry Development Index") & (regions["Year"] == 2018)]
    assert row["East · Published (paper 002)"].iloc[0] == pytest.approx(published)
    scores = pd.read_excel(demo_report / "report.xlsx", sheet_name="index_scores")
    idx = scores[(scores.node == "cidi") & (scores.year == 2018)].sort_values("rank")
    assert ranking["Score"].round(2).tolist() == idx["score"].round(2).tolist()


def test_chinese_report(tmp_path: Path):
    result = runner.invoke(app, ["report", "--lang", "zh", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert catalogue("zh")["report.title"] in html
    assert "北京" in html and 'lang="zh-CN"' in html


def test_catalogues_have_the_same_keys():
    assert set(catalogue("en")) == set(catalogue("zh"))


def test_report_from_a_workspace(workspace, tmp_path: Path):
    from silkscope.index import demo_values

    values = demo_values().query("year >= 2017")
    with workspace.transaction() as con:
        con.register("v", values)
        con.execute("INSERT INTO indicator_values SELECT unit_id, year, indicator_id, value, 'test' FROM v")
    result = runner.invoke(
        app, ["report", "--workspace", str(workspace.root), "--lang", "en", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert catalogue("en")["report.demo_label"] not in html
    assert "2017–2018" in html


def test_empty_workspace_is_a_clear_error(workspace, tmp_path: Path):
    result = runner.invoke(app, ["report", "--workspace", str(workspace.root), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "no indicator values" in result.output
