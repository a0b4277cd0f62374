"""Trade competitiveness indicators from bilateral flows (BACI layout), as defined by WITS.

Notation: X_rpk exports of reporter r to partner p of product k; W the world; X_rp = sum_k X_rpk;
M_pk = sum_i X_ipk imports of p; X_W = world trade. Partner ``WLD`` = against the world, product
``ALL`` = over all selected products. Formulas (World Bank WITS "Trade indicators" online help;
UNCTAD Handbook of Statistics):

* ``rca`` (Balassa 1965): (X_rWk / X_rW) / (X_WWk / X_WW).
* ``export_specialisation`` (WITS online help, "Export Specialization"): (X_rWk / X_rW) / (M_pk / M_p),
  the product's share in r's *total* exports over its share in p's imports; one row per flow
  r -> p of k.
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

The world here is the sum of the flows given: it is the world only when they form a world matrix.
``silkscope trade indicators`` checks that first (``trade/coverage.py``) and refuses the
indicators the flows cannot support unless ``--allow-partial`` (then :func:`row_notes` marks
those rows); the functions below compute on whatever flows they are given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from silkscope.errors import InputError, MethodError

if TYPE_CHECKING:
    import ibis
    import numpy as np
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
    """Every indicator for the reporters (None = every exporter of each year) against the partners
    (None = all), as a long table (:data:`OUTPUT_COLUMNS`) sorted by year, indicator (in :data:`INDICATORS`
    order), reporter, partner, product.

    ``flows`` has ``year, exporter, importer, product, value`` (ISO3, product codes as text); the
    products are those to analyse (filter them first); totals and shares are within them. The
    queries run on ``con`` (default: a new in-memory DuckDB; see ``trade.queries.connect``).
    """
    from silkscope.trade.queries import connect

    con = con or connect()
    table = checked_flows(flows, reporters, con)
    return con.to_pandas(indicator_table(table, reporters, partners, indicators, con, sort=True))


def checked_flows(
    flows: pd.DataFrame | ibis.Table, reporters: list[str] | None, con: BaseBackend
) -> ibis.Table:
    """``flows`` as an Ibis table, after checking that every reporter exports in it."""
    from silkscope.trade.queries import frame_flows

    table = frame_flows(flows) if isinstance(flows, pd.DataFrame) else flows
    if reporters is not None:
        held = table.filter(table.exporter.isin(reporters)).select("exporter").distinct()
        found = set(con.to_pandas(held)["exporter"])
        missing = [r for r in reporters if r not in found]
        if missing:
            raise InputError(
                f"reporter(s) {', '.join(missing)} export none of the selected products in the data"
            )
    return table


def indicator_table(
    flows: ibis.Table,
    reporters: list[str] | None = None,
    partners: list[str] | None = None,
    indicators: tuple[str, ...] = INDICATORS,
    con: BaseBackend | None = None,
    sort: bool = False,
    unique: bool = False,
) -> ibis.Table:
    """The indicators as one Ibis expression (:data:`OUTPUT_COLUMNS`), to run on ``con`` or write
    out; ``sort`` orders it as :func:`trade_indicators` does (year, indicator, reporter, partner,
    product: a year's rows are together, so results written year by year and put one after the
    other are sorted as a whole). ``unique`` says the flows already hold one row per (year, exporter,
    importer, product), as the workspace's do (its import refuses duplicates), so they are not
    grouped again (a third of the preparation time for a BACI year).

    The work runs on integer codes: countries and products are numbered in the order of their
    codes (``WLD`` and ``ALL`` among them), the flows are deduplicated once with those numbers,
    every join and aggregate uses them, and the codes come back only in the last step (a join
    with the two small code tables); sorting by the numbers sorts by the codes.
    Complementarity and Finger-Kreinin are sums of min(a_k, b_k) over every pair of share
    vectors: the backend computes the share tables (countries x products, small), which are
    collected and paired in NumPy blocks (:func:`_overlaps`), since a join would materialise
    pairs x products rows (2e8 for a BACI year).
    """
    import ibis

    from silkscope.trade.queries import connect

    con = con or connect()
    unknown = [i for i in indicators if i not in INDICATORS]
    if unknown:
        raise MethodError(f"unknown indicator(s) {', '.join(unknown)}; known: {', '.join(INDICATORS)}")
    codes = _Codes.of(con, flows, unique)
    parts = _coded_parts(con, codes, reporters, partners, set(indicators))
    coded = ibis.union(*parts).rename(r_id="reporter", p_id="partner", k_id="product")
    names, country, product = (
        _labels(con, labels) for labels in (list(INDICATORS), codes.countries, codes.products)
    )
    ind = names.select(i=names.id, indicator=names.code)
    rep = country.select(r=country.id, reporter=country.code)
    par = country.select(p=country.id, partner=country.code)
    prod = product.select(k=product.id, product=product.code)
    table = (
        coded.join(ind, coded["rank"] == ind.i)
        .join(rep, coded.r_id == rep.r)
        .join(par, coded.p_id == par.p)
        .join(prod, coded.k_id == prod.k)
        .select(
            "rank", "r_id", "p_id", "k_id", "indicator", "reporter", "partner", "product", "year", "value"
        )
    )
    if sort:
        table = table.order_by(_sort_key(table, len(codes.countries), len(codes.products)))
    return table.select(*OUTPUT_COLUMNS)


def row_notes(result: ibis.Table, coverage, partial: str | None, label: str | None = None):
    """The ``note`` column of :func:`indicator_table`'s rows: ``partial`` (the coverage note of
    ``--allow-partial``) on the rows the flows cannot support (``trade.coverage``: those that need
    the world, or a partner's exports that the flows do not hold), joined to the demo ``label``."""
    import ibis

    from silkscope.trade import coverage as cov

    base = ibis.literal(label, type="string") if label else ibis.literal(None, type="string")
    if not partial:
        return base
    indicator, partner = result.indicator.cast("string"), result.partner.cast("string")
    needs = (
        indicator.isin(sorted(cov.NEEDS_WORLD))
        | (indicator.isin(sorted(cov.NEEDS_PARTNER_EXPORTS)) & ~partner.isin(sorted(coverage.exporters)))
        | (indicator.isin(sorted(cov.NEEDS_WORLD_AS_PARTNER)) & (partner == WLD))
    )
    text = f"{label}; {partial}" if label else partial
    return needs.ifelse(ibis.literal(text, type="string"), base)


def _sort_key(table: ibis.Table, countries: int, products: int):
    """Year, indicator, reporter, partner, product as one 64-bit number (mixed radix) when it
    fits, else the five columns: DuckDB sorts a BACI year's 68.6 M rows ~5 s faster on one key."""
    span = len(INDICATORS) * countries * countries * products
    if span * 10_000 >= 2**63:  # years up to 9999
        return ["year", "rank", "r_id", "p_id", "k_id"]
    key = table.year.cast("int64") * len(INDICATORS) + table["rank"].cast("int64")
    key = (key * countries + table.r_id.cast("int64")) * countries + table.p_id.cast("int64")
    return [key * products + table.k_id.cast("int64")]


# peak memory per flow of a whole-year run (measured on a BACI-sized year, benchmarks/RESULTS.md):
# 2.7 GB for 11 M flows unsorted, 6.5 GB sorted
BYTES_PER_FLOW = {False: 250, True: 600}


def year_groups(flows_per_year: dict[int, int], max_flows: int) -> list[list[int]]:
    """The years in order, in consecutive groups of at most ``max_flows`` flows (a year with more
    stands alone): the indicators are computed one group at a time, which bounds the memory."""
    groups: list[list[int]] = []
    size = 0
    for year in sorted(flows_per_year):
        n = flows_per_year[year]
        if groups and size + n <= max_flows:
            groups[-1].append(year)
            size += n
        else:
            groups.append([year])
            size = n
    return groups


def flow_budget(sort: bool) -> int:
    """How many flows one run may take: half the machine's memory at :data:`BYTES_PER_FLOW`, or
    the environment variable ``SILKSCOPE_TRADE_CHUNK_FLOWS``."""
    import os

    if os.environ.get("SILKSCOPE_TRADE_CHUNK_FLOWS"):
        return int(os.environ["SILKSCOPE_TRADE_CHUNK_FLOWS"])
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return int(memory * 0.5 // BYTES_PER_FLOW[sort])


def release(con: BaseBackend) -> None:
    """Drop the temporary tables :func:`indicator_table` made on a DuckDB connection (call it
    once the expressions built on them have run): a long job computing year after year keeps
    one year's tables in memory, not all of them."""
    if con.name != "duckdb":
        return
    names = con.con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE 'silkscope_%'"
    ).fetchall()
    for (name,) in names:
        con.raw_sql(f'DROP TABLE IF EXISTS temp.main."{name}"')


def _labels(con: BaseBackend, labels: list[str], enum: bool = True) -> ibis.Table:
    """An ``id, code`` table numbering ``labels``. With ``enum`` on DuckDB the code is an ENUM, so
    the long output carries one small integer per cell and Parquet / Arrow receive it
    dictionary-encoded (writing 68 M rows of plain strings took three times as long)."""
    import uuid

    import ibis

    frame = pd.DataFrame({"id": range(len(labels)), "code": labels}).astype({"id": "int32"})
    if not enum or con.name != "duckdb":
        return ibis.memtable(frame)
    frame["code"] = pd.Categorical(labels, categories=labels)  # scanned by DuckDB as an ENUM
    name = f"silkscope_{uuid.uuid4().hex[:12]}"
    con.con.register(f"{name}_frame", frame)
    con.raw_sql(f'CREATE TEMP TABLE "{name}" AS SELECT * FROM "{name}_frame"')
    con.con.unregister(f"{name}_frame")
    return con.table(name)


class _Codes:
    """Countries and products numbered in the order of their codes, and the flows with numbers:
    ``year, exporter, importer, product, value`` (ints), one row per key, exporter != importer."""

    def __init__(
        self, con: BaseBackend, flows: ibis.Table, countries: list[str], products: list[str], unique: bool
    ):
        self.countries, self.products = countries, products
        self.country_id = {c: k for k, c in enumerate(countries)}
        self.wld, self.all = self.country_id[WLD], products.index(ALL)
        country, product = (_labels(con, codes, enum=False) for codes in (countries, products))
        ex = country.select(exporter=country.id, e_code=country.code)
        im = country.select(importer=country.id, i_code=country.code)
        pr = product.select(product=product.id, k_code=product.code)
        coded = (
            flows.join(ex, flows.exporter == ex.e_code)
            .join(im, flows.importer == im.i_code)
            .join(pr, flows["product"] == pr.k_code)
            .select(
                "year", exporter=ex.exporter, importer=im.importer, product=pr["product"], value=flows.value
            )
        )
        if not unique:
            coded = coded.group_by(["year", "exporter", "importer", "product"]).aggregate(
                value=coded.value.sum()
            )
        self.flows = _materialise(con, coded)

    @classmethod
    def of(cls, con: BaseBackend, flows: ibis.Table, unique: bool = False) -> _Codes:
        import ibis

        f = flows.select("year", "exporter", "importer", "product", "value")
        f = f.filter(f.exporter != f.importer)
        names = ibis.union(f.select(code=f.exporter), f.select(code=f.importer), distinct=True)
        countries = set(con.to_pandas(names)["code"])
        products = set(con.to_pandas(f.select("product").distinct())["product"])
        clash = [c for c in (WLD, ALL) if c in countries | products]
        if clash:
            raise InputError(f"flows use the reserved code(s) {', '.join(clash)} (the world, all products)")
        return cls(con, f, sorted(countries | {WLD}), sorted(products | {ALL}), unique)

    def ids(self, names: list[str] | None) -> list[int] | None:
        """The numbers of the countries held (None stays None)."""
        return None if names is None else [self.country_id[n] for n in names if n in self.country_id]


def _coded_parts(con, codes: _Codes, reporters, partners, want: set[str]) -> list[ibis.Table]:
    """Each indicator's rows with numbered keys (see :func:`_rows`)."""
    import ibis
    from ibis import _

    f, wld, all_ = codes.flows, codes.wld, codes.all
    reporters, partners = codes.ids(reporters), codes.ids(partners)
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
            parts.append(_rows("rca", world, world.share / (world.xw_k / world.xw), partner=wld))
        if "market_share" in want:
            parts.append(_rows("market_share", world, world.x_rk / world.xw_k, partner=wld))
            parts.append(_rows("market_share", bil, bil.x_rpk / bil.m_pk))
    if "export_specialisation" in want:
        # WITS: (x_rk / x_r) / (m_pk / m_p), r's share of k in its total exports (x_share) and
        # p's market size m_p joined to each flow r -> p of k
        shares = x_share.select("year", "reporter", "product", "share")
        es = bil.join(shares, ["year", "reporter", "product"]).join(m_p, ["year", "partner"])
        parts.append(_rows("export_specialisation", es, es.share * es.m_p / es.m_pk))
    if "trade_intensity" in want:
        ti = x_rp.join(x_r, ["year", "reporter"]).join(m_p, ["year", "partner"]).join(xw, "year")
        parts.append(_rows("trade_intensity", ti, (ti.x_rp / ti.x_r) / (ti.m_p / ti.xw), product=all_))
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
        parts.append(_rows("trade_complementarity", ibis.memtable(tc), 100 * ibis._.s, product=all_))
    if want & {"grubel_lloyd", "grubel_lloyd_aggregate", "net_export_ratio"}:
        parts.extend(_two_way(f, x_rk, m_pk, reporters, partners, want, wld, all_))
    if want & {"hhi_markets", "hhi_markets_normalised"}:
        shares = x_rp_all.join(x_r, ["year", "reporter"]).mutate(share=_.x_rp / _.x_r)
        parts.extend(_hhi("hhi_markets", shares, want, wld, all_))
    if want & {"hhi_products", "hhi_products_normalised"}:
        parts.extend(_hhi("hhi_products", x_share, want, wld, all_))
    if "finger_kreinin" in want:
        parts.append(_finger_kreinin(con, f, mine_shares(), xw_k, xw, reporters, partners, wld, all_))
    return parts


def _materialise(con: BaseBackend, table: ibis.Table) -> ibis.Table:
    """On DuckDB, ``table`` computed once into a temporary table of the connection (kept until it
    closes; Ibis's ``cache`` drops it with the Python object, which a returned expression can
    outlive). Elsewhere (Spark) the expression as it is: the backend plans the whole query."""
    import uuid

    if con.name != "duckdb":
        return table
    return con.create_table(f"silkscope_{uuid.uuid4().hex[:12]}", table, temp=True)


def _rows(indicator: str, table: ibis.Table, value, partner: int | None = None, product: int | None = None):
    """One indicator's long rows with numbered keys (``partner`` / ``product`` fixed to the number
    of WLD / ALL where given); values that are not finite (0/0, x/0) are left out."""
    import ibis

    value = (value.resolve(table) if hasattr(value, "resolve") else value).cast("float64")
    out = table.select(
        rank=ibis.literal(INDICATORS.index(indicator), type="int32"),
        reporter=table.reporter.cast("int32"),
        partner=(ibis.literal(partner) if partner is not None else table.partner).cast("int32"),
        product=(ibis.literal(product) if product is not None else table["product"]).cast("int32"),
        year=table.year.cast("int64"),
        value=value,
    )
    return out.filter(out.value.notnull() & ~out.value.isnan() & ~out.value.isinf())


def _hhi(name: str, shares: ibis.Table, want: set[str], wld: int, all_: int) -> list[ibis.Table]:
    """Herfindahl-Hirschman index of the shares and its UNCTAD normalisation (H - 1/N)/(1 - 1/N)."""
    from ibis import _

    table = shares.group_by(["year", "reporter"]).aggregate(
        h=(_.share * _.share).sum(), n=(_.share > 0).ifelse(1, 0).sum()
    )
    out = []
    if name in want:
        out.append(_rows(name, table, table.h, partner=wld, product=all_))
    if f"{name}_normalised" in want:
        norm = (table.n > 1).ifelse((table.h - 1 / table.n) / (1 - 1 / table.n), None)
        out.append(_rows(f"{name}_normalised", table, norm, partner=wld, product=all_))
    return out


def _two_way(
    f: ibis.Table,
    x_rk: ibis.Table,
    m_pk: ibis.Table,
    reporters,
    partners,
    want: set[str],
    wld: int,
    all_: int,
) -> list[ibis.Table]:
    """Grubel-Lloyd and net export ratio per product and partner (and WLD), and GL aggregate:
    each reporter's exports to a partner (x) beside its imports from it (m), by an outer join of
    the (deduplicated) flows with themselves reversed; against the world, its exports of each
    product beside its imports of it (``x_rk``, ``m_pk``)."""
    import ibis
    from ibis import _

    if reporters is None:  # every exporter of the year, also as an importer
        exporters = f.select("year", reporter=_.exporter).distinct()
        exports = f
        imports = f.semi_join(exporters, [f.year == exporters.year, f.importer == exporters.reporter])
        m_r = m_pk.semi_join(exporters, [m_pk.year == exporters.year, m_pk.partner == exporters.reporter])
    else:
        exports = f.filter(_.exporter.isin(reporters))
        imports = f.filter(_.importer.isin(reporters))
        m_r = m_pk.filter(_.partner.isin(reporters))
    everyone = _side_by_side(
        exports.select("year", "product", reporter=_.exporter, partner=_.importer, x=_.value),
        imports.select("year", "product", reporter=_.importer, partner=_.exporter, m=_.value),
        ["year", "reporter", "partner", "product"],
    )
    bil = everyone if partners is None else everyone.filter(_.partner.isin(partners))
    # against the world means all partners, not just the selected ones
    world = _side_by_side(
        x_rk.select("year", "reporter", "product", x=_.x_rk),
        m_r.select("year", "product", reporter=_.partner, m=_.m_pk),
        ["year", "reporter", "product"],
    )
    world = world.mutate(partner=ibis.literal(wld, type="int32"))
    columns = ["year", "reporter", "partner", "product", "x", "m"]
    both = ibis.union(bil.select(*columns), world.select(*columns))
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
        out.append(_rows("grubel_lloyd_aggregate", agg, agg.overlap / agg.total, product=all_))
    return out


def _side_by_side(x: ibis.Table, m: ibis.Table, keys: list[str]) -> ibis.Table:
    """``keys, x, m``: the outer join of ``x`` (keys, x) and ``m`` (keys, m), 0 where a side has no row."""
    m = m.rename({f"{k}_m": k for k in keys})
    joined = x.outer_join(m, [x[k] == m[f"{k}_m"] for k in keys])
    return joined.select(
        **{k: joined[k].coalesce(joined[f"{k}_m"]) for k in keys},
        x=joined.x.coalesce(0.0),
        m=joined.m.coalesce(0.0),
    )


def _finger_kreinin(
    con, f: ibis.Table, mine: pd.DataFrame, xw_k, xw, reporters, partners, wld: int, all_: int
):
    """Similarity of r's export structure with each other exporter's (and the world's); with
    every exporter a reporter, the others' shares are the reporters' (``mine``), not collected again."""
    import ibis
    from ibis import _

    world = xw_k.join(xw, "year").select("year", "product", other=ibis.literal(wld), share=_.xw_k / _.xw)
    world = con.to_pandas(world.select("year", "other", "product", "share"))
    if reporters is None:
        others = mine.rename(columns={"reporter": "other"})
        if partners is not None:
            others = others[others.other.isin(partners)]
    else:
        by_exporter = f.group_by(["year", "exporter", "product"]).aggregate(v=_.value.sum())
        totals = by_exporter.group_by(["year", "exporter"]).aggregate(t=_.v.sum())
        others = by_exporter.join(totals, ["year", "exporter"]).select(
            "year", "product", other=_.exporter, share=_.v / _.t
        )
        if partners is not None:
            others = others.filter(_.other.isin(partners))
        others = con.to_pandas(others.select("year", "other", "product", "share"))
    others = pd.concat([others, world.astype({"other": others.other.dtype})], ignore_index=True)
    fk = _overlaps(mine, others)
    fk = fk[fk.reporter != fk.other].rename(columns={"other": "partner"})
    return _rows("finger_kreinin", ibis.memtable(fk), 100 * ibis._.s, product=all_)


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
        s = _min_sums(a_mat, b_mat)
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
    empty = pd.DataFrame({"year": 0, "reporter": a.reporter[:0], "other": b.other[:0], "s": 0.0}, index=[])
    return pd.concat(out, ignore_index=True) if out else empty.iloc[:0]


def _min_sums(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """s[i, j] = sum_k min(a[i, k], b[j, k]), one row of ``a`` at a time into a reused buffer,
    the rows split over threads (NumPy releases the GIL in the ufuncs)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np

    s = np.empty((len(a), len(b)))

    def run(rows: np.ndarray) -> None:
        buffer = np.empty_like(b)
        for i in rows:
            np.minimum(a[i], b, out=buffer)
            s[i] = buffer.sum(axis=1)

    workers = max(1, min(4, os.cpu_count() or 1, len(a)))
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, np.array_split(np.arange(len(a)), workers)))
    return s


def _dense(frame: pd.DataFrame, unit: str, products: pd.Index):
    """A units x products matrix of ``share`` (zeros where absent), and the unit labels."""
    import numpy as np

    codes, units = pd.factorize(frame[unit], sort=True)
    col = products.get_indexer(frame["product"])
    keep = col >= 0
    matrix = np.zeros((len(units), len(products)))
    matrix[codes[keep], col[keep]] = frame["share"].to_numpy()[keep]
    return matrix, np.asarray(units)
