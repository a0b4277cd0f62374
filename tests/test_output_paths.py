"""Output paths are checked before any work: a file given as the report folder, or a folder the
process cannot write to, is refused at once and nothing is written."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from silkscope.cli import app

runner = CliRunner()


def test_report_refuses_a_file_as_its_folder_before_building(tmp_path: Path):
    target = tmp_path / "report"
    target.write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["report", "--out", str(target)])
    assert result.exit_code == 2
    assert "is a file" in result.output
    assert target.read_text(encoding="utf-8") == "keep me"
    assert "Traceback" not in result.output


def test_report_refuses_a_system_folder(tmp_path: Path):
    result = runner.invoke(app, ["report", "--out", "/proc/silkscope-report"])
    assert result.exit_code == 2
    assert "system folder" in result.output
