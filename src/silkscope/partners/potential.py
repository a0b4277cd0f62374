"""Export potential of one exporter's products in every market: a simplified ITC Export Potential
Indicator (Decreux & Spies 2016, "Export potential assessments: a methodology to identify export
opportunities for developing countries", ITC).

For exporter i, product k and market j (every importer in the flows other than i), over the years
used (flows averaged over those years)::

    supply_ik  = X_ik / W_k                    i's share of world exports of k
                                               (X_ik: i's exports of k, W_k: everyone's exports of k;
                                               "world" = the reporters in the flows)
    demand_jk  = M_jk * (1 + g_jk) ** horizon  j's imports of k from every origin, projected with a
                                               growth rate when one is given (none by default)
    H_ij       = sum_k supply_ik * M_jk        what i would sell in j at its world market shares
    ease_ij    = shrink + (1 - shrink) * min(A_ij / H_ij, cap)
                                               A_ij = sum_k actual_ijk; the bilateral ease-of-trade
                                               ratio (actual over hypothetical trade, aggregated over
                                               the products), capped at ``cap`` and shrunk towards 1
                                               by ``shrink`` so a market i does not sell to yet keeps a
                                               small potential (0 when H_ij = 0)
    raw_ijk    = supply_ik * demand_jk * ease_ij
    potential_ijk = raw_ijk * T_i / sum_jk raw_ijk,   T_i = sum_jk actual_ijk (the documented total)

so potentials of i over all markets and products add up to i's actual exports of those products.
With no cap binding, no growth and i importing none of the products, the scale factor is exactly
1 (sum_j H_ij = sum_k X_ik); it corrects for i's own imports (i is not its own market), the cap and
projected growth. A single growth rate for every market changes nothing after scaling; a rate per
market, or ``"observed"`` (each market-product's compound import growth between the first and the
last year used, clipped to +-30 % a year), shifts potential towards growing markets.

Simplifications against ITC: no tariff-advantage and GDP-projection terms in supply, no
distance-based ease for zero-trade pairs (the shrinkage stands in), flows averaged instead of
projected. ``untapped = max(0, potential - actual)``, ``realised_share = actual / potential``.

Bands (``potential_p10``, ``potential_p90``): the computation is repeated on bootstrap draws of the
years used (years resampled with replacement, flows averaged over the drawn years); "observed"
growth is kept from the full period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError

FLOW_COLUMNS = ("year", "exporter", "importer", "product", "value")
OUTPUT_COLUMNS = (
    "exporter",
    "product",
    "market",
    "potential",
    "actual",
    "untapped",
    "supply",
    "demand",
    "ease",
)
OBSERVED_GROWTH_LIMIT = 0.30


@dataclass(frozen=True)
class Cube:
    """Flows of the products kept, as arrays: ``value[t, exporter, importer, product]`` summed by
    year; axes labelled by ``years``, ``countries`` (exporters and importers share one axis) and
    ``products``."""

    years: np.ndarray
    countries: np.ndarray
    products: np.ndarray
    value: np.ndarray


def select_products(flows: pd.DataFrame, products: Iterable[str] | None) -> pd.DataFrame:
    """The flows whose HS code starts with one of ``products`` (prefixes: 6911 keeps 691110)."""
    if products is None:
        return flows
    prefixes = tuple(str(p).strip() for p in products if str(p).strip())
    if not prefixes:
        raise InputError("no product codes given", column="products", hint="e.g. 6911,6912,6913")
    keep = flows["product"].astype(str).str.startswith(prefixes)
    if not keep.any():
        raise InputError(
            f"no flows of product(s) {', '.join(prefixes)}",
            column="product",
            hint="give HS codes or prefixes present in the data (e.g. 6911 for 691110, 691190)",
        )
    return flows[keep]


def flow_cube(flows: pd.DataFrame) -> Cube:
    """Check a flows frame and sum it into a (year, exporter, importer, product) array."""
    missing = [c for c in FLOW_COLUMNS if c not in flows.columns]
    if missing:
        raise InputError(
            f"flows need columns {', '.join(FLOW_COLUMNS)}; missing {', '.join(missing)}",
            column=missing[0],
        )
    frame = flows.loc[:, list(FLOW_COLUMNS)].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    bad = frame["value"].isna() | (frame["value"] < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{int(bad.sum())} flow value(s) missing or negative", row=row + 1, column="value")
    if frame.empty:
        raise InputError("no flows to compute export potential from")
    for column in ("exporter", "importer", "product"):
        frame[column] = frame[column].astype(str)
    frame["year"] = frame["year"].astype(int)
    years, t = np.unique(frame["year"].to_numpy(), return_inverse=True)
    countries, c = np.unique(np.concatenate([frame["exporter"], frame["importer"]]), return_inverse=True)
    e, m = c[: len(frame)], c[len(frame) :]
    products, k = np.unique(frame["product"].to_numpy(), return_inverse=True)
    value = np.zeros((len(years), len(countries), len(countries), len(products)))
    np.add.at(value, (t, e, m, k), frame["value"].to_numpy(dtype=float))
    return Cube(years, countries, products, value)


def _growth_factor(
    growth: None | float | str | Mapping[str, float],
    cube: Cube,
    markets: np.ndarray,
    horizon: float,
) -> np.ndarray:
    """Multiplier ``(1 + g) ** horizon`` per (market, product), shape ``(markets, products)``."""
    shape = (len(markets), len(cube.products))
    if growth is None or horizon == 0:
        return np.ones(shape)
    if isinstance(growth, str):
        if growth != "observed":
            raise MethodError(
                f"growth must be a number, a mapping market -> rate, or 'observed'; got '{growth}'"
            )
        imports = cube.value.sum(axis=1)[:, markets, :]  # (T, markets, products)
        span = float(cube.years[-1] - cube.years[0])
        if span <= 0:
            return np.ones(shape)
        first, last = imports[0], imports[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where((first > 0) & (last > 0), (last / first) ** (1 / span) - 1, 0.0)
        rate = np.clip(rate, -OBSERVED_GROWTH_LIMIT, OBSERVED_GROWTH_LIMIT)
    elif isinstance(growth, Mapping):
        codes = cube.countries[markets]
        rate = np.repeat(np.array([float(growth.get(c, 0.0)) for c in codes])[:, None], shape[1], axis=1)
    else:
        rate = np.full(shape, float(growth))
    if np.any(rate <= -1):
        raise MethodError("growth rates must be above -1 (-100 % a year)")
    return (1 + rate) ** horizon


def potential_arrays(
    exports: np.ndarray,
    imports: np.ndarray,
    world: np.ndarray,
    growth_factor: np.ndarray,
    *,
    cap: float,
    shrink: float,
) -> dict[str, np.ndarray]:
    """The formula of the module text for one exporter over arrays with leading draw axes.

    ``exports`` actual_ijk ``(..., markets, products)``, ``imports`` M_jk ``(..., markets,
    products)``, ``world`` W_k ``(..., products)``, ``growth_factor`` ``(markets, products)``.
    """
    x_k = exports.sum(axis=-2)
    with np.errstate(divide="ignore", invalid="ignore"):
        supply = np.where(world > 0, x_k / world, 0.0)
        demand = imports * growth_factor
        hypothetical = (supply[..., None, :] * imports).sum(axis=-1)
        actual_j = exports.sum(axis=-1)
        ratio = np.where(hypothetical > 0, actual_j / hypothetical, 0.0)
        ease = np.where(hypothetical > 0, shrink + (1 - shrink) * np.minimum(ratio, cap), 0.0)
        raw = supply[..., None, :] * demand * ease[..., :, None]
        total = exports.sum(axis=(-2, -1))
        raw_sum = raw.sum(axis=(-2, -1))
        scale = np.where(raw_sum > 0, total / raw_sum, 0.0)
    potential = raw * scale[..., None, None]
    return {
        "supply": supply,
        "demand": demand,
        "ease": ease,
        "ease_ratio": ratio,
        "potential": potential,
        "scale": scale,
    }


@dataclass(frozen=True, eq=False)
class ExportPotential:
    """Potential, actual and untapped exports per exporter, product and market."""

    table: pd.DataFrame
    details: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def by_market(self) -> pd.DataFrame:
        """Totals per exporter and market, most untapped first."""
        cols = ["potential", "actual", "untapped"]
        out = self.table.groupby(["exporter", "market"], as_index=False)[cols].sum()
        return out.sort_values(["exporter", "untapped"], ascending=[True, False], ignore_index=True)

    def summary(self) -> str:
        lines = []
        for exporter, block in self.table.groupby("exporter", sort=True):
            top = block.nlargest(3, "untapped")
            best = "; ".join(f"{r.product} in {r.market} {r.untapped:,.1f}" for r in top.itertuples())
            lines.append(
                f"{exporter}: potential {block.potential.sum():,.1f} = actual exports of the products "
                f"({block.actual.sum():,.1f}); untapped {block.untapped.sum():,.1f}; largest: {best}"
            )
        years = self.details.get("years", [])
        if years:
            lines.append(
                f"years {min(years)}-{max(years)} averaged; bands from {self.details.get('n_boot', 0)} "
                "bootstrap draws of the years"
            )
        return "\n".join(lines)


def export_potential(
    flows: pd.DataFrame,
    exporters: str | Sequence[str],
    products: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    *,
    growth: None | float | str | Mapping[str, float] = None,
    horizon: float = 5.0,
    cap: float = 5.0,
    shrink: float = 0.1,
    n_boot: int = 200,
    seed: int = 0,
) -> ExportPotential:
    """Export potential (simplified ITC EPI, Decreux & Spies 2016) of ``exporters`` in every market
    for the ``products`` (HS prefixes; all by default), from flows ``year, exporter, importer,
    product, value`` averaged over ``years`` (all years in the flows by default).

    Columns: ``exporter, product, market, potential, actual, untapped, supply, demand, ease``, then
    ``realised_share, market_rank`` (of the market among the product's markets, by potential),
    ``product_rank`` (of the product within the market), ``potential_p10, potential_p90``.
    """
    if np.isnan(cap) or cap <= 0:
        raise MethodError(f"cap must be > 0, got {cap}")
    if not 0 <= shrink <= 1:
        raise MethodError(f"shrink must be in [0, 1], got {shrink}")
    if n_boot < 0:
        raise MethodError(f"n_boot must be >= 0, got {n_boot}")
    chosen = select_products(flows, products)
    if years is not None:
        wanted = sorted({int(y) for y in years})
        held = sorted(set(pd.to_numeric(chosen["year"], errors="coerce").dropna().astype(int)))
        chosen = chosen[chosen["year"].astype(int).isin(wanted)]
        if chosen.empty:
            raise InputError(f"no flows in year(s) {wanted}; years present: {held}", column="year")
    cube = flow_cube(chosen)
    exporters = [exporters] if isinstance(exporters, str) else list(exporters)
    index = {c: n for n, c in enumerate(cube.countries)}
    missing = [e for e in exporters if e not in index or cube.value[:, index[e]].sum() == 0]
    if missing:
        raise InputError(
            f"exporter(s) {', '.join(missing)} export none of the products in these flows",
            column="exporter",
            hint="check the ISO3 code and the --products prefixes",
        )
    rng = np.random.default_rng(seed)
    n_t = len(cube.years)
    draws = rng.integers(0, n_t, size=(n_boot, n_t))
    boot_weights = np.stack([np.bincount(d, minlength=n_t) / n_t for d in draws]) if n_boot else None
    mean_weights = np.full(n_t, 1.0 / n_t)
    world_t = cube.value.sum(axis=(1, 2))  # (T, K)
    imports_t = cube.value.sum(axis=1)  # (T, importers, K)
    frames = []
    for exporter in exporters:
        i = index[exporter]
        markets = np.array([j for j in range(len(cube.countries)) if j != i])
        factor = _growth_factor(growth, cube, markets, horizon)
        exports_t = cube.value[:, i][:, markets]  # (T, markets, K)
        parts = {"exports": exports_t, "imports": imports_t[:, markets], "world": world_t}
        point = potential_arrays(
            *(np.tensordot(mean_weights, parts[p], axes=1) for p in ("exports", "imports", "world")),
            factor,
            cap=cap,
            shrink=shrink,
        )
        actual = np.tensordot(mean_weights, exports_t, axes=1)
        frame = _frame(exporter, cube.countries[markets], cube.products, point, actual)
        cells = frame.pop("_cell").to_numpy()
        if boot_weights is not None:
            boot = potential_arrays(
                *(np.tensordot(boot_weights, parts[p], axes=1) for p in ("exports", "imports", "world")),
                factor,
                cap=cap,
                shrink=shrink,
            )["potential"]
            low, high = np.percentile(boot, [10, 90], axis=0)
            frame["potential_p10"] = low.ravel()[cells]
            frame["potential_p90"] = high.ravel()[cells]
        else:
            frame["potential_p10"] = np.nan
            frame["potential_p90"] = np.nan
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    table["market_rank"] = (
        table.groupby(["exporter", "product"])["potential"].rank(ascending=False, method="min").astype(int)
    )
    table["product_rank"] = (
        table.groupby(["exporter", "market"])["potential"].rank(ascending=False, method="min").astype(int)
    )
    order = [
        *OUTPUT_COLUMNS,
        "realised_share",
        "market_rank",
        "product_rank",
        "potential_p10",
        "potential_p90",
    ]
    table = table[order].sort_values(["exporter", "untapped", "potential"], ascending=[True, False, False])
    details = {
        "years": [int(y) for y in cube.years],
        "products": [str(p) for p in cube.products],
        "cap": cap,
        "shrink": shrink,
        "growth": growth if not isinstance(growth, Mapping) else dict(growth),
        "horizon": horizon,
        "n_boot": n_boot,
        "seed": seed,
    }
    return ExportPotential(table.reset_index(drop=True), details)


def _frame(
    exporter: str,
    markets: np.ndarray,
    products: np.ndarray,
    arrays: Mapping[str, np.ndarray],
    actual: np.ndarray,
) -> pd.DataFrame:
    """Rows of (market, product) cells with demand or actual trade; ``_cell`` is the flat position."""
    n_j, n_k = actual.shape
    jj, kk = np.meshgrid(np.arange(n_j), np.arange(n_k), indexing="ij")
    potential = arrays["potential"]
    keep = ((arrays["demand"] > 0) | (actual > 0) | (potential > 0)).ravel()
    cells = np.flatnonzero(keep)
    pot = potential.ravel()[cells]
    act = actual.ravel()[cells]
    with np.errstate(divide="ignore", invalid="ignore"):
        realised = np.where(pot > 0, act / pot, np.nan)
    return pd.DataFrame(
        {
            "exporter": exporter,
            "product": products[kk.ravel()[cells]],
            "market": markets[jj.ravel()[cells]],
            "potential": pot,
            "actual": act,
            "untapped": np.maximum(pot - act, 0.0),
            "supply": arrays["supply"][kk.ravel()[cells]],
            "demand": arrays["demand"].ravel()[cells],
            "ease": arrays["ease"][jj.ravel()[cells]],
            "realised_share": realised,
            "_cell": cells,
        }
    )
