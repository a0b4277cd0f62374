"""Workspace: creation, re-opening, transactions that roll back, the sources record."""

from __future__ import annotations

import pytest

from silkscope.errors import WorkspaceError
from silkscope.workspace import SourceRecord, Workspace


def test_init_creates_tables_config_and_outputs(tmp_path):
    ws = Workspace.init(tmp_path / "study")
    assert ws.db_path.is_file() and ws.config_path.is_file() and ws.outputs.is_dir()
    tables = set(ws.query("SHOW TABLES")["name"])
    assert {"units", "indicator_values", "indicators", "trade_flows", "pairs", "sources"} <= tables
    assert ws.config["framework"] == "builtin:cidi"


def test_open_refuses_a_plain_folder(tmp_path):
    with pytest.raises(WorkspaceError, match="silkscope init"):
        Workspace.open(tmp_path)


def test_init_refuses_a_non_empty_foreign_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(WorkspaceError, match="not empty"):
        Workspace.init(tmp_path)


def test_transaction_rolls_back_on_error(workspace):
    with workspace.transaction() as con:
        con.execute("INSERT INTO units VALUES ('P1', 'park', 'Park one', '一号园区', '110000', NULL)")
    with pytest.raises(RuntimeError), workspace.transaction() as con:
        con.execute("INSERT INTO units VALUES ('P2', 'park', 'Park two', '二号园区', '110000', NULL)")
        raise RuntimeError("bad file")
    parks = workspace.query("SELECT unit_id FROM units WHERE level = 'park'")
    assert list(parks["unit_id"]) == ["P1"]


def test_record_source_stores_sha_and_rows(workspace, tmp_path):
    data = tmp_path / "x.csv"
    data.write_text("a,b\n1,2\n")
    record = SourceRecord.for_file(data, "table", rows=1, licence="CC-BY 4.0")
    with workspace.transaction() as con:
        Workspace.record_source(con, record)
    row = workspace.table("sources").iloc[0]
    assert row["rows"] == 1 and row["licence"] == "CC-BY 4.0"
    assert len(row["file_sha256"]) == 64 and row["source_id"].startswith("table:x.csv:")


def test_init_loads_the_provinces(workspace):
    units = workspace.query("SELECT * FROM units WHERE level = 'province' ORDER BY unit_id")
    assert len(units) == 31
    assert units.iloc[0].to_dict()["name_zh"] == "北京市"
    assert set(units["group"]) == {"East", "Central", "West"}


def test_a_framework_saved_from_outside_the_study_is_copied_into_it(tmp_path):
    """index build --save records a framework file kept elsewhere as a copy inside the study, so the
    study still builds after the original file is moved or deleted."""
    from silkscope.workspace import FRAMEWORK_NAME, Workspace

    ws = Workspace.init(tmp_path / "study")
    outside = tmp_path / "fw.yaml"
    outside.write_text("id: x\nchildren: []\n", encoding="utf-8")
    assert ws.framework_spec(outside) == FRAMEWORK_NAME
    outside.unlink()
    assert (ws.root / FRAMEWORK_NAME).read_text(encoding="utf-8") == "id: x\nchildren: []\n"
    inside = ws.root / "frameworks" / "mine.yaml"
    inside.parent.mkdir()
    inside.write_text("id: y\n", encoding="utf-8")
    assert ws.framework_spec(inside) == "frameworks/mine.yaml"
    assert ws.framework_spec("builtin:cidi") == "builtin:cidi"
