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
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises several types for damaged files
        raise InputError(
            f"cannot open the workbook: {exc}",
            file=path,
            hint="the file may be truncated or not an Excel workbook; download or export it again",
        ) from exc

    def load(name: str):
        ws = book[name]
        grid = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        merged = [(m.min_row - 1, m.max_row, m.min_col - 1, m.max_col) for m in ws.merged_cells.ranges]
        return grid, merged

    return list(book.sheetnames), load


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
            grid = [[cell_text(v) for v in ws.row_values(r)] for r in range(ws.nrows)]
        except Exception as exc:
            raise InputError(f"cannot read sheet '{name}' of the .xls workbook: {exc}", file=path) from exc
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
