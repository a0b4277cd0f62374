"""A multi-year BACI re-import killed (SIGKILL, by the ``SILKSCOPE_TEST_KILL_AT`` hook) at every
named phase: the study then reads exactly the old data or exactly the new (every row of
``trade_flows`` and ``sources`` compared), never a mix, and the next command removes what the
killed import left behind (``.baci-*``, ``.staging-*``, an unreferenced version)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from silkscope.workspace import KILL_ENV, Workspace

# phases of io/flows.py (and commands/import_trade.py) in the order an import passes them; a kill
# before the transaction commits must leave the old data, one after it the new
BEFORE_COMMIT = ("written", "staged", "linking", "linked", "renamed", "switching")
AFTER_COMMIT = ("switched",)
EXPORTERS, IMPORTERS = (156, 842, 276), (392, 410, 643, 36)
PRODUCTS = ("10121", "691110", "970110", "490199")


def baci_year(year: int, scale: float) -> str:
    """A BACI flow file of one year: every exporter x importer x product, values scaled."""
    lines = ["t,i,j,k,v,q"]
    n = 0
    for i in EXPORTERS:
        for j in IMPORTERS:
            for k in PRODUCTS:
                n += 1
                q = "NA" if n % 7 == 0 else f"{n * 0.5:.3f}"
                lines.append(f"{year},{i},{j},{k},{n * scale:.3f},{q}")
    return "\n".join(lines) + "\n"


def release_zip(path: Path, years: dict[int, float]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for year, scale in years.items():
            zf.writestr(f"BACI_HS17_Y{year}_V202401.csv", baci_year(year, scale))
    return path


def run_cli(*args: str | Path, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop(KILL_ENV, None)
    if kill_at:
        env[KILL_ENV] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "silkscope.cli", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def state(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every flow and every sources row (without the import time) the study reads."""
    ws = Workspace(root)
    flows = ws.query("SELECT * FROM trade_flows ORDER BY ALL")
    sources = ws.query("SELECT source_id, title, file_sha256, rows, kind FROM sources ORDER BY source_id")
    return flows, sources


def same(a: tuple[pd.DataFrame, pd.DataFrame], b: tuple[pd.DataFrame, pd.DataFrame]) -> bool:
    return all(x.shape == y.shape and x.equals(y) for x, y in zip(a, b, strict=True))


def leftovers(root: Path) -> list[str]:
    store = root / "trade_flows"
    found = [p.name for p in root.glob(".baci-*")]
    found += [p.name for p in store.iterdir() if p.name.startswith(".")]
    return found


@pytest.fixture(scope="module")
def studies(tmp_path_factory) -> dict[str, Path]:
    """A study holding 2018-2020 (the old data), the re-import 2019-2021 with other values, and
    the same re-import done without a kill (the new data)."""
    base = tmp_path_factory.mktemp("kill")
    old_zip = release_zip(base / "BACI_HS17_V202301.zip", {2018: 1.0, 2019: 1.0, 2020: 1.0})
    new_zip = release_zip(base / "BACI_HS17_V202401.zip", {2019: 3.0, 2020: 5.0, 2021: 7.0})
    old = base / "old"
    assert run_cli("init", old).returncode == 0
    done = run_cli("import", "baci", old_zip, "--workspace", old)
    assert done.returncode == 0, done.stderr
    new = base / "new"
    shutil.copytree(old, new)
    done = run_cli("import", "baci", new_zip, "--workspace", new)
    assert done.returncode == 0, done.stderr
    return {"base": base, "old": old, "new": new, "zip": new_zip}


def test_old_and_new_states_differ_as_built(studies):
    """The two states the kill test tells apart: 2018 kept, 2019-2020 replaced, 2021 added."""
    old_flows, old_sources = state(studies["old"])
    new_flows, new_sources = state(studies["new"])
    n = len(EXPORTERS) * len(IMPORTERS) * len(PRODUCTS)
    assert old_flows.groupby("year").size().to_dict() == {2018: n, 2019: n, 2020: n}
    assert new_flows.groupby("year").size().to_dict() == {2018: n, 2019: n, 2020: n, 2021: n}
    total = n * (n + 1) / 2  # values are 1..n times the year's scale
    sums = new_flows.groupby("year").value_kusd.sum()
    assert sums.to_dict() == pytest.approx({2018: total, 2019: 3 * total, 2020: 5 * total, 2021: 7 * total})
    pd.testing.assert_frame_equal(
        old_flows[old_flows.year == 2018].reset_index(drop=True),
        new_flows[new_flows.year == 2018].reset_index(drop=True),
    )
    assert len(old_sources) == 1 and len(new_sources) == 2


@pytest.mark.parametrize("phase", BEFORE_COMMIT + AFTER_COMMIT)
def test_a_kill_leaves_old_or_new_and_the_next_command_cleans(studies, phase):
    root = studies["base"] / f"killed-{phase}"
    shutil.copytree(studies["old"], root)
    killed = run_cli("import", "baci", studies["zip"], "--workspace", root, kill_at=phase)
    assert killed.returncode == -signal.SIGKILL, f"not killed at {phase}: {killed.stderr}"
    after = state(root)  # read before any command opens the study (nothing cleaned yet)
    expected = studies["old"] if phase in BEFORE_COMMIT else studies["new"]
    other = studies["new"] if phase in BEFORE_COMMIT else studies["old"]
    assert same(after, state(expected)), f"killed at {phase}: not the expected state"
    assert not same(after, state(other))
    if phase in BEFORE_COMMIT:
        assert leftovers(root), f"killed at {phase}: nothing left to clean (is the phase reached?)"
    versions = [p.name for p in (root / "trade_flows").iterdir() if p.name.startswith("v-")]
    built = BEFORE_COMMIT.index(phase) >= BEFORE_COMMIT.index("renamed") if phase in BEFORE_COMMIT else True
    assert len(versions) == (2 if built else 1)  # + the killed import's new version, or the old one

    Workspace.open(root)  # the next command
    assert leftovers(root) == []
    kept = [p.name for p in (root / "trade_flows").iterdir()]
    assert kept == [Workspace(root).flow_version]
    assert same(state(root), state(expected))
    again = run_cli("import", "baci", studies["zip"], "--workspace", root)  # and it still imports
    assert again.returncode == 0, again.stderr
    assert same(state(root), state(studies["new"]))
