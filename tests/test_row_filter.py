"""The ``--where`` row filter: its grammar, its errors (with positions), and a property test
against pandas' own boolean evaluation of the same expressions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkscope.errors import InputError
from silkscope.io.row_filter import apply_where, parse_where, where_mask

FLOWS = pd.DataFrame(
    {
        "exporter": ["CHN", "CHN", "FRA", "FRA", "USA"],
        "importer": ["CHN", "FRA", "CHN", "USA", None],
        "year": [1986, 1990, 1990, 1994, 2006],
        "trade": [10.0, 2.5, np.nan, 0.0, 7.0],
        "my col": [1, 2, 3, 4, 5],
    }
)


def kept(expression: str) -> list[int]:
    return list(apply_where(FLOWS, expression).index)


def test_valid_expressions_keep_the_rows_by_hand():
    assert kept("year in (1986, 1990)") == [0, 1, 2]
    assert kept("year not in (1986, 1990)") == [3, 4]
    assert kept("exporter != importer") == [1, 2, 3]  # row 4: importer missing, no comparison holds
    assert kept("exporter == importer") == [0]
    assert kept("not exporter == 'CHN' and year >= 1994") == [3, 4]
    assert kept("exporter == 'CHN' or year > 2000 and trade > 5") == [0, 1, 4]  # and before or
    assert kept("(exporter == 'CHN' or year > 2000) and trade > 5") == [0, 4]
    assert kept("trade != 2.5") == [0, 3, 4]  # the missing trade of row 2 is not "!= 2.5"
    assert kept("not trade == 2.5") == [0, 2, 3, 4]  # not negates: row 2 comes back
    assert kept("`my col` <= 2 AND year < 1990") == [0]  # keywords in any case, backticks
    assert kept("1990 < year") == [3, 4]  # a literal on the left
    assert kept("trade >= -1e1 and trade < .5e1") == [1, 3]
    assert kept("importer in ('FRA', \"USA\")") == [1, 3]
    assert kept("not not (year == 1986)") == [0]


@pytest.mark.parametrize(
    ("expression", "position", "message"),
    [
        ("yeer == 1990", 1, "unknown column 'yeer'"),
        ("year = 1990", 6, "'=' is not an operator"),
        ("year == 1990 && trade > 1", 14, "unexpected character '&'"),
        ("year === 1990", 8, "unexpected character '='"),
        ("year ~ 1990", 6, "unexpected character '~'"),
        ("(year == 1990", 14, "expected ')' to close the '(' at position 1"),
        ("year == 1990)", 13, "')' closes a '(' that was never opened"),
        ("((year == 1990) or (trade > 1)", 31, "expected ')' to close the '(' at position 1"),
        ("year in (1986, 1990", 20, "expected ',' or ')' in the list opened at position 9"),
        ("year in 1986", 9, "expected '(' and a list of values after 'in'"),
        ("__import__('os')", 1, "'__import__(' is a function call"),
        ("year == __import__('os').system('ls')", 9, "'__import__(' is a function call"),
        ("exporter.__class__ == 'x'", 1, "unknown column 'exporter.__class__'"),
        ("year == 'x'", 9, "column 'year' holds numbers; 'x' is text"),
        ("exporter == 156", 13, "column 'exporter' holds text; 156 is a number"),
        ("exporter == year", 10, "hold different types"),
        ("year == 2017abc", 9, "'2017abc' is not a number"),
        ("1986 == 1986", 6, "a comparison needs at least one column"),
        ("year", 5, "expected a comparison"),
        ("year == 1990 trade > 1", 14, "expected 'and', 'or' or the end, found 'trade'"),
        ("exporter == 'CHN", 13, "the quote ' is never closed"),
        ("", 1, "the expression is empty"),
        ("year in [1986]", 9, "unexpected character '['"),
        ("lambda: 1", 1, "unknown column 'lambda'"),
        ("year == 1990 and exporter = 'CHN'", 27, "'=' is not an operator"),
        ("import os", 1, "unknown column 'import'"),
    ],
)
def test_bad_expressions_name_the_position(expression: str, position: int, message: str):
    with pytest.raises(InputError) as caught:
        where_mask(FLOWS, expression)
    text = str(caught.value)
    assert f"position {position}: " in text and message in text
    pointer = text.splitlines()[-1]
    assert pointer == "  " + " " * (position - 1) + "^"  # the caret under the culprit


def test_nesting_is_bounded():
    with pytest.raises(InputError, match="nests deeper than 100"):
        parse_where("(" * 150 + "year == 1" + ")" * 150, ["year"])


def test_categorical_columns_compare_as_their_values():
    frame = FLOWS.astype({"exporter": "category"})
    assert list(apply_where(frame, "exporter in ('FRA')").index) == [2, 3]


# -- property test: the same expression through pandas ----------------------------------------------
COLUMNS = {"a": st.integers(-3, 3), "b": st.floats(-2, 2, allow_nan=False), "s": st.sampled_from("xyz")}


@st.composite
def comparison(draw) -> str:
    column = draw(st.sampled_from(sorted(COLUMNS)))
    if column == "s":
        if draw(st.booleans()):
            values = draw(st.lists(st.sampled_from("xyzw"), min_size=1, max_size=3))
            return (
                f"{column} {draw(st.sampled_from(['in', 'not in']))} ({', '.join(repr(v) for v in values)})"
            )
        return (
            f"s {draw(st.sampled_from(['==', '!=', '<', '>=']))} {draw(st.sampled_from(['x', 'y', 'w']))!r}"
        )
    other = draw(st.sampled_from(["a", "b", str(draw(st.integers(-3, 3))), f"{draw(st.floats(-2, 2)):.2f}"]))
    return f"{column} {draw(st.sampled_from(['==', '!=', '<', '<=', '>', '>=']))} {other}"


expressions = st.recursive(
    comparison(),
    lambda inner: st.one_of(
        st.builds(lambda x: f"not ({x})", inner),
        st.builds(lambda x, y, op: f"({x}) {op} ({y})", inner, inner, st.sampled_from(["and", "or"])),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    expression=expressions,
    rows=st.lists(st.tuples(*COLUMNS.values()), min_size=1, max_size=12),
)
def test_agrees_with_pandas_query(expression: str, rows):
    frame = pd.DataFrame(rows, columns=sorted(COLUMNS))
    expected = frame.eval(expression, engine="python")  # no missing cells: the semantics agree
    assert where_mask(frame, expression).tolist() == expected.astype(bool).tolist()
