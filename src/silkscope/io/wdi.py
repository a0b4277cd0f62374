"""World Bank World Development Indicators (WDI) files as the World Bank ships them.

Accepted layouts:

* **bulk download** (``API_<CODE>_DS2_<lang>_csv_v2_<n>.csv``): 4 preamble lines (``"Data
  Source"``, ``"Last Updated Date"``), a header ``Country Name, Country Code, Indicator Name,
  Indicator Code, 1960, …`` and a trailing empty column; UTF-8 with BOM; empty = missing. Its
  ``Metadata_Country_<same suffix>`` and ``Metadata_Indicator_<same suffix>`` files are looked
  for beside it or among the files given.
* **older parsed files** (same header, no preamble, e.g. the 2013 vintage ``<CODE>_WDI.csv``):
  accepted when a ``Metadata_Country_*`` file is given; retired codes (``ZAR``, ``ROM``, ``ADO``…)
  map to today's ISO3 (``silkscope.trade.codes.iso3_mapping`` and :data:`WB_RETIRED`).

Refused with a message: derived tidy files (``country_code, 2003, …``: no names, no vintage, no
aggregates flag), anything else.

Economy rule (the World Bank's own): a row is an economy when its code has a non-empty ``Region``
in the country metadata; the others (``WLD``, ``EAS``, ``HIC``…, and ``INX`` "not classified",
absent from the metadata) are aggregates, skipped and listed. A data file without country
metadata is refused: without it aggregates cannot be told from economies.

Which country metadata serves a data file: its own (same suffix); else a given/beside one whose
companion data file has the same "Last Updated Date" (the World Bank ships one country file per
vintage); else the only one given. Indicator names come from the ``Metadata_Indicator`` file;
when there is none, from the data file's ``Indicator Name`` column (said in the summary).
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from silkscope.errors import InputError, Problem

HEADER = ["Country Name", "Country Code", "Indicator Name", "Indicator Code"]
COUNTRY_META = ("Country Code", "Region", "IncomeGroup", "TableName")
INDICATOR_META = ("INDICATOR_CODE", "INDICATOR_NAME", "SOURCE_NOTE", "SOURCE_ORGANIZATION")
PUBLISHER = "World Bank, World Development Indicators"
URL = "https://data.worldbank.org/indicator/{code}"
LICENCE = "CC BY 4.0 (World Bank Terms of Use for Datasets)"
# World Bank codes of earlier vintages (WDI 2013) that differ from today's, beyond ROM/ZAR/TMP
WB_RETIRED = {"ADO": "AND", "KSV": "XKX", "WBG": "PSE"}
_YEAR = re.compile(r"\d{4}")
#: A WDI value as the bank writes it: decimal point, optional exponent; no inf/nan, no separators.
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_WDI_CODE = re.compile(r"[A-Z][A-Z0-9]*(\.[A-Z0-9]+)+")


@dataclass
class WdiFile:
    """One data file read: long values of economies and what was left out."""

    path: Path
    layout: str  # "bulk" | "parsed"
    indicator_id: str
    name_en: str
    last_updated: str | None
    values: pd.DataFrame  # unit_id, year, indicator_id, value
    aggregates: list[str]  # codes with an empty Region in the country metadata
    unknown: list[str] = field(default_factory=list)  # codes the country metadata does not list
    country_meta: Path | None = None
    indicator_meta: Path | None = None
    notes: str | None = None
    recoded: dict[str, str] = field(default_factory=dict)


@dataclass
class WdiImport:
    """Everything a set of WDI files brings: values, indicators, economies (units)."""

    files: list[WdiFile]
    units: pd.DataFrame  # unit_id, name_en, region, income_group
    metadata_files: list[Path]

    @property
    def values(self) -> pd.DataFrame:
        return pd.concat([f.values for f in self.files], ignore_index=True)

    @property
    def aggregates(self) -> list[str]:
        return sorted({a for f in self.files for a in f.aggregates})

    @property
    def unknown(self) -> list[str]:
        return sorted({a for f in self.files for a in f.unknown})


def _rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        raise InputError(f"file not found: {path}", file=path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8 text ({exc.reason})", file=path, hint="give the World Bank's CSV"
        ) from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"broken CSV ({exc}); is the file truncated?", file=path) from None


def _kind(path: Path) -> str:
    name = path.name
    if name.startswith("Metadata_Country_"):
        return "country"
    if name.startswith("Metadata_Indicator_"):
        return "indicator"
    return "data"


def _suffix(path: Path) -> str:
    for prefix in ("Metadata_Country_", "Metadata_Indicator_"):
        if path.name.startswith(prefix):
            return path.name[len(prefix) :]
    return path.name


def _header_at(rows: list[list[str]], path: Path) -> tuple[int, str | None, str]:
    """Row index of the header, the 'Last Updated Date' and the layout; refuses other files."""
    updated = None
    for i, row in enumerate(rows[:8]):
        cells = [c.strip() for c in row]
        if cells[:1] == ["Last Updated Date"] and len(cells) > 1:
            updated = cells[1]
        if cells[:4] == HEADER:
            return i, updated, "bulk" if i else "parsed"
    first = [c.strip() for c in rows[0]] if rows else []
    if (
        first
        and first[0].lower() in ("country_code", "iso3", "countrycode")
        and all(_YEAR.fullmatch(c) for c in first[1:] if c)
    ):
        raise InputError(
            "a derived WDI extract (country code + years, no names, vintage or aggregate flag); not imported",
            file=path,
            hint="download the indicator from data.worldbank.org (CSV) and import that file "
            "with its Metadata_* files, or use 'silkscope import table' for this one",
        )
    raise InputError(
        f"not a WDI file: no header {', '.join(HEADER)} in its first lines",
        file=path,
        row=1,
        hint="give the World Bank bulk CSV (API_<code>_DS2_…csv) and its Metadata_* files",
    )


def _read_country_meta(path: Path) -> pd.DataFrame:
    rows = _rows(path)
    head = [c.strip() for c in rows[0]] if rows else []
    missing = [c for c in COUNTRY_META if c not in head]
    if missing:
        raise InputError(
            f"not a WDI Metadata_Country file: no column(s) {', '.join(missing)}",
            file=path,
            row=1,
        )
    idx = {c: head.index(c) for c in COUNTRY_META}
    out = []
    for row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(head) - 1:
            raise InputError(f"{len(row)} fields, expected {len(head)}; truncated?", file=path)
        out.append({c: row[idx[c]].strip() for c in COUNTRY_META})
    return pd.DataFrame(out, columns=list(COUNTRY_META))


def _read_indicator_meta(path: Path) -> dict[str, str]:
    rows = _rows(path)
    head = [c.strip() for c in rows[0]] if rows else []
    if any(c not in head for c in INDICATOR_META[:2]) or len(rows) < 2:
        raise InputError(
            "not a WDI Metadata_Indicator file (INDICATOR_CODE, INDICATOR_NAME)", file=path, row=1
        )
    row = rows[1]
    return {c: row[head.index(c)].strip() for c in INDICATOR_META if c in head and head.index(c) < len(row)}


def _updated(path: Path) -> str | None:
    try:
        rows = _rows(path)
    except InputError:
        return None
    for row in rows[:6]:
        if row[:1] == ["Last Updated Date"] and len(row) > 1:
            return row[1].strip()
    return None


def read_wdi(files: list[str | Path]) -> WdiImport:
    """Read WDI data files with their metadata (see the module text); raises before anything is
    returned when a file is not WDI, is truncated or has no country metadata."""
    paths = [Path(f) for f in files]
    given = {_kind(p): [q for q in paths if _kind(q) == _kind(p)] for p in paths}
    data = given.get("data", [])
    if not data:
        raise InputError("no WDI data file among the files given (only Metadata_* files)")
    country_files = list(given.get("country", []))
    for p in data:  # companions beside the data files
        own = p.with_name("Metadata_Country_" + p.name)
        if own.is_file() and own not in country_files:
            country_files.append(own)
    by_suffix = {_suffix(c): c for c in country_files}
    vintage = {}
    for c in country_files:
        companion = c.with_name(_suffix(c))
        if companion.is_file():
            vintage.setdefault(_updated(companion), c)
    metas = {c: _read_country_meta(c) for c in country_files}
    indicator_files = {_suffix(p): p for p in given.get("indicator", [])}

    read: list[WdiFile] = []
    economies: dict[str, dict[str, str]] = {}
    for path in data:
        rows = _rows(path)
        at, updated, layout = _header_at(rows, path)
        meta_path = by_suffix.get(path.name) or (vintage.get(updated) if updated else None)
        if meta_path is None and len(given.get("country", [])) == 1:
            meta_path = given["country"][0]
        if meta_path is None:
            raise InputError(
                "no country metadata for this file: without it aggregates (WLD, EAS, HIC, …) "
                "cannot be told from economies",
                file=path,
                hint=f"put Metadata_Country_{path.name} beside it (the World Bank ships it in the "
                "same zip) or give a Metadata_Country_*.csv among the files",
            )
        meta = metas[meta_path]
        own_meta = _suffix(meta_path) == path.name or (updated is not None and _updated(
            meta_path.with_name(_suffix(meta_path))) == updated)  # fmt: skip
        wdi = _read_data(path, rows, at, layout, updated, meta, own_meta)
        wdi.country_meta = meta_path
        ind_path = indicator_files.get(path.name) or (
            path.with_name("Metadata_Indicator_" + path.name)
            if path.with_name("Metadata_Indicator_" + path.name).is_file()
            else None
        )
        if ind_path is not None:
            info = _read_indicator_meta(ind_path)
            if info.get("INDICATOR_CODE") != wdi.indicator_id:
                raise InputError(
                    f"indicator metadata is for {info.get('INDICATOR_CODE')}, the data for {wdi.indicator_id}",
                    file=ind_path,
                )
            wdi.name_en = info.get("INDICATOR_NAME") or wdi.name_en
            notes = [info.get("SOURCE_NOTE", ""), info.get("SOURCE_ORGANIZATION", "")]
            wdi.notes = " Source: ".join(n for n in notes if n) or None
            wdi.indicator_meta = ind_path
        read.append(wdi)
        for row in meta.itertuples(index=False):
            if row.Region:
                economies[row[0]] = {
                    "name_en": row.TableName,
                    "region": row.Region,
                    "income_group": row.IncomeGroup,
                }
    ids = [f.indicator_id for f in read]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise InputError(
            f"indicator(s) given in two files: {', '.join(twice)}", hint="give one file per indicator"
        )
    used = {u for f in read for u in f.values.unit_id.unique()}
    units = pd.DataFrame(
        [{"unit_id": u, **economies[u]} for u in sorted(used)],
        columns=["unit_id", "name_en", "region", "income_group"],
    )
    meta_used = sorted({m for f in read for m in (f.country_meta, f.indicator_meta) if m is not None})
    return WdiImport(read, units, meta_used)


def _read_data(
    path: Path,
    rows: list[list[str]],
    at: int,
    layout: str,
    updated: str | None,
    meta: pd.DataFrame,
    own_meta: bool,
) -> WdiFile:
    from silkscope.trade.codes import iso3_mapping

    head = [c.strip() for c in rows[at]]
    years = {j: int(c) for j, c in enumerate(head) if _YEAR.fullmatch(c)}
    if not years:
        raise InputError("no year columns (1960, 1961, …) in the header", file=path, row=at + 1)
    body = [(i, r) for i, r in enumerate(rows[at + 1 :], start=at + 2) if any(c.strip() for c in r)]
    problems: list[Problem] = []
    width = len(head)
    for i, r in body:
        if len(r) != width:
            problems.append(
                Problem(f"{len(r)} fields, expected {width} (truncated or damaged?)", str(path), i)
            )
    codes = {r[3].strip() for _, r in body if len(r) > 3}
    if len(codes) != 1:
        problems.append(
            Problem(f"expected one indicator per file, found {len(codes)}", str(path), None, "Indicator Code")
        )
    seen: dict[str, int] = {}
    for i, r in body:
        economy = r[1].strip()
        if not economy:
            problems.append(Problem("empty country code", str(path), i, "Country Code"))
        elif economy in seen:
            problems.append(
                Problem(
                    f"'{economy[:40]}' has a row already (row {seen[economy]})", str(path), i, "Country Code"
                )
            )
        else:
            seen[economy] = i
    if problems:
        raise InputError(problems, hint="download the file again; nothing was imported")
    code = codes.pop()
    regions = dict(zip(meta["Country Code"], meta["Region"], strict=True))
    raw_codes = [r[1].strip() for _, r in body]
    recoded: dict[str, str] = {}
    if layout == "parsed":
        mapping = iso3_mapping([c for c in raw_codes if c not in regions], WB_RETIRED)
        recoded = {c: m for c, m in mapping.items() if m and m != c and m in regions}
    records, aggregates, unknown = [], [], []
    for (i, r), raw in zip(body, raw_codes, strict=True):
        unit = recoded.get(raw, raw)
        economy = bool(regions.get(unit))
        if not economy:
            (aggregates if unit in regions else unknown).append(raw)
        for j, year in years.items():  # every row is checked, aggregates too: damage is damage
            text = r[j].strip()
            if not text:
                continue
            value = float(text) if _NUMBER.fullmatch(text) else None
            if value is None or not math.isfinite(value):  # 'nan', 'inf', '1e309', '3,12' ...
                shown = text if len(text) <= 40 else f"{text[:40]}…"
                problems.append(Problem(f"{shown!r}: not a finite number", str(path), i, head[j]))
                continue
            if economy:
                records.append((unit, year, code, value))
    if problems:
        raise InputError(problems, hint="nothing was imported")
    economies = {c for c, reg in regions.items() if reg}
    absent = sorted(economies - {recoded.get(c, c) for c in raw_codes})
    if own_meta and absent:
        raise InputError(
            f"{len(absent)} economies of the country metadata have no row ({', '.join(absent[:10])}"
            f"{', …' if len(absent) > 10 else ''}): the file looks truncated",
            file=path,
            hint="download the file again; nothing was imported",
        )
    values = pd.DataFrame.from_records(records, columns=["unit_id", "year", "indicator_id", "value"])
    values["year"] = values["year"].astype("int64")
    name = next((r[2].strip() for _, r in body), code)
    return WdiFile(
        path,
        layout,
        code,
        name,
        updated,
        values,
        sorted(set(aggregates)),
        sorted(set(unknown)),
        recoded=recoded,
    )


def import_wdi(ws, files: list[str | Path], licence: str | None = None) -> dict:
    """Read ``files`` fully (:func:`read_wdi`), then in one transaction upsert the values, the
    indicators (names from the metadata) and the economies (``units``: level ``country``, ``group``
    = World Bank region; region and income group also in ``unit_attributes``), record every file in
    ``sources`` and log provenance. Any error leaves the workspace unchanged."""
    import json

    from silkscope.workspace import SourceRecord, Workspace, utc_now

    wdi = read_wdi(files)
    records, frames = [], []
    for f in wdi.files:
        title = f"{f.name_en} ({f.indicator_id}), WDI" + (
            f", last updated {f.last_updated}" if f.last_updated else ""
        )
        rec = SourceRecord.for_file(
            f.path, "wdi", rows=len(f.values), title=title, publisher=PUBLISHER,
            url=URL.format(code=f.indicator_id), licence=licence or LICENCE,
        )  # fmt: skip
        records.append(rec)
        frames.append(f.values.assign(source_id=rec.source_id))
    meta_records = [
        SourceRecord.for_file(m, "wdi-metadata", rows=0, publisher=PUBLISHER, licence=licence or LICENCE)
        for m in wdi.metadata_files
    ]
    incoming = pd.concat(frames, ignore_index=True)
    indicators = pd.DataFrame(
        {
            "indicator_id": [f.indicator_id for f in wdi.files],
            "name_en": [f.name_en for f in wdi.files],
            "source_id": [r.source_id for r in records],
            "notes": [f.notes for f in wdi.files],
        }
    )
    units = wdi.units.assign(level="country")
    attributes = pd.concat(
        [
            units[["unit_id"]].assign(attribute="wb_region", value=units.region),
            units[["unit_id"]].assign(attribute="wb_income_group", value=units.income_group),
        ]
    )
    with ws.transaction() as con:
        con.execute(
            "CREATE TABLE IF NOT EXISTS unit_attributes (unit_id VARCHAR NOT NULL, attribute VARCHAR NOT NULL, "
            "value VARCHAR, source_id VARCHAR, PRIMARY KEY (unit_id, attribute))"
        )
        replaced = Workspace.upsert_values(con, incoming)
        con.register("_i", indicators)
        con.execute("DELETE FROM indicators USING _i WHERE indicators.indicator_id = _i.indicator_id")
        con.execute(
            "INSERT INTO indicators (indicator_id, name_en, source_id, notes) "
            "SELECT indicator_id, name_en, source_id, notes FROM _i"
        )
        con.register("_u", units)
        new_units = con.execute(
            "SELECT count(*) FROM _u WHERE unit_id NOT IN (SELECT unit_id FROM units)"
        ).fetchone()[0]
        con.execute(
            'UPDATE units SET name_en = _u.name_en, "group" = _u.region FROM _u WHERE units.unit_id = _u.unit_id'
        )
        con.execute(
            'INSERT INTO units (unit_id, level, name_en, "group") SELECT unit_id, level, name_en, region '
            "FROM _u WHERE unit_id NOT IN (SELECT unit_id FROM units)"
        )
        con.register("_a", attributes.assign(source_id=records[0].source_id))
        con.execute(
            "DELETE FROM unit_attributes USING _a WHERE unit_attributes.unit_id = _a.unit_id "
            "AND unit_attributes.attribute = _a.attribute"
        )
        con.execute("INSERT INTO unit_attributes SELECT unit_id, attribute, value, source_id FROM _a")
        for name in ("_i", "_u", "_a"):
            con.unregister(name)
        for rec in records + meta_records:
            Workspace.record_source(con, rec)
        summary = {
            "files": [str(f.path) for f in wdi.files],
            "metadata": [str(m) for m in wdi.metadata_files],
            "rows": len(incoming),
            "replaced": int(replaced),
            "indicators": [
                {
                    "id": f.indicator_id,
                    "name": f.name_en,
                    "layout": f.layout,
                    "last_updated": f.last_updated,
                    "values": len(f.values),
                    "names_from": "metadata" if f.indicator_meta else "data file",
                    "country_metadata": f.country_meta.name if f.country_meta else None,
                    "recoded": f.recoded,
                }
                for f in wdi.files
            ],  # fmt: skip
            "units": len(units),
            "new_units": int(new_units),
            "aggregates_skipped": wdi.aggregates,
            "not_in_metadata_skipped": wdi.unknown,
            "source_ids": [r.source_id for r in records],
        }
        con.execute(
            "INSERT INTO provenance VALUES (?, ?, ?)",
            [utc_now(), "import wdi", json.dumps(summary, ensure_ascii=False, default=str)],
        )
    return summary
