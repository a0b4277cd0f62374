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
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from silkscope.errors import InputError, Problem
from silkscope.reference import UnitResolver, normalise_key

# Column aliases, most specific first: the first alias that names a column wins.
UNIT_ALIASES = (
    "unit_id",
    "province",
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
MISSING = {"", "-", "—", "–", "--", "..", "...", "…", "na", "n/a", "nan", "null", "none", "#n/a", "#null!"}
NOTE_MARKERS = ("注", "说明", "备注", "资料来源", "数据来源", "来源", "note", "source", "*")
NATIONAL_TOTALS = {"全国", "全国合计", "合计", "总计", "中国", "national", "total", "china"}
DELIMITERS = (",", ";", "\t")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_NUMBERISH = re.compile(r"^(?=.*\d)[\d\s.,'%+\-eE]+$")
_YEAR = re.compile(r"\s*(\d{4})(\.0+)?\s*年?\s*")
YEAR_RANGE = (1800, 2200)


@dataclass(frozen=True)
class RawTable:
    """Cells as text with the spreadsheet row number of each data row."""

    name: str  # file name (or '<data frame>') used in problem messages
    frame: pd.DataFrame  # all cells as stripped str, header applied
    rows: list[int]  # spreadsheet row number of each frame row


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
    if suffix in (".xlsx", ".xlsm"):
        grid = _excel_grid(path, sheet, header_row)
    elif suffix == ".xls":
        raise InputError(
            "the old .xls format is not read",
            file=path,
            hint="open it in Excel/LibreOffice and save as .xlsx",
        )
    elif suffix in (".csv", ".txt", ".tsv"):
        if sheet is not None:
            raise InputError("a CSV file has no sheets; --sheet is for Excel workbooks", file=path)
        grid = _csv_grid(path, encoding, compressed)
    else:
        raise InputError(f"unsupported file type '{suffix}'; expected .csv, .xlsx or .parquet", file=path)
    return _grid_table(grid, path, header_row)


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


def _grid_table(grid: list[list[str]], path: Path, header_row: int | None) -> RawTable:
    grid = [[c.strip() for c in row] for row in grid]
    if not any(any(row) for row in grid):
        raise InputError("the file is empty (no cells with content)", file=path)
    head = (header_row - 1) if header_row else _find_header(grid)
    if head >= len(grid) or not any(grid[head]):
        raise InputError(
            f"header row {head + 1} is empty or past the end of the table ({len(grid)} rows)",
            file=path,
            hint="point --header-row at the row holding the column names",
        )
    header = grid[head]
    width = max(i + 1 for i, c in enumerate(header) if c)
    header = header[:width]
    _check_columns(header, path.name, head + 1)
    data, rows = [], []
    after_blank = False
    for k, row in enumerate(grid[head + 1 :], start=head + 2):
        cells = (row + [""] * width)[:width]
        filled = [c for c in row if c]
        if not filled:
            after_blank = True
            continue
        if len(filled) == 1 and width > 2 and cells[0] and (after_blank or _is_note(cells[0])):
            continue  # a footnote such as '注：…' or '资料来源：…' in the first column, no values
        data.append(cells)
        rows.append(k)
        after_blank = False
    if not data:
        raise InputError(f"the table has a header (row {head + 1}) but no data rows", file=path)
    return RawTable(path.name, pd.DataFrame(data, columns=header), rows)


def _is_note(text: str) -> bool:
    folded = text.casefold()
    return any(folded.startswith(m) for m in NOTE_MARKERS)


def _check_columns(header: Sequence[str], name: str, row: int) -> None:
    problems = [
        Problem(f"column {_letter(i)} has no name", name, row, None) for i, c in enumerate(header) if not c
    ]
    seen: dict[str, int] = {}
    for i, c in enumerate(header):
        if c and c in seen:
            problems.append(
                Problem(
                    f"column name '{c}' appears twice ({_letter(seen[c])} and {_letter(i)})", name, row, c
                )
            )
        seen.setdefault(c, i)
    if problems:
        raise InputError(
            problems, hint="give every column its own name, or say which row holds the header (--header-row)"
        )


def _letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


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


def _excel_grid(path: Path, sheet: str | int | None, header_row: int | None) -> list[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises several types for damaged files
        raise InputError(f"cannot open the workbook: {exc}", file=path) from exc
    if sheet is None:
        ws = book.worksheets[0]
    elif str(sheet) in book.sheetnames:  # a sheet named '2018' is found by name first
        ws = book[str(sheet)]
    elif isinstance(sheet, int) or str(sheet).isdigit():
        index = int(sheet)
        if not 0 <= index < len(book.worksheets):
            raise InputError(
                f"sheet {index} does not exist; the workbook has {len(book.worksheets)} sheet(s) "
                f"({', '.join(book.sheetnames)}), numbered from 0",
                file=path,
            )
        ws = book.worksheets[index]
    else:
        raise InputError(f"no sheet named '{sheet}'; sheets: {', '.join(book.sheetnames)}", file=path)
    grid = [["" if v is None else _cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    if not any(any(c.strip() for c in row) for row in grid):
        raise InputError(f"sheet '{ws.title}' is empty (no cells with content)", file=path)
    head = (header_row - 1) if header_row else _find_header([[c.strip() for c in r] for r in grid])
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= head + 1 <= merged.max_row:
            raise InputError(
                f"merged cells {merged.coord} in the header row {head + 1} of sheet '{ws.title}'",
                file=path,
                row=head + 1,
                hint="unmerge the header cells so each column has its own name (one header row), "
                "or point --header-row at a plain row",
            )
    return grid


def _cell_text(value: object) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _find_header(grid: list[list[str]]) -> int:
    """The first row naming both a unit and a year column; else the first row as wide as the table."""
    units = {normalise_key(a) for a in UNIT_ALIASES}
    years = {normalise_key(a) for a in YEAR_ALIASES}
    for k, row in enumerate(grid[:50]):
        keys = {normalise_key(c) for c in row if c}
        if keys & units and keys & years:
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
