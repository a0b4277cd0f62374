"""The report's module sections (talent, smile curve, IP, segments, elasticity, regions): one
registry so the report and the dashboard show the same sections, each only when the study holds
its inputs, or built on the labelled demo data in the demo and with ``--with-demo``.

A module is registered with :func:`register` from its own file (``report/<module>_section.py``);
``held`` says whether the study holds the inputs, ``build`` makes the section (``demo=True``: on
the module's seeded demo data) and ``missing_key`` is the catalogue line of the report's "not in
this study" list, naming what to import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from silkscope.i18n import Translator
from silkscope.report.document import Section, label_demo

if TYPE_CHECKING:
    from silkscope.report.builder import ReportInputs

#: the files that register a module, imported on first use, in the report's order
MODULE_FILES: tuple[str, ...] = (
    "regions_section",
    "talent_section",
    "smile_section",
    "ip_section",
    "segments_section",
    "elasticity_section",
)


@dataclass(frozen=True)
class Module:
    """One module section: whether the study holds its inputs, and how to build it."""

    id: str
    missing_key: str
    held: Callable[[ReportInputs], bool]
    build: Callable[[ReportInputs, Translator, bool], Section]


_MODULES: dict[str, Module] = {}


def register(module: Module) -> Module:
    """Add ``module`` to the registry (a module file calls this once, at import)."""
    _MODULES[module.id] = module
    return module


def modules() -> list[Module]:
    """The registered modules, in :data:`MODULE_FILES` order."""
    for name in MODULE_FILES:
        import_module(f"silkscope.report.{name}")
    return list(_MODULES.values())


def module_sections(inputs: ReportInputs, t: Translator) -> tuple[list[Section], list[str]]:
    """The module sections the report shows, and the "not in this study" lines of the others.

    A module whose inputs the study holds is built on them; otherwise, in the demo it is built on
    demo data (the whole report is labelled), with ``with_demo`` it is built on demo data and
    labelled section by section (:func:`label_demo`), else it is named in the missing list."""
    sections: list[Section] = []
    missing: list[str] = []
    for module in modules():
        if not inputs.is_demo and module.held(inputs):
            sections.append(module.build(inputs, t, False))
        elif inputs.is_demo:
            sections.append(module.build(inputs, t, True))
        elif inputs.with_demo:
            sections.append(label_demo(module.build(inputs, t, True), t))
        else:
            missing.append(t(module.missing_key))
    return sections, missing
