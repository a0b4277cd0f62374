"""Talent gap = demand − supply per region × field × year, observed and projected.

Supply is graduates or trainees by field (``region, field, year, value``); demand is employment by
sector (``region, sector, year, value``). A mapping (YAML, see ``field_sector_mapping.yaml``) says
which sectors, with which shares, make up the demand for a field; without one a field and a sector
of the same name match. Each series is projected by GM(1,1) and/or ETS (``projection``) with a
hold-out backtest; a projected gap's interval is [demand_low − supply_high, demand_high − supply_low]
(the widest combination of the two intervals, no independence assumed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError, Problem
from silkscope.talent.projection import METHODS, backtest_mape, holdout_size, min_points, project

GAP_COLUMNS = [
    "region",
    "field",
    "year",
    "supply",
    "demand",
    "gap",
    "gap_low",
    "gap_high",
    "method",
    "projected",
]
BACKTEST_COLUMNS = [
    "region",
    "field",
    "series",
    "method",
    "n_obs",
    "first_year",
    "last_year",
    "holdout",
    "mape",
    "C",
    "P",
    "grade",
    "a",
    "b",
    "best",
]
MAPPING_FILE = Path(__file__).with_name("field_sector_mapping.yaml")


@dataclass
class TalentGap:
    """The gap table, the backtest table and notes on series that could not be projected."""

    table: pd.DataFrame
    backtest: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    demo: bool = False

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables a report section or dashboard view shows."""
        return {"gap": self.table, "backtest": self.backtest}


def methods_for(method: str) -> list[str]:
    """``gm11``, ``ets`` or ``both`` as a list of method names."""
    if method == "both":
        return list(METHODS)
    if method not in METHODS:
        raise MethodError(f"unknown --method '{method}'; expected gm11, ets or both")
    return [method]


def check_long(frame: pd.DataFrame, key: str, name: str) -> pd.DataFrame:
    """``frame`` with columns region, ``key``, year (int), value (float); problems name the row."""
    needed = ["region", key, "year", "value"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; columns are {', '.join(map(str, frame.columns))}",
            file=name,
            hint=f"give a long table with columns {', '.join(needed)}",
        )
    rows = frame.attrs.get("rows") or list(range(2, len(frame) + 2))
    problems = []
    years = pd.to_numeric(frame["year"], errors="coerce")
    values = pd.to_numeric(frame["value"], errors="coerce")
    for i in range(len(frame)):
        if pd.isna(years.iloc[i]) or float(years.iloc[i]) % 1:
            problems.append(Problem(f"year '{frame['year'].iloc[i]}' is not a year", name, rows[i], "year"))
        if pd.isna(values.iloc[i]):
            problems.append(Problem("value is missing or not a number", name, rows[i], "value"))
        for column in ("region", key):
            if pd.isna(frame[column].iloc[i]) or str(frame[column].iloc[i]).strip() == "":
                problems.append(Problem(f"{column} is empty", name, rows[i], column))
    if problems:
        raise InputError(problems, hint="fill in or remove those rows")
    out = pd.DataFrame(
        {
            "region": frame["region"].astype(str).str.strip(),
            key: frame[key].astype(str).str.strip(),
            "year": years.astype(int),
            "value": values.astype(float),
        }
    )
    duplicated = out.duplicated(["region", key, "year"], keep=False)
    if duplicated.any():
        problems = [
            Problem(
                f"{out[key].iloc[i]} {out['year'].iloc[i]} of {out['region'].iloc[i]} appears twice",
                name,
                rows[i],
            )
            for i in np.flatnonzero(duplicated)
        ]
        raise InputError(problems, hint=f"keep one value per region, {key} and year")
    return out


def read_mapping(path: Path | None) -> dict[str, dict[str, float]] | None:
    """``{field: {sector: share}}`` from a YAML file with a ``fields:`` mapping (None: by name)."""
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"mapping file '{path}' not found", file=path) from None
    return parse_mapping(text, path)


def parse_mapping(text: str, path: str | Path = "mapping") -> dict[str, dict[str, float]]:
    """``{field: {sector: share}}`` from the YAML text of a mapping (a study keeps the text, see
    ``io.module_tables``); ``path`` names it in problems."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=path) from None
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, dict) or not fields:
        raise InputError(
            "expected a 'fields:' mapping of field -> {sector: share}",
            file=path,
            hint=f"see {MAPPING_FILE.name}",
        )
    mapping: dict[str, dict[str, float]] = {}
    for name, sectors in fields.items():
        if isinstance(sectors, list):
            sectors = {s: 1.0 for s in sectors}
        if not isinstance(sectors, dict) or not sectors:
            raise InputError(f"field '{name}': expected {{sector: share}} or a list of sectors", file=path)
        shares = {}
        for sector, share in sectors.items():
            if not isinstance(share, int | float) or not 0 < float(share) <= 1:
                raise InputError(
                    f"field '{name}', sector '{sector}': share must be in (0, 1], got {share!r}", file=path
                )
            shares[str(sector)] = float(share)
        mapping[str(name)] = shares
    return mapping


def field_demand(demand: pd.DataFrame, mapping: dict[str, dict[str, float]] | None) -> pd.DataFrame:
    """Demand per region × field × year: Σ share × sector demand (a year needs every mapped sector)."""
    if mapping is None:
        return demand.rename(columns={"sector": "field"})
    parts = []
    for name, shares in mapping.items():
        rows = demand[demand["sector"].isin(shares)].copy()
        if rows.empty:
            continue
        rows["value"] = rows["value"] * rows["sector"].map(shares)
        grouped = rows.groupby(["region", "year"]).agg(value=("value", "sum"), n=("sector", "nunique"))
        grouped = grouped[grouped["n"] == len(shares)].reset_index()
        grouped["field"] = name
        parts.append(grouped[["region", "field", "year", "value"]])
    if not parts:
        return pd.DataFrame(columns=["region", "field", "year", "value"])
    return pd.concat(parts, ignore_index=True)


def _run(years: np.ndarray) -> bool:
    return bool(np.all(np.diff(years) == 1))


def talent_gap(
    supply: pd.DataFrame,
    demand: pd.DataFrame,
    mapping: dict[str, dict[str, float]] | None = None,
    method: str = "both",
    horizon: int = 5,
    supply_name: str = "supply",
    demand_name: str = "demand",
    progress: Callable[[int, int], None] | None = None,
) -> TalentGap:
    """Observed and projected gaps for every region × field held by both supply and demand;
    ``progress(done, total)`` is called after each region × field."""
    if horizon < 1:
        raise MethodError(f"--horizon must be at least 1; got {horizon}")
    methods = methods_for(method)
    supply = check_long(supply, "field", supply_name)
    demand = field_demand(check_long(demand, "sector", demand_name), mapping)
    pairs = sorted(
        set(map(tuple, supply[["region", "field"]].drop_duplicates().to_numpy()))
        & set(map(tuple, demand[["region", "field"]].drop_duplicates().to_numpy()))
    )
    if not pairs:
        how = "the mapping's fields" if mapping else "sectors of the same name"
        raise InputError(
            f"no region × field is in both {supply_name} and {demand_name} (matched by {how}); "
            f"fields: {', '.join(sorted(supply['field'].unique()))}; "
            f"demand: {', '.join(sorted(demand['field'].unique())) or 'none mapped'}",
            hint="name demand sectors like the supply fields, or give --mapping F.yaml",
        )
    rows, tests, notes = [], [], []
    for done, (region, name) in enumerate(pairs, start=1):
        if progress is not None and done > 1:
            progress(done - 1, len(pairs))
        series = {}
        for label, frame in (("supply", supply), ("demand", demand)):
            one = frame[(frame["region"] == region) & (frame["field"] == name)].sort_values("year")
            series[label] = (one["year"].to_numpy(), one["value"].to_numpy())
        bad = [label for label, (years, _) in series.items() if not _run(years)]
        if bad:
            notes.append(f"{region} / {name}: {', '.join(bad)} years are not consecutive; not projected")
        s_years, s_values = series["supply"]
        d_years, d_values = series["demand"]
        common = sorted(set(s_years) & set(d_years))
        s_map, d_map = dict(zip(s_years, s_values, strict=False)), dict(zip(d_years, d_values, strict=False))
        for year in common:
            gap = d_map[year] - s_map[year]
            rows.append((region, name, int(year), s_map[year], d_map[year], gap, gap, gap, "observed", False))
        if bad:
            continue
        end = max(s_years[-1], d_years[-1]) + horizon
        for chosen in methods:
            projected = {}
            for label, (years, values) in series.items():
                steps = int(end - years[-1])
                hold = holdout_size(len(values))
                try:
                    proj = project(values, chosen, steps) if steps else None
                    mape = (
                        backtest_mape(values, chosen, hold)
                        if len(values) - hold >= min_points(chosen)
                        else np.nan
                    )
                except MethodError as exc:
                    notes.append(f"{region} / {name} {label} ({chosen}): {exc}")
                    projected = None
                    break
                projected[label] = proj
                tests.append(
                    {
                        "region": region,
                        "field": name,
                        "series": label,
                        "method": chosen,
                        "n_obs": len(values),
                        "first_year": int(years[0]),
                        "last_year": int(years[-1]),
                        "holdout": hold,
                        "mape": mape,
                        "C": getattr(proj, "C", np.nan),
                        "P": getattr(proj, "P", np.nan),
                        "grade": getattr(proj, "grade", ""),
                        "a": getattr(proj, "a", np.nan),
                        "b": getattr(proj, "b", np.nan),
                    }
                )
            if projected is None:
                continue
            first = min(s_years[-1], d_years[-1]) + 1
            for year in range(int(first), int(end) + 1):
                s = _at(year, s_years, s_values, projected["supply"])
                d = _at(year, d_years, d_values, projected["demand"])
                rows.append(
                    (region, name, year, s[0], d[0], d[0] - s[0], d[1] - s[2], d[2] - s[1], chosen, True)
                )
    if progress is not None:
        progress(len(pairs), len(pairs))
    table = pd.DataFrame(rows, columns=GAP_COLUMNS)
    table = table.sort_values(["region", "field", "projected", "method", "year"], kind="stable")
    backtest = pd.DataFrame(tests, columns=BACKTEST_COLUMNS[:-1])
    if not backtest.empty:
        best = backtest.groupby(["region", "field", "series"])["mape"].transform("min")
        backtest["best"] = backtest["mape"].notna() & (backtest["mape"] == best)
    else:
        backtest["best"] = pd.Series(dtype=bool)
    return TalentGap(table.reset_index(drop=True), backtest, notes)


def _at(year: int, years: np.ndarray, values: np.ndarray, projection) -> tuple[float, float, float]:
    """(value, low, high) of a series in ``year``: observed, else its projection."""
    if year <= years[-1]:
        value = float(values[years == year][0])
        return value, value, value
    i = year - int(years[-1]) - 1
    return float(projection.mean[i]), float(projection.low[i]), float(projection.high[i])


def demo_inputs(seed: int = 18) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded demonstration supply and demand (three provinces, two fields, 2012–2023)."""
    rng = np.random.default_rng(seed)
    years = np.arange(2012, 2024)
    supply_rows, demand_rows = [], []
    settings = {
        ("Jiangxi", "ceramic_art"): (2.1, 0.03, 3.0, 0.06),
        ("Jiangxi", "cultural_management"): (1.5, 0.05, 1.4, 0.04),
        ("Zhejiang", "ceramic_art"): (1.2, 0.02, 1.5, 0.03),
        ("Zhejiang", "cultural_management"): (3.0, 0.06, 3.3, 0.07),
        ("Guizhou", "ceramic_art"): (0.4, 0.04, 0.6, 0.02),
        ("Guizhou", "cultural_management"): (0.8, 0.07, 0.7, 0.09),
    }
    for (region, name), (s0, s_growth, d0, d_growth) in settings.items():
        t = years - years[0]
        supply = s0 * np.exp(s_growth * t) * (1 + rng.normal(0, 0.02, len(t)))
        demand = d0 * np.exp(d_growth * t) * (1 + rng.normal(0, 0.02, len(t)))
        supply_rows += [
            (region, name, int(y), round(float(v), 3)) for y, v in zip(years, supply, strict=False)
        ]
        demand_rows += [
            (region, name, int(y), round(float(v), 3)) for y, v in zip(years, demand, strict=False)
        ]
    return (
        pd.DataFrame(supply_rows, columns=["region", "field", "year", "value"]),
        pd.DataFrame(demand_rows, columns=["region", "sector", "year", "value"]),
    )
