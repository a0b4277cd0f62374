"""Talent demand from a demand driver: employment implied by value added and an employment
elasticity, for studies that have output by sector but no yearly employment series.

With base-year employment ``L_b`` and value added ``Y_t`` of a region × sector, the demand for
workers in year ``t`` is ``L_t = L_b · (Y_t / Y_b)^ε`` — the constant-elasticity form behind the
employment elasticity of growth (ε = %ΔL / %ΔY; Kapsos 2005, "The employment intensity of growth:
trends and macroeconomic determinants", ILO Employment Strategy Paper 2005/12). ε is given, or
``auto``: estimated per region × sector as the OLS slope of ln L on ln Y over the years the
employment file holds (at least three; its standard error is reported). The base year is the
latest year both files hold. Years the driver holds outside the employment file are derived;
the employment file's own years are kept as observed.

Graduates are a yearly flow and employment a stock: ``kind="new"`` turns the levels into the
expansion demand ``L_t − L_{t−1}`` (new jobs per year, consecutive years only; the first year has
none), the part of new-entrant demand that output growth explains (Cedefop's skills forecast
calls it expansion demand; replacement demand — retirements, leavers — is not estimated here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError, Problem
from silkscope.talent.gap import check_long

#: years of employment an estimated elasticity needs (two points fit any slope exactly)
MIN_YEARS_AUTO = 3
KINDS = ("level", "new")


@dataclass
class DrivenDemand:
    """Demand ``region, sector, year, value`` (observed employment kept, other years derived)
    and one row per region × sector: base year, elasticity, its standard error and source."""

    demand: pd.DataFrame
    elasticities: pd.DataFrame


def parse_elasticity(text: str) -> float | None:
    """``auto`` → None (estimate it), else a finite number."""
    if text.strip().lower() == "auto":
        return None
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise InputError(f"--elasticity must be a number or auto; got '{text}'", hint="e.g. --elasticity 0.4")
    return value


def loglog_slope(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """OLS slope of ln y on ln x with an intercept, and its classical standard error (statsmodels);
    NaN when x does not change."""
    import statsmodels.api as sm

    lx = np.log(x)
    if np.ptp(lx) == 0.0:
        return float("nan"), float("nan")
    fit = sm.OLS(np.log(y), sm.add_constant(lx)).fit()
    se = float(fit.bse[1]) if len(lx) > 2 else float("nan")
    return float(fit.params[1]), se


def driven_demand(
    driver: pd.DataFrame,
    employment: pd.DataFrame,
    elasticity: float | None,
    driver_name: str = "driver",
    employment_name: str = "employment",
    kind: str = "level",
) -> DrivenDemand:
    """Employment demand per region × sector × year from value added (``driver``) and employment
    (``employment``, one or more years), both ``region, sector, year, value``; ``kind`` is
    ``level`` (employment) or ``new`` (its yearly change)."""
    if kind not in KINDS:
        raise InputError(f"--driver-as must be one of {' | '.join(KINDS)}; got '{kind}'")
    checked = []
    for frame, name in ((driver, driver_name), (employment, employment_name)):
        lines = frame.attrs.get("rows") or list(range(2, len(frame) + 2))
        out = check_long(frame, "sector", name)
        bad = np.flatnonzero(out["value"].to_numpy() <= 0)
        if len(bad):
            raise InputError(
                [
                    Problem("value must be positive (a log is taken)", name, lines[i], "value")
                    for i in bad[:20]
                ],
                hint="remove the zero or negative rows, or give another driver",
            )
        checked.append(out)
    driver, employment = checked
    parts, rows = [], []
    keys = sorted(set(map(tuple, employment[["region", "sector"]].drop_duplicates().to_numpy())))
    lacking = []
    for region, sector in keys:
        emp = employment[(employment["region"] == region) & (employment["sector"] == sector)]
        drv = driver[(driver["region"] == region) & (driver["sector"] == sector)]
        both = emp.merge(drv, on="year", suffixes=("_l", "_y"))
        if both.empty:
            lacking.append(f"{region} / {sector}")
            continue
        base = both.loc[both["year"].idxmax()]
        if elasticity is None:
            if len(both) < MIN_YEARS_AUTO:
                raise MethodError(
                    f"{region} / {sector}: --elasticity auto needs employment in at least "
                    f"{MIN_YEARS_AUTO} years the driver also holds; {len(both)} found. "
                    "Give the elasticity as a number (e.g. --elasticity 0.4)"
                )
            eps, se = loglog_slope(both["value_l"].to_numpy(), both["value_y"].to_numpy())
            if not np.isfinite(eps):
                raise MethodError(
                    f"{region} / {sector}: value added does not change over the employment years"
                )
            source = f"estimated ({len(both)} years)"
        else:
            eps, se, source = elasticity, float("nan"), "given"
        derived = drv[~drv["year"].isin(emp["year"])]
        values = base["value_l"] * (derived["value"].to_numpy() / base["value_y"]) ** eps
        parts.append(
            pd.DataFrame({"region": region, "sector": sector, "year": derived["year"], "value": values})
        )
        parts.append(emp[["region", "sector", "year", "value"]])
        rows.append((region, sector, int(base["year"]), eps, se, source, len(derived)))
    if lacking and not rows:
        raise InputError(
            f"no region × sector of {employment_name} has a year in {driver_name}: {', '.join(lacking[:10])}",
            hint="the two files must share region, sector and at least one year",
        )
    demand = pd.concat(parts, ignore_index=True).sort_values(["region", "sector", "year"], ignore_index=True)
    if kind == "new":
        group = demand.groupby(["region", "sector"])
        step = group["year"].diff() == 1
        demand = demand.assign(value=group["value"].diff())[step].reset_index(drop=True)
    table = pd.DataFrame(
        rows, columns=["region", "sector", "base_year", "elasticity", "std_error", "source", "years_derived"]
    )
    table.attrs["lacking"] = lacking
    return DrivenDemand(demand, table)
