"""Elasticity of substitution between exporters' varieties of a good in one market — the
cross-price elasticity paper 003 asks for — by Feenstra (1994) as extended by Broda & Weinstein
(2006, QJE 121(2), appendix).

For a good (an HS code or prefix; the HS6 lines under a prefix are summed) in a market (importer),
the varieties are the exporters; from values v and quantities q the unit value p = v / q. With a
reference variety k (the one present in most years, then the largest in value), for variety c and
year t (c and k both present in t and t-1):

    Y = (Δ ln p_ct - Δ ln p_kt)^2,  X1 = (Δ ln s_ct - Δ ln s_kt)^2,
    X2 = (Δ ln p_ct - Δ ln p_kt)(Δ ln s_ct - Δ ln s_kt),       Y = θ1 X1 + θ2 X2 + u,

with θ1 = ρ / ((σ-1)^2 (1-ρ)), θ2 = (2ρ-1) / ((σ-1)(1-ρ)), σ the elasticity of substitution
and ρ in [0, 1) the inverse-supply parameter (Feenstra 1994, eq. 15-17). The shares' common
denominator cancels in the difference, so Δ ln s_c - Δ ln s_k = Δ ln v_c - Δ ln v_k. θ is estimated
by 2SLS with variety dummies as instruments (= least squares on the variety means weighted by
the variety's number of years). With θ1 > 0 the estimate is feasible:
ρ = 1/2 ± sqrt(1/4 - 1/(4 + θ2²/θ1)) (the sign of θ2), σ = 1 + sqrt(ρ / (θ1 (1-ρ))). Otherwise
(σ <= 1 or ρ outside [0, 1) implied) Broda & Weinstein's grid search minimises the same
weighted sum of squares over σ in [1.05, 131.05] and ρ in [0, 0.99] (a coarse grid, a finer one
around its minimum, then Nelder-Mead within the bounds); a minimum on the edge of the grid is
reported as such.

Standard errors: **bootstrap over varieties** (the non-reference varieties' means resampled with
replacement, each draw re-estimated, with the grid search when infeasible): the standard
deviation of the draws of σ.

``status`` of each product x market: ``ok``; ``grid_search``; ``grid_search_at_bound``;
``too_few_years`` (fewer than ``min_years`` years with quantities); ``too_few_varieties`` (fewer
than ``min_varieties`` exporters, the reference included, with a year-on-year change against the
reference; ``n_varieties`` counts every exporter with a value and a quantity); ``no_quantities`` (no flow with a positive value and quantity). Not done here: BW's
weights and constant for measurement error in unit values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from silkscope.errors import InputError

SIGMA_GRID = (1.05, 131.05)
RHO_GRID = (0.0, 0.99)
STATUSES = (
    "ok",
    "grid_search",
    "grid_search_at_bound",
    "too_few_years",
    "too_few_varieties",
    "no_quantities",
)
COLUMNS = ["product", "market", "sigma", "std_error", "n_varieties", "status", "rho", "n_years", "n_obs"]
PUBLISHED = Path(__file__).with_name("broda_weinstein_sigmas.csv")


def sigma_rho(theta1: float, theta2: float) -> tuple[float, float] | None:
    """(σ, ρ) from (θ1, θ2), or None when infeasible (θ1 <= 0)."""
    if not theta1 > 0:
        return None
    x = 1.0 / (4.0 + theta2**2 / theta1)
    root = np.sqrt(max(0.25 - x, 0.0))
    rho = 0.5 + root if theta2 > 0 else 0.5 - root
    return 1.0 + float(np.sqrt(rho / (theta1 * (1.0 - rho)))), float(rho)


def thetas(sigma: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(θ1, θ2) of σ and ρ (Feenstra 1994)."""
    return rho / ((sigma - 1) ** 2 * (1 - rho)), (2 * rho - 1) / ((sigma - 1) * (1 - rho))


def _grid(sigma: np.ndarray, rho: np.ndarray) -> tuple[np.ndarray, ...]:
    s, r = (a.ravel() for a in np.meshgrid(sigma, rho, indexing="ij"))
    return (s, r, *thetas(s, r))


@cache
def _coarse_grid() -> tuple[np.ndarray, ...]:
    """300 σ (geometric in σ-1) x 100 ρ; the search then refines around the coarse minimum."""
    sigma = 1 + np.geomspace(SIGMA_GRID[0] - 1, SIGMA_GRID[1] - 1, 300)
    return _grid(sigma, np.linspace(*RHO_GRID, 100))


def _grid_search(xtx: np.ndarray, xty: np.ndarray, yy: float) -> tuple[float, float, bool]:
    """(σ, ρ, on the grid's edge) minimising the weighted sum of squares over the grid."""

    def ssr(t1, t2):
        return (
            yy
            - 2 * t1 * xty[0]
            - 2 * t2 * xty[1]
            + t1**2 * xtx[0, 0]
            + 2 * t1 * t2 * xtx[0, 1]
            + t2**2 * xtx[1, 1]
        )

    s, r, t1, t2 = _coarse_grid()
    best = int(np.argmin(ssr(t1, t2)))
    ratio = (SIGMA_GRID[1] - 1) / (SIGMA_GRID[0] - 1)
    step = ratio ** (1 / 299)
    lo_s = max(SIGMA_GRID[0], 1 + (s[best] - 1) / step**2)
    hi_s = min(SIGMA_GRID[1], 1 + (s[best] - 1) * step**2)
    dr = (RHO_GRID[1] - RHO_GRID[0]) / 99
    lo_r, hi_r = max(RHO_GRID[0], r[best] - 2 * dr), min(RHO_GRID[1], r[best] + 2 * dr)
    s, r, t1, t2 = _grid(np.linspace(lo_s, hi_s, 60), np.linspace(lo_r, hi_r, 60))
    best = int(np.argmin(ssr(t1, t2)))
    # polish within the grid's bounds (the objective has long ridges where σ and ρ trade off)
    from scipy.optimize import minimize

    lo_u, hi_u = np.log(SIGMA_GRID[0] - 1), np.log(SIGMA_GRID[1] - 1)

    def point(p):  # log(σ-1) and ρ, held inside the grid's bounds
        return 1 + np.exp(np.clip(p[0], lo_u, hi_u)), np.clip(p[1], *RHO_GRID)

    found = minimize(
        lambda p: ssr(*thetas(*point(p))),
        [np.log(s[best] - 1), r[best]],
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-12, "maxiter": 2000},
    )
    sigma, rho = point(found.x) if found.fun <= ssr(t1[best], t2[best]) else (s[best], r[best])
    edge = bool(np.isclose(sigma, SIGMA_GRID, rtol=1e-4).any() or np.isclose(rho, RHO_GRID, atol=1e-4).any())
    return float(sigma), float(rho), edge


@dataclass
class _Means:
    """Variety means of Y, X1, X2 and the variety's number of observations (weights)."""

    y: np.ndarray
    x1: np.ndarray
    x2: np.ndarray
    w: np.ndarray


def _estimate(m: _Means) -> tuple[float, float, str]:
    """(σ, ρ, status) from the variety means: 2SLS, else the grid search."""
    x = np.column_stack([m.x1, m.x2])
    xtx = (x * m.w[:, None]).T @ x
    xty = (x * m.w[:, None]).T @ m.y
    feasible = None
    if np.linalg.matrix_rank(xtx) == 2:
        theta = np.linalg.solve(xtx, xty)
        feasible = sigma_rho(float(theta[0]), float(theta[1]))
    if feasible is not None and SIGMA_GRID[0] <= feasible[0] <= 1e6:
        return feasible[0], feasible[1], "ok"
    sigma, rho, edge = _grid_search(xtx, xty, float((m.w * m.y**2).sum()))
    return sigma, rho, "grid_search_at_bound" if edge else "grid_search"


def _panel(part: pd.DataFrame) -> tuple[_Means | None, int, int, int, int]:
    """Variety means of one product x market, with (n_varieties: exporters with a value and a
    quantity, usable: those with a year-on-year change against the reference plus the reference,
    n_years, n_obs)."""
    part = part[(part.value > 0) & (part.quantity > 0)]
    n_years = part.year.nunique()
    if part.empty:
        return None, 0, 0, 0, 0
    wide_v = part.pivot_table(index="year", columns="exporter", values="value", aggfunc="sum")
    wide_q = part.pivot_table(index="year", columns="exporter", values="quantity", aggfunc="sum")
    wide_v = wide_v.reindex(range(int(wide_v.index.min()), int(wide_v.index.max()) + 1))
    wide_q = wide_q.reindex(wide_v.index)
    ln_p, ln_v = np.log(wide_v / wide_q), np.log(wide_v)
    present = ln_v.notna().sum()
    total = wide_v.sum()
    reference = max(present.index, key=lambda c: (present[c], total[c], c))
    dp = ln_p.diff().sub(ln_p.diff()[reference], axis=0).drop(columns=reference)
    ds = ln_v.diff().sub(ln_v.diff()[reference], axis=0).drop(columns=reference)
    y, x1, x2 = dp**2, ds**2, dp * ds
    w = y.notna().sum()
    keep = w[w > 0].index
    n_varieties = int(present.gt(0).sum())
    usable = len(keep) + 1 if len(keep) else 0
    means = _Means(
        y.mean()[keep].to_numpy(),
        x1.mean()[keep].to_numpy(),
        x2.mean()[keep].to_numpy(),
        w[keep].to_numpy().astype(float),
    )
    return means, n_varieties, usable, n_years, int(w.sum())


@dataclass
class Elasticities:
    """One row per product x market (:data:`COLUMNS`) and the notes of the selection."""

    table: pd.DataFrame
    details: dict = field(default_factory=dict)

    def summary(self, lang: str | None = None) -> str:
        from silkscope.i18n import translator
        from silkscope.reference import country_name

        t = translator(lang)
        d = self.details
        text = t("elasticity.summary", rows=len(self.table), boot=d.get("n_boot", 0))
        counts = self.table.status.str.split("; ").explode().value_counts()
        for status in STATUSES:
            if status in counts:
                text += "\n  " + t(f"elasticity.status.{status}", n=int(counts[status]))
        if d.get("missing_quantity"):
            text += "\n  " + t("elasticity.missing_quantity", n=d["missing_quantity"])
        if not d.get("compare", True):  # synthetic (demo) flows: a comparison would mean nothing
            return text
        compared = compare_published(self.table)
        for row in compared.itertuples():
            text += "\n  " + t(
                "elasticity.published",
                product=row.product,
                market=country_name(row.market, t.lang),
                sigma=row.sigma,
                se=row.std_error,
                published=row.published_sigma,
                hs3=row.hs3,
            )
        if compared.empty:
            text += "\n  " + t("elasticity.no_published")
        return text


def feenstra_elasticities(
    flows: pd.DataFrame,
    products: list[str],
    markets: list[str] | None = None,
    min_years: int = 3,
    min_varieties: int = 4,
    n_boot: int = 200,
    seed: int = 0,
    progress=None,
) -> Elasticities:
    """σ per product (HS code or prefix) x market from flows ``year, exporter, importer, product,
    value, quantity`` (see the module docstring); ``progress(advance)`` is called per market."""
    need = ["year", "exporter", "importer", "product", "value", "quantity"]
    absent = [c for c in need if c not in flows.columns]
    if absent:
        raise InputError(
            f"the flows lack column(s) {', '.join(absent)}",
            hint="give BACI flows with both v (value) and q (quantity)",
        )
    if not products:
        raise InputError("--products: give at least one HS code or prefix, e.g. 6911,691200")
    missing_quantity = int(flows["quantity"].isna().sum())
    rng = np.random.default_rng(seed)
    rows = []
    for prefix in products:
        chosen = flows[flows["product"].astype(str).str.startswith(prefix)]
        wanted = markets if markets is not None else sorted(chosen.importer.unique())
        groups = dict(tuple(chosen.groupby("importer")))
        for market in wanted:
            part = groups.get(market, chosen.iloc[:0])
            rows.append(_one(prefix, market, part, min_years, min_varieties, n_boot, rng))
            if progress is not None:
                progress(1)
    table = pd.DataFrame(rows, columns=COLUMNS).astype({"n_varieties": int, "n_years": int, "n_obs": int})
    return Elasticities(table, {"n_boot": n_boot, "missing_quantity": missing_quantity, "seed": seed})


def _one(product, market, part, min_years, min_varieties, n_boot, rng) -> dict:
    means, n_varieties, usable, n_years, n_obs = _panel(part)
    row = dict(product=product, market=market, sigma=np.nan, std_error=np.nan, n_varieties=n_varieties,
               status="", rho=np.nan, n_years=n_years, n_obs=n_obs)  # fmt: skip
    if means is None:
        row["status"] = "no_quantities"
        return row
    failed = [
        s
        for s, bad in (
            ("too_few_years", n_years < min_years),
            ("too_few_varieties", usable < min_varieties),
        )
        if bad
    ]
    if failed:
        row["status"] = "; ".join(failed)
        return row
    sigma, rho, status = _estimate(means)
    draws = []
    n = len(means.y)
    for _ in range(n_boot):
        pick = rng.integers(0, n, n)
        draws.append(_estimate(_Means(means.y[pick], means.x1[pick], means.x2[pick], means.w[pick]))[0])
    row.update(
        sigma=sigma, rho=rho, status=status, std_error=float(np.std(draws, ddof=1)) if n_boot > 1 else np.nan
    )
    return row


@cache
def published_sigmas() -> pd.DataFrame:
    """The few published elasticities kept for comparison (``broda_weinstein_sigmas.csv``: HS
    3-digit x market, 1994-2003, Broda, Greenfield & Weinstein 2006, as shipped in the R package
    concordance, each row naming its source)."""
    return pd.read_csv(PUBLISHED, dtype={"hs3": str, "market": str})


def compare_published(table: pd.DataFrame) -> pd.DataFrame:
    """Estimated rows (status ok or grid search) beside the published σ of the same market and HS
    3-digit heading (the product's first three digits)."""
    done = table[table.status.str.startswith(("ok", "grid_search")) & table["product"].str.len().ge(3)].copy()
    done["hs3"] = done["product"].str[:3]
    published = published_sigmas().rename(columns={"sigma": "published_sigma"})
    return done.merge(published[["hs3", "market", "published_sigma", "source"]], on=["hs3", "market"])


def simulate_ces_flows(
    sigma: float,
    omega: float,
    n_varieties: int = 15,
    n_years: int = 20,
    product: str = "691110",
    market: str = "USA",
    seed: int = 0,
) -> pd.DataFrame:
    """Flows of one good in one market from Feenstra's CES demand and constant-elasticity supply:
    s_ct = b_ct p_ct^(1-σ) / Σ b p^(1-σ), p_ct = exp(η_ct) q_ct^ω, with ln b and η random walks
    whose shock variances differ by variety (the heteroskedasticity that identifies σ and ρ;
    ρ = ω(σ-1)/(1+ωσ)). For validating the estimator; exporters are named V01, V02, ..."""
    rng = np.random.default_rng(seed)
    sd_b = rng.uniform(0.05, 0.6, n_varieties)
    sd_e = rng.uniform(0.05, 0.6, n_varieties)
    ln_b = np.cumsum(rng.normal(size=(n_years, n_varieties)) * sd_b, axis=0)
    eta = np.cumsum(rng.normal(size=(n_years, n_varieties)) * sd_e, axis=0)
    ln_e = np.log(1000.0) + np.cumsum(rng.normal(0.03, 0.05, n_years))
    # equilibrium ln p = (η + ω (ln b - L_t + ln E_t)) / (1 + ωσ) with L_t = ln Σ b p^(1-σ): fixed point
    ln_p = np.zeros_like(eta)
    for _ in range(200):
        a = ln_b + (1 - sigma) * ln_p
        big = a.max(axis=1, keepdims=True)
        lse = big + np.log(np.exp(a - big).sum(axis=1, keepdims=True))
        ln_p = (eta + omega * (ln_b - lse + ln_e[:, None])) / (1 + omega * sigma)
    ln_s = ln_b + (1 - sigma) * ln_p - lse
    value = np.exp(ln_s + ln_e[:, None])
    quantity = value / np.exp(ln_p)
    years = np.repeat(np.arange(2000, 2000 + n_years), n_varieties)
    return pd.DataFrame(
        {
            "year": years,
            "exporter": np.tile([f"V{i + 1:02d}" for i in range(n_varieties)], n_years),
            "importer": market,
            "product": product,
            "value": value.ravel(),
            "quantity": quantity.ravel(),
        }
    )
