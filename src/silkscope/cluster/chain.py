"""The smile curve of a value chain: value-added rate and share by stage, a quadratic fit and the
Lind–Mehlum U test.

Rate = value added / output of a stage; share = the stage's part of the chain's value added (per
year × region). y (the rate, or the share when outputs are missing) is regressed on the stage
order: y = c0 + c1 x + c2 x² (OLS); c2 > 0 is a smile (U), c2 < 0 an inverted U. The U test of
Lind & Mehlum (2010, Oxford Bull. Econ. Stat. 72(1)) applies Sasabuchi's (1980) likelihood-ratio
test to the slopes at the ends of the chain, s(x) = c1 + 2 c2 x: a U needs s(x_lo) < 0 < s(x_hi);
t = min(-s(x_lo)/se, s(x_hi)/se), p = 1 − F_t(t; n − 3) (the larger of the two one-sided p values).
Seed paper 002, Figure 1: value added is high at design and brand, low in manufacturing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from silkscope.errors import InputError, MethodError, Problem

REQUIRED = ["stage", "order", "output", "value_added"]
GROUP_COLUMNS = ("region", "year")
POOLED = "all"


@dataclass(frozen=True)
class UTest:
    """Lind–Mehlum test of a U (or inverted U) on [low, high]."""

    shape: str  # "u" or "inverted_u", from the sign of c2
    low: float
    high: float
    slope_low: float
    slope_high: float
    t: float
    p: float
    extremum: float


@dataclass(frozen=True)
class QuadraticFit:
    """y = c0 + c1 x + c2 x² for one group (or all rows pooled) with its U test (None if n < 4)."""

    group: str
    target: str
    n: int
    coef: tuple[float, float, float]
    cov: np.ndarray
    utest: UTest | None
    reason: str = ""

    @property
    def curvature(self) -> float:
        """The second derivative y'' = 2 c2 (sign: + smile, − inverted)."""
        return 2 * self.coef[2]

    @property
    def extremum(self) -> float:
        c0, c1, c2 = self.coef
        return -c1 / (2 * c2) if c2 else float("nan")

    def row(self) -> dict:
        u = self.utest
        return {
            "group": self.group,
            "target": self.target,
            "n": self.n,
            "c0": self.coef[0],
            "c1": self.coef[1],
            "c2": self.coef[2],
            "curvature": self.curvature,
            "extremum": self.extremum,
            "shape": u.shape if u else "",
            "slope_low": u.slope_low if u else np.nan,
            "slope_high": u.slope_high if u else np.nan,
            "t": u.t if u else np.nan,
            "p": u.p if u else np.nan,
        }


@dataclass
class SmileCurve:
    """Rates and shares per stage, the fits and notes."""

    table: pd.DataFrame
    fits: list[QuadraticFit]
    groups: list[str]
    target: str
    notes: list[str] = field(default_factory=list)

    def fit_table(self) -> pd.DataFrame:
        return pd.DataFrame([f.row() for f in self.fits])

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables a report section or dashboard view shows."""
        return {"stages": self.table, "fits": self.fit_table()}


def lind_mehlum(coef, cov, low: float, high: float, df: int) -> UTest:
    """Sasabuchi–Lind–Mehlum test of a U (c2 > 0) or inverted U (c2 < 0) between ``low`` and ``high``."""
    c0, c1, c2 = (float(c) for c in coef)
    if df < 1:
        raise MethodError("the U test needs at least 4 points (n − 3 ≥ 1 degrees of freedom)")

    def slope(x: float) -> tuple[float, float]:
        grad = np.array([0.0, 1.0, 2 * x])
        return c1 + 2 * c2 * x, float(np.sqrt(grad @ cov @ grad))

    s_lo, se_lo = slope(low)
    s_hi, se_hi = slope(high)
    shape = "u" if c2 > 0 else "inverted_u"
    sign = 1 if shape == "u" else -1
    t = min(-sign * s_lo / se_lo, sign * s_hi / se_hi)
    p = float(stats.t.sf(t, df))
    return UTest(shape, low, high, s_lo, s_hi, float(t), p, -c1 / (2 * c2) if c2 else float("nan"))


def fit_quadratic(x: np.ndarray, y: np.ndarray, group: str, target: str) -> QuadraticFit:
    """OLS of y on (1, x, x²) with the classical covariance, and the U test over [min x, max x]."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    if len(np.unique(x)) < 3:
        raise MethodError(f"{group}: a quadratic needs at least three distinct stage orders")
    design = np.column_stack([np.ones(n), x, x**2])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    df = n - 3
    if df < 1:
        return QuadraticFit(
            group, target, n, tuple(coef), np.full((3, 3), np.nan), None, "n − 3 = 0: exact fit"
        )
    resid = y - design @ coef
    sigma2 = float(resid @ resid) / df
    cov = sigma2 * np.linalg.inv(design.T @ design)
    if sigma2 == 0:
        return QuadraticFit(group, target, n, tuple(coef), cov, None, "zero residual variance")
    return QuadraticFit(group, target, n, tuple(coef), cov, lind_mehlum(coef, cov, x.min(), x.max(), df))


def stage_table(frame: pd.DataFrame, name: str = "data") -> pd.DataFrame:
    """Checked input with typed columns; problems name the row and column."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InputError(
            f"missing column(s) {', '.join(missing)}; columns are {', '.join(map(str, frame.columns))}",
            file=name,
            hint="give stage, order, output, value_added (optionally year, region); output may be empty",
        )
    rows = frame.attrs.get("rows") or list(range(2, len(frame) + 2))
    out = frame.copy()
    problems = []
    for column in ("order", "output", "value_added"):
        numbers = pd.to_numeric(out[column], errors="coerce")
        bad = numbers.isna() & out[column].notna() & (out[column].astype(str).str.strip() != "")
        problems += [Problem("not a number", name, rows[i], column) for i in np.flatnonzero(bad)]
        out[column] = numbers
    for i in np.flatnonzero(out["value_added"].isna() | out["order"].isna()):
        problems.append(Problem("order and value_added are needed on every row", name, rows[i]))
    for i in np.flatnonzero(out["output"] <= 0):
        problems.append(Problem("output must be positive (or left empty)", name, rows[i], "output"))
    if problems:
        raise InputError(problems)
    out["stage"] = out["stage"].astype(str).str.strip()
    return out


def smile_curve(frame: pd.DataFrame, name: str = "data") -> SmileCurve:
    """Rates, shares and quadratic fits per year × region (when given) and pooled."""
    data = stage_table(frame, name)
    keys = [c for c in GROUP_COLUMNS if c in data.columns]
    duplicated = data.duplicated([*keys, "order"], keep=False)
    if duplicated.any():
        raise InputError(
            f"stage order repeated within a group ({', '.join(keys) or 'whole table'})", file=name
        )
    data["value_added_rate"] = data["value_added"] / data["output"]
    totals = data.groupby(keys)["value_added"].transform("sum") if keys else data["value_added"].sum()
    data["value_added_share"] = data["value_added"] / totals
    target = "value_added_rate" if data["value_added_rate"].notna().all() else "value_added_share"
    notes = []
    if target == "value_added_share":
        notes.append("output missing on some rows: the curve is fitted on value_added_share")
    data["group"] = data[keys].astype(str).agg(" ".join, axis=1) if keys else POOLED
    groups = list(dict.fromkeys(data["group"]))
    fits = []
    for group in groups:
        part = data[data["group"] == group]
        if part["order"].nunique() >= 3:
            fits.append(fit_quadratic(part["order"], part[target], group, target))
        else:
            notes.append(f"{group}: fewer than three stages, no curve fitted")
    if len(groups) > 1:
        notes.append(
            "the pooled fit ('all') treats every year × region × stage as one observation; "
            "its standard errors ignore that rows of one group are related (shares sum to 1)"
        )
        fits.append(fit_quadratic(data["order"], data[target], POOLED, target))
    table = data[[*keys, "stage", "order", "value_added_rate", "value_added_share"]].sort_values(
        [*keys, "order"]
    )
    return SmileCurve(table.reset_index(drop=True), fits, groups, target, notes)


def smile_figure(result: SmileCurve, title: str, axis: str):
    """Paper 002 Figure 1 style: one curve per group over the stage order, fitted quadratic dashed."""
    import plotly.graph_objects as go

    fig = go.Figure()
    table = result.table
    keys = [c for c in GROUP_COLUMNS if c in table.columns]
    labels = table.drop_duplicates("order").sort_values("order")
    by_group = {f.group: f for f in result.fits}
    for group in result.groups:
        part = table[(table[keys].astype(str).agg(" ".join, axis=1) if keys else POOLED) == group]
        fig.add_trace(
            go.Scatter(
                x=part["order"], y=part[result.target], mode="markers+lines", name=str(group), opacity=0.8
            )
        )
        fit = by_group.get(group)
        if fit is not None:
            grid = np.linspace(part["order"].min(), part["order"].max(), 50)
            c0, c1, c2 = fit.coef
            fig.add_trace(
                go.Scatter(
                    x=grid,
                    y=c0 + c1 * grid + c2 * grid**2,
                    mode="lines",
                    line={"dash": "dot"},
                    name=f"{group} (fit)",
                    showlegend=False,
                )
            )
    fig.update_layout(
        title=title,
        xaxis={"title": axis, "tickvals": labels["order"].tolist(), "ticktext": labels["stage"].tolist()},
        yaxis={"title": result.target},
        template="simple_white",
    )
    return fig
