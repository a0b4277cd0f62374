"""Shared fixtures: the real public data sets in ../shared/data, skipped with a reason if absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from silkscope.paths import SHARED_DATA_ENV, shared_data_dir


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; tests using it skip, saying why, when it is not there."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}; set {SHARED_DATA_ENV} to run this test")
    return path


@pytest.fixture()
def workspace(tmp_path: Path):
    """A fresh, empty workspace in a temporary folder."""
    from silkscope.workspace import Workspace

    return Workspace.init(tmp_path / "ws")


@pytest.fixture()
def text_path_calls(monkeypatch) -> list:
    """The files that went through the BACI text path (``flows.validate_source``, which still
    runs): a spy, so a test can tell the streaming pass from the fallback."""
    import silkscope.io.flows as flows_module

    calls: list = []
    original = flows_module.validate_source

    def counting(con, source):
        calls.append(source.file.name)
        return original(con, source)

    monkeypatch.setattr(flows_module, "validate_source", counting)
    return calls
