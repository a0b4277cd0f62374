"""Report section: talent supply and demand, the gap observed and projected (issue 18, part 5).

Built on the study's ``talent_supply``/``talent_demand`` tables (and its ``talent_mapping``, if
imported) by ``talent.gap.talent_gap`` with both methods and a 5-year horizon; in the demo on
``talent.gap.demo_inputs()``. Which method a series is projected with follows one explicit rule:
the method with the lower mean hold-out MAPE over its supply and demand series (GM(1,1) when no
backtest was possible). Findings quote the summary sheet, every number of which is in the gap or
backtest sheet as well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from silkscope.errors import InputError, MethodError
from silkscope.i18n import Translator
from silkscope.report.document import Section, Table
from silkscope.report.module_sections import Module, register
from silkscope.report.module_text import amount, labels, refused, study

if TYPE_CHECKING:
    from silkscope.report.builder import ReportInputs

HORIZON = 5
MAX_FIGURES = 6


def held(inputs: ReportInputs) -> bool:
    """The study holds a supply and a demand table."""
    from silkscope.io.module_tables import talent_inputs

    ws = study(inputs)
    return ws is not None and talent_inputs(ws) is not None


def compute(inputs: ReportInputs, demo: bool):
    """``(TalentGap, summary, series)``: the module run on the study's tables (or the demo's),
    one row per region × field with the method chosen by the backtest rule, and the observed
    series ``region, field, year, series, value`` (demand mapped to fields) the chart draws."""
    from silkscope.talent.gap import check_long, demo_inputs, field_demand, talent_gap

    if demo:
        supply, demand = demo_inputs()
        mapping = None
    else:
        from silkscope.io.module_tables import talent_inputs

        supply, demand, mapping = talent_inputs(study(inputs))
    result = talent_gap(supply, demand, mapping, method="both", horizon=HORIZON,
                        supply_name="talent_supply", demand_name="talent_demand")  # fmt: skip
    observed = pd.concat([
        check_long(supply, "field", "talent_supply").assign(series="supply"),
        field_demand(check_long(demand, "sector", "talent_demand"), mapping).assign(series="demand"),
    ], ignore_index=True)  # fmt: skip
    return result, summary_table(result), observed


def chosen_methods(backtest: pd.DataFrame) -> dict[tuple[str, str], tuple[str, float]]:
    """``{(region, field): (method, mean MAPE)}``: the lower mean hold-out MAPE over the supply
    and demand series (both must have one), else GM(1,1) with no MAPE."""
    out: dict[tuple[str, str], tuple[str, float]] = {}
    for (region, name), block in backtest.groupby(["region", "field"], sort=False):
        means = block.groupby("method")["mape"].agg(lambda m: m.mean() if m.notna().all() else np.nan)
        means = means.dropna()
        out[(region, name)] = (str(means.idxmin()), float(means.min())) if len(means) else ("gm11", np.nan)
    return out


def summary_table(result) -> pd.DataFrame:
    """Per region × field: method, its MAPE, the last observed gap and the last projected gap."""
    table, rows = result.table, []
    chosen = chosen_methods(result.backtest)
    for (region, name), block in table.groupby(["region", "field"], sort=False):
        observed = block[~block["projected"]]
        method, mape = chosen.get((region, name), ("", np.nan))
        projected = block[block["projected"] & (block["method"] == method)]
        last_obs = observed.iloc[-1] if len(observed) else None
        last_proj = projected.iloc[-1] if len(projected) else None
        rows.append({
            "region": region, "field": name, "method": method if len(projected) else "", "mape": mape,
            "observed_year": last_obs["year"] if last_obs is not None else pd.NA,
            "observed_gap": last_obs["gap"] if last_obs is not None else np.nan,
            "projected_year": last_proj["year"] if last_proj is not None else pd.NA,
            "projected_gap": last_proj["gap"] if last_proj is not None else np.nan,
            "projected_low": last_proj["gap_low"] if last_proj is not None else np.nan,
            "projected_high": last_proj["gap_high"] if last_proj is not None else np.nan,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _method(t: Translator, method: str) -> str:
    return t(f"module_a.method.{method}") if method else "–"


def build(inputs: ReportInputs, t: Translator, demo: bool) -> Section:
    try:
        result, summary, observed = compute(inputs, demo)
    except (InputError, MethodError) as exc:
        return refused("talent", t("module_a.section.talent"), t, exc)
    gap = result.table
    region_names = dict(zip(gap["region"], labels(t, "region", gap["region"]), strict=False))
    field_names = dict(zip(gap["field"], labels(t, "field", gap["field"]), strict=False))
    c = lambda key: t(f"module_a.col.{key}")  # noqa: E731
    gap_sheet = pd.DataFrame({
        c("region"): gap["region"].map(region_names), c("field"): gap["field"].map(field_names),
        c("year"): gap["year"].astype(int), c("supply"): gap["supply"], c("demand"): gap["demand"],
        c("gap"): gap["gap"], c("gap_low"): gap["gap_low"], c("gap_high"): gap["gap_high"],
        c("method"): [_method(t, m) if m != "observed" else t("module_a.talent.observed") for m in gap["method"]],
        c("row_kind"): [t("module_a.talent.projected" if p else "module_a.talent.observed") for p in gap["projected"]],
        "region_id": gap["region"], "field_id": gap["field"], "method_id": gap["method"],
        "projected": gap["projected"],
    })  # fmt: skip
    bt = result.backtest
    backtest_sheet = pd.DataFrame({
        c("region"): bt["region"].map(region_names), c("field"): bt["field"].map(field_names),
        c("series"): [t(f"module_a.talent.series.{s}") for s in bt["series"]],
        c("method"): [_method(t, m) for m in bt["method"]], c("n_obs"): bt["n_obs"],
        c("holdout"): bt["holdout"], c("mape"): bt["mape"], "C": bt["C"], "P": bt["P"],
        c("grade"): [t(f"module_a.grade.{g}") if g else "–" for g in bt["grade"]],
        c("best"): [t("module_a.yes") if b else "" for b in bt["best"]],
        "region_id": bt["region"], "field_id": bt["field"], "method_id": bt["method"],
    })  # fmt: skip
    summary_sheet = pd.DataFrame({
        c("region"): summary["region"].map(region_names), c("field"): summary["field"].map(field_names),
        c("method"): [_method(t, m) for m in summary["method"]], c("mape"): summary["mape"],
        c("observed_year"): summary["observed_year"], c("observed_gap"): summary["observed_gap"],
        c("projected_year"): summary["projected_year"], c("projected_gap"): summary["projected_gap"],
        c("gap_low"): summary["projected_low"], c("gap_high"): summary["projected_high"],
        "region_id": summary["region"], "field_id": summary["field"], "method_id": summary["method"],
    })  # fmt: skip
    series_sheet = pd.DataFrame({
        c("region"): observed["region"].map(lambda r: region_names.get(r, r)),
        c("field"): observed["field"].map(lambda f: field_names.get(f, f)),
        c("series"): [t(f"module_a.talent.series.{s}") for s in observed["series"]],
        c("year"): observed["year"].astype(int), c("value"): observed["value"],
        "region_id": observed["region"], "field_id": observed["field"], "series_id": observed["series"],
    })  # fmt: skip
    ids = ("region_id", "field_id", "method_id")
    findings = _findings(t, summary, region_names, field_names, result)
    figures = _figures(t, gap, observed, summary, region_names, field_names)
    paragraphs = [t("module_a.talent.intro", horizon=HORIZON), t("module_a.talent.rule")]
    if demo:
        paragraphs.append(t("module_a.talent.demo_note"))
    return Section(
        id="talent",
        title=t("module_a.section.talent"),
        paragraphs=paragraphs,
        findings=findings,
        figures=figures,
        tables=[
            Table(sheet=t("module_a.sheet.talent_summary"), title=t("module_a.talent.summary_table"),
                  frame=summary_sheet, hidden=ids),
            Table(sheet=t("module_a.sheet.talent_gap"), title=t("module_a.talent.gap_table"),
                  frame=gap_sheet, hidden=(*ids, "projected")),
            Table(sheet=t("module_a.sheet.talent_backtest"), title=t("module_a.talent.backtest_table"),
                  frame=backtest_sheet, hidden=ids),
            Table(sheet=t("module_a.sheet.talent_series"), title=t("module_a.talent.series_table"),
                  frame=series_sheet, hidden=("region_id", "field_id", "series_id"), show_rows=0),
        ],
    )  # fmt: skip


def _findings(t: Translator, summary: pd.DataFrame, regions, fields, result) -> list[str]:
    out: list[str] = []
    projected = summary.dropna(subset=["projected_gap"])
    if len(projected):
        top = projected.loc[projected["projected_gap"].idxmax()]
        key = (
            "module_a.finding.talent_shortage"
            if top["projected_gap"] > 0
            else "module_a.finding.talent_surplus"
        )
        out.append(t(key, region=regions[top["region"]], field=fields[top["field"]],
                     year=int(top["projected_year"]), gap=amount(top["projected_gap"]),
                     surplus=amount(-top["projected_gap"]), low=amount(top["projected_low"]),
                     high=amount(top["projected_high"]), method=_method(t, top["method"])))  # fmt: skip
    observed = summary.dropna(subset=["observed_gap"])
    if len(observed):
        short = observed[observed["observed_gap"] > 0]
        out.append(t("module_a.finding.talent_observed", n=len(short), total=len(observed),
                     series=t("module_a.list_sep").join(f"{regions[r]} · {fields[f]}"
                                                      for r, f in zip(short["region"], short["field"], strict=True))
                     or t("module_a.none")))  # fmt: skip
    fitted = summary[summary["method"] != ""]
    if len(fitted):
        counts = fitted["method"].value_counts()
        out.append(t("module_a.finding.talent_methods", gm11=int(counts.get("gm11", 0)),
                     ets=int(counts.get("ets", 0)), total=len(fitted)))  # fmt: skip
    unprojected = summary[summary["method"] == ""]
    if len(unprojected):
        out.append(t("module_a.finding.talent_not_projected", n=len(unprojected),
                     series=t("module_a.list_sep").join(f"{regions[r]} · {fields[f]}" for r, f in
                                                      zip(unprojected["region"], unprojected["field"], strict=True))))  # fmt: skip
    return out


def _figures(t: Translator, gap, observed, summary, regions, fields) -> list[tuple[str, go.Figure]]:
    """Supply and demand as observed (solid, each over its own years) and projected by the
    chosen method after its last observed year (dashed), and below the gap with the projected
    gap's interval as a band, for the series with the largest projected gaps (at most
    :data:`MAX_FIGURES`)."""
    from plotly.subplots import make_subplots

    order = summary.sort_values("projected_gap", ascending=False, na_position="last").head(MAX_FIGURES)
    figures = []
    for row in order.itertuples():
        block = gap[(gap["region"] == row.region) & (gap["field"] == row.field)]
        shown = block[~block["projected"] | (block["method"] == row.method)]
        projected = shown[shown["projected"]]
        fig = make_subplots(
            rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.08
        )
        for series, colour in (("supply", "#2f6690"), ("demand", "#c0392b")):
            name = t(f"module_a.talent.series.{series}")
            own = observed[(observed["region"] == row.region) & (observed["field"] == row.field)
                           & (observed["series"] == series)].sort_values("year")  # fmt: skip
            fig.add_trace(go.Scatter(x=own["year"], y=own["value"], mode="lines+markers", name=name,
                                     line={"color": colour}), row=1, col=1)  # fmt: skip
            ahead = projected[projected["year"] > own["year"].max()]
            if len(ahead) and len(own):
                fig.add_trace(go.Scatter(x=[own["year"].iloc[-1], *ahead["year"]],
                                         y=[own["value"].iloc[-1], *ahead[series]], mode="lines",
                                         name=name + t("module_a.talent.projected_suffix"),
                                         line={"color": colour, "dash": "dash"}), row=1, col=1)  # fmt: skip
        if len(projected):
            band = t("module_a.talent.interval")
            fig.add_trace(go.Scatter(x=projected["year"], y=projected["gap_high"], mode="lines", line={"width": 0},
                                     showlegend=False, name=band), row=2, col=1)  # fmt: skip
            fig.add_trace(go.Scatter(x=projected["year"], y=projected["gap_low"], mode="lines", line={"width": 0},
                                     fill="tonexty", fillcolor="rgba(120,120,120,0.25)", name=band), row=2, col=1)  # fmt: skip
        fig.add_trace(go.Scatter(x=shown["year"], y=shown["gap"], mode="lines+markers", name=t("module_a.col.gap"),
                                 line={"color": "#444"}), row=2, col=1)  # fmt: skip
        fig.add_hline(y=0, line={"color": "#999", "width": 1}, row=2, col=1)
        fig.update_layout(template="simple_white", height=460, margin={"t": 30},
                          legend={"orientation": "h", "y": -0.12})  # fmt: skip
        fig.update_yaxes(title_text=t("module_a.talent.axis_people"), row=1, col=1)
        fig.update_yaxes(title_text=t("module_a.col.gap"), row=2, col=1)
        fig.update_xaxes(title_text=t("module_a.col.year"), row=2, col=1)
        caption = t("module_a.talent.figure", region=regions[row.region], field=fields[row.field],
                    method=_method(t, row.method))  # fmt: skip
        figures.append((caption, fig))
    return figures


MODULE = register(
    Module("talent", "module_a.missing.talent", held, build, title_key="module_a.section.talent")
)
