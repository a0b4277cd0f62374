"""``cluster spatial --statistics``: only the statistics asked are computed and written, each one
the same as in the full run and as esda run directly (issue 19)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.cluster.spatial import parse_statistics, spatial_analysis, spatial_statistics, spatial_weights
from silkscope.errors import MethodError
from silkscope.reference import provinces

UNITS = list(provinces()["unit_id"])


@pytest.fixture(scope="module")
def values() -> pd.Series:
    rng = np.random.default_rng(8)
    return pd.Series(provinces()["lon"].to_numpy() + rng.normal(0, 4, 31), index=UNITS)


@pytest.fixture(scope="module")
def w():
    return spatial_weights(UNITS, "contiguity")


def test_parse_statistics():
    assert parse_statistics(None) == ("moran", "lisa", "geary", "gi")
    assert parse_statistics("gi, Moran") == ("moran", "gi")
    with pytest.raises(MethodError, match="unknown statistic.*getis; expected .*moran,lisa,geary,gi"):
        parse_statistics("moran,getis")


@pytest.fixture(scope="module")
def full(values, w) -> pd.DataFrame:
    return spatial_statistics(values, w, permutations=99, seed=5)


@pytest.mark.parametrize("asked", [("moran", "lisa"), ("geary",), ("gi",), ("lisa", "geary")])
def test_a_subset_equals_those_rows_of_the_full_run(values, w, full, asked):
    part = spatial_statistics(values, w, permutations=99, seed=5, statistics=asked)
    names = {"moran": "moran_i", "lisa": "lisa", "geary": "geary_c", "gi": "gi_star"}
    assert set(part.statistic) == {names[a] for a in asked}
    expected = full[full.statistic.isin(part.statistic.unique())].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, expected)


def test_each_statistic_equals_esda_run_directly(values, w):
    import esda
    from libpysal.weights import W

    y = values.to_numpy()
    table = spatial_statistics(values, w, permutations=499, seed=9).set_index(["statistic", "unit_id"])

    def fresh():
        return W(w.neighbors, id_order=UNITS, silence_warnings=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(9)
        moran = esda.Moran(y, fresh(), permutations=499)
        np.random.seed(9)
        geary = esda.Geary(y, fresh(), permutations=499)
        local = esda.Moran_Local(y, fresh(), permutations=499, seed=9, n_jobs=1)
        gi = esda.G_Local(y, fresh(), transform="B", permutations=499, star=True, seed=9, n_jobs=1)
    assert table.loc[("moran_i", "ALL"), "p_value"] == moran.p_sim
    assert table.loc[("moran_i", "ALL"), "value"] == pytest.approx(moran.I, rel=1e-14)
    assert table.loc[("geary_c", "ALL"), "p_value"] == geary.p_sim
    assert table.loc[("geary_c", "ALL"), "value"] == pytest.approx(geary.C, rel=1e-14)
    np.testing.assert_array_equal(table.loc["lisa"].loc[UNITS, "p_value"], local.p_sim)
    np.testing.assert_array_equal(table.loc["gi_star"].loc[UNITS, "p_value"], gi.p_sim)
    np.testing.assert_allclose(table.loc["gi_star"].loc[UNITS, "value"], gi.Zs, rtol=1e-12)


def test_cli_statistics(tmp_path: Path, values):
    data = tmp_path / "v.csv"
    pd.DataFrame({"unit_id": UNITS, "year": 2020, "v": values.to_numpy()}).to_csv(data, index=False)
    out = tmp_path / "s.csv"
    args = [
        "cluster",
        "spatial",
        "--data",
        str(data),
        "--variable",
        "v",
        "--permutations",
        "99",
        "--seed",
        "1",
    ]
    run = CliRunner().invoke(app, [*args, "--statistics", "moran,lisa", "--out", str(out)])
    assert run.exit_code == 0, run.output
    table = pd.read_csv(out, dtype={"unit_id": str})
    assert set(table.statistic) == {"moran_i", "lisa"} and len(table) == 1 + 31
    assert "Moran's I" in run.output and "Geary" not in run.output and "Gi*" not in run.output
    direct = spatial_analysis(
        pd.read_csv(data, dtype={"unit_id": str}), "v", permutations=99, seed=1, statistics=("moran", "lisa")
    )
    np.testing.assert_allclose(table.value, direct.table.value)
    bad = CliRunner().invoke(app, [*args, "--statistics", "moran,join", "--out", str(out)])
    assert bad.exit_code == 2 and "unknown statistic(s) join" in bad.output
