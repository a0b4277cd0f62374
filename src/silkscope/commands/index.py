"""``silkscope index``: Composite index: build, weights, uncertainty, audit."""

from __future__ import annotations

import typer

app = typer.Typer(help="Composite index: build, weights, uncertainty, audit.", no_args_is_help=True)
