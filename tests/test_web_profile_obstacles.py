"""The dashboard profile's obstacle factors (issue 17's obstacle degree per unit-year) equal
:func:`silkscope.regions.obstacles.obstacles` run directly on the same build, by hand on one row."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from silkscope.regions.obstacles import obstacles
from silkscope.web.app import create_app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(None))


def test_profile_obstacles_equal_the_regions_module(client):
    state = client.app.state.index
    direct = obstacles(state.result, top=5)
    for unit, year in (("440000", 2017), ("630000", 2018)):
        data = client.get(f"/api/profile/{unit}", params={"year": year, "lang": "zh"}).json()
        got = data["obstacles"]
        assert got["reason"] is None and len(got["items"]) == 5
        want = direct[(direct["unit_id"] == unit) & (direct["year"] == year)].sort_values("rank")
        assert [i["node"] for i in got["items"]] == want["indicator"].tolist()
        assert [i["obstacle"] for i in got["items"]] == pytest.approx(
            want["obstacle"].to_numpy(), abs=5e-7
        )  # the API rounds to 6 decimals (json_float)
        names = {n.id: n.label("zh") for n in state.framework.nodes}
        assert [i["name"] for i in got["items"]] == [names[n] for n in want["indicator"]]
        obstacle = [i["obstacle"] for i in got["items"]]
        assert obstacle == sorted(obstacle, reverse=True) and 0 < sum(obstacle) <= 1 + 1e-12


def test_obstacle_degree_by_hand_on_one_unit_year(client):
    """O_j = w_j (1 − z_j) / Σ_k w_k (1 − z_k), z the min-max score rescaled to 0-1."""
    state = client.app.state.index
    result = state.result
    lo, hi = result.choices.minmax_range
    row = int(np.flatnonzero((result.units == "440000") & (result.years == 2017))[0])
    z = (np.asarray(result.normalised, dtype=float)[row] - lo) / (hi - lo)
    weights = result.weights_frame().set_index("node")["effective"].reindex(list(result.framework.indicators))
    gap = weights.to_numpy() * (1 - np.clip(z, 0, 1))
    share = np.where(np.isnan(gap), np.nan, gap / np.nansum(gap))
    best = list(result.framework.indicators)[int(np.nanargmax(share))]
    data = client.get("/api/profile/440000", params={"year": 2017}).json()["obstacles"]["items"]
    assert data[0]["node"] == best and data[0]["obstacle"] == pytest.approx(
        np.nanmax(share), abs=5e-7
    )  # the API rounds to 6 decimals (json_float)


def test_a_build_without_minmax_says_why_there_are_no_obstacles():
    from silkscope.index import Choices
    from silkscope.report.builder import demo_inputs
    from silkscope.web.state import IndexState

    inputs = demo_inputs()
    inputs.choices = Choices(normalise="zscore")
    got = IndexState(inputs).obstacles_of("440000", 2017, "en")
    assert got["items"] == [] and "minmax or goalposts" in got["reason"]
