"""``silkscope regions``: every command on the demo and on the real NBS provincial GDP table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.regions.disparity import COMPONENTS

runner = CliRunner()
DISPARITY = ["year", "component", "group", "group_b", "value", "share"]
COUPLING = ["unit_id", "year", "c", "t", "d", "band", "lagging"]
OBSTACLES = ["unit_id", "year", "indicator", "obstacle", "rank"]
MARKOV = ["matrix", "from_class", "to_class", "transitions", "probability", "steady_state", "mobility"]
BETA = ["model", "group", "term", "coef", "se", "stat", "p", "n", "r2", "speed", "half_life"]


def run(*args: str):
    result = runner.invoke(app, ["regions", *args])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def demo_csv(tmp_path_factory) -> Path:
    from silkscope.index import demo_values

    path = tmp_path_factory.mktemp("demo") / "values.csv"
    demo_values().to_csv(path, index=False)
    return path


def test_every_command_on_the_demo(demo_csv: Path, tmp_path: Path):
    src = ["--data", str(demo_csv), "--variable", "pf_value_added"]
    run(
        "disparity",
        *src,
        "--groups",
        "reference:china-3belt",
        "--years",
        "2014-2018",
        "--out",
        str(tmp_path / "d.csv"),
    )
    d = pd.read_csv(tmp_path / "d.csv", keep_default_na=False)
    assert list(d.columns[:6]) == DISPARITY and set(d["component"]) <= set(COMPONENTS)
    assert {"gini", "gini_within", "gini_between_net", "gini_transvariation", "theil_t", "cv"} <= set(
        d["component"]
    )
    top = d[d["group"] == ""].pivot(index="year", columns="component", values="value").astype(float)
    np.testing.assert_allclose(
        top["gini"], top["gini_within"] + top["gini_between_net"] + top["gini_transvariation"]
    )
    for kind, columns in [("sigma", ["year", "group", "cv", "sd_log", "n_units"]), ("beta", BETA),
                          ("spatial-beta", BETA)]:  # fmt: skip
        run("convergence", *src, "--kind", kind, "--out", str(tmp_path / f"{kind}.csv"))
        assert list(pd.read_csv(tmp_path / f"{kind}.csv").columns) == columns
    markov = run("markov", *src, "--classes", "3", "--spatial", "--out", str(tmp_path / "m.csv"))
    assert "Recurrent class" not in markov.output  # giddy's prints do not reach the user
    m = pd.read_csv(tmp_path / "m.csv")
    assert list(m.columns) == MARKOV and {"classic", "lag_class_1"} <= set(m["matrix"])
    run("obstacles", "--top", "5", "--out", str(tmp_path / "o.csv"))
    o = pd.read_csv(tmp_path / "o.csv", dtype={"unit_id": str})
    assert list(o.columns[:5]) == OBSTACLES and o["rank"].max() == 5
    # coupling of the demo's pillar scores (0-100, rescaled)
    from silkscope.index import build, demo_framework, demo_values

    fw = demo_framework()
    frame = build(demo_values(), fw).to_frame()
    pillars = frame[frame["level"] == "pillar"].pivot_table(
        index=["unit_id", "year"], columns="node", values="score"
    )
    systems = list(pillars.columns[:2])
    pillars.reset_index()[["unit_id", "year", *systems]].to_csv(tmp_path / "sys.csv", index=False)
    run("coupling", "--data", str(tmp_path / "sys.csv"), "--systems", ",".join(systems), "--weights", "0.5,0.5", "--lang", "zh",
        "--out", str(tmp_path / "c.csv"))  # fmt: skip
    c = pd.read_csv(tmp_path / "c.csv")
    assert list(c.columns[:7]) == COUPLING
    assert np.allclose(c["d"], np.sqrt(c["c"] * c["t"]))
    from silkscope.i18n import catalogue

    assert set(c["band_name"]) <= {catalogue("zh")[f"regions.band.{b}"] for b in c["band"]}


def test_bad_input_is_a_message_not_a_traceback(demo_csv: Path, tmp_path: Path):
    result = runner.invoke(app, ["regions", "disparity", "--data", str(demo_csv), "--variable", "nope",
                                 "--out", str(tmp_path / "x.csv")])  # fmt: skip
    assert result.exit_code != 0 and "nope" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.csv").exists()


@pytest.fixture(scope="module")
def nbs_gdp(shared_data: Path, tmp_path_factory) -> Path:
    path = shared_data / "china_nbs_provincial_tourism_gdp" / "raw" / "nbs_province_gdp_2005_2023.xlsx"
    if not path.exists():
        pytest.skip(f"{path} not found")
    from silkscope.workspace import Workspace

    ws = tmp_path_factory.mktemp("nbs") / "S"
    Workspace.init(ws)
    result = runner.invoke(app, ["import", "table", str(path), "--workspace", str(ws), "--indicator", "gdp"])
    assert result.exit_code == 0, result.output
    return ws


def test_real_provincial_gdp(nbs_gdp: Path, tmp_path: Path):
    from giddy.markov import Spatial_Markov

    from silkscope.cluster.spatial import spatial_weights
    from silkscope.workspace import Workspace

    ws = ["--workspace", str(nbs_gdp), "--variable", "gdp"]
    run("disparity", *ws, "--groups", "reference:china-3belt", "--out", str(tmp_path / "d.csv"))
    d = pd.read_csv(tmp_path / "d.csv", keep_default_na=False)
    assert list(d.columns[:6]) == DISPARITY
    top = d[d["group"] == ""].pivot(index="year", columns="component", values="value").astype(float)
    assert len(top) >= 15 and (d["n_units"] == 31).all()  # 31 provinces, 2005-2023
    np.testing.assert_allclose(
        top["gini"], top["gini_within"] + top["gini_between_net"] + top["gini_transvariation"]
    )
    assert ((top["gini"] > 0.2) & (top["gini"] < 0.6)).all()  # provincial GDP Gini
    run("convergence", *ws, "--kind", "sigma", "--out", str(tmp_path / "s.csv"))
    run(
        "convergence",
        *ws,
        "--kind",
        "beta",
        "--groups",
        "reference:china-3belt",
        "--out",
        str(tmp_path / "b.csv"),
    )
    b = pd.read_csv(tmp_path / "b.csv")
    assert list(b.columns) == BETA and {"all"} < set(b["group"])
    run("convergence", *ws, "--kind", "spatial-beta", "--out", str(tmp_path / "sb.csv"))
    assert "rho" in set(pd.read_csv(tmp_path / "sb.csv")["term"])
    run("markov", *ws, "--classes", "5", "--spatial", "--out", str(tmp_path / "m.csv"))
    m = pd.read_csv(tmp_path / "m.csv")
    assert list(m.columns) == MARKOV
    # the spatial chain equals giddy's Spatial_Markov run directly on the same values and weights
    wide = (
        Workspace.open(nbs_gdp).indicator_table(["gdp"]).pivot(index="unit_id", columns="year", values="gdp")
    )
    wide = wide.dropna()
    wide.index = wide.index.astype(str)
    w = spatial_weights(wide.index.tolist(), "contiguity")
    w.transform = "r"
    ref = Spatial_Markov(wide.to_numpy(dtype=float), w, k=5, m=5, fixed=False, fill_empty_classes=True)
    assert len(ref.P) == 5 and set(m["matrix"]) == {"classic", *(f"lag_class_{k}" for k in range(1, 6))}
    for k in range(5):
        ours = m[m["matrix"] == f"lag_class_{k + 1}"].pivot(
            index="from_class", columns="to_class", values="probability"
        )
        np.testing.assert_allclose(ours.to_numpy(), np.asarray(ref.P[k]), atol=1e-12)
