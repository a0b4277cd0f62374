"""``silkscope cluster``: Agglomeration, spatial statistics, echelons, efficiency (DEA, Malmquist)."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Agglomeration, spatial statistics, echelons, efficiency (DEA, Malmquist).", no_args_is_help=True
)
