"""Report sections on clusters (echelons of provinces, spatial autocorrelation of the index score)
and on efficiency and productivity (DEA, Malmquist), from the index data.

Findings are generated from the numbers by explicit rules; every number they quote is in a table.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from silkscope.i18n import Translator
from silkscope.index import IndexResult
from silkscope.report.charts import province_tile_map
from silkscope.report.document import Section, Table

SPATIAL_PERMUTATIONS = 999
ECHELON_COLOURS = ("#7a1f1f", "#e07b39", "#f6d55c")


# --- clusters ----------------------------------------------------------------------------------
def cluster_section(result: IndexResult, t: Translator, names: Mapping[str, str], is_demo: bool) -> Section:
    from silkscope.cluster.echelons import echelon_names, echelons
    from silkscope.cluster.spatial import spatial_analysis
    from silkscope.reference import provinces

    last = result.headline_year()
    ranking = result.ranking(last).dropna(subset=["score"])
    data = pd.DataFrame({"unit_id": ranking["unit_id"].astype(str), "year": last, "score": ranking["score"]})
    title = t("modules.section.cluster")
    province_ids = set(provinces()["unit_id"].astype(str))
    if len(data) < 4 or not set(data["unit_id"]) <= province_ids:
        return Section(id="cluster", title=title, paragraphs=[t("modules.cluster.not_provinces")])
    k = 3
    ech = echelons(data, "score", "jenks", k).table
    spatial = spatial_analysis(data, "score", "contiguity", permutations=SPATIAL_PERMUTATIONS, seed=0).table
    lisa = spatial[spatial["statistic"] == "lisa"].set_index("unit_id")
    label_of = {n: t(f"modules.echelon.{n}") for n in echelon_names(k)}
    table = pd.DataFrame(
        {
            t("col.unit"): [names.get(u, u) for u in ech["unit_id"]],
            t("col.unit_id"): ech["unit_id"].to_numpy(),
            t("col.score"): ech["value"].round(2).to_numpy(),
            t("modules.col.echelon"): ech["echelon"].astype(int).to_numpy(),
            t("modules.col.echelon_name"): [label_of[n] for n in ech["echelon_name"]],
            t("modules.col.lisa"): ech["unit_id"].map(lisa["label"]).to_numpy(),
            t("zh.col.lisa_type"): [
                t(f"zh.lisa.{c}") if t.has(f"zh.lisa.{c}") else c for c in ech["unit_id"].map(lisa["label"])
            ],
            t("modules.col.local_i"): ech["unit_id"].map(lisa["value"]).round(3).to_numpy(),
            t("modules.col.p_value"): ech["unit_id"].map(lisa["p_value"]).round(3).to_numpy(),
        }
    )
    glob = spatial[spatial["unit_id"] == "ALL"]
    global_table = pd.DataFrame(
        {
            t("modules.col.statistic"): [t(f"modules.spatial.{s}") for s in glob["statistic"]],
            t("modules.col.statistic_id"): glob["statistic"].to_numpy(),
            t("modules.col.value"): glob["value"].astype(float).round(3).to_numpy(),
            t("modules.col.p_value"): glob["p_value"].astype(float).round(3).to_numpy(),
            t("modules.col.z_score"): glob["z_score"].astype(float).round(2).to_numpy(),
            t("modules.col.reading"): [t(f"modules.spatial.label.{lab}") for lab in glob["label"]],
        }
    )
    # the tile map: labels show the score, colours the echelon
    scores = dict(zip(table.iloc[:, 1], table.iloc[:, 2], strict=True))
    echelon = dict(zip(table.iloc[:, 1], table.iloc[:, 3], strict=True))
    tile = province_tile_map(scores, dict(names), title=t("modules.cluster.map.caption", year=last))
    marker_units = _tile_units()
    colour_values = [echelon.get(u, np.nan) for u in marker_units]
    scale = []
    for i, colour in enumerate(ECHELON_COLOURS[:k]):
        scale += [[i / k, colour], [(i + 1) / k, colour]]
    tile.update_traces(
        marker={
            "color": colour_values,
            "colorscale": scale,
            "cmin": 0.5,
            "cmax": k + 0.5,
            "colorbar": {
                "title": t("modules.col.echelon"),
                "tickvals": list(range(1, k + 1)),
                "ticktext": [label_of[n] for n in echelon_names(k)],
            },
        },
        textfont={"color": ["white" if e == 1 else "#1f2933" for e in colour_values]},
    )
    findings = []
    counts = table.groupby(table.columns[3]).size()
    ranges = table.groupby(table.columns[3])[table.columns[2]].agg(["min", "max"])
    findings.append(
        t(
            "modules.finding.echelons",
            year=last,
            n_high=int(counts.get(1, 0)),
            n_medium=int(counts.get(2, 0)),
            n_low=int(counts.get(3, 0)),
            high_min=f"{ranges.loc[1, 'min']:.2f}",
            low_max=f"{ranges.loc[k, 'max']:.2f}",
            top=", ".join(table[table.iloc[:, 3] == 1].iloc[:, 0]),
        )
    )
    moran = global_table[global_table.iloc[:, 1] == "moran_i"].iloc[0]
    moran_label = glob.set_index("statistic").loc["moran_i", "label"]
    findings.append(
        t(
            f"modules.finding.moran_{moran_label}",
            year=last,
            i=f"{moran.iloc[2]:.3f}",
            p=f"{moran.iloc[3]:.3f}",
            permutations=SPATIAL_PERMUTATIONS,
        )
    )
    lisa_counts = table.iloc[:, 5].value_counts()
    hh = table[table.iloc[:, 5] == "HH"].iloc[:, 0].tolist()
    findings.append(
        t(
            "modules.finding.lisa",
            hh=int(lisa_counts.get("HH", 0)),
            ll=int(lisa_counts.get("LL", 0)),
            hl=int(lisa_counts.get("HL", 0)),
            lh=int(lisa_counts.get("LH", 0)),
            hh_units=", ".join(hh) if hh else t("modules.none"),
        )
    )
    paragraphs = [
        t("modules.cluster.intro", year=last, k=k, permutations=SPATIAL_PERMUTATIONS),
        t("modules.cluster.lisa_legend"),
    ]
    if is_demo:
        paragraphs.append(t("modules.cluster.demo_note"))
    return Section(
        id="cluster",
        title=title,
        paragraphs=paragraphs,
        findings=findings,
        figures=[(t("modules.cluster.map.caption", year=last), tile)],
        tables=[
            Table(
                sheet="cluster_echelons",
                title=t("modules.cluster.table", year=last),
                frame=table,
                hidden=(t("col.unit_id"), t("modules.col.lisa")),  # ids stay in the workbook
            ),
            Table(
                sheet="cluster_spatial",
                title=t("modules.cluster.global_table", year=last),
                frame=global_table,
                hidden=(t("modules.col.statistic_id"),),
            ),
        ],
    )


@cache
def _tile_units() -> tuple[str, ...]:
    """The order of the units in the tile map's marker arrays (that of the tile-grid table)."""
    from silkscope.paths import REFERENCE_DIR

    grid = pd.read_csv(REFERENCE_DIR / "province_tilegrid.csv", dtype={"unit_id": str})
    return tuple(grid["unit_id"])


# --- efficiency --------------------------------------------------------------------------------
#: DEA inputs and output of the cultural industry (indicator ids of the builtin:cidi framework).
DEA_INPUTS = ("pf_employment", "pf_assets")
DEA_OUTPUTS = ("pf_value_added",)


def efficiency_section(
    values: pd.DataFrame, t: Translator, names: Mapping[str, str], is_demo: bool
) -> Section:
    """BCC (VRS) input-oriented efficiency in the latest year with CRS and scale efficiency, and
    the Malmquist productivity change from the first to the last year (chained over adjacent
    years, Färe et al. 1994)."""
    from silkscope.cluster.efficiency import dea, malmquist

    title = t("modules.section.efficiency")
    needed = [*DEA_INPUTS, *DEA_OUTPUTS]
    wide = values[values["indicator_id"].isin(needed)].pivot_table(
        index=["unit_id", "year"], columns="indicator_id", values="value"
    )
    if any(c not in wide.columns for c in needed):
        return Section(
            id="efficiency", title=title, paragraphs=[t("modules.efficiency.missing", ids=", ".join(needed))]
        )
    wide = wide.dropna().reset_index()
    wide = wide[(wide[needed] > 0).all(axis=1)]
    if wide.empty:  # DEA needs positive inputs and output; say so rather than fail
        return Section(
            id="efficiency",
            title=title,
            paragraphs=[t("modules.efficiency.no_positive", ids=", ".join(needed))],
        )
    years = sorted(wide["year"].astype(int).unique())
    last = years[-1]
    latest = wide[wide["year"] == last]
    bcc = dea(latest, list(DEA_INPUTS), list(DEA_OUTPUTS), model="bcc", orientation="input").frame
    ccr = dea(latest, list(DEA_INPUTS), list(DEA_OUTPUTS), model="ccr", orientation="input").frame
    table = pd.DataFrame(
        {
            "unit_id": bcc["unit_id"].astype(str),
            "vrs": bcc["efficiency"].round(3),
            "crs": ccr.set_index("unit_id").loc[bcc["unit_id"], "efficiency"].round(3).to_numpy(),
        }
    )
    table["scale"] = (table["crs"] / table["vrs"]).round(3)
    balanced = wide.groupby("unit_id")["year"].transform("nunique") == len(years)
    change = None
    if len(years) > 1:
        periods = malmquist(wide[balanced], list(DEA_INPUTS), list(DEA_OUTPUTS))
        change = periods.groupby("unit_id")[["malmquist", "effch", "techch"]].prod().round(3)
        table = table.join(change, on="unit_id")
    table = table.sort_values(["vrs", "unit_id"], ascending=[False, True]).reset_index(drop=True)
    table.insert(0, "unit", [names.get(u, u) for u in table["unit_id"]])
    shown = table.rename(
        columns={
            "unit": t("col.unit"),
            "unit_id": t("col.unit_id"),
            "vrs": t("modules.col.eff_vrs"),
            "crs": t("modules.col.eff_crs"),
            "scale": t("modules.col.eff_scale"),
            "malmquist": t("modules.col.malmquist"),
            "effch": t("modules.col.effch"),
            "techch": t("modules.col.techch"),
        }
    )
    figure = go.Figure(
        go.Bar(x=table["unit"], y=table["vrs"], marker_color="#7a1f1f", name=t("modules.col.eff_vrs"))
    )
    figure.add_trace(
        go.Scatter(x=table["unit"], y=table["scale"], mode="markers", name=t("modules.col.eff_scale"))
    )
    figure.update_layout(yaxis={"range": [0, 1.05]}, height=420, margin={"t": 30, "b": 120})
    efficient = table[table["vrs"] >= 1.0]
    weakest = table.iloc[-1]
    findings = [
        t(
            "modules.finding.efficient",
            year=last,
            n=len(efficient),
            total=len(table),
            units=", ".join(efficient["unit"]) or t("modules.none"),
        ),
        t("modules.finding.least_efficient", year=last, unit=weakest["unit"], value=f"{weakest['vrs']:.3f}"),
    ]
    if change is not None:
        best = table.loc[table["malmquist"].idxmax()]
        findings.append(
            t(
                "modules.finding.malmquist",
                first=years[0],
                last=last,
                improved=int((table["malmquist"] > 1).sum()),
                total=int(table["malmquist"].notna().sum()),
                unit=best["unit"],
                value=f"{best['malmquist']:.3f}",
            )
        )
    paragraphs = [
        t(
            "modules.efficiency.intro",
            inputs=", ".join(indicator_names(DEA_INPUTS, t.lang)),
            outputs=", ".join(indicator_names(DEA_OUTPUTS, t.lang)),
            year=last,
        )
    ]
    if is_demo:
        paragraphs.append(t("modules.cluster.demo_note"))
    return Section(
        id="efficiency",
        title=title,
        paragraphs=paragraphs,
        findings=findings,
        figures=[(t("modules.efficiency.caption", year=last), figure)],
        tables=[Table(sheet="efficiency", title=t("modules.efficiency.table", year=last), frame=shown)],
    )


def indicator_names(ids: tuple[str, ...], lang: str) -> list[str]:
    """The builtin:cidi framework's names of these indicators in ``lang`` (ids it lacks unchanged)."""
    from silkscope.index import builtin_framework

    names = builtin_framework("cidi").names(lang)
    return [names.get(i, i) for i in ids]
