"""Numbers in a column of text cells, with the separator rule decided for the whole column.

A comma is a thousands separator in ``1,234.5`` or ``1,234,567`` and a decimal mark in ``3,12``,
``0,5`` or ``1.234,5`` (European style); ``1,234`` alone could be either. The rule is decided per
column from the cells that show it unambiguously (never from one cell for the whole file): a column
showing both is refused naming one cell of each, a column whose only commas are ``d,ddd`` is
refused as ambiguous. Values beyond the float range (``1e309``, a 400-digit integer) would become
±inf and are refused, as are the literals ``inf`` and ``nan``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－＋，", "0123456789.-+,")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}((,\d{3})+\.\d+|(,\d{3}){2,})$")  # 1,234.5  1,234,567
_DECIMAL = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+,\d+|\d+,(\d{1,2}|\d{4,})|\d{4,},\d+|0,\d+)$")
_EITHER = re.compile(r"^[+-]?\d{1,3},\d{3}$")  # 1,234: 1234 or 1.234
_DOT_GROUPED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")  # 1.234.567 or (in a comma column) 1.234
_COMMA_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_DOT_THOUSANDS = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


@dataclass(frozen=True)
class SeparatorRule:
    """How a column writes its numbers: ``decimal`` is '.' or ','; ``conflict`` names the cells
    that contradict each other (or the ambiguous one) when no rule can be decided."""

    decimal: str = "."
    conflict: str | None = None


def clean(cell: str) -> str:
    """A cell with full-width digits folded, spaces and no-break spaces removed."""
    return str(cell).strip().translate(_FULL_WIDTH).replace("\u00a0", "").replace(" ", "")


def separator_rule(cells: list[str]) -> SeparatorRule:
    """The column's decimal mark, from the cells that show it unambiguously."""
    thousands = decimal = either = dot = None
    for cell in cells:
        t = clean(cell).removesuffix("%")
        if "," not in t:
            if "." in t and _PLAIN.match(t) and not _DOT_GROUPED.match(t) and dot is None:
                dot = cell  # 12.5: the dot is the decimal mark
            continue
        if _THOUSANDS.match(t):
            thousands = thousands or cell
        elif _DECIMAL.match(t):
            decimal = decimal or cell
        elif _EITHER.match(t):
            either = either or cell
    comma_is_thousands = thousands or dot
    if decimal and comma_is_thousands:
        return SeparatorRule(
            ",",
            f"'{decimal}' writes a decimal comma but '{comma_is_thousands}' a decimal point",
        )
    if decimal:
        return SeparatorRule(",")
    if either and not comma_is_thousands:
        return SeparatorRule(
            ".", f"'{either}' could be {either.replace(',', '')} or {either.replace(',', '.')}"
        )
    return SeparatorRule(".")


def to_number(cell: str, rule: SeparatorRule) -> float:
    """The number of a non-missing cell under ``rule``; ValueError if it is not one."""
    t = clean(cell).removesuffix("%")
    if rule.decimal == "," and ("," in t or _DOT_GROUPED.match(t)):
        if not _DOT_THOUSANDS.match(t):
            raise ValueError(cell)
        t = t.replace(".", "").replace(",", ".")
    elif "," in t:
        if not _COMMA_THOUSANDS.match(t):
            raise ValueError(cell)
        t = t.replace(",", "")
    if not _PLAIN.match(t):
        raise ValueError(cell)
    value = float(t)
    if not math.isfinite(value):
        raise ValueError(cell)  # overflowed to infinity
    return value


def problem_text(cell: str, rule: SeparatorRule) -> str:
    """Why a cell of a column is not read as a number."""
    shown = cell if len(cell) <= 60 else f"{cell[:60]}… ({len(cell):,} characters)"
    t = clean(cell).removesuffix("%")
    if _PLAIN.match(t.replace(",", "")) and not math.isfinite(float(t.replace(",", ""))):
        return f"'{shown}' is beyond the range of numbers (about ±1.8e308); it would be stored as infinity"
    if rule.conflict and "," in t:
        return (
            f"'{shown}': the column's numbers do not say whether ',' is a thousands separator or a "
            f"decimal mark ({rule.conflict}); write the numbers without thousands separators"
        )
    return f"'{shown}' is not a number"
