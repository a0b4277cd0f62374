"""CEPII BACI as downloaded: the release zip, its extracted CSVs (plain or gzip) or Parquet copies.

Flow files have columns ``t, i, j, k, v, q`` (year, exporter and importer as BACI numeric codes,
HS6 product, value in thousand USD, quantity in metric tons). Seen in real files and handled:
``k`` written as a number (codes of chapters 01-09 lose their leading zero), ``q`` blank, ``NA``
or space-padded, quoted headers; ``country_codes_V*.csv`` in Latin-1 or UTF-8, comma- or
semicolon-separated; ``product_codes_HS*_V*.csv`` with codes with or without leading zeros.
The HS revision comes from the file names (``BACI_HS92_Y2021_V202301.csv``) or ``hs_revision``.
Every code of a release's country_codes file imports: those without an ISO3 code (490 "Other
Asia, nes", 697 "Europe EFTA, nes", 849 "US Misc. Pacific Isds") are stored as ``X`` + the BACI
number (:func:`grouping_code`) and listed in the import summary.
"""

from __future__ import annotations

import csv
import gzip
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from silkscope.errors import InputError
from silkscope.io.flows import HS_REVISIONS, FlowSource, relation_columns

FLOW_SUFFIXES = (".csv", ".csv.gz", ".parquet")
BACI_COLUMNS = ("t", "i", "j", "k", "v", "q")
_REVISION = re.compile(r"HS(92|96|02|07|12|17|22)(?![0-9])", re.IGNORECASE)
_YEAR = re.compile(r"_Y(\d{4})(?![0-9])", re.IGNORECASE)  # BACI_HS17_Y2021_V202401.csv


@dataclass(frozen=True)
class BaciRelease:
    """The files of one BACI import: flow files, and the release's code lists when present."""

    flows: list[Path]
    country_codes: Path | None
    product_codes: Path | None


def locate(path: Path, workdir: Path) -> BaciRelease:
    """The flow files and code lists in a zip (extracted into ``workdir``), folder or single file."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file or folder", file=path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
    elif zipfile.is_zipfile(path) or path.suffix.lower() == ".zip":
        files = _extract(path, workdir)
    else:
        files = [path]
    codes = [p for p in files if p.name.lower().startswith("country_codes")]
    products = [p for p in files if p.name.lower().startswith("product_codes")]
    flows = [
        p for p in files if p.name.lower().endswith(FLOW_SUFFIXES) and p not in codes and p not in products
    ]
    if not flows:
        raise InputError("holds no flow file (BACI_HS*_Y*_V*.csv, .csv.gz or .parquet)", file=path)
    return BaciRelease(flows, codes[-1] if codes else None, products[-1] if products else None)


def _extract(path: Path, workdir: Path) -> list[Path]:
    """Extract the CSV members; a truncated or corrupt archive is named as such."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(".csv")
            ]
            out = []
            for member in members:
                target = workdir / Path(member.filename).name
                with archive.open(member) as src, open(target, "wb") as dst:
                    while block := src.read(1 << 22):
                        dst.write(block)
                out.append(target)
            return sorted(out)
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise InputError(
            f"is not a complete zip archive ({exc}); the download was probably cut short",
            file=path,
            hint="download the BACI zip again, or pass the extracted CSV files",
        ) from exc


def hs_revision(files: list[Path], given: str | None) -> str:
    """The HS revision named by ``given`` or by the file names; mixed or unknown ones are refused."""
    if given is not None:
        revision = given.upper().replace("HS19", "HS").replace("HS20", "HS")
        if revision not in HS_REVISIONS:
            raise InputError(f"unknown HS revision '{given}'; expected one of {', '.join(HS_REVISIONS)}")
        return revision
    found = {}
    for file in files:
        match = _REVISION.search(file.name)
        found[file.name] = f"HS{match.group(1)}" if match else None
    revisions = {r for r in found.values() if r}
    if len(revisions) > 1:
        listed = "; ".join(f"{name}: {rev}" for name, rev in found.items())
        raise InputError(
            f"mixed HS revisions in one import ({listed})",
            hint="import each HS revision separately",
        )
    if not revisions or None in found.values():
        unnamed = [name for name, rev in found.items() if rev is None]
        raise InputError(
            f"the HS revision of {', '.join(unnamed)} is not in its name",
            hint="name it with --hs HS92|HS96|HS02|HS07|HS12|HS17|HS22",
        )
    return revisions.pop()


def _text_relation(path: Path, encoding: str = "utf-8") -> str:
    quoted = str(path).replace("'", "''")
    if path.name.lower().endswith(".parquet"):
        return f"read_parquet('{quoted}')"
    return f"read_csv('{quoted}', all_varchar = true, header = true, encoding = '{encoding}')"


def _header(path: Path) -> list[str] | None:
    """The lower-cased header of a flow CSV read in BACI's dialect (comma, double quotes), or
    None when it is not one: DuckDB's sniffer can miss the comma in a small file whose last line
    is short, so BACI's own header is recognised first."""
    if path.name.lower().endswith(".parquet"):
        return None
    try:
        with (gzip.open if path.name.lower().endswith(".gz") else open)(path, "rb") as handle:
            line = handle.readline(1 << 16).decode("utf-8-sig", errors="replace")
    except (OSError, EOFError, zlib.error):
        return None
    names = [c.strip().lower() for c in next(csv.reader([line]), [])]
    return names if names in (list(BACI_COLUMNS), list(BACI_COLUMNS[:5])) else None


def _typed_relation(path: Path) -> str:
    """The flows read typed and strictly, in BACI's own dialect (comma, double quotes, header
    ``t,i,j,k,v,q``): ``v`` a DOUBLE, the codes and ``q`` (space-padded, ``NA``) as text, a row
    with another number of fields an error; nothing is sniffed or guessed."""
    quoted = str(path).replace("'", "''")
    if path.name.lower().endswith(".parquet"):
        return f"read_parquet('{quoted}')"
    types = "{'t': 'VARCHAR', 'i': 'VARCHAR', 'j': 'VARCHAR', 'k': 'VARCHAR', 'v': 'DOUBLE', 'q': 'VARCHAR'}"
    return (
        f"read_csv('{quoted}', header = true, auto_detect = false, delim = ',', quote = '\"', "
        f"escape = '\"', strict_mode = true, columns = {types})"
    )


def _read_code_list(path: Path) -> list[dict[str, str]]:
    """A small BACI code list as text records; UTF-8 first, Latin-1 when it is not UTF-8."""
    for encoding in ("utf-8", "latin-1"):
        try:
            with duckdb.connect() as con:
                frame = con.execute(f"SELECT * FROM {_text_relation(path, encoding)}").df()
            break
        except duckdb.Error as exc:
            if encoding == "latin-1":
                raise InputError(f"cannot be read: {str(exc).splitlines()[0]}", file=path) from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame.fillna("").to_dict("records")


# BACI codes listed without an ISO3 code (iso_3digit_alpha "N/A") in the releases V202001,
# V202201 and V202301 (their country_codes files): groupings and residuals, not countries
BACI_GROUPINGS = {
    "490": "Other Asia, nes",
    "697": "Europe EFTA, nes",
    "849": "US Misc. Pacific Isds",
}


def grouping_code(code: str) -> str:
    """The code silkscope stores for a BACI country code that has no ISO3 code: ``X`` and the
    BACI number in three digits (697 -> ``X697``). One rule for every such code of every release,
    so an import with or without the release's country_codes file stores the same code; never
    three letters, so it cannot be taken for an ISO3 country (``trade.coverage.is_grouping``)."""
    return "X" + str(int(code)).zfill(3)


def _country_records(path: Path) -> list[dict[str, str]]:
    records = _read_code_list(path)
    needed = {"country_code", "iso_3digit_alpha"}
    if not records or not needed <= set(records[0]):
        raise InputError(
            f"not a BACI country codes file: needs columns {', '.join(sorted(needed))}", file=path
        )
    bad = [r["country_code"] for r in records if not re.fullmatch(r"\d{1,3}", str(r["country_code"]).strip())]
    if bad:
        raise InputError(
            f"country_code must be a BACI number of up to 3 digits; found {', '.join(map(repr, bad[:5]))}",
            file=path,
            column="country_code",
        )
    return records


def _is_iso3(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z]{3}", str(text).strip()))


def country_codes(path: Path) -> dict[str, str]:
    """BACI numeric code -> ISO3 from a ``country_codes`` file (``N/A`` entries: see :func:`groupings`)."""
    return {
        str(r["country_code"]).strip(): str(r["iso_3digit_alpha"]).strip().upper()
        for r in _country_records(path)
        if _is_iso3(r["iso_3digit_alpha"])
    }


def groupings(path: Path | None = None) -> dict[str, tuple[str, str]]:
    """BACI numeric code -> (stored code, name) for every code the file lists without an ISO3
    code (and those of :data:`BACI_GROUPINGS`, which hold without a file)."""
    found = {code: (grouping_code(code), name) for code, name in BACI_GROUPINGS.items()}
    if path is not None:
        for r in _country_records(path):
            if not _is_iso3(r["iso_3digit_alpha"]):
                code = str(int(str(r["country_code"]).strip()))
                name = str(r.get("country_name_abbreviation") or r.get("country_name_full") or "").strip()
                found[code] = (grouping_code(code), name)
    return found


def product_codes(path: Path) -> frozenset[str]:
    """The HS6 codes of a ``product_codes`` file, zero-padded to 6 characters."""
    records = _read_code_list(path)
    if not records or "code" not in records[0]:
        raise InputError("not a BACI product codes file: needs a column 'code'", file=path)
    return frozenset(str(r["code"]).strip().zfill(6) for r in records)


def sources(
    path: Path,
    workdir: Path,
    hs: str | None = None,
    country_codes_file: Path | None = None,
    product_codes_file: Path | None = None,
) -> list[FlowSource]:
    """One :class:`FlowSource` per BACI flow file under ``path``."""
    release = locate(path, workdir)
    codes_file = country_codes_file or release.country_codes
    products_file = product_codes_file or release.product_codes
    revision = hs_revision(release.flows, hs)
    if products_file is not None and hs is None:
        named = _REVISION.search(products_file.name)
        if named and f"HS{named.group(1)}" != revision:
            raise InputError(
                f"product codes are for HS{named.group(1)} but the flows are {revision}",
                file=products_file,
            )
    codes = country_codes(codes_file) if codes_file else {}
    nes = groupings(codes_file)
    products = product_codes(products_file) if products_file else None
    out = []
    for file in release.flows:
        header = _header(file)
        if header:  # BACI's dialect, read as text with nothing sniffed
            quoted = str(file).replace("'", "''")
            types = ", ".join(f"'{c}': 'VARCHAR'" for c in header)
            relation = (
                f"read_csv('{quoted}', header = true, auto_detect = false, delim = ',', quote = '\"', "
                f"escape = '\"', columns = {{{types}}})"
            )
            columns = header
        else:
            relation = _text_relation(file)
            columns = [c.lower() for c in relation_columns(relation, file)]
        missing = [c for c in ("t", "i", "j", "k", "v") if c not in columns]
        if missing:
            raise InputError(
                f"not in BACI layout: missing column(s) {', '.join(missing)}; found {columns[:8]}",
                file=file,
                hint="a BACI flow file has the header t,i,j,k,v,q (comma-separated); check the delimiter",
            )
        mapping = {"year": "t", "exporter": "i", "importer": "j", "product": "k", "value": "v"}
        mapping["quantity"] = "q" if "q" in columns else "NULL"
        out.append(
            FlowSource(
                file=file,
                relation=relation,
                columns=mapping,
                labels={k: v for k, v in mapping.items() if v != "NULL"},
                hs_revision=revision,
                country_codes=codes,
                products=products,
                groupings=nes,
                typed_relation=_typed_relation(file) if columns == list(BACI_COLUMNS) else None,
                year_hint=in_name.group(1) if (in_name := _YEAR.search(file.name)) else None,
            )
        )
    return out
