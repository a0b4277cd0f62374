"""The one-variable panel every regional measure starts from, with its coverage stated."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from silkscope.errors import InputError


def to_wide(values: pd.DataFrame) -> pd.DataFrame:
    """Wide ``unit_id, year, <variable>...`` from long values (``unit_id, year, indicator_id, value``)
    or pass a wide table through."""
    if {"indicator_id", "value"} <= set(values.columns):
        wide = values.pivot_table(
            index=["unit_id", "year"], columns="indicator_id", values="value", aggfunc="first"
        )
        return wide.reset_index().rename_axis(columns=None)
    return values


def panel(
    frame: pd.DataFrame,
    variable: str,
    groups: Mapping[str, str] | None = None,
    years: list[int] | None = None,
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """``unit_id, year, value[, group]`` of ``variable``; rows without a value (or without a group
    when ``groups`` is given) are dropped and named in ``notes``."""
    frame = to_wide(frame)
    if variable not in frame.columns:
        have = [c for c in frame.columns if c not in ("unit_id", "year")]
        raise InputError(
            f"no variable '{variable}' in the data; it has {', '.join(map(str, have)) or 'none'}"
        )
    if "unit_id" not in frame.columns or "year" not in frame.columns:
        raise InputError("the data needs unit_id and year columns")
    out = frame[["unit_id", "year", variable]].rename(columns={variable: "value"}).copy()
    out["unit_id"] = out["unit_id"].astype(str)
    out["year"] = out["year"].astype(int)
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    if years is not None:
        out = out[out["year"].isin(years)]
        if out.empty:
            raise InputError(f"no values of '{variable}' in the years {years[0]}-{years[-1]}")
    notes = notes if notes is not None else []
    missing = out[out["value"].isna()]
    if not missing.empty:
        notes.append(
            f"{len(missing)} unit-years without a value of {variable} left out "
            f"(e.g. {missing.iloc[0]['unit_id']} {missing.iloc[0]['year']})"
        )
        out = out.dropna(subset=["value"])
    if groups is not None:
        out["group"] = out["unit_id"].map(groups)
        lost = sorted(set(out.loc[out["group"].isna(), "unit_id"]))
        if lost:
            notes.append(f"{len(lost)} units without a group left out: {', '.join(lost[:10])}")
            out = out.dropna(subset=["group"])
        if out["group"].nunique() < 2:
            raise InputError("the grouping gives fewer than two groups among the units in the data")
    return out.sort_values(["year", "unit_id"]).reset_index(drop=True)
