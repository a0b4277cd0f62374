"""``silkscope trade``: Cultural trade: indicators, complexity."""

from __future__ import annotations

import typer

app = typer.Typer(help="Cultural trade: indicators, complexity.", no_args_is_help=True)
