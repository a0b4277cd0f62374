"""``silkscope import`` sub-commands for the partners module's source files.

``register(app)`` adds them to the ``import`` group (see ``commands/imports.py``).
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's import commands to the ``import`` group."""
