"""Issue 18 part 5: the report's intellectual-property, market-segment and elasticity sections.

A study built from real files as published (China S&T Statistical Yearbook patent grants by
province, NBS provincial GDP, WDI population, patents, IP receipts, trademarks and the other WDI
extracts, CEPII GeoDist, a real BACI HS92 extract), reported with ``silkscope report --workspace``:
each section's numbers are checked against the module functions run directly and against hand
calculations from the raw files. A bare study names the three sections under "not in this study"
and ``--with-demo`` labels them; the demo report shows them, labelled."""

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
PATENTS = "china_patents_by_province/china_domestic_patents_by_region_2010_2023_long.csv"
TOURISM = "china_nbs_provincial_tourism_gdp/china_provincial_tourism_gdp_long.csv"
BACI = "baci/baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz"
IP = "wdi_ip_talent"
FRAMEWORK = """
id: ip_study
name: {en: Provincial IP and Economy Index, zh: 省级知识产权与经济指数}
children:
  - id: economy
    name: {en: Economy, zh: 经济}
    children:
      - {id: gdp, name: {en: GDP, zh: 地区生产总值}, unit: 100 million CNY}
  - id: intellectual_property
    name: {en: Intellectual property, zh: 知识产权}
    children:
      - {id: ip_invention_share, name: {en: Invention patents' share of patents granted, zh: 发明专利占专利授权量比重}, unit: "%"}
      - {id: ip_invention_grants, name: {en: Invention patents granted, zh: 发明专利授权量}, unit: count}
"""


def invoke(*args) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _gdp_table(shared: Path, root: Path) -> Path:
    tour = pd.read_csv(shared / TOURISM)
    gdp = tour[tour.indicator == "gdp"].rename(columns={"province_zh": "地区", "indicator": "indicator_id"})
    path = root / "gdp_long.csv"
    gdp[["地区", "year", "indicator_id", "value"]].to_csv(path, index=False)
    return path


def _study(root: Path, shared: Path, full: bool) -> Path:
    """A study of the provinces' GDP; ``full``: plus patents, WDI, GeoDist and BACI flows."""
    ws = root / "ws"
    invoke("init", ws)
    invoke("import", "table", _gdp_table(shared, root), "--kind", "indicators", "--workspace", ws)
    framework = root / "framework.yaml"
    text = FRAMEWORK if full else FRAMEWORK.split("  - id: intellectual_property")[0]
    framework.write_text(text, encoding="utf-8")
    if full:
        grants = pd.read_csv(shared / PATENTS).query("kind == 'grants' and unit_type == 'province'")
        long = pd.concat(
            [
                pd.DataFrame({"地区": grants.unit_zh, "year": grants.year, "indicator_id": "ip_invention_share",
                              "value": 100 * grants.invention / grants.total}),
                pd.DataFrame({"地区": grants.unit_zh, "year": grants.year, "indicator_id": "ip_invention_grants",
                              "value": grants.invention}),
            ]
        )  # fmt: skip
        long.to_csv(root / "patents_long.csv", index=False)
        invoke("import", "table", root / "patents_long.csv", "--kind", "indicators", "--workspace", ws)
        invoke(
            "import", "wdi", *sorted((shared / "wdi_extracts/raw").glob("API_*.csv")),
            shared / IP / "wb_api_2025_2026/API_IP.PAT.RESD_DS2_en_csv_v2_226.csv",
            shared / IP / "wdi_2013_vintage_ronnywang/BX.GSR.ROYL.CD_WDI.csv",
            shared / IP / "wdi_2013_vintage_ronnywang/IP.TMK.RESD_WDI.csv",
            shared / IP / "wb_api_2025_2026/Metadata_Country_API_IP.PAT.RESD_DS2_en_csv_v2_226.csv",
            "--workspace", ws,
        )  # fmt: skip
        invoke("import", "geodist", shared / "cepii_geodist/dist_cepii.csv.gz", "--workspace", ws)
        invoke("import", "baci", shared / BACI, "--hs", "HS92", "--workspace", ws)
    invoke(
        "index", "build", "--workspace", ws, "--framework", framework, "--save", "--out", root / "index.csv"
    )
    return ws


@pytest.fixture(scope="module")
def study(tmp_path_factory, shared_data: Path) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("ip-study")
    ws = _study(root, shared_data, full=True)
    out = root / "report"
    invoke("report", "--workspace", ws, "--lang", "en", "--out", out)
    return ws, out


def _section(html: str, section: str) -> str:
    body = re.search(rf'<section id="{section}">(.*?)</section>', html, re.S)
    assert body, f"no section {section}"
    return body.group(1)


def _findings(html: str, section: str) -> list[str]:
    return [
        unescape(re.sub(r"<[^>]+>", "", f))
        for f in re.findall(r"<li>(.*?)</li>", _section(html, section), re.S)
    ]


def _sheet(out: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(
        out / "report.xlsx", sheet_name=name, dtype={"ISO3": str, "HS6": str, "Unit id": str}
    )


def _inputs(ws: Path):
    from silkscope.report.builder import workspace_inputs

    return workspace_inputs(ws)


# --- intellectual property -------------------------------------------------------------------
@pytest.mark.shared
def test_ip_provinces_are_the_yearbook_shares_and_the_index_dimension(study, shared_data):
    ws, out = study
    sheet = _sheet(out, "ip_provinces").set_index("Unit id")
    assert len(sheet) == 31 and sheet.index.str.fullmatch(r"\d{6}").all()
    grants = pd.read_csv(shared_data / PATENTS).query(
        "kind == 'grants' and unit_type == 'province' and year == 2023"
    )
    by_hand = (100 * grants.invention / grants.total).set_axis(
        grants.province_code.astype(int).astype(str) + "0000"
    )
    share = sheet["Invention patents' share of patents granted (%)"]
    assert share.to_numpy() == pytest.approx(by_hand.reindex(sheet.index).round(3).to_numpy(), abs=1e-9)
    assert (
        sheet.loc["110000", "Invention patents granted (count)"]
        == grants.set_index("province_code").loc[11, "invention"]
    )
    # the dimension's score and rank are the saved index build's (index build --save --out)
    saved = pd.read_csv(ws.parent / "index.csv", dtype={"unit_id": str})
    ip = saved[(saved.node == "intellectual_property") & (saved.year == 2023)].set_index("unit_id")
    assert sheet["IP dimension score"].to_numpy() == pytest.approx(
        ip.score.reindex(sheet.index).round(2).to_numpy()
    )
    assert (sheet["IP dimension rank"].to_numpy() == ip["rank"].reindex(sheet.index).to_numpy()).all()
    assert sheet["IP dimension rank"].is_monotonic_increasing
    html = (out / "report.html").read_text(encoding="utf-8")
    beijing = share.idxmax()
    assert beijing == "110000"
    t = Translator("en")
    top, bottom = sheet.loc[share.idxmax()], sheet.loc[share.idxmin()]
    expected = t(
        "module_b.ip.finding.top", year=2023, indicator="Invention patents' share of patents granted",
        top=top["Unit"], high=f"{share.max():,.2f}", bottom=bottom["Unit"], low=f"{share.min():,.2f}",
        ratio=f"{share.max() / share.min():.1f}", median=f"{share.median():,.2f}", n=31,
    )  # fmt: skip
    assert expected in _findings(html, "ip")


@pytest.mark.shared
def test_ip_partners_are_the_partner_table_and_the_rule_by_hand(study):
    from silkscope.partners.table import partner_table
    from silkscope.report.trade_sections import partner_tier_result
    from silkscope.workspace import Workspace

    ws, out = study
    table = partner_table(Workspace.open(ws), "CHN", lang="en").table.set_index("country")
    sheet = _sheet(out, "ip_partners").set_index("ISO3")
    columns = {
        "IP charges received per person (US$)": "ip_royalty_receipts_per_capita",
        "Resident patent applications per million": "ip_patents_resd_per_million",
        "Resident trademark applications per million": "ip_trademarks_resd_per_million",
    }
    assert "IP charges paid per person (US$)" not in sheet.columns  # BM.GSR.ROYL.CD not imported
    for shown, column in columns.items():
        assert sheet[shown].to_numpy() == pytest.approx(
            table.loc[sheet.index, column].round(2).to_numpy(), nan_ok=True
        )
    score = ip_by_hand(table, list(columns.values()))
    got = sheet["IP-environment score (0-1)"]
    assert got.to_numpy() == pytest.approx(
        score.reindex(sheet.index).round(3).to_numpy(), abs=1.5e-3, nan_ok=True
    )
    assert got.notna().sum() == score.notna().sum() and got.dropna().is_monotonic_decreasing
    # the rule: tier 1 or 2 of the report's flow tiers and a score above 0.5
    tiers = partner_tier_result(_inputs(ws).flows, replicates=1)[0].to_frame().set_index("country")["tier"]
    meets = score[(score > 0.5) & score.index.map(lambda c: tiers.get(c, 9) <= 2)]
    assert set(sheet.index[sheet["Meets the IP-licensing rule"] == "yes"]) == set(meets.index)
    assert sheet["Tier"].reindex(meets.index).le(2).all()
    kor = sheet.loc[sheet.index[sheet["Meets the IP-licensing rule"] == "yes"][0], "Evidence"]
    assert re.match(r"tier [12]; ip_environment 0\.\d\d > 0\.5; ip_royalty_receipts_per_capita = ", kor)
    coverage = _sheet(out, "ip_partners_coverage").set_index("Indicator id")
    assert (
        coverage.loc["ip_patents_resd_per_million", "With a value"]
        == table["ip_patents_resd_per_million"].notna().sum()
    )
    assert coverage.loc["ip_royalty_payments_per_capita", "With a value"] == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert any(
        f.startswith(f"{len(meets)} of {int(score.notna().sum())} scored countries meet")
        for f in _findings(html, "ip")
    )


def ip_by_hand(table: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The IP pillar by hand: the mean of the min-max scaled ln(1 + x) of the columns, for the
    countries holding at least 2/3 of them (the index's default coverage rule)."""
    logged = np.log1p(table[columns].dropna(how="all"))
    scaled = (logged - logged.min()) / (logged.max() - logged.min())
    return scaled.mean(axis=1).where(scaled.notna().sum(axis=1) >= 2 / 3 * len(columns) - 1e-9)


# --- market segments -------------------------------------------------------------------------
@pytest.mark.shared
def test_segments_are_segment_markets_on_the_partner_table(study):
    from silkscope.partners.segments import segment_markets
    from silkscope.partners.table import partner_table
    from silkscope.report.segments_section import choose_variables
    from silkscope.workspace import Workspace

    ws, out = study
    table = partner_table(Workspace.open(ws), "CHN", lang="en").table
    used, logged, unused = choose_variables(table)
    # the rule by hand: a candidate is used when half the countries hold it
    assert {"dist_km", "NY.GDP.PCAP.CD", "SP.POP.TOTL", "IT.NET.USER.ZS"} <= set(used)
    assert {"SE.TER.ENRR", "confucius_institutes", "world_heritage_sites"} <= set(unused)
    assert all(table[v].notna().sum() >= len(table) / 2 for v in used)
    assert set(used.values()) == {"regional_environment", "demographic", "behavioural", "purchasing"}
    direct = segment_markets(table, used, "kmeans", "auto", 0, source="partner table", log=logged)
    sheet = _sheet(out, "segments_countries").set_index("ISO3")
    assert dict(sheet["Segment"]) == dict(zip(direct.table.country, direct.table.segment, strict=True))
    assert sheet["Regional environment index"].to_numpy() == pytest.approx(
        direct.table.set_index("country").loc[sheet.index, "score_regional_environment"].round(2).to_numpy()
    )
    profiles = _sheet(out, "segments_profiles")
    assert profiles["Number of countries"].tolist() == direct.profiles["size"].tolist()
    assert profiles["Number of countries"].sum() == len(direct.table) == complete(table, used)
    choice = _sheet(out, "segments_k")
    assert choice["Gap"].to_numpy() == pytest.approx(direct.choice["gap"].round(3).to_numpy())
    assert choice["k"].max() == 8
    html = (out / "report.html").read_text(encoding="utf-8")
    findings = _findings(html, "segments")
    assert findings[0].startswith(f"The gap statistic chose {direct.k} segments")
    assert len(findings) == 1 + direct.k


def complete(table: pd.DataFrame, used: dict[str, str]) -> int:
    return int(table[list(used)].notna().all(axis=1).sum())


# --- elasticity ------------------------------------------------------------------------------
@pytest.mark.shared
def test_elasticity_selection_by_hand_and_why_nothing_is_estimated(study, shared_data):
    from silkscope.reference.cultural_goods import CORE_DOMAINS, cultural_products
    from silkscope.report.elasticity_section import _study_table, estimate

    ws, out = study
    raw = pd.read_csv(shared_data / BACI, dtype={"k": str, "q": str})
    raw["k"] = raw["k"].str.zfill(6)
    raw["q"] = pd.to_numeric(raw["q"].str.strip(), errors="coerce")
    core = set(cultural_products("unesco_fcs_2009", CORE_DOMAINS, "HS92", categories=("core",)))
    usable = raw[raw.k.isin(core) & (raw.v > 0) & (raw.q > 0)]
    top = usable.groupby("k").v.sum().sort_values(ascending=False).head(10).index
    sheet = _sheet(out, "elasticity")
    assert list(dict.fromkeys(sheet["HS6"])) == list(top)  # ties aside, the 10 largest by value
    assert len(sheet) == 100 and sheet["Elasticity σ"].isna().all()
    con, table, revision = _study_table(ws)
    result, products, markets, _ = estimate(con, table, revision)
    assert products == list(top) and revision == "HS92"
    assert sheet["Status id"].tolist() == result.table.status.tolist()
    assert sheet["Exporters"].tolist() == result.table.n_varieties.tolist()
    # one year and at most two exporters (AFG, ZAF): every pair says why it is not estimated
    assert (
        sheet["Status id"].str.contains("too_few_years|no_quantities").all() and sheet["Exporters"].max() <= 2
    )
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "0 of 100 pairs estimated" in _findings(html, "elasticity")[0]
    assert "No pair can be estimated" in unescape(_section(html, "elasticity"))
    assert 'id="fig-elasticity-0"' not in html  # nothing to draw


@pytest.mark.shared
def test_study_sections_render_in_chinese_without_latin_words(study):
    """The three sections on the real study, in Chinese: no Latin word outside the zh scan's
    allow-list in their text or charts (tests/test_zh_scan.py's scanner)."""
    from silkscope.report.document import Report, render_html
    from silkscope.report.module_sections import module_sections
    from test_zh_scan import VisibleText, chart_strings, foreign_words

    ws, _ = study
    t = Translator("zh")
    sections, missing = module_sections(_inputs(ws), t)
    assert [s.id for s in sections if s.id in ("ip", "segments", "elasticity")] == [
        "ip",
        "segments",
        "elasticity",
    ]
    html = render_html(Report(title="研究", lang="zh", sections=sections), t)
    parser = VisibleText()
    parser.feed(html)
    for section in ("ip", "segments", "elasticity"):
        assert foreign_words(parser.text[section]) == {}, section
    charts = chart_strings(html)
    assert {k: w for k, s in charts.items() if (w := foreign_words(s))} == {}
    assert "知识产权授权规则" in " ".join(parser.text["ip"])


# --- without the inputs, --with-demo, the demo ---------------------------------------------------
@pytest.fixture(scope="module")
def bare(tmp_path_factory, shared_data: Path) -> Path:
    return _study(tmp_path_factory.mktemp("bare-study"), shared_data, full=False)


@pytest.mark.shared
def test_a_study_without_the_inputs_names_them(bare, tmp_path):
    out = tmp_path / "plain"
    invoke("report", "--workspace", bare, "--lang", "en", "--out", out)
    html = (out / "report.html").read_text(encoding="utf-8")
    for section in ("ip", "segments", "elasticity"):
        assert f'<section id="{section}">' not in html
    missing = _findings(html, "not_in_study")
    texts = catalogue("en")
    for key in ("module_b.missing.ip", "module_b.missing.segments", "module_b.missing.elasticity"):
        assert texts[key].replace("`", "") in missing


@pytest.mark.shared
def test_with_demo_labels_the_sections(bare, tmp_path):
    out = tmp_path / "with-demo"
    invoke("report", "--workspace", bare, "--lang", "en", "--with-demo", "--out", out)
    html = (out / "report.html").read_text(encoding="utf-8")
    texts = catalogue("en")
    for section, key in (("ip", "ip"), ("segments", "segments"), ("elasticity", "elasticity")):
        assert texts[f"module_b.section.{key}"] + texts["study.demo_suffix"] in unescape(
            _section(html, section)
        )
    sheets = pd.read_excel(out / "report.xlsx", sheet_name=None)
    for name in ("ip_provinces", "ip_partners", "segments_profiles", "segments_countries", "elasticity"):
        assert name not in sheets
        assert (sheets[f"demo_{name}"]["note"] == texts["study.demo_note"]).all()
    assert "demo_elasticity_published" not in sheets  # demo estimates are not compared


def test_demo_sections_are_the_functions_on_the_demo_data():
    """On the demo: segments = segment_markets on the synthetic partner table, elasticities =
    feenstra_elasticities on the demo flows' selection, the IP pillar 0-1 with the rule's
    threshold, everything said to be demonstration data."""
    import ibis

    from silkscope.partners.demo import demo_partner_table
    from silkscope.partners.segments import segment_markets
    from silkscope.report.builder import demo_inputs
    from silkscope.report.elasticity_section import PRODUCTS, estimate
    from silkscope.report.module_sections import module_sections
    from silkscope.report.segments_section import choose_variables
    from silkscope.trade.demo import demo_flows
    from silkscope.trade.queries import connect

    t = Translator("en")
    sections, missing = module_sections(demo_inputs(), t)
    by_id = {s.id: s for s in sections}
    assert {"ip", "segments", "elasticity"} <= set(by_id) and not missing
    table = demo_partner_table()
    assert table.attrs["demo"] and "CHN" not in set(table.country) and len(table) == 47
    used, logged, _ = choose_variables(table)
    direct = segment_markets(table, used, "kmeans", "auto", 0, source="partner table", log=logged)
    countries = next(tb.frame for tb in by_id["segments"].tables if tb.sheet == "segments_countries")
    assert dict(zip(countries["ISO3"], countries["Segment"], strict=True)) == dict(
        zip(direct.table.country, direct.table.segment, strict=True)
    )
    assert any("synthetic demo partner table" in p for p in by_id["segments"].paragraphs)
    result, products, markets, facts = estimate(connect("duckdb"), ibis.memtable(demo_flows()), "HS07")
    sheet = next(tb.frame for tb in by_id["elasticity"].tables if tb.sheet == "elasticity")
    assert sheet["Elasticity σ"].to_numpy() == pytest.approx(result.table.sigma.round(3).to_numpy())
    assert len(products) <= PRODUCTS and set(sheet["HS6"]) == set(products)
    assert any("not from a CES demand" in p for p in by_id["elasticity"].paragraphs)
    ip = next(tb.frame for tb in by_id["ip"].tables if tb.sheet == "ip_partners")
    score = ip.set_index("ISO3")["IP-environment score (0-1)"]
    from silkscope.partners.table import IP_COLUMNS

    hand = ip_by_hand(table.set_index("country"), list(IP_COLUMNS))
    assert score.to_numpy() == pytest.approx(hand.reindex(score.index).round(3).to_numpy(), abs=1.5e-3)
    assert ((ip["Meets the IP-licensing rule"] == "yes").to_numpy() <= (score > 0.5).to_numpy()).all()
    assert set(ip["Tier"].dropna()) <= {1, 2, 3}


def test_demo_report_shows_the_sections_labelled(tmp_path):
    out = tmp_path / "demo"
    invoke("report", "--lang", "en", "--out", out)
    html = (out / "report.html").read_text(encoding="utf-8")
    label = catalogue("en")["report.demo_label"]
    for section in ("ip", "segments", "elasticity"):
        assert _findings(html, section), section
    sheets = pd.read_excel(out / "report.xlsx", sheet_name=None)
    for name in ("ip_provinces", "ip_partners", "segments_profiles", "elasticity"):
        assert (sheets[name]["note"] == label).all()
    assert not re.search(r"module_b\.[a-z_]+\.", html), "untranslated catalogue keys in the HTML"


#: keys whose Chinese text is punctuation only (the list separator 、, full-width brackets)
PUNCTUATION = ("module_b.list_sep", "module_b.name_value")


def test_module_b_keys_in_both_catalogues():
    en = {k for k in catalogue("en") if k.startswith("module_b.")}
    zh = {k for k in catalogue("zh") if k.startswith("module_b.")}
    assert en == zh and len(en) > 100
    assert all(re.search(r"[\u4e00-\u9fff]", catalogue("zh")[k]) or k in PUNCTUATION for k in zh)
