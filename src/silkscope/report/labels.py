"""Readable labels for ids the report would otherwise print raw: framework levels, directions,
units, method choices and their values (catalogue ``polish.po``); Python values (None, False,
lists) become words and ranges. Unknown ids are shown unchanged, so nothing is silently hidden."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from silkscope.i18n import Translator


def label(t: Translator, group: str, value: object) -> str:
    """``polish.<group>.<value>`` from the catalogue, else ``value`` as text ('' for missing)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    key = f"polish.{group}.{text}"
    return t(key) if t.has(key) else text


def choice_value(t: Translator, value: object) -> str:
    """A method choice's value for people: yes/no, none, a range ``60–100``, a rounded number."""
    if value is None:
        return t("polish.none")
    if isinstance(value, bool):
        return t("polish.yes") if value else t("polish.no")
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "–".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return label(t, "value", value)
