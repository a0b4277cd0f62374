"""A report as data: sections of text, figures and tables, rendered to one offline HTML file and
one Excel workbook that holds every table behind every chart."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from silkscope.i18n import Translator
from silkscope.io.writers import write_text, write_workbook
from silkscope.report.charts import figure_div, plotly_js


@dataclass
class Table:
    """A table shown in the report and written as one Excel sheet (``sheet`` is its name)."""

    sheet: str
    title: str
    frame: pd.DataFrame
    show_rows: int = 40
    #: columns written to the Excel sheet but not shown in the HTML table (ids beside the names)
    hidden: tuple[str, ...] = ()

    def shown(self) -> pd.DataFrame:
        """The rows and columns the HTML shows: the first ``show_rows``, without ``hidden``."""
        return self.frame.drop(columns=[c for c in self.hidden if c in self.frame.columns]).head(
            self.show_rows
        )

    def numeric(self) -> list[bool]:
        """Per shown column: numbers (right-aligned) or text (left-aligned)."""
        frame = self.shown()
        return [
            pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
            for c in frame.columns
        ]


@dataclass
class Section:
    """One report section: heading, paragraphs, figures (with their data tables) and tables."""

    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    figures: list[tuple[str, go.Figure]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Report:
    """Everything the report shows, in order; ``demo_label`` is printed on every page when set."""

    title: str
    lang: str
    sections: list[Section]
    demo_label: str | None = None
    generated_by: str = ""

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]


_env = Environment(
    loader=PackageLoader("silkscope.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


_CODE = re.compile(r"`([^`]+)`")


def code_spans(text: str) -> Markup:
    """``text`` escaped, with each `backquoted` span (a command, file, sheet or column id the
    reader types or looks up) set in ``<code>``, so ids stay ids and the prose around them reads."""
    return Markup(_CODE.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


_env.filters["code"] = code_spans


def render_html(report: Report, t: Translator) -> str:
    """The report as one self-contained HTML document (scripts and styles inlined)."""
    figures = {}
    for section in report.sections:
        for index, (caption, fig) in enumerate(section.figures):
            figures[(section.id, index)] = (caption, figure_div(fig, f"fig-{section.id}-{index}"))
    template = _env.get_template("report.html.j2")
    return template.render(report=report, t=t, figures=figures, plotly_js=plotly_js(), fmt=_fmt_cell)


def write_report(report: Report, t: Translator, out_dir: Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.xlsx`` into ``out_dir``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = write_text(render_html(report, t), out_dir / "report.html", (".html",))
    sheets = {}
    if report.demo_label:
        sheets[t("report.sheet.about")] = pd.DataFrame(
            {"note": [report.demo_label, report.generated_by.replace("`", "")]}
        )
    for table in report.tables():
        sheets[table.sheet] = table.frame
    xlsx_path = write_workbook(sheets, out_dir / "report.xlsx")
    return html_path, xlsx_path


def _fmt_cell(value: object) -> str:
    if isinstance(value, float):
        if pd.isna(value):
            return "–"
        return f"{value:,.2f}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def with_note(frame: pd.DataFrame, note: str) -> pd.DataFrame:
    """``frame`` with a ``note`` column saying what its rows are (e.g. demonstration data)."""
    if "note" in frame.columns:
        return frame
    return frame.assign(note=note)


def label_demo(section: Section, t: Translator, note: str | None = None) -> Section:
    """Mark a section built on demo data inside a real study: title suffix, a ``note`` column in
    every table's Excel sheet and a ``demo_`` sheet name, so the HTML and every Excel sheet say so.
    ``note`` says what the data is (default: the synthetic demonstration data)."""
    note = note or t("study.demo_note")
    section.title = section.title + t("study.demo_suffix")
    section.paragraphs = [note, *(p for p in section.paragraphs if p != note)]  # said once, first
    for table in section.tables:
        table.frame = with_note(table.frame, note)
        table.hidden = (*table.hidden, "note")  # the HTML says it once, in the title and first paragraph
        if not table.sheet.startswith("demo_"):
            table.sheet = f"demo_{table.sheet}"
        table.title = table.title + t("study.demo_suffix")
    return section
