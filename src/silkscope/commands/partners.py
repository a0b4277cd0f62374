"""``silkscope partners``: Partner markets: gravity, distance, export potential, tiers."""

from __future__ import annotations

import typer

app = typer.Typer(help="Partner markets: gravity, distance, export potential, tiers.", no_args_is_help=True)
