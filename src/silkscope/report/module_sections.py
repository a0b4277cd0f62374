"""The module part of the report: one section per analysis module (trade, partners, clusters,
efficiency), after the index sections and before the methods appendix."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from silkscope.i18n import Translator
from silkscope.index import IndexResult
from silkscope.report.cluster_sections import cluster_section, efficiency_section
from silkscope.report.document import Section
from silkscope.report.trade_sections import TradeInputs, partners_section, trade_section

__all__ = ["TradeInputs", "module_sections"]


def module_sections(
    trade: TradeInputs,
    result: IndexResult,
    t: Translator,
    names: Mapping[str, str],
    index_is_demo: bool,
    values: pd.DataFrame | None = None,
) -> list[Section]:
    """The module part of the report, in reading order (after the index sections); ``values``
    (long indicator values) feed the efficiency section."""
    sections = [trade_section(trade, t), partners_section(trade, t)]
    sections.append(cluster_section(result, t, names, index_is_demo))
    if values is not None:
        sections.append(efficiency_section(values, t, names, index_is_demo))
    return sections
