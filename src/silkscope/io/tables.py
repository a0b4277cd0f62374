"""Reading indicator tables as statisticians send them: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030;
comma, semicolon or tab), Excel workbooks with title and notes rows around the table, and Parquet;
in long form (unit, year, indicator, value) or wide form (unit, year, one column per indicator).

Every problem is collected with its file, spreadsheet row (1-based, as Excel shows it) and column,
and reported together in one :class:`~silkscope.errors.InputError`.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from silkscope.errors import InputError, Problem
from silkscope.io.excel import check_cell, read_sheet
from silkscope.io.layout import _CJK_GAP, Block, Layout, parse_grid
from silkscope.io.layout import _check_columns as check_columns
from silkscope.io.numbers import SeparatorRule, clean, problem_text, separator_rule, to_number
from silkscope.reference import UnitResolver, normalise_key

# Column aliases, most specific first: the first alias that names a column wins.
UNIT_ALIASES = (
    "unit_id",
    "province_code",
    "province",
    "province_zh",
    "province_name",
    "province_en",
    "地区",
    "省份",
    "省份名称",
    "地区名称",
    "省",
    "省市",
    "省区市",
    "地区代码",
    "行政区划代码",
    "国家",
    "region_code",
    "region_zh",
    "region",  # after 地区: yearbooks print 'Region' (English names) beside 地区
    "region_en",
    "unit_zh",
    "unit_code",
    "country",
    "area",
    "unit",
)
YEAR_ALIASES = ("year", "年份", "年", "年度", "time", "t")
INDICATOR_ALIASES = ("indicator_id", "indicator", "指标", "指标代码", "指标名称", "variable")
VALUE_ALIASES = ("value", "数值", "值", "指标值")
# A column named like this is the indicator's measurement unit (亿元, million person-times), never
# the unit id; ``unit`` is one too unless its cells name provinces/countries (tables written as
# unit_id-by-'unit' before this rule) or --unit-column names it.
MEASURE_ALIASES = ("measure_unit", "measurement_unit", "unit_of_measure", "units", "计量单位", "单位", "unit")
NAME_ZH_ALIASES = ("indicator_zh", "indicator_name_zh", "name_zh", "指标名称_zh", "指标中文名")
NAME_EN_ALIASES = ("indicator_en", "indicator_name_en", "name_en", "indicator_name")
# Bookkeeping columns of published extracts: never indicators, even when numeric (yearbook_edition).
METADATA_ALIASES = (
    "yearbook_edition", "edition", "table_no", "table", "table_id", "source", "source_url", "source_file",
    "url", "note", "notes", "sheet", "kind", "unit_type", "page", "表号", "来源", "资料来源", "备注",
    "版次", "年鉴",
)  # fmt: skip
_METADATA_SUFFIXES = ("_url", "_no", "_file", "_note", "_notes", "_edition", "_source")
# Rows of published provincial tables that are not provinces: totals, regions, HK/Macao/Taiwan.
NON_UNIT_ROWS = frozenset(
    normalise_key(n)
    for n in (
        "全国", "全国合计", "全国总计", "合计", "总计", "地方合计", "地方", "中央", "中央本级", "中央合计",
        "东部", "中部", "西部", "东北", "东部地区", "中部地区", "西部地区", "东北地区",
        "香港", "澳门", "台湾", "香港特别行政区", "澳门特别行政区", "台湾省",
        "national total", "total", "total of all regions", "hong kong", "hongkong", "macao", "macau",
        "taiwan", "eastern region", "middle region", "central region", "western region", "northeast region",
    )
)  # fmt: skip
MISSING = {"", "-", "—", "–", "--", "..", "...", "…", "na", "n/a", "nan", "null", "none", "#n/a", "#null!"}
NATIONAL_TOTALS = {"全国", "全国合计", "合计", "总计", "中国", "national", "total", "china"}
DELIMITERS = (",", ";", "\t")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_NUMBERISH = re.compile(r"^(?=.*\d)[\d\s.,'%+\-eE]+$")
_YEAR = re.compile(r"\s*(\d{4})(\.0+)?\s*年?\s*")
YEAR_RANGE = (1800, 2200)
#: Longest unit or indicator id: ids are keys shown in tables, charts and file names; 256 is far
#: above any real one (the longest yearbook label in shared/data has under 60) and the common
#: identifier bound of databases and file systems (255 bytes).
MAX_ID_CHARS = 256
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class RawTable:
    """Cells as text with the spreadsheet row number of each data row.

    Published tables also carry their title lines, footnotes, the English half of bilingual header
    cells, and ``blocks``: further parts of the sheet under a different header (a yearbook's 续表).
    ``block`` numbers each row's block among those with this header (a repeated block is > 0)."""

    name: str  # file name (or '<data frame>') used in problem messages
    frame: pd.DataFrame  # all cells as stripped str, header applied
    rows: list[int]  # spreadsheet row number of each frame row
    title: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    english: dict[str, str] = field(default_factory=dict)
    blocks: tuple[RawTable, ...] = ()
    block: tuple[int, ...] = ()
    header_row: int = 1
    sheet: str | None = None
    sheets: tuple[str, ...] = ()


class Table(pd.DataFrame):
    """A DataFrame as read from a file; ``attrs['file']`` and ``attrs['rows']`` (the spreadsheet row of
    each data row) say where each row came from."""

    @property
    def _constructor(self):
        return pd.DataFrame

    @property
    def frame(self) -> pd.DataFrame:
        """The table as a plain DataFrame (for callers written against the earlier RawTable API)."""
        return pd.DataFrame(self)


# -- reading any table -------------------------------------------------------------------------------
def read_table(
    path: str | Path,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
) -> pd.DataFrame:
    """Read a CSV, Excel or Parquet table with typed columns.

    Columns whose every non-missing cell is a number (thousands separators allowed; '', '-', '—',
    '..' mean missing) become floats; year-like columns integers; the unit column and other text
    columns stay text. The header row is found automatically below any title rows (``header_row``,
    1-based, overrides it); ``attrs['rows']`` holds the spreadsheet row of each data row.
    """
    raw = read_raw(path, sheet=sheet, header_row=header_row, encoding=encoding)
    units = {normalise_key(a) for a in UNIT_ALIASES}
    years = {normalise_key(a) for a in YEAR_ALIASES}
    columns = {}
    for column in raw.frame.columns:
        cells = raw.frame[column]
        key = normalise_key(column)
        typed = None if key in units else _as_numbers(cells)
        if typed is not None and key in years and typed.dropna().mod(1).eq(0).all():
            typed = typed.astype("Int64")
        columns[column] = typed if typed is not None else cells.where(cells != "", None)
    table = Table(columns)
    table.attrs = {"file": raw.name, "rows": list(raw.rows)}
    return table


def _as_numbers(cells: pd.Series) -> pd.Series | None:
    numbers, bad = _numbers(cells.tolist())
    return None if bad else pd.Series(numbers, index=cells.index, dtype=float)


def read_raw(
    source: str | Path | pd.DataFrame,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
) -> RawTable:
    """The table's cells as text, with the header found and title/notes rows dropped."""
    if isinstance(source, pd.DataFrame):
        return _frame_table(source, "<data frame>")
    path = Path(source)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    if path.stat().st_size == 0:
        raise InputError("the file is empty (0 bytes)", file=path)
    if header_row is not None and header_row < 1:
        raise InputError(f"--header-row must be 1 or more (a spreadsheet row number), got {header_row}")
    suffix = path.suffix.lower()
    compressed = suffix == ".gz"
    if compressed:
        suffix = Path(path.stem).suffix.lower()
        if suffix not in (".csv", ".txt", ".tsv"):
            raise InputError("only gzip-compressed CSV (.csv.gz) is read", file=path)
    if suffix == ".parquet":
        if sheet is not None or header_row is not None:
            raise InputError("a Parquet file has no sheets or header rows to choose", file=path)
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types for damaged files
            raise InputError(
                f"cannot read the Parquet file: {str(exc).strip()[:300]}",
                file=path,
                hint="the file is truncated or not Parquet; write it again (e.g. pandas "
                "DataFrame.to_parquet), or give the table as .csv or .xlsx",
            ) from exc
        return _frame_table(frame, path.name)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        book = read_sheet(path, sheet)
        layout = parse_grid(book.grid, path.name, header_row, _find_header, book.merged)
        return _layout_table(layout, path.name, book.name, book.sheet_names)
    if suffix in (".csv", ".txt", ".tsv"):
        if sheet is not None:
            raise InputError("a CSV file has no sheets; --sheet is for Excel workbooks", file=path)
        grid = _csv_grid(path, encoding, compressed)
    else:
        raise InputError(
            f"unsupported file type '{suffix}'; expected .csv, .xlsx, .xls or .parquet", file=path
        )
    if not any(any(c.strip() for c in row) for row in grid):
        raise InputError("the file is empty (no cells with content)", file=path)
    layout = parse_grid(grid, path.name, header_row, _find_header)
    _check_fields(grid, layout, path.name)
    return _layout_table(layout, path.name)


def _layout_table(
    layout: Layout, name: str, sheet: str | None = None, sheets: tuple[str, ...] = ()
) -> RawTable:
    """Blocks with the same header become one table (their rows numbered by block); blocks under
    another header become ``blocks`` of the first."""
    groups: dict[tuple[str, ...], list[Block]] = {}
    for block in layout.blocks:
        groups.setdefault(tuple(block.labels), []).append(block)
    tables = []
    for labels, blocks in groups.items():
        data = [row for b in blocks for row in b.data]
        rows = [r for b in blocks for r in b.rows]
        ids = tuple(k for k, b in enumerate(blocks) for _ in b.rows)
        english = {k: v for b in blocks for k, v in b.english.items()}
        tables.append(
            RawTable(
                name,
                pd.DataFrame(data, columns=list(labels)),
                rows,
                title=tuple(blocks[0].title),
                notes=tuple(layout.notes),
                english=english,
                block=ids,
                header_row=blocks[0].header_rows[0],
                sheet=sheet,
                sheets=sheets,
            )
        )
    first, *others = tables
    return replace(first, blocks=tuple(others))


def _frame_table(frame: pd.DataFrame, name: str) -> RawTable:
    if frame.empty:
        raise InputError(Problem("the table holds no rows", name))
    text = frame.astype(object).map(lambda v: "" if _is_missing(v) else str(v).strip())
    text.columns = [str(c).strip() for c in frame.columns]
    _check_columns(list(text.columns), name, 1)
    return RawTable(name, text.reset_index(drop=True), list(range(2, len(frame) + 2)))


def _is_missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _check_columns(header: Sequence[str], name: str, row: int) -> None:
    check_columns(list(header), name, row)


def _csv_grid(path: Path, encoding: str | None, compressed: bool = False) -> list[list[str]]:
    raw = path.read_bytes()
    if compressed:
        import gzip
        import zlib

        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:  # zlib.error: a damaged deflate block
            raise InputError(
                f"cannot decompress the gzip file: {exc}",
                file=path,
                hint="the download is truncated or damaged; download it again (gzip -t FILE tests it)",
            ) from exc
        if not raw.strip():
            raise InputError("the file is empty (nothing inside the gzip)", file=path)
    text = decode(raw, path, encoding)
    reader = csv.reader(text.splitlines(), delimiter=sniff_delimiter(text))
    try:
        grid = list(reader)
    except csv.Error as exc:  # a field over the csv module's 131,072-character limit, a NUL byte
        raise InputError(
            f"line {reader.line_num + 1} cannot be read as CSV: {exc}",
            file=path,
            row=reader.line_num + 1,
            hint="the file is damaged or not a table; export it again",
        ) from None
    for r, row in enumerate(grid, start=1):
        for c, cell in enumerate(row):
            check_cell(path, None, r, c + 1, cell)
    return grid


def _check_fields(grid: list[list[str]], layout: Layout, name: str) -> None:
    """Every data row of a CSV has as many fields as its header: a short row (a partial last line,
    a missing separator) or a long one (an unquoted ',' inside a number: 3,12) is refused, not
    padded or cut. Trailing empty fields beyond the header are allowed."""
    problems = []
    for block in layout.blocks:
        width = len(block.labels)
        for r in block.rows:
            fields = grid[r - 1] if r - 1 < len(grid) else []
            used = len(fields)
            while used > width and not fields[used - 1].strip():
                used -= 1
            if used != width and (used > 1 or width <= 2):
                what = "fewer" if used < width else "more"
                problems.append(
                    Problem(
                        f"{used} fields, {what} than the {width} of the header (row {block.header_rows[0]})",
                        name,
                        r,
                    )
                )
    if problems:
        raise InputError(
            problems,
            hint="every row needs one field per column: quote cells that hold the separator "
            '("3,12"), and check that the file is complete (not cut off)',
        )


def decode(raw: bytes, path: Path, encoding: str | None = None) -> str:
    """Text of a CSV: the given encoding, else UTF-8 (with or without BOM), else GB18030 (a superset
    of GBK and GB2312). An undecodable file names the byte offset and line and suggests --encoding."""
    tried = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for enc in tried:
        try:
            return raw.decode(enc).removeprefix("\ufeff")
        except LookupError:
            raise InputError(f"unknown encoding '{enc}'", file=path, hint="e.g. --encoding gb18030") from None
        except UnicodeDecodeError as exc:
            error = exc
    line = raw[: error.start].count(b"\n") + 1
    hint = "save the file as UTF-8, or give its encoding with --encoding"
    for other in ("utf-8-sig", "gb18030"):
        if other not in tried and _decodes(raw, other):
            hint = f"the file reads as {other.upper().removesuffix('-SIG')}: use --encoding {other.removesuffix('-sig')}"
            break
    names = " or ".join(t.removesuffix("-sig") for t in tried)
    raise InputError(
        f"cannot decode the file as {names}: byte {error.start} (line {line}) is "
        f"0x{raw[error.start]:02x}, not valid there",
        file=path,
        hint=hint,
    )


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one that splits most of the first lines into the same number
    (> 1) of fields; title lines above the table have one field under every candidate."""
    lines = [line for line in text.splitlines()[:100] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:  # an oversized field: reported when the file is read
            continue
        wide = Counter(c for c in counts if c > 1)
        if not wide:
            continue
        width, rows = max(wide.items(), key=lambda kv: (kv[1], kv[0]))
        if (rows, width) > best_score:
            best, best_score = delimiter, (rows, width)
    return best


def _find_header(grid: list[list[str]]) -> int:
    """The header row: the first naming both a unit and a year column; else the first naming a unit
    column beside year labels (``地区, 2019年, 2018年``) or beside other columns (a yearbook table
    whose year is in its title); else the first row as wide as the table."""
    units = {normalise_key(a) for a in UNIT_ALIASES}
    years = {normalise_key(a) for a in YEAR_ALIASES}
    rows = [{normalise_key(c) for c in row if c} for row in grid[:60]]
    for k, keys in enumerate(rows):
        if keys & units and keys & years:
            return k
    for k, row in enumerate(grid[:60]):
        if rows[k] & units and any(_YEAR.fullmatch(c) for c in row if c):
            return k
    for k, row in enumerate(grid[:60]):
        filled = [c for c in row if c]
        if len(filled) >= 2 and normalise_key(filled[0]) in units:
            return k
    width = max(sum(1 for c in row if c) for row in grid)
    return next(k for k, row in enumerate(grid) if sum(1 for c in row if c) == width)


def parse_number(text: object) -> float | None:
    """A float from a cell, accepting thousands separators ('1,234.5'), full-width digits and a
    trailing '%' (kept as printed); ``None`` when the cell means missing ('', '-', '—', '..', 'NA');
    raises ValueError for any other text."""
    if text is None or text is pd.NA:
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        if text != text:
            return None  # NaN is missing
        if not math.isfinite(text):
            raise ValueError(text)
        return float(text)
    t = (
        str(text)
        .strip()
        .translate(str.maketrans("０１２３４５６７８９．－＋，", "0123456789.-+,"))
        .replace("\u00a0", "")
        .replace(" ", "")
    )
    if t.casefold() in MISSING:
        return None
    if t.endswith("%"):
        t = t[:-1]
    if "," in t:
        if not _GROUPED.match(t):  # '1,5' is a decimal comma or a typo, not 15
            raise ValueError(text)
        t = t.replace(",", "")
    if not _NUMBER.match(t):
        raise ValueError(text)
    value = float(t)
    if not math.isfinite(value):  # 1e309, a 400-digit integer: not a number that can be stored
        raise ValueError(text)
    return value


def _column(columns: Iterable[str], aliases: Iterable[str]) -> str | None:
    """The column named by the earliest alias (aliases are ordered most specific first)."""
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(normalise_key(column), column)
    return next((by_key[k] for k in map(normalise_key, aliases) if k in by_key), None)


# -- indicator tables --------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorTable:
    """Validated long values and the text attribute columns of a wide table (e.g. a group column),
    with what the reader learnt about the indicators and what it left out."""

    values: pd.DataFrame  # unit_id, year, indicator_id, value (missing cells are left out)
    attributes: pd.DataFrame  # unit_id + text columns of a wide table
    custom_units: tuple[str, ...]
    layout: str  # long | wide | wide-by-year
    indicators: pd.DataFrame | None = None  # indicator_id, name_zh, name_en, unit, notes
    skipped_rows: tuple[str, ...] = ()  # rows that are not units (全国, 东部地区, 香港…): 'row 7: 全国'
    unused_columns: tuple[str, ...] = ()  # columns neither imported nor named by --ignore
    notes: tuple[str, ...] = ()  # the source's footnotes (数据来源：…, 注：…)
    remarks: tuple[str, ...] = ()  # what the reader did, e.g. a repeated block collapsed
    title: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """The long values ``unit_id, year, indicator_id, value``."""
        return self.values.copy()

    def summary(self) -> str:
        """One line: how many values, units, indicators and years."""
        v = self.values
        return (
            f"{len(v):,} values, {v.unit_id.nunique()} units, {v.indicator_id.nunique()} indicators, "
            f"years {v.year.min()}–{v.year.max()} ({self.layout} form)"
        )


@dataclass(frozen=True)
class _Roles:
    """What the user said about the columns (CLI --unit-column, --indicator, ...)."""

    indicator: str | None = None
    name_zh: str | None = None
    name_en: str | None = None
    measure_unit: str | None = None
    unit_column: str | None = None
    year_column: str | None = None
    indicator_column: str | None = None
    value_columns: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    year: int | None = None


def split_names(values: str | Iterable[str] | None) -> tuple[str, ...]:
    """``'a,b'`` or ``['a', 'b,c']`` (repeatable CLI option) as ``('a', 'b', 'c')``."""
    if values is None:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    return tuple(p.strip() for item in items for p in str(item).split(",") if p.strip())


def parse_aliases(values: str | Iterable[str] | None) -> dict[str, str]:
    """``--alias 江两=江西`` (repeatable or comma-separated) as ``{'江两': '江西'}``."""
    aliases = {}
    for item in split_names(values):
        spelling, sep, target = item.partition("=")
        if not sep or not spelling.strip() or not target.strip():
            raise InputError(f"--alias '{item}' is not SPELLING=UNIT", hint="e.g. --alias 江两=江西")
        aliases[spelling.strip()] = target.strip()
    return aliases


def read_indicator_table(
    source: str | Path | pd.DataFrame,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    known_indicators: Iterable[str] | None = None,
    custom_units: bool = False,
    resolver: UnitResolver | None = None,
    indicator: str | None = None,
    name_zh: str | None = None,
    name_en: str | None = None,
    measure_unit: str | None = None,
    unit_column: str | None = None,
    year_column: str | None = None,
    indicator_column: str | None = None,
    value_column: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    aliases: dict[str, str] | None = None,
    year: int | None = None,
) -> IndicatorTable:
    """Read and validate an indicator table; raise one InputError listing every problem (unmapped
    unit, bad year, non-numeric cell, conflicting duplicate, unknown indicator when
    ``known_indicators`` is given).

    Layouts: long (unit, year, indicator, value), wide (unit, year, one column per indicator; the
    year may instead come from ``year`` or the title, as in yearbook tables) and wide by year
    (``地区, 2019年, 2018年…`` as NBS exports it: one indicator, named by ``indicator`` or the title).
    Rows that are not units (全国, 地方合计, 东部地区, 香港…) are skipped and listed when every
    other row is a unit; metadata columns (table_no, yearbook_edition…) are never indicators.
    """
    raw = read_raw(source, sheet=sheet, header_row=header_row, encoding=encoding)
    resolver = resolver or UnitResolver()
    if aliases:
        resolver.add_aliases(aliases)
    roles = _Roles(
        indicator, name_zh, name_en, measure_unit, unit_column, year_column, indicator_column,
        split_names(value_column), split_names(ignore), year,
    )  # fmt: skip
    known = None if known_indicators is None else set(known_indicators)
    parts = [raw, *raw.blocks]
    _check_named_columns(parts, roles)
    head = _title_info(raw.title)
    problems: list[Problem] = []
    results = [
        _read_part(p, k, roles, head, resolver, custom_units, known, problems) for k, p in enumerate(parts)
    ]
    records = pd.concat([r.records for r in results], ignore_index=True)
    records = records[records.indicator != ""]
    meta: dict[str, dict[str, str | None]] = {}
    for r in results:
        for ind, m in r.meta.items():
            meta.setdefault(ind, m)
    layout = results[0].layout
    if records.empty and not problems:
        raise InputError(
            "no value columns to import"
            + (f" (--value-column {', '.join(roles.value_columns)})" if roles.value_columns else ""),
            file=raw.name,
        )
    if known is not None:
        ind_col = results[0].indicator_column
        _unknown_indicators(records, known, raw.name, layout, ind_col, problems)
    _long_ids(records, raw.name, problems)
    records, repeated = _duplicates(records, raw.name, problems)
    if len(meta) != 1 and (name_zh or name_en):
        problems.append(
            Problem(
                f"--name-zh/--name-en name one indicator, but the table holds {len(meta)}: {', '.join(meta)}",
                raw.name,
            )
        )
    if problems:
        order = {c: k for k, c in enumerate(raw.frame.columns)}
        problems.sort(key=lambda p: (p.row or 0, order.get(p.column, -1)))
        raise InputError(problems, hint="fix the cells listed above; nothing was read or imported")
    values = records.loc[records.value.notna(), ["unit", "year", "indicator", "value"]]
    values.columns = ["unit_id", "year", "indicator_id", "value"]
    if values.empty:
        raise InputError("the table holds no numeric values", file=raw.name)
    values = values.astype({"unit_id": str, "year": int, "indicator_id": str, "value": float})
    values = values.reset_index(drop=True)
    attributes = pd.concat([r.attributes for r in results], ignore_index=True)
    attributes = attributes.drop_duplicates().reset_index(drop=True)
    notes = "; ".join(raw.notes) or None
    indicators = pd.DataFrame(
        [
            {
                "indicator_id": ind,
                "name_zh": name_zh if name_zh and len(meta) == 1 else m.get("name_zh"),
                "name_en": name_en if name_en and len(meta) == 1 else m.get("name_en"),
                "unit": measure_unit or m.get("unit") or head.measure,
                "notes": notes,
            }
            for ind, m in meta.items()
            if ind in set(values.indicator_id)
        ],
        columns=["indicator_id", "name_zh", "name_en", "unit", "notes"],
    )
    return IndicatorTable(
        values,
        attributes,
        tuple(dict.fromkeys(u for r in results for u in r.custom)),
        layout,
        indicators=indicators,
        skipped_rows=tuple(s for r in results for s in r.skipped),
        unused_columns=tuple(dict.fromkeys(c for r in results for c in r.unused)),
        notes=tuple(raw.notes),
        remarks=tuple(repeated) + _other_sheets(raw),
        title=head.text,
    )


def _other_sheets(raw: RawTable) -> tuple[str, ...]:
    others = [s for s in raw.sheets if s != raw.sheet and s.strip().upper() != "CNKI"]
    if not others:
        return ()
    return (
        f"read sheet '{raw.sheet}'; the workbook also has sheet(s) {', '.join(others)} (choose with --sheet)",
    )


@dataclass(frozen=True)
class _Title:
    text: str | None = None  # the title line, as printed
    name_zh: str | None = None  # the indicator it names, table number and year removed
    name_en: str | None = None
    measure: str | None = None  # 单位：亿元 -> 亿元
    year: int | None = None  # (2014年) -> 2014, when the title names one year


_TITLE_YEAR = re.compile(r"[（(]\s*(\d{4})\s*年?\s*[)）]")
_TITLE_NUMBER = re.compile(r"^\s*(?:[0-9]+\s*[-—–]\s*[0-9]+|[一二三四五六七八九十]+、)\s*")
_MEASURE_LINE = re.compile(r"^\s*(?:计量)?单\s*位\s*[:：]\s*(.+?)\s*$")


def _title_info(lines: Iterable[str]) -> _Title:
    """Indicator name, measurement unit and year from the text rows above a published table."""
    lines = [" ".join(line.split()) for line in lines if line.strip()]
    measure = next((m.group(1) for m in map(_MEASURE_LINE.match, lines) if m), None)
    cjk = [line for line in lines if re.search(r"[\u4e00-\u9fff]", line) and not _MEASURE_LINE.match(line)]
    titled = [line for line in cjk if _TITLE_YEAR.search(line)] or cjk
    text = titled[0] if titled else None
    years = {int(y) for line in lines for y in _TITLE_YEAR.findall(line)}
    if not years:
        years = {int(y) for line in cjk for y in re.findall(r"(\d{4})\s*年", line)}
    year = years.pop() if len(years) == 1 and YEAR_RANGE[0] <= next(iter(years)) <= YEAR_RANGE[1] else None
    name_zh = None
    if text:
        name_zh = _TITLE_YEAR.sub("", _TITLE_NUMBER.sub("", text)).replace(" ", "").strip() or None
        unit = re.search(r"[（(]([^()（）\d][^()（）]*)[)）]$", name_zh or "")  # 地区生产总值(亿元)
        if unit:
            measure = measure or unit.group(1)
            name_zh = name_zh[: unit.start()] or None
    english = [line for line in lines if not re.search(r"[\u4e00-\u9fff]", line) and line[:1].isalpha()]
    name_en = _TITLE_YEAR.sub("", english[0]).strip() if english else None
    return _Title(text, name_zh, name_en, measure, year)


def _find(part: RawTable, name: str | None) -> str | None:
    """The column a user named: by its label, its English name, its header text, or its letter."""
    if not name:
        return None
    key = normalise_key(name)
    for column in part.frame.columns:
        if key in (normalise_key(column), normalise_key(part.english.get(column, ""))):
            return column
    if re.fullmatch(r"[A-Za-z]{1,2}", name):
        index = sum((ord(ch) - 64) * 26**k for k, ch in enumerate(reversed(name.upper()))) - 1
        if 0 <= index < len(part.frame.columns):
            return part.frame.columns[index]
    return None


def _check_named_columns(parts: list[RawTable], roles: _Roles) -> None:
    named = [
        ("--unit-column", roles.unit_column),
        ("--year-column", roles.year_column),
        ("--indicator-column", roles.indicator_column),
        *(("--value-column", c) for c in roles.value_columns),
        *(("--ignore", c) for c in roles.ignore),
    ]
    problems = [
        Problem(f"{option} '{name}': no such column", parts[0].name, parts[0].header_row)
        for option, name in named
        if name and not any(_find(p, name) for p in parts)
    ]
    if problems:
        columns = ", ".join(dict.fromkeys(str(c) for p in parts for c in p.frame.columns))
        raise InputError(problems, hint=f"the columns are: {columns}")


@dataclass
class _Part:
    records: pd.DataFrame
    attributes: pd.DataFrame
    meta: dict[str, dict[str, str | None]]
    custom: tuple[str, ...]
    skipped: list[str]
    unused: list[str]
    layout: str
    indicator_column: str | None


def _read_part(
    part: RawTable,
    number: int,
    roles: _Roles,
    head: _Title,
    resolver: UnitResolver,
    custom_units: bool,
    known: set[str] | None,
    problems: list[Problem],
) -> _Part:
    frame, name = part.frame, part.name
    columns = list(frame.columns)
    ignored = {c for c in (_find(part, n) for n in roles.ignore) if c}
    free = [c for c in columns if c not in ignored]
    unit_col = _find(part, roles.unit_column)
    measure_col = _measure_column(frame, [c for c in free if c != unit_col], resolver)
    rest = [c for c in free if c not in (unit_col, measure_col)]
    unit_col = unit_col or _column(rest, UNIT_ALIASES)
    rest = [c for c in rest if c != unit_col]
    year_col = _find(part, roles.year_column) or _column(rest, YEAR_ALIASES)
    rest = [c for c in rest if c != year_col]
    year_labels = {} if year_col else {c: int(m.group(1)) for c in rest if (m := _YEAR.fullmatch(c))}
    if year_labels and roles.value_columns:  # --value-column picks some of the year columns
        chosen = {_find(part, c) for c in roles.value_columns}
        year_labels = {c: y for c, y in year_labels.items() if c in chosen}
    fixed_year = roles.year or head.year
    missing = [
        w
        for w, ok in (("unit", unit_col), ("year", year_col or year_labels or (unit_col and fixed_year)))
        if not ok
    ]
    if missing:
        hint = "name the columns unit_id and year (or 地区 and 年份), or point --header-row at the header"
        if missing == ["year"]:
            hint = "name the year column (--year-column), or give the year of the whole table with --year"
        raise InputError(
            f"no {' or '.join(missing)} column; the columns are: {', '.join(map(str, columns))}",
            file=name,
            hint=hint,
        )
    units, custom, skipped = _units(
        frame[unit_col], part.rows, name, unit_col, resolver, custom_units, problems
    )
    attributes = pd.DataFrame({"unit_id": units})
    used = {unit_col, year_col, measure_col}
    pieces: list[pd.DataFrame] = []
    meta: dict[str, dict[str, str | None]] = {}
    ind_col = None
    if year_labels:
        layout = "wide-by-year"
        indicator = roles.indicator or head.name_zh
        if not indicator:
            raise InputError(
                f"the years are columns ({min(year_labels.values())}–{max(year_labels.values())}) but "
                "nothing names the indicator: the table has no title row",
                file=name,
                hint="give it with --indicator ID (and --name-zh, --name-en, --measure-unit)",
            )
        for column, y in year_labels.items():
            cells = frame[column].tolist()
            numbers, bad = _numbers(cells)
            problems.extend(_not_numbers(cells, bad, part.rows, name, column))
            pieces.append(
                _part(units, [y] * len(cells), [indicator] * len(cells), numbers, part.rows, column)
            )
            used.add(column)
        meta[indicator] = {
            "name_zh": head.name_zh if roles.indicator else indicator,
            "name_en": head.name_en,
            "unit": _measure(frame, measure_col, None, name, problems),
        }
    else:
        years = (
            _years(frame[year_col], part.rows, name, year_col, problems)
            if year_col
            else [fixed_year] * len(frame)
        )
        ind_col = _find(part, roles.indicator_column) or _column(rest, INDICATOR_ALIASES)
        val_col = None
        if ind_col:
            chosen = [_find(part, c) for c in roles.value_columns]
            val_col = (
                chosen[0] if len(chosen) == 1 else _column([c for c in rest if c != ind_col], VALUE_ALIASES)
            )
        if ind_col and val_col:
            layout = "long"
            indicators = frame[ind_col].tolist()
            for k, ind in enumerate(indicators):
                if not ind:
                    problems.append(Problem("empty indicator name", name, part.rows[k], ind_col))
            keep = [roles.indicator is None or ind == roles.indicator for ind in indicators]
            cells = frame[val_col].tolist()
            numbers, bad = _numbers(cells)
            problems.extend(_not_numbers(cells, [k for k in bad if keep[k]], part.rows, name, val_col))
            piece = _part(units, years, indicators, numbers, part.rows, val_col)
            pieces.append(piece[keep])
            if roles.indicator and not any(keep):
                problems.append(
                    Problem(f"--indicator '{roles.indicator}': no row has it in column '{ind_col}'", name)
                )
            zh_col = _column(rest, NAME_ZH_ALIASES)
            en_col = _column(rest, NAME_EN_ALIASES)
            used |= {ind_col, val_col, zh_col, en_col}
            for ind in dict.fromkeys(i for i, k in zip(indicators, keep, strict=True) if k and i):
                rows = [k for k, i in enumerate(indicators) if i == ind]
                meta[ind] = {
                    "name_zh": _first(frame, zh_col, rows),
                    "name_en": _first(frame, en_col, rows),
                    "unit": _measure(frame, measure_col, rows, name, problems, ind),
                }
        else:
            layout = "wide"
            chosen = {_find(part, c) for c in roles.value_columns} - {None}
            candidates = [c for c in rest if (c in chosen if roles.value_columns else True)]
            value_cols = []
            for column in candidates:
                if column not in chosen and _is_metadata(column) and (known is None or column not in known):
                    continue
                cells = frame[column].tolist()
                numbers, bad = _numbers(cells)
                if (
                    column not in chosen
                    and (known is None or column not in known)
                    and _is_text_column(cells, numbers, bad)
                ):
                    attributes[column] = cells
                    continue
                value_cols.append((column, cells, numbers, bad))
            if roles.indicator and len(value_cols) > 1:
                raise InputError(
                    f"--indicator names one indicator but the table has {len(value_cols)} value columns "
                    f"({', '.join(c for c, *_ in value_cols)})",
                    file=name,
                    hint="choose the column with --value-column (or leave out --indicator to import each)",
                )
            if not value_cols and not roles.value_columns and number == 0:
                raise InputError(
                    f"no indicator columns besides '{unit_col}'" + (f" and '{year_col}'" if year_col else ""),
                    file=name,
                    hint="wide form: one column per indicator; long form: indicator and value columns",
                )
            for column, cells, numbers, bad in value_cols:
                ind = roles.indicator or column
                problems.extend(_not_numbers(cells, bad, part.rows, name, column))
                pieces.append(_part(units, years, [ind] * len(cells), numbers, part.rows, column))
                used.add(column)
                zh, en = _column_names(column, part.english.get(column), head)
                meta[ind] = {
                    "name_zh": zh,
                    "name_en": en,
                    "unit": _measure(frame, measure_col, None, name, problems),
                }
    records = pd.concat(pieces, ignore_index=True) if pieces else _part([], [], [], [], [], "")
    block = dict(zip(part.rows, part.block or [0] * len(part.rows), strict=True))
    records["block"] = [number * 1000 + block.get(r, 0) for r in records.row]
    if skipped:  # the rows that are not units, and any problem in their cells, are left out
        gone = {r for r, _ in skipped}
        problems[:] = [p for p in problems if not (p.file == name and p.row in gone)]
        records = records[~records.row.isin(gone)]
        attributes = attributes[[r not in gone for r in part.rows]]
    unused = [c for c in columns if c not in used and c not in ignored]
    return _Part(
        records,
        attributes,
        meta,
        custom,
        [f"row {r}: {_CJK_GAP.sub('', t)}" for r, t in skipped],
        unused,
        layout,
        ind_col,
    )


_TOTALS = {"合计", "总计", "小计", "total", "subtotal"}


def _column_names(label: str, english: str | None, head: _Title) -> tuple[str | None, str | None]:
    """Names of a wide table's column: its label, or for a bare '合计/Total' column the table's
    title with it (国内三种专利申请授权数（合计）) — '合计' alone names nothing."""
    zh = label if re.search(r"[\u4e00-\u9fff]", label) else None
    if normalise_key(label) in _TOTALS or normalise_key(english or "") in _TOTALS:
        if head.name_zh:
            title = re.sub(r"(按地区分布|分地区|按地区|分省)", "", head.name_zh) or head.name_zh
            zh = f"{title}（{label}）"
        if head.name_en:
            title = re.sub(r"\s+by\s+(region|province)\b", "", head.name_en, flags=re.I).strip()
            english = f"{title} ({english or label})"
    return zh, english


def _measure_column(frame: pd.DataFrame, columns: list[str], resolver: UnitResolver) -> str | None:
    """The measurement-unit column. ``unit`` is one when another column holds the unit ids or none
    of its cells names a unit (a table keyed by a 'unit' column of provinces, the earlier
    convention, keeps working)."""
    column = _column(columns, MEASURE_ALIASES)
    if column is not None and normalise_key(column) == "unit":
        distinct = {c for c in frame[column] if c}
        others = [c for c in columns if c != column]
        names_units = any(resolver.resolve(c) is not None for c in distinct)
        if distinct and _column(others, UNIT_ALIASES) is None and names_units:
            return None
    return column


def _measure(
    frame: pd.DataFrame,
    column: str | None,
    rows: list[int] | None,
    name: str,
    problems: list[Problem],
    indicator: str | None = None,
) -> str | None:
    """The one measurement unit a column gives for the rows of an indicator (several: a problem)."""
    if column is None:
        return None
    cells = frame[column] if rows is None else frame[column].iloc[rows]
    distinct = list(dict.fromkeys(c for c in cells if c))
    if len(distinct) > 1:
        what = f"indicator '{indicator}'" if indicator else "the table"
        problems.append(
            Problem(
                f"{what} has {len(distinct)} measurement units: {', '.join(distinct[:5])}", name, None, column
            )
        )
    return distinct[0] if distinct else None


def _first(frame: pd.DataFrame, column: str | None, rows: list[int]) -> str | None:
    if column is None:
        return None
    return next((c for c in frame[column].iloc[rows] if c), None)


def _is_metadata(column: str) -> bool:
    key = normalise_key(column)
    return key in {normalise_key(a) for a in METADATA_ALIASES} or str(column).casefold().endswith(
        _METADATA_SUFFIXES
    )


def _units(
    cells: pd.Series,
    rows: list[int],
    name: str,
    column: str,
    resolver: UnitResolver,
    custom_units: bool,
    problems: list[Problem],
) -> tuple[list[str | None], tuple[str, ...], list[tuple[int, str]]]:
    """Unit ids of a column, its custom units, and the rows skipped as not units (全国, 东部地区,
    香港…). They are skipped when the table is mostly units (other unknown names are still
    problems, so a source's OCR defects stand out); otherwise they are listed as problems too."""
    units: list[str | None] = []
    custom: dict[str, None] = {}
    pending: list[Problem] = []
    skipped: list[tuple[int, str]] = []
    others = 0
    for text, row in zip(cells, rows, strict=True):
        found = resolver.resolve(text) if text else None
        if found is None and text and custom_units:
            custom[text] = None
            found = text
        if found is None:
            key = normalise_key(text)
            if text and key in NON_UNIT_ROWS:
                skipped.append((row, text))
            else:
                others += 1
            if not text:
                message = "empty unit"
            elif key in NATIONAL_TOTALS:
                message = f"'{text}' is a national total, not a province; delete the row"
            else:
                message = (
                    f"unit '{text}' is not a province (Chinese/English name, abbreviation or GB/T 2260 "
                    "code) nor an ISO3 country code"
                )
                guesses = [] if key in NON_UNIT_ROWS else resolver.suggest(text)
                if guesses:
                    shown = " or ".join(f"{n} ({u})" for n, u in guesses)
                    message += f"; did you mean {shown}? If so, accept it with --alias {text.replace(' ', '')}={guesses[0][0]}"
            pending.append(Problem(message, name, row, column))
        units.append(found)
    resolved = sum(u is not None for u in units)
    if others >= resolved or not resolved:
        problems.extend(pending)
        return units, tuple(custom), []
    gone = {r for r, _ in skipped}
    problems.extend(p for p in pending if p.row not in gone)
    return units, tuple(custom), skipped


def _years(
    cells: pd.Series, rows: list[int], name: str, column: str, problems: list[Problem]
) -> list[int | None]:
    years: list[int | None] = []
    for text, row in zip(cells, rows, strict=True):
        match = _YEAR.fullmatch(text)
        year = int(match.group(1)) if match else None
        if year is None or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
            problems.append(Problem(f"year '{text}' is not a four-digit year", name, row, column))
            year = None
        years.append(year)
    return years


def _part(
    units: list[str | None],
    years: list[int | None],
    indicators: list[str],
    numbers: list[float | None],
    rows: list[int],
    column: str,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit": pd.Series(units, dtype=object),
            "year": pd.Series(years, dtype="Int64"),
            "indicator": pd.Series(indicators, dtype=object).astype(str),
            "value": pd.Series(numbers, dtype=float),
            "row": rows,
            "column": column,
        }
    )


def _numbers(cells: list[str]) -> tuple[list[float | None], list[int]]:
    """A column's numbers (None = missing) and the positions of cells that are not numbers, with
    the column's separator rule (:func:`silkscope.io.numbers.separator_rule`). Plain numbers go
    through ``float`` (correctly rounded, unlike pandas' fast parser); infinities are refused."""
    commas = any("," in c or "\uff0c" in c for c in cells)
    rule = separator_rule(cells) if commas else SeparatorRule()
    numbers: list[float | None] = []
    bad: list[int] = []
    for k, cell in enumerate(cells):
        if rule.decimal == "." or "." not in cell:
            try:
                value = float(cell)
                if value - value == 0 and "_" not in cell:  # finite, and not '1_000'
                    numbers.append(value)
                    continue
            except ValueError:
                pass
        t = clean(cell)
        if t.casefold() in MISSING:
            numbers.append(None)
            continue
        try:
            if rule.conflict and "," in t:
                raise ValueError(cell)
            numbers.append(to_number(cell, rule))
        except ValueError:
            numbers.append(None)
            bad.append(k)
    return numbers, bad


def _not_numbers(cells: list[str], bad: list[int], rows: list[int], name: str, column: str) -> list[Problem]:
    if not bad:
        return []
    rule = separator_rule(cells)
    return [Problem(problem_text(cells[k], rule), name, rows[k], column) for k in bad]


def _long_ids(records: pd.DataFrame, name: str, problems: list[Problem]) -> None:
    """Unit and indicator ids longer than :data:`MAX_ID_CHARS`, or holding a control character
    (NUL, a tab, a line break: damage, and invisible in every table) are refused (once per id)."""
    for what, column in (("unit", "unit"), ("indicator", "indicator")):
        ids = records[column].dropna().astype(str)
        for text in dict.fromkeys(ids[ids.str.contains(_CONTROL)]):
            row = int(records.loc[records[column] == text, "row"].iloc[0])
            shown = text[:40].encode("unicode_escape").decode("ascii")
            problems.append(
                Problem(
                    f"{what} id '{shown}' holds a control character",
                    name,
                    row,
                    None if what == "indicator" else column,
                )
            )
        for text in dict.fromkeys(ids[ids.str.len() > MAX_ID_CHARS]):
            row = int(records.loc[records[column] == text, "row"].iloc[0])
            problems.append(
                Problem(
                    f"{what} id '{text[:40]}…' has {len(text):,} characters; ids are at most {MAX_ID_CHARS}",
                    name,
                    row,
                    None if what == "indicator" else column,
                )
            )


def _unknown_indicators(
    records: pd.DataFrame,
    known: set[str],
    name: str,
    layout: str,
    ind_col: str | None,
    problems: list[Problem],
) -> None:
    unknown = records[~records.indicator.isin(known)]
    for indicator, group in unknown.groupby("indicator", sort=False):
        more = f" (and {len(group) - 1} more rows)" if layout == "long" and len(group) > 1 else ""
        problems.append(
            Problem(
                f"unknown indicator '{indicator}'{more}: not in the framework or the workspace",
                name,
                int(group.row.iloc[0]) if layout == "long" else None,
                ind_col if layout == "long" else str(indicator),
            )
        )


def _duplicates(records: pd.DataFrame, name: str, problems: list[Problem]) -> tuple[pd.DataFrame, list[str]]:
    """Records without the copies a repeated block adds (same value, another block: collapsed, with a
    remark); any other second value for a (unit, year, indicator) is a problem naming both cells."""
    keys = ["unit", "year", "indicator"]
    valid = records[records.unit.notna() & records.year.notna()]
    repeated = valid.duplicated(keys, keep="first")
    if not repeated.any():
        return records, []
    firsts = valid[~repeated].set_index(keys)
    drop, remarks = [], []
    for index, r in zip(valid.index[repeated], valid[repeated].itertuples(index=False), strict=True):
        first = firsts.loc[(r.unit, r.year, r.indicator)]
        same = (pd.isna(first.value) and pd.isna(r.value)) or first.value == r.value
        if same and first.block != r.block:
            drop.append(index)
            continue
        where = f" in column '{first.column}'" if first.column != r.column else ""
        problems.append(
            Problem(
                f"duplicate value for unit {r.unit}, year {r.year}, indicator '{r.indicator}' "
                f"(also on row {first.row}){where}: {_shown(first.value)} there, {_shown(r.value)} here",
                name,
                r.row,
                r.column,
            )
        )
    if drop:
        gone = records.loc[drop]
        remarks.append(
            f"{len(gone):,} values on rows {gone.row.min()}–{gone.row.max()} repeat the table's earlier "
            "block verbatim; kept once"
        )
    return records.drop(index=drop), remarks


def _shown(value: float) -> str:
    return "empty" if pd.isna(value) else f"{value:g}"


def _is_text_column(cells: list[str], numbers: list[float | None], bad: list[int]) -> bool:
    """A wide column is a text attribute (e.g. a region group) when most of its non-empty cells are
    words; a numeric column with a few bad cells, or with cells that look like mistyped numbers
    ('1,5', '1.2.3'), is kept so they are reported."""
    numberish = sum(1 for k in bad if _NUMBERISH.match(cells[k]))
    good = sum(1 for v in numbers if v is not None)
    return len(bad) - numberish > good + numberish


def read_values(
    data: str | Path | pd.DataFrame, *, with_attributes: bool = False, **options
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Values for an index build from ``--data`` (a file or a DataFrame): long or wide, any supported
    format; ids that are neither provinces nor ISO3 countries are kept as custom units."""
    options.setdefault("custom_units", True)
    table = read_indicator_table(data, **options)
    return (table.values, table.attributes) if with_attributes else table.values
