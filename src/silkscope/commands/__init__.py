"""Typer sub-command groups, one module per analysis module; ``silkscope.cli`` assembles them."""
