"""Echelons: classify a score into ranked tiers (1 = highest) by natural breaks, quantiles or k-means.

* Fisher-Jenks natural breaks (Fisher 1958; Jenks 1977), exact optimum, via mapclassify.
* Quantiles via mapclassify (equal counts; ties can leave a class empty, which is refused).
* k-means on the one-dimensional score (scikit-learn, seeded, 10 starts).
* Goodness of variance fit (Jenks 1977): GVF = 1 - SDCM / SDAM, the share of the squared
  deviations from the mean explained by the classes (1 = every class is homogeneous).

The 002 paper's "three echelons" of regions are ``k = 3``: high / medium / low.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError

METHODS = ("jenks", "quantile", "kmeans")
_NAMES = {
    2: ["high", "low"],
    3: ["high", "medium", "low"],
    4: ["high", "upper-middle", "lower-middle", "low"],
    5: ["high", "upper-middle", "middle", "lower-middle", "low"],
}


def echelon_names(k: int) -> list[str]:
    """Names of echelons 1..k (1 = highest)."""
    return _NAMES.get(k, [f"echelon {i}" for i in range(1, k + 1)])


def goodness_of_variance_fit(values: np.ndarray, classes: np.ndarray) -> float:
    """GVF = 1 - SDCM / SDAM (Jenks 1977)."""
    values = np.asarray(values, dtype=float)
    sdam = ((values - values.mean()) ** 2).sum()
    frame = pd.DataFrame({"v": values, "c": classes})
    sdcm = ((frame.v - frame.groupby("c").v.transform("mean")) ** 2).sum()
    return float(1 - sdcm / sdam)


def classify(values: np.ndarray, method: str = "jenks", k: int = 3, seed: int = 0) -> np.ndarray:
    """Echelon of each value, 1 = the highest class, ``k`` the lowest."""
    if method not in METHODS:
        raise MethodError(f"unknown method '{method}'; expected one of {', '.join(METHODS)}")
    if k < 2:
        raise MethodError(f"k must be at least 2, got {k}")
    values = np.asarray(values, dtype=float)
    distinct = len(np.unique(values))
    if distinct < k:
        raise InputError(f"only {distinct} distinct values; cannot form {k} echelons", hint="lower --k")
    if method == "kmeans":
        from sklearn.cluster import KMeans

        model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(values.reshape(-1, 1))
        order = np.argsort(np.argsort(-model.cluster_centers_.ravel()))  # centre rank, 0 = highest
        return order[model.labels_] + 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Numba not installed": the exact pure-Python path
        import mapclassify

        classify_with = mapclassify.FisherJenks if method == "jenks" else mapclassify.Quantiles
        classifier = classify_with(values, k=k)
    bins = np.asarray(classifier.yb)
    used = len(np.unique(bins))
    if used < k:
        raise InputError(
            f"{method} gives only {used} non-empty classes of {k} (tied values straddle a break)",
            hint="use --method jenks or kmeans, or lower --k",
        )
    return k - bins


@dataclass(frozen=True)
class EchelonResult:
    """Echelons per unit and year, with each year's goodness of variance fit."""

    table: pd.DataFrame
    gvf: dict[int | None, float]
    variable: str
    method: str
    k: int

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        lines = [f"{self.variable}: {self.k} echelons by {self.method}"]
        for year, block in self.table.groupby("year", dropna=False, sort=True):
            counts = block.echelon.value_counts().sort_index()
            ranges = block.groupby("echelon").value.agg(["min", "max"])
            parts = [
                f"{name} {counts.get(e, 0)} ({ranges.loc[e, 'min']:.4g}–{ranges.loc[e, 'max']:.4g})"
                for e, name in enumerate(echelon_names(self.k), start=1)
            ]
            label = "" if pd.isna(year) else f"{int(year)}: "
            key = None if pd.isna(year) else int(year)
            lines.append(f"{label}{'; '.join(parts)}; GVF {self.gvf.get(key, np.nan):.3f}")
        return "\n".join(lines)


def echelons(
    frame: pd.DataFrame,
    variable: str,
    method: str = "jenks",
    k: int = 3,
    seed: int = 0,
    pooled: bool = False,
) -> EchelonResult:
    """Echelons of ``variable`` for each year of a ``unit_id[, year], variable`` table.

    ``pooled`` classifies all years together (common breaks, so tiers are comparable over time);
    the default classifies each year on its own. Units without a value are left out.
    """
    for column in ("unit_id", variable):
        if column not in frame.columns:
            raise InputError(f"no column '{column}'; columns are {', '.join(map(str, frame.columns))}")
    data = frame[[c for c in ("unit_id", "year", variable) if c in frame.columns]].copy()
    data["unit_id"] = data["unit_id"].astype(str)
    if "year" not in data.columns:
        data["year"] = pd.NA
    data["value"] = pd.to_numeric(data.pop(variable), errors="coerce")
    data = data.dropna(subset=["value"]).reset_index(drop=True)
    if data.empty:
        raise InputError(f"column '{variable}' holds no numbers")
    dup = data.duplicated(["unit_id", "year"])
    if dup.any():
        row = data[dup].iloc[0]
        raise InputError(f"unit {row.unit_id} appears more than once{_in(row.year)}")
    by_year = not pooled and data["year"].notna().any()
    groups = list(data.groupby("year").groups.items()) if by_year else [(None, data.index)]
    data["echelon"] = 0
    gvf: dict[int | None, float] = {}
    for year, index in groups:
        values = data.loc[index, "value"].to_numpy()
        try:
            classes = classify(values, method, k, seed)
        except InputError as exc:
            raise InputError(f"{exc.problems[0].message}{_in(year)}", hint=exc.hint) from None
        data.loc[index, "echelon"] = classes
        gvf[None if year is None or pd.isna(year) else int(year)] = goodness_of_variance_fit(values, classes)
    if pooled:
        gvf |= {None if pd.isna(y) else int(y): gvf[None] for y in data["year"].unique()}
    names = echelon_names(k)
    data["echelon_name"] = [names[e - 1] for e in data["echelon"]]
    table = data[["unit_id", "year", "value", "echelon", "echelon_name"]]
    table = table.sort_values(["year", "echelon", "value"], ascending=[True, True, False]).reset_index(
        drop=True
    )
    return EchelonResult(table, gvf, variable, method, k)


def _in(year: object) -> str:
    return "" if year is None or pd.isna(year) else f" in {int(year)}"
