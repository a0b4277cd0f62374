"""Reading indicator tables as statisticians send them: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030;
comma, semicolon or tab), Excel workbooks with title rows above the header, and Parquet; in long
form (unit, year, indicator, value) or wide form (unit, year, one column per indicator).

Every problem is collected with its file, spreadsheet row (1-based, as Excel shows it) and column,
and reported together in one :class:`~silkscope.errors.InputError`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from silkscope.errors import InputError, Problem
from silkscope.reference import UnitResolver, normalise_key

UNIT_ALIASES = (
    "unit_id",
    "unit",
    "province",
    "region",
    "country",
    "area",
    "地区",
    "省份",
    "省份名称",
    "地区名称",
    "省",
    "省市",
    "地区代码",
    "单位",
    "国家",
)
YEAR_ALIASES = ("year", "年份", "年", "年度", "time", "t")
INDICATOR_ALIASES = ("indicator_id", "indicator", "指标", "指标代码", "指标名称", "variable")
VALUE_ALIASES = ("value", "数值", "值", "指标值")
MISSING = {"", "-", "—", "–", "..", "...", "…", "na", "n/a", "nan", "null", "none", "#n/a", "#null!"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class RawTable:
    """Cells as text with the spreadsheet row number of each data row."""

    path: Path
    frame: pd.DataFrame  # all cells as str, header applied
    rows: list[int]  # spreadsheet row number of each frame row


def read_table(
    path: str | Path,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
) -> RawTable:
    """Read CSV/Excel/Parquet into text cells, locating the header row (``header_row`` is 1-based)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = pd.read_parquet(path)
        if frame.empty:
            raise InputError("the file holds no rows", file=path)
        return RawTable(
            path, frame.astype(object).where(frame.notna(), "").astype(str), list(range(2, len(frame) + 2))
        )
    if suffix in (".xlsx", ".xlsm"):
        grid = _excel_grid(path, sheet, header_row)
    elif suffix in (".csv", ".txt", ".tsv"):
        grid = _csv_grid(path, encoding)
    else:
        raise InputError(f"unsupported file type '{suffix}'; expected .csv, .xlsx or .parquet", file=path)
    grid = [row for row in grid]
    if not any(any(c.strip() for c in row) for row in grid):
        raise InputError("the file is empty (no cells with content)", file=path)
    head = (header_row - 1) if header_row else _find_header(grid)
    if head >= len(grid):
        raise InputError(
            f"header row {header_row} is past the end of the table ({len(grid)} rows)", file=path
        )
    header = [c.strip() for c in grid[head]]
    width = max(i + 1 for i, c in enumerate(header) if c) if any(header) else 0
    header = header[:width]
    blank = [i for i, c in enumerate(header) if not c]
    if blank:
        raise InputError(
            f"header row {head + 1} has empty column name(s) at position(s) {', '.join(str(i + 1) for i in blank)}",
            file=path,
            hint="give every column a name, or say which row holds the header (--header-row)",
        )
    data, rows = [], []
    for k, row in enumerate(grid[head + 1 :], start=head + 2):
        cells = (list(row) + [""] * width)[:width]
        if any(c.strip() for c in cells):
            data.append([c.strip() for c in cells])
            rows.append(k)
    if not data:
        raise InputError("the table has a header but no data rows", file=path)
    return RawTable(path, pd.DataFrame(data, columns=header), rows)


def _csv_grid(path: Path, encoding: str | None) -> list[list[str]]:
    raw = path.read_bytes()
    if not raw.strip():
        raise InputError("the file is empty", file=path)
    text = None
    tried = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for enc in tried:
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError as exc:
            last = exc
        except LookupError:
            raise InputError(f"unknown encoding '{enc}'", file=path) from None
    if text is None:
        line = raw[: last.start].count(b"\n") + 1
        raise InputError(
            f"cannot decode the file as {' or '.join(tried)}: byte {last.start} (line {line}) is invalid",
            file=path,
            hint="save it as UTF-8, or give the encoding with --encoding",
        )
    sample = "\n".join(text.splitlines()[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _excel_grid(path: Path, sheet: str | int | None, header_row: int | None) -> list[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises several types for damaged files
        raise InputError(f"cannot open the workbook: {exc}", file=path) from exc
    if sheet is None:
        ws = book.worksheets[0]
    elif isinstance(sheet, int) or str(sheet).isdigit():
        index = int(sheet)
        if not 0 <= index < len(book.worksheets):
            raise InputError(
                f"sheet {index} does not exist; the workbook has {len(book.worksheets)} sheet(s)", file=path
            )
        ws = book.worksheets[index]
    elif sheet in book.sheetnames:
        ws = book[sheet]
    else:
        raise InputError(f"no sheet named '{sheet}'; sheets: {', '.join(book.sheetnames)}", file=path)
    grid = [["" if v is None else _cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    head = (header_row - 1) if header_row else _find_header(grid) if grid else 0
    for merged in ws.merged_cells.ranges:
        if merged.min_row <= head + 1 <= merged.max_row:
            raise InputError(
                f"merged cells {merged.coord} in the header row {head + 1} of sheet '{ws.title}'",
                file=path,
                hint="unmerge the header cells so each column has its own name, or point --header-row at a plain row",
            )
    return grid


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _find_header(grid: list[list[str]]) -> int:
    """The first row naming both a unit and a year column; else the first row as wide as the table."""
    units = {normalise_key(a) for a in UNIT_ALIASES}
    years = {normalise_key(a) for a in YEAR_ALIASES}
    for k, row in enumerate(grid[:50]):
        keys = {normalise_key(c) for c in row if str(c).strip()}
        if keys & units and keys & years:
            return k
    width = max(sum(1 for c in row if str(c).strip()) for row in grid)
    return next(k for k, row in enumerate(grid) if sum(1 for c in row if str(c).strip()) == width)


def parse_number(text: str) -> float | None:
    """A float from a cell, accepting thousands separators and full-width digits; ``None`` when the
    cell means missing ('', '-', '..', 'NA', ...); raises ValueError for any other text."""
    t = (
        text.strip()
        .translate(str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+"))
        .replace("\u00a0", "")
    )
    if t.lower() in MISSING:
        return None
    t = t.replace(",", "").replace(" ", "").replace("'", "")
    if t.endswith("%"):
        t = t[:-1]
    if not _NUMBER.match(t):
        raise ValueError(text)
    return float(t)


def _column(frame: pd.DataFrame, aliases: Iterable[str]) -> str | None:
    keys = {normalise_key(a): a for a in aliases}
    for column in frame.columns:
        if normalise_key(column) in keys:
            return column
    return None


@dataclass(frozen=True)
class IndicatorTable:
    """Validated long values and the text attribute columns of a wide table (e.g. a group)."""

    values: pd.DataFrame  # unit_id, year, indicator_id, value
    attributes: pd.DataFrame  # unit_id + text columns
    custom_units: tuple[str, ...]
    layout: str  # long | wide


def read_indicator_table(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    known_indicators: set[str] | None = None,
    custom_units: bool = False,
    resolver: UnitResolver | None = None,
) -> IndicatorTable:
    """Read and validate an indicator table; raise one InputError listing every problem."""
    raw = read_table(path, sheet=sheet, header_row=header_row, encoding=encoding)
    frame, name = raw.frame, raw.path.name
    resolver = resolver or UnitResolver()
    unit_col = _column(frame, UNIT_ALIASES)
    year_col = _column(frame, YEAR_ALIASES)
    missing = [what for what, col in (("unit", unit_col), ("year", year_col)) if col is None]
    if missing:
        raise InputError(
            f"no {' or '.join(missing)} column; columns are: {', '.join(map(str, frame.columns))}",
            file=raw.path,
            hint=f"name the columns e.g. {UNIT_ALIASES[0]} / {YEAR_ALIASES[0]} (or 地区 / 年份)",
        )
    problems: list[Problem] = []
    units: list[str | None] = []
    custom: dict[str, None] = {}
    for text, row in zip(frame[unit_col], raw.rows, strict=True):
        found = resolver.resolve(text) if text else None
        if found is None and text and custom_units:
            found = text.strip()
            custom[found] = None
        if found is None:
            problems.append(
                Problem(
                    f"unit '{text}' is not a province (name, abbreviation or GB/T 2260 code) nor an ISO3 code",
                    name,
                    row,
                    unit_col,
                )
            )
        units.append(found)
    years: list[int | None] = []
    for text, row in zip(frame[year_col], raw.rows, strict=True):
        match = re.fullmatch(r"\s*(\d{4})(\.0)?\s*年?\s*", text)
        if not match:
            problems.append(Problem(f"year '{text}' is not a four-digit year", name, row, year_col))
            years.append(None)
        else:
            years.append(int(match.group(1)))
    ind_col, val_col = _column(frame, INDICATOR_ALIASES), _column(frame, VALUE_ALIASES)
    records: list[tuple[str | None, int | None, str, float | None, int, str]] = []
    attributes = pd.DataFrame({"unit_id": units})
    if ind_col and val_col:
        layout = "long"
        for k, row in enumerate(raw.rows):
            records.append(
                (
                    units[k],
                    years[k],
                    frame[ind_col].iloc[k],
                    _value(frame[val_col].iloc[k], name, row, val_col, problems),
                    row,
                    val_col,
                )
            )
    else:
        layout = "wide"
        for column in [c for c in frame.columns if c not in (unit_col, year_col)]:
            cells = frame[column]
            if _is_text_column(cells):
                attributes[column] = cells.to_numpy()
                continue
            for k, row in enumerate(raw.rows):
                records.append(
                    (units[k], years[k], str(column), _value(cells.iloc[k], name, row, column), row, column)
                )
    if known_indicators is not None:
        unknown = sorted({r[2] for r in records} - set(known_indicators))
        for ind in unknown:
            first = next(r for r in records if r[2] == ind)
            where = first[5] if layout == "wide" else ind_col
            problems.append(
                Problem(
                    f"unknown indicator '{ind}' (not in the framework or the workspace)",
                    name,
                    first[4],
                    where,
                )
            )
    seen: dict[tuple[str, int, str], int] = {}
    for unit, year, ind, _, row, column in records:
        if unit is None or year is None:
            continue
        key = (unit, year, ind)
        if key in seen:
            problems.append(
                Problem(
                    f"duplicate value for unit {unit}, year {year}, indicator '{ind}' (also on row {seen[key]})",
                    name,
                    row,
                    column,
                )
            )
        else:
            seen[key] = row
    if problems:
        raise InputError(problems, hint="fix the rows listed above; nothing was imported")
    values = pd.DataFrame(
        [(u, y, i, v) for u, y, i, v, _, _ in records if v is not None],
        columns=["unit_id", "year", "indicator_id", "value"],
    )
    if values.empty:
        raise InputError("the table holds no numeric values", file=raw.path)
    values["year"] = values["year"].astype(int)
    return IndicatorTable(values, attributes.drop_duplicates().reset_index(drop=True), tuple(custom), layout)


def _value(
    text: str, name: str, row: int, column: str, problems: list[Problem] | None = None
) -> float | None:
    try:
        return parse_number(str(text))
    except ValueError:
        problem = Problem(f"'{text}' is not a number", name, row, column)
        if problems is None:
            raise InputError(problem) from None
        problems.append(problem)
        return None


def _is_text_column(cells: pd.Series) -> bool:
    """A wide column is a text attribute when most of its non-empty cells are not numbers."""
    bad = good = 0
    for text in cells:
        try:
            good += parse_number(str(text)) is not None
        except ValueError:
            bad += 1
    return bad > good


def read_values(
    data: str | Path, *, with_attributes: bool = False, **options
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Values for an index build from ``--data``: long or wide, any supported format; ids that are
    neither provinces nor ISO3 countries are kept as custom units."""
    options.setdefault("custom_units", True)
    table = read_indicator_table(data, **options)
    return (table.values, table.attributes) if with_attributes else table.values
