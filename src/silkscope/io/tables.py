"""Reading indicator tables as statisticians send them: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030;
comma, semicolon or tab), Excel workbooks with title and notes rows around the table, and Parquet;
in long form (unit, year, indicator, value) or wide form (unit, year, one column per indicator).

Every problem is collected with its file, spreadsheet row (1-based, as Excel shows it) and column,
and reported together in one :class:`~silkscope.errors.InputError`.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from silkscope.errors import InputError, Problem
from silkscope.io.excel import read_sheet
from silkscope.io.layout import Block, Layout, parse_grid
from silkscope.io.layout import _check_columns as check_columns
from silkscope.reference import UnitResolver, normalise_key

# Column aliases, most specific first: the first alias that names a column wins.
UNIT_ALIASES = (
    "unit_id",
    "province_code",
    "province",
    "province_zh",
    "province_name",
    "province_en",
    "region_code",
    "region_zh",
    "region_en",
    "unit_zh",
    "unit_code",
    "region",
    "country",
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
        "national total", "total", "hong kong", "macao", "macau", "taiwan",
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
    try:
        return pd.Series([parse_number(c) for c in cells], index=cells.index, dtype=float)
    except ValueError:
        return None


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
            raise InputError(f"cannot read the Parquet file: {exc}", file=path) from exc
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
    return _layout_table(parse_grid(grid, path.name, header_row, _find_header), path.name)


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

        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(f"cannot decompress the gzip file: {exc}", file=path) from exc
        if not raw.strip():
            raise InputError("the file is empty (nothing inside the gzip)", file=path)
    text = decode(raw, path, encoding)
    return list(csv.reader(text.splitlines(), delimiter=sniff_delimiter(text)))


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
        counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
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
        return None if text != text else float(text)  # NaN is missing
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
    return float(t)


def _column(columns: Iterable[str], aliases: Iterable[str]) -> str | None:
    """The column named by the earliest alias (aliases are ordered most specific first)."""
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(normalise_key(column), column)
    return next((by_key[k] for k in map(normalise_key, aliases) if k in by_key), None)


# -- indicator tables --------------------------------------------------------------------------------
@dataclass(frozen=True)
class IndicatorTable:
    """Validated long values and the text attribute columns of a wide table (e.g. a group column)."""

    values: pd.DataFrame  # unit_id, year, indicator_id, value (missing cells are left out)
    attributes: pd.DataFrame  # unit_id + text columns of a wide table
    custom_units: tuple[str, ...]
    layout: str  # long | wide

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


def read_indicator_table(
    source: str | Path | pd.DataFrame,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    known_indicators: Iterable[str] | None = None,
    custom_units: bool = False,
    resolver: UnitResolver | None = None,
) -> IndicatorTable:
    """Read and validate an indicator table in long or wide form; raise one InputError listing every
    problem (unmapped unit, bad year, non-numeric cell, duplicate (unit, year, indicator), unknown
    indicator when ``known_indicators`` is given)."""
    raw = read_raw(source, sheet=sheet, header_row=header_row, encoding=encoding)
    frame, name = raw.frame, raw.name
    resolver = resolver or UnitResolver()
    known = None if known_indicators is None else set(known_indicators)
    unit_col = _column(frame.columns, UNIT_ALIASES)
    year_col = _column(frame.columns, YEAR_ALIASES)
    missing = [what for what, col in (("unit", unit_col), ("year", year_col)) if col is None]
    if missing:
        raise InputError(
            f"no {' or '.join(missing)} column; the columns are: {', '.join(map(str, frame.columns))}",
            file=name,
            hint="name the columns unit_id and year (or 地区 and 年份), or point --header-row at the header",
        )
    problems: list[Problem] = []
    units, custom = _units(frame[unit_col], raw.rows, name, unit_col, resolver, custom_units, problems)
    years = _years(frame[year_col], raw.rows, name, year_col, problems)
    ind_col = _column(frame.columns, INDICATOR_ALIASES)
    val_col = _column(frame.columns, VALUE_ALIASES)
    attributes = pd.DataFrame({"unit_id": units})
    parts: list[pd.DataFrame] = []
    if ind_col and val_col:
        layout = "long"
        indicators = frame[ind_col].tolist()
        for k, indicator in enumerate(indicators):
            if not indicator:
                problems.append(Problem("empty indicator name", name, raw.rows[k], ind_col))
        cells = frame[val_col].tolist()
        numbers, bad = _numbers(cells)
        problems.extend(_not_numbers(cells, bad, raw.rows, name, val_col))
        parts.append(_part(units, years, indicators, numbers, raw.rows, val_col))
    else:
        layout = "wide"
        others = [c for c in frame.columns if c not in (unit_col, year_col)]
        if not others:
            raise InputError(
                f"no indicator columns besides '{unit_col}' and '{year_col}'",
                file=name,
                hint="wide form: one column per indicator; long form: indicator and value columns",
            )
        for column in others:
            cells = frame[column].tolist()
            numbers, bad = _numbers(cells)
            if (known is None or column not in known) and _is_text_column(cells, numbers, bad):
                attributes[column] = cells
                continue
            problems.extend(_not_numbers(cells, bad, raw.rows, name, column))
            parts.append(_part(units, years, [column] * len(cells), numbers, raw.rows, column))
    records = pd.concat(parts, ignore_index=True)
    records = records[records.indicator != ""]
    if known is not None:
        _unknown_indicators(records, known, name, layout, ind_col, problems)
    _duplicates(records, name, problems)
    if problems:
        order = {c: k for k, c in enumerate(frame.columns)}
        problems.sort(key=lambda p: (p.row or 0, order.get(p.column, -1)))
        raise InputError(problems, hint="fix the cells listed above; nothing was read or imported")
    values = records.loc[records.value.notna(), ["unit", "year", "indicator", "value"]]
    values.columns = ["unit_id", "year", "indicator_id", "value"]
    if values.empty:
        raise InputError("the table holds no numeric values", file=name)
    values = values.astype({"unit_id": str, "year": int, "indicator_id": str, "value": float})
    values = values.reset_index(drop=True)
    attributes = attributes.drop_duplicates().reset_index(drop=True)
    return IndicatorTable(values, attributes, custom, layout)


def _units(
    cells: pd.Series,
    rows: list[int],
    name: str,
    column: str,
    resolver: UnitResolver,
    custom_units: bool,
    problems: list[Problem],
) -> tuple[list[str | None], tuple[str, ...]]:
    units: list[str | None] = []
    custom: dict[str, None] = {}
    for text, row in zip(cells, rows, strict=True):
        found = resolver.resolve(text) if text else None
        if found is None and text and custom_units:
            custom[text] = None
            found = text
        if found is None:
            if not text:
                message = "empty unit"
            elif normalise_key(text) in NATIONAL_TOTALS:
                message = f"'{text}' is a national total, not a province; delete the row"
            else:
                message = (
                    f"unit '{text}' is not a province (Chinese/English name, abbreviation or GB/T 2260 "
                    "code) nor an ISO3 country code"
                )
            problems.append(Problem(message, name, row, column))
        units.append(found)
    return units, tuple(custom)


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
    """A column's numbers (None = missing) and the positions of cells that are not numbers. Plain
    numbers go through ``float`` (correctly rounded, unlike pandas' fast parser), the rest through
    :func:`parse_number`."""
    numbers: list[float | None] = []
    bad: list[int] = []
    for k, cell in enumerate(cells):
        try:
            value = float(cell)
            if value - value == 0 and "_" not in cell:  # finite, and not '1_000'
                numbers.append(value)
                continue
        except ValueError:
            pass
        try:
            numbers.append(parse_number(cell))
        except ValueError:
            numbers.append(None)
            bad.append(k)
    return numbers, bad


def _not_numbers(cells: list[str], bad: list[int], rows: list[int], name: str, column: str) -> list[Problem]:
    return [Problem(f"'{cells[k]}' is not a number", name, rows[k], column) for k in bad]


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


def _duplicates(records: pd.DataFrame, name: str, problems: list[Problem]) -> None:
    keys = ["unit", "year", "indicator"]
    valid = records[records.unit.notna() & records.year.notna()]
    repeated = valid.duplicated(keys, keep="first")
    if not repeated.any():
        return
    first = valid.groupby(keys, sort=False).row.transform("first")
    for r, also in zip(valid[repeated].itertuples(index=False), first[repeated], strict=True):
        problems.append(
            Problem(
                f"duplicate value for unit {r.unit}, year {r.year}, indicator '{r.indicator}' "
                f"(also on row {also})",
                name,
                r.row,
                r.column,
            )
        )


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
