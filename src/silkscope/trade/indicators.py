"""Trade competitiveness indicators from bilateral flows (BACI layout), as defined by WITS.

Notation: X_rpk exports of reporter r to partner p of product k; W the world; X_rp = sum_k X_rpk;
M_pk = sum_i X_ipk imports of p; X_W = world trade. Partner ``WLD`` = against the world, product
``ALL`` = over all selected products. Formulas (World Bank WITS "Trade indicators" online help;
UNCTAD Handbook of Statistics):

* ``rca`` (Balassa 1965): (X_rWk / X_rW) / (X_WWk / X_WW).
* ``export_specialisation``: (X_rpk / X_rp) / (M_pk / M_p), the product's share in r's exports to p
  over its share in p's imports.
* ``trade_intensity`` (Brown 1949; Kojima 1964): (X_rp / X_rW) / (M_p / X_WW).
* ``trade_complementarity`` (Michaely 1996): 100 (1 - sum_k |m_pk - x_rk| / 2), m = p's import
  shares, x = r's export shares to the world; computed as 100 sum_k min(m_pk, x_rk), equal
  because both share vectors sum to one.
* ``grubel_lloyd`` (Grubel & Lloyd 1975): 1 - |X_rpk - M_rpk| / (X_rpk + M_rpk), M_rpk = X_prk;
  ``grubel_lloyd_aggregate``: sum_k (X + M - |X - M|) / sum_k (X + M).
* ``net_export_ratio`` (trade competitiveness index): (X - M) / (X + M).
* ``hhi_markets`` / ``hhi_products``: sum of squared shares of r's exports over markets / products;
  ``*_normalised`` (UNCTAD): (H - 1/N) / (1 - 1/N), N = markets (products) with exports.
* ``finger_kreinin`` (Finger & Kreinin 1979): 100 sum_k min(x_rk, x_ck) of the export structures
  of r and another exporter c (``partner`` = c) or the world (``partner`` = WLD).
* ``market_share``: X_rpk / M_pk (r's share of p's imports of k); WLD: X_rWk / X_WWk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from silkscope.errors import InputError, MethodError

if TYPE_CHECKING:
    import ibis
    from ibis.backends import BaseBackend

INDICATORS = (
    "rca",
    "export_specialisation",
    "trade_intensity",
    "trade_complementarity",
    "grubel_lloyd",
    "grubel_lloyd_aggregate",
    "net_export_ratio",
    "hhi_markets",
    "hhi_markets_normalised",
    "hhi_products",
    "hhi_products_normalised",
    "finger_kreinin",
    "market_share",
)
OUTPUT_COLUMNS = ["indicator", "reporter", "partner", "product", "year", "value"]
WLD, ALL = "WLD", "ALL"


def trade_indicators(
    flows: pd.DataFrame | ibis.Table,
    reporters: list[str] | None = None,
    partners: list[str] | None = None,
    indicators: tuple[str, ...] = INDICATORS,
    con: BaseBackend | None = None,
) -> pd.DataFrame:
    """Every indicator for the reporters (None = every exporter) against the partners (None = all),
    as a sorted long table (:data:`OUTPUT_COLUMNS`).

    ``flows`` has ``year, exporter, importer, product, value`` (ISO3, product codes as text); the
    products are those to analyse (filter them first); totals and shares are within them. The
    queries run on ``con`` (default: a new in-memory DuckDB; see ``trade.queries.connect``).
    """
    from silkscope.trade.queries import connect, frame_flows

    con = con or connect()
    table = frame_flows(flows) if isinstance(flows, pd.DataFrame) else flows
    if reporters is not None:
        held = table.filter(table.exporter.isin(reporters)).select("exporter").distinct()
        found = set(con.to_pandas(held)["exporter"])
        missing = [r for r in reporters if r not in found]
        if missing:
            raise InputError(
                f"reporter(s) {', '.join(missing)} export none of the selected products in the data"
            )
    return con.to_pandas(ordered(indicator_table(table, reporters, partners, indicators, con)))


def ordered(table: ibis.Table) -> ibis.Table:
    """The indicator rows in :data:`INDICATORS` order, then reporter, partner, product, year."""
    rank = table.indicator.substitute({n: k for k, n in enumerate(INDICATORS)}, else_=len(INDICATORS))
    return table.order_by([rank, "reporter", "partner", "product", "year"]).select(*OUTPUT_COLUMNS)


def indicator_table(
    flows: ibis.Table,
    reporters: list[str] | None = None,
    partners: list[str] | None = None,
    indicators: tuple[str, ...] = INDICATORS,
    con: BaseBackend | None = None,
) -> ibis.Table:
    """The indicators as one Ibis expression (unsorted), to run on ``con`` or write out.

    Complementarity and Finger-Kreinin are sums of min(a_k, b_k) over every pair of share
    vectors: the backend computes the share tables (countries x products, small), which are
    collected and paired in NumPy blocks (:func:`_overlaps`), since a join would materialise
    pairs x products rows (2e8 for a BACI year); the result joins the expression as a memtable.
    """
    import ibis

    from silkscope.trade.queries import connect

    con = con or connect()
    from ibis import _

    unknown = [i for i in indicators if i not in INDICATORS]
    if unknown:
        raise MethodError(f"unknown indicator(s) {', '.join(unknown)}; known: {', '.join(INDICATORS)}")
    want = set(indicators)
    # the flows (one row per year, exporter, importer, product) and the aggregates several
    # indicators share are materialised once on the backend
    f = flows.select("year", "exporter", "importer", "product", "value").filter(_.exporter != _.importer)
    f = _materialise(
        con, f.group_by(["year", "exporter", "importer", "product"]).aggregate(value=_.value.sum())
    )
    xw_k = f.group_by(["year", "product"]).aggregate(xw_k=_.value.sum())  # world exports of k
    xw = f.group_by("year").aggregate(xw=_.value.sum())
    m_pk = f.group_by(["year", "importer", "product"]).aggregate(m_pk=_.value.sum())
    m_pk = _materialise(con, m_pk.rename(partner="importer"))
    m_p = m_pk.group_by(["year", "partner"]).aggregate(m_p=_.m_pk.sum())
    mine = f if reporters is None else f.filter(_.exporter.isin(reporters))
    x_rpk_all = mine.select("year", "product", reporter=_.exporter, partner=_.importer, x_rpk=_.value)
    x_rk = x_rpk_all.group_by(["year", "reporter", "product"]).aggregate(x_rk=_.x_rpk.sum())
    x_r = x_rk.group_by(["year", "reporter"]).aggregate(x_r=_.x_rk.sum())
    x_rp_all = x_rpk_all.group_by(["year", "reporter", "partner"]).aggregate(x_rp=_.x_rpk.sum())
    x_rpk, x_rp = (
        (x_rpk_all, x_rp_all)
        if partners is None
        else (x_rpk_all.filter(_.partner.isin(partners)), x_rp_all.filter(_.partner.isin(partners)))
    )
    x_share = x_rk.join(x_r, ["year", "reporter"]).mutate(share=_.x_rk / _.x_r)
    parts: list[ibis.Table] = []

    if want & {"market_share", "export_specialisation"}:
        # each flow with its market's imports of the product, materialised: joined in one query
        # with the small pair tables, the optimiser would pair markets first (2e8 rows a year)
        bil = _materialise(con, x_rpk.join(m_pk, ["year", "partner", "product"]))
    if want & {"rca", "market_share"}:
        world = x_share.join(xw_k, ["year", "product"]).join(xw, "year")
        if "rca" in want:
            parts.append(_rows("rca", world, world.share / (world.xw_k / world.xw), partner=WLD))
        if "market_share" in want:
            parts.append(_rows("market_share", world, world.x_rk / world.xw_k, partner=WLD))
            parts.append(_rows("market_share", bil, bil.x_rpk / bil.m_pk))
    if "export_specialisation" in want:
        # (x_rpk / x_rp) / (m_pk / m_p): the pair's small ratio m_p / x_rp joined to each flow
        pair = x_rp.join(m_p, ["year", "partner"]).select("year", "reporter", "partner", r=_.m_p / _.x_rp)
        es = bil.join(pair, ["year", "reporter", "partner"])
        parts.append(_rows("export_specialisation", es, es.x_rpk / es.m_pk * es.r))
    if "trade_intensity" in want:
        ti = x_rp.join(x_r, ["year", "reporter"]).join(m_p, ["year", "partner"]).join(xw, "year")
        parts.append(_rows("trade_intensity", ti, (ti.x_rp / ti.x_r) / (ti.m_p / ti.xw), product=ALL))
    collected: list[pd.DataFrame] = []

    def mine_shares() -> pd.DataFrame:  # the reporters' export shares, collected once
        if not collected:
            collected.append(con.to_pandas(x_share.select("year", "reporter", "product", "share")))
        return collected[0]

    if "trade_complementarity" in want:
        m_share = m_pk.join(m_p, ["year", "partner"]).select("year", "partner", "product", m=_.m_pk / _.m_p)
        tc = _overlaps(mine_shares(), con.to_pandas(m_share.rename(other="partner", share="m")))
        pairs = con.to_pandas(x_rp.select("year", "reporter", "partner"))
        tc = pairs.merge(tc.rename(columns={"other": "partner"}), on=["year", "reporter", "partner"])
        parts.append(_rows("trade_complementarity", ibis.memtable(tc), 100 * ibis._.s, product=ALL))
    if want & {"grubel_lloyd", "grubel_lloyd_aggregate", "net_export_ratio"}:
        parts.extend(_two_way(f, reporters, partners, want))
    if want & {"hhi_markets", "hhi_markets_normalised"}:
        shares = x_rp_all.join(x_r, ["year", "reporter"]).mutate(share=_.x_rp / _.x_r)
        parts.extend(_hhi("hhi_markets", shares, want))
    if want & {"hhi_products", "hhi_products_normalised"}:
        parts.extend(_hhi("hhi_products", x_share, want))
    if "finger_kreinin" in want:
        parts.append(_finger_kreinin(con, f, mine_shares(), xw_k, xw, partners))
    return ibis.union(*parts)


def _materialise(con: BaseBackend, table: ibis.Table) -> ibis.Table:
    """On DuckDB, ``table`` computed once into a temporary table of the connection (kept until it
    closes; Ibis's ``cache`` drops it with the Python object, which a returned expression can
    outlive). Elsewhere (Spark) the expression as it is: the backend plans the whole query."""
    import uuid

    if con.name != "duckdb":
        return table
    return con.create_table(f"silkscope_{uuid.uuid4().hex[:12]}", table, temp=True)


def _rows(indicator: str, table: ibis.Table, value, partner: str | None = None, product: str | None = None):
    """One indicator's long rows; values that are not finite (0/0, x/0) are left out."""
    import ibis

    value = (value.resolve(table) if hasattr(value, "resolve") else value).cast("float64")
    out = table.select(
        indicator=ibis.literal(indicator),
        reporter=table.reporter,
        partner=ibis.literal(partner) if partner else table.partner,
        product=ibis.literal(product) if product else table.product,
        year=table.year.cast("int64"),
        value=value,
    )
    return out.filter(out.value.notnull() & ~out.value.isnan() & ~out.value.isinf())


def _hhi(name: str, shares: ibis.Table, want: set[str]) -> list[ibis.Table]:
    """Herfindahl-Hirschman index of the shares and its UNCTAD normalisation (H - 1/N)/(1 - 1/N)."""
    from ibis import _

    table = shares.group_by(["year", "reporter"]).aggregate(
        h=(_.share * _.share).sum(), n=(_.share > 0).ifelse(1, 0).sum()
    )
    out = []
    if name in want:
        out.append(_rows(name, table, table.h, partner=WLD, product=ALL))
    if f"{name}_normalised" in want:
        norm = (table.n > 1).ifelse((table.h - 1 / table.n) / (1 - 1 / table.n), None)
        out.append(_rows(f"{name}_normalised", table, norm, partner=WLD, product=ALL))
    return out


def _two_way(f: ibis.Table, reporters, partners, want: set[str]) -> list[ibis.Table]:
    """Grubel-Lloyd and net export ratio per product and partner (and WLD), and GL aggregate."""
    import ibis
    from ibis import _

    if reporters is None:  # every exporter, also as an importer
        exports = f
        exporters = f.select(reporter=_.exporter).distinct()
        imports = f.semi_join(exporters, f.importer == exporters.reporter)
    else:
        exports = f.filter(_.exporter.isin(reporters))
        imports = f.filter(_.importer.isin(reporters))
    zero = ibis.literal(0.0)
    flows = ibis.union(
        exports.select("year", "product", reporter=_.exporter, partner=_.importer, x=_.value, m=zero),
        imports.select("year", "product", reporter=_.importer, partner=_.exporter, x=zero, m=_.value),
    )
    everyone = flows.group_by(["year", "reporter", "partner", "product"]).aggregate(x=_.x.sum(), m=_.m.sum())
    bil = everyone if partners is None else everyone.filter(_.partner.isin(partners))
    # against the world means all partners, not just the selected ones
    world = everyone.group_by(["year", "reporter", "product"]).aggregate(x=_.x.sum(), m=_.m.sum())
    world = world.select("year", "reporter", partner=ibis.literal(WLD), product=_.product, x=_.x, m=_.m)
    both = ibis.union(bil.select("year", "reporter", "partner", "product", "x", "m"), world)
    total, gap = both.x + both.m, (both.x - both.m).abs()
    out = []
    if "grubel_lloyd" in want:
        out.append(_rows("grubel_lloyd", both, 1 - gap / total))
    if "net_export_ratio" in want:
        out.append(_rows("net_export_ratio", both, (both.x - both.m) / total))
    if "grubel_lloyd_aggregate" in want:
        agg = both.group_by(["year", "reporter", "partner"]).aggregate(
            overlap=(_.x + _.m - (_.x - _.m).abs()).sum(), total=(_.x + _.m).sum()
        )
        out.append(_rows("grubel_lloyd_aggregate", agg, agg.overlap / agg.total, product=ALL))
    return out


def _finger_kreinin(con, f: ibis.Table, mine: pd.DataFrame, xw_k: ibis.Table, xw: ibis.Table, partners):
    """Similarity of r's export structure with each other exporter's (and the world's)."""
    import ibis
    from ibis import _

    by_exporter = f.group_by(["year", "exporter", "product"]).aggregate(v=_.value.sum())
    totals = by_exporter.group_by(["year", "exporter"]).aggregate(t=_.v.sum())
    others = by_exporter.join(totals, ["year", "exporter"]).select(
        "year", "product", other=_.exporter, share=_.v / _.t
    )
    world = xw_k.join(xw, "year").select("year", "product", other=ibis.literal(WLD), share=_.xw_k / _.xw)
    others = ibis.union(others, world)
    if partners is not None:
        others = others.filter(_.other.isin([*partners, WLD]))
    fk = _overlaps(mine, con.to_pandas(others.select("year", "other", "product", "share")))
    fk = fk[fk.reporter != fk.other].rename(columns={"other": "partner"})
    return _rows("finger_kreinin", ibis.memtable(fk), 100 * ibis._.s, product=ALL)


def _overlaps(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """``year, reporter, other, s``: s = sum_k min(a_rk, b_ok) for every reporter r of ``a``
    (``year, reporter, product, share``) and every unit o of ``b`` (``year, other, product,
    share``) in the same year."""
    import numpy as np

    out = []
    for year, a_year in a.groupby("year", sort=True):
        b_year = b[b.year == year]
        products = pd.Index(np.intersect1d(a_year["product"].unique(), b_year["product"].unique()))
        a_mat, rows = _dense(a_year, "reporter", products)
        b_mat, cols = _dense(b_year, "other", products)
        s = np.empty((len(rows), len(cols)))
        block = max(1, int(2e7 // max(1, b_mat.size)))
        for i in range(0, len(rows), block):
            s[i : i + block] = np.minimum(a_mat[i : i + block, None, :], b_mat[None]).sum(axis=2)
        out.append(
            pd.DataFrame(
                {
                    "year": year,
                    "reporter": np.repeat(rows, len(cols)),
                    "other": np.tile(cols, len(rows)),
                    "s": s.ravel(),
                }
            )
        )
    empty = pd.DataFrame({"year": pd.Series(dtype="int64"), "reporter": "", "other": "", "s": 0.0})
    return pd.concat(out, ignore_index=True) if out else empty.iloc[:0]


def _dense(frame: pd.DataFrame, unit: str, products: pd.Index):
    """A units x products matrix of ``share`` (zeros where absent), and the unit labels."""
    import numpy as np

    codes, units = pd.factorize(frame[unit], sort=True)
    col = products.get_indexer(frame["product"])
    keep = col >= 0
    matrix = np.zeros((len(units), len(products)))
    matrix[codes[keep], col[keep]] = frame["share"].to_numpy()[keep]
    return matrix, np.asarray(units)
