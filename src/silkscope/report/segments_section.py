"""The report's market-segments section (paper 003: "subdivide the market … regional environment
variables, demographic variables, behavioral variables, purchasing mode variables … indexing the
subdividing variables"): the partner countries of the study segmented by
:func:`silkscope.partners.segments.segment_markets` (k-means, ``k="auto"``: gap statistic, with
the silhouette beside it), one index per variable group per segment.

Variables: :data:`DEFAULT_VARIABLES`, paper 003's four groups on the partner-table columns a
study can hold (WDI, GeoDist, the Confucius Institute and World Heritage lists). A candidate is
used when the study's partner table (``partners table --workspace``: home China, the latest value
of each country) holds it for at least :data:`MIN_SHARE` of the table's countries; skewed ones
are taken as logs when every value is positive. The countries with every variable used are
segmented; the others are listed. Held when at least :data:`MIN_VARIABLES` variables are used
and at least :data:`MIN_COUNTRIES` countries have all of them (``k="auto"`` tries k up to 8).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from silkscope.i18n import Translator
from silkscope.report.document import Section, Table
from silkscope.report.module_sections import Module, register
from silkscope.report.partner_inputs import named_list

#: (partner-table column, paper 003 group, taken as a log when positive)
DEFAULT_VARIABLES: tuple[tuple[str, str, bool], ...] = (
    ("dist_km", "regional_environment", True),
    ("NY.GDP.MKTP.CD", "regional_environment", True),
    ("world_heritage_sites", "regional_environment", False),
    ("SP.POP.TOTL", "demographic", True),
    ("SP.URB.TOTL.IN.ZS", "demographic", False),
    ("SE.TER.ENRR", "demographic", False),
    ("IT.NET.USER.ZS", "behavioural", False),
    ("ST.INT.ARVL", "behavioural", True),
    ("confucius_institutes", "behavioural", False),
    ("NY.GDP.PCAP.CD", "purchasing", True),
    ("NE.CON.PRVT.PC.KD", "purchasing", True),
)
MIN_SHARE = 0.5
MIN_VARIABLES = 2
MIN_COUNTRIES = 10
METHOD = "kmeans"
SEED = 0
COLOURS = ("#7a1f1f", "#e07b39", "#f6d55c", "#9cc5a1", "#3d7ea6", "#5b4b8a", "#8c564b", "#7f7f7f")


def choose_variables(table: pd.DataFrame) -> tuple[dict[str, str], list[str], list[str]]:
    """``({variable: group} used, logged, candidates not used)`` on the partner table ``table``
    by the rule of the module text."""
    n = len(table)
    used: dict[str, str] = {}
    logged: list[str] = []
    unused: list[str] = []
    for column, group, log in DEFAULT_VARIABLES:
        values = pd.to_numeric(table[column], errors="coerce") if column in table.columns else None
        if values is None or n == 0 or values.notna().sum() < MIN_SHARE * n or values.nunique() < 2:
            unused.append(column)
            continue
        used[column] = group
        if log and (values.dropna() > 0).all():
            logged.append(column)
    return used, logged, unused


def complete_countries(table: pd.DataFrame, used: dict[str, str]) -> int:
    """Countries with a value of every used variable."""
    if not used:
        return 0
    return int(table[list(used)].notna().all(axis=1).sum())


def holds(table: pd.DataFrame) -> bool:
    """Whether the partner table supports the section (module text)."""
    used, _, _ = choose_variables(table)
    return len(used) >= MIN_VARIABLES and complete_countries(table, used) >= MIN_COUNTRIES


def held(inputs) -> bool:
    from silkscope.report.partner_inputs import held_country_indicators, study_partner_table

    candidates = held_country_indicators(inputs.workspace) & {c for c, _, _ in DEFAULT_VARIABLES}
    if len(candidates) < MIN_VARIABLES:
        return False
    return holds(study_partner_table(inputs.workspace).table)


def run(table: pd.DataFrame):
    """The segments of the partner table with the section's variables and settings."""
    from silkscope.partners.segments import segment_markets

    used, logged, unused = choose_variables(table)
    result = segment_markets(table, used, METHOD, "auto", SEED, source="partner table", log=logged)
    return result, unused


def _variable_name(t: Translator, column: str) -> str:
    key = f"module_b.var.{column}"
    return t(key) if t.has(key) else column


def _group_name(t: Translator, group: str) -> str:
    key = f"segments.group.{group}"
    return t(key) if t.has(key) else group


def build_section(inputs, t: Translator, demo: bool) -> Section:
    """The segments section on the study's partner table, or (``demo``) the synthetic one."""
    from silkscope.reference import country_name

    if demo:
        from silkscope.partners.demo import DEMO_PARTNER_SEED, demo_partner_table

        table = demo_partner_table()
        source = [t("module_b.segments.demo_source", seed=DEMO_PARTNER_SEED)]
    else:
        from silkscope.report.partner_inputs import study_partner_table

        table = study_partner_table(inputs.workspace).table
        source = []
    result, unused = run(table)
    groups = list(dict.fromkeys(result.groups.values()))
    sep = t("module_b.list_sep")
    paragraphs = [t("module_b.segments.intro", k_max=8), *source]
    for group in groups:
        names = [_variable_name(t, v) + (t("module_b.segments.log") if v in result.logged else "")
                 for v, g in result.groups.items() if g == group]  # fmt: skip
        paragraphs.append(
            t("module_b.segments.group", group=_group_name(t, group), variables=sep.join(names))
        )
    absent_groups = [g for g in ("regional_environment", "demographic", "behavioural", "purchasing")
                     if g not in groups]  # fmt: skip
    if unused:
        paragraphs.append(
            t("module_b.segments.unused", variables=sep.join(_variable_name(t, v) for v in unused),
              share=f"{MIN_SHARE:.0%}")
        )  # fmt: skip
    if absent_groups:
        paragraphs.append(
            t("module_b.segments.absent_groups", groups=sep.join(_group_name(t, g) for g in absent_groups))
        )
    excluded = [country_name(c, t.lang) for c in result.excluded]
    paragraphs.append(
        t("module_b.segments.countries", n=len(result.table), total=len(table), excluded=len(excluded),
          names=named_list(excluded, t))
    )  # fmt: skip
    paragraphs.append(t("module_b.segments.rule", min_share=f"{MIN_SHARE:.0%}", min_variables=MIN_VARIABLES,
                        min_countries=MIN_COUNTRIES))  # fmt: skip
    findings = []
    choice = result.choice
    best_sil = choice.dropna(subset=["silhouette"])
    sil_k = int(best_sil.loc[best_sil["silhouette"].idxmax(), "k"]) if len(best_sil) else None
    sil_at_k = choice.set_index("k")["silhouette"].get(result.k, np.nan)
    if result.note:
        findings.append(t("module_b.segments.finding.k_silhouette", k=result.k, silhouette=f"{sil_at_k:.3f}"))
    else:
        findings.append(
            t("module_b.segments.finding.k_gap", k=result.k, silhouette=f"{sil_at_k:.3f}",
              sil_k=sil_k if sil_k is not None else "–")
        )  # fmt: skip
    score_cols = [f"score_{g}" for g in groups]
    for row in result.profiles.itertuples():
        scores = {g: getattr(row, f"score_{g}") for g in groups}
        high = max(scores, key=scores.get)
        low = min(scores, key=scores.get)
        members = [country_name(c, t.lang) for c in row.countries.split(", ")]
        findings.append(
            t("module_b.segments.finding.segment", segment=row.segment, size=row.size, names=named_list(members, t),
              high=_group_name(t, high), high_score=f"{scores[high]:+.2f}", low=_group_name(t, low),
              low_score=f"{scores[low]:+.2f}")
        )  # fmt: skip
    # tables: the profiles, the countries, the choice of k
    profiles = pd.DataFrame(
        {
            t("module_b.segments.col.segment"): result.profiles["segment"].astype(int),
            t("module_b.segments.col.size"): result.profiles["size"].astype(int),
            t("modules.col.countries"): [
                sep.join(country_name(c, t.lang) for c in s.split(", ")) for s in result.profiles["countries"]
            ],
        }
    )
    for group in groups:
        profiles[t("module_b.segments.col.index", group=_group_name(t, group))] = result.profiles[
            f"score_{group}"
        ].round(2)
    for variable in result.groups:
        profiles[t("module_b.segments.col.mean", variable=_variable_name(t, variable))] = result.profiles[
            f"mean_{variable}"
        ].round(2)
    members = result.table.merge(table[["country", *result.groups]], on="country", how="left")
    countries = pd.DataFrame(
        {
            t("modules.col.iso3"): members["country"],
            t("modules.col.country"): [country_name(c, t.lang) for c in members["country"]],
            t("module_b.segments.col.segment"): members["segment"].astype(int),
        }
    )
    for group in groups:
        countries[t("module_b.segments.col.index", group=_group_name(t, group))] = members[
            f"score_{group}"
        ].round(2)
    for variable in result.groups:
        countries[_variable_name(t, variable)] = members[variable].round(3)
    countries = countries.sort_values(
        [t("module_b.segments.col.segment"), t("modules.col.iso3")], kind="stable"
    )
    k_table = pd.DataFrame(
        {
            "k": choice["k"].astype(int),
            t("module_b.segments.col.gap"): choice["gap"].round(3),
            t("module_b.segments.col.gap_s"): choice["s"].round(3),
            t("module_b.segments.col.silhouette"): choice["silhouette"].round(3),
        }
    )
    caption = t("module_b.segments.chart.caption", k=result.k)
    fig = go.Figure()
    for row in result.profiles.itertuples():
        fig.add_trace(
            go.Bar(
                name=t("module_b.segments.trace", segment=row.segment, size=row.size),
                x=[_group_name(t, g) for g in groups],
                y=[getattr(row, c) for c in score_cols],
                marker_color=COLOURS[(row.segment - 1) % len(COLOURS)],
            )
        )
    fig.update_layout(title=caption, barmode="group", yaxis_title=t("module_b.segments.chart.y"), height=440)
    return Section(
        id="segments",
        title=t("module_b.section.segments"),
        paragraphs=paragraphs,
        findings=findings,
        figures=[(caption, fig)],
        tables=[
            Table(sheet="segments_profiles", title=t("module_b.segments.profiles_table"), frame=profiles,
                  hidden=(t("modules.col.countries"),)),  # members: in the findings and the next table
            Table(sheet="segments_countries", title=t("module_b.segments.countries_table"), frame=countries,
                  show_rows=60),
            Table(sheet="segments_k", title=t("module_b.segments.k_table"), frame=k_table),
        ],
    )  # fmt: skip


MODULE = register(
    Module(
        "segments", "module_b.missing.segments", held, build_section, title_key="module_b.section.segments"
    )
)
