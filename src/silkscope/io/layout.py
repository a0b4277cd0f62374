"""The layout of a table as statistical offices publish it: title rows above the header, a header
spread over two or three rows (NBS/CNKI yearbooks: Chinese and English in one cell, a blank parent
over 发明/实用新型/外观设计), footnotes (``注：…``, ``数据来源：…``), and blocks — the table's header
repeated further down, either verbatim (the NBS GDP export repeats its 32-row block) or with the next
columns (the yearbook's ``续表`` continuation of a wide table).

Input is the sheet's grid of text cells; output is one :class:`Block` per header, each with its
column labels, data rows and the spreadsheet row of each, plus the title and note lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from silkscope.errors import InputError, Problem
from silkscope.reference import normalise_key

NOTE_MARKERS = ("注", "说明", "备注", "资料来源", "数据来源", "来源", "摘编", "摘自", "note", "source", "*")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


@dataclass
class Block:
    """One header and the data rows under it."""

    labels: list[str]  # column names, Chinese part of bilingual cells, spaces inside Chinese removed
    english: dict[str, str]  # label -> English part of a bilingual header cell
    header_rows: tuple[int, int]  # first and last spreadsheet row of the header
    data: list[list[str]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    title: list[str] = field(default_factory=list)  # text rows above the header


@dataclass
class Layout:
    blocks: list[Block]
    notes: list[str]  # footnotes, in order


def is_note(text: str) -> bool:
    """A footnote line: starts with 注/说明/资料来源/数据来源/… (after any ideographic spaces)."""
    folded = text.strip().strip("\u3000").casefold()
    return any(folded.startswith(m) for m in NOTE_MARKERS)


def label_of(parts: list[str]) -> tuple[str, str]:
    """``(label, english)`` of a header cell (or the cells of one column over several header rows):
    lines holding Chinese are joined without spaces (yearbooks break '地方一般公\\n共预算支出'), the
    other lines form the English name; a cell without Chinese is its own label."""
    lines = [line.strip() for part in parts for line in re.split(r"[\r\n]+", part) if line.strip()]
    if len(parts) == 1 and len(lines) <= 1:
        text = parts[0].strip()
        return (_CJK_GAP.sub("", text), "") if _CJK.search(text) else (text, "")
    zh = "".join(re.sub(r"\s+", "", line) for line in lines if _CJK.search(line))
    en = " ".join(" ".join(line.split()) for line in lines if not _CJK.search(line))
    return (zh or en), (en if zh else "")


def parse_grid(
    grid: list[list[str]],
    name: str,
    header_row: int | None,
    find_header: Callable[[list[list[str]]], int],
    merged: list[tuple[int, int, int, int]] | None = None,
) -> Layout:
    """Blocks and notes of a grid; ``merged`` (Excel sources) enables multi-row headers."""
    grid = [[c.strip() for c in row] for row in grid]
    head = (header_row - 1) if header_row else find_header(grid)
    if head >= len(grid) or not any(grid[head]):
        raise InputError(
            f"header row {head + 1} is empty or past the end of the table ({len(grid)} rows)",
            file=name,
            hint="point --header-row at the row holding the column names",
        )
    excel = merged is not None
    first = _block(grid, head, name, excel, merged or [], top=0)
    blocks, notes = [first], []
    key = normalise_key(grid[head][0]) if grid[head][0] else None
    width = len(first.labels)
    k = first.header_rows[1]  # 1-based last header row == 0-based index of the first data row
    pending: list[tuple[int, str]] = []  # single-cell rows whose role is known only later
    block = first
    after_blank = False
    while k < len(grid):
        row = grid[k]
        filled = [c for c in row if c]
        if not filled:
            after_blank = True
            k += 1
            continue
        if key and normalise_key(row[0]) == key and k != head:  # the header again: a new block
            titles = [t for _, t in pending if not is_note(t)]
            notes.extend(t for _, t in pending if is_note(t))
            pending = []
            block = _block(grid, k, name, excel, merged or [], top=k)
            block.title = titles
            blocks.append(block)
            k = block.header_rows[1]
            after_blank = False
            continue
        single = len(filled) == 1 and row[0] and len(block.labels) > 2
        if single and (after_blank or is_note(row[0]) or pending):
            pending.append((k + 1, row[0]))
            k += 1
            continue
        if pending:  # single-cell rows followed by data: notes if marked, else data rows after all
            for r, text in pending:
                if is_note(text):
                    notes.append(text)
                else:
                    block.data.append(([text] + [""] * len(block.labels))[: len(block.labels)])
                    block.rows.append(r)
            pending = []
        width = len(block.labels)
        block.data.append((row + [""] * width)[:width])
        block.rows.append(k + 1)
        after_blank = False
        k += 1
    notes.extend(t for _, t in pending)  # trailing text rows: footnotes and source lines
    for b in blocks:
        if not b.data:
            raise InputError(f"the table has a header (row {b.header_rows[0]}) but no data rows", file=name)
    return Layout(blocks, notes)


def _block(
    grid: list[list[str]],
    head: int,
    name: str,
    excel: bool,
    merged: list[tuple[int, int, int, int]],
    top: int,
) -> Block:
    """The header starting at 0-based row ``head`` and, in workbooks, its continuation rows: those
    just above and below with an empty first column and no numbers (two- and three-row headers)."""
    start, end = head, head + 1
    if excel:
        while start - 1 >= top and grid[start - 1] and not grid[start - 1][0] and any(grid[start - 1]):
            start -= 1
        while end < len(grid) and _continues(grid[end]):
            end += 1
    header = grid[head]
    width = max(
        (i + 1 for r in range(start, end) for i, c in enumerate(grid[r]) if c),
        default=0,
    )
    header_width = max((i + 1 for i, c in enumerate(header) if c), default=0)
    width = max(width, header_width)
    _check_merged(merged, start, end, grid, name)
    labels, english = [], {}
    for c in range(width):
        parts = [grid[r][c] for r in range(start, end) if c < len(grid[r]) and grid[r][c]]
        if not parts:
            labels.append("")
            continue
        label, en = label_of(parts)
        labels.append(label)
        if en:
            english[label] = en
    _check_columns(labels, name, head + 1)
    title = [row[0] if row[0] else " ".join(c for c in row if c) for row in grid[top:start] if any(row)]
    return Block(labels, english, (start + 1, end), title=title)


def _continues(row: list[str]) -> bool:
    if not any(row) or row[0]:
        return False
    from silkscope.io.tables import parse_number  # local: tables imports this module

    for cell in row:
        if not cell:
            continue
        try:
            if parse_number(cell) is not None:
                return False
        except ValueError:
            pass
    return True


def _check_merged(merged: list[tuple[int, int, int, int]], start: int, end: int, grid, name: str) -> None:
    """A merged header cell over several named sub-columns (规模 over x1, x2) leaves the columns'
    names ambiguous: refused. Vertical merges and a blank parent over named columns are fine."""
    for r0, r1, c0, c1 in merged:
        if r1 <= start or r0 >= end or c1 - c0 < 2:
            continue
        parent = grid[r0][c0] if c0 < len(grid[r0]) else ""
        if parent or r1 >= end:
            coord = f"{letter(c0)}{r0 + 1}:{letter(c1 - 1)}{r1}"
            raise InputError(
                f"merged cells {coord} in the header row {max(r0, start) + 1}",
                file=name,
                row=max(r0, start) + 1,
                hint="unmerge the header cells so each column has its own name (one header row), "
                "or point --header-row at a plain row",
            )


def _check_columns(header: list[str], name: str, row: int) -> None:
    problems = [
        Problem(f"column {letter(i)} has no name", name, row, None) for i, c in enumerate(header) if not c
    ]
    seen: dict[str, int] = {}
    for i, c in enumerate(header):
        if c and c in seen:
            problems.append(
                Problem(f"column name '{c}' appears twice ({letter(seen[c])} and {letter(i)})", name, row, c)
            )
        seen.setdefault(c, i)
    if problems:
        raise InputError(
            problems, hint="give every column its own name, or say which row holds the header (--header-row)"
        )


def letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
