"""Shared helpers of the module sections (talent, smile, regional disparity): the study a report
reads, display names of the user's labels, and number formats for findings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from silkscope.i18n import Translator
from silkscope.report.document import Section

if TYPE_CHECKING:
    from silkscope.report.builder import ReportInputs


def study(inputs: ReportInputs):
    """The report's study (a ``Workspace``), or None for the demo."""
    if inputs.workspace is None:
        return None
    from silkscope.workspace import Workspace

    return Workspace.open(inputs.workspace)


def label(t: Translator, group: str, value: object) -> str:
    """A user label in the report's language: the catalogue's ``module_a.<group>.<value>`` when
    the product names it (demo fields and stages), a province or country name for a unit
    spelling, else the label as the user wrote it."""
    text = str(value)
    key = f"module_a.{group}.{text}"
    if t.has(key):
        return t(key)
    if group == "region":
        from silkscope.reference import UnitResolver, unit_name

        unit = UnitResolver().resolve(text)
        if unit is not None:
            return unit_name(unit, t.lang)
    return text


def labels(t: Translator, group: str, values: pd.Series) -> list[str]:
    """:func:`label` of each value (computed once per distinct value)."""
    names = {v: label(t, group, v) for v in pd.unique(values)}
    return [names[v] for v in values]


def num(value: float, digits: int = 2) -> str:
    """A number as findings print it (thousands separated; '–' when missing)."""
    if value is None or pd.isna(value):
        return "–"
    return f"{value:,.{digits}f}"


def amount(value: float) -> str:
    """A count or amount for findings: whole numbers from 100 up, two decimals below."""
    if value is None or pd.isna(value):
        return "–"
    return num(value, 0 if abs(value) >= 100 else 2)


def refused(section_id: str, title: str, t: Translator, error: Exception) -> Section:
    """The section of a module whose inputs the study holds but which cannot be computed on them
    (e.g. no region × field in both talent tables): says so and why, instead of failing the report."""
    return Section(id=section_id, title=title, paragraphs=[t("module_a.cannot", error=str(error))])
