"""Issue 16 part 6: every command in the README's command block runs as written, so the README
cannot drift from the CLI.

Each command line of the block (continuation lines joined) is matched to an invocation here:
commands that run on the built-in demo are run with their placeholders filled in; those the
README marks ``# needs data`` are run on the public files in ``../shared/data`` where the block
names such a file (else their options are checked); ``serve`` runs until stopped, so only its
options are checked (the browser tests drive it). A README command missing here, an option the
CLI does not have, a mark that disagrees, or a failing run fails the test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from silkscope.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"
NEEDS_DATA_MARK = "# needs data"

#: command -> arguments that run it on the demo ({tmp} is a fresh folder); options must be the README's
ON_THE_DEMO: dict[str, list[str]] = {
    "silkscope --help": ["--help"],
    "silkscope --version": ["--version"],
    "silkscope init": ["init", "{tmp}/study"],
    "silkscope index build": ["index", "build", "--weights", "entropy", "--min-coverage", "0.667",
                              "--group-by", "reference:china-3belt", "--out", "{tmp}/index.csv"],
    "silkscope index weights": ["index", "weights", "--method", "critic", "--year", "2018", "--out", "{tmp}/w.csv"],
    "silkscope index uncertainty": ["index", "uncertainty", "--n", "40", "--seed", "1", "--out", "{tmp}/u.csv"],
    "silkscope index audit": ["index", "audit", "--year", "2018", "--out", "{tmp}/audit.xlsx"],
    "silkscope report": ["report", "--lang", "zh", "--out", "{tmp}/report"],
    "silkscope cluster spatial": ["cluster", "spatial", "--variable", "pf_value_added", "--weights", "contiguity",
                                  "--permutations", "99", "--seed", "1", "--out", "{tmp}/s.csv"],
    "silkscope cluster echelons": ["cluster", "echelons", "--variable", "pf_value_added", "--method", "jenks",
                                   "--k", "3", "--out", "{tmp}/e.csv"],
    "silkscope cluster efficiency": ["cluster", "efficiency", "--inputs", "pf_employment,pf_assets",
                                     "--outputs", "pf_value_added", "--model", "bcc", "--orientation", "input",
                                     "--out", "{tmp}/dea.csv"],
    "silkscope cluster malmquist": ["cluster", "malmquist", "--inputs", "pf_employment,pf_assets",
                                    "--outputs", "pf_value_added", "--out", "{tmp}/m.csv"],
    "silkscope trade indicators": ["trade", "indicators", "--reporter", "CHN", "--partners", "bri",
                                   "--products", "cultural", "--years", "2015-2022", "--out", "{tmp}/t.csv"],
    "silkscope trade complexity": ["trade", "complexity", "--out", "{tmp}/complexity"],
    "silkscope trade values": ["trade", "values", "--by", "exporter,year", "--exporter", "CHN", "--out", "{tmp}/v.csv"],
    "silkscope trade cms": ["trade", "cms", "--exporter", "CHN", "--base", "2015", "--end", "2022",
                            "--out", "{tmp}/cms.csv"],
    "silkscope partners potential": ["partners", "potential", "--exporter", "CHN", "--products",
                                     "6911,6912,6913", "--out", "{tmp}/p.csv"],
    "silkscope partners tiers": ["partners", "tiers", "--out", "{tmp}/tiers.csv"],
    "silkscope talent gap": ["talent", "gap", "--demo", "--horizon", "5", "--out", "{tmp}/gap.csv"],
    "silkscope trade elasticity": ["trade", "elasticity", "--products", "6911", "--boot", "20",
                                   "--out", "{tmp}/sigma.csv"],
}  # fmt: skip
#: commands on public files the README names ({data} = the shared data folder, {tmp}/study a study)
ON_SHARED_DATA: dict[str, list[str]] = {
    "silkscope import wdi": ["import", "wdi", "{data}/wdi_extracts/raw/*.csv", "--workspace", "{tmp}/study"],
    "silkscope import confucius": ["import", "confucius", "{data}/confucius_institutes/confucius_institutes.csv",
                                   "--workspace", "{tmp}/study"],
    "silkscope import heritage": ["import", "heritage", "{data}/unesco_world_heritage/whc-sites-2023.csv",
                                  "--workspace", "{tmp}/study"],
    "silkscope import geodist": ["import", "geodist", "{data}/cepii_geodist/dist_cepii.csv.gz",
                                 "--workspace", "{tmp}/study"],
    "silkscope partners distance": ["partners", "distance", "--hofstede",
                                    "{data}/hofstede/6-dimensions-for-website-2015-08-16.csv",
                                    "--home", "CHN", "--out", "{tmp}/distance.csv"],
    "silkscope partners table": ["partners", "table", "--workspace", "{tmp}/study", "--home", "CHN",
                                 "--out", "{tmp}/partners.csv"],
}  # fmt: skip
#: commands that need the user's own files (the README marks them); their options are checked
NEEDS_OWN_DATA = {
    "silkscope import table",
    "silkscope import baci",
    "silkscope import comtrade",
    "silkscope cluster agglomeration",
    "silkscope partners gravity",
    "silkscope partners segments",
    "silkscope cluster smile",
    "silkscope regions disparity",
    "silkscope regions convergence",
    "silkscope regions markov",
    "silkscope regions coupling",
    "silkscope regions obstacles",
}
#: fetch from the publishers: options checked here, the downloads run in tests/test_data_download.py
#: against a local HTTP server (tests never touch the network)
NEEDS_NETWORK = {
    "silkscope data download wdi",
    "silkscope data download baci",
    "silkscope data download geodist",
    "silkscope data download comtrade",
}
NEEDS_NETWORK_MARK = "# needs the network"
#: runs until stopped: options checked here, the dashboard tested in the browser tests
LONG_RUNNING = {"silkscope serve"}


def readme_commands() -> dict[str, str]:
    """``{command: its README line(s) joined}`` from the bash block under "## Command line"."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"## Command line\s+```bash\n(.*?)```", text, re.S)
    assert block, "README has no ```bash block under '## Command line'"
    lines: list[str] = []
    for line in block.group(1).splitlines():
        if line.startswith("silkscope"):
            lines.append(line)
        elif line.startswith(" ") and line.strip() and lines:
            lines[-1] += " " + line.strip()
    commands: dict[str, str] = {}
    for line in lines:
        words = line.split("#", 1)[0].split()
        name = " ".join(words[:2]) if words[1].startswith("-") else command_name(words)
        assert name not in commands, f"README lists {name} twice"
        commands[name] = line
    return commands


def command_name(words: list[str]) -> str:
    """The longest run of command and group names at the start of a README line, e.g.
    "silkscope data download wdi" or "silkscope init" (the CLI's own tree decides)."""
    command, name = typer.main.get_command(app), [words[0]]
    for word in words[1:]:
        if word not in getattr(command, "commands", {}):
            break
        command = command.commands[word]
        name.append(word)
    return " ".join(name)


def options_of(line: str) -> set[str]:
    """The ``--options`` a README line names (its comment left out)."""
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", line.split(" # ", 1)[0]))


def cli_options(name: str) -> set[str]:
    """Every option the CLI command ``name`` ("silkscope trade cms") accepts."""
    command = typer.main.get_command(app)
    for word in name.split()[1:]:
        if word.startswith("-"):
            break
        assert hasattr(command, "commands"), f"{name}: '{word}' is not a command group"
        assert word in command.commands, f"{name}: no command '{word}'"
        command = command.commands[word]
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


COMMANDS = readme_commands()


def test_every_readme_command_is_covered_and_marked():
    covered = set(ON_THE_DEMO) | set(ON_SHARED_DATA) | NEEDS_OWN_DATA | LONG_RUNNING | NEEDS_NETWORK
    assert set(COMMANDS) == covered
    marked = {name for name, line in COMMANDS.items() if NEEDS_DATA_MARK in line}
    assert marked == set(ON_SHARED_DATA) | NEEDS_OWN_DATA  # the README says which need data
    online = {name for name, line in COMMANDS.items() if NEEDS_NETWORK_MARK in line}
    assert online == NEEDS_NETWORK


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_readme_options_exist(name):
    missing = options_of(COMMANDS[name]) - cli_options(name) - {"--help", "--version"}
    assert missing == set(), f"README names options {name} does not have"


def _run(args: list[str], tmp: Path, data: Path | None = None):
    filled: list[str] = []
    for arg in args:
        arg = arg.replace("{tmp}", str(tmp)).replace("{data}", str(data))
        filled += sorted(str(p) for p in Path("/").glob(arg.lstrip("/"))) if "*" in arg else [arg]
    result = CliRunner().invoke(app, filled)
    assert result.exit_code == 0, f"silkscope {' '.join(filled)}\n{result.output}"
    return result


@pytest.mark.parametrize("name", sorted(ON_THE_DEMO))
def test_readme_command_runs_on_the_demo(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no study in the current folder: the demo
    args = ON_THE_DEMO[name]
    assert {a for a in args if a.startswith("--")} <= options_of(COMMANDS[name]) | {"--help", "--version"}
    result = _run(args, tmp_path)
    out = [a for a in args if a.startswith("{tmp}")]
    for path in out:
        assert Path(path.replace("{tmp}", str(tmp_path))).exists(), path
    if name == "silkscope --version":
        assert result.output.startswith("silkscope ")


@pytest.mark.shared
def test_readme_commands_run_on_the_shared_files(shared_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _run(["init", "{tmp}/study"], tmp_path)
    for name in ON_SHARED_DATA:  # in README order: imports first, then the partner table
        args = ON_SHARED_DATA[name]
        assert {a for a in args if a.startswith("--")} <= options_of(COMMANDS[name])
        _run(args, tmp_path, shared_data)
    assert (tmp_path / "partners.csv").stat().st_size > 0
    assert (tmp_path / "distance.csv").stat().st_size > 0
