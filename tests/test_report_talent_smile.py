"""Issue 18 part 5 and issue 17 part 6: the talent, smile-curve and regional-disparity sections.

A study is built from real files: the NBS culture-industry release (value added by activity
2015–2024, imported as published and reshaped into chain stages), the NBS provincial GDP and
tourism workbooks (the index the disparity is measured on), and talent series:

* supply — China's first university degrees outside science and engineering (all fields − S&E),
  2010–2018, NCSES SEI table SHED-11 (the proxy its PROVENANCE names for humanities, arts,
  education and health graduates): a real series;
* demand — DERIVED, stated here and in the file's name: new cultural-industry jobs per year =
  the yearly change of NBS cultural value added × the 2018 economic census's employees per
  unit of value added (27.893 million / 41,171 亿元), i.e. constant 2018 labour productivity.
  No published series of cultural jobs by year exists in the shared data.

The section's numbers are checked against the module functions (and the CLI) run directly on the
same files; a study without the inputs names them, ``--with-demo`` labels them, the demo shows
them, and re-imports replace whole while a bad file is refused leaving the old table.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.i18n import Translator, catalogue

runner = CliRunner()
NBS_RELEASES = "china_culture_industry_nbs_releases"
VA_FILE = "cultural_industry_value_added_national_2015_2024.csv"
PROVINCIAL = "china_nbs_provincial_tourism_gdp/raw"
MAPPING = """fields:
  non_se_first_degrees:
    cultural_industry_new_jobs: 1.0
"""
FRAMEWORK = """id: gdp_tourism
name: {en: GDP and tourism index, zh: 经济与旅游指数}
children:
  - id: economy
    name: {en: Economy, zh: 经济}
    weight: 1
    children:
      - {id: gdp, name: {en: Gross regional product, zh: 地区生产总值}, direction: 1, weight: 1}
  - id: tourism
    name: {en: Tourism, zh: 旅游}
    weight: 1
    children:
      - {id: intl_tourism_receipts, name: {en: International tourism receipts, zh: 国际旅游外汇收入}, direction: 1, weight: 1}
      - {id: overseas_visitors, name: {en: Overseas visitors, zh: 接待国外游客}, direction: 1, weight: 1}
"""


def cli(*args) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def talent_files(shared: Path, folder: Path) -> tuple[Path, Path, Path]:
    """The supply file (real), the demand file (derived, see the module docstring), the mapping."""
    degrees = pd.read_csv(shared / "ncses_ip_education_by_country/5785/data.csv")
    path = degrees["region_country_or_economy_and_field_full_path"]
    years = list(range(2010, 2019))
    total = degrees[path == "China<sup>a</sup> -> All fields"].iloc[0]
    science = degrees[path == "China<sup>a</sup> -> All fields -> S&E fields"].iloc[0]
    supply = pd.DataFrame(
        {"region": "CHN", "field": "non_se_first_degrees", "year": years,
         "value": [float(total[f"field_{y}"]) - float(science[f"field_{y}"]) for y in years]}
    )  # fmt: skip
    assert supply.loc[supply["year"] == 2018, "value"].item() == 3868358 - 1821950  # PROVENANCE
    va = pd.read_csv(shared / NBS_RELEASES / VA_FILE).set_index("year")["value_added_100m_yuan"]
    census = pd.read_csv(shared / NBS_RELEASES / "cultural_industry_economic_census_2018.csv")
    employees = census.loc[census["indicator"] == "cultural_industry_employment", "value"].item() * 1e4
    per_unit = employees / va[2018]
    jobs = (va.diff().dropna() * per_unit).round(0)
    demand = pd.DataFrame(
        {"region": "CHN", "sector": "cultural_industry_new_jobs", "year": jobs.index.astype(int), "value": jobs.values}
    )  # fmt: skip
    paths = (
        folder / "supply_ncses_non_se_first_degrees_china.csv",
        folder / "demand_DERIVED_nbs_value_added_change_x_census2018_jobs_per_value_added.csv",
        folder / "mapping.yaml",
    )
    supply.to_csv(paths[0], index=False)
    demand.to_csv(paths[1], index=False)
    paths[2].write_text(MAPPING, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def real_study(shared_data, tmp_path_factory) -> dict[str, Path]:
    """The study with index values, chain stages, talent supply, demand and mapping, and its
    zh and en reports."""
    root = tmp_path_factory.mktemp("real-modules")
    study = root / "study"
    cli("init", study)
    for indicator, name in (("gdp", "nbs_province_gdp_2005_2023.xlsx"),
                            ("intl_tourism_receipts", "nbs_province_intl_tourism_receipts_musd_2005_2019.xlsx"),
                            ("overseas_visitors", "nbs_province_overseas_visitors_2005_2019.xlsx")):  # fmt: skip
        cli(
            "import", "table", shared_data / PROVINCIAL / name, "--workspace", study, "--indicator", indicator
        )
    framework = root / "framework.yaml"
    framework.write_text(FRAMEWORK, encoding="utf-8")
    cli(
        "index",
        "build",
        "--workspace",
        study,
        "--framework",
        framework,
        "--save",
        "--out",
        root / "index.csv",
    )
    out = cli(
        "import",
        "table",
        shared_data / NBS_RELEASES / VA_FILE,
        "--kind",
        "chain-stages",
        "--workspace",
        study,
    )
    assert "reshaped" in out and "30 rows" in out
    supply, demand, mapping = talent_files(shared_data, root)
    cli("import", "table", supply, "--kind", "talent-supply", "--workspace", study)
    cli("import", "table", demand, "--kind", "talent-demand", "--workspace", study)
    cli("import", "table", mapping, "--kind", "talent-mapping", "--workspace", study)
    for lang in ("en", "zh"):
        cli("report", "--workspace", study, "--lang", lang, "--out", root / f"report_{lang}")
    return {"root": root, "study": study, "supply": supply, "demand": demand, "mapping": mapping,
            "en": root / "report_en", "zh": root / "report_zh", "index": root / "index.csv"}  # fmt: skip


def section_html(html: str, section: str) -> str | None:
    found = re.search(rf'<section id="{section}">(.*?)</section>', html, re.S)
    return found.group(1) if found else None


def findings(html: str, section: str) -> list[str]:
    body = section_html(html, section)
    assert body is not None, f"no section {section}"
    return [re.sub(r"<[^>]+>", "", unescape(f)) for f in re.findall(r"<li>(.*?)</li>", body, re.S)]


def sheet(out: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(out / "report.xlsx", sheet_name=name)


# --- the real study ------------------------------------------------------------------------------
@pytest.mark.shared
def test_talent_section_equals_the_module(real_study):
    from silkscope.io.tables import read_table
    from silkscope.report.talent_section import summary_table
    from silkscope.talent.gap import parse_mapping, talent_gap

    t = Translator("en")
    direct = talent_gap(read_table(real_study["supply"]), read_table(real_study["demand"]),
                        parse_mapping(MAPPING), method="both", horizon=5)  # fmt: skip
    gap = sheet(real_study["en"], "talent_gap")
    assert len(gap) == len(direct.table)
    for column, key in (("supply", "supply"), ("demand", "demand"), ("gap", "gap"), ("gap_low", "gap_low"),
                        ("gap_high", "gap_high")):  # fmt: skip
        assert gap[t(f"module_a.col.{column}")].to_numpy() == pytest.approx(direct.table[key].to_numpy())
    assert gap["Year"].tolist() == direct.table["year"].tolist()
    # observed rows are the years both series hold (2016–2018); projected rows are marked
    observed = gap[~gap["projected"]]
    assert observed["Year"].tolist() == [2016, 2017, 2018]
    assert set(observed["Observed or projected"]) == {"observed"}
    assert set(gap.loc[gap["projected"], "Observed or projected"]) == {"projected"}
    assert set(gap.loc[gap["projected"], "method_id"]) == {"gm11", "ets"}
    assert gap.loc[gap["projected"], "Year"].max() == 2024 + 5
    # 2018 by hand: new jobs 2018 = (41171 − 34722) × 27,893,000 / 41171; graduates 3,868,358 − 1,821,950
    jobs_2018 = round((41171 - 34722) * 27_893_000 / 41171)
    assert observed.set_index("Year").loc[2018, "Gap (demand − supply)"] == pytest.approx(
        jobs_2018 - 2_046_408
    )
    backtest = sheet(real_study["en"], "talent_backtest")
    assert backtest["Hold-out MAPE (%)"].to_numpy() == pytest.approx(direct.backtest["mape"].to_numpy())
    assert backtest["C"].to_numpy() == pytest.approx(direct.backtest["C"].to_numpy(), nan_ok=True)
    # the findings quote the summary sheet, whose numbers are those of the gap sheet
    summary = sheet(real_study["en"], "talent_summary")
    expected = summary_table(direct)
    assert summary["method_id"].tolist() == expected["method"].tolist()
    row = summary.iloc[0]
    last = gap[gap["projected"] & (gap["method_id"] == row["method_id"])].iloc[-1]
    assert row["Gap in the last projected year"] == pytest.approx(last["Gap (demand − supply)"])
    html = (real_study["en"] / "report.html").read_text(encoding="utf-8")
    found = findings(html, "talent")
    method = t(f"module_a.method.{row['method_id']}")
    key = "shortage" if row["Gap in the last projected year"] > 0 else "surplus"
    value = abs(row["Gap in the last projected year"])
    shown = f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"
    assert any(shown in f and method in f and "China" in f for f in found), (key, found)
    assert f"{int(row['Last projected year'])}" in found[0]
    # the method chosen is the lower mean MAPE over supply and demand
    means = direct.backtest.groupby("method")["mape"].mean()
    assert row["method_id"] == means.idxmin()
    assert "demo" not in (section_html(html, "talent") or "").lower()


@pytest.mark.shared
def test_smile_section_equals_the_module(real_study, shared_data):
    from silkscope.cluster.chain import smile_curve
    from silkscope.cluster.chain_nbs import nbs_stage_table
    from silkscope.io.tables import read_table

    direct = smile_curve(nbs_stage_table(read_table(shared_data / NBS_RELEASES / VA_FILE)))
    stages = sheet(real_study["en"], "smile_stages")
    assert stages["Value-added share"].to_numpy() == pytest.approx(
        direct.table["value_added_share"].to_numpy()
    )
    assert stages["stage_id"].tolist() == direct.table["stage"].tolist()
    assert stages["Stage"].iloc[:3].tolist() == ["manufacturing", "wholesale and retail", "services"]
    fits = sheet(real_study["en"], "smile_fits").set_index("group_id")
    pooled = next(f for f in direct.fits if f.group == "all")
    assert fits.loc["all", ["c0", "c1", "c2"]].to_numpy(float) == pytest.approx(pooled.coef)
    assert fits.loc["all", "p"] == pytest.approx(pooled.utest.p)
    assert fits.loc["all", "verdict_id"] == "u"  # lowest in the middle every year (tests/test_smile.py)
    # a year's curve passes through three stages: exact, not tested
    assert (fits.drop(index="all")["verdict_id"] == "untested").all() and len(fits) == 11
    html = (real_study["en"] / "report.html").read_text(encoding="utf-8")
    found = findings(html, "smile")
    u = pooled.utest
    assert found[0] == (f"The pooled fit ({pooled.n} observations): curvature {pooled.curvature:,.4f}, "
                        f"Lind–Mehlum t = {u.t:,.3f}, p = {u.p:,.4f}: U shape (smile) supported.")  # fmt: skip
    y2024 = direct.table[direct.table["year"] == 2024].set_index("stage")["value_added_share"]
    assert y2024["services"] == pytest.approx(43256 / (12607 + 6231 + 43256))
    assert found[-1] == (f"2024: the highest value-added share is at services ({y2024['services']:,.4f}), "
                         f"the lowest at wholesale and retail ({y2024['wholesale_retail']:,.4f}).")  # fmt: skip
    assert "Plotly.newPlot" in section_html(html, "smile")


@pytest.mark.shared
def test_regions_section_equals_regions_disparity(real_study):
    """The Dagum sheet equals ``regions disparity`` run on the study's index scores (written
    by ``index build``); G = Gw + Gnb + Gt in every year; β equals ``regions convergence``."""
    scores = pd.read_csv(real_study["index"], dtype={"unit_id": str})
    scores = scores[scores["level"] == "index"].dropna(subset=["score"])[["unit_id", "year", "score"]]
    data = real_study["root"] / "scores.csv"
    scores.to_csv(data, index=False)
    out = real_study["root"] / "disparity.csv"
    cli("regions", "disparity", "--data", data, "--variable", "score", "--groups", "reference:china-3belt",
        "--out", out)  # fmt: skip
    table = pd.read_csv(out)
    overall = table[table["group"].isna()].pivot(index="year", columns="component", values="value")
    dagum = sheet(real_study["en"], "disparity_dagum").set_index("Year")
    assert dagum.index.tolist() == list(range(2005, 2020))  # the years all three indicators are published
    assert dagum["Gini"].to_numpy() == pytest.approx(overall["gini"].to_numpy())
    parts = dagum[["Within groups", "Between groups (net)", "Transvariation"]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(dagum["Gini"].to_numpy())
    assert dagum[["Within, share (%)", "Between (net), share (%)", "Transvariation, share (%)"]].sum(
        axis=1
    ).to_numpy() == pytest.approx(100)
    theil = sheet(real_study["en"], "disparity_theil").set_index("Year")
    assert theil["Theil T"].to_numpy() == pytest.approx(overall["theil_t"].to_numpy())
    beta_out = real_study["root"] / "beta.csv"
    cli("regions", "convergence", "--data", data, "--variable", "score", "--kind", "beta", "--groups",
        "reference:china-3belt", "--out", beta_out)  # fmt: skip
    beta = pd.read_csv(beta_out)
    slope = beta[beta["term"] == "log_initial"].set_index("group")
    sheet_beta = sheet(real_study["en"], "convergence_beta").set_index("group_id")
    assert sheet_beta.loc["all", "β"] == pytest.approx(slope.loc["all", "coef"])
    assert sheet_beta.loc["East", "p"] == pytest.approx(slope.loc["East", "p"])
    html = (real_study["en"] / "report.html").read_text(encoding="utf-8")
    found = findings(html, "disparity")
    last = dagum.loc[2019]
    assert found[0] == (f"In 2019, the Gini of the index score across 31 provinces is {last['Gini']:,.4f}: "
                        f"within groups {last['Within, share (%)']:,.1f} %, net between groups "
                        f"{last['Between (net), share (%)']:,.1f} %, transvariation {last['Transvariation, share (%)']:,.1f} %.")  # fmt: skip
    obstacles = sheet(real_study["en"], "obstacles_groups")
    assert set(obstacles["group_id"]) == {"East", "Central", "West"}
    assert obstacles.groupby("group_id")["Rank"].max().eq(3).all()


@pytest.mark.shared
def test_both_languages_render(real_study):
    texts = {lang: catalogue(lang) for lang in ("en", "zh")}
    for lang in ("en", "zh"):
        html = (real_study[lang] / "report.html").read_text(encoding="utf-8")
        for section, key in (("talent", "talent"), ("smile", "smile"), ("disparity", "regions")):
            body = section_html(html, section)
            assert body is not None and texts[lang][f"module_a.section.{key}"] in unescape(body)
        assert "module_a." not in html, "untranslated catalogue keys"
        # the study holds all three modules' inputs: none is listed as missing
        listed = " ".join(findings(html, "not_in_study"))
        for key in ("talent", "smile", "regions"):
            assert texts[lang][f"module_a.missing.{key}"].split("—")[0].strip() not in listed
    zh = (real_study["zh"] / "report.html").read_text(encoding="utf-8")
    assert "文化服务业" in section_html(zh, "smile") and "中国" in section_html(zh, "talent")
    xlsx = pd.ExcelFile(real_study["zh"] / "report.xlsx")
    assert {"人才缺口", "微笑曲线拟合", "达古姆基尼分解"} <= set(xlsx.sheet_names)


@pytest.mark.shared
def test_cli_workspace_options_equal_the_files(real_study, shared_data, tmp_path):
    cli("talent", "gap", "--workspace", real_study["study"], "--out", tmp_path / "ws.csv")
    cli("talent", "gap", "--supply", real_study["supply"], "--demand", real_study["demand"], "--mapping",
        real_study["mapping"], "--out", tmp_path / "files.csv")  # fmt: skip
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "ws.csv"), pd.read_csv(tmp_path / "files.csv"))
    cli("cluster", "smile", "--workspace", real_study["study"], "--out", tmp_path / "smile_ws.csv")
    reshaped = tmp_path / "stages.csv"
    from silkscope.cluster.chain_nbs import nbs_stage_table
    from silkscope.io.tables import read_table

    nbs_stage_table(read_table(shared_data / NBS_RELEASES / VA_FILE)).to_csv(reshaped, index=False)
    cli("cluster", "smile", "--data", reshaped, "--out", tmp_path / "smile_data.csv")
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "smile_ws.csv"), pd.read_csv(tmp_path / "smile_data.csv")
    )
    both = runner.invoke(app, ["cluster", "smile", "--data", str(reshaped), "--workspace", str(real_study["study"]),
                               "--out", str(tmp_path / "x.csv")])  # fmt: skip
    assert both.exit_code == 2 and "one of them" in both.output


# --- the NBS reshape and the packaged reference ----------------------------------------------------
@pytest.mark.shared
def test_nbs_reshape_from_the_published_file(shared_data):
    from silkscope.cluster.chain_nbs import is_nbs_layout, nbs_stage_table, reference_stage_table
    from silkscope.io.tables import read_table

    published = read_table(shared_data / NBS_RELEASES / VA_FILE)
    assert is_nbs_layout(published)
    stages = nbs_stage_table(published)
    assert len(stages) == 30 and list(stages.columns) == ["stage", "order", "output", "value_added", "year"]
    y2023 = stages[stages["year"] == 2023].set_index("stage")
    assert y2023.loc["services", "value_added"] == 41158 and y2023.loc["manufacturing", "order"] == 1
    assert stages["output"].isna().all()
    totals = stages.groupby("year")["value_added"].sum()
    published_totals = pd.Series(published["value_added_100m_yuan"].to_numpy(float), index=published["year"])
    assert (totals - published_totals).abs().max() <= 1  # the release's own check (2019 rounds by 1)
    # the packaged reference table holds the same numbers as the shared transcription
    pd.testing.assert_frame_equal(reference_stage_table(), stages, check_dtype=False)


def test_nbs_reshape_names_the_bad_cell(tmp_path):
    bad = tmp_path / "va.csv"
    bad.write_text(
        "year,manufacturing_va,wholesale_retail_va,services_va\n2015,11053,2542,13640\n2016,11889,,16024\n",
        encoding="utf-8",
    )
    study = tmp_path / "study"
    cli("init", study)
    result = runner.invoke(
        app, ["import", "table", str(bad), "--kind", "chain-stages", "--workspace", str(study)]
    )
    assert result.exit_code == 2
    assert "row 3, column 'wholesale_retail_va'" in result.output and "Traceback" not in result.output


# --- studies without the inputs, --with-demo, re-imports ------------------------------------------
def _indicator_study(root: Path, years: list[int]) -> Path:
    """A study of the provinces' GDP (real NBS values from the tidy file) for ``years``."""
    from silkscope.paths import shared_data_dir

    root.mkdir(parents=True, exist_ok=True)
    tidy = shared_data_dir() / "china_nbs_provincial_tourism_gdp/china_provincial_tourism_gdp_long.csv"
    if not tidy.is_file():
        pytest.skip(f"shared data not found at {tidy}")
    frame = pd.read_csv(tidy)
    frame = frame[(frame["indicator"] == "gdp") & frame["year"].isin(years)]
    values = root / "gdp.csv"
    pd.DataFrame({"unit": frame["province_zh"], "year": frame["year"], "indicator": "gdp",
                  "value": frame["value"]}).to_csv(values, index=False)  # fmt: skip
    framework = root / "framework.yaml"
    framework.write_text(FRAMEWORK.split("  - id: tourism")[0], encoding="utf-8")
    study = root / "study"
    cli("init", study)
    cli("import", "table", values, "--workspace", study)
    cli("index", "build", "--workspace", study, "--framework", framework, "--save", "--out", root / "i.csv")
    return study


@pytest.mark.shared
def test_a_study_without_the_inputs_names_them_and_with_demo_labels_them(tmp_path):
    study = _indicator_study(tmp_path, [2018, 2019])  # two years: no regional dynamics either
    t = Translator("en")
    cli("report", "--workspace", study, "--lang", "en", "--out", tmp_path / "plain")
    html = (tmp_path / "plain" / "report.html").read_text(encoding="utf-8")
    missing = findings(html, "not_in_study")
    for key in ("talent", "smile", "regions"):
        expected = re.sub(r"`([^`]+)`", r"\1", t(f"module_a.missing.{key}"))
        assert expected in missing
    for section in ("talent", "smile", "disparity"):
        assert section_html(html, section) is None
    cli("report", "--workspace", study, "--lang", "en", "--with-demo", "--out", tmp_path / "demo")
    html = (tmp_path / "demo" / "report.html").read_text(encoding="utf-8")
    suffix = t("study.demo_suffix")
    # the smile demo is the NBS national series (real, not this study's): its note says so,
    # where the other two are synthetic
    notes = {
        "talent": t("study.demo_note"),
        "smile": t("module_a.smile.demo_note"),
        "disparity": t("study.demo_note"),
    }
    for section, key in (("talent", "talent"), ("smile", "smile"), ("disparity", "regions")):
        body = unescape(section_html(html, section))
        assert t(f"module_a.section.{key}") + suffix in body and notes[section] in body
        assert body.count(notes[section]) == 1  # said once
    assert t("study.demo_note") not in unescape(section_html(html, "smile"))
    xlsx = pd.ExcelFile(tmp_path / "demo" / "report.xlsx")
    for name in ("talent_gap", "talent_backtest", "smile_stages", "smile_fits", "disparity_dagum"):
        assert f"demo_{name}" in xlsx.sheet_names and name not in xlsx.sheet_names
        assert set(pd.read_excel(xlsx, f"demo_{name}")["note"]) == {notes[name.split("_")[0]]}
    assert t("module_a.missing.talent").split(" —")[0] not in " ".join(findings(html, "not_in_study"))


@pytest.mark.shared
def test_regions_held_with_three_scored_years(tmp_path):
    from silkscope.report.builder import workspace_inputs
    from silkscope.report.regions_section import held

    assert not held(workspace_inputs(_indicator_study(tmp_path / "a", [2018, 2019])))
    assert held(workspace_inputs(_indicator_study(tmp_path / "b", [2017, 2018, 2019])))


def test_reimport_replaces_whole_and_a_bad_file_keeps_the_old_table(tmp_path):
    from silkscope.workspace import Workspace

    study = tmp_path / "study"
    cli("init", study)
    first = tmp_path / "supply_a.csv"
    first.write_text("region,field,year,value\n江西,陶瓷,2020,10\n江西,陶瓷,2021,12\n江西,设计,2021,3\n")
    second = tmp_path / "supply_b.csv"
    second.write_text("region,field,year,value\n浙江,设计,2022,7\n")
    cli("import", "table", first, "--kind", "talent-supply", "--workspace", study)
    ws = Workspace.open(study)
    assert len(ws.table("talent_supply")) == 3
    out = cli("import", "table", second, "--kind", "talent-supply", "--workspace", study)
    assert "replaced the 3 rows" in out
    table = ws.table("talent_supply")
    assert table[["region", "field", "year", "value"]].values.tolist() == [["浙江", "设计", 2022, 7.0]]
    sources = ws.query("SELECT source_id, \"rows\" FROM sources WHERE kind = 'talent-supply'")
    assert len(sources) == 1 and sources["source_id"].iloc[0].startswith("talent-supply:supply_b.csv:")
    assert (table["source_id"] == sources["source_id"].iloc[0]).all()
    before = ws.table("talent_supply")
    bad = tmp_path / "supply_bad.csv"
    bad.write_text("region,field,year,value\n江西,陶瓷,2020,10\n江西,陶瓷,2021,abc\n")
    result = runner.invoke(
        app, ["import", "table", str(bad), "--kind", "talent-supply", "--workspace", str(study)]
    )
    assert result.exit_code == 2
    assert "row 3, column 'value'" in result.output and "Traceback" not in result.output
    pd.testing.assert_frame_equal(ws.table("talent_supply"), before)
    assert len(ws.query("SELECT * FROM sources WHERE kind = 'talent-supply'")) == 1
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("fields:\n  陶瓷: {陶瓷制造: 1.5}\n", encoding="utf-8")
    result = runner.invoke(
        app, ["import", "table", str(mapping), "--kind", "talent-mapping", "--workspace", str(study)]
    )
    assert result.exit_code == 2 and "share must be in (0, 1]" in result.output
    unknown = runner.invoke(
        app, ["import", "table", str(first), "--kind", "talent", "--workspace", str(study)]
    )
    assert unknown.exit_code == 2 and "talent-supply" in unknown.output
    missing = runner.invoke(
        app, ["talent", "gap", "--workspace", str(study), "--out", str(tmp_path / "g.csv")]
    )
    assert missing.exit_code == 2 and "talent-demand" in missing.output


# --- the demo ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_sections():
    from silkscope.report.builder import demo_inputs
    from silkscope.report.module_sections import module_sections

    inputs = demo_inputs()
    return {lang: module_sections(inputs, Translator(lang)) for lang in ("en", "zh")}


def test_demo_builds_every_section_on_its_labelled_demo_data(demo_sections):
    from silkscope.cluster.chain import smile_curve
    from silkscope.cluster.chain_nbs import reference_stage_table
    from silkscope.talent.gap import demo_inputs, talent_gap

    sections, missing = demo_sections["en"]
    assert [s.id for s in sections][:3] == ["disparity", "talent", "smile"] and missing == []
    t = Translator("en")
    by_id = {s.id: s for s in sections}
    assert t("module_a.talent.demo_note") in by_id["talent"].paragraphs
    assert t("module_a.smile.demo_note") in by_id["smile"].paragraphs
    assert t("module_a.regions.demo_note") in by_id["disparity"].paragraphs
    gap = talent_gap(*demo_inputs(), method="both", horizon=5)
    table = next(x for x in by_id["talent"].tables if x.sheet == "talent_gap").frame
    assert table["Gap (demand − supply)"].to_numpy() == pytest.approx(gap.table["gap"].to_numpy())
    smile = smile_curve(reference_stage_table())
    stages = next(x for x in by_id["smile"].tables if x.sheet == "smile_stages").frame
    assert stages["Value-added share"].to_numpy() == pytest.approx(
        smile.table["value_added_share"].to_numpy()
    )
    sheets = [x.sheet for s in sections for x in s.tables]
    assert len(sheets) == len(set(sheets)) and all(len(x) <= 31 for x in sheets)
    ours = {"disparity", "talent", "smile"}  # these three name their sheets from the catalogue
    en_sheets = {x.sheet for s in sections if s.id in ours for x in s.tables}
    zh_sheets = [x.sheet for s in demo_sections["zh"][0] if s.id in ours for x in s.tables]
    assert len(zh_sheets) == len(set(zh_sheets)) and not set(zh_sheets) & en_sheets


def test_demo_sections_in_chinese_have_no_latin_words(demo_sections):
    from silkscope.report.document import Report, render_html
    from test_zh_scan import VisibleText, chart_strings, foreign_words

    t = Translator("zh")
    html = render_html(Report(title="演示", lang="zh", sections=demo_sections["zh"][0]), t)
    parser = VisibleText()
    parser.feed(html)
    assert {"disparity", "talent", "smile"} <= set(parser.text)
    assert {s: w for s, texts in parser.text.items() if (w := foreign_words(texts))} == {}
    charts = chart_strings(html)
    assert len(charts) >= 3
    assert {f: w for f, strings in charts.items() if (w := foreign_words(strings))} == {}
    assert "江西省" in " ".join(parser.text["talent"]) and "陶瓷艺术" in " ".join(parser.text["talent"])


def test_module_a_catalogue_is_complete():
    en = {k for k in catalogue("en") if k.startswith("module_a.")}
    zh = {k for k in catalogue("zh") if k.startswith("module_a.")}
    assert en == zh and len(en) > 100
    latin_ok = {"module_a.list_sep"}
    assert all(
        re.search(r"[\u4e00-\u9fff]", catalogue("zh")[k])
        for k in zh - latin_ok
        if not k.startswith("module_a.col.beta")
    )
    # every key the three section files name is in the catalogue
    src = Path(__file__).resolve().parents[1] / "src/silkscope/report"
    used = set()
    for name in ("talent_section.py", "smile_section.py", "regions_section.py"):
        used |= set(re.findall(r'"(module_a\.[a-z_.]+)"', (src / name).read_text(encoding="utf-8")))
    assert used and used <= en


def test_findings_rule_for_the_talent_method():
    """The method with the lower mean MAPE over supply and demand; GM(1,1) without a backtest."""
    from silkscope.report.talent_section import chosen_methods

    backtest = pd.DataFrame({
        "region": ["A"] * 4 + ["B"] * 2, "field": ["f"] * 6,
        "series": ["supply", "demand"] * 3, "method": ["gm11", "gm11", "ets", "ets", "gm11", "gm11"],
        "mape": [1.0, 9.0, 4.0, 4.0, np.nan, np.nan],
    })  # fmt: skip
    chosen = chosen_methods(backtest)
    assert chosen[("A", "f")] == ("ets", 4.0)  # gm11's mean is 5.0
    assert chosen[("B", "f")][0] == "gm11" and np.isnan(chosen[("B", "f")][1])


def test_inputs_that_cannot_be_computed_are_said_so(tmp_path):
    """Talent tables with no region × field in common: the section says why instead of failing the
    report; a stage order repeated within a year is refused at import."""
    from silkscope.report.builder import ReportInputs, demo_inputs
    from silkscope.report.talent_section import MODULE, held

    study = tmp_path / "study"
    cli("init", study)
    supply = tmp_path / "s.csv"
    supply.write_text("region,field,year,value\n江西,陶瓷,2020,10\n")
    demand = tmp_path / "d.csv"
    demand.write_text("region,sector,year,value\n江西,设计,2020,4\n")
    cli("import", "table", supply, "--kind", "talent-supply", "--workspace", study)
    cli("import", "table", demand, "--kind", "talent-demand", "--workspace", study)
    inputs: ReportInputs = demo_inputs()
    inputs.is_demo, inputs.workspace = False, study.resolve()
    assert held(inputs)
    section = MODULE.build(inputs, Translator("en"), False)
    assert section.tables == [] and "no region × field is in both" in section.paragraphs[0]
    stages = tmp_path / "stages.csv"
    stages.write_text("year,stage,order,output,value_added\n2020,a,1,,5\n2020,b,1,,3\n2020,c,2,,4\n")
    result = runner.invoke(
        app, ["import", "table", str(stages), "--kind", "chain-stages", "--workspace", str(study)]
    )
    assert result.exit_code == 2 and "stage order repeated" in result.output
