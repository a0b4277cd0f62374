"""Report section: the smile curve of the value chain (issue 18, part 5; seed paper 002, Figure 1).

Built on the study's ``chain_stages`` table by ``cluster.chain.smile_curve``; in the demo on the
NBS national split of cultural value added 2015–2024 (manufacturing, wholesale and retail,
services), a published reference table packaged with silkscope
(``reference/nbs_culture_value_added.csv``). The verdict follows the Lind–Mehlum test at the 5 %
level: p < 0.05 supports the shape the sign of c2 gives; otherwise no shape is supported; a curve
through three stages is exact (n − 3 = 0) and is not tested.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from silkscope.errors import InputError, MethodError
from silkscope.i18n import Translator
from silkscope.report.document import Section, Table
from silkscope.report.module_sections import Module, register
from silkscope.report.module_text import label, num, refused, study

if TYPE_CHECKING:
    from silkscope.report.builder import ReportInputs

LEVEL = 0.05


def held(inputs: ReportInputs) -> bool:
    """The study holds a chain-stage table."""
    from silkscope.io.module_tables import chain_stages

    ws = study(inputs)
    return ws is not None and chain_stages(ws) is not None


def compute(inputs: ReportInputs, demo: bool):
    """The ``SmileCurve`` of the study's chain stages (or of the packaged NBS split)."""
    from silkscope.cluster.chain import smile_curve

    if demo:
        from silkscope.cluster.chain_nbs import reference_stage_table

        return smile_curve(reference_stage_table(), "nbs_culture_value_added.csv")
    from silkscope.io.module_tables import chain_stages

    return smile_curve(chain_stages(study(inputs)), "chain_stages")


def verdict(fit) -> str:
    """``u``, ``inverted_u``, ``none`` (tested, not significant) or ``untested``."""
    if fit.utest is None:
        return "untested"
    return fit.utest.shape if fit.utest.p < LEVEL else "none"


def group_names(t: Translator, table: pd.DataFrame) -> dict[str, str]:
    """``{group key of smile_curve: display name}`` (year and region in the report's language)."""
    from silkscope.cluster.chain import GROUP_COLUMNS, POOLED

    keys = [c for c in GROUP_COLUMNS if c in table.columns]
    names = {POOLED: t("module_a.smile.pooled")}
    for row in table[keys].drop_duplicates().itertuples(index=False):
        values = dict(zip(keys, row, strict=True))
        key = " ".join(str(values[k]) for k in keys)
        names[key] = " ".join(
            label(t, "region", values[k]) if k == "region" else str(values[k]) for k in keys
        )
    return names


def build(inputs: ReportInputs, t: Translator, demo: bool) -> Section:
    from silkscope.cluster.chain import GROUP_COLUMNS, smile_figure

    try:
        result = compute(inputs, demo)
    except (InputError, MethodError) as exc:
        return refused("smile", t("module_a.section.smile"), t, exc)
    table = result.table
    keys = [c for c in GROUP_COLUMNS if c in table.columns]
    groups = group_names(t, table)
    stage_names = {s: label(t, "stage", s) for s in table["stage"].unique()}
    c = lambda key: t(f"module_a.col.{key}")  # noqa: E731
    stage_sheet = pd.DataFrame({
        **{c(k): (table[k].map(lambda v: label(t, "region", v)) if k == "region" else table[k]) for k in keys},
        c("stage"): table["stage"].map(stage_names), c("order"): table["order"],
        c("value_added_rate"): table["value_added_rate"], c("value_added_share"): table["value_added_share"],
        "stage_id": table["stage"],
    })  # fmt: skip
    fits = result.fit_table()
    fit_sheet = pd.DataFrame({
        c("group"): fits["group"].map(groups), c("target"): t(f"module_a.smile.target.{result.target}"),
        "n": fits["n"], "c0": fits["c0"], "c1": fits["c1"], "c2": fits["c2"], c("curvature"): fits["curvature"],
        c("extremum"): fits["extremum"], c("slope_low"): fits["slope_low"], c("slope_high"): fits["slope_high"],
        "t": fits["t"], "p": fits["p"],
        c("verdict"): [t(f"module_a.smile.verdict.{verdict(f)}") for f in result.fits],
        "group_id": fits["group"], "verdict_id": [verdict(f) for f in result.fits],
    })  # fmt: skip
    fig = smile_figure(result, t("module_a.smile.chart_title"), t("module_a.smile.axis_stage"))
    for trace in fig.data:
        fitted = trace.name.endswith(" (fit)")
        key = trace.name[: -len(" (fit)")] if fitted else trace.name
        trace.name = groups.get(key, key) + (t("module_a.smile.fit_suffix") if fitted else "")
    ticks = list(fig.layout.xaxis.ticktext)
    fig.update_layout(
        xaxis={"ticktext": [stage_names.get(s, s) for s in ticks]},
        yaxis={"title": t(f"module_a.smile.target.{result.target}")},
    )
    paragraphs = [t("module_a.smile.intro"), t("module_a.smile.rule", level=LEVEL)]
    if result.target == "value_added_share":
        paragraphs.append(t("module_a.smile.on_shares"))
    if len(result.groups) > 1:
        paragraphs.append(t("module_a.smile.pooled_note"))
    if demo:
        paragraphs.append(t("module_a.smile.demo_note"))
    return Section(
        id="smile",
        title=t("module_a.section.smile"),
        paragraphs=paragraphs,
        findings=_findings(t, result, table, keys, groups, stage_names),
        figures=[(t("module_a.smile.figure", n=len(result.groups)), fig)],
        tables=[
            Table(sheet=t("module_a.sheet.smile_fits"), title=t("module_a.smile.fit_table"), frame=fit_sheet,
                  hidden=("group_id", "verdict_id")),
            Table(sheet=t("module_a.sheet.smile_stages"), title=t("module_a.smile.stage_table"),
                  frame=stage_sheet, hidden=("stage_id",)),
        ],
    )  # fmt: skip


def _findings(t: Translator, result, table, keys, groups, stage_names) -> list[str]:
    out: list[str] = []
    tested = [f for f in result.fits if f.utest is not None]
    headline = next((f for f in tested if f.group == "all"), tested[0] if tested else None)
    target = t(f"module_a.smile.target.{result.target}")
    if headline is not None:
        u = headline.utest
        out.append(t("module_a.finding.smile_test", group=groups.get(headline.group, headline.group),
                     n=headline.n, curvature=num(headline.curvature, 4), t=num(u.t, 3), p=num(u.p, 4),
                     verdict=t(f"module_a.smile.verdict.{verdict(headline)}")))  # fmt: skip
    else:
        out.append(t("module_a.finding.smile_untested", n=len(result.fits)))
    own = [f for f in result.fits if f.group != "all"]
    if own:
        up = sum(f.coef[2] > 0 for f in own)
        out.append(t("module_a.finding.smile_curves", up=up, total=len(own)))
    last = result.groups[-1]
    block = table if not keys else table[table[keys].astype(str).agg(" ".join, axis=1) == last]
    hi, lo = block.loc[block[result.target].idxmax()], block.loc[block[result.target].idxmin()]
    out.append(t("module_a.finding.smile_stages", group=groups.get(last, last), target=target,
                 high=stage_names[hi["stage"]], high_value=num(hi[result.target], 4),
                 low=stage_names[lo["stage"]], low_value=num(lo[result.target], 4)))  # fmt: skip
    return out


MODULE = register(
    Module(
        "smile",
        "module_a.missing.smile",
        held,
        build,
        title_key="module_a.section.smile",
        demo_note_key="module_a.smile.demo_note",
    )
)
