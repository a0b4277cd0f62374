"""Issue 16 part 5: the CLI reads well at 80 columns, names instead of ids in previews, precise
suggestions for a mistyped country code, the busy-port message before any URL."""

from __future__ import annotations

import re
import socket

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.commands._common import console, preview_frame, show_table
from silkscope.commands._suggest import country_suggestions, did_you_mean

runner = CliRunner()


def _all_commands(command=None, path=()):
    command = command or typer.main.get_command(app)
    yield list(path)
    for name, sub in getattr(command, "commands", {}).items():
        yield from _all_commands(sub, (*path, name))


@pytest.mark.parametrize("path", list(_all_commands()), ids=lambda p: " ".join(p) or "silkscope")
def test_help_fits_80_columns_without_cut_choices_or_bool(path):
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    # rich cuts a cell that does not fit with "…" at its end ("--normal…", "none|mean|gro…")
    assert not [line for line in lines if re.search(r"\w…(\s|$)", line)], "a choice or option name is cut"
    assert "<bool>" not in result.output


def test_index_build_help_lists_every_choice():
    result = runner.invoke(app, ["index", "build", "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    text = " ".join(result.output.replace("│", " ").split())
    for choice in ("group-mean", "previous-year", "ratio-to-mean", "harmonic", "topsis", "--force-ahp"):
        assert choice in text


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("CHA", "CHN"),
        ("VMN", "VNM"),
        ("UZK", "UZB"),
        ("Veitnam", "VNM"),
        ("越南", "VNM"),
        ("Mongolia", "MNG"),
    ],
)
def test_a_mistyped_country_gets_the_likely_code_first(typed, first):
    assert country_suggestions(typed)[0] == first


def test_nothing_close_points_to_the_codes():
    assert country_suggestions("XXXXXXX") == []
    assert "ISO3" in did_you_mean("XXXXXXX")


def test_trade_indicators_suggests_for_reporter_and_partners(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = str(tmp_path / "t.csv")
    args = ["trade", "indicators", "--products", "ceramics", "--out", out]
    bad_reporter = runner.invoke(app, [*args, "--reporter", "CHA", "--partners", "VNM"])
    assert bad_reporter.exit_code == 2
    assert "--reporter: unknown country code 'CHA': did you mean CHN (China)" in bad_reporter.output
    assert "map them in the file" not in bad_reporter.output
    bad_partner = runner.invoke(app, [*args, "--reporter", "CHN", "--partners", "VNM,UZK"])
    assert bad_partner.exit_code == 2
    assert "'UZK': did you mean UZB (Uzbekistan)" in bad_partner.output
    assert not (tmp_path / "t.csv").exists()


def test_serve_on_a_busy_port_says_so_before_any_url():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = runner.invoke(app, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in result.output
    assert f"--port {port + 1}" in result.output
    assert "dashboard at" not in result.output and "Traceback" not in result.output


def test_previews_show_names_dashes_and_the_repeated_note_once(monkeypatch):
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    note = "demonstration data / 演示数据"
    frame = pd.DataFrame(
        {
            "unit_id": ["460000", "110000", "999999"],
            "partner": ["VNM", "WLD", "MNG"],
            "value": [1.23456, np.nan, 2.0],
            "text": ["0.5", "nan", "691110"],
            "note": [note] * 3,
        }
    )
    shown, notes = preview_frame(frame)
    assert list(shown["unit"]) == ["海南省", "北京市", "999999"]  # unknown ids shown, not hidden
    assert list(shown["partner"]) == ["越南", "世界", "蒙古"]
    assert "note" not in shown.columns and notes == [note]
    with console.capture() as captured:
        show_table(frame)
    text = captured.get()
    assert text.count("演示数据") == 1
    assert "nan" not in text.lower() and "–" in text
    assert "1.235" in text and "691110" in text and "0.5" in text
