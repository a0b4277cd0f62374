"""One study from import to report, on real files: import, `index build --save`, the other index
commands and the cluster commands on the workspace, then `report --workspace` with no file edited.

Study "tourism": NBS provincial GDP (2005-2023) and inbound tourism (2005-2019); its latest year,
2023, holds GDP only. Study "culture": the same plus the culture, tourism, sport and media
expenditure by province (2019-2023), reported with entropy weights. The NBS file's ``unit`` column
is a measurement unit, so the test imports a clean long frame (province, year, indicator, value)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.i18n import catalogue

pytestmark = pytest.mark.shared
runner = CliRunner()

TOURISM = "china_nbs_provincial_tourism_gdp/china_provincial_tourism_gdp_long.csv"
BUDGET = "china_public_budget_by_province/culture_tourism_sport_media_expenditure_by_province_2019_2023.csv"

FRAMEWORK = """
id: tourism_culture
name: {en: Provincial Tourism and Culture Index, zh: 省级旅游与文化指数}
children:
  - id: economy
    name: {en: Economy, zh: 经济}
    children:
      - {id: gdp, name: {en: GDP, zh: 地区生产总值}, unit: 100 million CNY}
  - id: tourism
    name: {en: Inbound tourism, zh: 入境旅游}
    children:
      - {id: intl_tourism_receipts, name: {en: International tourism receipts, zh: 国际旅游外汇收入}}
      - {id: overseas_visitors, name: {en: Overseas visitors, zh: 接待入境游客}}
      - {id: foreign_visitors, name: {en: Foreign visitors, zh: 接待外国人游客}}
"""
CULTURE = """
  - id: public_culture
    name: {en: Public spending on culture, zh: 文化财政支出}
    children:
      - {id: culture_tourism_sport_media, name: {en: Culture, tourism, sport and media spending, zh: 文化旅游体育与传媒支出}}
      - {id: culture_share_pct, name: {en: Culture share of spending, zh: 文化支出占比}}
"""


def make_study(root: Path, shared_data: Path, with_budget: bool) -> tuple[Path, Path]:
    """A workspace holding the real values, and the framework file beside it (not recorded yet)."""
    from silkscope.io.importing import import_indicator_table
    from silkscope.workspace import Workspace

    root.mkdir(parents=True, exist_ok=True)
    tour = pd.read_csv(shared_data / TOURISM)
    clean = tour.rename(columns={"province_zh": "地区", "indicator": "indicator_id"})
    clean[["地区", "year", "indicator_id", "value"]].to_csv(root / "tourism_long.csv", index=False)
    ws = Workspace.init(root / "study")
    import_indicator_table(ws, root / "tourism_long.csv")
    text = FRAMEWORK
    if with_budget:
        money = pd.read_csv(shared_data / BUDGET)
        long = money.melt(
            id_vars=["year", "region_zh"],
            value_vars=["culture_tourism_sport_media", "culture_share_pct"],
            var_name="indicator_id",
        ).rename(columns={"region_zh": "地区"})
        long.to_csv(root / "budget_long.csv", index=False)
        import_indicator_table(ws, root / "budget_long.csv")
        text += CULTURE
    framework = root / "framework.yaml"
    framework.write_text(text, encoding="utf-8")
    return ws.root, framework


def invoke(*args: str):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def culture(tmp_path_factory, shared_data: Path) -> tuple[Path, Path]:
    """The culture study after `index build --save` with entropy weights."""
    ws, framework = make_study(tmp_path_factory.mktemp("culture"), shared_data, with_budget=True)
    out = ws.parent / "index.csv"
    result = invoke(
        "index",
        "build",
        "--workspace",
        ws,
        "--framework",
        framework,
        "--weights",
        "entropy",
        "--save",
        "--out",
        out,
    )
    assert "not scored" in result.output and "2023" in result.output
    return ws, out


def test_build_save_records_the_framework_and_choices(culture):
    ws, out = culture
    config = yaml.safe_load((ws / "silkscope.yaml").read_text(encoding="utf-8"))
    assert Path(config["framework"]).name == "framework.yaml"
    assert config["choices"]["weights"] == "entropy"
    assert config["choices"]["min_coverage"] == pytest.approx(2 / 3)
    frame = pd.read_csv(out, dtype={"unit_id": str})
    assert list(frame.columns) == ["unit_id", "year", "level", "node", "score", "rank", "coverage"]
    index = frame[frame.node == "tourism_culture"]
    assert len(index) == 31 * 19  # every unit-year keeps its row
    scored = index[index.score.notna()]
    assert set(scored.year) == {2019} and scored["rank"].notna().all()
    assert index[index.year != 2019][["score", "rank"]].isna().all().all()
    assert (index[index.year == 2023].coverage.round(4) == round(2 / 3, 4)).all()


def test_index_commands_read_the_study(culture):
    ws, _ = culture
    out = ws.parent
    # the recorded choices are used: an unchanged build gives the same scores as the saved one
    invoke("index", "build", "--workspace", ws, "--out", out / "again.csv")
    assert pd.read_csv(out / "again.csv").equals(pd.read_csv(out / "index.csv"))
    invoke("index", "weights", "--workspace", ws, "--year", "2019", "--out", out / "w.csv")
    weights = pd.read_csv(out / "w.csv")
    assert weights.groupby("parent").weight.sum().round(9).eq(1).all()
    invoke("index", "uncertainty", "--workspace", ws, "--n", "30", "--out", out / "u.csv")
    unc = pd.read_csv(out / "u.csv")
    assert unc[unc.year == 2019].median_rank.notna().all() and unc[unc.year == 2023].median_rank.isna().all()
    invoke("index", "audit", "--workspace", ws, "--out", out / "a.xlsx")
    assert "correlations" in " ".join(openpyxl.load_workbook(out / "a.xlsx", read_only=True).sheetnames)
    # --min-coverage 0 scores the years that lack a pillar too
    invoke(
        "index",
        "build",
        "--workspace",
        ws,
        "--min-coverage",
        "0",
        "--years",
        "2018-2020",
        "--out",
        out / "z.csv",
    )
    loose = pd.read_csv(out / "z.csv")
    assert set(loose.year) == {2018, 2019, 2020}
    assert loose[loose.node == "tourism_culture"].score.notna().all()


def test_workspace_errors_name_the_year(culture):
    ws, _ = culture
    bad = runner.invoke(app, ["index", "build", "--workspace", str(ws), "--year", "2023", "--out", "x.csv"])
    assert bad.exit_code == 2
    assert "year(s) 2023 hold no values for 3 framework indicator(s)" in bad.output
    none = runner.invoke(app, ["index", "build", "--workspace", str(ws), "--year", "1990", "--out", "x.csv"])
    assert none.exit_code == 2 and "1990" in none.output and "2005–2023" in none.output
    both = runner.invoke(
        app,
        [
            "index",
            "build",
            "--workspace",
            str(ws),
            "--year",
            "2019",
            "--years",
            "2019-2020",
            "--out",
            "x.csv",
        ],
    )
    assert both.exit_code == 2 and "not both" in both.output


def test_cluster_commands_take_years_in_workspace_mode(culture):
    ws, _ = culture
    out = ws.parent
    invoke(
        "cluster",
        "echelons",
        "--workspace",
        ws,
        "--variable",
        "gdp",
        "--year",
        "2019",
        "--out",
        out / "e.csv",
    )
    ech = pd.read_csv(out / "e.csv")
    assert set(ech.year) == {2019} and ech.unit_id.nunique() == 31
    invoke(
        "cluster", "spatial", "--workspace", ws, "--variable", "culture_tourism_sport_media",
        "--years", "2020-2021", "--permutations", "99", "--seed", "1", "--out", out / "s.csv",
    )  # fmt: skip
    assert set(pd.read_csv(out / "s.csv").year.dropna().astype(int)) == {2020, 2021}
    invoke(
        "cluster", "efficiency", "--workspace", ws, "--inputs", "culture_tourism_sport_media",
        "--outputs", "gdp", "--years", "2022-2023", "--out", out / "d.csv",
    )  # fmt: skip
    dea = pd.read_csv(out / "d.csv")
    assert set(dea.year) == {2022, 2023} and dea.efficiency.max() == pytest.approx(1.0)
    invoke(
        "cluster", "malmquist", "--workspace", ws, "--inputs", "culture_tourism_sport_media",
        "--outputs", "gdp", "--years", "2019-2021", "--out", out / "m.csv",
    )  # fmt: skip
    assert len(pd.read_csv(out / "m.csv")) == 31 * 2
    missing = runner.invoke(
        app,
        [
            "cluster",
            "echelons",
            "--workspace",
            str(ws),
            "--variable",
            "gdp",
            "--year",
            "2030",
            "--out",
            "x.csv",
        ],
    )
    assert missing.exit_code == 2 and "2030" in missing.output and "2023" in missing.output


def sheets_of(path: Path) -> list[str]:
    return openpyxl.load_workbook(path, read_only=True).sheetnames


def test_report_of_a_study_whose_latest_year_is_gdp_only(tmp_path: Path, shared_data: Path):
    ws, framework = make_study(tmp_path / "t", shared_data, with_budget=False)
    before = runner.invoke(app, ["report", "--workspace", str(ws), "--out", str(tmp_path / "no")])
    assert before.exit_code == 2 and "--framework F.yaml --save" in before.output  # says how, no traceback
    invoke(
        "index", "build", "--workspace", ws, "--framework", framework, "--save", "--out", tmp_path / "i.csv"
    )
    start = time.perf_counter()
    result = invoke("report", "--workspace", ws, "--lang", "en", "--out", tmp_path / "rep")
    seconds = time.perf_counter() - start
    print(f"real provincial report: {seconds:.1f} s")
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    en = catalogue("en")
    assert "<title>Provincial Tourism and Culture Index: study report</title>" in html
    assert "Ranking, 2019" in html and "Ranking, 2023" not in html
    assert "The report headlines 2019" in html and "holds only 1 of the framework" in html
    assert "Rank changes compare 2005 with 2019, two years with the same 4 indicators." in html
    assert en["report.demo_label"] not in html and "DEMONSTRATION" not in html
    assert 'id="trade"' not in html and 'id="partners"' not in html and 'id="regions"' not in html
    assert 'id="not_in_study"' in html and en["study.missing.trade"] in html
    assert 'id="coverage"' in html
    names = sheets_of(tmp_path / "rep" / "report.xlsx")
    assert {"coverage", "coverage_excluded", "ranking"} <= set(names)
    assert not [n for n in names if n.startswith(("demo", "trade", "partner"))]
    for name in names:
        assert "note" not in pd.read_excel(tmp_path / "rep" / "report.xlsx", sheet_name=name, nrows=1).columns
    excluded = pd.read_excel(tmp_path / "rep" / "report.xlsx", sheet_name="coverage_excluded")
    assert len(excluded) == 31 * 4 and set(excluded["Year"]) == {2020, 2021, 2022, 2023}
    ranking = pd.read_excel(tmp_path / "rep" / "report.xlsx", sheet_name="ranking")
    assert len(ranking) == 31 and ranking["Rank"].min() == 1
    assert "Rank change (2005–2019)" in ranking.columns
    assert "not scored: 124 unit-year(s)" in result.output


def test_report_after_build_save_with_entropy_and_demo_sections(culture, tmp_path: Path):
    ws, _ = culture
    invoke("report", "--workspace", ws, "--lang", "zh", "--with-demo", "--out", tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    zh = catalogue("zh")
    assert "省级旅游与文化指数研究报告" in html
    assert "熵" in html and "zscore" in html  # the draw says z-score was left out with entropy
    assert "2019 年" in html and 'id="trade"' in html and 'id="partners"' in html
    book = tmp_path / "report.xlsx"
    names = sheets_of(book)
    demo = [n for n in names if n.startswith("demo_")]
    assert demo and {"demo_trade_exports", "demo_partner_tiers"} <= set(demo)
    for name in names:
        frame = pd.read_excel(book, sheet_name=name, nrows=3)
        is_demo = name.startswith("demo_")
        assert ("note" in frame.columns) == is_demo, name
        if is_demo:  # synthetic demo data, or the smile curve's real national series (its own note)
            assert frame["note"].isin([zh["study.demo_note"], zh["module_a.smile.demo_note"]]).all(), name
    assert not re.search(r"trade_|partner_", " ".join(n for n in names if not n.startswith("demo_")))


@pytest.mark.browser
def test_dashboard_of_the_study_shows_its_coverage(culture):
    """The served study: default year = the headline year, the Coverage tab's heat map and the
    unscored unit-years, in a real headless Chromium, offline."""
    from silkscope.web.app import create_app
    from silkscope.web.headless import CHROMIUM, CHROMIUM_ARGS, ServerThread

    if not CHROMIUM.exists():
        pytest.skip(f"no system Chromium at {CHROMIUM} (scripts/ensure-chromium.sh)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    ws, _ = culture
    with ServerThread(create_app(ws)) as server, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url else r.abort())
        page.goto(f"{server.url}/?lang=en#coverage")
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        assert page.locator("#year-select").input_value() == "2019"
        sync_api.expect(page.locator("#coverage-chart .main-svg").first).to_be_visible(timeout=60_000)
        sync_api.expect(page.locator("#coverage-count")).to_have_text("558 unit-year(s) not scored")
        assert page.locator("#coverage-table tbody tr").count() == 500  # the first 500 shown
        assert "0.667" in page.locator("#coverage-intro").inner_text()
        browser.close()
        assert not errors, errors
