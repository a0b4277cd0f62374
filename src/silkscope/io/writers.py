"""Write result tables as CSV, Parquet or Excel, chosen by the output file's suffix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from silkscope.errors import InputError

TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
EXCEL_MAX_SHEET_NAME = 31


def write_table(frame: pd.DataFrame, path: str | Path, sheet_name: str = "data") -> Path:
    """Write ``frame`` to ``path`` (.csv UTF-8, .xlsx, .parquet); parent folders are created."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(
            f"cannot write '{path.name}': the output must end in one of {', '.join(TABLE_SUFFIXES)}",
            file=path,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8")
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        write_workbook({sheet_name: frame}, path)
    return path


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write several tables to one .xlsx, one sheet each, with frozen headers and fitted widths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            sheet = safe_sheet_name(name)
            frame.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            ws.freeze_panes = "A2"
            for idx, column in enumerate(frame.columns, start=1):
                values = [str(column)] + [str(v) for v in frame[column].head(200)]
                width = min(60, max(8, max(len(v) for v in values) + 2))
                ws.column_dimensions[ws.cell(row=1, column=idx).column_letter].width = width
    return path


def safe_sheet_name(name: str) -> str:
    """An Excel-legal sheet name: no []:*?/\\ and at most 31 characters."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name)).strip() or "sheet"
    return cleaned[:EXCEL_MAX_SHEET_NAME]
