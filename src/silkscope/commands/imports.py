"""``silkscope import``: Import real files into a workspace (tables, BACI, UN Comtrade)."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Import real files into a workspace (tables, BACI, UN Comtrade).", no_args_is_help=True
)

# Each analysis module's importers live in their own command module and register here.
from silkscope.commands import import_partners, import_trade  # noqa: E402

import_trade.register(app)
import_partners.register(app)
