"""The synthetic cultural-goods trade demo: deterministic, labelled, sparse, and gravity-shaped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from silkscope.errors import InputError
from silkscope.trade.demo import (
    DEMO_COUNTRIES,
    DEMO_LABEL,
    DEMO_PRODUCTS,
    DISTANCE_ELASTICITY,
    REGION_GEOGRAPHY,
    demo_distances,
    demo_flows,
)

KEYS = ["year", "exporter", "importer", "product"]


@pytest.fixture(scope="module")
def flows() -> pd.DataFrame:
    return demo_flows()


def test_shape_and_label(flows):
    assert list(flows.columns) == [*KEYS, "value", "quantity"]
    assert flows.attrs["demo"] is True
    assert flows.attrs["label"] == {"en": DEMO_LABEL["en"], "zh": DEMO_LABEL["zh"]}
    assert "synthetic" in DEMO_LABEL["en"] and "演示数据" in DEMO_LABEL["zh"]
    assert sorted(flows.year.unique()) == list(range(2015, 2023))
    assert set(flows["product"]) == set(DEMO_PRODUCTS)
    assert flows["product"].str.fullmatch(r"\d{6}").all()
    assert set(flows.exporter) == set(DEMO_COUNTRIES) == set(flows.importer)
    assert not flows.duplicated(KEYS).any()
    assert (flows.exporter != flows.importer).all()


def test_values_sparse_and_non_negative(flows):
    assert (flows.value >= 0).all() and (flows.quantity >= 0).all()
    zero = flows.value == 0
    assert 0.1 < zero.mean() < 0.6
    assert ((flows.quantity == 0) == zero).all()
    positive = flows[~zero]
    for side in ("exporter", "importer"):
        assert (positive[side] == "CHN").sum() > 100
    # zeros persist: a cell that is zero one year is more often zero the next
    wide = flows.pivot_table(index=["exporter", "importer", "product"], columns="year", values="value")
    now, nxt = (wide[2015] == 0), (wide[2016] == 0)
    assert nxt[now].mean() > nxt[~now].mean() + 0.3
    totals = flows.groupby("year").value.sum()
    assert totals[2022] > totals[2015]  # year trend


def test_deterministic_for_a_seed(flows):
    pd.testing.assert_frame_equal(flows, demo_flows(seed=2024))
    other = demo_flows(seed=7)
    assert other[KEYS].equals(flows[KEYS])
    assert not np.allclose(other.value.to_numpy(), flows.value.to_numpy())


def test_countries_and_years():
    small = demo_flows(years=[2020, 2021], countries=["deu", "KAZ", "EGY"])
    assert set(small.exporter) == {"CHN", "DEU", "KAZ", "EGY"}  # China is always in
    assert sorted(small.year.unique()) == [2020, 2021]
    assert len(small) == 2 * 4 * 3 * len(DEMO_PRODUCTS)
    with pytest.raises(InputError, match="XXX"):
        demo_flows(countries=["DEU", "XXX"])
    with pytest.raises(InputError, match="years"):
        demo_flows(years=[])


def test_distance_proxy():
    import country_converter as coco

    regions = set(coco.CountryConverter().data["UNregion"].dropna())
    assert regions <= set(REGION_GEOGRAPHY)
    d = demo_distances().set_index(["origin", "dest"])["dist_km"]
    assert (d > 0).all()
    assert d["CHN", "JPN"] == REGION_GEOGRAPHY["Eastern Asia"][2]  # same subregion
    assert d["CHN", "DEU"] == pytest.approx(d["DEU", "CHN"])
    assert 6000 < d["CHN", "DEU"] < 10000
    assert d["CHN", "KAZ"] < d["CHN", "BRA"]


def test_gravity_elasticity_is_recovered(flows):
    """OLS of ln value on ln distance with exporter, importer, product and year dummies."""
    dist = demo_distances().rename(columns={"origin": "exporter", "dest": "importer"})
    data = flows[flows.value > 0].merge(dist, on=["exporter", "importer"])
    dummies = [
        pd.get_dummies(data[c], prefix=c, drop_first=True, dtype=float)
        for c in ("exporter", "importer", "product", "year")
    ]
    design = np.column_stack([np.ones(len(data)), np.log(data.dist_km), *(d.to_numpy() for d in dummies)])
    beta, *_ = np.linalg.lstsq(design, np.log(data.value.to_numpy()), rcond=None)
    assert beta[1] == pytest.approx(DISTANCE_ELASTICITY, abs=0.1)
