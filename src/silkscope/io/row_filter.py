"""A safe row filter for ``--where``: comparisons, ``in``, ``and``, ``or`` and ``not`` over a
table's columns, parsed by recursive descent and evaluated with pandas (never ``eval``-ed).

Grammar (keywords in any case; ``not`` binds tighter than ``and``, ``and`` than ``or``)::

    expr       := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" expr ")" | comparison
    comparison := operand OP operand | column ["not"] "in" "(" literal ("," literal)* ")"
    OP         := "==" | "!=" | "<" | "<=" | ">" | ">="
    operand    := column | literal
    column     := name [A-Za-z_][A-Za-z0-9_.]*  or  `any text` in backticks
    literal    := number (e.g. 1990, -0.5, 1e9)  or  'text'  or  "text"

Types are checked against the data: a numeric column compares with numbers, a text column with
quoted text. A missing cell satisfies no comparison (``==``, ``!=``, ``<`` ... and ``in`` are all
false there, as in SQL); ``not`` negates the result. Every error names the position (1-based
character) in the expression and points at it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from silkscope.errors import InputError

MAX_LENGTH = 10_000
MAX_DEPTH = 100
KEYWORDS = ("and", "or", "not", "in")
OPERATORS: dict[str, Callable] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_TOKEN = re.compile(
    r"""(?P<space>\s+)
    | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![A-Za-z0-9_.]))
    | (?P<bad>[+-]?\.?\d[A-Za-z0-9_.]*)
    | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    | (?P<quoted>`[^`]*`)
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<op>==|!=|<=|>=|<|>)
    | (?P<lparen>\()
    | (?P<rparen>\))
    | (?P<comma>,)
    """,
    re.VERBOSE,
)
_MISTAKES = {
    "=": "'=' is not an operator; compare with '=='",
    "&": "use 'and' to combine conditions",
    "|": "use 'or' to combine conditions",
    "!": "use 'not' or '!='",
    "~": "use 'not'",
    "[": "square brackets are not part of the grammar; list values as in (1, 2)",
}


@dataclass(frozen=True)
class Token:
    kind: str  # number, name, quoted, string, op, lparen, rparen, comma, keyword, end
    text: str
    pos: int  # 1-based character position in the expression
    hint: str | None = None  # for an error token: how to fix it


@dataclass(frozen=True)
class Column:
    name: str
    pos: int


@dataclass(frozen=True)
class Literal:
    value: int | float | str
    pos: int


@dataclass(frozen=True)
class Compare:
    left: Column | Literal
    op: str
    right: Column | Literal
    pos: int


@dataclass(frozen=True)
class IsIn:
    column: Column
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Compare | IsIn | BoolOp | Not


def where_error(text: str, pos: int, what: str, fix: str | None = None) -> InputError:
    """An InputError for the ``--where`` expression, pointing at character ``pos`` (1-based)."""
    pointer = f"  {text}\n  {' ' * (pos - 1)}^"
    return InputError(
        f"--where, position {pos}: {what}",
        hint=(f"{fix}\n" if fix else "write e.g. year in (1990, 1994) and exporter != 'CHN'\n") + pointer,
    )


def tokenize(text: str) -> list[Token]:
    """The expression's tokens. Text that is no token becomes a final ``error`` token, raised when
    the parser reaches it, so errors are reported in reading order."""
    tokens, at = [], 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.lastgroup == "bad":
            char = text[at]
            if match is not None:
                tokens.append(Token("error", f"'{match.group()}' is not a number", at + 1))
            elif char in "'\"`":
                tokens.append(Token("error", f"the quote {char} is never closed", at + 1))
            else:
                tokens.append(Token("error", f"unexpected character '{char}'", at + 1, _MISTAKES.get(char)))
            break
        kind = match.lastgroup
        if kind != "space":
            word = match.group()
            if kind == "name" and word.lower() in KEYWORDS:
                kind, word = "keyword", word.lower()
            tokens.append(Token(kind, word, at + 1))
        at = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str, columns: Sequence[str]) -> None:
        self.text = text
        self.columns = [str(c) for c in columns]
        self.tokens = tokenize(text)
        self.at = 0
        self.depth = 0

    def peek(self) -> Token:
        token = self.tokens[min(self.at, len(self.tokens) - 1)]
        if token.kind == "error":
            raise where_error(self.text, token.pos, token.text, token.hint)
        return token

    def take(self) -> Token:
        token = self.peek()
        self.at += 1
        return token

    def fail(self, token: Token, what: str, fix: str | None = None) -> InputError:
        return where_error(self.text, token.pos, what, fix)

    def describe(self, token: Token) -> str:
        return "the end of the expression" if token.kind == "end" else f"'{token.text}'"

    def parse(self) -> Node:
        if not self.text.strip():
            raise where_error(self.text, 1, "the expression is empty")
        node = self.expr()
        token = self.peek()
        if token.kind != "end":
            if token.kind == "rparen":
                raise self.fail(token, "')' closes a '(' that was never opened")
            raise self.fail(token, f"expected 'and', 'or' or the end, found {self.describe(token)}")
        return node

    def expr(self) -> Node:
        items = [self.and_expr()]
        while self.peek().kind == "keyword" and self.peek().text == "or":
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.peek().kind == "keyword" and self.peek().text == "and":
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def not_expr(self) -> Node:
        token = self.peek()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(token, f"the expression nests deeper than {MAX_DEPTH} levels")
        try:
            if token.kind == "keyword" and token.text == "not":
                self.take()
                return Not(self.not_expr())
            if token.kind == "lparen":
                self.take()
                node = self.expr()
                close = self.take()
                if close.kind != "rparen":
                    raise self.fail(
                        close,
                        f"expected ')' to close the '(' at position {token.pos}, found {self.describe(close)}",
                    )
                return node
            return self.comparison()
        finally:
            self.depth -= 1

    def comparison(self) -> Node:
        left = self.operand()
        token = self.take()
        negated = False
        if token.kind == "keyword" and token.text == "not" and self.peek().text == "in":
            negated, token = True, self.take()
        if token.kind == "keyword" and token.text == "in":
            if not isinstance(left, Column):
                raise self.fail(token, "'in' needs a column on its left")
            return IsIn(left, self.value_list(), negated)
        if token.kind != "op":
            what = f"expected a comparison (==, !=, <, <=, >, >=, in) after the operand, found {self.describe(token)}"
            raise self.fail(token, what)
        right = self.operand()
        if isinstance(left, Literal) and isinstance(right, Literal):
            raise self.fail(token, "a comparison needs at least one column")
        return Compare(left, token.text, right, token.pos)

    def value_list(self) -> tuple[Literal, ...]:
        start = self.take()
        if start.kind != "lparen":
            raise self.fail(
                start, f"expected '(' and a list of values after 'in', found {self.describe(start)}"
            )
        values = [self.literal()]
        while self.peek().kind == "comma":
            self.take()
            values.append(self.literal())
        close = self.take()
        if close.kind != "rparen":
            raise self.fail(
                close,
                f"expected ',' or ')' in the list opened at position {start.pos}, found {self.describe(close)}",
            )
        return tuple(values)

    def literal(self) -> Literal:
        token = self.take()
        if token.kind == "number":  # whole numbers stay exact integers (codes beyond 2**53)
            whole = re.fullmatch(r"[+-]?\d+", token.text)
            return Literal(int(token.text) if whole else float(token.text), token.pos)
        if token.kind == "string":
            return Literal(token.text[1:-1], token.pos)
        raise self.fail(token, f"expected a number or quoted text, found {self.describe(token)}")

    def operand(self) -> Column | Literal:
        token = self.peek()
        if token.kind in ("number", "string"):
            return self.literal()
        if token.kind in ("name", "quoted"):
            self.take()
            name = token.text if token.kind == "name" else token.text[1:-1]
            if self.tokens[self.at].kind == "lparen":  # not peek(): a later error waits its turn
                raise self.fail(token, f"'{name}(' is a function call; calls are not part of the grammar")
            if name not in self.columns:
                shown = ", ".join(self.columns[:30]) + (" ..." if len(self.columns) > 30 else "")
                raise self.fail(
                    token,
                    f"unknown column '{name}'",
                    f"columns are {shown}; quote text values ('CHN'), names with spaces in backticks",
                )
            return Column(name, token.pos)
        raise self.fail(token, f"expected a column or a value, found {self.describe(token)}")


def parse_where(text: str, columns: Sequence[str]) -> Node:
    """The expression's syntax tree, every column checked against ``columns``."""
    text = str(text)
    if len(text) > MAX_LENGTH:
        raise where_error(text[:80], 1, f"the expression is longer than {MAX_LENGTH:,} characters")
    return _Parser(text, columns).parse()


def where_mask(frame: pd.DataFrame, text: str) -> pd.Series:
    """A boolean Series: the rows of ``frame`` the expression keeps."""
    tree = parse_where(text, list(map(str, frame.columns)))
    return _evaluate(tree, frame.rename(columns=str), text).astype(bool)


def apply_where(frame: pd.DataFrame, text: str) -> pd.DataFrame:
    """The rows of ``frame`` the expression keeps."""
    return frame[where_mask(frame, text)]


def _series(frame: pd.DataFrame, name: str) -> pd.Series:
    series = frame[name]
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(series.cat.categories.dtype)
    return series


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def _check_types(series: pd.Series, column: Column, literal: Literal, text: str) -> None:
    numeric = _is_numeric(series)
    if numeric and isinstance(literal.value, str):
        raise where_error(
            text,
            literal.pos,
            f"column '{column.name}' holds numbers; '{literal.value}' is text",
            "write the number without quotes",
        )
    if not numeric and not isinstance(literal.value, str):
        raise where_error(
            text,
            literal.pos,
            f"column '{column.name}' holds text; {_number_text(literal.value)} is a number",
            f"quote the value: '{_number_text(literal.value)}'",
        )


def _number_text(value: int | float | str) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _side(operand: Column | Literal, frame: pd.DataFrame):
    return _series(frame, operand.name) if isinstance(operand, Column) else operand.value


def _evaluate(node: Node, frame: pd.DataFrame, text: str) -> pd.Series:
    if isinstance(node, BoolOp):
        parts = [_evaluate(item, frame, text) for item in node.items]
        combined = parts[0]
        for part in parts[1:]:
            combined = (combined & part) if node.op == "and" else (combined | part)
        return combined
    if isinstance(node, Not):
        return ~_evaluate(node.item, frame, text)
    if isinstance(node, IsIn):
        series = _series(frame, node.column.name)
        for value in node.values:
            _check_types(series, node.column, value, text)
        kept = series.isin([v.value for v in node.values]) & series.notna()
        return (~kept & series.notna()) if node.negated else kept
    left, right = node.left, node.right
    columns = [o for o in (left, right) if isinstance(o, Column)]
    if len(columns) == 1:
        literal = right if isinstance(right, Literal) else left
        _check_types(_series(frame, columns[0].name), columns[0], literal, text)
    elif _is_numeric(_series(frame, left.name)) != _is_numeric(_series(frame, right.name)):
        raise where_error(
            text, node.pos, f"'{left.name}' and '{right.name}' hold different types (number and text)"
        )
    a, b = _side(left, frame), _side(right, frame)
    present = pd.Series(True, index=frame.index)
    for side in (a, b):
        if isinstance(side, pd.Series):
            present &= side.notna().to_numpy()
    try:
        result = OPERATORS[node.op](a, b)
    except TypeError as exc:  # e.g. ordering text with mixed cell types
        raise where_error(text, node.pos, f"'{node.op}' cannot compare these values ({exc})") from None
    return pd.Series(result, index=frame.index).fillna(False).astype(bool) & present
