"""The module sections of the report (trade, partners, clusters): present in both languages,
findings that quote the workbook's numbers, a complete catalogue and an offline world map."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.i18n import Translator, catalogue

runner = CliRunner()
SECTIONS = ("trade", "partners", "cluster", "efficiency")


def _build(tmp_path_factory, lang: str) -> Path:
    out = tmp_path_factory.mktemp(f"modules-{lang}")
    result = runner.invoke(app, ["report", "--lang", lang, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def en_report(tmp_path_factory) -> Path:
    return _build(tmp_path_factory, "en")


@pytest.fixture(scope="module")
def zh_report(tmp_path_factory) -> Path:
    return _build(tmp_path_factory, "zh")


def _findings(html: str, section: str) -> list[str]:
    body = re.search(rf'<section id="{section}">(.*?)</section>', html, re.S)
    assert body, f"no section {section}"
    return [unescape(f) for f in re.findall(r"<li>(.*?)</li>", body.group(1), re.S)]


def _sheet(out: Path, name: str) -> pd.DataFrame:
    return pd.read_excel(out / "report.xlsx", sheet_name=name, dtype={"Market (ISO3)": str, "HS6": str})


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sections_present_and_translated(lang, en_report, zh_report):
    out = en_report if lang == "en" else zh_report
    html = (out / "report.html").read_text(encoding="utf-8")
    texts = catalogue(lang)
    for section in SECTIONS:
        assert f'id="{section}"' in html
        assert texts[f"modules.section.{section}"] in html
        assert _findings(html, section), f"{section} has no findings"
    # the demo flows are labelled in the trade and partner sections, the demo scores in clusters
    from silkscope.trade.demo import DEMO_LABEL

    for section in ("trade", "partners"):
        body = re.search(rf'<section id="{section}">(.*?)</section>', html, re.S).group(1)
        assert DEMO_LABEL[lang] in unescape(body)
    assert unescape(texts["modules.cluster.demo_note"]) in unescape(html)
    assert not re.search(r"modules\.[a-z_]+\.", html), "untranslated catalogue keys in the HTML"
    assert "Natural Earth" in html  # the map geometry is credited in the methods appendix


def test_module_keys_in_both_catalogues():
    en = {k for k in catalogue("en") if k.startswith("modules.")}
    zh = {k for k in catalogue("zh") if k.startswith("modules.")}
    assert en == zh and len(en) > 50
    assert all(
        re.search(r"[\u4e00-\u9fff]", catalogue("zh")[k]) for k in zh if not k.startswith("modules.col.iso3")
    )


def test_trade_findings_quote_the_workbook(en_report: Path):
    t = Translator("en")
    html = (en_report / "report.html").read_text(encoding="utf-8")
    findings = _findings(html, "trade")
    exports = _sheet(en_report, "trade_exports")
    first, last = int(exports["Year"].iloc[0]), int(exports["Year"].iloc[-1])
    start, end = float(exports.iloc[0, 1]), float(exports.iloc[-1, 1])
    change = (end / start - 1) * 100
    key = "modules.finding.trade_grew" if change >= 0 else "modules.finding.trade_fell"
    assert (
        t(
            key,
            exporter="China",
            pct=f"{abs(change):.1f}",
            first_year=first,
            last_year=last,
            start=f"{start:,.0f}",
            end=f"{end:,.0f}",
        )
        in findings
    )
    markets = _sheet(en_report, "trade_markets")
    assert markets["Share of exports (%)"].is_monotonic_decreasing
    top = markets.iloc[0]
    assert (
        t(
            "modules.finding.trade_top_market",
            year=last,
            market=top["Country"],
            share=f"{top['Share of exports (%)']:.1f}",
            n=len(markets),
            top_share=f"{markets['Share of exports (%)'].sum():.1f}",
        )
        in findings
    )
    rca = _sheet(en_report, "trade_rca")
    best = rca.loc[rca[f"RCA {last}"].idxmax()]
    expected = t(
        "modules.finding.trade_rca",
        exporter="China",
        n=int((rca[f"RCA {last}"] > 1).sum()),
        total=len(rca),
        year=last,
        product=f"{best['HS6']} {best['Product']}",
        rca=f"{best[f'RCA {last}']:.2f}",
    )
    assert expected in findings
    cms = _sheet(en_report, "trade_cms")
    values = cms["Value (thousand USD)"]
    # the effects add up to the actual change in exports
    assert values.sum() == pytest.approx(end - start, abs=0.01)
    biggest = cms.loc[values.abs().idxmax()]
    assert (
        t(
            "modules.finding.trade_cms",
            first_year=first,
            last_year=last,
            change=f"{values.sum():,.0f}",
            effect=biggest["Effect"],
            value=f"{biggest['Value (thousand USD)']:,.0f}",
            share=f"{biggest['Share of the change (%)']:.1f}",
        )
        in findings
    )


def test_partner_findings_quote_the_workbook(en_report: Path):
    t = Translator("en")
    html = (en_report / "report.html").read_text(encoding="utf-8")
    findings = _findings(html, "partners")
    tiers = _sheet(en_report, "partner_tiers")
    assert set(tiers["Tier"]) == {1, 2, 3} and "CHN" not in set(tiers["ISO3"])
    for tier, block in tiers.groupby("Tier"):
        assert (
            t(
                "modules.finding.tier",
                tier=tier,
                n=len(block),
                low=f"{block['Score'].min():.2f}",
                high=f"{block['Score'].max():.2f}",
                country=block.iloc[0]["Country"],
            )
            in findings
        )
    unstable = tiers[tiers["Tier probability"] < 0.5]
    if len(unstable):
        assert any(f.startswith(f"{len(unstable)} of {len(tiers)} countries") for f in findings)
    docking = _sheet(en_report, "partner_docking")
    assert set(docking["Tier"]) == {1, 2, 3}
    # the recommendation texts come from the docking rules, in the report's language
    from silkscope.partners.docking import load_rules

    rules = {r.id: r.text["en"] for r in load_rules().rules}
    assert all(rules[r] == text for r, text in zip(docking["Rule"], docking["Recommendation"], strict=True))


def test_cluster_findings_quote_the_workbook(en_report: Path):
    t = Translator("en")
    html = (en_report / "report.html").read_text(encoding="utf-8")
    findings = _findings(html, "cluster")
    ech = _sheet(en_report, "cluster_echelons")
    assert len(ech) == 31 and set(ech["Echelon"]) == {1, 2, 3}
    counts = ech["Echelon"].value_counts()
    high = ech[ech["Echelon"] == 1]
    year = int(re.search(r"In (\d{4}),", next(f for f in findings if f.startswith("In "))).group(1))
    assert (
        t(
            "modules.finding.echelons",
            year=year,
            n_high=counts[1],
            n_medium=counts[2],
            n_low=counts[3],
            high_min=f"{high['Score'].min():.2f}",
            low_max=f"{ech[ech['Echelon'] == 3]['Score'].max():.2f}",
            top=", ".join(high["Unit"]),
        )
        in findings
    )
    spatial = _sheet(en_report, "cluster_spatial").set_index("Statistic id")
    moran = spatial.loc["moran_i"]
    label = {"clustered": "clustered", "dispersed": "dispersed", "not significant": "ns"}[moran["Reading"]]
    assert (
        t(
            f"modules.finding.moran_{label}",
            year=year,
            i=f"{moran['Value']:.3f}",
            p=f"{moran['p-value']:.3f}",
            permutations=999,
        )
        in findings
    )
    lisa = ech["LISA"].value_counts()
    hh = ech[ech["LISA"] == "HH"]["Unit"].tolist()
    assert (
        t(
            "modules.finding.lisa",
            hh=lisa.get("HH", 0),
            ll=lisa.get("LL", 0),
            hl=lisa.get("HL", 0),
            lh=lisa.get("LH", 0),
            hh_units=", ".join(hh) if hh else t("modules.none"),
        )
        in findings
    )


def test_world_map_topojson_is_inlined(en_report: Path):
    html = (en_report / "report.html").read_text(encoding="utf-8")
    assert 'window.PlotlyGeoAssets.topojson["world_110m"]' in html
    # the assets come before the map's figure script
    assert html.index('PlotlyGeoAssets.topojson["world_110m"] =') < html.index('id="fig-partners-0"')
    assert "cdn.plot.ly/un" not in html.replace('"https://cdn.plot.ly/un/"', "")  # only plotly.js's default
    assert not re.search(r"https?://[^\"' ]+\.(topo)?json", html.split("<body>", 1)[1])
    assert '"locationmode":"ISO-3"' in html


def test_world_topojson_layout():
    from silkscope.report.charts import world_topojson

    topo = world_topojson()
    assert topo is not None and topo["type"] == "Topology"
    assert {"countries", "land", "coastlines"} <= set(topo["objects"])
    ids = {g["id"] for g in topo["objects"]["countries"]["geometries"]}
    from silkscope.trade.demo import DEMO_COUNTRIES

    assert set(DEMO_COUNTRIES) - {"SGP"} <= ids  # Singapore is too small for the 1:110m scale
    geometry = topo["objects"]["countries"]["geometries"][0]
    n_arcs = len(topo["arcs"])
    for polygon in geometry["arcs"]:  # MultiPolygon: polygons -> rings -> arc indices
        assert all(isinstance(ring, list) and all(0 <= a < n_arcs for a in ring) for ring in polygon)


def test_efficiency_findings_quote_the_workbook(en_report):
    """The efficient units, the weakest unit and the largest Malmquist gain as in the sheet, and
    the BCC scores never above the CRS ones' ceiling of 1 nor below them."""
    html = (en_report / "report.html").read_text(encoding="utf-8")
    findings = _findings(html, "efficiency")
    sheet = _sheet(en_report, "efficiency")
    vrs, crs = sheet["Efficiency (VRS)"], sheet["Efficiency (CRS)"]
    assert (vrs <= 1.0).all() and (crs <= vrs + 1e-3).all()
    efficient = sheet[vrs >= 1.0]
    assert f"{len(efficient)} of {len(sheet)} units are efficient" in findings[0]
    assert all(name in findings[0] for name in efficient["Unit"])
    weakest = sheet.iloc[-1]
    assert f"{weakest['Unit']} with an efficiency of {weakest['Efficiency (VRS)']:.3f}" in findings[1]
    best = sheet.loc[sheet["Malmquist index"].idxmax()]
    assert f"{best['Unit']} ({best['Malmquist index']:.3f})" in findings[2]
    product = (sheet["Efficiency change"] * sheet["Technical change"]).dropna()
    assert product.to_numpy() == pytest.approx(sheet["Malmquist index"].dropna().to_numpy(), abs=2e-3)


def test_province_geometry_turns_the_map_into_a_choropleth(tmp_path):
    """A user GeoJSON (here: the 31 tile squares, named in Chinese or coded) replaces the tile
    grid; Hong Kong and a feature without a name are left out."""
    import json

    from silkscope.paths import REFERENCE_DIR
    from silkscope.reference import provinces

    grid = pd.read_csv(REFERENCE_DIR / "province_tilegrid.csv", dtype={"unit_id": str})
    names = provinces().set_index("unit_id")["name_zh"]
    features = []
    for k, tile in enumerate(grid.itertuples()):
        x, y = float(tile.col), -float(tile.row)
        ring = [[x, y], [x + 0.9, y], [x + 0.9, y + 0.9], [x, y + 0.9], [x, y]]
        props = {"name": names[tile.unit_id]} if k % 2 else {"adcode": int(tile.unit_id)}
        features.append(
            {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        )
    for props in ({"name": "香港特别行政区"}, {}):
        features.append(
            {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        )
    geo = tmp_path / "provinces.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    out = tmp_path / "report"
    result = runner.invoke(
        app, ["report", "--lang", "en", "--province-geometry", str(geo), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '"geojson":{"type":"FeatureCollection"' in html, "no province choropleth"
    locations = re.search(r'"locations":\[((?:"\d{6}",?)+)\]', html)
    ids = re.findall(r"\d{6}", locations.group(1))
    assert sorted(ids) == sorted(grid.unit_id) and len(ids) == 31
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    result = runner.invoke(app, ["report", "--province-geometry", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and "no feature names or codes a mainland province" in result.output


def test_efficiency_without_positive_inputs_says_so_instead_of_failing():
    """A study whose DEA inputs are all zero in every unit-year gets a sentence, not an error."""
    from silkscope.index import demo_values
    from silkscope.report.cluster_sections import DEA_INPUTS, efficiency_section

    values = demo_values()
    values.loc[values["indicator_id"] == DEA_INPUTS[0], "value"] = 0.0
    t = Translator("en")
    section = efficiency_section(values, t, {}, False)
    assert section.tables == [] and section.figures == []
    assert section.paragraphs == [
        t("modules.efficiency.no_positive", ids="pf_employment, pf_assets, pf_value_added")
    ]
    assert "positive" in section.paragraphs[0]
