"""Cultural, economic and geographic distance (partners.distance) and the Hofstede importer."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError, MethodError
from silkscope.io.hofstede import read_hofstede
from silkscope.partners.distance import (
    EARTH_RADIUS_KM,
    economic_distance,
    geographic_distance,
    haversine_km,
    kogut_singh,
    mahalanobis_distance,
)

HOFSTEDE = ("hofstede", "6-dimensions-for-website-2015-08-16.csv")


# Hand-worked example: home A and partners B, C on two dimensions d1, d2.
#   d1 = (0, 2, 4): mean 2, squared deviations 4 + 0 + 4 = 8  -> V1 sample 8/2 = 4, population 8/3
#   d2 = (0, 3, 6): mean 3, squared deviations 9 + 0 + 9 = 18 -> V2 sample 18/2 = 9, population 6
#   KS_B (sample) = 1/2 [ (2-0)^2/4 + (3-0)^2/9 ] = 1/2 [1 + 1] = 1
#   KS_C (sample) = 1/2 [ (4-0)^2/4 + (6-0)^2/9 ] = 1/2 [4 + 4] = 4
#   KS_B (population) = 1/2 [ 4/(8/3) + 9/6 ] = 1/2 [1.5 + 1.5] = 1.5   (= 1 x n/(n-1) = 1 x 3/2)
#   KS_C (population) = 1/2 [ 16/(8/3) + 36/6 ] = 1/2 [6 + 6] = 6       (= 4 x 3/2)
HAND = pd.DataFrame({"country": ["AAA", "BBB", "CCC"], "d1": [0.0, 2.0, 4.0], "d2": [0.0, 3.0, 6.0]})


def _ks(result) -> dict[str, float]:
    return dict(zip(result.table["country"], result.table["kogut_singh"], strict=True))


def test_kogut_singh_hand_worked_sample_variance():
    result = kogut_singh(HAND, "AAA", ["d1", "d2"])
    assert list(result.table.columns[:2]) == ["country", "kogut_singh"]
    assert _ks(result) == pytest.approx({"BBB": 1.0, "CCC": 4.0})
    assert result.details["variances"] == pytest.approx({"d1": 4.0, "d2": 9.0})
    assert "AAA" not in set(result.table["country"])  # home left out: KS(h, h) = 0 by definition
    assert list(result.table["country"]) == ["BBB", "CCC"]  # closest first


def test_kogut_singh_population_and_fixed_variance():
    population = kogut_singh(HAND, "AAA", ["d1", "d2"], variance="population")
    assert _ks(population) == pytest.approx({"BBB": 1.5, "CCC": 6.0})
    sample = kogut_singh(HAND, "AAA", ["d1", "d2"], variance="sample")
    n = 3  # countries the variances are taken over
    for code in ("BBB", "CCC"):
        assert _ks(sample)[code] / _ks(population)[code] == pytest.approx((n - 1) / n)
    fixed = kogut_singh(HAND, "AAA", ["d1", "d2"], variance=("fixed", [4.0, 9.0]))
    assert _ks(fixed) == pytest.approx(_ks(sample))
    with pytest.raises(MethodError, match="one per dimension"):
        kogut_singh(HAND, "AAA", ["d1", "d2"], variance=("fixed", [4.0]))
    with pytest.raises(MethodError, match="variance must be"):
        kogut_singh(HAND, "AAA", ["d1", "d2"], variance="robust")


def test_kogut_singh_missing_dimension_exclude_or_available():
    # DDD has d1 = 1 and no d2.
    data = pd.concat([HAND, pd.DataFrame({"country": ["DDD"], "d1": [1.0], "d2": [np.nan]})])
    excluded = kogut_singh(data, "AAA", ["d1", "d2"])
    assert _ks(excluded) == pytest.approx({"BBB": 1.0, "CCC": 4.0})  # variances over A, B, C only
    assert excluded.excluded.to_dict("records") == [{"country": "DDD", "reason": "missing d2"}]
    assert "DDD" in excluded.summary()
    # 'available': V1 over A, B, C, D = (0, 2, 4, 1): mean 7/4, squared deviations sum 8.75,
    # sample variance 8.75/3 = 35/12; KS_D = (1 - 0)^2 / (35/12) / 1 dimension = 12/35.
    available = kogut_singh(data, "AAA", ["d1", "d2"], missing="available")
    assert _ks(available)["DDD"] == pytest.approx(12 / 35)
    row = available.table.set_index("country").loc["DDD"]
    assert row["n_dimensions"] == 1
    assert available.excluded.empty


def test_mahalanobis_matches_scipy_and_rejects_singular_covariance():
    from scipy.spatial.distance import mahalanobis

    rng = np.random.default_rng(3)
    values = rng.normal(50, 20, size=(12, 3))
    data = pd.DataFrame(values, columns=["a", "b", "c"]).assign(country=[f"C{k:02d}" for k in range(12)])
    result = mahalanobis_distance(data, "C00", ["a", "b", "c"])
    inverse = np.linalg.inv(np.cov(values, rowvar=False))
    expected = {f"C{k:02d}": mahalanobis(values[k], values[0], inverse) for k in range(1, 12)}
    got = dict(zip(result.table["country"], result.table["mahalanobis"], strict=True))
    assert got == pytest.approx(expected)
    with pytest.raises(InputError, match="needs more than 2"):
        mahalanobis_distance(HAND.iloc[:2], "AAA", ["d1", "d2"])  # 2 countries, 2 dimensions
    with pytest.raises(MethodError, match="singular"):
        mahalanobis_distance(HAND, "AAA", ["d1", "d2"])  # d2 = 1.5 d1 exactly


def test_economic_and_geographic_distance():
    gdp = pd.DataFrame({"country": ["CHN", "KAZ", "PAK", "XXA"], "gdp_pc": [10000.0, 20000.0, 2500.0, None]})
    result = economic_distance(gdp, "CHN")
    got = dict(zip(result.table["country"], result.table["economic_distance"], strict=True))
    assert got == pytest.approx({"KAZ": math.log(2), "PAK": math.log(4)})
    assert list(result.excluded["country"]) == ["XXA"]
    # a quarter of a great circle and half of one
    assert haversine_km(0, 0, 0, 90) == pytest.approx(math.pi / 2 * EARTH_RADIUS_KM)
    assert haversine_km(0, 0, 180, 0) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    points = pd.DataFrame(
        {"country": ["AAA", "BBB", "CCC"], "lon": [0.0, 0.0, 90.0], "lat": [0.0, 90.0, 0.0]}
    )
    geo = geographic_distance(points, "AAA")
    assert geo.table["distance_km"].tolist() == pytest.approx([math.pi / 2 * EARTH_RADIUS_KM] * 2)


def test_bad_home_and_dimension_are_input_errors():
    with pytest.raises(InputError, match="unknown home country 'ZZZ'"):
        kogut_singh(HAND, "ZZZ", ["d1", "d2"])
    with pytest.raises(InputError, match=r"dimension\(s\) foo not in the table; available: d1, d2"):
        kogut_singh(HAND, "AAA", ["d1", "foo"])


# -- the real Hofstede file ----------------------------------------------------------------------------
def test_hofstede_maps_names_not_codes(shared_data: Path):
    table = read_hofstede(shared_data.joinpath(*HOFSTEDE))
    scores = table.scores.set_index("country")
    assert list(table.scores.columns[:8]) == ["country", "name", "pdi", "idv", "mas", "uai", "ltowvs", "ivr"]
    assert scores.loc["CHN", "name"] == "China" and scores.loc["CHN", "ctr"] == "CHI"
    assert scores.loc["CHN", ["pdi", "idv", "mas", "uai", "ltowvs", "ivr"]].tolist() == [
        80,
        20,
        66,
        30,
        87,
        24,
    ]
    assert scores.loc["DEU", "name"] == "Germany"  # GER, not 'Germany East'
    assert scores.loc["MNE", "name"] == "Montenegro"  # Hofstede's MNG is not Mongolia
    assert scores.loc["PAK", "ivr"] == 0 and scores.loc["GRC", "uai"] == 112  # real values kept
    assert np.isnan(scores.loc["ALB", "pdi"])  # #NULL!
    assert scores.index.is_unique and len(scores) + len(table.unmapped) == 110
    unmapped = set(table.unmapped["name"])
    assert {"Africa East", "Africa West", "Arab countries", "Germany East", "South Africa white"} <= unmapped
    assert "Africa East" in table.summary()


def test_kogut_singh_on_hofstede_from_china(shared_data: Path):
    scores = read_hofstede(shared_data.joinpath(*HOFSTEDE)).scores
    sample = kogut_singh(scores, "CHN")
    assert "CHN" not in set(sample.table["country"])  # KS(CHN, CHN) = 0 is left out
    assert sample.table["kogut_singh"].gt(0).all()
    assert sample.details["dimensions"] == ["pdi", "idv", "mas", "uai", "ltowvs", "ivr"]
    n = sample.details["countries_in_variance"]
    assert n == len(sample.table) + 1  # every complete country and China
    assert "ALB" in set(sample.excluded["country"])  # only ltowvs, ivr
    population = kogut_singh(scores, "CHN", variance="population")
    ratio = (
        sample.table.set_index("country")["kogut_singh"]
        / population.table.set_index("country")["kogut_singh"]
    )
    assert ratio.to_numpy() == pytest.approx((n - 1) / n)
    # Hong Kong is culturally closest to China on the six dimensions
    assert sample.table["country"].iloc[0] == "HKG"


def test_hofstede_bad_files(tmp_path: Path, shared_data: Path):
    text = shared_data.joinpath(*HOFSTEDE).read_text()
    commas = tmp_path / "commas.csv"
    commas.write_text(text.replace(";", ","))
    with pytest.raises(InputError, match="separated by commas, not semicolons") as info:
        read_hofstede(commas)
    assert "row 1" in str(info.value)
    bad = tmp_path / "bad.csv"
    bad.write_text(text.replace("CHI;China;80;", "CHI;China;eighty;"))
    with pytest.raises(InputError, match=r"bad.csv, row \d+, column 'pdi': 'eighty' is not a score"):
        read_hofstede(bad)
    scores = read_hofstede(shared_data.joinpath(*HOFSTEDE)).scores
    with pytest.raises(InputError, match="Hofstede's own code for China"):
        kogut_singh(scores, "CHI")
    with pytest.raises(InputError, match=r"dimension\(s\) power not in the table"):
        kogut_singh(scores, "CHN", ["pdi", "power"])


def test_partners_distance_cli(tmp_path: Path, shared_data: Path):
    runner = CliRunner()
    path = shared_data.joinpath(*HOFSTEDE)
    out = tmp_path / "ks.csv"
    args = ["partners", "distance", "--hofstede", str(path), "--home", "CHN"]
    result = runner.invoke(
        app, [*args, "--dimensions", "pdi,idv,mas,uai", "--variance", "population", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns[:2]) == ["country", "kogut_singh"]
    assert "CHN" not in set(table["country"]) and len(table) > 50
    direct = kogut_singh(read_hofstede(path).scores, "CHN", ["pdi", "idv", "mas", "uai"], "population")
    assert table["kogut_singh"].to_numpy() == pytest.approx(direct.table["kogut_singh"].to_numpy())
    fixed = runner.invoke(
        app, [*args, "--dimensions", "pdi,idv", "--variance", "fixed:400,500", "--out", str(out)]
    )
    assert fixed.exit_code == 0, fixed.output
    for extra, message in (
        (["--home", "XYZ"], "unknown home country 'XYZ'"),
        (["--home", "CHN", "--dimensions", "pdi,nope"], "nope not in the table"),
        (["--home", "CHN", "--variance", "fixed:1"], "one per dimension"),
    ):
        bad = runner.invoke(app, ["partners", "distance", "--hofstede", str(path), *extra, "--out", str(out)])
        assert bad.exit_code == 2 and message in " ".join(bad.output.split()), bad.output
