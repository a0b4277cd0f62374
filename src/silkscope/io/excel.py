"""Cells of one worksheet from an Excel workbook: .xlsx/.xlsm (openpyxl) or the old BIFF .xls (xlrd),
including .xls files "encrypted" with Excel's default read password ``VelvetSweatshop`` — the way the
CNKI yearbook database ships NBS tables. msoffcrypto-tool removes that protection in memory; the
file on disk is never changed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from silkscope.errors import InputError

# Excel opens files protected with this password without asking (MS-OFFCRYPTO, "default password").
DEFAULT_PASSWORD = "VelvetSweatshop"
#: Bounds on what is read from one sheet. A cell holds at most 32,767 characters in Excel itself
#: ("Excel specifications and limits"), so a longer one is damage, not data. The grid is laid out by
#: the cells that hold something (not the sheet's declared dimension, which one stray or formatted
#: cell can push to XFD1048576); 2,000 columns and 5 million grid cells are far above any indicator
#: table (a world table of 250 countries by 60 years has 15,000) and keep memory under ~0.5 GB.
MAX_CELL_CHARS = 32_767
MAX_COLUMNS = 2_000
MAX_GRID_CELLS = 5_000_000


@dataclass(frozen=True)
class Sheet:
    """One worksheet as text cells (``''`` for empty) and its merged ranges (0-based, half-open)."""

    name: str
    grid: list[list[str]]
    merged: list[tuple[int, int, int, int]]  # (first row, row after, first column, column after)
    sheet_names: tuple[str, ...]


def cell_text(value: object) -> str:
    """A cell as text: whole floats without '.0' (Excel stores every number as a float)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def read_sheet(path: Path, sheet: str | int | None) -> Sheet:
    """The chosen sheet (by name first, then 0-based position); by default the first sheet that is
    not a bare link page (the ``CNKI`` sheet holding only ``http://www.cnki.net/``)."""
    if path.suffix.lower() == ".xls":
        names, loader = _xls_book(path)
    else:
        names, loader = _xlsx_book(path)
    if not names:  # e.g. an .xlsx whose worksheet parts were lost: openpyxl lists no sheet
        raise InputError(
            "the workbook holds no worksheet (its sheet data is missing)",
            file=path,
            hint="the file is damaged; open and save it again in Excel, or export it again",
        )
    name = _choose(path, names, sheet, loader)
    grid, merged = loader(name)
    if not any(any(c.strip() for c in row) for row in grid):
        raise InputError(f"sheet '{name}' is empty (no cells with content)", file=path)
    return Sheet(name, grid, merged, tuple(names))


def _choose(path: Path, names: list[str], sheet: str | int | None, loader) -> str:
    if sheet is None:
        for name in names:
            grid, _ = loader(name)
            filled = [c for row in grid for c in row if c.strip()]
            if not (len(filled) == 1 and filled[0].strip().lower().startswith("http")):
                return name
        return names[0]
    if str(sheet) in names:  # a sheet named '2018' is found by name first
        return str(sheet)
    if isinstance(sheet, int) or str(sheet).isdigit():
        index = int(sheet)
        if not 0 <= index < len(names):
            raise InputError(
                f"sheet {index} does not exist; the workbook has {len(names)} sheet(s) "
                f"({', '.join(names)}), numbered from 0",
                file=path,
            )
        return names[index]
    raise InputError(f"no sheet named '{sheet}'; sheets: {', '.join(names)}", file=path)


def _xlsx_book(path: Path):
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for damaged files
        raise InputError(
            f"cannot open the workbook: {exc}",
            file=path,
            hint="the file may be truncated or not an Excel workbook; download or export it again",
        ) from exc
    cache: dict[str, tuple[list[list[str]], list[tuple[int, int, int, int]]]] = {}

    def load(name: str):
        if name not in cache:
            try:
                cache[name] = _xlsx_sheet(book, name, path)
            except InputError:
                raise
            except Exception as exc:  # a missing or damaged sheet part inside the zip
                raise InputError(
                    f"cannot read sheet '{name}' of the workbook: {exc}",
                    file=path,
                    hint="the file is damaged; open and save it again in Excel, or export it again",
                ) from exc
        return cache[name]

    return list(book.sheetnames), load


def _xlsx_sheet(book, name: str, path: Path):
    """The sheet's text grid over the extent of the cells that hold something, read by streaming
    its XML (openpyxl read-only parser), and its merged ranges."""
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._reader import WorkSheetParser

    ws = book[name]
    cells: list[tuple[int, int, str]] = []
    with ws._get_source() as source:
        parser = WorkSheetParser(
            source,
            ws._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for _, row in parser.parse():
            for cell in row:
                text = cell_text(cell["value"])
                if not text.strip():
                    continue
                r, c = int(cell["row"]), int(cell["column"])
                check_cell(path, name, r, c, text)
                cells.append((r, c, text))
        merges = parser.merged_cells
    grid = sparse_grid(cells, path, name)
    merged = []
    for m in getattr(merges, "mergeCell", None) or []:
        c0, r0, c1, r1 = range_boundaries(m.ref)
        merged.append((r0 - 1, r1, c0 - 1, c1))
    return grid, merged


def check_cell(path: Path, sheet: str | None, row: int, column: int, text: str) -> None:
    """Refuse a cell longer than Excel itself allows (:data:`MAX_CELL_CHARS`)."""
    if len(text) > MAX_CELL_CHARS:
        from silkscope.io.layout import letter

        raise InputError(
            f"cell {letter(column - 1)}{row}{f' of sheet {sheet!r}' if sheet else ''} holds {len(text):,} "
            f"characters, more "
            f"than the {MAX_CELL_CHARS:,} an Excel cell can",
            file=path,
            row=row,
            hint="the file is damaged or not a table; export the table again",
        )


def sparse_grid(cells: list[tuple[int, int, str]], path: Path, sheet: str) -> list[list[str]]:
    """Rows of text cells (1-based row/column triples) as a dense grid, refused beyond
    :data:`MAX_COLUMNS` columns or :data:`MAX_GRID_CELLS` cells, naming the far cell."""
    from silkscope.io.layout import letter

    if not cells:
        return []
    height = max(r for r, _, _ in cells)
    width = max(c for _, c, _ in cells)
    if width > MAX_COLUMNS or height * width > MAX_GRID_CELLS:
        far = max(cells, key=lambda t: (t[1], t[0]) if width > MAX_COLUMNS else (t[0], t[1]))
        rest = [t for t in cells if t is not far]
        inner = f"{letter(max(c for _, c, _ in rest) - 1)}{max(r for r, _, _ in rest)}" if rest else "A1"
        raise InputError(
            f"sheet '{sheet}' spans A1:{letter(width - 1)}{height} ({height:,} rows x {width:,} columns), "
            f"beyond the limit of {MAX_COLUMNS:,} columns and {MAX_GRID_CELLS:,} cells; cell "
            f"{letter(far[1] - 1)}{far[0]} ('{far[2][:40]}') lies far from the other cells (up to {inner})",
            file=path,
            row=far[0],
            hint="delete the stray cell, or copy the table alone to a new sheet",
        )
    grid = [[""] * width for _ in range(height)]
    for r, c, text in cells:
        grid[r - 1][c - 1] = text
    return grid


def _xls_book(path: Path):
    import xlrd

    data = decrypted_bytes(path)
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception:  # formatting records can be unreadable where the cells are fine
        try:
            book = xlrd.open_workbook(file_contents=data, on_demand=True)
        except Exception as exc:  # xlrd raises XLRDError, AssertionError, struct.error... on damage
            raise InputError(
                f"cannot read the .xls workbook: {exc}",
                file=path,
                hint="the file may be truncated or not an Excel 97-2003 workbook; download it again",
            ) from exc

    def load(name: str):
        try:
            ws = book.sheet_by_name(name)
            cells = [
                (r + 1, c + 1, text)
                for r in range(ws.nrows)
                for c, v in enumerate(ws.row_values(r))
                if (text := cell_text(v)).strip()
            ]
        except Exception as exc:
            raise InputError(f"cannot read sheet '{name}' of the .xls workbook: {exc}", file=path) from exc
        for r, c, text in cells:
            check_cell(path, name, r, c, text)
        grid = sparse_grid(cells, path, name)
        merged = [tuple(m) for m in getattr(ws, "merged_cells", [])]
        return grid, merged

    return list(book.sheet_names()), load


def decrypted_bytes(path: Path) -> bytes:
    """The bytes of an .xls workbook, with Excel's default-password protection removed if present."""
    import msoffcrypto

    raw = path.read_bytes()
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(raw))
        encrypted = office.is_encrypted()
    except Exception as exc:  # not an OLE2 compound file: truncated, or not an .xls at all
        raise InputError(
            f"cannot read the .xls workbook: {exc}",
            file=path,
            hint="the file may be truncated or not an Excel 97-2003 workbook; download it again",
        ) from exc
    if not encrypted:
        return raw
    out = io.BytesIO()
    try:
        office.load_key(password=DEFAULT_PASSWORD)
        office.decrypt(out)
    except Exception as exc:
        raise InputError(
            f"the workbook is encrypted with a password other than Excel's default ({exc})",
            file=path,
            hint="open it in Excel with its password and save it without one",
        ) from exc
    return out.getvalue()
