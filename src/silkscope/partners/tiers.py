"""Partner tiers: a partner-readiness composite index built with the index engine, tiers by natural
breaks or k-means, the probability of each tier under method uncertainty, and the pillar behind it.

Steps:

1. Index. :func:`partner_framework` (or a user framework) over a wide indicator table, one row per
   partner country, built by :func:`silkscope.index.build` (default choices: min-max to 0-100,
   framework weights, arithmetic mean). The built-in framework has five pillars: economic size and
   growth, cultural-market demand, openness and connectivity, proximity (distance enters with
   direction -1) and existing cultural trade with the home country (China).
2. Tiers. ``cluster.echelons.classify`` on the index score: Fisher-Jenks natural breaks or 1-D
   k-means; tier 1 is the highest.
3. Stability. The uncertainty engine (``index.uncertainty``) draws ``n`` replicates varying the
   normalisation (min-max, z-score, rank), weighting scheme (framework, equal), aggregation
   (arithmetic, geometric) and every weight by +-25 % (:data:`TIER_VARY`, unless ``vary`` is
   given; data-driven CRITIC weights are left out by default because they are undefined when the
   indicators of a pillar rank the countries identically, as small tables often do); each
   replicate's scores are classified again with the same method and ``k``; ``tier_probability``
   is the share of replicates in which the country lands in its nominal tier (replicates where
   the classification is impossible are left out).
4. Driver. A pillar's contribution to a country's score is ``w_p (s_cp - mean_c s_cp)``: its
   weight times the country's pillar score minus the mean over the countries. Under arithmetic
   aggregation the contributions add up exactly to the country's score minus the mean score. The
   ``driver`` of a country in the bottom tier is the pillar with the lowest contribution (what
   holds it down); in any other tier the pillar with the highest contribution (what lifts it
   above the tier below).

Pillar scores are also returned rescaled to 0-1 (``score / 100`` under the default min-max
normalisation; otherwise min-max over the countries): these are what docking rules compare with.

With no indicator table, :func:`flow_indicators` derives one from trade flows and distances (the
demo uses the SYNTHETIC demo flows and the distance proxy; its output is demonstration data).

On a study workspace (``partners tiers --workspace`` with imported country data),
:func:`study_framework` keeps the five pillar ids on real columns of ``partners table`` (WDI, GeoDist,
Hofstede, Confucius Institutes, World Heritage, BRI list; :data:`STUDY_COLUMNS`), plus a sixth,
``ip_environment`` (:data:`IP_PILLAR`, with the indicators whose columns are held), when the
table holds the WDI intellectual-property columns (``silkscope.partners.table.IP_COLUMNS``): charges for the use of IP paid and received per person
(log) and resident patent and trademark applications per million people (log).

Coverage: a country with values for less than ``min_coverage`` (default 2/3) of the framework's
indicator weight in any pillar or overall gets no tier and is listed with the shares
(:func:`below_coverage`); the others are scored on what they have, the aggregation renormalising
the weights of the indicators present (``index.aggregate``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError
from silkscope.index.choices import Choices
from silkscope.index.framework import Framework

HOME = "CHN"
TIER_METHODS = ("jenks", "kmeans")
OUTPUT_COLUMNS = ("country", "tier", "score", "tier_probability", "driver")
TIER_VARY: dict[str, Any] = {
    "normalise": ["minmax", "zscore", "rank"],
    "weights": ["framework", "equal"],
    "aggregate": ["arithmetic", "geometric"],
    "weight_noise": 0.25,
}
PILLARS = ("economic_size_growth", "cultural_demand", "openness_connectivity", "proximity", "china_trade")


def _ind(
    node_id: str, en: str, zh: str, direction: int = 1, unit: str | None = None, weight: float = 1
) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": node_id,
        "name": {"en": en, "zh": zh},
        "direction": direction,
        "weight": weight,
    }
    if unit:
        node["unit"] = unit
    return node


PARTNER_FRAMEWORK: dict[str, Any] = {
    "id": "partner_readiness",
    "name": {"en": "Partner readiness for cultural cooperation", "zh": "文化合作伙伴就绪度"},
    "children": [
        {
            "id": "economic_size_growth",
            "name": {"en": "Economic size and growth", "zh": "经济规模与增长"},
            "weight": 1,
            "children": [
                _ind("market_size", "Total trade (log)", "贸易总额（对数）", unit="ln thousand USD"),
                _ind("import_growth", "Trend growth of imports", "进口趋势增长率", unit="per year"),
            ],
        },
        {
            "id": "cultural_demand",
            "name": {"en": "Cultural-market demand", "zh": "文化市场需求"},
            "weight": 1,
            "children": [
                _ind("cultural_imports", "Imports of the cultural goods (log)", "文化产品进口额（对数）"),
                _ind(
                    "import_diversity",
                    "Share of product-origin pairs imported",
                    "进口产品来源覆盖率",
                    unit="share",
                ),
            ],
        },
        {
            "id": "openness_connectivity",
            "name": {"en": "Openness and connectivity", "zh": "开放与联通"},
            "weight": 1,
            "children": [
                _ind("n_partners", "Trade partners", "贸易伙伴数", unit="count"),
                _ind("supplier_concentration", "Import-origin concentration (HHI)", "进口来源集中度", -1),
            ],
        },
        {
            "id": "proximity",
            "name": {"en": "Proximity", "zh": "邻近性"},
            "weight": 1,
            "children": [_ind("distance_to_home", "Distance to China", "与中国的距离", -1, "km")],
        },
        {
            "id": "china_trade",
            "name": {"en": "Existing cultural trade with China", "zh": "与中国的文化贸易基础"},
            "weight": 1,
            "children": [
                _ind("trade_with_home", "Cultural trade with China (log)", "与中国文化贸易额（对数）"),
                _ind("home_import_share", "China's share of its imports", "中国占其进口份额", unit="share"),
            ],
        },
    ],
}


def partner_framework() -> Framework:
    """The built-in partner-readiness framework (five pillars, see the module text)."""
    return Framework.from_dict(PARTNER_FRAMEWORK, source="builtin:partner_readiness")


# The same five pillars on the real columns of ``silkscope partners table`` (WDI, GeoDist, Hofstede,
# Confucius Institutes, World Heritage, BRI list); :data:`STUDY_COLUMNS` says how each indicator is
# derived. Pillar ids are kept so that the docking rules apply unchanged.
STUDY_FRAMEWORK: dict[str, Any] = {
    "id": "partner_readiness_study",
    "name": {"en": "Partner readiness (study data)", "zh": "文化合作伙伴就绪度（研究数据）"},
    "children": [
        {
            "id": "economic_size_growth",
            "name": {"en": "Economic size", "zh": "经济规模"},
            "weight": 1,
            "children": [
                _ind("gdp_log", "GDP, current US$ (log)", "国内生产总值（对数）", unit="ln US$"),
                _ind("gdp_per_capita_log", "GDP per capita (log)", "人均国内生产总值（对数）", unit="ln US$"),
            ],
        },
        {
            "id": "cultural_demand",
            "name": {"en": "Cultural-market demand", "zh": "文化市场需求"},
            "weight": 1,
            "children": [
                _ind("tourism_arrivals_log", "International tourist arrivals (log)", "国际游客到访（对数）"),
                _ind("urban_share", "Urban population share", "城镇人口比重", unit="%"),
                _ind("heritage_sites", "World Heritage properties", "世界遗产数量", unit="count"),
            ],
        },
        {
            "id": "openness_connectivity",
            "name": {"en": "Openness and connectivity", "zh": "开放与联通"},
            "weight": 1,
            "children": [
                _ind("fdi_share", "FDI net inflows, % of GDP", "外国直接投资净流入占GDP比重", unit="%"),
                _ind("internet_users", "Internet users, % of population", "互联网用户比重", unit="%"),
            ],
        },
        {
            "id": "proximity",
            "name": {"en": "Proximity", "zh": "邻近性"},
            "weight": 1,
            "children": [
                _ind("distance_to_home", "Distance to China (GeoDist)", "与中国的距离", -1, "km", weight=2),
                _ind("cultural_distance", "Kogut-Singh cultural distance", "文化距离（Kogut-Singh）", -1),
            ],
        },
        {
            "id": "china_trade",
            "name": {"en": "Existing ties with China", "zh": "与中国的合作基础"},
            "weight": 1,
            "children": [
                _ind(
                    "confucius_institutes", "Confucius Institutes (open)", "孔子学院（开办中）", unit="count"
                ),
                _ind("bri_member", "Belt and Road cooperation document", "签署共建“一带一路”合作文件"),
            ],
        },
    ],
}
# framework indicator -> (partner-table columns it needs, how it is computed)
STUDY_COLUMNS: dict[str, tuple[tuple[str, ...], str]] = {
    "gdp_log": (("NY.GDP.MKTP.CD",), "ln(NY.GDP.MKTP.CD)"),
    "gdp_per_capita_log": (("NY.GDP.PCAP.CD",), "ln(NY.GDP.PCAP.CD)"),
    "tourism_arrivals_log": (("ST.INT.ARVL",), "ln(1 + ST.INT.ARVL)"),
    "urban_share": (("SP.URB.TOTL.IN.ZS",), "SP.URB.TOTL.IN.ZS"),
    "heritage_sites": (("world_heritage_sites",), "world_heritage_sites"),
    "fdi_share": (("BX.KLT.DINV.CD.WD", "NY.GDP.MKTP.CD"), "100 BX.KLT.DINV.CD.WD / NY.GDP.MKTP.CD"),
    "internet_users": (("IT.NET.USER.ZS",), "IT.NET.USER.ZS"),
    "distance_to_home": (("dist_km",), "dist_km (GeoDist)"),
    "cultural_distance": (("kogut_singh",), "kogut_singh (Hofstede)"),
    "confucius_institutes": (("confucius_institutes",), "confucius_institutes"),
    "bri_member": (("bri_member",), "bri_member"),
}
# where each needed column comes from, for the message when it is absent
STUDY_HINTS = {
    "dist_km": "silkscope import geodist dist_cepii.csv.gz",
    "kogut_singh": "--hofstede 6-dimensions-for-website-2015-08-16.csv",
    "confucius_institutes": "silkscope import confucius confucius_institutes.csv",
    "world_heritage_sites": "silkscope import heritage whc-sites-2023.csv",
}


# The IP-environment pillar of the study framework (issue 18), on the partner table's IP columns.
IP_PILLAR: dict[str, Any] = {
    "id": "ip_environment",
    "name": {"en": "IP environment", "zh": "知识产权环境"},
    "weight": 1,
    "children": [
        _ind(
            "ip_payments_log",
            "Charges for the use of IP, payments per person (log)",
            "人均知识产权使用费支出（对数）",
        ),
        _ind(
            "ip_receipts_log",
            "Charges for the use of IP, receipts per person (log)",
            "人均知识产权使用费收入（对数）",
        ),
        _ind(
            "ip_patents_log", "Resident patent applications per million (log)", "每百万人居民专利申请（对数）"
        ),
        _ind(
            "ip_trademarks_log",
            "Resident trademark applications per million (log)",
            "每百万人居民商标申请（对数）",
        ),
    ],
}
# IP indicator -> the partner-table column it is ln(1 + column) of
IP_STUDY_COLUMNS: dict[str, str] = {
    "ip_payments_log": "ip_royalty_payments_per_capita",
    "ip_receipts_log": "ip_royalty_receipts_per_capita",
    "ip_patents_log": "ip_patents_resd_per_million",
    "ip_trademarks_log": "ip_trademarks_resd_per_million",
}


def held_ip_indicators(table: pd.DataFrame | None) -> list[str]:
    """The IP-environment indicators whose partner-table column holds a value."""
    if table is None:
        return []
    return [i for i, c in IP_STUDY_COLUMNS.items() if c in table.columns and table[c].notna().any()]


def study_framework(table: pd.DataFrame | None = None) -> Framework:
    """The built-in framework on the study's real columns (see :data:`STUDY_FRAMEWORK`), with the
    ``ip_environment`` pillar when ``table`` (a partner table) holds the IP columns."""
    held = held_ip_indicators(table)
    if not held:
        return Framework.from_dict(STUDY_FRAMEWORK, source="builtin:partner_readiness_study")
    pillar = {**IP_PILLAR, "children": [c for c in IP_PILLAR["children"] if c["id"] in held]}
    data = {**STUDY_FRAMEWORK, "children": [*STUDY_FRAMEWORK["children"], pillar]}
    return Framework.from_dict(data, source="builtin:partner_readiness_study")


def study_indicators(table: pd.DataFrame) -> pd.DataFrame:
    """The :func:`study_framework` indicators from a ``partners table`` frame (:data:`STUDY_COLUMNS`);
    raises naming every needed column the table lacks and how to get it. A logarithm of a value
    <= 0 is missing (not -inf)."""
    needed = sorted({c for cols, _ in STUDY_COLUMNS.values() for c in cols})
    absent = [c for c in needed if c not in table.columns]
    if absent:
        raise InputError(
            "the study table lacks column(s) the partner framework needs: "
            + "; ".join(
                f"{c} ({STUDY_HINTS.get(c, 'silkscope import wdi API_' + c + '…csv')})" for c in absent
            ),
            hint="import them into the workspace, or give --data and --framework of your own",
        )
    t = table.set_index("country")

    def log(col: str, plus: float = 0.0) -> pd.Series:
        x = t[col].astype(float) + plus
        return np.log(x.where(x > 0))

    out = pd.DataFrame(
        {
            "gdp_log": log("NY.GDP.MKTP.CD"),
            "gdp_per_capita_log": log("NY.GDP.PCAP.CD"),
            "tourism_arrivals_log": log("ST.INT.ARVL", 1.0),
            "urban_share": t["SP.URB.TOTL.IN.ZS"],
            "heritage_sites": t["world_heritage_sites"],
            "fdi_share": 100 * t["BX.KLT.DINV.CD.WD"] / t["NY.GDP.MKTP.CD"].where(t["NY.GDP.MKTP.CD"] > 0),
            "internet_users": t["IT.NET.USER.ZS"],
            "distance_to_home": t["dist_km"],
            "cultural_distance": t["kogut_singh"],
            "confucius_institutes": t["confucius_institutes"],
            "bri_member": t["bri_member"],
        }
    ).astype(float)
    for indicator in held_ip_indicators(table):
        out[indicator] = log(IP_STUDY_COLUMNS[indicator], 1.0)
    return out.rename_axis("country").reset_index()


def coverage(indicators: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Share of the framework's indicator weight each country has a value for, per pillar and
    overall (:func:`silkscope.index.coverage.coverage_matrix`, the rule the index build applies):
    ``country``, one column per pillar, ``overall``."""
    from silkscope.index.coverage import coverage_matrix

    present = indicators[list(framework.indicators)].notna().to_numpy()
    cov = coverage_matrix(present, framework)
    position = {n.id: k for k, n in enumerate(framework.nodes)}
    out = pd.DataFrame({p: cov[:, position[p]] for p in framework.pillars})
    out["overall"] = cov[:, 0]
    out.insert(0, "country", indicators["country"].to_numpy())
    return out


def below_coverage(indicators: pd.DataFrame, framework: Framework, minimum: float = 2 / 3) -> pd.DataFrame:
    """``country, reason`` of the countries whose coverage (:func:`coverage`) is below ``minimum``
    in any pillar or overall; the reason names each short pillar and its share."""
    cov = coverage(indicators, framework)
    rows = []
    for row in cov.itertuples(index=False):
        d = row._asdict()
        short = [f"{p} {d[p]:.2f}" for p in framework.pillars if d[p] < minimum - 1e-9]
        if short or d["overall"] < minimum - 1e-9:
            rows.append({"country": d["country"], "reason": f"coverage below {minimum:.2f}: "
                         + ", ".join(short + [f"overall {d['overall']:.2f}"])})  # fmt: skip
    return pd.DataFrame(rows, columns=["country", "reason"])


def flow_indicators(
    flows: pd.DataFrame,
    distances: pd.DataFrame,
    home: str = HOME,
    window: int = 3,
) -> pd.DataFrame:
    """The built-in framework's indicators per country from flows ``year, exporter, importer,
    product, value`` and distances ``origin, dest, dist_km``; levels are means over the last
    ``window`` years, growth the OLS slope of ln(1 + imports) on the year over all years.

    * ``market_size`` ln(1 + imports + exports); ``cultural_imports`` ln(1 + imports);
    * ``import_diversity`` share of the (product, origin) pairs of the flows it imports (any
      origin other than itself);
    * ``n_partners`` countries it trades with (either direction); ``supplier_concentration`` the
      Herfindahl index of its import origins;
    * ``distance_to_home`` km from ``home``; ``trade_with_home`` ln(1 + imports from and exports
      to ``home``); ``home_import_share`` the home country's share of its imports.
    The home country itself is not a partner and is left out."""
    need = ["year", "exporter", "importer", "product", "value"]
    missing = [c for c in need if c not in flows.columns]
    if missing:
        raise InputError(f"flows need columns {', '.join(need)}; missing {', '.join(missing)}")
    frame = flows[need].copy()
    frame["year"] = frame["year"].astype(int)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").fillna(0.0)
    years = np.sort(frame["year"].unique())
    recent = frame[frame["year"].isin(years[-window:])]
    n_years = len(years[-window:])
    imports = recent.groupby("importer")["value"].sum() / n_years
    exports = recent.groupby("exporter")["value"].sum() / n_years
    countries = sorted((set(imports.index) | set(exports.index)) - {home})
    imports, exports = imports.reindex(countries, fill_value=0.0), exports.reindex(countries, fill_value=0.0)
    positive = recent[recent["value"] > 0]
    n_cells = max(frame["product"].nunique() * (frame["exporter"].nunique() - 1), 1)
    cells = positive.drop_duplicates(["importer", "exporter", "product"]).groupby("importer").size()
    diversity = cells.reindex(countries, fill_value=0) / n_cells
    pairs = pd.concat(
        [positive[["importer", "exporter"]].set_axis(["country", "partner"], axis=1),
         positive[["exporter", "importer"]].set_axis(["country", "partner"], axis=1)]
    ).drop_duplicates()  # fmt: skip
    n_partners = pairs.groupby("country")["partner"].nunique().reindex(countries, fill_value=0)
    by_origin = recent.groupby(["importer", "exporter"])["value"].sum()
    shares = by_origin / by_origin.groupby(level=0).transform("sum")
    hhi = (shares**2).groupby(level=0).sum().reindex(countries)
    yearly = frame.groupby(["importer", "year"])["value"].sum().unstack(fill_value=0.0)
    yearly = yearly.reindex(index=countries, fill_value=0.0)
    t = yearly.columns.to_numpy(dtype=float)
    logs = np.log1p(yearly.to_numpy())
    growth = ((logs - logs.mean(1, keepdims=True)) @ (t - t.mean())) / max(((t - t.mean()) ** 2).sum(), 1e-12)
    from_home = recent[recent["exporter"] == home].groupby("importer")["value"].sum() / n_years
    to_home = recent[recent["importer"] == home].groupby("exporter")["value"].sum() / n_years
    from_home, to_home = (
        from_home.reindex(countries, fill_value=0.0),
        to_home.reindex(countries, fill_value=0.0),
    )
    dist = distances[distances["origin"] == home].set_index("dest")["dist_km"]
    dist = dist[~dist.index.duplicated()].reindex(countries)
    no_distance = dist.index[dist.isna()].tolist()
    if no_distance:
        raise InputError(
            f"no distance from {home} for {len(no_distance)} country(ies): {', '.join(no_distance[:15])}",
            column="dist_km",
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        home_share = np.where(imports > 0, from_home / imports, 0.0)
    return pd.DataFrame(
        {
            "country": countries,
            "market_size": np.log1p(imports + exports).to_numpy(),
            "import_growth": growth,
            "cultural_imports": np.log1p(imports).to_numpy(),
            "import_diversity": diversity.to_numpy(dtype=float),
            "n_partners": n_partners.to_numpy(dtype=float),
            "supplier_concentration": hhi.fillna(1.0).to_numpy(),
            "distance_to_home": dist.to_numpy(dtype=float),
            "trade_with_home": np.log1p(from_home + to_home).to_numpy(),
            "home_import_share": home_share,
        }
    )


def indicators_from_flows(
    flows: pd.DataFrame,
    home: str = HOME,
    distances: pd.DataFrame | None = None,
    allow_partial: bool = False,
) -> tuple[pd.DataFrame, list[str]]:
    """:func:`flow_indicators` for the ISO3 countries of ``flows`` and the codes left out: those
    that are not ISO3 countries and, with ``distances`` (``origin, dest, dist_km``, e.g. the
    workspace's GeoDist pairs), those with no distance from ``home``. Without ``distances`` the
    demo proxy (UN-subregion centroids) is used.

    Refused (InputError naming what is missing) when ``home`` exports nothing in the flows or they
    are not a world matrix (``trade.coverage``): trade with home and the partners' imports would
    be measured on flows that lack them. ``allow_partial`` computes them anyway; the table's
    ``attrs["partial"]`` then holds the note to show."""
    from silkscope.reference import iso3_codes
    from silkscope.trade.coverage import Coverage
    from silkscope.trade.demo import demo_distances

    partial = Coverage.of_flows(flows).require_exporter(home, "partner tiers from flows", allow_partial)

    known = set(iso3_codes())
    if distances is not None:
        known &= set(distances.loc[distances["origin"] == home, "dest"]) | {home}
    dropped = sorted(set(flows["exporter"]).union(flows["importer"]) - known)
    flows = flows[flows["exporter"].isin(known) & flows["importer"].isin(known)]
    countries = sorted(set(flows["exporter"]).union(flows["importer"]))
    if distances is None:
        distances = demo_distances(countries)
    table = flow_indicators(flows, distances, home)
    table.attrs["partial"] = partial
    return table, dropped


def demo_indicators(home: str = HOME) -> pd.DataFrame:
    """:func:`flow_indicators` from the SYNTHETIC demo flows and the demo distance proxy; the
    frame's ``attrs`` carry ``demo=True`` and the bilingual ``label``."""
    from silkscope.trade.demo import DEMO_LABEL, demo_distances, demo_flows

    table = flow_indicators(demo_flows(), demo_distances(), home)
    table.attrs.update(demo=True, label=dict(DEMO_LABEL))
    return table


@dataclass(frozen=True, eq=False)
class TierResult:
    """Tiers with their stability and drivers; ``pillar_scores`` on a 0-1 scale for docking."""

    table: pd.DataFrame
    pillar_scores: pd.DataFrame
    index: Any  # the nominal IndexResult
    replicate_tiers: np.ndarray  # (replicates, countries), NaN where a replicate could not be tiered
    details: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        t = self.table
        parts = [
            f"tier {tier}: {len(b)} ({', '.join(b.country.head(6))}{', ...' if len(b) > 6 else ''})"
            for tier, b in t.groupby("tier", sort=True)
        ]
        unstable = t[t.tier_probability < 0.5].country.tolist()
        return (
            f"{len(t)} partners in {self.details['k']} tiers by {self.details['method']}; "
            + "; ".join(parts)
            + f"\nstability over {self.details['n']} replicates: median tier probability "
            f"{t.tier_probability.median():.2f}; below 0.5: {', '.join(unstable) or 'none'}"
            + self._excluded_text()
        )

    def _excluded_text(self) -> str:
        excluded = self.details.get("excluded")
        if excluded is None or not len(excluded):
            return ""
        lines = [f"  {r.country}: {r.reason}" for r in excluded.itertuples(index=False)]
        return f"\nno tier ({len(excluded)}, below coverage):\n" + "\n".join(lines)


def _wide_to_values(indicators: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    if "country" not in indicators.columns:
        raise InputError("the indicator table needs a 'country' column", column="country")
    absent = [i for i in framework.indicators if i not in indicators.columns]
    if absent:
        raise InputError(
            f"the indicator table has no column(s) {', '.join(absent)} of framework '{framework.id}'",
            hint="name the columns after the framework's indicator ids",
        )
    table = indicators[["country", *framework.indicators]].copy()
    table["country"] = table["country"].astype(str).str.strip()
    dup = table["country"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError(f"country {table['country'].iloc[row]} appears twice", row=row + 2, column="country")
    long = table.melt(id_vars="country", var_name="indicator_id", value_name="value")
    return long.rename(columns={"country": "unit_id"}).assign(year=0)


def pillar_contributions(result) -> pd.DataFrame:
    """``w_p (s_cp - mean_c s_cp)`` per country (rows) and pillar (columns), see the module text."""
    pillars = result.table("pillar").droplevel("year")
    weights = np.array([result.weights[p] for p in pillars.columns])
    return (pillars - pillars.mean()) * weights


def partner_tiers(
    indicators: pd.DataFrame,
    framework: Framework | None = None,
    *,
    method: str = "jenks",
    k: int = 3,
    n: int = 200,
    seed: int = 0,
    vary: Mapping[str, Any] | None = None,
    choices: Choices | None = None,
    exclude: Sequence[str] = (HOME,),
    min_coverage: float = 2 / 3,
) -> TierResult:
    """Tier the countries of a wide indicator table (``country`` + the framework's indicator ids):
    columns ``country, tier, score, tier_probability, driver``, then ``tier_name, rank,
    driver_contribution`` and each pillar's 0-1 score (see the module text).

    A country with values for less than ``min_coverage`` of the framework's indicator weight in any
    pillar or overall (:func:`below_coverage`) gets no tier; it is listed in ``details['excluded']``
    with the reason. The others are scored on the indicators they have (weights renormalised)."""
    from silkscope.cluster.echelons import classify, echelon_names
    from silkscope.index.build import build
    from silkscope.index.uncertainty import Engine, Vary

    if method not in TIER_METHODS:
        raise MethodError(f"unknown tier method '{method}'; expected {' or '.join(TIER_METHODS)}")
    if n < 1:
        raise MethodError(f"the stability check needs at least 1 replicate, got {n}")
    framework = framework or partner_framework()
    choices = choices or Choices()
    table = (
        indicators[~indicators["country"].astype(str).isin(set(exclude))]
        if "country" in indicators
        else indicators
    )
    if not 0 <= min_coverage <= 1:
        raise MethodError(f"coverage must be between 0 and 1, got {min_coverage}")
    absent = [i for i in framework.indicators if i not in table.columns]
    excluded = (
        below_coverage(table, framework, min_coverage)
        if not absent and "country" in table
        else pd.DataFrame(columns=["country", "reason"])
    )
    table = table[~table["country"].isin(set(excluded.country))] if len(excluded) else table
    if len(table) < k:
        raise InputError(
            f"{len(table)} countries reach the coverage of {min_coverage:.2f}; {k} tiers need at least {k}",
            hint="import the missing indicators or lower --coverage",
        )
    values = _wide_to_values(table, framework)
    result = build(values, framework, choices)
    root = 0
    units = result.units
    score = result.scores[:, root]
    if np.isnan(score).any():
        bad = units[np.isnan(score)].tolist()
        raise InputError(
            f"no index score for {', '.join(bad[:15])}: indicator values are missing",
            hint="fill the gaps in the indicator table",
        )
    tier = classify(score, method, k, seed)

    engine = Engine(result, Vary.parse(TIER_VARY if vary is None else vary, result))
    design = np.random.default_rng(seed).random((n, engine.n_dims()))
    replicate_scores = engine.index_scores(design)
    replicate_tiers = np.full(replicate_scores.shape, np.nan)
    for r, row in enumerate(replicate_scores):
        if np.isnan(row).any() or len(np.unique(row)) < k:
            continue
        try:
            replicate_tiers[r] = classify(row, method, k, seed)
        except InputError:
            continue
    counted = ~np.isnan(replicate_tiers).any(axis=1)
    probability = (
        (replicate_tiers[counted] == tier).mean(axis=0) if counted.any() else np.full(len(units), np.nan)
    )

    contributions = pillar_contributions(result).loc[units]
    pick_low = tier == k
    low_driver = contributions.idxmin(axis=1).to_numpy()
    high_driver = contributions.idxmax(axis=1).to_numpy()
    driver = np.where(pick_low, low_driver, high_driver)
    matrix = contributions.to_numpy()
    cols = {p: j for j, p in enumerate(contributions.columns)}
    driver_value = matrix[np.arange(len(units)), [cols[d] for d in driver]]

    pillars = result.table("pillar").droplevel("year").loc[units]
    if choices.normalise == "minmax":
        lo, hi = choices.minmax_range
        scaled = (pillars - lo) / (hi - lo)
    else:
        span = (pillars.max() - pillars.min()).replace(0, np.nan)
        scaled = ((pillars - pillars.min()) / span).fillna(0.5)
    names = echelon_names(k)
    frame = pd.DataFrame(
        {
            "country": units,
            "tier": tier.astype(int),
            "score": score,
            "tier_probability": probability,
            "driver": driver,
            "tier_name": [names[t - 1] for t in tier],
            "rank": result.ranks[:, root].astype(int),
            "driver_contribution": driver_value,
        }
    )
    frame = frame.join(scaled.reset_index(drop=True))
    frame = frame.sort_values(["tier", "score"], ascending=[True, False], ignore_index=True)
    pillar_scores = scaled.rename_axis("country").reset_index()
    details = {
        "method": method,
        "k": k,
        "n": n,
        "replicates_tiered": int(counted.sum()),
        "seed": seed,
        "vary": engine.vary,
        "framework": framework.id,
        "pillars": list(framework.pillars),
        "min_coverage": min_coverage,
        "excluded": excluded.reset_index(drop=True),
    }
    return TierResult(frame, pillar_scores, result, replicate_tiers, details)
