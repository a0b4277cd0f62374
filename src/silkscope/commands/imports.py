"""``silkscope import``: Import real files into a workspace (tables, BACI, UN Comtrade)."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Import real files into a workspace (tables, BACI, UN Comtrade).", no_args_is_help=True
)
