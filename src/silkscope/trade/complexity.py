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

Input (:func:`export_table`): any column names (``columns=``); a value that is missing, blank or
NA means "no export" (zero) and is counted, as in the published export baskets; years are whole
numbers whatever the file stores them as (text in a CSV, int or text in Parquet).

Country filter (:func:`country_filter`), the Atlas's rule: *The Atlas of Economic Complexity*
(Hausmann, Hidalgo et al. 2011, ch. 7, pp. 58-59) keeps the countries with a population above
1,200,000 that "exported at least 1 billion dollars per year, on average" over the years used
(2006-2008 there), and drops a few with severe data-quality problems (Iraq, Macau, Chad). The
Growth Lab's current Atlas rankings use population >= 1 million and average exports >= USD 1
billion (as given in issue 14; not checked against a Growth Lab page here): these are the defaults
:data:`ATLAS_MIN_POPULATION` and :data:`ATLAS_MIN_EXPORTS`. The data-quality exclusions are not
applied. Without the filter tiny territories rank high (Bouvet Island 4th of 224 on the 2017 HS4
baskets), because a handful of exports gives a few very ubiquitous-looking specialisations.

Conventions (``standardise``): ``atlas`` follows the Atlas / ``ecomplexity`` package: the sign
makes ECI correlate positively with diversity, ECI is z-scored with the population standard
deviation, PCI is standardised with ECI's mean and standard deviation, COG divided by ECI's
standard deviation, COI z-scored. ``r`` follows R ``economiccomplexity``: each index z-scored on
its own with the sample standard deviation and signed to agree with the reflections method.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError

METHODS = ("eigenvalues", "reflections")
STANDARDISE = ("atlas", "r")
ATLAS_MIN_POPULATION = 1_000_000
ATLAS_MIN_EXPORTS = 1e9  # USD, average per year
ATLAS_RULE = (
    "Atlas of Economic Complexity rule: population >= {population:,.0f} and average exports >= "
    "{exports:,.0f} per year (Hausmann, Hidalgo et al. 2011, ch. 7; Growth Lab rankings)"
)
COLUMNS = ("country", "product", "value", "year")
POPULATION_COUNTRY = ("country", "reporter_iso", "iso3", "iso", "unit_id", "country code", "code")
POPULATION_VALUE = ("population", "population_total", "sp.pop.totl", "pop", "value")


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
    no_export_rows: int = 0  # rows with a missing / NA value, counted as no export
    rows: int = 0  # rows read
    excluded: pd.DataFrame | None = None  # country filter: country, exports, population, reason
    rule: str = ""  # the country filter applied, in words
    notes: tuple[str, ...] = ()  # how the input was read, e.g. the year a table without one is given

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
        lines = [f"economic complexity ({self.method}, {self.standardise} convention)", *self.notes]
        if self.no_export_rows:
            lines.append(
                f"no export: {self.no_export_rows:,} of {self.rows:,} rows have no value (NA or blank), "
                "counted as no export"
            )
        if self.excluded is None:
            lines.append("country filter: none (every country with exports is ranked)")
        else:
            kept = len(self.years[0].countries) if self.years else 0
            lines.append(f"country filter: {self.rule}; excluded {len(self.excluded)} countries:")
            for reason, group in self.excluded.groupby("reason", sort=True):
                lines.append(f"  {reason} ({len(group)}): {', '.join(group['country'])}")
            if len(self.years) == 1:
                lines.append(f"  {kept} countries kept")
        for y in self.years:
            top = np.argsort(-y.eci)[:5]
            leaders = ", ".join(f"{y.countries[i]} {y.eci[i]:.2f}" for i in top)
            label = "" if y.year is None else f"{y.year}: "
            lines.append(
                f"{label}{len(y.countries)} countries x {len(y.products)} products; highest ECI: {leaders}"
            )
        return "\n".join(lines)


def export_table(
    frame: pd.DataFrame,
    columns: Mapping[str, str] | None = None,
    rows: Sequence[int] | None = None,
    file: str | None = None,
) -> tuple[pd.DataFrame, int]:
    """``country, product, value, year`` from a long export table, and the number of rows whose
    value is missing (blank, NA, '..': no export, kept as 0).

    ``columns`` maps ``country``/``product``/``value``/``year`` to the table's own names; ``rows``
    gives the spreadsheet row of each frame row for error messages. Years become integers; a
    value that is text or negative, or a year that is not a whole number, is an error naming its row.
    """
    from silkscope.io.tables import MISSING

    names = {key: (columns or {}).get(key) or key for key in COLUMNS}
    have = list(map(str, frame.columns))
    wanted = [k for k in ("country", "product", "value") if names[k] not in have]
    if (columns or {}).get("year") and names["year"] not in have:
        wanted.append("year")
    missing = [names[k] + ("" if names[k] == k else f" ({k})") for k in wanted]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; expected country, product, value[, year]; "
            f"have {', '.join(have)}",
            file=file,
            hint="name the table's columns with --country-column, --product-column, --value-column, --year-column",
        )
    where = list(rows) if rows is not None else [i + 2 for i in range(len(frame))]
    data = pd.DataFrame(
        {
            "country": frame[names["country"]].astype(str).str.strip().str.upper().to_numpy(),
            "product": frame[names["product"]].astype(str).str.strip().to_numpy(),
        }
    )
    raw = frame[names["value"]].reset_index(drop=True)
    text = raw.astype(str).str.strip()
    absent = raw.isna().to_numpy() | text.str.lower().isin(MISSING).to_numpy()
    value = pd.to_numeric(text.where(~absent), errors="coerce")
    bad = (value.isna() & ~absent) | (value < 0)
    if bad.any():
        at = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(
            f"value must be a number >= 0; {data['country'].iloc[at]} / "
            f"{data['product'].iloc[at]} has '{raw.iloc[at]}' ({int(bad.sum())} such rows)",
            file=file,
            row=where[at],
            column=names["value"],
            hint="leave the cell blank or write NA where there is no export",
        )
    data["value"] = value.fillna(0.0).to_numpy()
    if names["year"] in have:
        cells = frame[names["year"]].reset_index(drop=True)
        year = pd.to_numeric(
            cells.astype(str).str.strip().str.replace(r"\.0+$", "", regex=True), errors="coerce"
        )
        bad = year.isna() | (year % 1 != 0)
        if bad.any():
            at = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(
                f"the year must be a whole number; found '{cells.iloc[at]}' ({int(bad.sum())} such rows)",
                file=file,
                row=where[at],
                column=names["year"],
            )
        data["year"] = year.astype(int).to_numpy()
    else:
        data["year"] = -1
    return data, int(absent.sum())


def population_table(frame: pd.DataFrame, file: str | None = None) -> pd.DataFrame:
    """``country, population[, year]`` from a population table (e.g. the World Bank's SP.POP.TOTL,
    or economiccomplexity's ``world_gdp_and_population_2017``), its columns found by name."""
    lower = {str(c).strip().lower(): c for c in frame.columns}
    country = next((lower[n] for n in POPULATION_COUNTRY if n in lower), None)
    value = next((lower[n] for n in POPULATION_VALUE if n in lower), None)
    if country is None or value is None:
        raise InputError(
            "the population table needs a country column (ISO3: "
            + ", ".join(POPULATION_COUNTRY)
            + ") and a population column ("
            + ", ".join(POPULATION_VALUE)
            + f"); have {', '.join(map(str, frame.columns))}",
            file=file,
        )
    table = pd.DataFrame(
        {
            "country": frame[country].astype(str).str.strip().str.upper(),
            "population": pd.to_numeric(frame[value], errors="coerce"),
        }
    )
    if "year" in lower:
        table["year"] = pd.to_numeric(frame[lower["year"]], errors="coerce")
    return table.dropna(subset=["population"])


def require_population(min_population: float | None, population: pd.DataFrame | None) -> None:
    """Refuse a population threshold without population data, saying where to get it."""
    if min_population and population is None:
        raise InputError(
            f"--min-population {min_population:,.0f} needs the countries' population",
            hint="give --population FILE (country, population[, year]; e.g. the World Bank's "
            "SP.POP.TOTL), import the WDI population into the workspace, or drop the filter "
            "with --min-population 0",
        )


def country_filter(
    data: pd.DataFrame,
    population: pd.DataFrame | None,
    min_population: float | None,
    min_exports: float | None,
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The Atlas's country filter (see the module notes): the rows of the kept countries, the
    excluded ``country, exports, population, reason``, and the rule in words.

    A country's exports are its total averaged over the years of ``data`` (a year it is absent
    counts as zero); its population is averaged over the same years when the population table has
    years, else taken as given. A country with no population in the table is excluded as unknown."""
    for option, threshold in (("--min-population", min_population), ("--min-exports", min_exports)):
        if threshold is not None and not threshold >= 0:
            raise MethodError(f"{option} must be 0 (off) or more; got {threshold}")
    years = data["year"].unique()
    exports = data.groupby("country")["value"].sum() / len(years)
    table = pd.DataFrame({"country": exports.index, "exports": exports.to_numpy()})
    table["population"] = np.nan
    rule = []
    if min_population:
        require_population(min_population, population)
        pop = population
        if "year" in pop.columns and pop["year"].nunique() > 1 and data["year"].eq(-1).any():
            raise InputError(
                "the exports have no year, the population table has several: which to use is unknown",
                hint="give --year (the population of that year is used), or a population table of one year",
            )
        if "year" in pop.columns and data["year"].ne(-1).all():
            pop = pop[pop["year"].isin(years)]
            if pop.empty:
                held = sorted(population["year"].dropna().astype(int).unique())
                raise InputError(
                    f"the population table has no row for the year(s) {', '.join(map(str, sorted(years)))}; "
                    f"it holds {', '.join(map(str, held[:10])) or 'no year'}",
                    hint="give population for the same years as the exports, or --min-population 0",
                )
        table["population"] = table["country"].map(pop.groupby("country")["population"].mean())
        rule.append(f"population >= {min_population:,.0f}")
    if min_exports:
        rule.append(f"average exports >= {min_exports:,.0f} per year")
    reasons = pd.Series("", index=table.index)
    if min_population:
        reasons = reasons.mask(table["population"].isna(), "population unknown")
        small = table["population"] < min_population
        reasons = reasons.mask((reasons == "") & small, f"population < {min_population:,.0f}")
    if min_exports:
        low = table["exports"] < min_exports
        reasons = reasons.mask((reasons == "") & low, f"average exports < {min_exports:,.0f}")
    table["reason"] = reasons
    excluded = table[reasons != ""].sort_values(["reason", "country"], ignore_index=True)
    kept = set(table.loc[reasons == "", "country"])
    return data[data["country"].isin(kept)], excluded, " and ".join(rule)


def complexity(
    frame: pd.DataFrame,
    method: str = "eigenvalues",
    standardise: str = "atlas",
    threshold: float = 1.0,
    iterations: int = 20,
    year: int | None = None,
    knn: int | None = None,
    columns: Mapping[str, str] | None = None,
    population: pd.DataFrame | None = None,
    min_population: float | None = None,
    min_exports: float | None = None,
    rows: Sequence[int] | None = None,
    file: str | None = None,
) -> ComplexityResult:
    """Complexity for each year of a long ``country, product, value[, year]`` table.

    ``columns``, ``rows`` and ``file`` as :func:`export_table`; ``min_population`` /
    ``min_exports`` apply :func:`country_filter` (off when None or 0; ``population`` is a
    :func:`population_table`), to the chosen years as a whole.
    """
    data, no_export = export_table(frame, columns, rows, file)
    notes: tuple[str, ...] = ()
    if year is not None and data["year"].eq(-1).all():  # one year, not in the table: the user names it
        data["year"] = int(year)
        notes = (f"the table has no year column: all its rows are taken as year {int(year)} (--year)",)
    if year is not None:
        data = data[data["year"] == int(year)]
        if data.empty:
            found = sorted(set(export_table(frame, columns, rows, file)[0]["year"]) - {-1})
            raise InputError(
                f"no rows for year {year}; the table has "
                + (f"years {', '.join(map(str, found[:20]))}" if found else "no year column"),
                file=file,
            )
    excluded, rule = None, ""
    if min_population or min_exports:
        data, excluded, rule = country_filter(data, population, min_population, min_exports)
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
    if not years:
        counts = excluded["reason"].value_counts() if excluded is not None else pd.Series(dtype=int)
        raise InputError(
            "no country is left after the country filter ("
            + "; ".join(f"{reason}: {n}" for reason, n in counts.items())
            + ")",
            file=file,
            hint="check the unit of the values (--min-exports is in the same unit) or lower the thresholds",
        )
    return ComplexityResult(years, method, standardise, no_export, len(frame), excluded, rule, notes)
