"""The study lock: a second writer waits up to ``--wait`` seconds, then stops with a message
naming the study and the holder's pid; a killed holder frees it; stale staging is cleaned only
when nobody holds it; the lock is re-entrant within a process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.workspace import StudyLockedError, Workspace


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def baci_file(folder: Path, year: int = 2019) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"BACI_HS17_Y{year}_V202401.csv"
    path.write_text(f"t,i,j,k,v,q\n{year},156,842,691110,10,2\n{year},156,392,691110,4,NA\n")
    return path


class Holder:
    """A separate process that takes the study lock (or DuckDB's own, ``duckdb=True``) and keeps
    it until told to release (a line on stdin) or killed."""

    def __init__(self, root: Path, duckdb: bool = False) -> None:
        take = (
            f"con = duckdb.connect({str(root / 'silkscope.duckdb')!r})"
            if duckdb
            else f"cm = Workspace({str(root)!r}).lock(); cm.__enter__()"
        )
        code = textwrap.dedent(
            f"""
            import sys, duckdb
            from silkscope.workspace import Workspace
            {take}
            print("held", flush=True)
            sys.stdin.readline()
            """
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout.readline().strip() == "held"

    def release(self) -> None:
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        assert self.proc.wait(timeout=60) == 0

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=60)


def test_a_second_writer_stops_with_the_study_and_the_holder(workspace, tmp_path):
    holder = Holder(workspace.root)
    try:
        code, out = run("import", "baci", baci_file(tmp_path), "--wait", "0.3", "--workspace", workspace.root)
        text = " ".join(out.split())
        assert code == 2, out
        assert f"study {workspace.root} is being changed by pid {holder.proc.pid}" in text
        assert "--wait SECONDS" in text and "Traceback" not in out
        with pytest.raises(StudyLockedError, match=str(holder.proc.pid)):  # every writer, not only imports
            Workspace(workspace.root, wait=0.2).log("test", {})
        assert workspace.query("SELECT count(*) AS n FROM sources").n.item() == 0
    finally:
        holder.release()
    code, out = run("import", "baci", baci_file(tmp_path), "--wait", "0", "--workspace", workspace.root)
    assert code == 0, out  # released: the next writer gets it at once


def test_a_writer_waits_for_the_holder_to_finish(workspace, tmp_path):
    holder = Holder(workspace.root)
    proc = subprocess.Popen(
        [sys.executable, "-m", "silkscope.cli", "import", "baci", str(baci_file(tmp_path)),
         "--wait", "120", "--workspace", str(workspace.root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    waiting = proc.stderr.readline()  # said once, before it waits
    assert f"waiting up to 120 s for study {workspace.root}: held by pid {holder.proc.pid}" in waiting
    assert proc.poll() is None
    holder.release()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert workspace.query("SELECT count(*) AS n FROM trade_flows").n.item() == 2


def test_a_killed_holder_frees_the_lock(workspace, tmp_path):
    holder = Holder(workspace.root)
    holder.kill()
    code, out = run("import", "baci", baci_file(tmp_path), "--wait", "0", "--workspace", workspace.root)
    assert code == 0, out


def test_duckdbs_own_lock_is_a_message_too(workspace):
    """A process holding the database file itself (not through silkscope): readers and writers
    get a message naming its pid instead of DuckDB's 'Could not set lock' traceback."""
    holder = Holder(workspace.root, duckdb=True)
    try:
        quick = Workspace(workspace.root, wait=0.2)
        with pytest.raises(StudyLockedError, match=f"pid {holder.proc.pid}"):
            quick.query("SELECT 1")
        with pytest.raises(StudyLockedError, match=f"pid {holder.proc.pid}"):
            quick.log("test", {})
    finally:
        holder.release()


def test_stale_staging_is_removed_only_when_nobody_holds_the_lock(workspace):
    left = [
        workspace.root / ".baci-dead1",
        workspace.trade_store / ".staging-dead2",
        workspace.trade_store / "v-unreferenced",
    ]
    for folder in left:
        (folder / "hs_revision=HS17" / "year=2019").mkdir(parents=True)
    holder = Holder(workspace.root)
    try:
        Workspace.open(workspace.root)  # a live holder: its staging may be in use
        assert all(p.is_dir() for p in left)
    finally:
        holder.release()
    Workspace.open(workspace.root)
    assert not any(p.exists() for p in left)


def test_the_lock_is_reentrant_and_released(workspace):
    with workspace.lock(wait=0), workspace.transaction() as con:  # the transaction re-enters it
        con.execute("INSERT INTO provenance VALUES (now(), 'nested', NULL)")
        workspace.update_config(name="renamed")
    assert workspace.config["name"] == "renamed"
    assert workspace.lock_path.read_text() == ""  # released: no holder recorded
    with workspace.lock(wait=0):
        info = workspace.lock_path.read_text()
        assert f'"pid": {os.getpid()}' in info
