"""Write result tables as CSV, Parquet or Excel, chosen by the output file's suffix.

Every file is written to a temporary name beside its target and renamed over it only once complete
(``os.replace`` is atomic on one file system), so a crash or a kill leaves the earlier file as it
was; a symlink at the target is replaced, not followed. Text cells that a spreadsheet would run as
a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR; OWASP "CSV Injection") are written
as text: quoted with a leading ``'`` in CSV, stored as text cells in Excel. Numbers stay numbers.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pandas as pd

from silkscope.errors import InputError

if TYPE_CHECKING:
    import ibis
    from ibis.backends import BaseBackend

TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet")
EXCEL_MAX_SHEET_NAME = 31
EXCEL_MAX_ROWS = 1_048_575  # rows under the header in one sheet
#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Pseudo file systems no result belongs in.
SYSTEM_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))


def check_output_path(path: str | Path, suffixes: Iterable[str] | None = TABLE_SUFFIXES) -> Path:
    """``path`` if a file can be written there, else an InputError saying why; call it before the
    work whose result goes there. Refused: a suffix not in ``suffixes`` (None: any), a folder, a
    path under /proc, /sys or /dev, a parent that is a file or not writable."""
    path = Path(path)
    if suffixes is not None:
        allowed = tuple(s.lower() for s in suffixes)
        if path.suffix.lower() not in allowed:
            raise InputError(
                f"cannot write '{path.name}': the output must end in one of {', '.join(allowed)}",
                file=path,
            )
    if path.is_dir() and not path.is_symlink():
        raise InputError(
            f"cannot write '{path}': it is a folder", file=path, hint="give a file name inside it"
        )
    absolute = Path(os.path.abspath(path))
    real = Path(os.path.realpath(absolute.parent)) / absolute.name
    for root in SYSTEM_ROOTS:
        if absolute.is_relative_to(root) or real.is_relative_to(root):
            raise InputError(
                f"cannot write '{path}': {root} is a system folder, not a place for results", file=path
            )
    ancestor = absolute.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"cannot write '{path}': '{ancestor}' is a file, not a folder", file=path)
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InputError(
            f"cannot write '{path}': the folder '{ancestor}' is not writable",
            file=path,
            hint="choose a folder you can write to",
        )
    return path


@contextmanager
def atomic_output(path: str | Path, suffixes: Iterable[str] | None = None) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` when the block ends
    without error (a symlink there is replaced, not followed), removed otherwise."""
    path = check_output_path(path, suffixes)
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")
    try:
        yield scratch
        if not scratch.exists():
            raise InputError(f"nothing was written to '{path.name}'", file=path)
        os.replace(scratch, path)
    except OSError as exc:
        raise InputError(f"cannot write '{path}': {exc.strerror or exc}", file=path) from exc
    finally:
        if scratch.is_dir() and not scratch.is_symlink():
            shutil.rmtree(scratch, ignore_errors=True)
        elif scratch.exists() or scratch.is_symlink():
            scratch.unlink()


def write_bytes(data: bytes, path: str | Path, suffixes: Iterable[str] | None = None) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_output`)."""
    with atomic_output(path, suffixes) as scratch:
        scratch.write_bytes(data)
    return Path(path)


def write_text(text: str, path: str | Path, suffixes: Iterable[str] | None = None) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_output`)."""
    return write_bytes(text.encode("utf-8"), path, suffixes)


def is_formula_like(value: object) -> bool:
    """A text cell a spreadsheet would evaluate: starts with = + - @ tab or CR."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with formula-like text cells (and column names) prefixed by ``'`` so spreadsheets
    show them as text (OWASP CSV Injection); numeric columns and non-text cells are untouched."""
    out = frame
    for k in range(frame.shape[1]):
        series = frame.iloc[:, k]
        if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
            continue
        risky = series.map(is_formula_like)
        if risky.any():
            if out is frame:
                out = frame.copy()
            out.isetitem(k, series.where(~risky, "'" + series.astype(str)))
    if any(is_formula_like(c) for c in frame.columns):
        out = out.copy() if out is frame else out
        out.columns = ["'" + c if is_formula_like(c) else c for c in frame.columns]
    return out


def write_table(frame: pd.DataFrame, path: str | Path, sheet_name: str = "data") -> Path:
    """Write ``frame`` to ``path`` (.csv UTF-8, .xlsx, .parquet) atomically; parent folders are
    created; formula-like text is written as text."""
    path = check_output_path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return write_workbook({sheet_name: frame}, path)
    with atomic_output(path) as scratch:
        if suffix == ".csv":
            csv_safe(frame).to_csv(scratch, index=False, encoding="utf-8")
        else:
            frame.to_parquet(scratch, index=False)
    return path


def write_query(
    con: BaseBackend, table: ibis.Table, path: str | Path, head: int = 15
) -> tuple[Path, int, pd.DataFrame]:
    """Write the result of an Ibis query to ``path`` (.csv UTF-8, .parquet, .xlsx) and return the
    path, the number of rows and the first ``head`` rows (to show); see :func:`write_queries`."""
    return write_queries(con, [table], path, head)


def write_queries(
    con: BaseBackend, tables: Iterable[ibis.Table], path: str | Path, head: int = 15
) -> tuple[Path, int, pd.DataFrame]:
    """Write the results of several Ibis queries with the same columns one after the other into
    ``path``; ``tables`` may be a generator, each query is run once the one before is written
    (a job done year by year holds one year in memory). Returns path, rows and the first rows.

    On DuckDB, CSV and Parquet are written by DuckDB itself (``COPY``), streamed, without the
    rows passing through pandas: a BACI year's 68 M indicator rows would need some 17 GB there.
    Several results are written to part files, then joined (CSV lines appended; Parquet
    rewritten by DuckDB, about 16 s per 68 M rows on two cores). Everything is written beside ``path`` and renamed over it only once
    complete, so a failure leaves an earlier file of that name as it was."""
    import duckdb

    path = _output_path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx" or con.name != "duckdb":
        frames = [con.to_pandas(t.limit(EXCEL_MAX_ROWS + 1) if suffix == ".xlsx" else t) for t in tables]
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if suffix == ".xlsx" and len(frame) > EXCEL_MAX_ROWS:
            raise InputError(
                f"the result has more than {EXCEL_MAX_ROWS:,} rows, more than an Excel sheet holds",
                file=path,
                hint="write it as .parquet or .csv instead",
            )
        return write_table(frame, path), len(frame), frame.head(head)
    scratch = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    scratch.mkdir()
    try:
        parts = []
        for n, table in enumerate(tables):
            part = scratch / f"part{n:05d}{suffix}"
            if suffix == ".parquet":
                con.to_parquet(table, part)
            else:
                con.to_csv(_csv_safe_query(table), part)
            parts.append(part)
        if not parts:
            raise InputError("nothing to write: no query was given", file=path)
        whole = scratch / f"whole{suffix}"
        (_join_parquet if suffix == ".parquet" else _join_csv)(parts, whole)
        source = (
            f"read_parquet('{_sql_text(whole)}')"
            if suffix == ".parquet"
            else f"read_csv('{_sql_text(whole)}', all_varchar = true)"
        )
        with duckdb.connect() as reader:
            rows = reader.execute(f"SELECT count(*) FROM {source}").fetchone()[0]
            first = reader.execute(f"SELECT * FROM {source} LIMIT {int(head)}").df()
        whole.replace(path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return path, int(rows), first


def _csv_safe_query(table: ibis.Table) -> ibis.Table:
    """The query with formula-like text cells prefixed by ``'`` (as :func:`csv_safe`)."""
    import ibis

    risky = "^[=+@\t\r-]"
    changes = {
        name: ibis.ifelse(table[name].re_search(risky), "'" + table[name], table[name])
        for name, dtype in table.schema().items()
        if dtype.is_string()
    }
    return table.mutate(**changes) if changes else table


def _join_parquet(parts: list[Path], whole: Path) -> None:
    """One Parquet file holding the parts' rows in order (DuckDB reads the files in the order
    given and keeps it)."""
    import duckdb

    if len(parts) == 1:
        parts[0].replace(whole)
        return
    files = ", ".join(f"'{_sql_text(p)}'" for p in parts)
    with duckdb.connect() as con:
        con.execute("SET preserve_insertion_order = true; SET enable_progress_bar = false")
        con.execute(f"COPY (SELECT * FROM read_parquet([{files}])) TO '{_sql_text(whole)}' (FORMAT parquet)")


def _join_csv(parts: list[Path], whole: Path) -> None:
    """One CSV file: the first part whole, the others without their header line."""
    if len(parts) == 1:
        parts[0].replace(whole)
        return
    with whole.open("wb") as out:
        for n, part in enumerate(parts):
            with part.open("rb") as source:
                if n:
                    source.readline()
                shutil.copyfileobj(source, out, 1 << 24)


def _output_path(path: str | Path) -> Path:
    """``path`` checked (:func:`check_output_path`), its folder created."""
    path = check_output_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _sql_text(value: object) -> str:
    """``value`` as the inside of a single-quoted SQL string."""
    return str(value).replace("'", "''")


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write several tables to one .xlsx atomically, one sheet each, with frozen headers and
    fitted widths; formula-like text is stored as text cells."""
    path = check_output_path(path, (".xlsx",))
    with atomic_output(path, (".xlsx",)) as scratch, scratch.open("wb") as handle:
        fill_workbook(sheets, handle)
    return path


def workbook_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """The .xlsx of :func:`write_workbook` in memory (for downloads)."""
    import io

    buffer = io.BytesIO()
    fill_workbook(sheets, buffer)
    return buffer.getvalue()


def fill_workbook(sheets: Mapping[str, pd.DataFrame], target: BinaryIO) -> None:
    """Write ``sheets`` as an .xlsx into an open binary file."""
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            sheet = safe_sheet_name(name)
            frame.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            ws.freeze_panes = "A2"
            _formulas_as_text(ws, frame)
            for idx, column in enumerate(frame.columns, start=1):
                values = [str(column)] + [str(v) for v in frame[column].head(200)]
                width = min(60, max(8, max(len(v) for v in values) + 2))
                ws.column_dimensions[ws.cell(row=1, column=idx).column_letter].width = width


def _formulas_as_text(ws, frame: pd.DataFrame) -> None:
    """openpyxl stores a text starting with '=' as a formula: mark those cells (header and the
    columns holding such text) as text again. Other text cells are text already."""
    for idx, column in enumerate(frame.columns, start=1):
        series = frame.iloc[:, idx - 1]
        if not (is_formula_like(column) or (series.dtype == object and series.map(is_formula_like).any())):
            continue
        for (cell,) in ws.iter_rows(min_col=idx, max_col=idx, min_row=1, max_row=len(frame) + 1):
            if cell.data_type == "f":
                cell.data_type = "s"


def safe_sheet_name(name: str) -> str:
    """An Excel-legal sheet name: no []:*?/\\ and at most 31 characters."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name)).strip() or "sheet"
    return cleaned[:EXCEL_MAX_SHEET_NAME]
