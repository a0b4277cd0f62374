"""WITS trade indicators on a hand-worked 3-country, 2-product toy world; BACI-layout CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.reference import bri_partners
from silkscope.trade.codes import hs6, to_iso3
from silkscope.trade.indicators import INDICATORS, trade_indicators

# exporter, importer, product, value: world trade = 40; product 010100 = 21, 020200 = 19
TOY = [
    ("AAA", "BBB", "010100", 10.0),
    ("AAA", "BBB", "020200", 5.0),
    ("AAA", "CCC", "010100", 5.0),
    ("BBB", "AAA", "010100", 4.0),
    ("BBB", "CCC", "020200", 6.0),
    ("CCC", "AAA", "020200", 8.0),
    ("CCC", "BBB", "010100", 2.0),
]
P1, P2 = "010100", "020200"


@pytest.fixture(scope="module")
def table() -> pd.Series:
    flows = pd.DataFrame(TOY, columns=["exporter", "importer", "product", "value"]).assign(year=2020)
    result = trade_indicators(flows, reporters=["AAA"])
    assert list(result.columns) == ["indicator", "reporter", "partner", "product", "year", "value"]
    assert (result.reporter == "AAA").all() and (result.year == 2020).all()
    return result.set_index(["indicator", "partner", "product"]).value


def test_shares_and_specialisation(table):
    # A exports 15 of p1 and 5 of p2 (20 in all)
    assert table["rca", "WLD", P1] == pytest.approx((15 / 20) / (21 / 40))
    assert table["rca", "WLD", P2] == pytest.approx((5 / 20) / (19 / 40))
    assert table["market_share", "WLD", P1] == pytest.approx(15 / 21)
    assert table["market_share", "BBB", P1] == pytest.approx(10 / 12)  # B imports 10 + 2 of p1
    # WITS: the share of p1 in A's total exports (15 / 20), not in its exports to B (10 / 15)
    assert table["export_specialisation", "BBB", P1] == pytest.approx((15 / 20) / (12 / 17))
    assert table["trade_intensity", "BBB", "ALL"] == pytest.approx((15 / 20) / (17 / 40))
    # x_A = (.75, .25), m_B = (12/17, 5/17)
    gap = abs(12 / 17 - 0.75) + abs(5 / 17 - 0.25)
    assert table["trade_complementarity", "BBB", "ALL"] == pytest.approx(100 * (1 - gap / 2))
    # C imports 5 of p1 only: m_C = (1, 0)... plus 6 of p2 from B: m_C = (5/11, 6/11)
    gap_c = abs(5 / 11 - 0.75) + abs(6 / 11 - 0.25)
    assert table["trade_complementarity", "CCC", "ALL"] == pytest.approx(100 * (1 - gap_c / 2))


def test_two_way_trade(table):
    # with B: A exports 10 of p1 and imports 4 of p1; exports 5 of p2, imports none
    assert table["grubel_lloyd", "BBB", P1] == pytest.approx(1 - 6 / 14)
    assert table["net_export_ratio", "BBB", P1] == pytest.approx(6 / 14)
    assert table["grubel_lloyd", "BBB", P2] == pytest.approx(0.0)
    assert table["net_export_ratio", "BBB", P2] == pytest.approx(1.0)
    assert table["grubel_lloyd_aggregate", "BBB", "ALL"] == pytest.approx((14 - 6 + 0) / (14 + 5))
    # with the world: p1 exports 15, imports 4; p2 exports 5, imports 8
    assert table["grubel_lloyd", "WLD", P1] == pytest.approx(1 - 11 / 19)
    assert table["net_export_ratio", "WLD", P2] == pytest.approx((5 - 8) / 13)


def test_concentration_and_similarity(table):
    assert table["hhi_markets", "WLD", "ALL"] == pytest.approx(0.75**2 + 0.25**2)
    assert table["hhi_markets_normalised", "WLD", "ALL"] == pytest.approx((0.625 - 0.5) / 0.5)
    assert table["hhi_products", "WLD", "ALL"] == pytest.approx(0.625)
    # B's export structure (.4, .6); the world's (21/40, 19/40)
    assert table["finger_kreinin", "BBB", "ALL"] == pytest.approx(100 * (0.4 + 0.25))
    assert table["finger_kreinin", "WLD", "ALL"] == pytest.approx(100 * (0.525 + 0.25))


def test_codes():
    assert to_iso3(pd.Series(["156", "842", "251", "4", "chn", "ROM"])).tolist() == [
        "CHN",
        "USA",
        "FRA",
        "AFG",
        "CHN",
        "ROU",
    ]
    with pytest.raises(InputError, match="unknown country code\\(s\\) 9999, XYZ"):
        to_iso3(pd.Series(["9999", "XYZ", "156"]))
    assert hs6(pd.Series([10121, "691110", 97010.0])).tolist() == ["010121", "691110", "097010"]


def test_cli_on_baci_layout(tmp_path: Path):
    rows = [
        (2020, {"AAA": 156, "BBB": 842, "CCC": 4}[e], {"AAA": 156, "BBB": 842, "CCC": 4}[i], int(p), v)
        for e, i, p, v in TOY
    ]
    baci = pd.DataFrame(rows, columns=["t", "i", "j", "k", "v"]).assign(
        q=["1.5", "NA", "", " 2", "3", "4", "5"]
    )
    data, out = tmp_path / "baci.csv", tmp_path / "ind.csv"
    baci.to_csv(data, index=False)
    runner = CliRunner()
    args = [
        "trade",
        "indicators",
        "--data",
        str(data),
        "--reporter",
        "CHN",
        "--partners",
        "all",
        "--products",
        "0101,0202",
    ]
    run = runner.invoke(app, [*args, "--years", "2015-2022", "--out", str(out)])
    assert run.exit_code == 0, run.output
    result = pd.read_csv(out, dtype={"product": str}).set_index(["indicator", "partner", "product"]).value
    assert result["rca", "WLD", P1] == pytest.approx((15 / 20) / (21 / 40))
    assert result["grubel_lloyd", "USA", P1] == pytest.approx(1 - 6 / 14)
    bad = baci.assign(v=[1, 2, -3, 4, 5, 6, 7])
    bad.to_csv(data, index=False)
    run = runner.invoke(app, [*args, "--out", str(out)])
    assert run.exit_code != 0 and "missing or negative value" in run.output and "row 4" in run.output


@pytest.mark.xdist_group("spark")
def test_spark_equals_duckdb(shared_data):
    """The same Ibis queries on Spark (local mode) and DuckDB: the hand-checked toy world (as
    year 1999) and every reporter of a real BACI extract (AFG, ZAF, 2020, HS17 ch. 69 and 97)."""
    from silkscope.trade.queries import connect

    toy = pd.DataFrame(TOY, columns=["exporter", "importer", "product", "value"]).assign(year=1999)
    raw = pd.read_parquet(shared_data / "baci" / "baci_hs17_y2020_v202301_exporters_afg_zaf.parquet")
    raw = raw[raw.k.str.startswith(("69", "97"))]
    real = pd.DataFrame(
        {
            "year": raw.t.astype(int),
            "exporter": to_iso3(raw.i),
            "importer": to_iso3(raw.j),
            "product": raw.k,
            "value": raw.v,
        }
    )
    flows = pd.concat([toy, real], ignore_index=True)
    partners = ["AAA", "BBB", "CCC", "CHN", "USA", "DEU", "NAM"]
    duck = trade_indicators(flows, partners=partners)
    spark = trade_indicators(flows, partners=partners, con=connect("spark"))
    assert len(duck) > 400 and set(duck.indicator) == set(INDICATORS)
    assert set(duck.year) == {1999, 2020}
    pd.testing.assert_frame_equal(duck.drop(columns="value"), spark.drop(columns="value"))
    assert spark.value.to_numpy() == pytest.approx(duck.value.to_numpy(), rel=1e-12)


def test_cli_reads_the_workspace_and_bri_partners(workspace, shared_data, tmp_path):
    """ZAF's RCA in ceramics from imported BACI flows equals the same ratio computed in pandas."""
    file = shared_data / "baci" / "baci_hs17_y2020_v202301_exporters_afg_zaf.parquet"
    runner = CliRunner()
    run = runner.invoke(app, ["import", "baci", str(file), "--workspace", str(workspace.root)])
    assert run.exit_code == 0, run.output
    out = tmp_path / "ind.parquet"
    # a two-exporter extract is not a world matrix: RCA is computed only with --allow-partial
    args = ["trade", "indicators", "--workspace", str(workspace.root), "--reporter", "ZAF", "--allow-partial"]
    run = runner.invoke(app, [*args, "--partners", "bri", "--products", "6911,6912,6913", "--out", str(out)])
    assert run.exit_code == 0, run.output
    result = pd.read_parquet(out)
    raw = pd.read_parquet(file)
    raw = raw[raw.k.str.startswith(("6911", "6912", "6913")) & (raw.i != raw.j)]
    zaf = raw[raw.i == 710]
    expected = (zaf[zaf.k == "691110"].v.sum() / zaf.v.sum()) / (raw[raw.k == "691110"].v.sum() / raw.v.sum())
    rca = result[(result.indicator == "rca") & (result["product"] == "691110")]
    assert rca.value.item() == pytest.approx(expected, rel=1e-12)
    assert rca.note.str.contains("partial coverage").all()
    bilateral = set(result.loc[result.indicator == "market_share", "partner"]) - {"WLD"}
    assert bilateral and bilateral <= set(bri_partners().iso3) and "USA" not in bilateral
    # the packaged FCS 2009 classification, mapped to the workspace's HS17 (its own tests:
    # test_cultural_classification.py); it no longer refuses as an empty table did
    run = runner.invoke(app, [*args, "--products", "cultural", "--out", str(out)])
    assert "holds no sourced HS codes" not in run.output


def test_cli_without_data_uses_the_labelled_demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "demo.csv"
    run = CliRunner().invoke(
        app, ["trade", "indicators", "--reporter", "CHN", "--products", "6911", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    result = pd.read_csv(out, dtype={"product": str})
    assert (result.note.str.contains("demonstration data")).all() and "演示数据" in result.note.iloc[0]
    assert set(result.indicator) >= {"rca", "market_share", "hhi_markets"}


def _extract(shared_data) -> pd.DataFrame:
    raw = pd.read_parquet(shared_data / "baci" / "baci_hs17_y2020_v202301_exporters_afg_zaf.parquet")
    return pd.DataFrame(
        {
            "year": raw.t.astype(int),
            "exporter": to_iso3(raw.i),
            "importer": to_iso3(raw.j),
            "product": raw.k,
            "value": raw.v,
        }
    )


def test_sorted_output_and_unique_flows(shared_data, tmp_path: Path):
    """The sorted table is in year, indicator, reporter, partner, product order (checked against a
    pandas sort); unsorted and without regrouping (unique flows) it holds the same rows."""
    from silkscope.trade.indicators import indicator_table
    from silkscope.trade.queries import connect, frame_flows

    flows = _extract(shared_data)
    assert not flows.duplicated(["year", "exporter", "importer", "product"]).any()
    ours = trade_indicators(flows)
    assert set(ours.indicator) == set(INDICATORS) and len(ours) > 100_000
    keys = ["year", "rank", "reporter", "partner", "product"]
    ranked = ours.assign(rank=ours.indicator.map(INDICATORS.index))
    expected = ranked.sort_values(keys, kind="stable").drop(columns="rank").reset_index(drop=True)
    pd.testing.assert_frame_equal(ours, expected)
    con = connect()
    loose = con.to_pandas(indicator_table(frame_flows(flows), con=con, unique=True))
    loose = loose.assign(rank=loose.indicator.map(INDICATORS.index)).sort_values(keys)
    loose = loose.drop(columns="rank").reset_index(drop=True)
    pd.testing.assert_frame_equal(loose.drop(columns="value"), ours.drop(columns="value"))
    assert loose.value.to_numpy() == pytest.approx(ours.value.to_numpy(), rel=1e-12)


def test_repeated_flows_are_summed_and_reserved_codes_refused():
    flows = pd.DataFrame(TOY, columns=["exporter", "importer", "product", "value"]).assign(year=2020)
    split = pd.concat([flows, flows.iloc[[0]].assign(value=-4.0), flows.iloc[[0]].assign(value=4.0)])
    pd.testing.assert_frame_equal(trade_indicators(split), trade_indicators(flows))
    world = pd.concat([flows, flows.iloc[[0]].assign(importer="WLD")])
    with pytest.raises(InputError, match="reserved code\\(s\\) WLD"):
        trade_indicators(world)


def test_cli_no_sort_writes_the_same_rows(tmp_path: Path):
    iso3 = {"AAA": "CHN", "BBB": "USA", "CCC": "AFG"}
    rows = [(2020, iso3[e], iso3[i], p, v) for e, i, p, v in TOY]
    data = tmp_path / "toy.csv"
    pd.DataFrame(rows, columns=["t", "i", "j", "k", "v"]).to_csv(data, index=False)
    tables = []
    for flag in ("--sort", "--no-sort"):
        out = tmp_path / f"ind{flag}.parquet"
        args = ["trade", "indicators", "--data", str(data), "--reporter", "all", "--out", str(out), flag]
        run = CliRunner().invoke(app, args)
        assert run.exit_code == 0, run.output
        # the six indicator columns and the note (empty: the toy world is a world matrix)
        assert f"wrote {len(pd.read_parquet(out))} rows x 7 columns" in run.output
        assert pd.read_parquet(out).note.isna().all()
        tables.append(pd.read_parquet(out))
    keys = ["indicator", "reporter", "partner", "product", "year"]
    ordered, loose = (t.sort_values(keys).reset_index(drop=True) for t in tables)
    pd.testing.assert_frame_equal(ordered, loose)
    assert set(ordered.reporter) == {"CHN", "USA", "AFG"}


def test_years_are_independent_and_grouped_runs_write_the_same_file(tmp_path: Path, monkeypatch):
    """A year's indicators do not depend on the other years in the data, so the CLI may compute
    them a group of years at a time (SILKSCOPE_TRADE_CHUNK_FLOWS) and write the same file,
    sorted by year first."""
    from silkscope.trade.demo import demo_flows
    from silkscope.trade.indicators import year_groups

    assert year_groups({2019: 5, 2017: 4, 2018: 3, 2020: 9}, 8) == [[2017, 2018], [2019], [2020]]
    assert year_groups({2017: 4, 2018: 4}, 8) == [[2017, 2018]]
    flows = demo_flows(years=[2016, 2018, 2021])
    flows = flows[flows.value > 0]
    both = trade_indicators(flows)
    alone = trade_indicators(flows[flows.year == 2018])
    pd.testing.assert_frame_equal(both[both.year == 2018].reset_index(drop=True), alone)
    data = tmp_path / "flows.csv"
    flows.rename(columns={"year": "t", "exporter": "i", "importer": "j", "product": "k", "value": "v"})[
        ["t", "i", "j", "k", "v"]
    ].to_csv(data, index=False)
    for suffix in (".parquet", ".csv"):
        written = []
        for chunk in (None, "1"):  # one run; one run per year
            if chunk:
                monkeypatch.setenv("SILKSCOPE_TRADE_CHUNK_FLOWS", chunk)
            out = tmp_path / f"ind{chunk}{suffix}"
            args = ["trade", "indicators", "--data", str(data), "--reporter", "all", "--out", str(out)]
            run = CliRunner().invoke(app, args)
            assert run.exit_code == 0, run.output
            read = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out, dtype={"product": str})
            written.append(read)
        monkeypatch.delenv("SILKSCOPE_TRADE_CHUNK_FLOWS")
        pd.testing.assert_frame_equal(written[0], written[1])
        expected = both.drop(columns="value").reset_index(drop=True)
        assert written[0].note.isna().all()  # the demo flows, given as --data, are a world matrix
        pd.testing.assert_frame_equal(written[0].drop(columns=["value", "note"]), expected)
        assert written[0].value.to_numpy() == pytest.approx(both.value.to_numpy(), rel=1e-9)


def test_sort_key_is_one_number_only_when_it_fits():
    import ibis

    from silkscope.trade.indicators import _sort_key
    from silkscope.trade.queries import connect

    rows = pd.DataFrame(
        {
            "year": [2021, 2020, 2020, 2020, 2020],
            "rank": [0, 12, 0, 0, 0],
            "r_id": [0, 0, 2, 2, 2],
            "p_id": [0, 0, 0, 1, 0],
            "k_id": [0, 0, 3, 0, 2],
        }
    )
    table = ibis.memtable(rows)
    assert _sort_key(table, 10**5, 10**6) == ["year", "rank", "r_id", "p_id", "k_id"]
    (key,) = _sort_key(table, 3, 4)
    got = connect().to_pandas(table.order_by(key))
    expected = rows.sort_values(["year", "rank", "r_id", "p_id", "k_id"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
