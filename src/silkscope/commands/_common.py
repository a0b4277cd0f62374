"""Shared CLI plumbing: the console, error reporting, progress bars, output writing."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from silkscope.errors import InputError, SilkscopeError
from silkscope.io.writers import TABLE_SUFFIXES, check_output_path, write_table

console = Console()
err_console = Console(stderr=True, soft_wrap=True)  # error messages keep paths on one line

F = TypeVar("F", bound=Callable[..., Any])
#: Longest value shown in a table cell, and longest line of an error message: a 100 kB id would
#: otherwise take minutes to lay out and bury the message.
MAX_CELL_CHARS = 80
MAX_LINE_CHARS = 400
MAX_MESSAGE_LINES = 60


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def message_text(exc: BaseException) -> str:
    """An error's message for the console: long lines and very long messages cut."""
    lines = str(exc).splitlines() or [""]
    shown = [shorten(line, MAX_LINE_CHARS) for line in lines[:MAX_MESSAGE_LINES]]
    if len(lines) > MAX_MESSAGE_LINES:
        shown.append(f"... ({len(lines) - MAX_MESSAGE_LINES:,} more lines)")
    return "\n".join(shown)


def print_error(exc: BaseException) -> None:
    """The red ``error:`` line(s) a user sees instead of a traceback."""
    err_console.print(f"[bold red]error:[/] {escape(message_text(exc))}", highlight=False, markup=True)


def reports_errors(func: F) -> F:
    """Turn a SilkscopeError into a red message and exit code 2 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SilkscopeError as exc:
            print_error(exc)
            raise typer.Exit(code=2) from exc

    return wrapper  # type: ignore[return-value]


def checked_output(
    suffixes: tuple[str, ...] | None = TABLE_SUFFIXES, inside: tuple[str, ...] = ()
) -> Callable[[Path | None], Path | None]:
    """A typer ``callback`` for an output option: the path is checked (``check_output_path``: not a
    folder, not under /proc, writable, a known suffix) while the command line is parsed, so a bad
    ``--out`` is refused before any input is read or anything computed. With ``inside``, the option
    is a folder and these are the files written in it."""

    def check(value: Path | None) -> Path | None:
        if value is None:
            return None
        try:
            if inside:
                if value.exists() and not value.is_dir():
                    raise InputError(f"--out {value} is a file; give a folder for {', '.join(inside)}")
                for name in inside:
                    check_output_path(value / name, suffixes)
            else:
                check_output_path(value, suffixes)
        except SilkscopeError as exc:
            print_error(exc)
            raise typer.Exit(code=2) from exc
        return value

    return check


@contextmanager
def progress_bar(transient: bool = True) -> Iterator[Progress]:
    """A rich progress bar on stderr for long work."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=transient,
    ) as progress:
        yield progress


def write_output(frame: pd.DataFrame, out: Path, title: str | None = None) -> None:
    """Write a result table and say where it went, with its shape."""
    path = write_table(frame, out)
    label = f"{title}: " if title else ""
    console.print(f"{label}wrote {len(frame):,} rows x {frame.shape[1]} columns to {path}")


def write_query_output(con: Any, tables: Any, out: Path, title: str) -> int:
    """Write Ibis query results one after the other (streamed by the backend; ``tables`` may be
    a generator), show the first rows and say where they went; returns the rows written."""
    from silkscope.io.writers import write_queries

    path, rows, head = write_queries(con, tables, out)
    show_table(head, title=title, max_rows=len(head))
    if rows > len(head):
        console.print(f"... {rows - len(head):,} more rows")
    console.print(f"{title}: wrote {rows:,} rows x {head.shape[1]} columns to {path}")
    return rows


#: columns of unit ids (provinces, countries) and of ISO3 country codes: previews show names
UNIT_COLUMNS = ("unit_id",)
COUNTRY_COLUMNS = ("reporter", "partner", "exporter", "importer", "country", "origin", "dest", "home")
#: columns a preview prints once, under the table, when every row holds the same text
NOTE_COLUMNS = ("note", "label", "demo_label")


def show_table(frame: pd.DataFrame, title: str | None = None, max_rows: int = 20) -> None:
    """Print the head of a DataFrame as a rich table for people: unit ids and ISO3 codes as names
    (the written file keeps the ids), missing values as "–", and a note that every row repeats
    (e.g. the bilingual demo label) printed once under the table."""
    shown, notes = preview_frame(frame.head(max_rows), frame)
    table = Table(title=title, show_lines=False)
    for column in shown.columns:
        table.add_column(escape(shorten(str(column), MAX_CELL_CHARS)))
    for row in shown.itertuples(index=False):
        table.add_row(*[_fmt(v) for v in row])
    console.print(table)
    if len(frame) > max_rows:
        console.print(f"... {len(frame) - max_rows:,} more rows")
    for note in notes:
        console.print(f"[dim]{escape(note)}[/]")


def preview_frame(head: pd.DataFrame, whole: pd.DataFrame | None = None) -> tuple[pd.DataFrame, list[str]]:
    """``head`` as a preview shows it, and the notes it shows once: id columns named in the
    console's language, constant note columns (over ``whole``) taken out."""
    from silkscope.i18n import default_language
    from silkscope.reference import country_name, unit_name

    whole = head if whole is None else whole
    lang = default_language()
    shown = head.copy()
    notes: list[str] = []
    for column in list(shown.columns):
        if column in NOTE_COLUMNS and whole[column].nunique(dropna=True) == 1:
            notes.append(str(whole[column].dropna().iloc[0]))
            shown = shown.drop(columns=column)
        elif column in UNIT_COLUMNS:
            shown[column] = [unit_name(v, lang) if isinstance(v, str) else v for v in shown[column]]
            shown = shown.rename(columns={column: "unit"})
        elif column in COUNTRY_COLUMNS:
            shown[column] = [_country(v, lang, country_name) for v in shown[column]]
    return shown, notes


def _country(code: Any, lang: str, name: Callable[[str, str], str]) -> Any:
    if not isinstance(code, str):
        return code
    if code == "WLD":
        return "世界" if lang == "zh" else "World"
    return name(code, lang)


def _fmt(value: Any) -> str:
    """A cell as shown in the console: numbers to 4 significant digits, missing values as "–",
    long text cut."""
    import numbers
    from decimal import Decimal

    if value is None or value is pd.NA or value is pd.NaT:
        return "–"
    if isinstance(value, float | Decimal) or (
        isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral | bool)
    ):
        number = float(value)
        return "–" if number != number else f"{number:.4g}"
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):  # a CSV read back as text
        return _fmt(float(value))
    if isinstance(value, str) and value.strip().lower() in ("nan", "<na>", "none"):
        return "–"
    return escape(shorten(str(value), MAX_CELL_CHARS))


_DECIMAL_TEXT = re.compile(r"-?\d+\.\d+(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+")


def year_range(text: str | None) -> list[int] | None:
    """'2020' or '2018-2022' -> the years; None or '' -> None (all years)."""
    from silkscope.errors import InputError

    if not text:
        return None
    first, _, last = text.partition("-")
    try:
        lo, hi = int(first), int(last or first)
    except ValueError:
        raise InputError(f"--years must be a year or a range like 2018-2022, got '{text}'") from None
    return list(range(min(lo, hi), max(lo, hi) + 1))
