"""``silkscope partners table`` and ``partners tiers --workspace`` on a study built from real files:
WDI, CEPII GeoDist, Hofstede, Confucius Institutes, World Heritage; cells checked by hand."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.index.framework import Framework
from silkscope.partners.tiers import below_coverage, coverage

HOFSTEDE = Path("hofstede/6-dimensions-for-website-2015-08-16.csv")
RAW = Path("wdi_extracts/raw")


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture(scope="module")
def study(shared_data, tmp_path_factory):
    from silkscope.workspace import Workspace

    ws = Workspace.init(tmp_path_factory.mktemp("study") / "ws")
    for args in (
        ["wdi", *sorted((shared_data / RAW).glob("API_*.csv"))],
        ["geodist", shared_data / "cepii_geodist/dist_cepii.csv.gz"],
        ["confucius", shared_data / "confucius_institutes/confucius_institutes.csv"],
        ["heritage", shared_data / "unesco_world_heritage/whc-sites-2023.csv"],
    ):
        code, out = run("import", *args, "--workspace", ws.root)
        assert code == 0, out
    return ws


def wdi_row(shared_data: Path, code: str, country: str) -> dict[int, float]:
    """Year -> value of one country in the World Bank's own CSV, read with the csv module."""
    path = next((shared_data / RAW).glob(f"API_{code}_*.csv"))
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    head, row = rows[4], next(r for r in rows[5:] if r and r[1] == country)
    return {int(h): float(v) for h, v in zip(head[4:], row[4:], strict=False) if h and v}


def test_partner_table_cells_by_hand(study, shared_data, tmp_path):
    out = tmp_path / "partners.csv"
    start = time.perf_counter()
    code, text = run(
        "partners", "table", "--workspace", study.root, "--home", "CHN", "--years", "2015-2019",
        "--hofstede", shared_data / HOFSTEDE, "--out", out, "--lang", "en",
    )  # fmt: skip
    seconds = time.perf_counter() - start
    assert code == 0, text
    assert seconds < 5, f"partners table took {seconds:.1f} s"
    table = pd.read_csv(out).set_index("country")
    assert "CHN" not in table.index and table.index.is_unique
    assert {"NY.GDP.MKTP.CD", "ST.INT.ARVL", "confucius_institutes", "world_heritage_sites", "dist_km",
            "kogut_singh", "bri_member", "bri_signed_year"} <= set(table.columns)  # fmt: skip
    gdp = wdi_row(shared_data, "NY.GDP.MKTP.CD", "KAZ")
    assert table.loc["KAZ", "NY.GDP.MKTP.CD"] == pytest.approx(np.mean([gdp[y] for y in range(2015, 2020)]))
    receipts = wdi_row(shared_data, "ST.INT.RCPT.CD", "CHN")  # ends 2004: CHN row is not in the table
    assert max(receipts) == 2004
    # World Heritage: transboundary sites count for every state named
    whc = pd.read_csv(shared_data / "unesco_world_heritage/whc-sites-2023.csv", encoding="utf-8-sig")
    kgz = whc.iso_code.fillna("").str.split(",").apply(lambda c: "kg" in [x.strip() for x in c])
    assert table.loc["KGZ", "world_heritage_sites"] == kgz.sum() == 3
    assert table.loc["KGZ", "world_heritage_natural"] == (whc[kgz].category == "Natural").sum()
    assert table.loc["TUV", "world_heritage_sites"] == 0  # not on the list: 0, the list is worldwide
    ci = pd.read_csv(shared_data / "confucius_institutes/confucius_institutes.csv")
    assert (
        table.loc["RUS", "confucius_institutes"] == ((ci.country == "Russia") & (ci.status == "Open")).sum()
    )
    assert table.loc["GBR", "confucius_institutes_listed"] == 29
    geo = pd.read_csv(shared_data / "cepii_geodist/dist_cepii.csv.gz")
    assert table.loc["JPN", "dist_km"] == pytest.approx(
        geo.query("iso_o == 'CHN' and iso_d == 'JPN'").dist.iloc[0]
    )
    # Kogut-Singh by hand from the Hofstede scores of the countries with all six dimensions
    from silkscope.io.hofstede import DIMENSIONS, read_hofstede

    scores = read_hofstede(shared_data / HOFSTEDE).scores.set_index("country")[list(DIMENSIONS)].dropna()
    ks = (((scores.loc["JPN"] - scores.loc["CHN"]) ** 2) / scores.var(ddof=1)).mean()
    assert table.loc["JPN", "kogut_singh"] == pytest.approx(ks)
    # BRI as of 2019-12-31: Italy had signed (March 2019) and not yet left (December 2023)
    assert table.loc["ITA", "bri_member"] == 1 and table.loc["ITA", "bri_signed_year"] == 2019
    assert table.loc["USA", "bri_member"] == 0 and np.isnan(table.loc["USA", "bri_signed_year"])
    sources = pd.read_csv(tmp_path / "partners_sources.csv").set_index("column")
    assert list(sources.index) == ["country", *table.columns]
    assert sources.loc["confucius_institutes", "years"] == "2022"
    assert "no value in 2015-2019; taken at 2022" in sources.loc["confucius_institutes", "rule"]
    assert sources.loc["NY.GDP.MKTP.CD", "rule"] == "mean of the years with a value in 2015-2019"
    assert "mean over 2015-2019" in text


def test_latest_statistic_and_excel_sheets(study, shared_data, tmp_path):
    out = tmp_path / "p.xlsx"
    code, text = run(
        "partners",
        "table",
        "--workspace",
        study.root,
        "--years",
        "2024",
        "--stat",
        "latest",
        "--out",
        out,
        "--lang",
        "zh",
    )
    assert code == 0, text
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["partners", "sources"]
    table = sheets["partners"].set_index("country")
    assert table.loc["ITA", "bri_member"] == 0  # left in December 2023
    assert table.loc["PAN", "bri_member"] == 1  # left in February 2025
    assert table.loc["DEU", "IT.NET.USER.ZS"] == wdi_row(shared_data, "IT.NET.USER.ZS", "DEU")[2024]
    assert 2024 not in wdi_row(shared_data, "IT.NET.USER.ZS", "FRA")  # no stale 2023 value then
    assert np.isnan(table.loc["FRA", "IT.NET.USER.ZS"]) and table["IT.NET.USER.ZS"].notna().sum() == 9
    # GDP has no 2024 value in this vintage: taken at its own latest year, and said so
    rule = sheets["sources"].set_index("column").loc["NY.GDP.MKTP.CD", "rule"]
    assert rule == "2024-2024年无数据；取2023年"  # the zh catalogue text (Chinese first)
    assert "kogut_singh" not in table.columns and "未提供 Hofstede 文件（--hofstede）" in text


def test_coverage_shares_by_hand():
    fw = Framework.from_dict(
        {"id": "t", "children": [
            {"id": "a", "weight": 1, "children": [{"id": "x", "weight": 2}, {"id": "y", "weight": 1}]},
            {"id": "b", "weight": 3, "children": [{"id": "z"}]},
        ]}
    )  # fmt: skip
    frame = pd.DataFrame(
        {"country": ["P", "Q", "R"], "x": [1, None, 1], "y": [None, 1, 1], "z": [1, 1, None]}
    )
    cov = coverage(frame, fw).set_index("country")
    assert cov.loc["P", "a"] == pytest.approx(2 / 3) and cov.loc["Q", "a"] == pytest.approx(1 / 3)
    assert cov.loc["P", "overall"] == pytest.approx(0.25 * 2 / 3 + 0.75)
    assert cov.loc["R", "overall"] == pytest.approx(0.25)
    low = below_coverage(frame, fw).set_index("country")
    assert list(low.index) == ["Q", "R"]
    assert low.loc["Q", "reason"] == "coverage below 0.67: a 0.33, overall 0.83"


def test_tiers_on_the_study(study, shared_data, tmp_path):
    out = tmp_path / "tiers.csv"
    code, text = run(
        "partners", "tiers", "--workspace", study.root, "--years", "2015-2019",
        "--hofstede", shared_data / HOFSTEDE, "--replicates", "10", "--out", out,
    )  # fmt: skip
    assert code == 0, text
    tiers = pd.read_csv(out)
    no_tier = tiers[tiers.tier.isna()].set_index("country")
    tiered = tiers[tiers.tier.notna()]
    # Niue and the Cook Islands have a GeoDist distance and list counts but no WDI data
    for country in ("NIU", "COK"):
        assert "economic_size_growth 0.00" in no_tier.loc[country, "no_tier_reason"]
        assert f"{country}: coverage below 0.67" in text
    assert f"no tier ({len(no_tier)}, below coverage)" in text
    # South Sudan (2011) and Montenegro (2006) are younger than GeoDist: no distance, no proximity
    assert "proximity 0.00" in no_tier.loc["SSD", "no_tier_reason"]
    assert "proximity 0.00" in no_tier.loc["MNE", "no_tier_reason"]
    # every country below coverage is listed, and only those (coverage recomputed from the table)
    from silkscope.partners.table import partner_table
    from silkscope.partners.tiers import study_framework, study_indicators

    table = partner_table(study, "CHN", list(range(2015, 2020)), None, shared_data / HOFSTEDE, "en")
    expected = below_coverage(study_indicators(table.table), study_framework())
    assert set(no_tier.index) == set(expected.country) and len(no_tier) == len(expected)
    assert out.read_text().splitlines()[1].split(",")[1] == "1"  # whole tiers, blank for no tier
    assert set(tiered.tier) == {1, 2, 3} and tiered.modes.notna().all()
    assert not set(no_tier.index) & set(tiered.country) and "CHN" not in set(tiers.country)
    assert (tiers.note == f"study {study.root.name}; framework partner_readiness_study").all()
    code, text = run(
        "partners", "tiers", "--workspace", study.root, "--years", "2015-2019", "--hofstede",
        shared_data / HOFSTEDE, "--replicates", "5", "--rules", "none", "--out", out,
    )  # fmt: skip
    assert code == 0, text
    assert "modes" not in pd.read_csv(out).columns


def test_study_without_hofstede_names_what_is_missing(study, tmp_path):
    code, text = run("partners", "tiers", "--workspace", study.root, "--out", tmp_path / "t.csv")
    assert code == 2 and "kogut_singh (--hofstede 6-dimensions-for-website-2015-08-16.csv)" in text


def test_rule_naming_a_missing_pillar_is_refused_before_computing(tmp_path):
    framework = tmp_path / "fw.yaml"
    framework.write_text(
        "id: two\nchildren:\n  - id: size\n    children: [{id: gdp}]\n  - id: reach\n    children: [{id: net}]\n"
    )
    rng = np.random.default_rng(0)
    data = tmp_path / "data.csv"
    pd.DataFrame(
        {"country": [f"C{i:02d}" for i in range(40)], "gdp": rng.random(40), "net": rng.random(40)}
    ).to_csv(data, index=False)
    out = tmp_path / "t.csv"
    start = time.perf_counter()
    code, text = run("partners", "tiers", "--data", data, "--framework", framework, "--out", out)
    assert code == 2 and time.perf_counter() - start < 5
    assert "rule 'core_partner_nearby': unknown pillar 'proximity'; expected one of reach, size" in text
    assert not out.exists()
    code, text = run(
        "partners", "tiers", "--data", data, "--framework", framework, "--rules", "none",
        "--replicates", "5", "--out", out,
    )  # fmt: skip
    assert code == 0, text
    assert pd.read_csv(out).tier.notna().all()


def test_packaged_bri_list_against_the_publishers_workbook(shared_data):
    """Every value of reference/bri_partners.csv is the GFDC workbook's, except the recorded ones."""
    from silkscope.io.country_lists import read_bri_workbook
    from silkscope.reference import bri_partners

    book = read_bri_workbook(shared_data / "bri_partners_gfdc_xlsx/25_05_BRI-countries-public.xlsx")
    packaged = bri_partners().set_index("iso3")
    assert len(book) == 152 and set(book.iso3) - set(packaged.index) == {"CHN"}
    assert (packaged.source.str.startswith("GFDC workbook 25_05_BRI-countries-public.xlsx")).all()
    found = {}
    for row in book[book.iso3 != "CHN"].itertuples(index=False):
        for field in ("signed", "left"):
            ours = packaged.loc[row.iso3, field]
            if ours != getattr(row, field):
                found[(row.iso3, field)] = (getattr(row, field) or "uncertain", ours)
                note = packaged.loc[row.iso3, "note"]
                assert f"workbook {field}={getattr(row, field) or 'uncertain'}" in note
                assert f"chosen {ours or 'empty'}" in note
    assert found == {
        ("COD", "signed"): ("uncertain", "2021-01-06"),
        ("COG", "signed"): ("2021-01-06", ""),
        ("ITA", "left"): ("2023-06-12", "2023-12-06"),
        ("PAN", "left"): ("2025-05-04", "2025-02-04"),
    }
    assert (packaged.note != "").sum() == 4
    # the earlier tabulation agrees with the packaged dates everywhere
    earlier = pd.read_csv(
        shared_data / "bri_partners/gfdc-bri-countries-2025-05.csv", dtype=str, keep_default_na=False
    )
    earlier = earlier[earlier.iso3 != "CHN"].set_index("iso3")
    assert (earlier.mou == packaged.signed.reindex(earlier.index)).all()
    assert (earlier.exit == packaged.left.reindex(earlier.index)).all()


def test_list_importers_refuse_bad_files_and_change_nothing(workspace, shared_data, tmp_path):
    ci_file = shared_data / "confucius_institutes/confucius_institutes.csv"
    whc_file = shared_data / "unesco_world_heritage/whc_sites_2023_slim.csv"
    code, text = run("import", "heritage", whc_file, "--workspace", workspace.root)
    assert code == 0 and "left out (no state): Old City of Jerusalem and its Walls" in text
    assert "imported 672 values" in text and "for 168 countries, year 2023" in text
    before = {t: workspace.table(t) for t in ("indicator_values", "indicators", "units", "sources")}
    ci = pd.read_csv(ci_file, dtype=str, keep_default_na=False)
    bad_name = tmp_path / "ci.csv"
    ci.assign(country=ci.country.where(ci.index != 4, "Atlantis")).to_csv(bad_name, index=False)
    whc = pd.read_csv(whc_file, dtype=str, keep_default_na=False)
    bad_category = tmp_path / "whc.csv"
    whc.assign(category=whc.category.where(whc.index != 0, "Intangible")).to_csv(bad_category, index=False)
    cases = [
        ("confucius", bad_name, "'Atlantis' (row 6): not a country name or code country_converter knows"),
        ("confucius", shared_data / HOFSTEDE, "not a Confucius Institute list: no column(s)"),
        ("heritage", bad_category, "category must be Cultural, Natural or Mixed; found Intangible"),
        ("heritage", ci_file, "not a World Heritage list: no column(s) name_en, category, iso_code"),
    ]
    for kind, file, message in cases:
        code, text = run("import", kind, file, "--workspace", workspace.root)
        assert code == 2 and message in text, (kind, text)
    for name, table in before.items():
        pd.testing.assert_frame_equal(workspace.table(name), table)


def test_study_rules_with_an_unknown_pillar_are_refused_first(study, shared_data, tmp_path):
    import yaml

    from silkscope.partners.docking import RULES_PATH

    rules = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    rules["rules"].append(
        {"id": "heritage_rich", "when": {"pillar": "heritage", "above": 0.5}, "modes": ["tourism"],
         "text": {"en": "Many sites.", "zh": "遗产丰富。"}}
    )  # fmt: skip
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "t.csv"
    start = time.perf_counter()
    code, text = run(
        "partners", "tiers", "--workspace", study.root, "--hofstede", shared_data / HOFSTEDE,
        "--rules", path, "--out", out,
    )  # fmt: skip
    assert code == 2 and time.perf_counter() - start < 5 and not out.exists()
    assert "rule 'heritage_rich': unknown pillar 'heritage'" in text
    assert "partner table from" not in text  # refused before the table was assembled
