"""Spatial statistics of a regional variable through PySAL (esda, libpysal).

* Global Moran's I (Moran 1950) and Geary's C (Geary 1954), row-standardised weights, inference by
  conditional permutation (esda's ``p_sim``, one-sided pseudo p-value).
* Local Moran / LISA (Anselin 1995): quadrant labels HH, LH, LL, HL where ``p_sim`` is at most the
  significance level, ``ns`` otherwise.
* Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis 1995): binary weights including the unit itself;
  ``value`` is the standardised Gi* (a z-score: positive = hot spot, negative = cold spot).

Weights: ``contiguity`` (our province adjacency table, Hainan linked to Guangdong across the
Qiongzhou Strait), ``contiguity:land`` (land borders only), ``knn:K`` (K nearest neighbours on
projected ``x, y`` or, great-circle, on ``lon, lat``; provinces default to their capitals) and
``distance:D`` (every unit within D, in km for ``lon, lat``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError
from silkscope.geo import EARTH_RADIUS_KM

WEIGHTS_HELP = "contiguity|contiguity:land|knn:K|distance:D"
#: the statistics one can ask for, and the ``statistic`` value of their output rows
STATISTICS = {"moran": "moran_i", "lisa": "lisa", "geary": "geary_c", "gi": "gi_star"}
OUTPUT_COLUMNS = ["unit_id", "year", "statistic", "value", "p_value", "label", "z_score"]


def _province_names() -> dict[str, str]:
    from silkscope.reference import provinces

    table = provinces()
    return dict(zip(table["unit_id"], table["name_en"], strict=True))


def _named(unit: str) -> str:
    name = _province_names().get(unit)
    return f"{unit} ({name})" if name else unit


def spatial_weights(units: list[str], spec: str, coords: pd.DataFrame | None = None):
    """A libpysal ``W`` over ``units`` (in that order) from a weights spec (see module docstring).

    ``coords`` is indexed by unit id with columns ``x, y`` (Euclidean) or ``lon, lat``
    (great-circle, km). Raises when a unit would have no neighbour.
    """
    from libpysal.weights import W

    kind, _, arg = spec.partition(":")
    if kind == "contiguity" and arg in ("", "land"):
        neighbours = _contiguity(units, strait_links=arg == "")
        w = W(neighbours, id_order=units, silence_warnings=True)
    elif kind in ("knn", "distance"):
        try:
            number = float(arg)
        except ValueError:
            raise MethodError(f"--weights {spec}: '{arg}' is not a number; expected {WEIGHTS_HELP}") from None
        w = _from_points(units, kind, number, _coordinates(units, coords), spec)
    else:
        raise MethodError(f"unknown weights '{spec}'; expected {WEIGHTS_HELP}")
    islands = [u for u in units if not w.neighbors[u]]
    if islands:
        raise InputError(
            f"with --weights {spec}, {', '.join(map(_named, islands))} "
            f"{'has' if len(islands) == 1 else 'have'} no neighbour among the units in the data",
            hint="widen the distance band, or use knn:K"
            if kind == "distance"
            else "use --weights contiguity (links Hainan to Guangdong) or knn:K, or leave the unit out",
        )
    return w


def _contiguity(units: list[str], strait_links: bool) -> dict[str, list[str]]:
    from silkscope.reference import province_adjacency

    known = set(_province_names())
    foreign = [u for u in units if u not in known]
    if foreign:
        raise InputError(
            f"contiguity weights exist for the 31 provinces only; not a province: {', '.join(foreign[:10])}",
            hint="use --weights knn:K with x, y or lon, lat columns for other units",
        )
    pairs = province_adjacency(strait_links)
    present = set(units)
    neighbours: dict[str, list[str]] = {u: [] for u in units}
    for a, b in zip(pairs["unit_id_a"], pairs["unit_id_b"], strict=True):
        if a in present and b in present:
            neighbours[a].append(b)
            neighbours[b].append(a)
    return neighbours


def _coordinates(units: list[str], coords: pd.DataFrame | None) -> tuple[np.ndarray, bool]:
    """``(points, spherical)``: an (n, 2) array in unit order, and whether it is lon/lat."""
    if coords is None or not ({"x", "y"} <= set(coords.columns) or {"lon", "lat"} <= set(coords.columns)):
        known = set(_province_names())
        if not set(units) <= known:
            raise InputError(
                "knn and distance weights need coordinates: columns x, y (projected) or lon, lat",
                hint="provinces default to their capitals' coordinates",
            )
        from silkscope.reference import provinces

        coords = provinces().set_index("unit_id")[["lon", "lat"]]
    spherical = {"lon", "lat"} <= set(coords.columns)
    columns = ["lon", "lat"] if spherical else ["x", "y"]
    points = coords.loc[units, columns].to_numpy(dtype=float)
    bad = [u for u, p in zip(units, points, strict=True) if not np.isfinite(p).all()]
    if bad:
        raise InputError(f"missing coordinates ({', '.join(columns)}) for {', '.join(map(_named, bad[:10]))}")
    if spherical and (np.abs(points[:, 1]) > 90).any() | (np.abs(points[:, 0]) > 180).any():
        raise InputError("lon must lie in [-180, 180] and lat in [-90, 90]")
    return points, spherical


def _from_points(units: list[str], kind: str, number: float, located: tuple[np.ndarray, bool], spec: str):
    from libpysal.weights import KNN, DistanceBand

    points, spherical = located
    metric = {"distance_metric": "arc", "radius": EARTH_RADIUS_KM} if spherical else {}
    if kind == "knn":
        k = int(number)
        if k != number or not 1 <= k < len(units):
            raise MethodError(f"--weights {spec}: K must be a whole number from 1 to {len(units) - 1}")
        if len(np.unique(points, axis=0)) < len(points):
            raise InputError("two units share the same coordinates; k-nearest neighbours would be arbitrary")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "not fully connected" is not a fault
            return KNN(points, k=k, ids=units, **metric)
    if number <= 0:
        raise MethodError(f"--weights {spec}: the distance band must be positive")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands are reported by spatial_weights with names
        return DistanceBand(points, threshold=number, ids=units, silence_warnings=True, **metric)


@contextmanager
def _numpy_seed(seed: int | None) -> Iterator[None]:
    """esda's global statistics draw from NumPy's global generator: seed it, then restore it."""
    state = np.random.get_state()
    if seed is not None:
        np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def parse_statistics(text: str | None) -> tuple[str, ...]:
    """``moran,lisa,geary,gi`` (any subset, comma-separated; None or empty: all four) -> names
    in that canonical order; unknown names raise a MethodError that lists the choices."""
    asked = [] if text is None else [part.strip().lower() for part in text.split(",") if part.strip()]
    unknown = [part for part in asked if part not in STATISTICS]
    if unknown:
        raise MethodError(
            f"unknown statistic(s) {', '.join(unknown)}; expected a comma-separated subset of "
            f"{','.join(STATISTICS)}"
        )
    return tuple(name for name in STATISTICS if not asked or name in asked)


def spatial_statistics(
    values: pd.Series,
    w,
    permutations: int = 999,
    seed: int | None = None,
    significance: float = 0.05,
    statistics: tuple[str, ...] = tuple(STATISTICS),
) -> pd.DataFrame:
    """Moran's I, Geary's C, LISA and Gi* of ``values`` (indexed by unit id, in ``w``'s order),
    or only the ``statistics`` asked (``moran``, ``lisa``, ``geary``, ``gi``).

    Returns rows ``unit_id, statistic, value, p_value, label, z_score`` (``unit_id`` = ``ALL`` for
    the global statistics). Each statistic draws its permutations from its own seeded stream, so
    its result does not depend on which others are computed.
    """
    import esda
    from libpysal.weights import W

    if permutations < 1:
        raise MethodError("permutations must be at least 1 (999 is usual)")
    unknown = set(statistics) - set(STATISTICS)
    if unknown or not statistics:
        raise MethodError(f"statistics must be a non-empty subset of {', '.join(STATISTICS)}")
    units = list(values.index)
    y = values.to_numpy(dtype=float)
    if np.ptp(y) == 0:
        raise InputError("the variable is constant across units; spatial autocorrelation is undefined")

    if list(w.id_order) != units:
        w = W(w.neighbors, id_order=units, silence_warnings=True)
    original = w.transform

    def weights() -> W:
        """``w`` as given: esda sets its transform in place (a libpysal W keeps the original
        weights and derives each transform from them), restored when done; cheaper than a copy."""
        w.transform = original
        return w

    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)  # esda's note on its future default
        if "moran" in statistics:
            with _numpy_seed(seed):  # esda's global statistics draw from NumPy's global generator
                moran = esda.Moran(y, weights(), permutations=permutations)
            label = _global_label(moran.p_sim, moran.I > moran.EI, significance)
            parts.append(_global_row("moran_i", moran.I, moran.p_sim, label, moran.z_sim))
        if "geary" in statistics:
            with _numpy_seed(seed):
                geary = esda.Geary(y, weights(), permutations=permutations)
            label = _global_label(geary.p_sim, geary.C < 1, significance)
            parts.append(_global_row("geary_c", geary.C, geary.p_sim, label, geary.z_sim))
        if "lisa" in statistics:
            with _numpy_seed(None):  # esda re-seeds the global generator: restore it afterwards
                local = esda.Moran_Local(y, weights(), permutations=permutations, seed=seed, n_jobs=1)
            quadrant = np.array(["", "HH", "LH", "LL", "HL"])[local.q]
            label = np.where(local.p_sim <= significance, quadrant, "ns")
            parts.append(_local_rows(units, "lisa", local.Is, local.p_sim, label, local.z_sim))
        if "gi" in statistics:
            with _numpy_seed(None):
                gi = esda.G_Local(
                    y, weights(), transform="B", permutations=permutations, star=True, seed=seed, n_jobs=1
                )
            label = np.where(gi.p_sim <= significance, np.where(gi.Zs > 0, "hot", "cold"), "ns")
            parts.append(_local_rows(units, "gi_star", gi.Zs, gi.p_sim, label, gi.Zs))
    w.transform = original
    return pd.concat(parts, ignore_index=True)


def _global_row(statistic: str, value: float, p: float, label: str, z: float) -> pd.DataFrame:
    return pd.DataFrame(
        [("ALL", statistic, value, p, label, z)],
        columns=["unit_id", "statistic", "value", "p_value", "label", "z_score"],
    )


def _local_rows(units: list[str], statistic: str, value, p, label, z) -> pd.DataFrame:
    """One row per unit; numbers as float64 whatever esda returned (its Gi* p_sim is float32)."""
    return pd.DataFrame(
        {
            "unit_id": units,
            "statistic": statistic,
            "value": np.asarray(value, dtype=np.float64),
            "p_value": np.asarray(p, dtype=np.float64),
            "label": label,
            "z_score": np.asarray(z, dtype=np.float64),
        }
    )


def _global_label(p: float, positive: bool, significance: float) -> str:
    if p > significance:
        return "ns"
    return "clustered" if positive else "dispersed"


@dataclass(frozen=True)
class SpatialResult:
    """Spatial statistics per year; ``dropped`` lists (year, unit) left out for a missing value."""

    table: pd.DataFrame
    variable: str
    weights: str
    permutations: int
    dropped: tuple[tuple[int | None, str], ...] = ()

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        lines = []
        for year, block in self.table.groupby("year", dropna=False, sort=True):
            glob = block[block.unit_id == "ALL"].set_index("statistic")
            parts = [
                f"{title} {glob.loc[stat].value:.3f} (p {glob.loc[stat].p_value:.3f})"
                for stat, title in (("moran_i", "Moran's I"), ("geary_c", "Geary's C"))
                if stat in glob.index
            ]
            for stat, title, kinds in (
                ("lisa", "LISA", ("HH", "LL", "HL", "LH")),
                ("gi_star", "Gi*", ("hot", "cold")),
            ):
                counts = block[block.statistic == stat].label.value_counts()
                if len(counts):
                    parts.append(f"{title} " + ", ".join(f"{k} {counts.get(k, 0)}" for k in kinds))
            lines.append(f"{'' if pd.isna(year) else f'{int(year)}: '}" + "; ".join(parts))
        if self.dropped:
            gone = ", ".join(f"{_named(u)}{'' if y is None else f' in {y}'}" for y, u in self.dropped[:10])
            lines.append(f"left out for a missing {self.variable}: {gone}")
        head = f"{self.variable}, weights {self.weights}, {self.permutations} permutations"
        return "\n".join([head, *lines])


def spatial_analysis(
    frame: pd.DataFrame,
    variable: str,
    weights: str = "contiguity",
    permutations: int = 999,
    seed: int | None = None,
    significance: float = 0.05,
    statistics: tuple[str, ...] = tuple(STATISTICS),
) -> SpatialResult:
    """Spatial statistics of ``variable`` for each year of a table with ``unit_id[, year]`` and,
    for point-based weights, ``x, y`` or ``lon, lat``: all four, or only the ``statistics`` asked
    (see :func:`parse_statistics`). Units missing the variable in a year are left out of that year
    (and listed); each year needs at least 4 units."""
    statistics = tuple(statistics)
    if "unit_id" not in frame.columns:
        raise InputError(f"no unit_id column; columns are {', '.join(map(str, frame.columns))}")
    if variable not in frame.columns:
        raise InputError(f"no column '{variable}'; columns are {', '.join(map(str, frame.columns))}")
    data = frame.copy()
    data["unit_id"] = data["unit_id"].astype(str)
    has_year = "year" in data.columns
    years = sorted(data["year"].dropna().unique()) if has_year else [None]
    parts, dropped = [], []
    for year in years:
        block = data if year is None else data[data["year"] == year]
        where = "" if year is None else f"year {int(year)}: "
        if block["unit_id"].duplicated().any():
            unit = block.loc[block["unit_id"].duplicated(), "unit_id"].iloc[0]
            raise InputError(f"{where}unit {unit} appears more than once")
        y = pd.to_numeric(block.set_index("unit_id")[variable], errors="coerce")
        dropped += [(None if year is None else int(year), u) for u in y.index[y.isna()]]
        y = y.dropna()
        if len(y) < 4:
            raise InputError(f"{where}only {len(y)} units have a value of {variable}; need at least 4")
        coords = block.set_index("unit_id")
        try:
            w = spatial_weights(list(y.index), weights, coords)
            table = spatial_statistics(y, w, permutations, seed, significance, statistics)
        except InputError as exc:
            raise InputError(f"{where}{exc.problems[0].message}", hint=exc.hint) from None
        table.insert(1, "year", pd.NA if year is None else int(year))
        parts.append(table)
    table = pd.concat(parts, ignore_index=True)[OUTPUT_COLUMNS]
    return SpatialResult(table, variable, weights, permutations, tuple(dropped))
