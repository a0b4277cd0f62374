"""Versioned trade-flow storage: one folder per import with the untouched partitions hard-linked,
``flow_version`` switched with ``sources``, old versions removed, pre-version workspaces read and
upgraded, and study paths given to DuckDB escaped (a study ``st[1]`` never reads ``st1``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import WorkspaceError
from silkscope.trade.queries import connect, workspace_flows
from silkscope.workspace import Workspace, sql_path


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def baci_file(folder: Path, year: int, value: float, exporters=(156, 842)) -> Path:
    """A small BACI HS17 flow file of one year (every exporter -> 392, 410; two products)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"BACI_HS17_Y{year}_V202401.csv"
    rows = [f"{year},{i},{j},{k},{value},1.5" for i in exporters for j in (392, 410) for k in (691110, 10121)]
    path.write_text("t,i,j,k,v,q\n" + "\n".join(rows) + "\n")
    return path


def flows(ws: Workspace) -> pd.DataFrame:
    return ws.query("SELECT year, exporter, importer, hs6, value_kusd FROM trade_flows ORDER BY ALL")


def test_reimport_builds_a_new_version_linking_the_untouched_years(workspace, tmp_path):
    for year in (2018, 2019):
        assert (
            run("import", "baci", baci_file(tmp_path / "a", year, 1.0), "--workspace", workspace.root)[0] == 0
        )
    first = workspace.flow_version
    assert first.startswith("v-")
    kept = sorted((workspace.trade_dir / "hs_revision=HS17" / "year=2018").iterdir())
    inodes = [os.stat(p).st_ino for p in kept]

    code, out = run("import", "baci", baci_file(tmp_path / "b", 2019, 9.0), "--workspace", workspace.root)
    assert code == 0, out
    second = workspace.flow_version
    assert second != first and second.startswith("v-")
    # only the current version is left, with no staging folder beside it
    assert [p.name for p in workspace.trade_store.iterdir()] == [second]
    moved = sorted((workspace.trade_dir / "hs_revision=HS17" / "year=2018").iterdir())
    assert [os.stat(p).st_ino for p in moved] == inodes  # hard links: 2018 not rewritten
    stored = flows(workspace)
    assert stored.groupby("year").value_kusd.sum().to_dict() == {2018: 8.0, 2019: 72.0}
    # the view reads the version flow_version names, and sources has each of the three imports
    view = workspace.query("SELECT sql FROM duckdb_views() WHERE view_name = 'trade_flows'").sql.item()
    assert second in view and first not in view
    assert len(workspace.query("SELECT * FROM sources WHERE kind = 'baci'")) == 3
    assert "replaced what the workspace held for: hs_revision=HS17/year=2019" in " ".join(out.split())


def test_a_refused_import_leaves_the_version_and_no_folder(workspace, tmp_path):
    assert run("import", "baci", baci_file(tmp_path / "a", 2018, 1.0), "--workspace", workspace.root)[0] == 0
    before, version = flows(workspace), workspace.flow_version
    bad = baci_file(tmp_path / "bad", 2019, 1.0)
    bad.write_text(bad.read_text() + "2019,156,392,691110,-3,1\n")
    code, out = run("import", "baci", bad, "--workspace", workspace.root)
    assert code == 2 and "expected a number >= 0" in out
    assert workspace.flow_version == version
    assert [p.name for p in workspace.trade_store.iterdir()] == [version]
    assert not list(workspace.root.glob(".baci-*"))
    pd.testing.assert_frame_equal(flows(workspace), before)


def test_a_workspace_of_before_versions_is_read_and_upgraded(workspace, tmp_path):
    """Partitions stored in trade_flows/ itself (no flow_version row) are read as they are; the
    next import links them into its version and removes the old layout."""
    assert run("import", "baci", baci_file(tmp_path / "a", 2018, 2.0), "--workspace", workspace.root)[0] == 0
    expected = flows(workspace)
    version = workspace.trade_store / workspace.flow_version
    for part in version.iterdir():  # back to the layout of before versions
        part.rename(workspace.trade_store / part.name)
    version.rmdir()
    with workspace.transaction() as con:
        con.execute("DROP TABLE flow_version")
        workspace.refresh_trade_view(con)
    legacy = Workspace.open(workspace.root)
    assert legacy.flow_version == "" and legacy.trade_dir == legacy.trade_store
    pd.testing.assert_frame_equal(flows(legacy), expected)

    assert run("import", "baci", baci_file(tmp_path / "b", 2019, 3.0), "--workspace", workspace.root)[0] == 0
    assert [p.name for p in legacy.trade_store.iterdir()] == [legacy.flow_version]
    assert flows(legacy).groupby("year").value_kusd.sum().to_dict() == {2018: 16.0, 2019: 24.0}


def test_sql_path_escapes_glob_characters_and_quotes():
    assert sql_path("/data/st[1]/x*y?z/o'k") == "/data/st[[]1]/x[*]y[?]z/o''k"
    assert sql_path("/plain/path") == "/plain/path"


def test_a_study_path_with_a_question_mark_is_refused_with_a_message(tmp_path):
    with pytest.raises(WorkspaceError, match="path with '\\?'"):
        Workspace.init(tmp_path / "st?")


@pytest.mark.parametrize("name", ["st[1]", "st*", "st[0-9]"])
def test_a_study_named_like_a_glob_reads_only_its_own_flows(tmp_path, name):
    """``st[1]`` (or ``st*``, ``st[0-9]``) as a DuckDB glob matches the sibling ``st1``; its flows must
    come from its own folder only: through the view and through trade queries."""
    sibling, study = Workspace.init(tmp_path / "st1"), Workspace.init(tmp_path / name)
    assert run("import", "baci", baci_file(tmp_path / "s", 2018, 5.0), "--workspace", sibling.root)[0] == 0
    assert study.trade_glob is None and flows(study).empty
    mine = baci_file(tmp_path / "m", 2018, 7.0, exporters=(276,))
    assert run("import", "baci", mine, "--workspace", study.root)[0] == 0
    # the sibling's flows also under the study's version name: an unescaped glob of the study's
    # path would now read them (st[1] matches only st1; st* and st? match both)
    shutil.copytree(sibling.trade_dir, sibling.trade_store / study.flow_version)
    stored = flows(Workspace.open(study.root))
    assert set(stored.exporter) == {"DEU"} and len(stored) == 4 and (stored.value_kusd == 7.0).all()
    table = workspace_flows(connect(), study)
    assert set(table.execute().exporter) == {"DEU"}
    assert set(flows(sibling).exporter) == {"CHN", "USA"}
