"""The report's topic sections in the dashboard: which ones the served study has, and each one as
JSON (paragraphs, findings, Plotly figures, tables), built on first use and cached.

The topics are the report's own sections, built by the report's functions with the same rules
(:func:`silkscope.report.builder.build_report`): the cluster section (always), the efficiency
section (when the study holds the DEA inputs and output, or in the demo) and every registered
module section (:func:`silkscope.report.module_sections.module_plan`: held, demo, or named in
the "not in this study" list). A module added to the registry appears here with no change.

The list needs no build (titles come from the registry); each section is built when first opened
and cached per language. A :class:`~silkscope.errors.SilkscopeError` while building a core
section is kept and reported for that topic (HTTP 409); a module that fails says so in its own
section (:func:`~silkscope.report.module_sections.build_module`); never a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.io as pio

from silkscope.errors import SilkscopeError
from silkscope.i18n import Translator
from silkscope.index import IndexResult
from silkscope.report.builder import ReportInputs, has_efficiency_inputs
from silkscope.report.charts import has_geo
from silkscope.report.cluster_sections import (
    DEA_INPUTS,
    DEA_OUTPUTS,
    cluster_section,
    efficiency_section,
)
from silkscope.report.document import Section, Table
from silkscope.report.module_sections import Mode, Module, build_module, module_plan
from silkscope.web.state import ApiError, LazyCache, json_records

#: the report's sections built from the index data: id -> catalogue key of the section's title
#: (the same key the section builder uses; a test checks the listed title equals the built one)
CORE_TITLES = {"cluster": "modules.section.cluster", "efficiency": "modules.section.efficiency"}


class TopicError(Exception):
    """A topic that could not be built from the study's data (HTTP 409), with the reason."""

    def __init__(self, topic: str, message: str) -> None:
        super().__init__(message)
        self.topic = topic
        self.message = message


@dataclass(frozen=True)
class _Failed:
    """A build that raised a SilkscopeError, cached so it is not retried on every request."""

    message: str


class Topics:
    """The topic sections of one served study (``inputs``, with the index ``result`` built from
    them and the unit ``names`` per language)."""

    def __init__(
        self, inputs: ReportInputs, result: IndexResult, names: Mapping[str, Mapping[str, str]]
    ) -> None:
        self.inputs = inputs
        self.result = result
        self.names = names
        self.has_efficiency = inputs.is_demo or has_efficiency_inputs(inputs.values)
        # a section, its JSON and the module group per language; a few entries per topic
        self._cache = LazyCache(max_items=64)

    # which topics ------------------------------------------------------------------------------
    def core_ids(self) -> list[str]:
        return ["cluster", *(["efficiency"] if self.has_efficiency else [])]

    def _plan(self) -> dict[str, tuple[Module, Mode]] | _Failed:
        """The registered modules by topic id with how each appears (:func:`module_plan`)."""

        def plan() -> dict[str, tuple[Module, Mode]] | _Failed:
            try:
                planned = module_plan(self.inputs)
            except SilkscopeError as exc:
                return _Failed(str(exc))
            taken = set(CORE_TITLES)
            by_id: dict[str, tuple[Module, Mode]] = {}
            for module, mode in planned:
                key = module.id
                while key in taken:  # a module reusing a core id stays reachable
                    key += "_"
                taken.add(key)
                by_id[key] = (module, mode)
            return by_id

        return self._cache.get(("plan",), plan)

    def _shown(self) -> dict[str, tuple[Module, Mode]]:
        """The module topics the dashboard lists (not the ones only named as missing)."""
        plan = self._plan()
        return {} if isinstance(plan, _Failed) else {k: v for k, v in plan.items() if v[1] != "missing"}

    def listing(self, lang: str) -> dict[str, Any]:
        """The topics (id, title, demo flag), the "not in this study" lines and any failure; no
        module is built to list it."""
        t = Translator(lang)
        topics = [{"id": i, "title": t(CORE_TITLES[i]), "demo": self.inputs.is_demo} for i in self.core_ids()]
        missing: list[str] = []
        if not self.has_efficiency:
            missing.append(t("study.missing.efficiency", ids=", ".join([*DEA_INPUTS, *DEA_OUTPUTS])))
        failed: list[str] = []
        plan = self._plan()
        if isinstance(plan, _Failed):
            failed.append(plan.message)
        else:
            for key, (module, mode) in plan.items():
                if mode == "missing":
                    missing.append(t(module.missing_key))
                else:
                    title = module.title(t) + (t("study.demo_suffix") if mode == "labelled" else "")
                    topics.append({"id": key, "title": title, "demo": mode != "held"})
        return {
            "lang": lang,
            "demo": self.inputs.is_demo,
            "topics": topics,
            "not_in_study": {
                "title": t("study.section.not_in_study"),
                "intro": t("study.not_in_study.intro"),
                "lines": missing,
            },
            "failed": failed,
        }

    def ids(self, lang: str) -> list[str]:
        return self.core_ids() + list(self._shown())

    def is_demo(self, topic: str) -> bool:
        """Whether ``topic`` shows demonstration data: the demo app, or a module on demo data."""
        shown = self._shown()
        return self.inputs.is_demo or (topic in shown and shown[topic][1] != "held")

    # one topic ---------------------------------------------------------------------------------
    def section(self, topic: str, lang: str) -> Section:
        """The built section; ApiError 404 naming the topics there are, TopicError on failure."""
        if topic in CORE_TITLES and topic in self.core_ids():
            built = self._cache.get(("section", topic, lang), lambda: self._build_core(topic, lang))
        else:
            shown = self._shown()
            if topic not in shown:
                known = ", ".join(self.ids(lang))
                raise ApiError(404, f"unknown topic '{topic[:80]}'; the topics of this study are: {known}")
            module, mode = shown[topic]
            built = self._cache.get(
                ("section", topic, lang), lambda: build_module(module, mode, self.inputs, Translator(lang))
            )
        if isinstance(built, _Failed):
            raise TopicError(topic, built.message)
        return built

    def _build_core(self, topic: str, lang: str) -> Section | _Failed:
        t = Translator(lang)
        names = self.names[lang]
        try:
            if topic == "cluster":
                return cluster_section(self.result, t, names, self.inputs.is_demo)
            return efficiency_section(self.inputs.values, t, names, self.inputs.is_demo)
        except SilkscopeError as exc:
            return _Failed(str(exc))

    def payload(self, topic: str, lang: str, download: Callable[[str, int, str], dict[str, str]]) -> dict:
        """The section as JSON (cached per language); ``download(topic, k, lang)`` gives the
        CSV/Excel links of its ``k``-th table."""
        section = self.section(topic, lang)
        return self._cache.get(
            ("payload", topic, lang), lambda: section_json(topic, section, Translator(lang), self, download)
        )

    def table(self, topic: str, index: int, lang: str) -> tuple[pd.DataFrame, str, bool]:
        """The ``index``-th table of a topic, whole (hidden id columns kept, as in the report's
        Excel sheet), its sheet name and whether it is demonstration data."""
        section = self.section(topic, lang)
        if not 0 <= index < len(section.tables):
            raise ApiError(
                404, f"topic '{topic}' has {len(section.tables)} table(s) (0 to {len(section.tables) - 1})"
            )
        table = section.tables[index]
        return table.frame, table.sheet, self.is_demo(topic)


def section_json(
    topic: str,
    section: Section,
    t: Translator,
    topics: Topics,
    download: Callable[[str, int, str], dict[str, str]],
) -> dict[str, Any]:
    """One report section as JSON: text as written (`backquoted` spans are ids the page sets in
    ``<code>``), each figure as Plotly JSON with its caption, each table's shown columns (the
    ``hidden`` ones left out, as in the report's HTML) and all its rows."""
    return {
        "id": topic,
        "lang": t.lang,
        "title": section.title,
        "demo": topics.is_demo(topic),
        "paragraphs": list(section.paragraphs),
        "findings": list(section.findings),
        "figures": [
            {"caption": caption, "geo": has_geo(fig), "figure": json.loads(pio.to_json(fig, validate=False))}
            for caption, fig in section.figures
        ],
        "tables": [
            table_json(table, k, download(topic, k, t.lang)) for k, table in enumerate(section.tables)
        ],
    }


def table_json(table: Table, index: int, links: dict[str, str]) -> dict[str, Any]:
    """A report table as JSON: ``columns`` (name, numeric) and ``records`` without the hidden
    columns; ``shown`` is False for a table the report only names (data behind a chart)."""
    frame = table.frame.drop(columns=[c for c in table.hidden if c in table.frame.columns])
    return {
        "index": index,
        "sheet": table.sheet,
        "title": table.title,
        "shown": bool(table.show_rows),
        "n_rows": len(frame),
        "columns": [
            {"name": str(name), "numeric": numeric}
            for name, numeric in zip(frame.columns, table.numeric(), strict=True)
        ],
        "records": json_records(frame),
        "download": links,
    }
