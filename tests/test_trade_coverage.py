"""What the flows can support: the two-exporter BACI extracts are refused by the indicators, export
potential and flow-based tiers unless --allow-partial (then every such row carries a note); the
world-matrix rule; export specialisation as WITS defines it on a hand-built 3-country world."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.trade.coverage import Coverage, YearCoverage, is_grouping
from silkscope.trade.indicators import trade_indicators

EXTRACTS = {
    "HS92-2021": "baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz",
    "HS17-2020": "baci_hs17_y2020_v202301_exporters_afg_zaf.parquet",
}
# importers of each extract (PROVENANCE.md: 211 and 207), and the year
HELD = {"HS92-2021": (211, 2021), "HS17-2020": (207, 2020)}


def _said(run) -> str:
    return " ".join(run.output.split())  # the console wraps long lines


@pytest.fixture(scope="module", params=sorted(EXTRACTS))
def extract(request, tmp_path_factory):
    """(name, workspace folder) with one real extract imported by ``silkscope import baci``."""
    from silkscope.paths import shared_data_dir
    from silkscope.workspace import Workspace

    data = shared_data_dir() / "baci"
    if not (data / EXTRACTS[request.param]).is_file():
        pytest.skip(f"shared BACI extract not found under {data}")
    root = tmp_path_factory.mktemp(request.param) / "ws"
    Workspace.init(root)
    args = ["import", "baci", str(data / EXTRACTS[request.param]), "--workspace", str(root)]
    run = CliRunner().invoke(app, [*args, "--country-codes", str(data / "country_codes_V202301.csv")])
    assert run.exit_code == 0, run.output
    return request.param, root


def test_indicators_refused_naming_what_is_missing(extract, tmp_path):
    name, root = extract
    importers, year = HELD[name]
    out = tmp_path / "ind.csv"
    args = ["trade", "indicators", "--workspace", str(root), "--reporter", "ZAF", "--out", str(out)]
    run = CliRunner().invoke(app, args)
    said = _said(run)
    assert run.exit_code == 2 and not out.exists()
    assert f"Coverage: year(s) {year}; 2 exporters, {importers} importers" in said
    assert "rca, market_share, export_specialisation" in said and "not a world matrix" in said
    # 490 (X490) is a grouping: the countries are the other importers, two of which export
    assert f"missing the exports of {importers - 3} of the {importers - 1} importing countries" in said
    assert "the flows hold 2 exporter(s) (AFG, ZAF)" in said and "--allow-partial" in said


def test_allow_partial_rows_carry_the_note(extract, tmp_path):
    name, root = extract
    out = tmp_path / "ind.csv"
    args = ["trade", "indicators", "--workspace", str(root), "--reporter", "ZAF", "--products", "69"]
    run = CliRunner().invoke(app, [*args, "--allow-partial", "--out", str(out)])
    assert run.exit_code == 0, run.output
    result = pd.read_csv(out, dtype={"product": str})
    assert list(result.columns) == ["indicator", "reporter", "partner", "product", "year", "value", "note"]
    noted = result.note.notna()
    world = result.indicator.isin(["rca", "market_share", "export_specialisation", "trade_intensity"])
    assert world.any() and noted[world].all()
    assert result.note[world].str.contains("partial coverage (only 2 exporters", regex=False).all()
    assert result.note[world].str.contains("数据覆盖不全", regex=False).all()  # Chinese first
    # own exports only: no note; Grubel-Lloyd with AFG (an exporter of the flows): no note
    assert not noted[result.indicator.str.startswith("hhi_")].any()
    gl = result[result.indicator == "grubel_lloyd"]
    assert noted[gl.index[gl.partner == "WLD"]].all() and not noted[gl.index[gl.partner == "AFG"]].any()
    fk = result[result.indicator == "finger_kreinin"].set_index("partner").note
    assert pd.isna(fk["AFG"]) and isinstance(fk["WLD"], str)
    assert "X490" not in set(result.partner)  # a grouping, left out unless named
    # the RCA printed without warning before: ~1.01 for most products, the world being ZAF
    rca = result.loc[result.indicator == "rca", "value"]
    assert rca.median() == pytest.approx(1.0, abs=0.05)


def test_products_cultural_selects_the_mapped_codes_in_both_revisions(extract, tmp_path):
    """Issue 14: ``--products cultural --allow-partial`` on each extract selects the packaged FCS 2009
    core codes mapped to the extract's revision (HS92 or HS17), among them 970110 (paintings) and
    691390 (ceramic ornamental articles); nothing outside the mapping."""
    from silkscope.trade.codes import product_selection

    name, root = extract
    revision = name.split("-")[0]
    out = tmp_path / "cultural.csv"
    args = ["trade", "indicators", "--workspace", str(root), "--reporter", "ZAF", "--products", "cultural"]
    run = CliRunner().invoke(app, [*args, "--allow-partial", "--out", str(out)])
    assert run.exit_code == 0, run.output
    result = pd.read_csv(out, dtype={"product": str})
    products = set(result["product"]) - {"ALL"}
    mapped = set(product_selection("cultural", revision))
    assert {"970110", "691390"} <= products <= mapped
    rca = result[result.indicator == "rca"]
    assert set(rca["product"]) <= mapped and rca.note.notna().all()


def test_potential_and_tiers_refused_unless_allowed(extract, tmp_path):
    name, root = extract
    runner = CliRunner()
    out = tmp_path / "pot.csv"
    pot = ["partners", "potential", "--workspace", str(root), "--exporter", "ZAF", "--products", "6911"]
    run = runner.invoke(app, [*pot, "--boot", "0", "--out", str(out)])
    assert run.exit_code == 2 and "export potential need(s) the world's trade" in _said(run)
    assert "the flows hold 2 exporter(s) (AFG, ZAF)" in _said(run) and not out.exists()
    run = runner.invoke(app, [*pot, "--boot", "0", "--allow-partial", "--out", str(out)])
    assert run.exit_code == 0, run.output
    table = pd.read_csv(out, dtype={"product": str})
    assert len(table) and table.note.str.contains("partial coverage", regex=False).all()

    tiers = ["partners", "tiers", "--workspace", str(root), "--replicates", "5"]
    run = runner.invoke(app, [*tiers, "--out", str(out)])
    said = _said(run)
    assert run.exit_code == 2 and "need(s) the exports of CHN, and CHN exports nothing" in said
    assert "exporters: AFG, ZAF" in said
    run = runner.invoke(app, [*tiers, "--allow-partial", "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert pd.read_csv(out).note.str.contains("partial coverage", regex=False).all()


def test_coverage_counts_equal_pandas(shared_data):
    raw = pd.read_parquet(shared_data / "baci" / EXTRACTS["HS17-2020"], columns=["t", "i", "j"])
    from silkscope.trade.codes import to_iso3

    flows = pd.DataFrame({"year": raw.t, "exporter": to_iso3(raw.i), "importer": to_iso3(raw.j)})
    coverage = Coverage.of_flows(flows)
    assert coverage.exporters == {"AFG", "ZAF"} and len(coverage.importers) == raw.j.nunique() == 207
    assert coverage.flows_per_year == {2020: 72_097} and not coverage.world


def test_world_matrix_rule():
    """World: >= 90 % of the importing countries also export (groupings left out), >= 2 exporters."""
    importers = frozenset(["AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG", "HHH", "III", "JJJ", "X697"])
    nine = YearCoverage(2020, 1, importers - {"JJJ", "X697"} | {"KKK"}, importers)
    eight = YearCoverage(2020, 1, importers - {"III", "JJJ", "X697"}, importers)
    assert nine.importers_exporting == pytest.approx(0.9) and nine.world
    assert eight.importers_exporting == pytest.approx(0.8) and not eight.world
    assert eight.non_exporters == ["III", "JJJ"]
    assert not YearCoverage(2020, 1, frozenset({"AAA"}), frozenset({"AAA"})).world  # one exporter
    assert is_grouping("X697") and is_grouping("S19") and not is_grouping("CHN")
    both = Coverage((nine, YearCoverage(2021, 1, eight.exporters, importers)))
    assert not both.world  # every year must be one
    with pytest.raises(InputError, match="missing the exports of 2 of the 10 importing countries"):
        both.require_world("rca", allow_partial=False)
    assert "partial coverage" in both.require_world("rca", allow_partial=True)


# CHN exports 691110 to IND (4) and USA (6), 950300 to IND (2): X_r = 12, x_rk = 10.
# IND imports 691110: 4 (CHN); 950300: 2 (CHN) + 2 (USA): M_p = 8, m_pk = 4.
# IND and USA export too, so the three countries form a world matrix.
HAND = [
    ("CHN", "IND", "691110", 4.0),
    ("CHN", "IND", "950300", 2.0),
    ("CHN", "USA", "691110", 6.0),
    ("USA", "IND", "950300", 2.0),
    ("IND", "CHN", "950300", 3.0),
    ("IND", "USA", "691110", 1.0),
]


def test_export_specialisation_as_wits_defines_it(tmp_path: Path):
    """WITS online help, "Export Specialization": ES = (x_rk / X_r) / (m_pk / M_p), the product's
    share in r's total exports over its share in p's imports: (10/12) / (4/8) = 1.6667 (the share
    in r's exports to p instead gives (4/6) / (4/8) = 1.3333)."""
    flows = pd.DataFrame(HAND, columns=["exporter", "importer", "product", "value"]).assign(year=2021)
    x = flows[flows.exporter == "CHN"]
    m = flows[flows.importer == "IND"]
    by_hand = (x[x["product"] == "691110"].value.sum() / x.value.sum()) / (
        m[m["product"] == "691110"].value.sum() / m.value.sum()
    )
    assert by_hand == pytest.approx(5 / 3) and round(by_hand, 4) == 1.6667
    ours = trade_indicators(flows, reporters=["CHN"]).set_index(["indicator", "partner", "product"]).value
    assert ours["export_specialisation", "IND", "691110"] == pytest.approx(by_hand, rel=1e-12)
    # and through the CLI, from a BACI-layout file of the same world: no note, a world matrix
    data = tmp_path / "hand.csv"
    flows.rename(columns={"year": "t", "exporter": "i", "importer": "j", "product": "k", "value": "v"})[
        ["t", "i", "j", "k", "v"]
    ].to_csv(data, index=False)
    out = tmp_path / "es.csv"
    run = CliRunner().invoke(
        app, ["trade", "indicators", "--data", str(data), "--reporter", "CHN", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    assert "a world matrix" in _said(run)
    table = pd.read_csv(out, dtype={"product": str})
    es = table[(table.indicator == "export_specialisation") & (table.partner == "IND")]
    assert es.set_index("product").value["691110"] == pytest.approx(5 / 3)
    assert table.note.isna().all()
