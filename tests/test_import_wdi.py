"""``silkscope import wdi``: the World Bank's bulk files against the published long extract."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.io.wdi import read_wdi

RAW = Path("wdi_extracts/raw")
IP = Path("wdi_ip_talent")
GDP = "API_NY.GDP.MKTP.CD_DS2_en_csv_v2_391573.csv"


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], terminal_width=400)
    return result.exit_code, result.output


def snapshot(ws) -> dict[str, pd.DataFrame]:
    return {t: ws.table(t) for t in ("indicator_values", "indicators", "units", "sources")}


def test_bulk_files_equal_the_long_extract(workspace, shared_data):
    files = sorted((shared_data / RAW).glob("API_*.csv"))  # metadata found beside them
    code, out = run("import", "wdi", *files, "--workspace", workspace.root)
    assert code == 0, out
    assert "imported 100,235 values of 11 WDI indicator(s) for 217 economies" in " ".join(out.split())
    long = pd.read_parquet(shared_data / "wdi_extracts/wdi_selected_long.parquet")
    held = workspace.table("indicator_values")
    expected = long[~long.is_aggregate]
    merged = expected.merge(
        held,
        left_on=["iso3", "year", "indicator_code"],
        right_on=["unit_id", "year", "indicator_id"],
        how="outer",
    )
    assert len(merged) == len(expected) == len(held) == 100_235
    assert (merged.value_x == merged.value_y).all()  # exact: the same published strings
    # every aggregate of the extract is listed, none is imported
    aggregates = set(long[long.is_aggregate].iso3)
    assert len(aggregates) == 48 and not aggregates & set(held.unit_id)  # INX has no value at all
    flat = " ".join(out.split())  # rich wraps long lines
    listed = flat.split("aggregates skipped (48, empty Region in the country metadata): ")[1]
    assert set(listed.split(" skipped,")[0].split(", ")) == aggregates
    assert "skipped, not in the country metadata (1): INX" in flat  # "Not classified"
    names = workspace.table("indicators").set_index("indicator_id").name_en
    published = long.drop_duplicates("indicator_code").set_index("indicator_code").indicator_name
    assert names.sort_index().to_dict() == published.sort_index().to_dict()
    units = workspace.query("SELECT * FROM units WHERE level = 'country'").set_index("unit_id")
    assert units.loc["CHN", "group"] == "East Asia & Pacific" and units.loc["CHN", "name_en"] == "China"
    income = workspace.query(
        "SELECT value FROM unit_attributes WHERE unit_id = 'NER' AND attribute = 'wb_income_group'"
    ).value.iloc[0]
    assert income == long[long.iso3 == "NER"].wb_income_group.iloc[0] == "Low income"
    sources = workspace.table("sources")
    assert (sources.kind == "wdi").sum() == 11 and (sources.kind == "wdi-metadata").sum() == 13
    chn = held[(held.unit_id == "CHN") & (held.indicator_id == "ST.INT.RCPT.CD")]
    assert sorted(chn.year) == list(range(1997, 2005))  # blank after 2004 in this vintage


def test_2013_vintage_needs_metadata_and_maps_retired_codes(workspace, shared_data):
    old = shared_data / IP / "wdi_2013_vintage_ronnywang/IP.PAT.RESD_WDI.csv"
    code, out = run("import", "wdi", old, "--workspace", workspace.root)
    assert code == 2 and "no country metadata for this file" in out
    meta = shared_data / RAW / f"Metadata_Country_{GDP}"
    read = read_wdi([old, meta]).files[0]
    retired = {"ROM": "ROU", "TMP": "TLS", "ZAR": "COD", "ADO": "AND", "KSV": "XKX", "WBG": "PSE"}
    assert read.layout == "parsed" and read.recoded == retired
    values = read.values.set_index(["unit_id", "year"]).value
    assert values["CHN", 2010] == 293_066 and ("CHN", 2012) not in values.index  # 2012 missing then
    zar = pd.read_csv(old).set_index("Country Code").loc["ZAR"].iloc[3:].dropna()
    assert len(zar) == 15 and all(values["COD", int(y)] == float(v) for y, v in zar.items())
    assert {"WLD", "EAS", "HIC"} <= set(read.aggregates) and "ADO" not in read.aggregates
    # 2013 aggregates that the 2025 metadata no longer lists (e.g. CAA, CEU) are named apart
    assert {"CAA", "CEU"} <= set(read.unknown) and not set(read.unknown) & set(read.aggregates)


def test_2026_vintage_and_a_renamed_file_without_indicator_metadata(workspace, shared_data):
    folder = shared_data / IP / "wb_api_2025_2026"
    code, out = run("import", "wdi", *sorted(folder.glob("*.csv")), "--workspace", workspace.root)
    assert code == 0, out
    flat = " ".join(out.split())
    assert "SE.TER.ENRR: School enrollment, tertiary (% gross)" in flat and "names from the data file" in flat
    values = workspace.table("indicator_values").set_index(["unit_id", "indicator_id", "year"]).value
    # published figures quoted in the data set's PROVENANCE.md
    assert values["CHN", "IP.PAT.RESD", 2010] == 293_066 and values["CHN", "IP.PAT.RESD", 2021] == 1_426_644
    assert (
        round(values["CHN", "SE.TER.ENRR", 2015], 1) == 47.1
        and round(values["CHN", "SE.TER.ENRR", 2024], 1) == 76.9
    )
    assert not any(values.index.get_level_values(0).isin(["WLD", "EAS", "HIC"]))


def test_other_layouts_and_bad_files_are_refused(workspace, shared_data, tmp_path):
    good = shared_data / RAW / GDP
    assert run("import", "wdi", good, "--workspace", workspace.root)[0] == 0
    before = snapshot(workspace)
    tidy = shared_data / IP / "tidy_iso3_2003_2021_njf0/IP.PAT.RESD.csv"
    not_wdi = shared_data / "hofstede/6-dimensions-for-website-2015-08-16.csv"
    lonely = tmp_path / "lonely" / "API_SP.POP.TOTL_DS2_en_csv_v2_391465.csv"
    lonely.parent.mkdir()
    shutil.copy(shared_data / RAW / lonely.name, lonely)
    lines = good.read_bytes().split(b"\r\n")
    cut_rows = tmp_path / "rows" / GDP  # cut at a row boundary, with its metadata beside it
    cut_rows.parent.mkdir()
    cut_rows.write_bytes(b"\r\n".join(lines[:120]) + b"\r\n")
    shutil.copy(shared_data / RAW / f"Metadata_Country_{GDP}", cut_rows.parent)
    cut_mid = tmp_path / "mid" / GDP  # cut inside a row
    cut_mid.parent.mkdir()
    cut_mid.write_bytes(b"\r\n".join(lines[:120])[:-40])
    shutil.copy(shared_data / RAW / f"Metadata_Country_{GDP}", cut_mid.parent)
    cases = [
        ([good, tidy], "a derived WDI extract"),
        ([good, not_wdi], "not a WDI file: no header Country Name"),
        ([lonely], "no country metadata for this file"),  # with GDP, GDP's (same vintage) would serve
        ([cut_rows], "economies of the country metadata have no row"),
        ([good, cut_mid], "row 120: 67 fields, expected 70 (truncated or damaged?)"),
    ]
    for files, message in cases:
        code, out = run("import", "wdi", *files, "--workspace", workspace.root)
        assert code == 2 and message in " ".join(out.split()), (files, out)
        after = snapshot(workspace)
        for name, table in before.items():
            pd.testing.assert_frame_equal(after[name], table)
    with pytest.raises(InputError, match="given in two files"):
        read_wdi([good, good])
