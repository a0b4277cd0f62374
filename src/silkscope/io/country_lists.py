"""Published lists of places turned into country counts: Confucius Institutes and the UNESCO World
Heritage List.

Rules (stated in each indicator's notes and in the import summary):

* **Confucius Institutes** (LAS-NCSU "bridash" list, from Dig Mandarin 2021 and US lists 2022):
  ``confucius_institutes`` counts the rows with ``status == Open`` per country (the list's own
  web check "as of 4/22/22"); ``confucius_institutes_listed`` counts every row, open or closed.
  Year 2022. Country names are mapped to ISO3 with country_converter; a name it cannot map is
  refused, listed.
* **World Heritage** (UNESCO World Heritage Centre ``whc-sites-*.csv``): one count per state party
  and category: ``world_heritage_sites`` (all), ``world_heritage_cultural``,
  ``world_heritage_natural``, ``world_heritage_mixed``. A transboundary site (``iso_code``
  comma-joined, e.g. ``al,mk``) counts once for each of its states. A row without ``iso_code``
  (the Old City of Jerusalem, proposed by Jordan) is attributed to no state and listed. Year: the
  latest ``date_inscribed`` of the file (the session after which the list was taken).

Countries absent from a list get no row here; ``partners table`` counts them 0, since both lists
are worldwide (a country with no open institute or no inscribed property is not on them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from silkscope.errors import InputError, Problem

CI_INDICATORS = {
    "confucius_institutes": ("Confucius Institutes, open (status Open as of 2022-04-22)", "count"),
    "confucius_institutes_listed": ("Confucius Institutes listed, open or closed", "count"),
}
WHC_INDICATORS = {
    "world_heritage_sites": ("World Heritage properties (all categories)", None),
    "world_heritage_cultural": ("World Heritage properties, cultural", "Cultural"),
    "world_heritage_natural": ("World Heritage properties, natural", "Natural"),
    "world_heritage_mixed": ("World Heritage properties, mixed", "Mixed"),
}


@dataclass
class CountryCounts:
    """Counts per country as long ``unit_id, year, indicator_id, value`` and what was left out."""

    path: Path
    kind: str
    values: pd.DataFrame
    indicators: dict[str, str]  # id -> English name
    rule: str
    publisher: str
    url: str
    left_out: list[str] = field(default_factory=list)


def _read_csv(path: Path, needed: list[str], what: str) -> pd.DataFrame:
    """The list as text cells, read strictly: a row with more or fewer fields than the header (a
    truncated last line, a lost quote) or a quoted field left open at the end is refused, with its
    row, never padded or cut as ``pandas.read_csv`` would. Multi-line quoted cells stay one row."""
    import csv
    import io

    from silkscope.io.excel import check_cell
    from silkscope.io.tables import decode

    if not path.is_file():
        raise InputError(f"file not found: {path}", file=path)
    text = decode(path.read_bytes(), path, "utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:  # an open quote at the end, a NUL byte, a field over 128 KB
        raise InputError(
            f"cannot read as CSV near line {reader.line_num}: {exc}",
            file=path,
            hint="the file is truncated or damaged; download it again",
        ) from None
    if not rows or not any(c.strip() for c in rows[0]):
        raise InputError("the file is empty (no header row)", file=path, hint=f"give the {what} as published")
    header = [c.strip() for c in rows[0]]
    problems = []
    records = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue  # a blank line
        extra = row[len(header) :]
        if len(row) < len(header) or any(c.strip() for c in extra):
            problems.append(
                Problem(f"{len(row)} fields, the header has {len(header)}", str(path), number, None)
            )
            continue
        for k, cell in enumerate(row[: len(header)], start=1):
            check_cell(path, None, number, k, cell)
        records.append(row[: len(header)])
    if problems:
        raise InputError(problems, hint="the file is truncated or damaged; nothing was imported")
    missing = [c for c in needed if c not in header]
    if missing:
        raise InputError(
            f"not a {what}: no column(s) {', '.join(missing)}",
            file=path,
            row=1,
            hint=f"give the file as published (columns {', '.join(needed)})",
        )
    if len(set(header)) < len(header):
        twice = sorted({c for c in header if header.count(c) > 1})
        raise InputError(
            f"column(s) {', '.join(map(repr, twice))} appear twice in the header", file=path, row=1
        )
    if not records:
        raise InputError(f"the {what} has a header but no rows", file=path)
    return pd.DataFrame(records, columns=header, dtype=str)


def _to_iso3(names: pd.Series, src: str, path: Path, column: str) -> pd.Series:
    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    unique = sorted(set(names))
    converted = coco.convert(unique, src=src, to="ISO3", not_found=None) if unique else []
    converted = [converted] if isinstance(converted, str) else converted
    mapping = dict(zip(unique, converted, strict=True))
    bad = [n for n, c in mapping.items() if not isinstance(c, str) or len(c) != 3]
    if bad:
        rows = {n: int(names.index[names == n][0]) + 2 for n in bad}
        raise InputError(
            [
                Problem(
                    f"'{n[:80]}' (row {rows[n]}): not a country name or code country_converter knows",
                    str(path),
                    None,
                    column,
                )
                for n in bad
            ],
            hint="correct the spelling; nothing was imported",
        )
    return names.map(mapping)


def read_confucius(path: str | Path) -> CountryCounts:
    """Open and listed Confucius Institutes per country (see the module text)."""
    path = Path(path)
    frame = _read_csv(path, ["confucius_institute", "country", "status"], "Confucius Institute list")
    status = frame["status"].str.strip()
    odd = sorted(set(status) - {"Open", "Closed"})
    if odd:
        raise InputError(f"status must be Open or Closed; found {', '.join(map(repr, odd))}", file=path)
    iso = _to_iso3(frame["country"].str.strip(), "regex", path, "country")
    year = 2022
    listed = iso.value_counts()
    open_ = iso[status == "Open"].value_counts().reindex(listed.index, fill_value=0)
    values = pd.concat(
        [
            pd.DataFrame(
                {"unit_id": open_.index, "indicator_id": "confucius_institutes", "value": open_.values}
            ),
            pd.DataFrame(
                {
                    "unit_id": listed.index,
                    "indicator_id": "confucius_institutes_listed",
                    "value": listed.values,
                }
            ),
        ],
        ignore_index=True,
    ).assign(year=year)
    rule = (
        "confucius_institutes = rows with status Open (the list's web check as of 2022-04-22); "
        "confucius_institutes_listed = all rows; a country not in the list: 0 (worldwide list)"
    )
    return CountryCounts(
        path,
        "confucius",
        _typed(values),
        {k: v[0] for k, v in CI_INDICATORS.items()},
        rule,
        "LAS-NCSU bridash list (Dig Mandarin 2021; US lists 2022)",
        "https://github.com/LAS-NCSU/bridash",
    )


def read_heritage(path: str | Path) -> CountryCounts:
    """World Heritage properties per state party and category (see the module text)."""
    path = Path(path)
    frame = _read_csv(path, ["name_en", "category", "iso_code", "date_inscribed"], "World Heritage list")
    odd = sorted(set(frame["category"].str.strip()) - {"Cultural", "Natural", "Mixed"})
    if odd:
        raise InputError(f"category must be Cultural, Natural or Mixed; found {', '.join(odd)}", file=path)
    years = _years(frame["date_inscribed"], path)
    no_state = frame["iso_code"].str.strip() == ""
    left_out = frame.loc[no_state, "name_en"].tolist()
    sites = frame.loc[~no_state, ["category"]].assign(code=frame.loc[~no_state, "iso_code"].str.split(","))
    sites = sites.explode("code")
    sites["code"] = sites["code"].str.strip().str.upper()
    sites["unit_id"] = _to_iso3(sites["code"], "ISO2", path, "iso_code").to_numpy()
    year = int(years.max())
    parts = []
    for indicator, (_, category) in WHC_INDICATORS.items():
        chosen = sites if category is None else sites[sites["category"].str.strip() == category]
        counts = chosen.groupby("unit_id").size()
        counts = counts.reindex(sorted(sites["unit_id"].unique()), fill_value=0)
        parts.append(
            pd.DataFrame({"unit_id": counts.index, "indicator_id": indicator, "value": counts.values})
        )
    rule = (
        f"properties on the List after the {year} session, per state party; a transboundary site "
        "counts once for each of its states; sites without a state code left out; a state not in "
        "the list: 0"
    )
    return CountryCounts(
        path,
        "heritage",
        _typed(pd.concat(parts, ignore_index=True).assign(year=year)),
        {k: v[0] for k, v in WHC_INDICATORS.items()},
        rule,
        "UNESCO World Heritage Centre",
        "https://whc.unesco.org/en/list/",
        left_out,
    )


#: First session of the World Heritage Committee that inscribed properties (Washington, 1978).
FIRST_INSCRIPTION = 1978


def _years(cells: pd.Series, path: Path) -> pd.Series:
    """``date_inscribed`` as whole years from 1978 on; a decimal (2021.5), a non-finite or an
    out-of-range year is refused with its row, not rounded."""
    import datetime

    last = datetime.date.today().year + 1
    text = cells.str.strip()
    ok = text.str.fullmatch(r"[0-9]{4}")
    years = pd.to_numeric(text.where(ok), errors="coerce")
    bad = ~ok | (years < FIRST_INSCRIPTION) | (years > last)
    if bad.any():
        problems = [
            Problem(
                f"'{str(v)[:40]}': expected a year {FIRST_INSCRIPTION}-{last}",
                str(path),
                int(i) + 2,
                "date_inscribed",
            )
            for i, v in text[bad].head(20).items()
        ]
        raise InputError(problems, hint="correct these cells; nothing was imported")
    return years.astype(int)


def _typed(values: pd.DataFrame) -> pd.DataFrame:
    out = values[["unit_id", "year", "indicator_id", "value"]].copy()
    out["year"] = out["year"].astype("int64")
    out["value"] = out["value"].astype(float)
    return out


def import_counts(ws, counts: CountryCounts, licence: str | None = None) -> dict:
    """Upsert ``counts`` into the workspace in one transaction: values, indicators (name, notes =
    the rule), missing country units, the source and a provenance row."""
    import json

    from silkscope.workspace import SourceRecord, Workspace, utc_now

    record = SourceRecord.for_file(
        counts.path, counts.kind, rows=len(counts.values), publisher=counts.publisher,
        url=counts.url, licence=licence,
    )  # fmt: skip
    incoming = counts.values.assign(source_id=record.source_id)
    indicators = pd.DataFrame(
        {"indicator_id": list(counts.indicators), "name_en": list(counts.indicators.values())}
    ).assign(unit="count", direction=1, source_id=record.source_id, notes=counts.rule)
    units = pd.DataFrame({"unit_id": sorted(incoming.unit_id.unique())}).assign(level="country")
    with ws.transaction() as con:
        replaced = Workspace.upsert_values(con, incoming)
        con.register("_i", indicators)
        con.execute("DELETE FROM indicators USING _i WHERE indicators.indicator_id = _i.indicator_id")
        con.execute(
            "INSERT INTO indicators (indicator_id, name_en, unit, direction, source_id, notes) "
            "SELECT indicator_id, name_en, unit, direction, source_id, notes FROM _i"
        )
        con.register("_u", units)
        con.execute(
            "INSERT INTO units (unit_id, level, name_en) SELECT unit_id, level, unit_id FROM _u "
            "WHERE unit_id NOT IN (SELECT unit_id FROM units)"
        )
        for name in ("_i", "_u"):
            con.unregister(name)
        Workspace.record_source(con, record)
        summary = {
            "file": str(counts.path),
            "source_id": record.source_id,
            "rows": len(incoming),
            "replaced": int(replaced),
            "countries": int(incoming.unit_id.nunique()),
            "year": int(incoming.year.iloc[0]),
            "indicators": list(counts.indicators),
            "rule": counts.rule,
            "left_out": counts.left_out,
        }
        con.execute(
            "INSERT INTO provenance VALUES (?, ?, ?)",
            [utc_now(), f"import {counts.kind}", json.dumps(summary, ensure_ascii=False)],
        )
    return summary


BRI_SHEET = "BRI countries"
BRI_COLUMNS = ("Country", "Country Code", "Likely date of joining", "Likely date of exit")


def read_bri_workbook(path: str | Path) -> pd.DataFrame:
    """The GFDC workbook ``25_05_BRI-countries-public.xlsx`` (Nedopil 2025) as published:
    ``iso3, name, signed, left`` (ISO dates; ``uncertain`` or blank = ``""``), China included."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}", file=path)
    try:
        frame = pd.read_excel(path, sheet_name=BRI_SHEET, dtype=object)
    except ValueError as exc:
        raise InputError(
            f"no sheet '{BRI_SHEET}' ({exc})", file=path, hint="give the GFDC workbook"
        ) from None
    missing = [c for c in BRI_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"sheet '{BRI_SHEET}' lacks column(s) {', '.join(missing)}", file=path, row=1)

    def day(value: object, row: int, column: str) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
            return ""
        if isinstance(value, str):
            if value.strip().lower() in ("uncertain", ""):
                return ""
            raise InputError(f"{value!r}: expected a date or 'uncertain'", file=path, row=row, column=column)
        return pd.Timestamp(value).date().isoformat()

    rows = []
    for i, r in enumerate(frame.itertuples(index=False), start=2):
        d = dict(zip(frame.columns, r, strict=True))
        rows.append(
            {
                "iso3": str(d["Country Code"]).strip(),
                "name": str(d["Country"]).strip(),
                "signed": day(d["Likely date of joining"], i, "Likely date of joining"),
                "left": day(d["Likely date of exit"], i, "Likely date of exit"),
            }
        )
    return pd.DataFrame(rows)
