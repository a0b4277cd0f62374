"""Distances from a home country to partner countries: cultural (Kogut-Singh, Mahalanobis), economic
and geographic (great circle).

Every function takes a table with one row per country (``country`` = ISO3) and returns a
:class:`DistanceResult` whose ``table`` has ``country`` and the distance first, sorted from the
closest partner, and whose ``excluded`` lists the countries that could not be scored and why. The
home country itself is left out of ``table`` (its distance is 0 by definition).

Kogut-Singh choices, documented because published indices differ on them:

- ``variance``: the variance V_d of dimension d across the countries of the sample, either the
  ``"sample"`` variance (divisor n-1; pandas/Stata/SPSS default, the usual choice in the
  literature) or the ``"population"`` variance (divisor n), or ``("fixed", [V_1, ..., V_D])`` to
  reuse the variances of a published study. Switching sample -> population multiplies every index
  by (n-1)/n.
- ``missing``: ``"exclude"`` (default) scores only countries with all dimensions; the others are
  listed in ``excluded``, and the variances are computed over these complete countries (home
  included). ``"available"`` scores a country on the dimensions it has, dividing by that number
  (so indices over different dimension sets are not strictly comparable; ``n_dimensions`` says how
  many were used), and each V_d uses every country that has dimension d.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError
from silkscope.geo import EARTH_RADIUS_KM, haversine_km

VARIANCES = ("sample", "population", "fixed")
MISSING = ("exclude", "available")


@dataclass(frozen=True)
class DistanceResult:
    """Distances from ``home`` to each partner, the countries left out and the choices made."""

    measure: str  # kogut_singh | mahalanobis | economic_distance | distance_km
    home: str
    table: pd.DataFrame  # country, <measure>, then detail columns; closest first; home left out
    excluded: pd.DataFrame  # country, reason
    details: dict = field(default_factory=dict)  # method choices (variance convention, variances, ...)

    def to_frame(self) -> pd.DataFrame:
        """The table ``country, <measure>, ...``."""
        return self.table.copy()

    def summary(self) -> str:
        """What was computed, with which choices, for how many countries, and who was left out."""
        text = f"{self.measure} from {self.home}: {len(self.table)} partner countries"
        choices = ", ".join(f"{k}={_short(v)}" for k, v in self.details.items())
        if choices:
            text += f" ({choices})"
        if len(self.excluded):
            shown = ", ".join(self.excluded["country"].astype(str).head(15))
            more = len(self.excluded) - 15
            text += f"; {len(self.excluded)} excluded: {shown}" + (f" and {more} more" if more > 0 else "")
        return text


def _short(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    return str(value)


# -- cultural distance -------------------------------------------------------------------------------
def kogut_singh(
    scores: pd.DataFrame,
    home: str,
    dimensions: Sequence[str] | None = None,
    variance: str | tuple[str, Sequence[float]] = "sample",
    missing: str = "exclude",
    country: str = "country",
) -> DistanceResult:
    """KS_j = (1/n) sum_d (I_dj - I_dh)^2 / V_d, cultural distance from home h (Kogut & Singh 1988)."""
    frame, dims, home = _prepare(scores, home, dimensions, country)
    if missing not in MISSING:
        raise MethodError(f"missing must be one of {', '.join(MISSING)}, not '{missing}'")
    kind, fixed = _variance_spec(variance, dims)
    values = frame[dims]
    complete = values.notna().all(axis=1)
    basis = values[complete] if missing == "exclude" else values
    variances: dict[str, float] = {}
    counts: dict[str, int] = {}
    for k, dim in enumerate(dims):
        column = basis[dim].dropna()
        counts[dim] = len(column)
        if kind == "fixed":
            variances[dim] = fixed[k]
            continue
        if len(column) < 2:
            raise InputError(
                f"dimension '{dim}' has {len(column)} country value(s); a variance needs at least 2",
                column=dim,
            )
        variances[dim] = float(column.var(ddof=1 if kind == "sample" else 0))
        if not variances[dim] > 0:
            raise InputError(
                f"dimension '{dim}' has the same score in every country (variance 0)", column=dim
            )
    home_values = values.loc[frame[country] == home].iloc[0]
    squared = (values - home_values) ** 2 / pd.Series(variances)
    used = squared.notna().sum(axis=1)
    if missing == "exclude":
        scored = complete
        reason = values.isna().apply(lambda r: "missing " + ", ".join(r.index[r]), axis=1)
    else:
        scored = used > 0
        reason = pd.Series("no dimension available", index=values.index)
    ks = squared.sum(axis=1, min_count=1) / used.where(used > 0)
    partners = frame[country] != home
    table = pd.DataFrame({"country": frame[country], "kogut_singh": ks, "n_dimensions": used})
    table = _with_name(table, frame)[scored & partners]
    excluded = pd.DataFrame({"country": frame[country], "reason": reason})[~scored & partners]
    details = {
        "variance": kind,
        "missing": missing,
        "dimensions": list(dims),
        "variances": variances,
        "countries_in_variance": counts if missing == "available" else int(complete.sum()),
    }
    return DistanceResult("kogut_singh", home, _sorted(table, "kogut_singh"), _reset(excluded), details)


def mahalanobis_distance(
    scores: pd.DataFrame, home: str, dimensions: Sequence[str] | None = None, country: str = "country"
) -> DistanceResult:
    """sqrt((x_j - x_h)' S^-1 (x_j - x_h)), S the sample covariance of the dimensions (Berry, Guillén & Zhou 2010)."""
    frame, dims, home = _prepare(scores, home, dimensions, country)
    values = frame[dims]
    complete = values.notna().all(axis=1)
    if complete.sum() <= len(dims):
        raise InputError(
            f"{int(complete.sum())} countries have all of {', '.join(dims)}; the covariance of "
            f"{len(dims)} dimensions needs more than {len(dims)}",
            hint="use fewer dimensions (--dimensions)",
        )
    data = values[complete].to_numpy(float)
    cov = np.cov(data, rowvar=False, ddof=1).reshape(len(dims), len(dims))
    if np.linalg.matrix_rank(cov) < len(dims):
        raise MethodError(
            f"the covariance of {', '.join(dims)} is singular (a dimension is constant or a linear "
            "combination of others); drop one of them"
        )
    inverse = np.linalg.inv(cov)
    diff = values.to_numpy(float) - values.loc[frame[country] == home].to_numpy(float)
    distance = np.sqrt(np.einsum("ij,jk,ik->i", diff, inverse, diff))
    partners = frame[country] != home
    table = pd.DataFrame({"country": frame[country], "mahalanobis": distance})
    table = _with_name(table, frame)[complete & partners]
    reason = values.isna().apply(lambda r: "missing " + ", ".join(r.index[r]), axis=1)
    excluded = pd.DataFrame({"country": frame[country], "reason": reason})[~complete & partners]
    details = {
        "dimensions": list(dims),
        "covariance": "sample",
        "countries_in_covariance": int(complete.sum()),
    }
    return DistanceResult("mahalanobis", home, _sorted(table, "mahalanobis"), _reset(excluded), details)


# -- economic and geographic distance ------------------------------------------------------------------
def economic_distance(
    data: pd.DataFrame, home: str, value: str = "gdp_pc", country: str = "country"
) -> DistanceResult:
    """|ln(GDPpc_j / GDPpc_h)|, the economic gap of the CAGE framework in log ratio form (Ghemawat 2001)."""
    frame, _, home = _prepare(data, home, [value], country)
    numbers = frame[value]
    bad = numbers.notna() & (numbers <= 0)
    if bad.any():
        raise InputError(
            f"'{value}' must be positive to take its logarithm; not so for "
            + ", ".join(frame.loc[bad, country].astype(str)),
            column=value,
        )
    home_value = numbers[frame[country] == home].iloc[0]
    if pd.isna(home_value):
        raise InputError(f"the home country {home} has no '{value}'", column=value)
    gap = np.abs(np.log(numbers / home_value))
    partners = frame[country] != home
    table = pd.DataFrame({"country": frame[country], "economic_distance": gap, value: numbers})
    table = _with_name(table, frame)[numbers.notna() & partners]
    excluded = pd.DataFrame({"country": frame[country], "reason": f"missing {value}"})[
        numbers.isna() & partners
    ]
    details = {"value": value, "formula": "|ln(x_j/x_h)|"}
    return DistanceResult(
        "economic_distance", home, _sorted(table, "economic_distance"), _reset(excluded), details
    )


def geographic_distance(
    data: pd.DataFrame, home: str, lon: str = "lon", lat: str = "lat", country: str = "country"
) -> DistanceResult:
    """Great-circle km from the home country's point (e.g. capital) to each partner's (Sinnott 1984)."""
    frame, _, home = _prepare(data, home, [lon, lat], country)
    for column, limit in ((lon, 180), (lat, 90)):
        out = frame[column].abs() > limit
        if out.any():
            raise InputError(
                f"'{column}' must be within ±{limit} degrees; not so for "
                + ", ".join(frame.loc[out, country].astype(str)),
                column=column,
            )
    origin = frame.loc[frame[country] == home, [lon, lat]].iloc[0]
    if origin.isna().any():
        raise InputError(f"the home country {home} has no {lon}/{lat}")
    km = haversine_km(origin[lon], origin[lat], frame[lon], frame[lat])
    known = frame[[lon, lat]].notna().all(axis=1)
    partners = frame[country] != home
    table = _with_name(pd.DataFrame({"country": frame[country], "distance_km": km}), frame)[known & partners]
    excluded = pd.DataFrame({"country": frame[country], "reason": f"missing {lon}/{lat}"})[~known & partners]
    details = {"radius_km": EARTH_RADIUS_KM}
    return DistanceResult("distance_km", home, _sorted(table, "distance_km"), _reset(excluded), details)


# -- helpers -----------------------------------------------------------------------------------------
def _prepare(
    scores: pd.DataFrame, home: str, dimensions: Sequence[str] | None, country: str
) -> tuple[pd.DataFrame, list[str], str]:
    """Validated copy of the table, the numeric dimension columns, and the home code."""
    if country not in scores.columns:
        raise InputError(
            f"no '{country}' column (ISO3 codes); columns are {', '.join(map(str, scores.columns))}"
        )
    frame = scores.copy()
    frame[country] = frame[country].astype(str).str.strip().str.upper()
    repeated = frame[country][frame[country].duplicated()].unique()
    if len(repeated):
        raise InputError(f"country code(s) appear more than once: {', '.join(repeated)}", column=country)
    if dimensions is None:
        from silkscope.io.hofstede import DIMENSIONS

        dims = [d for d in DIMENSIONS if d in frame.columns] or [
            str(c) for c in frame.columns if c != country and pd.api.types.is_numeric_dtype(frame[c])
        ]
    else:
        dims = [str(d).strip() for d in dimensions if str(d).strip()]
    if not dims:
        raise InputError("no dimensions to compare: name them (e.g. --dimensions pdi,idv)")
    unknown = [d for d in dims if d not in frame.columns]
    if unknown:
        available = [str(c) for c in frame.columns if c not in (country, "name")]
        raise InputError(
            f"dimension(s) {', '.join(unknown)} not in the table; available: {', '.join(available)}",
            hint="spell the dimensions as the column names (e.g. pdi,idv,mas,uai,ltowvs,ivr)",
        )
    if len(set(dims)) != len(dims):
        raise InputError(f"a dimension is named twice: {', '.join(dims)}")
    for dim in dims:
        if not pd.api.types.is_numeric_dtype(frame[dim]):
            converted = pd.to_numeric(frame[dim], errors="coerce")
            bad = frame[dim].notna() & converted.isna()
            if bad.any():
                first = frame.loc[bad, country].iloc[0]
                raise InputError(
                    f"'{frame.loc[bad, dim].iloc[0]}' ({first}) is not a number", column=dim, row=None
                )
            frame[dim] = converted
        frame[dim] = frame[dim].astype(float)
    home = str(home).strip().upper()
    if home not in set(frame[country]):
        hint = "give the ISO3 code of a country in the table (e.g. CHN)"
        if "ctr" in frame.columns and home in set(frame["ctr"].astype(str).str.upper()):
            name = frame.loc[frame["ctr"].astype(str).str.upper() == home, "name"].iloc[0]
            hint = f"'{home}' is Hofstede's own code for {name}; use its ISO3 code"
        raise InputError(
            f"unknown home country '{home}': not among the {len(frame)} countries of the table",
            column=country,
            hint=hint,
        )
    missing_home = [d for d in dims if pd.isna(frame.loc[frame[country] == home, d].iloc[0])]
    if missing_home:
        raise InputError(
            f"the home country {home} has no value for {', '.join(missing_home)}",
            hint="leave those dimensions out (--dimensions)",
        )
    return frame.reset_index(drop=True), dims, home


def _variance_spec(variance: object, dims: list[str]) -> tuple[str, list[float]]:
    if isinstance(variance, str):
        if variance not in ("sample", "population"):
            raise MethodError(
                f"variance must be 'sample', 'population' or ('fixed', [V1, ...]), not '{variance}'"
            )
        return variance, []
    if isinstance(variance, tuple | list) and len(variance) == 2 and variance[0] == "fixed":
        values = [float(v) for v in variance[1]]
        if len(values) != len(dims):
            raise MethodError(
                f"{len(values)} fixed variance(s) for {len(dims)} dimension(s) ({', '.join(dims)}); "
                "give one per dimension, in the same order"
            )
        if not all(v > 0 for v in values):
            raise MethodError(f"fixed variances must be positive, got {', '.join(map(str, values))}")
        return "fixed", values
    raise MethodError(f"variance must be 'sample', 'population' or ('fixed', [V1, ...]), not {variance!r}")


def _with_name(table: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    if "name" in frame.columns:
        table = table.assign(name=frame["name"].to_numpy())
    return table


def _sorted(table: pd.DataFrame, measure: str) -> pd.DataFrame:
    return table.sort_values([measure, "country"], kind="stable").reset_index(drop=True)


def _reset(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.reset_index(drop=True)
