"""The NBS release split of cultural value added as smile-curve stages.

NBS publishes national value added of culture and related industries by activity — manufacturing,
wholesale and retail, services (``manufacturing_va, wholesale_retail_va, services_va`` per year,
as in ``reference/nbs_culture_value_added.csv``) — but no gross output for them. The reshape makes
one ``stage, order, output, value_added, year`` row per year × activity, ordered manufacturing = 1,
wholesale and retail = 2, services = 3, with ``output`` empty, so ``cluster.chain.smile_curve``
fits the value-added share (see ``reference/nbs_culture_value_added_NOTES.md``).
"""

from __future__ import annotations

import pandas as pd

from silkscope.errors import InputError, Problem

#: (stage id, column of the release layout), in chain order
NBS_STAGES: tuple[tuple[str, str], ...] = (
    ("manufacturing", "manufacturing_va"),
    ("wholesale_retail", "wholesale_retail_va"),
    ("services", "services_va"),
)
REFERENCE_ID = "reference:nbs-culture-value-added"


def is_nbs_layout(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` is the release layout (the three activity columns, a year, no stage)."""
    columns = set(map(str, frame.columns))
    return "stage" not in columns and "year" in columns and all(c in columns for _, c in NBS_STAGES)


def nbs_stage_table(frame: pd.DataFrame, name: str = "data") -> pd.DataFrame:
    """``stage, order, output, value_added, year`` from the release layout; a year without one
    of the three values is refused, naming its row and column."""
    rows = frame.attrs.get("rows") or list(range(2, len(frame) + 2))
    out, problems = [], []
    for i in range(len(frame)):
        year = pd.to_numeric(pd.Series([frame["year"].iloc[i]]), errors="coerce").iloc[0]
        if pd.isna(year) or float(year) % 1:
            problems.append(Problem(f"year '{frame['year'].iloc[i]}' is not a year", name, rows[i], "year"))
            continue
        for order, (stage, column) in enumerate(NBS_STAGES, start=1):
            value = pd.to_numeric(pd.Series([frame[column].iloc[i]]), errors="coerce").iloc[0]
            if pd.isna(value):
                problems.append(Problem("value added is missing or not a number", name, rows[i], column))
                continue
            out.append({"stage": stage, "order": order, "output": None, "value_added": float(value),
                        "year": int(year)})  # fmt: skip
    if problems:
        raise InputError(problems, hint="each year needs all three activities, or leave the year out")
    return pd.DataFrame(out, columns=["stage", "order", "output", "value_added", "year"])


def reference_stage_table() -> pd.DataFrame:
    """The packaged NBS split 2015–2024 as stage rows (the smile section's demo data)."""
    from silkscope.paths import REFERENCE_DIR

    frame = pd.read_csv(REFERENCE_DIR / "nbs_culture_value_added.csv")
    return nbs_stage_table(frame, "nbs_culture_value_added.csv")
