"""The ``regions disparity`` table: Dagum Gini decomposition, Theil T/L decomposition, CV, sd_log."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from silkscope.errors import InputError
from silkscope.regions.dagum import dagum_table
from silkscope.regions.panel import panel
from silkscope.regions.theil import theil_table

COMPONENTS = (
    "gini", "gini_within", "gini_between_net", "gini_transvariation", "gini_group", "gini_between_pair",
    "theil_t", "theil_t_within", "theil_t_between", "theil_l", "theil_l_within", "theil_l_between", "cv",
    "sd_log",
)  # fmt: skip


def disparity(
    frame: pd.DataFrame,
    variable: str,
    groups: Mapping[str, str],
    years: list[int] | None = None,
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """``year, component, group, group_b, value, share, n_units`` for every year with ≥ 2 units;
    negative values are refused (Gini and Theil measure shares of a non-negative total)."""
    notes = notes if notes is not None else []
    data = panel(frame, variable, groups, years, notes)
    negative = data[data["value"] < 0]
    if not negative.empty:
        row = negative.iloc[0]
        raise InputError(
            f"{variable} is negative for {len(negative)} unit-years (e.g. {row.unit_id} {row.year}: "
            f"{row.value:g}); Gini and Theil need non-negative values",
            hint="use a level or an index score, not a growth rate or a z-score",
        )
    counts = data.groupby("year")["unit_id"].nunique()
    thin = counts[counts < 2].index.tolist()
    if thin:
        notes.append(f"years with fewer than 2 units skipped: {', '.join(map(str, thin))}")
        data = data[~data["year"].isin(thin)]
    if data.empty:
        raise InputError(f"no year has two or more units with a value of {variable}")
    table = pd.concat([dagum_table(data), theil_table(data, notes)], ignore_index=True)
    table["n_units"] = table["year"].map(counts).astype(int)
    order = {c: k for k, c in enumerate(COMPONENTS)}
    table["_k"] = table["component"].map(order)
    table = table.sort_values(["year", "_k"], kind="stable").drop(columns="_k").reset_index(drop=True)
    table["share"] = table["share"].astype(float).replace([np.inf, -np.inf], np.nan)
    return table
