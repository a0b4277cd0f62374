"""PPML gravity through pyfixest (partners.gravity) against published R fixest numbers.

Reference: the fixest walkthrough vignette (lrberge/fixest, vignettes/fixest_walkthrough.html,
commit 262e7b3f) prints for ``fepois(Euros ~ log(dist_km) | Origin + Destination + Product + Year,
trade)``: log(dist_km) estimate -1.5279 (-1.52787 in later fixest prints), standard error 0.115678
clustered by Origin (fixest's default: the first fixed effect), and 0.130734 two-way clustered by
Origin & Destination. The data are fixest's ``trade`` object (trade_validation/PROVENANCE.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError, MethodError
from silkscope.partners.gravity import TIDY_COLUMNS, bri_event_study, gravity, parse_spec

FIXEST_SPEC = "Euros ~ log(dist_km) | Origin + Destination + Product + Year"
PUBLISHED_ESTIMATE = -1.52787
PUBLISHED_SE_ORIGIN = 0.115678
PUBLISHED_SE_TWOWAY = 0.130734


@pytest.fixture(scope="module")
def fixest_trade(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "trade_validation" / "fixest_trade.csv")


def test_fixest_trade_published_coefficient_and_clustered_se(fixest_trade: pd.DataFrame):
    result = gravity(fixest_trade, FIXEST_SPEC, "cluster:Origin")
    row = result.tidy().iloc[0]
    assert tuple(result.tidy().columns[:6]) == TIDY_COLUMNS
    assert row["term"] == "log(dist_km)"
    assert round(row["estimate"], 5) == PUBLISHED_ESTIMATE
    assert round(row["std_error"], 6) == PUBLISHED_SE_ORIGIN
    assert row["nobs"] == 38325
    assert result.dropped == {"missing": 0, "singletons": 0, "separated": 0}
    assert "clustered by Origin" in result.summary()
    twoway = gravity(fixest_trade, FIXEST_SPEC, "cluster:Origin+Destination").tidy().iloc[0]
    assert round(twoway["std_error"], 6) == PUBLISHED_SE_TWOWAY
    default = gravity(fixest_trade, FIXEST_SPEC)  # like fixest: cluster by the first fixed effect
    assert default.vcov == "cluster:Origin"


def test_vcov_names(fixest_trade: pd.DataFrame):
    hetero = gravity(fixest_trade, FIXEST_SPEC, "hetero")
    hc0 = gravity(fixest_trade, FIXEST_SPEC, "hc0")
    iid = gravity(fixest_trade, FIXEST_SPEC, "iid")
    assert "HC1" in hetero.summary() and "HC0" in hc0.summary() and "iid" in iid.summary()
    # HC1 = HC0 x sqrt((N-1)/(N-K)) on the standard error: slightly larger
    assert 1 < hetero.tidy()["std_error"].iloc[0] / hc0.tidy()["std_error"].iloc[0] < 1.001
    with pytest.raises(MethodError, match="unknown vcov 'robust'"):
        gravity(fixest_trade, FIXEST_SPEC, "robust")
    with pytest.raises(InputError, match="cluster variable"):
        gravity(fixest_trade, FIXEST_SPEC, "cluster:Country")


def test_gravity_cli_on_fixest_trade(tmp_path: Path, shared_data: Path):
    out = tmp_path / "gravity.csv"
    args = ["partners", "gravity", "--data", str(shared_data / "trade_validation" / "fixest_trade.csv")]
    result = CliRunner().invoke(
        app, [*args, "--spec", FIXEST_SPEC, "--vcov", "cluster:Origin", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "clustered by Origin" in " ".join(result.output.split())
    table = pd.read_csv(out)
    assert list(table.columns[:6]) == list(TIDY_COLUMNS)
    assert round(table["estimate"].iloc[0], 5) == PUBLISHED_ESTIMATE
    assert round(table["std_error"].iloc[0], 6) == PUBLISHED_SE_ORIGIN
    bad = CliRunner().invoke(
        app, [*args, "--spec", "Euros ~ log(distance) | Origin", "--out", str(tmp_path / "x.csv")]
    )
    assert bad.exit_code == 2
    assert "not in the data: distance" in " ".join(bad.output.split())


def test_gravity_agtpa_wto_exercise(tmp_path: Path, shared_data: Path):
    """Yotov et al. (2016) Chapter 1 exercise panel: international flows, exporter-year and
    importer-year fixed effects, pair-clustered errors; the book's PPML signs: distance < 0, RTA > 0."""
    path = shared_data / "gravity_agtpa" / "chapter1_exercise1_wto.parquet"
    data = pd.read_parquet(path)
    data = data[data["exporter"] != data["importer"]].assign(
        pair=lambda d: d["exporter"] + "-" + d["importer"]
    )
    spec = "trade ~ log(DIST) + CNTG + LANG + CLNY + RTA | exporter^year + importer^year"
    table = gravity(data, spec, "cluster:pair").tidy().set_index("term")
    assert table.loc["log(DIST)", "estimate"] < 0 and table.loc["log(DIST)", "p_value"] < 0.01
    assert table.loc["RTA", "estimate"] > 0 and table.loc["RTA", "p_value"] < 0.01
    assert -1.0 < table.loc["log(DIST)", "estimate"] < -0.6  # the book's PPML estimate is about -0.82
    # through the CLI, reading the Parquet file as is
    data.to_parquet(tmp_path / "wto.parquet")
    out = tmp_path / "wto.xlsx"
    result = CliRunner().invoke(
        app,
        [
            "partners",
            "gravity",
            "--data",
            str(tmp_path / "wto.parquet"),
            "--spec",
            spec,
            "--vcov",
            "cluster:pair",
        ]
        + ["--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert pd.read_excel(out)["term"].tolist() == ["log(DIST)", "CNTG", "LANG", "CLNY", "RTA"]


@pytest.mark.parametrize("name", ["01", "07"])
def test_separated_observations_are_counted(shared_data: Path, name: str):
    data = pd.read_csv(shared_data / "trade_validation" / "ppmlhdfe_separation" / f"{name}.csv")
    xs = [c for c in data.columns if c.startswith("x")]
    ids = [c for c in data.columns if c.startswith("id")]
    result = gravity(data, f"y ~ {' + '.join(xs)} | {' + '.join(ids)}", "hetero")
    assert result.dropped["separated"] == int(data["separated"].sum()) > 0
    assert result.nobs == len(data) - int(data["separated"].sum())
    assert "separated" in result.summary()


def test_singletons_and_missing_are_counted():
    rng = np.random.default_rng(0)
    n = 200
    data = pd.DataFrame(
        {
            "y": rng.poisson(5, n).astype(float),
            "x": rng.normal(size=n),
            "g": rng.integers(0, 10, n).astype(str),
        }
    )
    data.loc[0, "g"] = "lonely"  # a singleton group
    data.loc[1, "x"] = np.nan
    result = gravity(data, "y ~ x | g", "hetero")
    assert result.dropped["singletons"] == 1 and result.dropped["missing"] == 1
    assert result.nobs == n - 2


def test_spec_errors():
    columns = ["trade", "dist", "exporter", "importer"]
    assert parse_spec("trade ~ log(dist) | exporter^importer", columns).variables == (
        "trade",
        "dist",
        "exporter",
        "importer",
    )
    with pytest.raises(InputError, match=r"not in the data: contig; columns are trade, dist"):
        parse_spec("trade ~ log(dist) + contig | exporter", columns)
    with pytest.raises(InputError, match="one '~'"):
        parse_spec("trade = dist", columns)
    frame = pd.DataFrame({"trade": [1.0, -2.0, 3.0], "dist": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match="negative"):
        gravity(frame, "trade ~ log(dist)", "hetero")


def test_bri_event_study_recovers_a_step_effect():
    """Synthetic panel: 40 partners, 2008-2020, staggered joins 2014-2017 (10 never join); trade
    rises by exp(0.3) from the join year on. Homogeneous effect, so TWFE is unbiased here."""
    rng = np.random.default_rng(7)
    units = [f"P{k:02d}" for k in range(40)]
    join = {u: (2014 + k % 4 if k < 30 else np.nan) for k, u in enumerate(units)}
    rows = []
    for k, unit in enumerate(units):
        for year in range(2008, 2021):
            post = 0.3 if not np.isnan(join[unit]) and year >= join[unit] else 0.0
            mean = np.exp(3 + 0.02 * k + 0.05 * (year - 2008) + post)
            rows.append(
                {"partner": unit, "year": year, "join": join[unit], "trade": rng.poisson(mean * 50) / 50}
            )
    data = pd.DataFrame(rows)
    result = bri_event_study(
        data, "trade", "year", "join", ["partner", "year"], window=(-3, 3), vcov="cluster:partner"
    )
    table = result.to_frame().set_index("event_time")
    assert table.loc[-1, "estimate"] == 0 and table.loc[-1, "term"] == "reference"
    assert table.loc[[-3, -2], "estimate"].abs().max() < 0.06  # no pre-trend
    assert table.loc[[0, 1, 2, 3], "estimate"].to_numpy() == pytest.approx(0.3, abs=0.06)
    assert "Sun & Abraham 2021" in result.summary()
    assert "de Chaisemartin" in result.summary()
