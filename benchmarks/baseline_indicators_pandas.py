"""Baseline for bench_indicators: the same WITS indicators written directly in pandas (the
implementation silkscope had before its Ibis queries), kept only to be timed side by side.

Formulas and conventions: see ``silkscope.trade.indicators``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError
from silkscope.trade.indicators import ALL, INDICATORS, OUTPUT_COLUMNS, WLD


def _rows(indicator: str, frame: pd.DataFrame, value: str, partner=None, product=None) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "indicator": indicator,
            "reporter": frame["reporter"].to_numpy(),
            "partner": frame["partner"].to_numpy() if partner is None else partner,
            "product": frame["product"].to_numpy() if product is None else product,
            "year": frame["year"].to_numpy(),
            "value": frame[value].to_numpy(dtype=float),
        }
    )
    return out[np.isfinite(out["value"])]


def _normalised_hhi(shares: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    grouped = shares.groupby(by, sort=False)["share"]
    table = pd.DataFrame(
        {"h": grouped.apply(lambda s: (s**2).sum()), "n": grouped.apply(lambda s: (s > 0).sum())}
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        table["norm"] = np.where(table.n > 1, (table.h - 1 / table.n) / (1 - 1 / table.n), np.nan)
    return table.reset_index()


def pandas_trade_indicators(
    flows: pd.DataFrame,
    reporters: list[str] | None = None,
    partners: list[str] | None = None,
    indicators: tuple[str, ...] = INDICATORS,
) -> pd.DataFrame:
    """Every indicator for the reporters (None = every exporter) against the partners (None = all).

    ``flows`` has ``year, exporter, importer, product, value`` (ISO3, product codes as text); the
    products are those to analyse (filter them first); totals and shares are within them.
    """
    unknown = [i for i in indicators if i not in INDICATORS]
    if unknown:
        raise MethodError(f"unknown indicator(s) {', '.join(unknown)}; known: {', '.join(INDICATORS)}")
    f = flows[["year", "exporter", "importer", "product", "value"]]
    f = f[f["exporter"] != f["importer"]]
    reps = sorted(f["exporter"].unique()) if reporters is None else reporters
    missing = [r for r in reps if r not in set(f["exporter"])]
    if missing:
        raise InputError(f"reporter(s) {', '.join(missing)} export none of the selected products in the data")
    parts: list[pd.DataFrame] = []
    xw_k = f.groupby(["year", "product"])["value"].sum().rename("xw_k")  # world exports of k
    xw = f.groupby("year")["value"].sum().rename("xw")
    m_pk = f.groupby(["year", "importer", "product"])["value"].sum().rename("m_pk")
    m_p = f.groupby(["year", "importer"])["value"].sum().rename("m_p")
    mine = f[f["exporter"].isin(reps)].rename(columns={"exporter": "reporter", "importer": "partner"})
    x_rpk = (
        mine.groupby(["year", "reporter", "partner", "product"])["value"].sum().rename("x_rpk").reset_index()
    )
    x_rk = x_rpk.groupby(["year", "reporter", "product"])["x_rpk"].sum().rename("x_rk").reset_index()
    x_r = x_rk.groupby(["year", "reporter"])["x_rk"].sum().rename("x_r").reset_index()
    x_rp = x_rpk.groupby(["year", "reporter", "partner"])["x_rpk"].sum().rename("x_rp").reset_index()
    if partners is not None:
        x_rpk = x_rpk[x_rpk["partner"].isin(partners)]
        x_rp = x_rp[x_rp["partner"].isin(partners)]

    world = x_rk.merge(xw_k.reset_index(), on=["year", "product"]).merge(x_r, on=["year", "reporter"])
    world = world.merge(xw.reset_index(), on="year")
    world["partner"] = WLD
    if "rca" in indicators:
        world["rca"] = (world.x_rk / world.x_r) / (world.xw_k / world.xw)
        parts.append(_rows("rca", world, "rca"))
    if "market_share" in indicators:
        world["ms"] = world.x_rk / world.xw_k
        parts.append(_rows("market_share", world, "ms"))
        bil = x_rpk.merge(
            m_pk.reset_index().rename(columns={"importer": "partner"}), on=["year", "partner", "product"]
        )
        bil["ms"] = bil.x_rpk / bil.m_pk
        parts.append(_rows("market_share", bil, "ms"))
    if "export_specialisation" in indicators:
        es = x_rpk.merge(x_rp, on=["year", "reporter", "partner"])
        es = es.merge(
            m_pk.reset_index().rename(columns={"importer": "partner"}), on=["year", "partner", "product"]
        )
        es = es.merge(m_p.reset_index().rename(columns={"importer": "partner"}), on=["year", "partner"])
        es["es"] = (es.x_rpk / es.x_rp) / (es.m_pk / es.m_p)
        parts.append(_rows("export_specialisation", es, "es"))
    if "trade_intensity" in indicators:
        ti = x_rp.merge(x_r, on=["year", "reporter"]).merge(
            m_p.reset_index().rename(columns={"importer": "partner"}), on=["year", "partner"]
        )
        ti = ti.merge(xw.reset_index(), on="year")
        ti["ti"] = (ti.x_rp / ti.x_r) / (ti.m_p / ti.xw)
        parts.append(_rows("trade_intensity", ti, "ti", product=ALL))
    if "trade_complementarity" in indicators:
        parts.append(_complementarity(x_rk, x_r, m_pk, m_p, x_rp))
    if {"grubel_lloyd", "grubel_lloyd_aggregate", "net_export_ratio"} & set(indicators):
        parts.extend(_two_way(f, reps, partners, indicators))
    if {"hhi_markets", "hhi_markets_normalised"} & set(indicators):
        shares = x_rp.merge(x_r, on=["year", "reporter"]).assign(share=lambda d: d.x_rp / d.x_r)
        if partners is not None:  # concentration is over all of the reporter's markets
            shares = (
                (mine.groupby(["year", "reporter", "partner"])["value"].sum().rename("x_rp").reset_index())
                .merge(x_r, on=["year", "reporter"])
                .assign(share=lambda d: d.x_rp / d.x_r)
            )
        table = _normalised_hhi(shares, ["year", "reporter"]).assign(partner=WLD, product=ALL)
        parts.append(_rows("hhi_markets", table, "h"))
        parts.append(_rows("hhi_markets_normalised", table, "norm"))
    if {"hhi_products", "hhi_products_normalised"} & set(indicators):
        shares = x_rk.merge(x_r, on=["year", "reporter"]).assign(share=lambda d: d.x_rk / d.x_r)
        table = _normalised_hhi(shares, ["year", "reporter"]).assign(partner=WLD, product=ALL)
        parts.append(_rows("hhi_products", table, "h"))
        parts.append(_rows("hhi_products_normalised", table, "norm"))
    if "finger_kreinin" in indicators:
        parts.append(_finger_kreinin(f, x_rk, x_r, xw_k, xw, partners))
    result = pd.concat(parts, ignore_index=True)[OUTPUT_COLUMNS]
    order = {name: k for k, name in enumerate(INDICATORS)}
    result = result.sort_values(
        ["indicator", "reporter", "partner", "product", "year"],
        key=lambda s: s.map(order) if s.name == "indicator" else s,
    )
    return result.reset_index(drop=True)


def _complementarity(x_rk, x_r, m_pk, m_p, x_rp) -> pd.DataFrame:
    """Michaely's index for each reporter and each partner it trades with (shares over products)."""
    xs = x_rk.merge(x_r, on=["year", "reporter"]).assign(x=lambda d: d.x_rk / d.x_r)[
        ["year", "reporter", "product", "x"]
    ]
    ms = (m_pk.reset_index().merge(m_p.reset_index(), on=["year", "importer"])).assign(
        m=lambda d: d.m_pk / d.m_p
    )
    ms = ms.rename(columns={"importer": "partner"})[["year", "partner", "product", "m"]]
    pairs = x_rp[["year", "reporter", "partner"]].drop_duplicates()
    # products the reporter exports but the partner does not import count fully
    exports_only = xs.merge(pairs, on=["year", "reporter"]).merge(
        ms, on=["year", "partner", "product"], how="left", indicator=True
    )
    exports_only = exports_only[exports_only["_merge"] == "left_only"][
        ["year", "reporter", "partner", "product", "x"]
    ]
    imports = pairs.merge(ms, on=["year", "partner"]).merge(
        xs, on=["year", "reporter", "product"], how="left"
    )
    both = pd.concat([imports, exports_only.assign(m=0.0)], ignore_index=True).fillna({"x": 0.0, "m": 0.0})
    both["gap"] = (both.m - both.x).abs()
    tc = both.groupby(["year", "reporter", "partner"])["gap"].sum().reset_index()
    tc["tc"] = 100 * (1 - tc.gap / 2)
    return _rows("trade_complementarity", tc, "tc", product=ALL)


def _two_way(f: pd.DataFrame, reps, partners, indicators) -> list[pd.DataFrame]:
    """Grubel-Lloyd and net export ratio per product and partner (and WLD), and GL aggregate."""
    exports = f[f.exporter.isin(reps)].groupby(["year", "exporter", "importer", "product"])["value"].sum()
    exports = exports.rename_axis(["year", "reporter", "partner", "product"]).rename("x")
    imports = f[f.importer.isin(reps)].groupby(["year", "importer", "exporter", "product"])["value"].sum()
    imports = imports.rename_axis(["year", "reporter", "partner", "product"]).rename("m")
    bil = pd.concat([exports, imports], axis=1).fillna(0.0).reset_index()
    if partners is not None:
        bil = bil[bil.partner.isin(partners)]
    world = bil.groupby(["year", "reporter", "product"])[["x", "m"]].sum().reset_index().assign(partner=WLD)
    if partners is not None:  # against the world means all partners, not just the selected ones
        everyone = pd.concat([exports, imports], axis=1).fillna(0.0).reset_index()
        world = (
            everyone.groupby(["year", "reporter", "product"])[["x", "m"]]
            .sum()
            .reset_index()
            .assign(partner=WLD)
        )
    both = pd.concat([bil, world], ignore_index=True)
    total = both.x + both.m
    with np.errstate(divide="ignore", invalid="ignore"):
        both["gl"] = 1 - (both.x - both.m).abs() / total
        both["ner"] = (both.x - both.m) / total
    out = []
    if "grubel_lloyd" in indicators:
        out.append(_rows("grubel_lloyd", both, "gl"))
    if "net_export_ratio" in indicators:
        out.append(_rows("net_export_ratio", both, "ner"))
    if "grubel_lloyd_aggregate" in indicators:
        both["overlap"] = total - (both.x - both.m).abs()
        both["total"] = total
        agg = both.groupby(["year", "reporter", "partner"])[["overlap", "total"]].sum().reset_index()
        agg["gla"] = agg.overlap / agg.total
        out.append(_rows("grubel_lloyd_aggregate", agg, "gla", product=ALL))
    return out


def _finger_kreinin(f, x_rk, x_r, xw_k, xw, partners) -> pd.DataFrame:
    """Similarity of r's export structure with each other exporter's (and the world's)."""
    mine = x_rk.merge(x_r, on=["year", "reporter"]).assign(x=lambda d: d.x_rk / d.x_r)[
        ["year", "reporter", "product", "x"]
    ]
    others = f.groupby(["year", "exporter", "product"])["value"].sum().rename("v").reset_index()
    others = others.merge(
        others.groupby(["year", "exporter"])["v"].sum().rename("t").reset_index(), on=["year", "exporter"]
    )
    others = others.assign(y=lambda d: d.v / d.t).rename(columns={"exporter": "partner"})[
        ["year", "partner", "product", "y"]
    ]
    world = (xw_k.reset_index().merge(xw.reset_index(), on="year")).assign(
        y=lambda d: d.xw_k / d.xw, partner=WLD
    )
    others = pd.concat([others, world[["year", "partner", "product", "y"]]], ignore_index=True)
    if partners is not None:
        others = others[others.partner.isin([*partners, WLD])]
    pair = mine.merge(others, on=["year", "product"])
    pair = pair[pair.reporter != pair.partner]
    pair["low"] = np.minimum(pair.x, pair.y)
    fk = pair.groupby(["year", "reporter", "partner"])["low"].sum().reset_index()
    fk["fk"] = 100 * fk.low
    return _rows("finger_kreinin", fk, "fk", product=ALL)
