"""Spatial weights and statistics: hand formulas, esda side by side, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.cluster.spatial import spatial_analysis, spatial_statistics, spatial_weights
from silkscope.errors import InputError, MethodError
from silkscope.reference import province_adjacency, provinces

UNITS = list(provinces()["unit_id"])


def _panel(seed: int = 0, years=(2019, 2020)) -> pd.DataFrame:
    """A variable that rises eastwards (so it is spatially clustered) plus noise."""
    rng = np.random.default_rng(seed)
    lon = provinces()["lon"].to_numpy()
    parts = [pd.DataFrame({"unit_id": UNITS, "year": y, "v": lon + rng.normal(0, 4, 31)}) for y in years]
    return pd.concat(parts, ignore_index=True)


def _dense(w, units) -> np.ndarray:
    full, _ = w.full()
    order = [w.id_order.index(u) for u in units]
    return full[np.ix_(order, order)]


def test_adjacency_table_is_a_consistent_symmetric_graph():
    table = province_adjacency()
    assert (table.unit_id_a < table.unit_id_b).all()
    assert not table.duplicated(["unit_id_a", "unit_id_b"]).any()
    assert set(table.unit_id_a) | set(table.unit_id_b) == set(UNITS)
    hainan = table[(table.unit_id_a == "460000") | (table.unit_id_b == "460000")]
    assert list(hainan.border) == ["strait"] and set(hainan.unit_id_a) == {"440000"}
    assert len(province_adjacency(strait_links=False)) == len(table) - 1
    # neighbours' capitals are close: no typo links Heilongjiang to Yunnan
    where = provinces().set_index("unit_id")[["lon", "lat"]]
    a, b = where.loc[table.unit_id_a].to_numpy(), where.loc[table.unit_id_b].to_numpy()
    assert (np.hypot(*(a - b).T) < 22).all()
    w = spatial_weights(UNITS, "contiguity")
    assert sorted(w.neighbors["110000"]) == ["120000", "130000"]
    assert len(w.neighbors["130000"]) == 7  # Hebei: BJ, TJ, SX, NM, LN, SD, HA


def test_moran_geary_lisa_match_the_formulas():
    frame = _panel(years=(2020,))
    y = frame.v.to_numpy()
    w = spatial_weights(UNITS, "contiguity")
    table = spatial_statistics(frame.set_index("unit_id").v, w, permutations=99, seed=3)
    binary = _dense(w, UNITS)
    row = binary / binary.sum(1, keepdims=True)
    z = y - y.mean()
    n = len(y)
    moran = (n / row.sum()) * z @ row @ z / (z @ z)  # Moran (1950)
    diff2 = (y[:, None] - y[None, :]) ** 2
    geary = (n - 1) * (row * diff2).sum() / (2 * row.sum() * (z @ z))  # Geary (1954)
    local = (n - 1) * z * (row @ z) / (z @ z)  # esda's normalisation of Anselin (1995)
    got = table.set_index(["statistic", "unit_id"]).value
    assert got["moran_i", "ALL"] == pytest.approx(moran, rel=1e-12)
    assert got["geary_c", "ALL"] == pytest.approx(geary, rel=1e-12)
    np.testing.assert_allclose(got["lisa"].loc[UNITS].to_numpy(), local, rtol=1e-12)
    # Gi* (Ord & Getis 1995): binary weights including the unit itself
    wstar = binary + np.eye(n)
    wi, s1 = wstar.sum(1), (wstar**2).sum(1)
    s = np.sqrt((y**2).mean() - y.mean() ** 2)
    gstar = (wstar @ y - y.mean() * wi) / (s * np.sqrt((n * s1 - wi**2) / (n - 1)))
    np.testing.assert_allclose(got["gi_star"].loc[UNITS].to_numpy(), gstar, rtol=1e-10)


def test_inference_and_labels_agree_with_esda_run_directly():
    import esda
    from libpysal.weights import KNN

    frame = _panel(seed=5, years=(2020,))
    y = frame.v.to_numpy()
    lonlat = provinces()[["lon", "lat"]].to_numpy()
    w = KNN(lonlat, k=4, ids=UNITS, distance_metric="arc", radius=6371.0088)
    ours = spatial_analysis(frame, "v", "knn:4", permutations=999, seed=11).table
    local = esda.Moran_Local(y, w, permutations=999, seed=11, n_jobs=1)
    lisa = ours[ours.statistic == "lisa"].set_index("unit_id").loc[UNITS]
    np.testing.assert_allclose(lisa.value, local.Is)
    np.testing.assert_allclose(lisa.p_value, local.p_sim)
    quad = np.array(["", "HH", "LH", "LL", "HL"])[local.q]
    assert list(lisa.label) == list(np.where(local.p_sim <= 0.05, quad, "ns"))
    np.random.seed(11)
    moran = esda.Moran(y, w, permutations=999)
    glob = ours.set_index("statistic").loc["moran_i"]
    assert glob.value == pytest.approx(moran.I) and glob.p_value == pytest.approx(moran.p_sim)
    assert glob.label == "clustered" and glob.p_value < 0.01
    # same seed, same p-values; the global NumPy generator is left as it was
    state = np.random.get_state()[1].copy()
    again = spatial_analysis(frame, "v", "knn:4", permutations=999, seed=11).table
    pd.testing.assert_frame_equal(ours, again)
    assert (np.random.get_state()[1] == state).all()


def test_great_circle_knn_is_not_planar_degrees():
    """Near the pole a degree of longitude is short: great-circle neighbours differ from planar."""
    units = ["a", "b", "c", "d", "e"]
    coords = pd.DataFrame({"lon": [0, 10, 0, 0, 60], "lat": [80, 80, 77, -10, -10]}, index=units)
    w = spatial_weights(units, "knn:1", coords)
    assert w.neighbors["a"] == ["b"]  # 10 deg of longitude at 80N is ~193 km, 3 deg of latitude ~334 km ...
    planar = spatial_weights(units, "knn:1", coords.rename(columns={"lon": "x", "lat": "y"}))
    assert planar.neighbors["a"] == ["c"]  # ... which planar degrees get backwards


def test_distance_band_and_cli(tmp_path: Path):
    frame = _panel()
    data = tmp_path / "v.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "spatial.csv"
    args = ["cluster", "spatial", "--data", str(data), "--variable", "v", "--weights", "contiguity"]
    result = CliRunner().invoke(app, [*args, "--permutations", "199", "--seed", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"unit_id": str})
    assert list(table.columns[:6]) == ["unit_id", "year", "statistic", "value", "p_value", "label"]
    assert set(table.statistic) == {"moran_i", "geary_c", "lisa", "gi_star"}
    assert (table[table.statistic == "lisa"].groupby("year").size() == 31).all()
    assert set(table[table.statistic == "lisa"].label) <= {"HH", "LL", "HL", "LH", "ns"}
    assert (table[table.statistic.isin(["moran_i", "geary_c"])].unit_id == "ALL").all()
    band = spatial_analysis(frame[frame.year == 2020], "v", "distance:2000", permutations=99, seed=1)
    assert band.table.statistic.eq("lisa").sum() == 31
    with pytest.raises(InputError, match=r"540000 \(Tibet\), 650000 \(Xinjiang\) have no neighbour") as info:
        spatial_analysis(frame, "v", "distance:1200", permutations=9)
    assert "widen the distance band" in str(info.value)


def test_bad_input_is_named():
    frame = _panel(years=(2020,))
    with pytest.raises(InputError, match=r"460000 \(Hainan\) has no neighbour"):
        spatial_analysis(frame, "v", "contiguity:land", permutations=9)
    with pytest.raises(MethodError, match="unknown weights 'queen'"):
        spatial_analysis(frame, "v", "queen", permutations=9)
    with pytest.raises(MethodError, match="K must be a whole number from 1 to 30"):
        spatial_analysis(frame, "v", "knn:31", permutations=9)
    with pytest.raises(InputError, match="constant across units"):
        spatial_analysis(frame.assign(v=1.0), "v", permutations=9)
    with pytest.raises(InputError, match="no column 'gdp'"):
        spatial_analysis(frame, "gdp", permutations=9)
    with pytest.raises(
        InputError, match="contiguity weights exist for the 31 provinces only; not a province: X1"
    ):
        spatial_weights(["X1", "110000"], "contiguity")
    with pytest.raises(InputError, match="need coordinates"):
        spatial_weights(["X1", "X2", "X3"], "knn:1")
    doubled = pd.concat([frame, frame.head(1)])
    with pytest.raises(InputError, match="year 2020: unit 110000 appears more than once"):
        spatial_analysis(doubled, "v", permutations=9)
    # a missing value leaves the unit out of that year and says so
    gap = frame.copy()
    gap.loc[gap.unit_id == "540000", "v"] = np.nan
    result = spatial_analysis(gap, "v", "contiguity", permutations=9, seed=1)
    assert "540000" not in set(result.table.unit_id)
    assert "left out for a missing v: 540000 (Tibet) in 2020" in result.summary()


def test_cluster_commands_read_the_workspace(tmp_path: Path):
    from silkscope.workspace import Workspace

    ws = Workspace.init(tmp_path / "study")
    frame = _panel()
    data = tmp_path / "v.csv"
    frame.rename(columns={"v": "culture_va"}).to_csv(data, index=False)
    runner = CliRunner()
    assert runner.invoke(app, ["import", "table", str(data), "--workspace", str(ws.root)]).exit_code == 0
    out = tmp_path / "w.csv"
    args = ["cluster", "spatial", "--workspace", str(ws.root), "--variable", "culture_va", "--seed", "1"]
    run = runner.invoke(app, [*args, "--permutations", "99", "--out", str(out)])
    assert run.exit_code == 0, run.output
    from_ws = pd.read_csv(out, dtype={"unit_id": str})
    direct = spatial_analysis(frame, "v", permutations=99, seed=1).table
    np.testing.assert_allclose(from_ws.value, direct.value)
    missing = runner.invoke(app, [*args[:-2], "--variable", "gdp", "--out", str(out)])
    assert missing.exit_code != 0 and "holds no values for gdp" in missing.output
    both = runner.invoke(app, [*args, "--data", str(data), "--out", str(out)])
    assert both.exit_code != 0 and "give either --data FILE or --workspace DIR" in both.output
