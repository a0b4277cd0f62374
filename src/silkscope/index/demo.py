"""The built-in demonstration: the CIDI framework and SYNTHETIC data for the 31 provinces.

The demo data is generated, not observed: a seeded latent-factor model in which each province has
a development level (East above Central above West, as seed paper 002 reports for its groups) plus
a province effect, each pillar a growth rate, and each indicator a loading, a scale and noise.
It exists so that every command and the report run offline; it says nothing about real provinces,
and everything built from it is labelled as demonstration data.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from silkscope.index.framework import Framework
from silkscope.reference import province_groups, provinces

DEMO_SEED = 20190601
DEMO_YEARS = tuple(range(2014, 2019))
DEMO_SOURCE_ID = "demo:cidi-synthetic"
FRAMEWORKS_DIR = Path(__file__).resolve().parent / "frameworks"
_BELT_LEVEL = {"East": 1.0, "Central": 0.15, "West": -0.35}
_PILLAR_GROWTH = {"productive_force": 0.04, "influence": 0.05, "driving_force": 0.08}
_PERCENT_PREFIXES = ("share", "margin", "rate", "intensity", "penetration", "urbanisation", "cost")
#: Indicators added after the first release (issue 18's IP dimension) draw from their own seeded
#: stream, so the values of every earlier indicator are unchanged.
_LATER_DIMENSIONS = ("intellectual_property",)
_LATER_SEED_OFFSET = 18


@cache
def demo_framework() -> Framework:
    """The built-in Cultural Industry Development Index framework (``builtin:cidi``)."""
    return Framework.from_yaml(FRAMEWORKS_DIR / "cidi.yaml")


def builtin_framework(name: str) -> Framework:
    """A framework shipped with the package, by name (``cidi``)."""
    path = FRAMEWORKS_DIR / f"{name}.yaml"
    if not path.is_file():
        from silkscope.errors import FrameworkError

        shipped = ", ".join(p.stem for p in FRAMEWORKS_DIR.glob("*.yaml"))
        raise FrameworkError(f"no built-in framework '{name}'; shipped: {shipped}")
    return Framework.from_yaml(path)


def demo_values(years: tuple[int, ...] = DEMO_YEARS, seed: int = DEMO_SEED) -> pd.DataFrame:
    """Synthetic long values ``unit_id, year, indicator_id, value`` for the 31 provinces, plus the
    extra indicators ``population`` (10k persons) and ``gdp`` (100 million CNY) for weighted group
    means. A few values are left missing on purpose (as real yearbooks have gaps)."""
    rng = np.random.default_rng(seed)
    fw = demo_framework()
    prov = provinces()
    belt = province_groups("china-3belt")
    units = prov["unit_id"].tolist()
    level = np.array([_BELT_LEVEL[belt[u]] for u in units]) + rng.normal(0, 0.45, len(units))
    population = np.exp(rng.normal(8.1, 0.7, len(units)))  # 10k persons, ~ 3,300 median
    later = {i for d in _LATER_DIMENSIONS if d in fw for i in fw[d].children}
    rows = _indicator_rows(fw, [i for i in fw.indicators if i not in later], units, level, years, rng)
    for t, year in enumerate(years):
        pop = np.round(population * (1 + 0.005 * t), 1)
        gdp = np.round(pop * np.exp(1.2 + 0.35 * level + 0.06 * t), 1)
        rows.append(
            pd.DataFrame({"unit_id": units, "year": year, "indicator_id": "population", "value": pop})
        )
        rows.append(pd.DataFrame({"unit_id": units, "year": year, "indicator_id": "gdp", "value": gdp}))
    values = pd.concat(rows, ignore_index=True)
    gaps = rng.choice(len(values), size=max(1, len(values) // 400), replace=False)
    gaps = [g for g in gaps if values.at[g, "indicator_id"] not in ("population", "gdp")]
    values.loc[gaps, "value"] = np.nan
    later_rng = np.random.default_rng(seed + _LATER_SEED_OFFSET)
    extra = _indicator_rows(fw, sorted(later, key=fw.indicators.index), units, level, years, later_rng)
    values = pd.concat([values, *extra], ignore_index=True)
    return values.dropna(subset=["value"]).reset_index(drop=True)


def _indicator_rows(fw, indicators, units, level, years, rng) -> list[pd.DataFrame]:
    """Synthetic long values of ``indicators`` from the latent development ``level``."""
    rows = []
    for ind in indicators:
        pillar = fw.pillar_of(ind)
        node = fw[ind]
        loading = rng.uniform(0.5, 1.2)
        base = np.exp(rng.uniform(0, 6))
        noise_sd = rng.uniform(0.1, 0.3)
        is_percent = node.unit == "%"
        growth = _PILLAR_GROWTH[pillar or "driving_force"] * rng.uniform(0.5, 1.5)
        lift = rng.normal(0, 0.2, len(units))  # province-specific trend differences
        for t, year in enumerate(years):
            latent = node.direction * loading * level + (growth + 0.03 * lift) * t * node.direction
            latent = latent + rng.normal(0, noise_sd, len(units))
            if is_percent:
                share = 1 / (1 + np.exp(-(latent - 0.8)))
                value = np.round(100 * share * rng.uniform(0.2, 0.9), 2)
            else:
                value = np.round(base * np.exp(latent), 2)
            rows.append(pd.DataFrame({"unit_id": units, "year": year, "indicator_id": ind, "value": value}))
    return rows
