"""How ``--help`` reads at 80 columns: flags show no ``<bool>`` type (they take no value).

Typer's rich help prints a type column for every option, ``<bool>`` for flags included, which
says nothing to a reader and narrows the help column. Choices are written in each option's help
as ``a | b | c`` so they wrap between words instead of being cut."""

from __future__ import annotations


def hide_flag_types() -> None:
    """Make Typer's help leave the type column empty for flags (``--save``, ``--help``, ...)."""
    from typer.core import TyperOption

    original = getattr(TyperOption, "display_type_rich", None)
    if original is None or getattr(original, "_silkscope", False):
        return  # another Typer version: nothing to adjust, or already adjusted

    def display_type_rich(self, ctx):
        return None if self.is_flag else original(self, ctx)

    display_type_rich._silkscope = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich
