"""SYNTHETIC cultural-goods trade flows for the demo: a seeded gravity model over real countries.

The flows are generated, not observed; they say nothing about real trade, and everything built
from them is labelled as demonstration data (``frame.attrs["demo"]``, :data:`DEMO_LABEL`).

Model (log-linear gravity, Tinbergen 1962; Anderson & van Wincoop 2003 for the fixed effects that
recover it). For exporter i, importer j, product k and year t (t = 0 in the first year)::

    ln v_ijkt = β0 + ln Y_it + ln Y_jt - 1.0 ln d_ij + α_k + γ_ik + τ_k t + ε_ijkt

* Y_it "GDP" (billion USD): Y_i0 lognormal(ln 50, 1.6), growing at g_i ~ N(0.03, 0.02) a year;
  China (always included) gets the largest Y_i0 drawn;
* d_ij a distance PROXY: great-circle km between approximate centroids of the UN M49 subregions
  of i and j (country_converter's ``UNregion``; there is no country coordinate table to ship),
  or an authored typical within-region distance when both are in the same subregion;
* α_k ~ N(0, 0.7) product effect, γ_ik ~ N(0, 0.8) exporter-product advantage, τ_k ~ N(0.03,
  0.03) product trend, ε ~ N(0, 0.8) noise, β0 = 2.5 (values in thousand USD, as in BACI);
* sparsity: a cell (i, j, k) is an exact zero in year t when u_ijk < p_ijkt, u_ijk ~ U(0, 1)
  fixed over years, p = logistic(logit(0.3) - 1.5 z), z the standardised expected log value
  without noise, so small, distant pairs trade less often; values rounding to 0.000 are zeros too;
* quantity (tonnes) = value / unit value, unit value lognormal per product (ln 5, 1) times an
  exporter-product factor lognormal(0, 0.3) and a yearly factor lognormal(0, 0.1), rounded to
  3 decimals but at least 0.001 where the value is positive.

The selection into zeros does not depend on ε, so OLS of ln v on ln d with exporter and importer
dummies over the positive flows recovers the elasticity -1.0 up to sampling noise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import MappingProxyType

import numpy as np
import pandas as pd

from silkscope.errors import InputError
from silkscope.geo import haversine_km

DEMO_SEED = 2024
DEMO_YEARS = tuple(range(2015, 2023))
DEMO_SOURCE_ID = "demo:trade-synthetic"
DEMO_LABEL = MappingProxyType(
    {
        "en": "demonstration data — synthetic, not real trade",
        "zh": "演示数据——合成数据，非真实贸易",
    }
)
FOCUS = "CHN"
DISTANCE_ELASTICITY = -1.0
INTERCEPT = 2.5  # β0: puts the largest flows near a billion USD, the median at a few thousand

# real HS6 codes of cultural goods (ceramics, art, books, instruments, toys)
DEMO_PRODUCTS = (
    "691110",  # porcelain tableware and kitchenware
    "691200",  # ceramic tableware other than porcelain
    "691390",  # ceramic statuettes and ornaments
    "691410",  # other porcelain articles
    "970110",  # paintings and drawings by hand
    "970300",  # original sculptures and statuary
    "490199",  # printed books
    "920290",  # string musical instruments
    "950300",  # toys
)

# China, Belt and Road partners in every UN subregion they span, and large markets elsewhere
DEMO_COUNTRIES = (
    "CHN", "JPN", "KOR", "MNG",
    "VNM", "THA", "MYS", "SGP", "IDN", "PHL",
    "IND", "PAK", "BGD", "LKA", "IRN",
    "KAZ", "UZB", "KGZ",
    "TUR", "SAU", "ARE", "ISR",
    "RUS", "POL", "HUN", "CZE",
    "DEU", "FRA", "NLD", "GBR", "SWE", "ITA", "GRC", "SRB",
    "EGY", "MAR", "KEN", "ETH", "NGA", "ZAF",
    "USA", "CAN", "MEX", "BRA", "ARG", "CHL",
    "AUS", "NZL",
)  # fmt: skip

# UN M49 subregion: approximate centroid (lat, lon in degrees) and typical distance (km) between
# two countries of the subregion. Authored by hand; approximate, for the synthetic demo only.
REGION_GEOGRAPHY: MappingProxyType[str, tuple[float, float, float]] = MappingProxyType(
    {
        "Eastern Asia": (35.0, 115.0, 1800.0),
        "South-eastern Asia": (5.0, 110.0, 2000.0),
        "Southern Asia": (24.0, 75.0, 1800.0),
        "Central Asia": (43.0, 65.0, 1200.0),
        "Western Asia": (33.0, 42.0, 1500.0),
        "Eastern Europe": (52.0, 30.0, 1500.0),
        "Northern Europe": (57.0, 10.0, 1200.0),
        "Western Europe": (49.0, 6.0, 700.0),
        "Southern Europe": (42.0, 15.0, 1300.0),
        "Northern Africa": (28.0, 12.0, 2000.0),
        "Western Africa": (11.0, -3.0, 1500.0),
        "Middle Africa": (0.0, 18.0, 1500.0),
        "Eastern Africa": (-5.0, 35.0, 2000.0),
        "Southern Africa": (-27.0, 24.0, 1000.0),
        "Northern America": (42.0, -95.0, 2500.0),
        "Central America": (17.0, -92.0, 1200.0),
        "Caribbean": (18.0, -72.0, 900.0),
        "South America": (-15.0, -60.0, 2500.0),
        "Australia and New Zealand": (-30.0, 145.0, 2500.0),
        "Melanesia": (-8.0, 155.0, 1500.0),
        "Micronesia": (8.0, 155.0, 1500.0),
        "Polynesia": (-15.0, -160.0, 2000.0),
        "Antarctica": (-80.0, 0.0, 2000.0),
    }
)


def _country_regions(countries: Sequence[str] | None) -> pd.Series:
    """UN subregion of each country (ISO3 index), China first-class member; checks the codes."""
    import country_converter as coco

    data = coco.CountryConverter().data[["ISO3", "UNregion"]].dropna()
    region = pd.Series(data["UNregion"].to_numpy(), index=data["ISO3"].astype(str)).groupby(level=0).first()
    wanted = list(DEMO_COUNTRIES if countries is None else countries)
    wanted = list(dict.fromkeys(str(c).strip().upper() for c in wanted))
    unknown = [c for c in wanted if c not in region.index]
    if unknown:
        raise InputError(
            f"unknown country code(s) {', '.join(unknown[:20])}",
            column="countries",
            hint="use ISO 3166-1 alpha-3 codes, e.g. CHN, DEU, KAZ",
        )
    if FOCUS not in wanted:
        wanted.insert(0, FOCUS)
    out = region.loc[sorted(wanted)]
    no_geo = sorted(set(out) - set(REGION_GEOGRAPHY))
    if no_geo:  # pragma: no cover - every country_converter region is listed
        raise InputError(f"no centroid for UN region(s) {', '.join(no_geo)}")
    return out


def _distance_matrix(regions: pd.Series) -> np.ndarray:
    """Proxy distances (km) between the countries of ``regions``: see the module text."""
    geo = np.array([REGION_GEOGRAPHY[r] for r in regions])
    lat, lon = geo[:, 0], geo[:, 1]
    dist = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    same = regions.to_numpy()[:, None] == regions.to_numpy()[None, :]
    return np.where(same, geo[:, 2][:, None], dist)


def demo_distances(countries: Sequence[str] | None = None) -> pd.DataFrame:
    """The distance proxy ``origin, dest, dist_km`` between the demo countries (pairs table layout)."""
    regions = _country_regions(countries)
    dist = _distance_matrix(regions)
    codes = regions.index.to_numpy()
    n = len(codes)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    off = i != j
    return pd.DataFrame({"origin": codes[i[off]], "dest": codes[j[off]], "dist_km": dist[off]})


def demo_flows(
    seed: int = DEMO_SEED,
    years: Iterable[int] = DEMO_YEARS,
    countries: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Synthetic flows ``year, exporter, importer, product, value, quantity`` (value in thousand
    USD, quantity in tonnes, exact zeros kept as rows) from the seeded gravity model in the module
    text; ``countries`` (ISO3, default :data:`DEMO_COUNTRIES`) always gains China. The frame's
    ``attrs`` carry ``demo=True``, the bilingual ``label``, ``source_id`` and ``seed``."""
    years = tuple(int(y) for y in years)
    if not years or len(set(years)) != len(years):
        raise InputError("years must be a non-empty list of distinct years", column="years")
    regions = _country_regions(countries)
    codes = regions.index.to_numpy()
    n, n_k, n_t = len(codes), len(DEMO_PRODUCTS), len(years)
    if n < 2:
        raise InputError("the demo needs at least two countries", column="countries")
    rng = np.random.default_rng(seed)
    ln_gdp0 = rng.normal(np.log(50.0), 1.6, n)
    ln_gdp0[codes == FOCUS] = ln_gdp0.max()
    gdp_growth = rng.normal(0.03, 0.02, n)
    alpha = rng.normal(0.0, 0.7, n_k)
    gamma = rng.normal(0.0, 0.8, (n, n_k))
    tau = rng.normal(0.03, 0.03, n_k)
    unit_value = np.exp(rng.normal(np.log(5.0), 1.0, n_k))[None, :] * np.exp(rng.normal(0.0, 0.3, (n, n_k)))
    u = rng.uniform(0.0, 1.0, (n, n, n_k))
    eps = rng.normal(0.0, 0.8, (n_t, n, n, n_k))
    uv_year = np.exp(rng.normal(0.0, 0.1, (n_t, n, n_k)))

    t = np.asarray(years, dtype=float) - years[0]
    ln_gdp = ln_gdp0[None, :] + gdp_growth[None, :] * t[:, None]  # (T, n)
    ln_dist = np.log(_distance_matrix(regions))
    expected = (
        INTERCEPT
        + ln_gdp[:, :, None, None]
        + ln_gdp[:, None, :, None]
        + DISTANCE_ELASTICITY * ln_dist[None, :, :, None]
        + alpha[None, None, None, :]
        + gamma[None, :, None, :]
        + tau[None, None, None, :] * t[:, None, None, None]
    )  # (T, n, n, K)
    z = (expected - expected.mean()) / expected.std()
    p_zero = 1.0 / (1.0 + np.exp(-(np.log(0.3 / 0.7) - 1.5 * z)))
    value = np.where(u[None] < p_zero, 0.0, np.exp(expected + eps))
    value = np.round(value, 3)
    quantity = np.round(value / (unit_value[None, :, None, :] * uv_year[:, :, None, :]), 3)

    ti, ei, ii, ki = np.meshgrid(np.arange(n_t), np.arange(n), np.arange(n), np.arange(n_k), indexing="ij")
    keep = (ei != ii).ravel()
    frame = pd.DataFrame(
        {
            "year": np.asarray(years, dtype=np.int64)[ti.ravel()[keep]],
            "exporter": codes[ei.ravel()[keep]],
            "importer": codes[ii.ravel()[keep]],
            "product": np.asarray(DEMO_PRODUCTS)[ki.ravel()[keep]],
            "value": value.ravel()[keep],
            "quantity": np.where(value.ravel()[keep] > 0, np.maximum(quantity.ravel()[keep], 0.001), 0.0),
        }
    )
    frame = frame.sort_values(["year", "exporter", "importer", "product"], ignore_index=True)
    frame.attrs.update(demo=True, label=dict(DEMO_LABEL), source_id=DEMO_SOURCE_ID, seed=seed)
    return frame
