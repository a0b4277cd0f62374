"""The partner table of a study: one row per country, one column per indicator, from what the
workspace holds, plus a sources table naming the source and years of every column.

Columns (``country`` first, then):

* every indicator imported for countries (WDI codes, ``confucius_institutes``,
  ``world_heritage_*``, any country-level ``import table``): with ``years`` the **mean** over the
  window or the **latest** value in it (``stat``); an indicator with no value in the window at all
  (a list taken once, e.g. the 2022 Confucius Institute list) is taken at its latest year, and the
  sources table says so. Without ``years`` the latest value of each country. Counts from a
  worldwide list (``import confucius``, ``import heritage``) are 0 for a country the list does
  not name.
* the intellectual-property environment (issue 18), when the WDI series and the population
  ``SP.POP.TOTL`` are imported: ``ip_royalty_receipts_per_capita`` and
  ``ip_royalty_payments_per_capita`` (charges for the use of IP, BX/BM.GSR.ROYL.CD, US$ per
  person), ``ip_patents_resd_per_million`` and ``ip_trademarks_resd_per_million`` (resident patent
  and trademark applications, IP.PAT.RESD / IP.TMK.RESD, per million people) — each the WDI
  column over the population column, both as chosen above (:data:`IP_COLUMNS`).
* GeoDist covariates from ``home`` (the ``pairs`` table of ``import geodist``): ``dist_km``,
  ``distw_km``, ``contig``, ``comlang_off``, ``comlang_ethno``, ``colony``.
* ``kogut_singh`` from ``home`` (Kogut & Singh 1988, :func:`silkscope.partners.distance.kogut_singh`)
  when a Hofstede file is given.
* ``bri_member`` (1/0: signed a BRI cooperation document by 31 December of the window's last year,
  or by the list's date without a window, and not left) and ``bri_signed_year``
  (:func:`silkscope.reference.bri_partners`).

Rows: the country units of the workspace and the destinations of the GeoDist pairs from ``home``
other than former states (YUG, ANT) (so a country with a distance and nothing else shows, and ``partners tiers`` lists it as
below coverage); the home country is left out (it is no partner of itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from silkscope.errors import InputError, MethodError

STATS = ("mean", "latest")
PAIR_COLUMNS = ("dist_km", "distw_km", "contig", "comlang_off", "comlang_ethno", "colony")
LIST_KINDS = ("confucius", "heritage")  # worldwide lists: a country not named counts 0
SOURCE_COLUMNS = ("column", "name", "source", "years", "rule", "countries")
POPULATION = "SP.POP.TOTL"
#: IP-environment column -> (WDI code, multiplier of code / population)
IP_COLUMNS: dict[str, tuple[str, float]] = {
    "ip_royalty_receipts_per_capita": ("BX.GSR.ROYL.CD", 1.0),
    "ip_royalty_payments_per_capita": ("BM.GSR.ROYL.CD", 1.0),
    "ip_patents_resd_per_million": ("IP.PAT.RESD", 1e6),
    "ip_trademarks_resd_per_million": ("IP.TMK.RESD", 1e6),
}


@dataclass
class PartnerTable:
    """``table`` (country + one column per indicator) and ``sources`` (one row per column)."""

    table: pd.DataFrame
    sources: pd.DataFrame
    home: str
    details: dict = field(default_factory=dict)
    lang: str | None = None

    def summary(self) -> str:
        from silkscope.i18n import translator

        t, d = translator(self.lang), self.details
        stat = t(f"partners_table.stat.{d['stat']}")
        how = (
            t("partners_table.how.window", stat=stat, years=d["years"])
            if d["years"]
            else t("partners_table.how.latest")
        )
        cols = self.table.shape[1] - 1
        text = t("partners_table.summary", home=self.home, rows=len(self.table), cols=cols, how=how)
        if d.get("snapshots"):
            text += "\n  " + t("partners_table.snapshots", ids=", ".join(d["snapshots"]))
        for what in ("no_pairs", "no_hofstede"):
            if d.get(what):
                text += "\n  " + t(f"partners_table.{what}")
        return text


def _window(years: list[int] | None) -> tuple[int, int] | None:
    return (min(years), max(years)) if years else None


def _span(frame: pd.DataFrame) -> str:
    lo, hi = int(frame.year.min()), int(frame.year.max())
    return str(lo) if lo == hi else f"{lo}-{hi}"


def partner_table(
    ws,
    home: str = "CHN",
    years: list[int] | None = None,
    stat: str | None = None,
    hofstede: str | Path | None = None,
    lang: str | None = None,
) -> PartnerTable:
    """Assemble the partner table of workspace ``ws`` (see the module text); the texts of the
    sources table are in ``lang`` (zh|en, default from the locale)."""
    from silkscope.i18n import translator
    from silkscope.reference import bri_partners
    from silkscope.trade.codes import KEPT_ALPHA

    t = translator(lang)
    home = home.strip().upper()
    stat = stat or ("mean" if years else "latest")
    if stat not in STATS:
        raise MethodError(f"unknown statistic '{stat}'; expected {' or '.join(STATS)}")
    window = _window(years)

    with ws.connect(read_only=True) as con:  # one connection for every read

        def query(sql: str, params: list | None = None) -> pd.DataFrame:
            return con.execute(sql, params or []).df()

        units = query("SELECT unit_id FROM units WHERE level = 'country'")
        pairs = query(
            f"SELECT dest AS country, {', '.join(PAIR_COLUMNS)}, source_id FROM pairs WHERE origin = ?",
            [home],
        )
        values = query(
            "SELECT v.unit_id, v.year, v.indicator_id, v.value, v.source_id FROM indicator_values v "
            "JOIN units u USING (unit_id) WHERE u.level = 'country' AND v.value IS NOT NULL"
        )
        meta = query(
            "SELECT i.indicator_id, i.name_en, i.notes, i.source_id, s.kind, s.title, s.publisher "
            "FROM indicators i LEFT JOIN sources s USING (source_id)"
        ).set_index("indicator_id")
    in_pairs = set(pairs.country) - KEPT_ALPHA  # GeoDist countries with no other data get a row too;
    # former states GeoDist keeps (YUG, ANT) do not
    countries = sorted((set(units.unit_id) | in_pairs) - {home})
    if not countries:
        raise InputError(
            f"workspace {ws.root} holds no countries",
            hint="import country data first, e.g. silkscope import wdi FILE --workspace ...",
        )
    out = pd.DataFrame({"country": countries})
    sources: list[dict] = [
        {"column": "country", "name": t("partners_table.name.country"), "source": "workspace units",
         "years": "", "rule": t("partners_table.rule.country", home=home), "countries": len(countries)}
    ]  # fmt: skip
    snapshots: list[str] = []
    for indicator, series in values.groupby("indicator_id", sort=True):
        column, rule, chosen, snapshot = _pick(series, window, stat, t)
        if snapshot:
            snapshots.append(indicator)
        info = meta.loc[indicator] if indicator in meta.index else None
        kind = None if info is None else info["kind"]
        column = column.reindex(countries)
        if kind in LIST_KINDS:
            column = column.fillna(0.0)
            rule += t("partners_table.rule.list_zero")
        out[indicator] = column.to_numpy()
        source_ids = sorted(series.source_id.dropna().unique())
        sources.append(
            {
                "column": indicator,
                "name": indicator if info is None or pd.isna(info["name_en"]) else info["name_en"],
                "source": "; ".join(source_ids),
                "years": _span(chosen),
                "rule": rule,
                "countries": int(column.notna().sum()),
            }
        )
    _add_ip_columns(out, sources, values, countries, window, stat, t)
    details: dict = {
        "stat": stat,
        "years": f"{window[0]}-{window[1]}" if window else None,
        "snapshots": snapshots,
    }
    if len(pairs):
        by = pairs.set_index("country").reindex(countries)
        src = "; ".join(sorted(pairs.source_id.dropna().unique()))
        for col in PAIR_COLUMNS:
            out[col] = by[col].to_numpy(dtype=float)
            sources.append(
                {"column": col, "name": t("partners_table.name.pair", column=col, home=home), "source": src,
                 "years": "", "rule": t("partners_table.rule.pair", home=home),
                 "countries": int(by[col].notna().sum())}
            )  # fmt: skip
    else:
        details["no_pairs"] = True
    if hofstede is not None:
        ks = _kogut_singh(hofstede, home)
        out["kogut_singh"] = ks.reindex(countries).to_numpy()
        sources.append(
            {"column": "kogut_singh", "name": t("partners_table.name.kogut_singh", home=home),
             "source": f"Hofstede, {Path(hofstede).name}", "years": "",
             "rule": t("partners_table.rule.kogut_singh"),
             "countries": int(out["kogut_singh"].notna().sum())}
        )  # fmt: skip
    else:
        details["no_hofstede"] = True
    bri = bri_partners()
    as_of = f"{window[1]}-12-31" if window else None
    members = set(bri_partners(as_of).iso3) if as_of else set(bri[bri.left == ""].iso3)
    out["bri_member"] = [1.0 if c in members else 0.0 for c in countries]
    signed = bri.assign(year=pd.to_numeric(bri.signed.str[:4], errors="coerce")).set_index("iso3").year
    out["bri_signed_year"] = signed.reindex(countries).to_numpy(dtype=float)
    bri_source = "silkscope reference/bri_partners.csv (GFDC workbook, Nedopil 2025)"
    sources += [
        {"column": "bri_member", "name": t("partners_table.name.bri_member"), "source": bri_source,
         "years": as_of or t("partners_table.years.bri_list"), "rule": t("partners_table.rule.bri_member"),
         "countries": len(countries)},
        {"column": "bri_signed_year", "name": t("partners_table.name.bri_signed_year"), "source": bri_source,
         "years": "", "rule": t("partners_table.rule.bri_signed_year"),
         "countries": int(out["bri_signed_year"].notna().sum())},
    ]  # fmt: skip
    return PartnerTable(out, pd.DataFrame(sources, columns=list(SOURCE_COLUMNS)), home, details, t.lang)


def _pick(series: pd.DataFrame, window: tuple[int, int] | None, stat: str, t) -> tuple:
    """One indicator's value per unit from its long rows (``unit_id, year, value``): the mean over
    the window or the latest value in it (``stat``), the latest year held when the window holds
    none (a snapshot), the latest value without a window. Returns the values by unit, the rule
    text, the rows used and whether it is a snapshot."""
    chosen, note = series, ""
    if window is not None:
        inside = series[series.year.between(*window)]
        if len(inside):
            chosen = inside
        else:
            latest_year = series.year.max()
            chosen = series[series.year == latest_year]
            note = t("partners_table.rule.snapshot", lo=window[0], hi=window[1], year=latest_year)
    if stat == "mean" and window is not None and not note:
        column = chosen.groupby("unit_id").value.mean()
        rule = t("partners_table.rule.mean", lo=window[0], hi=window[1])
    else:
        last = chosen.sort_values("year").groupby("unit_id").tail(1)
        column = last.set_index("unit_id").value
        within = window is not None and not note
        latest = t("partners_table.rule.latest_in", lo=window[0], hi=window[1]) if within else None
        rule = note or latest or t("partners_table.rule.latest")
    return column, rule, chosen, bool(note)


def _add_ip_columns(
    out: pd.DataFrame, sources: list[dict], values: pd.DataFrame, countries: list[str], window, stat: str, t
) -> None:
    """The IP-environment columns (:data:`IP_COLUMNS`) of the WDI codes held, per person: the
    ratio is taken year by year (a country's receipts over its population of the same year), then
    chosen as every other column is (:func:`_pick`), so a 2012 value is never divided by a 2024
    population."""
    population = values[(values.indicator_id == POPULATION) & (values.value > 0)][
        ["unit_id", "year", "value"]
    ]
    if population.empty:
        return
    for column, (code, scale) in IP_COLUMNS.items():
        held = values[values.indicator_id == code][["unit_id", "year", "value"]]
        if held.empty:
            continue
        ratio = held.merge(population, on=["unit_id", "year"], suffixes=("", "_pop"))
        ratio = ratio.assign(value=scale * ratio["value"] / ratio["value_pop"])[["unit_id", "year", "value"]]
        if ratio.empty:
            out[column] = float("nan")
            chosen = ratio
            rule = t("ip_env.rule", code=code, population=POPULATION, scale=f"{scale:g}", how="–")
        else:
            picked, how, chosen, _ = _pick(ratio, window, stat, t)
            out[column] = picked.reindex(countries).to_numpy()
            rule = t("ip_env.rule", code=code, population=POPULATION, scale=f"{scale:g}", how=how)
        sources.append(
            {"column": column, "name": t(f"ip_env.name.{column}"), "source": f"WDI {code}, {POPULATION}",
             "years": _span(chosen) if len(chosen) else "", "rule": rule,
             "countries": int(out[column].notna().sum())}
        )  # fmt: skip


def _kogut_singh(path: str | Path, home: str) -> pd.Series:
    from silkscope.io.hofstede import read_hofstede
    from silkscope.partners.distance import kogut_singh

    table = read_hofstede(path)
    if home not in set(table.scores.country):
        raise InputError(f"the Hofstede file has no scores for the home country {home}", file=path)
    result = kogut_singh(table.scores, home)
    return result.table.set_index("country")["kogut_singh"].astype(float)


def write_partner_table(result: PartnerTable, out: str | Path) -> list[Path]:
    """``out`` (.csv/.parquet: plus ``<stem>_sources.csv`` beside it; .xlsx: a ``sources`` sheet)."""
    from silkscope.io.writers import write_table, write_workbook

    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        return [write_workbook({"partners": result.table, "sources": result.sources}, out)]
    main = write_table(result.table, out)
    side = write_table(result.sources, out.with_name(f"{out.stem}_sources.csv"))
    return [main, side]
