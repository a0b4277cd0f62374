"""The `silkscope index build|weights` contract, on the demo."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app

runner = CliRunner()


def test_help_lists_groups():
    result = runner.invoke(app, ["--help"])
    for group in ("init", "import", "index", "trade", "partners", "cluster", "report"):
        assert group in result.output


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_build_contract_columns(tmp_path: Path, suffix: str):
    out = tmp_path / f"scores{suffix}"
    result = runner.invoke(
        app,
        [
            "index",
            "build",
            "--normalise",
            "rank",
            "--weights",
            "entropy",
            "--aggregate",
            "geometric",
            "--group-by",
            "reference:china-3belt",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    frame = (
        pd.read_excel(out, sheet_name="scores")
        if suffix == ".xlsx"
        else (pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out))
    )
    assert list(frame.columns) == ["unit_id", "year", "level", "node", "score", "rank", "coverage"]
    assert set(frame.level) == {"index", "pillar", "dimension", "indicator"}
    assert frame.groupby(["year", "node"])["rank"].min().eq(1).all()


def test_weights_contract(tmp_path: Path):
    out = tmp_path / "w.csv"
    result = runner.invoke(app, ["index", "weights", "--method", "entropy", "--out", str(out)])
    assert result.exit_code == 0, result.output
    w = pd.read_csv(out)
    assert list(w.columns[:2]) == ["node", "weight"]
    assert w.groupby("parent")["weight"].sum().round(10).eq(1).all()
    flat = tmp_path / "flat.csv"
    result = runner.invoke(
        app, ["index", "weights", "--method", "critic", "--flat", "--year", "2018", "--out", str(flat)]
    )
    assert result.exit_code == 0, result.output
    assert pd.read_csv(flat)["weight"].sum() == pytest.approx(1.0)


def test_unknown_method_is_a_clear_error(tmp_path: Path):
    result = runner.invoke(
        app, ["index", "build", "--normalise", "softmax", "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2
    assert "unknown normalise method 'softmax'" in result.output
