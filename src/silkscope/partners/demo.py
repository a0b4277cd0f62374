"""SYNTHETIC partner table for the demo report's IP-environment and market-segment sections: the
partner countries of the trade demo (:data:`silkscope.trade.demo.DEMO_COUNTRIES` less China) with
WDI-coded columns drawn from a seeded model. Generated, not observed: it says nothing about the
real countries, and every table built from it is labelled as demonstration data.

Model: a latent development level d ~ N(0, 1) per country drives (with independent noise)
ln GDP per capita (ln 8,000 + 1.0 d + N(0, 0.3)), the urban share, internet users and tertiary
enrolment (100 logistic(a + b d + N(0, 0.4))), and the IP series per person (royalty receipts
exp(-1 + 1.8 d + N(0, 0.8)) and payments exp(1 + 1.2 d + N(0, 0.5)) US$, resident patent
applications exp(3 + 1.3 d + N(0, 0.7)) and trademark applications exp(5 + 0.8 d + N(0, 0.5)) per
million); ln population ~ N(ln 30 million, 1.3); arrivals exp(0.6 ln population + 0.8 d + N(0, 0.6));
``dist_km`` is the trade demo's distance proxy from China. The IP totals (``BX.GSR.ROYL.CD`` ...)
are the per-person values times the population, and the IP-environment columns are computed from
them as :func:`silkscope.partners.table.partner_table` does (:data:`~silkscope.partners.table.IP_COLUMNS`).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from silkscope.partners.table import IP_COLUMNS, POPULATION

DEMO_PARTNER_SEED = 2025
DEMO_PARTNER_SOURCE = "demo:partners-synthetic"


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@cache
def _demo_partner_table(seed: int) -> pd.DataFrame:
    from silkscope.trade.demo import DEMO_COUNTRIES, FOCUS, demo_distances

    countries = sorted(c for c in DEMO_COUNTRIES if c != FOCUS)
    n = len(countries)
    rng = np.random.default_rng(seed)
    d = rng.normal(0.0, 1.0, n)

    def noise(sd: float) -> np.ndarray:
        return rng.normal(0.0, sd, n)

    population = np.exp(np.log(30e6) + noise(1.3))
    gdp_pc = np.exp(np.log(8000.0) + d + noise(0.3))
    per_person = {
        "BX.GSR.ROYL.CD": np.exp(-1.0 + 1.8 * d + noise(0.8)),
        "BM.GSR.ROYL.CD": np.exp(1.0 + 1.2 * d + noise(0.5)),
        "IP.PAT.RESD": np.exp(3.0 + 1.3 * d + noise(0.7)) / 1e6,
        "IP.TMK.RESD": np.exp(5.0 + 0.8 * d + noise(0.5)) / 1e6,
    }
    dist = demo_distances()
    from_home = dist[dist.origin == FOCUS].set_index("dest")["dist_km"]
    out = pd.DataFrame(
        {
            "country": countries,
            POPULATION: np.round(population),
            "NY.GDP.PCAP.CD": gdp_pc,
            "NY.GDP.MKTP.CD": gdp_pc * population,
            "SP.URB.TOTL.IN.ZS": 100 * _logistic(0.3 + 0.9 * d + noise(0.4)),
            "IT.NET.USER.ZS": 100 * _logistic(0.5 + 1.1 * d + noise(0.4)),
            "SE.TER.ENRR": 100 * _logistic(-0.3 + 1.0 * d + noise(0.4)),
            "ST.INT.ARVL": np.round(np.exp(0.6 * np.log(population) + 0.8 * d + noise(0.6))),
            "dist_km": from_home.reindex(countries).to_numpy(),
        }
    )
    for code, value in per_person.items():
        out[code] = value * population
    for column, (code, scale) in IP_COLUMNS.items():
        out[column] = scale * out[code] / out[POPULATION]
    out.attrs.update(demo=True, source_id=DEMO_PARTNER_SOURCE, seed=seed)
    return out


def demo_partner_table(seed: int = DEMO_PARTNER_SEED) -> pd.DataFrame:
    """The synthetic partner table (one row per demo partner country, WDI-coded columns, the
    IP-environment columns and ``dist_km``); ``attrs['demo']`` is True."""
    table = _demo_partner_table(seed).copy()
    table.attrs.update(_demo_partner_table(seed).attrs)
    return table
