"""BACI flows with an empty or quote-bearing country code: refused, naming the row (not dropped in
the code join, not an SQL error); the workspace keeps what it held."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkscope.cli import app

HEADER = "t,i,j,k,v,q\n"


def run(*args) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, [str(a) for a in args], terminal_width=400)
    unexpected = None if isinstance(result.exception, SystemExit | None) else result.exception
    return result.exit_code, " ".join(result.output.split()), unexpected


@pytest.mark.parametrize(
    "row,expected",
    [
        ("2021,4,,970110,1.5,0.1", "column 'j': None: expected a country code (the cell is empty)"),
        ("2021, ,156,970110,1.5,0.1", "column 'i': ' ': expected a country code (the cell is empty)"),
        ("2021,4,O'B,970110,1.5,0.1", "unknown country code"),
    ],
)
def test_bad_country_codes_are_refused_with_the_row(workspace, tmp_path: Path, row, expected):
    good = tmp_path / "BACI_HS17_Y2021_V202401.csv"
    good.write_text(HEADER + "2021,4,156,970110,2.5,0.2\n", encoding="utf-8")
    code, out, unexpected = run("import", "baci", good, "--workspace", workspace.root)
    assert code == 0 and unexpected is None, out
    before = workspace.query("SELECT * FROM trade_flows")
    bad = tmp_path / "bad" / "BACI_HS17_Y2021_V202401.csv"
    bad.parent.mkdir()
    bad.write_text(HEADER + "2021,4,156,970110,2.5,0.2\n" + row + "\n", encoding="utf-8")
    code, out, unexpected = run("import", "baci", bad, "--workspace", workspace.root)
    assert unexpected is None and code == 2, out
    assert expected in out and "row 3" in out
    assert out.count("row 3") == 1  # one problem per bad cell
    assert workspace.query("SELECT * FROM trade_flows").equals(before)


def test_one_key_given_twice_is_named_not_a_database_error(workspace):
    import pandas as pd

    from silkscope.errors import InputError

    values = pd.DataFrame(
        {"unit_id": ["110000", "110000"], "year": [2019, 2019], "indicator_id": ["gdp", "gdp"],
         "value": [1.0, 2.0], "source_id": ["s", "s"]}
    )  # fmt: skip
    before = workspace.table("indicator_values")
    with workspace.connect() as con, pytest.raises(InputError, match=r"110000 2019 gdp \(given 2 times\)"):
        workspace.upsert_values(con, values)
    assert workspace.table("indicator_values").equals(before)


@pytest.mark.parametrize("cmd", [" ", "77777777777777777777", "69x110"])
def test_comtrade_malformed_product_code_is_refused_not_skipped(workspace, tmp_path: Path, cmd):
    import json

    rows = [
        {"refYear": 2021, "flowCode": "X", "reporterCode": 156, "partnerCode": 4, "cmdCode": "691110",
         "primaryValue": 1000.0, "netWgt": 5.0, "classificationCode": "H5"},
        {"refYear": 2021, "flowCode": "X", "reporterCode": 156, "partnerCode": 4, "cmdCode": "6911",
         "primaryValue": 9000.0, "netWgt": 5.0, "classificationCode": "H5"},  # a heading: skipped
        {"refYear": 2021, "flowCode": "X", "reporterCode": 156, "partnerCode": 4, "cmdCode": cmd,
         "primaryValue": 1000.0, "netWgt": 5.0, "classificationCode": "H5"},
    ]  # fmt: skip
    doc = tmp_path / "comtrade.json"
    doc.write_text(json.dumps({"data": rows[:2]}), encoding="utf-8")
    code, out, unexpected = run("import", "comtrade", doc, "--workspace", workspace.root)
    assert code == 0 and unexpected is None, out
    assert len(workspace.query("SELECT * FROM trade_flows")) == 1  # the heading is not a flow
    doc.write_text(json.dumps({"data": rows}), encoding="utf-8")
    code, out, unexpected = run("import", "comtrade", doc, "--workspace", workspace.root)
    assert unexpected is None and code == 2, out
    assert "column 'cmdCode'" in out and "an HS code of up to 6 digits" in out
