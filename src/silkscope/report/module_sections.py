"""The report's module sections (regional disparity, talent, smile curve, IP, segments,
elasticity): one registry so the report and the dashboard show the same sections, each only when
the study holds its inputs, or built on the labelled demo data in the demo and with ``--with-demo``.

A module is registered with :func:`register` from its own file (``report/<module>_section.py``);
``held`` says whether the study holds the inputs, ``build`` makes the section (``demo=True``: on
the module's demo data), ``missing_key`` is the catalogue line of the report's "not in this study"
list naming what to import, ``title_key`` the section's title (so a list of sections needs no
build) and ``demo_note_key`` what the module's demo data is.

A module that cannot be computed from what the study holds (a :class:`SilkscopeError` while
building) becomes a section saying why, so one module never takes the report down with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Literal

from silkscope.errors import SilkscopeError
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

#: how a module appears: on the study's data, on demo data in the demo report, on demo data
#: labelled section by section (``--with-demo``), or only named in "not in this study"
Mode = Literal["held", "demo", "labelled", "missing"]


@dataclass(frozen=True)
class Module:
    """One module section: whether the study holds its inputs, and how to build it."""

    id: str
    missing_key: str
    held: Callable[[ReportInputs], bool]
    build: Callable[[ReportInputs, Translator, bool], Section]
    title_key: str = ""
    demo_note_key: str = "study.demo_note"

    def title(self, t: Translator) -> str:
        return t(self.title_key) if self.title_key else self.id


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


def module_plan(inputs: ReportInputs) -> list[tuple[Module, Mode]]:
    """Each module with how it appears for ``inputs`` (see :data:`Mode`); ``held`` is asked only
    of a real study."""
    plan: list[tuple[Module, Mode]] = []
    for module in modules():
        if inputs.is_demo:
            plan.append((module, "demo"))
        elif module.held(inputs):
            plan.append((module, "held"))
        else:
            plan.append((module, "labelled" if inputs.with_demo else "missing"))
    return plan


def build_module(module: Module, mode: Mode, inputs: ReportInputs, t: Translator) -> Section:
    """The section of ``module`` in ``mode`` (not "missing"); a SilkscopeError becomes a section
    that says the module could not be computed and why."""
    try:
        section = module.build(inputs, t, mode != "held")
    except SilkscopeError as exc:
        section = Section(
            id=module.id, title=module.title(t), paragraphs=[t("study.module_failed", reason=str(exc))]
        )
    if mode == "labelled":
        label_demo(section, t, t(module.demo_note_key))
    return section


def module_sections(inputs: ReportInputs, t: Translator) -> tuple[list[Section], list[str]]:
    """The module sections the report shows, and the "not in this study" lines of the others."""
    sections: list[Section] = []
    missing: list[str] = []
    for module, mode in module_plan(inputs):
        if mode == "missing":
            missing.append(t(module.missing_key))
        else:
            sections.append(build_module(module, mode, inputs, t))
    return sections, missing
