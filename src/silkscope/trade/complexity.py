"""Economic complexity: RCA, M_cp, diversity, ubiquity, ECI/PCI, proximity, density, COI and COG.

Formulas (Hidalgo & Hausmann 2009; Hausmann, Hidalgo et al. 2014, *The Atlas of Economic
Complexity*, technical box; Balassa 1965):

* RCA_cp = (x_cp / x_c) / (x_p / x); M_cp = 1 where RCA_cp >= threshold (1 by default).
* diversity k_c = sum_p M_cp; ubiquity k_p = sum_c M_cp.
* ECI: the eigenvector of the second largest eigenvalue of M~cc = D^-1 M U^-1 M' (D, U diagonal
  of diversity and ubiquity), computed from the symmetric similar matrix D^-1/2 M U^-1 M' D^-1/2
  (exact, and cheap because countries are few); PCI = U^-1 M' ECI / lambda, the matching
  eigenvector of M~pp. ``reflections`` iterates k_c,N = D^-1 M k_p,N-1 and k_p,N = U^-1 M' k_c,N-1
  from (diversity, ubiquity) for ``iterations`` steps (Hidalgo & Hausmann 2009).
* proximity phi_pp' = sum_c M_cp M_cp' / max(k_p, k_p') (Hidalgo et al. 2007).
* density d_cp = sum_p' M_cp' phi_pp' / sum_p' phi_pp'; with ``knn=k`` the sums run over the k
  products p' != p closest to p (highest phi_pp', ties by product order), weights kept (the
  ``ecomplexity`` package's knn option sums M_cp' without the weights).
* COI_c = sum_p d_cp (1 - M_cp) PCI_p (the Atlas writes it with distance = 1 - density);
  COG_cp = (1 - M_cp) sum_p' phi_pp' / (sum_p'' phi_p''p') (1 - M_cp') PCI_p' (Atlas 2014).

Conventions (``standardise``): ``atlas`` follows the Atlas / ``ecomplexity`` package: the sign
makes ECI correlate positively with diversity, ECI is z-scored with the population standard
deviation, PCI is standardised with ECI's mean and standard deviation, COG divided by ECI's
standard deviation, COI z-scored. ``r`` follows R ``economiccomplexity``: each index z-scored on
its own with the sample standard deviation and signed to agree with the reflections method.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError

METHODS = ("eigenvalues", "reflections")
STANDARDISE = ("atlas", "r")


def balassa_rca(x: np.ndarray) -> np.ndarray:
    """Balassa's (1965) revealed comparative advantage of a country x product value matrix."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rca = (x / x.sum(axis=1, keepdims=True)) / (x.sum(axis=0, keepdims=True) / x.sum())
    return np.nan_to_num(rca)


def proximity(m: np.ndarray, axis: str = "product") -> np.ndarray:
    """Minimum conditional probability of co-specialisation (Hidalgo et al. 2007), between
    products (``axis='product'``) or countries (``'country'``)."""
    m = np.asarray(m, dtype=float)
    if axis == "country":
        m = m.T
    co = m.T @ m
    k = m.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nan_to_num(co / np.maximum.outer(k, k))


def _zscore(v: np.ndarray, ddof: int) -> np.ndarray:
    return (v - v.mean()) / v.std(ddof=ddof)


def _reflections(
    m: np.ndarray, kc0: np.ndarray, kp0: np.ndarray, iterations: int
) -> tuple[np.ndarray, np.ndarray]:
    """R ``economiccomplexity``'s reflections: k_c of order ``iterations - 2`` and k_p of order
    ``iterations - 1`` (its columns ``iterations - 1`` and ``iterations``, 1-based)."""
    kc, kp = kc0.astype(float), kp0.astype(float)
    history_c, history_p = [kc], [kp]
    for _ in range(iterations - 1):
        kc, kp = (m @ kp) / kc0, (m.T @ kc) / kp0
        history_c.append(kc)
        history_p.append(kp)
    return history_c[iterations - 2], history_p[iterations - 1]


def _eigen(m: np.ndarray, kc0: np.ndarray, kp0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Second eigenvectors of M~cc and M~pp, scaled so that kc = D^-1 M kp (the Atlas pair)."""
    a = m / np.sqrt(kc0)[:, None] / np.sqrt(kp0)[None, :]
    values, vectors = np.linalg.eigh(a @ a.T)
    lam = values[-2]
    kc = vectors[:, -2] / np.sqrt(kc0)
    kp = (m.T @ kc) / kp0 / lam
    return kc, kp


@dataclass(frozen=True)
class YearComplexity:
    """Complexity of one year; arrays are aligned with ``countries`` and ``products``."""

    year: int | None
    countries: list[str]
    products: list[str]
    rca: np.ndarray
    mcp: np.ndarray
    diversity: np.ndarray
    ubiquity: np.ndarray
    eci: np.ndarray
    pci: np.ndarray
    proximity: np.ndarray
    density: np.ndarray
    coi: np.ndarray
    cog: np.ndarray


def complexity_year(
    values: pd.DataFrame,
    year: int | None = None,
    method: str = "eigenvalues",
    standardise: str = "atlas",
    threshold: float = 1.0,
    iterations: int = 20,
    knn: int | None = None,
) -> YearComplexity:
    """Complexity measures from a country x product table of export values (one year).

    Countries and products with no export at all are dropped, and so (after M_cp) are those with
    zero diversity or ubiquity, as in the Atlas; they cannot be ranked.
    """
    if method not in METHODS:
        raise MethodError(f"unknown method '{method}'; expected {' or '.join(METHODS)}")
    if standardise not in STANDARDISE:
        raise MethodError(f"unknown standardisation '{standardise}'; expected {' or '.join(STANDARDISE)}")
    x = values.loc[values.sum(axis=1) > 0, values.sum(axis=0) > 0]
    rca = balassa_rca(x.to_numpy())
    mcp = (rca >= threshold).astype(float)
    keep_c, keep_p = mcp.sum(axis=1) > 0, mcp.sum(axis=0) > 0
    x, rca, mcp = x.loc[keep_c, keep_p], rca[keep_c][:, keep_p], mcp[keep_c][:, keep_p]
    if mcp.shape[0] < 3 or mcp.shape[1] < 3:
        raise InputError(
            f"{_in(year)}too few countries or products with RCA >= {threshold} to compute complexity"
        )
    kc0, kp0 = mcp.sum(axis=1), mcp.sum(axis=0)
    ref_c, ref_p = _reflections(mcp, kc0, kp0, iterations)
    if method == "reflections":
        kc, kp = ref_c, ref_p
    else:
        kc, kp = _eigen(mcp, kc0, kp0)
    phi = proximity(mcp)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = knn_density(mcp, phi, knn) if knn else np.nan_to_num((mcp @ phi) / phi.sum(axis=0)[None, :])
        phi_share = np.nan_to_num(phi / phi.sum(axis=1)[:, None])  # row p' divided by p''s total proximity
    if standardise == "atlas":
        sign = np.sign(np.corrcoef(kc0, kc)[0, 1]) or 1.0
        kc, kp = sign * kc, sign * kp
        mean, sd = kc.mean(), kc.std()
        eci, pci = (kc - mean) / sd, (kp - mean) / sd
        coi = _zscore((density * (1 - mcp) * kp[None, :]).sum(axis=1), 0)
        cog = (1 - mcp) * (((1 - mcp) * kp[None, :]) @ phi_share) / sd
    else:
        eci = _zscore(kc, 1)
        pci = _zscore(kp, 1)
        if method == "eigenvalues":
            eci = eci if np.corrcoef(eci, ref_c)[0, 1] >= 0 else -eci
            pci = pci if np.corrcoef(pci, ref_p)[0, 1] >= 0 else -pci
        coi = (density * (1 - mcp) * pci[None, :]).sum(axis=1)
        cog = (1 - mcp) * (((1 - mcp) * pci[None, :]) @ phi_share)
    return YearComplexity(
        year, list(x.index), list(x.columns), rca, mcp, kc0, kp0, eci, pci, phi, density, coi, cog
    )


def knn_density(mcp: np.ndarray, phi: np.ndarray, k: int) -> np.ndarray:
    """Density over each product's k nearest products (highest proximity, itself excluded),
    weighted by proximity (Hidalgo et al. 2007 restricted to the k nearest neighbours)."""
    from scipy import sparse

    n = phi.shape[0]
    if not 1 <= k < n:
        raise MethodError(f"knn must be between 1 and {n - 1} (the number of other products); got {k}")
    ranked = np.where(np.eye(n, dtype=bool), -np.inf, phi)
    nearest = np.argsort(-ranked, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(n), k)
    weights = sparse.csr_matrix((phi[rows, nearest.ravel()], (rows, nearest.ravel())), shape=(n, n))
    totals = np.asarray(weights.sum(axis=1)).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nan_to_num(np.asarray(weights @ mcp.T).T / totals[None, :])


def _in(year: int | None) -> str:
    return "" if year is None else f"{year}: "


@dataclass(frozen=True)
class ComplexityResult:
    """Complexity for every year: ``country``, ``product`` and ``country_product`` tables."""

    years: list[YearComplexity] = field(default_factory=list)
    method: str = "eigenvalues"
    standardise: str = "atlas"

    def country(self) -> pd.DataFrame:
        return pd.concat(
            [
                pd.DataFrame(
                    {
                        "year": y.year,
                        "country": y.countries,
                        "diversity": y.diversity,
                        "eci": y.eci,
                        "coi": y.coi,
                    }
                )
                for y in self.years
            ],
            ignore_index=True,
        )

    def product(self) -> pd.DataFrame:
        return pd.concat(
            [
                pd.DataFrame({"year": y.year, "product": y.products, "ubiquity": y.ubiquity, "pci": y.pci})
                for y in self.years
            ],
            ignore_index=True,
        )

    def country_product(self) -> pd.DataFrame:
        parts = []
        for y in self.years:
            c, p = len(y.countries), len(y.products)
            parts.append(
                pd.DataFrame(
                    {
                        "year": y.year,
                        "country": np.repeat(y.countries, p),
                        "product": np.tile(y.products, c),
                        "rca": y.rca.ravel(),
                        "mcp": y.mcp.ravel().astype(int),
                        "density": y.density.ravel(),
                        "cog": y.cog.ravel(),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> str:
        lines = [f"economic complexity ({self.method}, {self.standardise} convention)"]
        for y in self.years:
            top = np.argsort(-y.eci)[:5]
            leaders = ", ".join(f"{y.countries[i]} {y.eci[i]:.2f}" for i in top)
            label = "" if y.year is None else f"{y.year}: "
            lines.append(
                f"{label}{len(y.countries)} countries x {len(y.products)} products; highest ECI: {leaders}"
            )
        return "\n".join(lines)


def complexity(
    frame: pd.DataFrame,
    method: str = "eigenvalues",
    standardise: str = "atlas",
    threshold: float = 1.0,
    iterations: int = 20,
    year: int | None = None,
    knn: int | None = None,
) -> ComplexityResult:
    """Complexity for each year of a long ``country, product, value[, year]`` table."""
    missing = [c for c in ("country", "product", "value") if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; expected country, product, value[, year]; "
            f"have {', '.join(map(str, frame.columns))}"
        )
    data = frame.copy()
    data["country"] = data["country"].astype(str).str.strip().str.upper()
    data["product"] = data["product"].astype(str).str.strip()
    data["value"] = pd.to_numeric(data["value"], errors="coerce")
    bad = data["value"].isna() | (data["value"] < 0)
    if bad.any():
        row = data[bad].iloc[0]
        raise InputError(
            f"value must be a number >= 0; {row.country} / {row['product']} has '{frame.loc[row.name, 'value']}'"
            f" ({int(bad.sum())} such rows)"
        )
    if "year" not in data.columns:
        data["year"] = -1
    if year is not None:
        data = data[data["year"] == year]
        if data.empty:
            raise InputError(f"no rows for year {year}")
    years = []
    for y, block in data.groupby("year", sort=True):
        matrix = block.pivot_table(
            index="country", columns="product", values="value", aggfunc="sum", fill_value=0.0
        )
        years.append(
            complexity_year(
                matrix, None if y == -1 else int(y), method, standardise, threshold, iterations, knn
            )
        )
    return ComplexityResult(years, method, standardise)
