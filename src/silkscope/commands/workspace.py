"""``silkscope init``: create a study folder."""

from __future__ import annotations

from pathlib import Path

import typer

from silkscope.commands._common import console, reports_errors


@reports_errors
def init(
    directory: Path = typer.Argument(..., help="Folder to create (or complete) as a workspace."),
    name: str = typer.Option(None, help="Study name recorded in silkscope.yaml."),
) -> None:
    """Create a study folder: silkscope.duckdb, silkscope.yaml and outputs/."""
    from silkscope.workspace import Workspace

    ws = Workspace.init(directory, name=name)
    console.print(f"workspace ready at {ws.root}")
