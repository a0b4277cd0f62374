"""CEPII GeoDist ``dist_cepii`` (Mayer & Zignago 2011) as gravity covariates for the ``pairs`` table.

Accepted as CEPII and its mirrors publish it: CSV (comma, or semicolon with decimal commas),
gzip CSV, Excel or Parquet; ``.`` or blank for a missing distance. Country codes are CEPII's
2011 ISO3-like codes: retired ones (ROM, ZAR, TMP) and CEPII's own (PAL) map to today's ISO3,
former states (YUG, ANT) keep their code; anything else unknown is refused and listed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from silkscope.errors import InputError, Problem
from silkscope.io.numbers import problem_text, separator_rule, to_number
from silkscope.io.tables import read_raw

# pairs column -> GeoDist column
COLUMNS = {
    "dist_km": "dist",
    "distw_km": "distw",
    "contig": "contig",
    "comlang_off": "comlang_off",
    "comlang_ethno": "comlang_ethno",
    "colony": "colony",
}
DUMMIES = ("contig", "comlang_off", "comlang_ethno", "colony")
CEPII_CODES = {"PAL": "PSE"}  # CEPII's code for Palestine


def read_geodist(path: str | Path) -> pd.DataFrame:
    """``origin, dest`` (ISO3) and the :data:`COLUMNS` of every pair, validated; raises listing
    bad cells (row, column, value) and unknown codes."""
    from silkscope.trade.codes import iso3_mapping

    path = Path(path)
    raw = read_raw(path)
    frame = raw.frame
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    needed = ["iso_o", "iso_d", *COLUMNS.values()]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(
            f"not a GeoDist dist_cepii table: missing column(s) {', '.join(missing)}",
            file=path,
            hint="the file needs iso_o, iso_d, contig, comlang_off, comlang_ethno, colony, dist, distw",
        )
    problems: list[Problem] = []
    out = pd.DataFrame(index=frame.index)
    for target, source in COLUMNS.items():
        values = []
        cells = [str(c).strip() for c in frame[source]]
        rule = separator_rule(cells)  # per column: "9,091" is 9091 km unless the column shows "3,5"
        for cell, row in zip(cells, raw.rows, strict=True):
            try:
                value = None if cell in (".", "") else to_number(cell, rule)
            except ValueError:
                value = None
                problems.append(Problem(problem_text(cell, rule), str(path), row, source))
            bad_dummy = target in DUMMIES and value not in (None, 0.0, 1.0)
            if bad_dummy or (value is not None and value < 0):
                expected = "0 or 1" if target in DUMMIES else "a distance >= 0"
                problems.append(Problem(f"{cell!r}: expected {expected}", str(path), row, source))
            values.append(value)
        out[target] = pd.array(values, dtype="Float64")
    codes = pd.concat([frame["iso_o"], frame["iso_d"]]).astype(str).str.strip().str.upper()
    mapping = iso3_mapping(codes.unique(), CEPII_CODES)
    unknown = sorted(c for c, iso in mapping.items() if iso is None or not re.fullmatch("[A-Z0-9]{3}", iso))
    for code in unknown:
        first = next(
            (
                r
                for o, d, r in zip(frame.iso_o, frame.iso_d, raw.rows, strict=True)
                if code in (str(o).strip().upper(), str(d).strip().upper())
            ),
            None,
        )
        problems.append(Problem(f"'{code}': unknown country code", str(path), first, "iso_o/iso_d"))
    if problems:
        raise InputError(problems, hint="nothing was imported; correct these cells or rows")
    out.insert(0, "origin", frame["iso_o"].str.strip().str.upper().map(mapping))
    out.insert(1, "dest", frame["iso_d"].str.strip().str.upper().map(mapping))
    for dummy in DUMMIES:
        out[dummy] = out[dummy].astype("Int8")
    dup = out.duplicated(["origin", "dest"], keep=False)
    if dup.any():
        pairs = out.loc[dup, ["origin", "dest"]].drop_duplicates().head(5)
        shown = ", ".join(f"{o}-{d}" for o, d in pairs.itertuples(index=False))
        raise InputError(
            f"pairs given twice (after mapping retired codes to ISO3): {shown}",
            file=path,
            hint="keep one row per ordered pair",
        )
    return out.reset_index(drop=True)
