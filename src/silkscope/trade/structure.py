"""Structure of trade: totals, shares, growth and constant-market-share (CMS) decomposition.

Input is a flows frame ``year, exporter, importer, product, value`` (ISO3 countries, HS6 products
as text, non-negative values). Flows from a country to itself are left out, as in
:mod:`silkscope.trade.indicators`. ``groups`` maps ``product -> group`` (e.g. UNESCO cultural
domain); products are then summed into their group before anything is computed.

Growth (year-on-year and CAGR) is NaN, never inf, when the base value is zero or missing.

CMS (Leamer & Stern 1970; two-level product x market form of Jepma 1986, Milana 1988). Notation:
X exports of the focus exporter, W "world" exports = the total exports of every exporter in the
data, the focus exporter included (Leamer & Stern's standard: the exporter against the world);
i product (or group), j market (importer); superscript 0 base year, 1 end year; Δ = end - base.
Shares S = X / W at each level (S_ij, S_i, S_j, S for the total), 0 where W is 0; for each cell
X_ij = S_ij W_ij, so ΔX = Σ S⁰ΔW + Σ ΔS W⁰ + Σ ΔS ΔW exactly.

``variant="jepma"`` (default; Jepma 1986):

* ``world_growth`` = S⁰ ΔW (= r X⁰, r the growth of world exports),
* ``commodity_composition`` = Σ_i S⁰_i ΔW_i - S⁰ ΔW,
* ``market_distribution`` = Σ_j S⁰_j ΔW_j - S⁰ ΔW,
* ``structural_interaction`` = (Σ_ij S⁰_ij ΔW_ij - Σ_i S⁰_i ΔW_i) - (Σ_j S⁰_j ΔW_j - S⁰ ΔW),
* ``competitiveness`` = Σ_ij ΔS_ij W⁰_ij (market-share change at base-year world structure),
* ``second_order`` = Σ_ij ΔS_ij ΔW_ij (share changes meeting demand changes).

``variant="leamer_stern"`` (Leamer & Stern 1970, three-level identity, no second-order term):
``world_growth`` r X⁰; ``commodity_composition`` Σ_i (r_i - r) X⁰_i; ``market_distribution``
Σ_ij (r_ij - r_i) X⁰_ij (markets within products, so it equals Jepma's market + interaction);
``competitiveness`` the residual ΔX - Σ_ij r_ij X⁰_ij (Jepma's competitiveness + second order).
Cells new in the end year (W⁰_ij = 0) carry no base exports, so they add nothing to the structural
effects; their end-year exports fall in ``second_order`` (Jepma) or ``competitiveness`` (L&S).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError

FLOW_COLUMNS = ("year", "exporter", "importer", "product", "value")
KEY_COLUMNS = ("exporter", "importer", "product", "group")
CMS_VARIANTS = ("jepma", "leamer_stern")
CMS_EFFECTS = {
    "jepma": (
        "world_growth",
        "commodity_composition",
        "market_distribution",
        "structural_interaction",
        "competitiveness",
        "second_order",
    ),
    "leamer_stern": ("world_growth", "commodity_composition", "market_distribution", "competitiveness"),
}


def _prepare(flows: pd.DataFrame, groups: pd.DataFrame | Mapping[str, str] | None) -> pd.DataFrame:
    """Checked copy of the flows without self-flows; with ``group`` when ``groups`` is given."""
    missing = [c for c in FLOW_COLUMNS if c not in flows.columns]
    if missing:
        raise InputError(
            f"flows lack column(s) {', '.join(missing)}",
            column=missing[0],
            hint="flows need columns year, exporter, importer, product, value",
        )
    f = flows[list(FLOW_COLUMNS)].copy()
    f["product"] = f["product"].astype(str)
    f["value"] = pd.to_numeric(f["value"], errors="coerce")
    bad = f["value"].isna() | (f["value"] < 0) | ~np.isfinite(f["value"].fillna(0.0))
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"{int(bad.sum())} value(s) missing, negative or not a number",
            row=first + 1,
            column="value",
            hint="trade values must be non-negative numbers; drop or correct those rows",
        )
    f = f[f["exporter"] != f["importer"]]
    if groups is not None:
        f["group"] = f["product"].map(_group_map(groups))
        unmapped = sorted(f.loc[f["group"].isna(), "product"].unique())
        if unmapped:
            raise InputError(
                f"product(s) {', '.join(unmapped[:20])} have no group in the mapping",
                column="product",
                hint="add them to the product -> group mapping, or filter the flows first",
            )
    return f


def _group_map(groups: pd.DataFrame | Mapping[str, str]) -> dict[str, str]:
    if isinstance(groups, pd.DataFrame):
        missing = [c for c in ("product", "group") if c not in groups.columns]
        if missing:
            raise InputError(
                f"the group mapping lacks column(s) {', '.join(missing)}",
                column=missing[0],
                hint="pass a frame with columns product, group",
            )
        pairs = groups[["product", "group"]].drop_duplicates().astype({"product": str})
        twice = sorted(pairs.loc[pairs["product"].duplicated(), "product"].unique())
        if twice:
            raise InputError(
                f"product(s) {', '.join(twice[:20])} are mapped to more than one group",
                column="product",
                hint="give each product one group, or totals would count it twice",
            )
        return dict(zip(pairs["product"], pairs["group"], strict=True))
    return {str(k): v for k, v in groups.items()}


def _ratio(num: np.ndarray | pd.Series, den: np.ndarray | pd.Series) -> np.ndarray:
    """num / den, NaN where den is zero or missing (never inf)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    ok = np.isfinite(den) & (den != 0)
    np.divide(num, den, out=out, where=ok)
    return out


def trade_values(
    flows: pd.DataFrame,
    by: Sequence[str] = ("exporter", "year"),
    groups: pd.DataFrame | Mapping[str, str] | None = None,
    within: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Totals of ``value`` by ``by`` (+ ``group`` when ``groups`` is given), shares and growth.

    ``share`` = value / total of the rows sharing the ``within`` columns. By default ``within`` is
    ``exporter, year`` (those of them in the keys) when the keys break the exporter's trade down
    further (by importer, product or group), e.g. a domain's share of the exporter's cultural
    exports that year; otherwise ``year``, e.g. the exporter's share of all exports that year.
    When ``year`` is a key, every other key combination gets a row for every year of the data
    (zero where nothing was traded) and :func:`growth` adds ``yoy`` and ``cagr``.
    """
    keys = list(dict.fromkeys(by))
    if groups is not None and "group" not in keys:
        keys.append("group")
    allowed = ("year", *KEY_COLUMNS)
    unknown = [k for k in keys if k not in allowed]
    if unknown or not keys:
        raise MethodError(
            f"cannot total by {', '.join(unknown) or 'nothing'}; use some of {', '.join(allowed)}"
        )
    if "group" in keys and groups is None:
        raise MethodError("totals by group need a product -> group mapping (groups=)")
    f = _prepare(flows, groups)
    totals = f.groupby(keys)["value"].sum()
    others = [k for k in keys if k != "year"]
    if "year" in keys and others:
        combos = totals.reset_index()[others].drop_duplicates()
        years = pd.DataFrame({"year": sorted(f["year"].unique())})
        full = combos.merge(years, how="cross")
        totals = full.merge(totals.reset_index(), on=others + ["year"], how="left").fillna({"value": 0.0})
    else:
        totals = totals.reset_index()
    totals = totals[keys + ["value"]].sort_values(keys).reset_index(drop=True)
    if within is None:
        breakdown = [k for k in keys if k not in ("exporter", "year")]
        base = ("exporter", "year") if breakdown else ("year",)
        within = [k for k in base if k in keys]
    else:
        within = list(within)
        wrong = [w for w in within if w not in keys]
        if wrong:
            raise MethodError(f"shares within {', '.join(wrong)}: not among the keys {', '.join(keys)}")
    denominator = (
        totals.groupby(within)["value"].transform("sum")
        if within
        else pd.Series(totals["value"].sum(), totals.index)
    )
    totals["share"] = _ratio(totals["value"], denominator)
    if "year" in keys:
        totals = growth(totals, keys=others)
    return totals


def growth(
    frame: pd.DataFrame,
    value: str = "value",
    time: str = "year",
    keys: Sequence[str] | None = None,
) -> pd.DataFrame:
    """``frame`` with ``yoy`` = v_t / v_{t-1} - 1 and ``cagr`` = (v_T / v_S)^(1/(T-S)) - 1.

    S and T are the first and last years of the whole frame, so every key is measured over the
    same period. Both are NaN (not inf) when the base value is zero or its row is missing; a
    missing end-year row gives a NaN CAGR. ``keys`` (default: those of ``exporter, importer,
    product, group`` present) identify a series; each key and year may appear once.
    """
    keys = [k for k in KEY_COLUMNS if k in frame.columns] if keys is None else list(keys)
    missing = [c for c in [*keys, time, value] if c not in frame.columns]
    if missing:
        raise InputError(f"the frame lacks column(s) {', '.join(missing)}", column=missing[0])
    dup = frame.duplicated([*keys, time])
    if dup.any():
        raise InputError(
            f"{int(dup.sum())} duplicate row(s) for the same {', '.join([*keys, time])}",
            row=int(np.flatnonzero(dup.to_numpy())[0]) + 1,
            hint="total the frame first (e.g. with trade_values)",
        )
    out = frame.copy()
    key_cols = keys or ["_series"]
    work = out[[*keys, time, value]].copy()
    if not keys:
        work["_series"] = 0
    prev = work[[*key_cols, time, value]].rename(columns={value: "_prev"})
    prev[time] = prev[time] + 1
    base = work.merge(prev, on=[*key_cols, time], how="left")
    out["yoy"] = _ratio(base[value], base["_prev"]) - 1
    if len(out):
        start, end = out[time].min(), out[time].max()
        first = work[work[time] == start][[*key_cols, value]].rename(columns={value: "_start"})
        last = work[work[time] == end][[*key_cols, value]].rename(columns={value: "_end"})
        ends = work[key_cols].merge(first, on=key_cols, how="left").merge(last, on=key_cols, how="left")
        span = float(end - start)
        ratio = _ratio(ends["_end"], ends["_start"])
        with np.errstate(invalid="ignore"):
            out["cagr"] = np.power(ratio, 1 / span) - 1 if span > 0 else np.nan
    else:
        out["cagr"] = np.nan
    return out


def constant_market_share(
    flows: pd.DataFrame,
    exporter: str,
    base_year: int,
    end_year: int,
    groups: pd.DataFrame | Mapping[str, str] | None = None,
    variant: str = "jepma",
) -> pd.DataFrame:
    """CMS decomposition of the change in ``exporter``'s exports from ``base_year`` to ``end_year``
    (Leamer & Stern 1970; Jepma 1986), over products (or groups) x markets; see the module text.

    Returns ``effect, value, share_of_change`` (share NaN when the change is 0); the values sum to
    the actual change, which is kept with the inputs in ``.attrs``.
    """
    if variant not in CMS_VARIANTS:
        raise MethodError(f"unknown CMS variant '{variant}'; known: {', '.join(CMS_VARIANTS)}")
    if base_year >= end_year:
        raise MethodError(f"base_year {base_year} must come before end_year {end_year}")
    f = _prepare(flows, groups)
    item = "group" if groups is not None else "product"
    f = f[f["year"].isin([base_year, end_year])]
    for year in (base_year, end_year):
        if not (f["year"] == year).any():
            raise InputError(f"no flows in {year}", column="year", hint="pick years present in the data")
    if not (f["exporter"] == exporter).any():
        raise InputError(
            f"{exporter} exports nothing in {base_year} or {end_year}",
            column="exporter",
            hint="check the ISO3 code and the years",
        )
    world = f.pivot_table(
        index=[item, "importer"], columns="year", values="value", aggfunc="sum", fill_value=0.0
    )
    mine = (
        f[f["exporter"] == exporter]
        .pivot_table(index=[item, "importer"], columns="year", values="value", aggfunc="sum", fill_value=0.0)
        .reindex(index=world.index, columns=world.columns, fill_value=0.0)
    )
    w0, w1 = world[base_year], world[end_year]
    x0, x1 = mine[base_year], mine[end_year]
    if w0.sum() <= 0:
        raise InputError(f"world exports are zero in {base_year}", column="value")
    change = float(x1.sum() - x0.sum())
    dw = w1 - w0

    def structural(level: str | None) -> float:
        """Σ S⁰ ΔW at one level of aggregation (None = total)."""
        if level is None:
            return float(_ratio(x0.sum(), w0.sum()) * dw.sum())
        s0 = np.nan_to_num(_ratio(x0.groupby(level).sum(), w0.groupby(level).sum()))
        return float((s0 * dw.groupby(level).sum().to_numpy()).sum())

    g, c, m = structural(None), structural(item), structural("importer")
    s0 = np.nan_to_num(_ratio(x0, w0))
    a = float((s0 * dw.to_numpy()).sum())
    if variant == "jepma":
        ds = np.nan_to_num(_ratio(x1, w1)) - s0
        values = [
            g,
            c - g,
            m - g,
            (a - c) - (m - g),
            float((ds * w0.to_numpy()).sum()),
            float((ds * dw.to_numpy()).sum()),
        ]
    else:
        values = [g, c - g, a - c, change - a]
    out = pd.DataFrame({"effect": list(CMS_EFFECTS[variant]), "value": values})
    out["share_of_change"] = _ratio(out["value"], np.full(len(out), change))
    out.attrs.update(
        exporter=exporter,
        base_year=base_year,
        end_year=end_year,
        variant=variant,
        by=item,
        actual_change=change,
        world="exports of every exporter in the data, the focus exporter included",
    )
    return out
