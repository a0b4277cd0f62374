"""Agglomeration measures of cultural industries from a long ``region, sector, year, value`` table.

``value`` is employment (or value added) E_rs of sector s in region r; within a year, a
region×sector combination without a row counts as 0. Totals are over the data given:
E_r = sum_s E_rs, E_s = sum_r E_rs, E = sum_rs E_rs; shares s_r = E_rs / E_s (the sector's
distribution over regions) and x_r = E_r / E (the distribution of all activity). The regions and
sectors of a year are those with a row in that year.

* ``lq`` location quotient, one per region×sector×year (Florence 1948; Isard 1960, ch. 7):
  LQ_rs = (E_rs / E_r) / (E_s / E). Identity: sum_r x_r LQ_rs = 1 for every sector.
* ``hhi`` Hirschman-Herfindahl concentration of a sector across regions (Hirschman 1945;
  Herfindahl 1950): HHI_s = sum_r s_r^2; 1/(number of regions) for an even spread, 1 when the
  sector sits in one region. ``region`` is ``ALL``.
* ``gini`` spatial Gini of a sector: G_s = sum_r (s_r - x_r)^2, the "spatial Gini" as used by
  Ellison & Glaeser (1997, JPE 105(5)), who call it the raw geographic concentration G, and in
  the applied literature following Krugman (1991, *Geography and Trade*). 0 when the sector is
  spread like all activity. (Krugman's own locational Ginis come from a Lorenz curve; this is
  the squared-deviation form.) ``region`` is ``ALL``.
* ``eg`` Ellison-Glaeser (1997) agglomeration index gamma of a sector:
  gamma_s = (G_s - (1 - sum_r x_r^2) H_s) / ((1 - sum_r x_r^2)(1 - H_s)), with G_s as in ``gini``
  and H_s the plant (firm) Herfindahl of the sector, sum_j z_j^2 over the firms' shares z_j
  (:func:`firm_herfindahl`). Without ``firm_herfindahl``, H_s = 0 and gamma reduces to
  G_s / (1 - sum_r x_r^2), which ignores firm lumpiness: an upper-bound approximation of gamma
  (exactly an upper bound whenever it is at most 1, as gamma falls with H_s then); a warning
  says so. ``region`` is ``ALL``.
* ``ks`` Krugman (1991) specialisation index of a region against the rest of the country:
  K_r = sum_s |E_rs / E_r - E'_s / E'| with E'_s = E_s - E_rs and E' = E - E_r; 0 for the same
  sector mix as the rest, up to 2 for disjoint mixes. (A common alternative compares with the
  whole, region included: sum_s |E_rs / E_r - E_s / E|; not computed here.) ``sector`` is ``ALL``.

The result has columns ``measure, region, sector, year, value``; ``region`` and ``sector`` are
strings. Bad input raises :class:`silkscope.errors.InputError` naming the offending rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError, Problem

MEASURES = ("lq", "hhi", "gini", "eg", "ks")
OUTPUT_COLUMNS = ["measure", "region", "sector", "year", "value"]
ALL = "ALL"
_KEYS = ("region", "sector", "year")
_TOL = 1e-12


def agglomeration(
    frame: pd.DataFrame, measure: str, firm_herfindahl: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One agglomeration ``measure`` (see module docstring) for every year of ``frame``.

    ``frame`` has columns ``region, sector, year, value``. ``firm_herfindahl`` (columns
    ``sector, year, herfindahl``, e.g. from :func:`firm_herfindahl`) is used by ``eg`` only and
    must cover every sector-year of ``frame``.
    """
    if measure not in MEASURES:
        raise MethodError(f"unknown measure '{measure}'; expected one of {', '.join(MEASURES)}")
    data = _clean(frame, _KEYS)
    _check_positive_totals(data, "sector", "sector total is 0", "drop the sector for that year")
    if measure in ("lq", "ks"):
        _check_positive_totals(
            data, "region", f"region total is 0, so '{measure}' is undefined", "drop the region for that year"
        )
    herfindahl = None
    if measure == "eg":
        if firm_herfindahl is None:
            warnings.warn(
                "eg without firm_herfindahl: the firm Herfindahl H is taken as 0, so gamma is "
                "G / (1 - sum x^2), an upper-bound approximation of the Ellison-Glaeser gamma; "
                "pass firm_herfindahl for the index itself",
                UserWarning,
                stacklevel=2,
            )
        else:
            herfindahl = _herfindahl_matrix(firm_herfindahl, data)
    parts = []
    for year, group in data.groupby("year", sort=True):
        matrix = group.pivot(index="region", columns="sector", values="value").fillna(0.0)
        parts.append(_compute(measure, matrix, year, herfindahl))
    table = pd.concat(parts, ignore_index=True)
    table.insert(0, "measure", measure)
    return table[OUTPUT_COLUMNS].sort_values(["year", "region", "sector"], ignore_index=True)


def firm_herfindahl(firms: pd.DataFrame) -> pd.DataFrame:
    """Plant Herfindahl H = sum_j z_j^2 of each sector-year from ``sector, year, firm, value`` rows.

    z_j is firm j's share of the sector's total in that year. Returns ``sector, year, herfindahl``.
    """
    data = _clean(firms, ("sector", "year", "firm"))
    _check_positive_totals(
        data, "sector", "sector total over its firms is 0", "drop the sector for that year"
    )
    total = data.groupby(["sector", "year"])["value"].transform("sum")
    data["herfindahl"] = (data["value"] / total) ** 2
    table = data.groupby(["sector", "year"], as_index=False, sort=True)["herfindahl"].sum()
    return table[["sector", "year", "herfindahl"]]


def _compute(measure: str, matrix: pd.DataFrame, year, herfindahl: pd.DataFrame | None) -> pd.DataFrame:
    """The measure for one year from its region×sector matrix, as ``region, sector, year, value``."""
    e = matrix.to_numpy(dtype=float)
    regions, sectors = matrix.index.astype(str), matrix.columns.astype(str)
    e_r, e_s, total = e.sum(axis=1), e.sum(axis=0), e.sum()
    x = e_r / total
    if measure == "lq":
        lq = (e / e_r[:, None]) / (e_s / total)[None, :]
        return pd.DataFrame(
            {
                "region": np.repeat(regions, len(sectors)),
                "sector": np.tile(sectors, len(regions)),
                "year": year,
                "value": lq.ravel(),
            }
        )
    if measure == "ks":
        rest_total = total - e_r
        alone = regions[rest_total <= _TOL * total]
        if len(alone):
            raise InputError(
                f"in {year}, region {alone[0]} holds all activity, so the rest of the country is empty "
                "and 'ks' is undefined"
            )
        rest = (e_s[None, :] - e) / rest_total[:, None]
        ks = np.abs(e / e_r[:, None] - rest).sum(axis=1)
        return pd.DataFrame({"region": regions, "sector": ALL, "year": year, "value": ks})
    shares = e / e_s[None, :]
    if measure == "hhi":
        value = (shares**2).sum(axis=0)
    else:
        value = ((shares - x[:, None]) ** 2).sum(axis=0)  # spatial Gini G
        if measure == "eg":
            spread = 1.0 - (x**2).sum()
            if spread <= _TOL:
                raise InputError(
                    f"in {year}, one region holds all activity (1 - sum x^2 = 0), so 'eg' is undefined"
                )
            h = np.zeros(len(sectors)) if herfindahl is None else herfindahl.loc[year, sectors].to_numpy()
            value = (value - spread * h) / (spread * (1.0 - h))
    return pd.DataFrame({"region": ALL, "sector": sectors, "year": year, "value": value})


def _herfindahl_matrix(table: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    """``firm_herfindahl`` checked against ``data`` as a year×sector matrix of H."""
    missing = [c for c in ("sector", "year", "herfindahl") if c not in table.columns]
    if missing:
        raise InputError(
            f"firm_herfindahl lacks column(s) {', '.join(map(repr, missing))}; "
            f"columns are {', '.join(map(str, table.columns))}"
        )
    h = _clean(table.rename(columns={"herfindahl": "value"}), ("sector", "year"), label="herfindahl")
    bad = h[h["value"] > 1.0 + _TOL]
    if len(bad):
        raise InputError(
            [
                Problem(f"herfindahl {r.value:g} exceeds 1 for {_where(r._asdict(), ('sector', 'year'))}")
                for r in bad.itertuples()
            ],
            hint="a Herfindahl of firm shares lies in [0, 1]",
        )
    needed = data[["sector", "year"]].drop_duplicates()
    merged = needed.merge(h, on=["sector", "year"], how="left")
    absent = merged[merged["value"].isna()]
    if len(absent):
        raise InputError(
            [
                Problem(f"firm_herfindahl has no row for {_where(r._asdict(), ('sector', 'year'))}")
                for r in absent.itertuples()
            ],
            hint="give a Herfindahl for every sector-year of the data (see firm_herfindahl())",
        )
    single = merged[merged["value"] >= 1.0 - _TOL]
    if len(single):
        raise InputError(
            [
                Problem(
                    f"firm Herfindahl is 1 (one firm) for {_where(r._asdict(), ('sector', 'year'))}, so gamma is undefined"
                )
                for r in single.itertuples()
            ],
            hint="leave such sector-years out of 'eg'",
        )
    return merged.pivot(index="year", columns="sector", values="value")


def _clean(frame: pd.DataFrame, keys: tuple[str, ...], label: str = "value") -> pd.DataFrame:
    """Columns ``keys + value`` with string ids, integer years when possible and checked values."""
    missing = [c for c in (*keys, "value") if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(repr(c) for c in missing)}; "
            f"columns are {', '.join(map(str, frame.columns)) or '(none)'}"
        )
    if frame.empty:
        raise InputError("the table has no rows")
    data = frame[[*keys, "value"]].copy()
    for key in keys:
        empty = data[key].isna()
        if empty.any():
            raise InputError(
                f"column '{key}' is empty in {int(empty.sum())} row(s), index label(s) "
                f"{', '.join(map(str, data.index[empty][:5]))}"
            )
    data["year"] = _years(data["year"])
    for key in keys:
        if key != "year":
            data[key] = data[key].astype(str)
    raw = data["value"]
    value = pd.to_numeric(raw, errors="coerce")
    non_numeric = value.isna() | ~np.isfinite(value.astype(float))
    if non_numeric.any():
        raise InputError(
            [
                Problem(f"{raw[i]!r} is not a finite number, at {_where(data.loc[i], keys)}", column=label)
                for i in data.index[non_numeric]
            ]
        )
    data["value"] = value.astype(float)
    negative = data[data["value"] < 0]
    if len(negative):
        raise InputError(
            [
                Problem(f"negative value {r.value:g} at {_where(r._asdict(), keys)}", column=label)
                for r in negative.itertuples()
            ]
        )
    counts = data.groupby(list(keys), sort=True).size()
    repeated = counts[counts > 1]
    if len(repeated):
        raise InputError(
            [
                Problem(f"{_where(dict(zip(keys, idx, strict=True)), keys)} appears {n} times")
                for idx, n in repeated.items()
            ],
            hint="sum or drop the duplicate rows so each combination appears once",
        )
    return data.reset_index(drop=True)


def _check_positive_totals(data: pd.DataFrame, by: str, message: str, hint: str) -> None:
    totals = data.groupby([by, "year"], sort=True)["value"].sum()
    zero = totals[totals <= 0]
    if len(zero):
        raise InputError([Problem(f"{message} for {by} {k} in {y}") for k, y in zero.index], hint=hint)


def _years(years: pd.Series) -> pd.Series:
    """Years as int64 when they are all whole numbers (so 2020, 2020.0 and '2020' match)."""
    number = pd.to_numeric(years, errors="coerce")
    if number.notna().all() and (number == np.floor(number)).all():
        return number.astype("int64")
    return years


def _where(row: Mapping, keys: tuple[str, ...]) -> str:
    return ", ".join(f"{k} {row[k]}" for k in keys)
