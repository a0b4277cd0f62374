"""Market segments (silkscope.partners.segments, ``partners segments``): the gap statistic against
a hand computation, stability under a seed, invariance to units, recovery of planted segments,
errors, the CLI contract and a run on real WDI data."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError, MethodError
from silkscope.partners.segments import (
    gap_statistic,
    parse_variables,
    segment_markets,
    within_dispersion,
)

runner = CliRunner()
COUNTRIES = ["ARG", "AUS", "BRA", "CAN", "CHN", "DEU", "EGY", "FRA", "GBR", "IDN", "IND", "ITA",
             "JPN", "KAZ", "KOR", "MEX", "MYS", "PAK", "POL", "RUS", "SAU", "THA", "TUR", "VNM"]  # fmt: skip
GROUPS = {"gdp_pc": "purchasing", "urban": "demographic", "internet": "behavioural"}


def blobs(seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """24 countries in three planted, well-separated segments on three variables of different units."""
    rng = np.random.default_rng(seed)
    truth = np.repeat([0, 1, 2], 8)
    centres = np.array([[40_000.0, 85.0, 90.0], [12_000.0, 60.0, 55.0], [2_000.0, 30.0, 15.0]])
    spread = np.array([2_000.0, 3.0, 3.0])
    values = centres[truth] + rng.normal(size=(24, 3)) * spread
    frame = pd.DataFrame(values, columns=list(GROUPS))
    frame.insert(0, "country", COUNTRIES)
    return frame, truth


def same_partition(a, b) -> bool:
    """Two labelings split the items the same way (labels may differ)."""
    return all((a[i] == a[j]) == (b[i] == b[j]) for i, j in combinations(range(len(a)), 2))


def test_gap_statistic_against_a_hand_computation():
    # six points on a line, two references given, clusters = contiguous runs of the sorted values
    x = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])
    refs = [
        np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.2]]),
        np.array([[0.5], [0.6], [2.5], [2.6], [4.9], [5.0]]),
    ]

    def runs(values, k):
        order = np.argsort(values[:, 0], kind="stable")
        labels = np.empty(len(values), dtype=int)
        labels[order] = np.arange(len(values)) * k // len(values)
        return labels

    def w_by_pairs(values, labels):  # Tibshirani et al. (2001) eq. 1-2: sum_r D_r / (2 n_r)
        total = 0.0
        for r in np.unique(labels):
            pts = values[labels == r, 0]
            d = ((pts[:, None] - pts[None, :]) ** 2).sum()  # every ordered pair, as D_r
            total += d / (2 * len(pts))
        return total

    result = gap_statistic(x, [1, 2, 3], runs, references=refs)
    for row in result.table.itertuples():
        log_w = np.log(w_by_pairs(x, runs(x, row.k)))
        log_ref = [np.log(w_by_pairs(r, runs(r, row.k))) for r in refs]
        assert row.log_w == pytest.approx(log_w)
        assert row.gap == pytest.approx(np.mean(log_ref) - log_w)
        assert row.s == pytest.approx(np.std(log_ref) * np.sqrt(1 + 1 / 2))
    # W_1 by hand: mean 2.6, squares 6.76+6.25+5.76+5.76+6.25+6.76 = 37.54
    assert within_dispersion(x, np.zeros(6, dtype=int)) == pytest.approx(37.54)
    # W_2 = 2 * (0.01 + 0 + 0.01) = 0.04
    assert within_dispersion(x, runs(x, 2)) == pytest.approx(0.04)
    # the rule: the smallest k with Gap(k) >= Gap(k+1) - s(k+1); two clear groups -> 2
    gaps, s = result.table.gap.to_numpy(), result.table.s.to_numpy()
    expected = next((k for k in (1, 2) if gaps[k - 1] >= gaps[k] - s[k]), 3)
    assert result.k == expected == 2


@pytest.mark.parametrize("method", ["kmeans", "ward", "gmm"])
def test_planted_segments_found_stable_and_unit_free(method):
    frame, truth = blobs()
    first = segment_markets(frame, GROUPS, method=method, k="auto", seed=3, n_refs=5)
    again = segment_markets(frame, GROUPS, method=method, k="auto", seed=3, n_refs=5)
    pd.testing.assert_frame_equal(first.table, again.table)
    assert first.k == 3
    order = frame.sort_values("country").index
    assert same_partition(first.table.segment.to_numpy(), truth[order])
    # a rich segment is segment 1 (numbered by mean z-score, highest first)
    assert set(first.table.loc[first.table.segment == 1, "country"]) == set(frame.country[truth == 0])
    rescaled = frame.assign(gdp_pc=frame.gdp_pc / 1000.0, urban=frame.urban * 0.01 + 7.0)
    other = segment_markets(rescaled, GROUPS, method=method, k="auto", seed=3, n_refs=5)
    pd.testing.assert_frame_equal(first.table, other.table)


def test_group_scores_and_profiles():
    frame, _ = blobs()
    groups = {"gdp_pc": "purchasing", "urban": "demographic", "internet": "demographic"}
    result = segment_markets(frame, groups, method="kmeans", k=3, seed=0)
    table = result.table.set_index("country")
    data = frame.set_index("country").loc[table.index]
    z = (data - data.mean()) / data.std(ddof=0)
    assert list(result.table.columns) == ["country", "segment", "score_purchasing", "score_demographic"]
    np.testing.assert_allclose(table.score_purchasing, z.gdp_pc)
    np.testing.assert_allclose(table.score_demographic, (z.urban + z.internet) / 2)
    prof = result.profiles.set_index("segment")
    assert prof["size"].sum() == 24
    for segment, members in table.groupby("segment"):
        assert prof.loc[segment, "mean_gdp_pc"] == pytest.approx(data.loc[members.index, "gdp_pc"].mean())
    china = int(table.loc["CHN", "segment"])
    assert "中国" in prof.loc[china, "names_zh"] and "China" in prof.loc[china, "names_en"]
    assert "segment" in result.summary("en") and "细分市场" in result.summary("zh")


def test_parse_variables_groups(tmp_path):
    assert parse_variables("purchasing:NY.GDP.PCAP.CD,SP.POP.TOTL,foo") == {
        "NY.GDP.PCAP.CD": "purchasing",
        "SP.POP.TOTL": "demographic",
        "foo": "other",
    }
    spec = tmp_path / "groups.yaml"
    spec.write_text("behavioural: [foo]\nregional_environment: [dist_km]\n", encoding="utf-8")
    assert parse_variables("foo,dist_km", spec) == {"foo": "behavioural", "dist_km": "regional_environment"}
    with pytest.raises(MethodError, match="at least two"):
        parse_variables("foo")


def test_bad_inputs_are_named():
    frame, _ = blobs()
    with pytest.raises(InputError, match="not in the table: nope"):
        segment_markets(frame, {"gdp_pc": "p", "nope": "p"})
    bad = frame.astype({"urban": object})
    bad.loc[4, "urban"] = "lots"
    with pytest.raises(InputError, match="row 6, column 'urban'"):
        segment_markets(bad, GROUPS)
    with pytest.raises(InputError, match="one value for every country"):
        segment_markets(frame.assign(urban=1.0), GROUPS)
    with pytest.raises(MethodError, match="unknown --method"):
        segment_markets(frame, GROUPS, method="dbscan")
    with pytest.raises(InputError, match="--log needs positive"):
        segment_markets(frame.assign(urban=frame.urban - 50), GROUPS, log=["urban"])
    # a missing value leaves the country out, named
    holes = frame.copy()
    holes.loc[holes.country == "PAK", "internet"] = np.nan
    result = segment_markets(holes, GROUPS, k=3)
    assert result.excluded == ["PAK"] and "PAK" not in set(result.table.country)


def test_cli_contract(tmp_path):
    frame, _ = blobs()
    data = tmp_path / "countries.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "seg.csv"
    args = ["partners", "segments", "--data", str(data), "--out", str(out), "--lang", "en",
            "--variables", "purchasing:gdp_pc,demographic:urban,behavioural:internet", "--method", "ward"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    assert list(written.columns) == [
        "country",
        "segment",
        "score_purchasing",
        "score_demographic",
        "score_behavioural",
    ]
    assert written.segment.nunique() == 3
    profiles = pd.read_csv(tmp_path / "seg_profiles.csv")
    assert profiles["size"].sum() == 24 and "names_zh" in profiles.columns
    bad = runner.invoke(app, [*args[:-1], "kmedoids"])
    assert bad.exit_code == 2 and "unknown --method" in bad.output
    wrong = runner.invoke(app, [*args[:4], "--out", str(tmp_path / "seg.txt"), *args[6:]])
    assert wrong.exit_code == 2 and "must end in one of" in wrong.output


@pytest.mark.shared
def test_real_wdi_countries(shared_data):
    long = pd.read_parquet(shared_data / "wdi_extracts" / "wdi_selected_long.parquet")
    long = long[~long.is_aggregate & (long.year == 2019)]
    wide = long.pivot_table(index="iso3", columns="indicator_code", values="value").reset_index()
    wide = wide.rename(columns={"iso3": "country"})
    groups = {
        "NY.GDP.PCAP.CD": "purchasing",
        "SP.URB.TOTL.IN.ZS": "demographic",
        "IT.NET.USER.ZS": "behavioural",
    }
    logs = ["NY.GDP.PCAP.CD"]
    result = segment_markets(wide, groups, method="kmeans", k="auto", seed=0, n_refs=10, log=logs)
    complete = wide[list(groups)].notna().all(axis=1)
    assert len(result.table) == complete.sum() and len(result.excluded) == (~complete).sum()
    assert 2 <= result.k <= 8 and len(result.choice) == 8
    # richest and poorest countries: the richest one's segment buys more (higher purchasing score)
    gdp = wide.set_index("country").loc[result.table.country, "NY.GDP.PCAP.CD"]
    seg = result.table.set_index("country").segment
    prof = result.profiles.set_index("segment")
    rich, poor = seg[gdp.idxmax()], seg[gdp.idxmin()]
    assert rich != poor
    assert prof.loc[rich, "score_purchasing"] > prof.loc[poor, "score_purchasing"]
    # GDP per capita in thousand dollars: the same segments
    thousands = wide.assign(**{"NY.GDP.PCAP.CD": wide["NY.GDP.PCAP.CD"] / 1000})
    again = segment_markets(thousands, groups, method="kmeans", k="auto", seed=0, n_refs=10, log=logs)
    pd.testing.assert_frame_equal(result.table, again.table)


@pytest.mark.shared
def test_workspace_partner_table(shared_data, tmp_path):
    """--workspace reads the study's partner table: the same segments as --data on the table
    ``partners table`` writes."""
    from silkscope.workspace import Workspace

    ws = Workspace.init(tmp_path / "ws")
    raw = shared_data / "wdi_extracts" / "raw"
    files = [
        next(raw.glob(f"API_{code}_*.csv"))
        for code in ("NY.GDP.PCAP.CD", "SP.URB.TOTL.IN.ZS", "IT.NET.USER.ZS")
    ]
    files.append(next(raw.glob("Metadata_Country_API_NY.GDP.MKTP.CD_*.csv")))  # April 2025, as the data
    imported = runner.invoke(app, ["import", "wdi", *map(str, files), "--workspace", str(ws.root)])
    assert imported.exit_code == 0, imported.output
    table = tmp_path / "partners.csv"
    made = runner.invoke(
        app, ["partners", "table", "--workspace", str(ws.root), "--years", "2019", "--out", str(table)]
    )
    assert made.exit_code == 0, made.output
    common = ["--variables", "purchasing:NY.GDP.PCAP.CD,SP.URB.TOTL.IN.ZS,IT.NET.USER.ZS", "--k", "4",
              "--log", "NY.GDP.PCAP.CD"]  # fmt: skip
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    first = runner.invoke(app, ["partners", "segments", "--workspace", str(ws.root), "--years", "2019", *common,
                                "--out", str(a)])  # fmt: skip
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["partners", "segments", "--data", str(table), *common, "--out", str(b)])
    assert second.exit_code == 0, second.output
    left, right = pd.read_csv(a), pd.read_csv(b)
    pd.testing.assert_frame_equal(left, right)
    assert "CHN" not in set(left.country) and len(left) > 150
    assert list(left.columns) == [
        "country",
        "segment",
        "score_purchasing",
        "score_demographic",
        "score_behavioural",
    ]
