"""``IndexResult``: scores and ranks at every level, with group scores, changes and profiles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from silkscope.errors import InputError
from silkscope.index.choices import Choices
from silkscope.index.framework import Framework


@dataclass(frozen=True, eq=False)
class IndexResult:
    """One index build: what went in (framework, choices) and what came out.

    ``scores``/``ranks`` are ``(observations, nodes)`` arrays in framework node order; observations
    are the (``units``, ``years``) pairs. ``weights`` gives each node's weight within its parent.
    """

    framework: Framework
    choices: Choices
    units: np.ndarray
    years: np.ndarray
    scores: np.ndarray
    ranks: np.ndarray
    weights: Mapping[str, float]
    groups: Mapping[str, str] = field(default_factory=dict)
    extra: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)
    prepared: np.ndarray | None = None
    normalised: np.ndarray | None = None
    values: pd.DataFrame | None = field(default=None, repr=False)
    #: ``(observations, nodes)``: weighted share of each node's indicators with a value (0-1)
    coverage: np.ndarray | None = field(default=None, repr=False)

    @property
    def node_ids(self) -> list[str]:
        return [n.id for n in self.framework.nodes]

    def to_frame(self) -> pd.DataFrame:
        """Long table ``unit_id, year, level, node, score, rank, coverage`` (rank 1 = best within
        the year; a unit-year below the coverage threshold keeps its row with empty score and rank)."""
        nodes = self.framework.nodes
        n_obs, n_nodes = self.scores.shape
        frame = pd.DataFrame(
            {
                "unit_id": np.repeat(self.units, n_nodes),
                "year": np.repeat(self.years, n_nodes).astype(int),
                "level": np.tile([n.level for n in nodes], n_obs),
                "node": np.tile([n.id for n in nodes], n_obs),
                "score": self.scores.ravel(),
                "rank": pd.array(self.ranks.ravel(), dtype="Float64").astype("Int64"),
                "coverage": self.coverage_array().ravel(),
            }
        )
        order = {level: k for k, level in enumerate(("index", "pillar", "dimension", "indicator"))}
        frame["_lvl"] = frame["level"].map(order)
        frame["_pos"] = np.tile(np.arange(n_nodes), n_obs)
        frame = frame.sort_values(["year", "_lvl", "_pos", "rank", "unit_id"], kind="stable")
        return frame.drop(columns=["_lvl", "_pos"]).reset_index(drop=True)

    def coverage_array(self) -> np.ndarray:
        """Coverage ``(observations, nodes)``; from the scores (1 where scored) for results built
        without it."""
        if self.coverage is not None:
            return self.coverage
        return (~np.isnan(self.scores)).astype(float)

    def coverage_table(self, level: str = "index") -> pd.DataFrame:
        """Wide coverage of one level (or ``"screened"``: the index and its pillars): rows
        (unit_id, year), one column per node."""
        nodes = self.framework.nodes
        if level == "screened":
            keep = [0, *(k for k, n in enumerate(nodes) if n.id in self.framework.pillars)]
        else:
            keep = [k for k, n in enumerate(nodes) if n.level == level]
        index = pd.MultiIndex.from_arrays([self.units, self.years], names=["unit_id", "year"])
        return pd.DataFrame(
            self.coverage_array()[:, keep], index=index, columns=[self.node_ids[k] for k in keep]
        )

    def excluded(self) -> pd.DataFrame:
        """Unit-years without an index score because coverage is below ``min_coverage``:
        ``unit_id, year, coverage`` (of the index), ``below`` (the nodes below the threshold)."""
        cov = self.coverage_table("screened")
        root = self.framework.root.id
        pos = {n: k for k, n in enumerate(self.node_ids)}
        unscored = np.isnan(self.scores[:, pos[root]])
        threshold = self.choices.min_coverage - 1e-9
        rows = []
        for k in np.flatnonzero(unscored):
            line = cov.iloc[k]
            below = [n for n in cov.columns if line[n] < threshold] or ["no data"]
            rows.append(
                {
                    "unit_id": str(self.units[k]),
                    "year": int(self.years[k]),
                    "coverage": float(line[root]),
                    "below": ", ".join(below),
                }
            )
        frame = pd.DataFrame(rows, columns=["unit_id", "year", "coverage", "below"]).astype(
            {"unit_id": str, "year": int, "coverage": float, "below": str}
        )
        return frame.sort_values(["year", "unit_id"]).reset_index(drop=True)

    def excluded_summary(self) -> pd.DataFrame:
        """The unscored unit-years grouped: ``year, units, below, coverage_min, coverage_max``."""
        excluded = self.excluded()
        grouped = excluded.groupby(["year", "below"], sort=True)
        out = grouped.agg(
            units=("unit_id", "size"), coverage_min=("coverage", "min"), coverage_max=("coverage", "max")
        ).reset_index()
        return out[["year", "units", "below", "coverage_min", "coverage_max"]]

    def scored_share(self) -> pd.Series:
        """Per year: the share of the year's unit-years that have an index score."""
        scored = ~np.isnan(self.scores[:, 0])
        return pd.Series(scored, index=self.years).groupby(level=0).mean().sort_index()

    def passing_years(self, share: float = 0.5) -> list[int]:
        """Years in which more than ``share`` of the year's units have an index score."""
        by_year = self.scored_share()
        return [int(y) for y, s in by_year.items() if s > share]

    def headline_year(self) -> int:
        """The latest year whose coverage passes (most of its units scored), not simply the
        latest year; raises naming the coverage when no year passes."""
        years = self.passing_years()
        if years:
            return years[-1]
        scored = self.scored_share()
        if (scored > 0).any():
            return int(scored[scored > 0].index.max())
        best = self.coverage_table("index").groupby(level="year").max().iloc[:, 0]
        raise InputError(
            "no unit-year holds enough data for the index: the best index coverage per year is "
            + ", ".join(f"{int(y)}: {v:.0%}" for y, v in best.items())
            + f" (min_coverage {self.choices.min_coverage:.0%} for each pillar and the index)",
            hint="import the missing pillars' indicators, or lower --min-coverage",
        )

    def indicator_set(self, year: int) -> tuple[str, ...]:
        """The framework indicators with at least one value in ``year``."""
        pos = {n: k for k, n in enumerate(self.node_ids)}
        cols = [pos[i] for i in self.framework.indicators]
        cov = self.coverage_array()[np.ix_(self.years == int(year), cols)]
        return tuple(i for i, c in zip(self.framework.indicators, cov.max(axis=0), strict=True) if c > 0)

    def comparable_year(self, year: int | None = None) -> int | None:
        """The earliest passing year before ``year`` (default: the headline year) whose indicator
        set is the same as that year's: rank changes are computed only between such years."""
        year = self.headline_year() if year is None else int(year)
        target = self.indicator_set(year)
        for y in self.passing_years():
            if y < year and self.indicator_set(y) == target:
                return y
        return None

    def table(self, level: str = "index") -> pd.DataFrame:
        """Wide scores of one level: rows (unit_id, year), one column per node."""
        cols = [k for k, n in enumerate(self.framework.nodes) if n.level == level]
        index = pd.MultiIndex.from_arrays([self.units, self.years], names=["unit_id", "year"])
        return pd.DataFrame(self.scores[:, cols], index=index, columns=[self.node_ids[k] for k in cols])

    def ranking(self, year: int | None = None) -> pd.DataFrame:
        """The index ranking of one year (the headline year by default: the latest whose coverage
        passes) with pillar scores beside it."""
        year = self.headline_year() if year is None else int(year)
        root = self.framework.root.id
        keep = self.years == year
        if not keep.any():
            raise InputError(f"no results for year {year}; years built: {sorted(set(self.years.tolist()))}")
        pos = {n: k for k, n in enumerate(self.node_ids)}
        out = pd.DataFrame({"unit_id": self.units[keep], "year": year})
        out["rank"] = pd.array(self.ranks[keep, pos[root]], dtype="Float64").astype("Int64")
        out["score"] = self.scores[keep, pos[root]]
        for pillar in self.framework.pillars:
            out[pillar] = self.scores[keep, pos[pillar]]
        if self.groups:
            out["group"] = out["unit_id"].map(self.groups)
        return out.sort_values(["rank", "unit_id"]).reset_index(drop=True)

    def group_scores(self, weight: str | None = None) -> pd.DataFrame:
        """Group means per year and node (``mean``), and weighted by ``weight`` (an indicator in the
        data outside the framework, e.g. population or GDP) in ``weighted_mean`` when given."""
        if not self.groups:
            raise InputError("no grouping was given to the build (use --group-by)")
        weight = weight or self.choices.group_weight
        frame = self.to_frame()
        frame["group"] = frame["unit_id"].map(self.groups)
        frame = frame.dropna(subset=["group", "score"])
        if weight:
            if weight not in self.extra.columns:
                raise InputError(
                    f"group weight '{weight}' is not among the data's extra indicators "
                    f"({', '.join(map(str, self.extra.columns)) or 'none'})"
                )
            w = self.extra[weight].rename("w").reset_index()
            frame = frame.merge(w, on=["unit_id", "year"], how="left")
        grouped = frame.groupby(["group", "year", "level", "node"], sort=False)
        out = grouped["score"].agg(mean="mean", n_units="count").reset_index()
        if weight:
            frame["ws"] = frame["score"] * frame["w"]
            sums = (
                frame.dropna(subset=["w"])
                .groupby(["group", "year", "level", "node"], sort=False)[["ws", "w"]]
                .sum()
            )
            out = out.merge((sums["ws"] / sums["w"]).rename("weighted_mean").reset_index(), how="left")
        return out

    def changes(self) -> pd.DataFrame:
        """Year-over-year change of score and rank per unit and node (vs the unit's previous year);
        ``rank_change`` > 0 means the unit moved up. ``same_indicators`` says whether both years
        hold the same framework indicators; where they do not, the change compares different
        indicator sets and should not be read as a change of the same measure."""
        frame = self.to_frame().sort_values(["unit_id", "node", "year"])
        prev = frame.groupby(["unit_id", "node"], sort=False)[["year", "score", "rank"]].shift(1)
        frame["previous_year"] = prev["year"].astype("Int64")
        frame["score_change"] = frame["score"] - prev["score"]
        frame["rank_change"] = (prev["rank"] - frame["rank"]).astype("Int64")
        frame = frame.dropna(subset=["previous_year"]).reset_index(drop=True)
        sets = {int(y): self.indicator_set(int(y)) for y in np.unique(self.years)}
        frame["same_indicators"] = [
            sets[int(a)] == sets[int(b)] for a, b in zip(frame["year"], frame["previous_year"], strict=True)
        ]
        return frame

    def profiles(self) -> pd.DataFrame:
        """Each unit-year's strongest and weakest pillar (by rank among units, then score) and its
        weakest indicator (lowest indicator rank) — what holds the unit back."""
        pos = {n: k for k, n in enumerate(self.node_ids)}
        pillars = list(self.framework.pillars)
        pr = self.ranks[:, [pos[p] for p in pillars]]
        ps = self.scores[:, [pos[p] for p in pillars]]
        ind = list(self.framework.indicators)
        ir = self.ranks[:, [pos[i] for i in ind]]
        is_ = self.scores[:, [pos[i] for i in ind]]
        rows = []
        for k in range(len(self.units)):
            ok = ~np.isnan(pr[k])
            if not ok.any():
                continue
            # best rank first, ties broken by the higher score; weakest the other way round
            order = [j for j in np.lexsort((-ps[k], pr[k])) if ok[j]]
            ok_i = ~np.isnan(ir[k])
            order_i = [j for j in np.lexsort((is_[k], -ir[k])) if ok_i[j]]
            rows.append(
                {
                    "unit_id": self.units[k],
                    "year": int(self.years[k]),
                    "strongest_pillar": pillars[order[0]],
                    "weakest_pillar": pillars[order[-1]],
                    "weakest_indicator": ind[order_i[0]] if order_i else None,
                }
            )
        return pd.DataFrame(rows)

    def weights_frame(self) -> pd.DataFrame:
        """``node, parent, level, weight`` (within parent) and ``effective`` (share of the index)."""
        eff: dict[str, float] = {}
        for node in self.framework.nodes:
            parent = eff.get(node.parent, 1.0) if node.parent else 1.0
            eff[node.id] = parent * self.weights[node.id]
        return pd.DataFrame(
            [
                {
                    "node": n.id,
                    "parent": n.parent,
                    "level": n.level,
                    "weight": self.weights[n.id],
                    "effective": eff[n.id],
                }
                for n in self.framework.nodes
                if n.parent is not None
            ]
        )

    def rebuild(self, weights: Mapping[str, float] | None = None, **changes: Any) -> IndexResult:
        """The same build with some choices changed and/or some node weights overridden."""
        from silkscope.index.build import build

        if self.values is None:
            raise InputError("this result does not hold its input values; call build() again")
        return build(
            self.values, self.framework, self.choices.replace(**changes), self.groups or None, weights
        )

    def uncertainty(self, n: int = 1000, vary: Mapping[str, Any] | None = None, seed: int = 0, **kw: Any):
        """Rank intervals from ``n`` draws of method choices and weights (see ``index.uncertainty``)."""
        from silkscope.index.uncertainty import uncertainty

        return uncertainty(self, n=n, vary=vary, seed=seed, **kw)

    def sensitivity(self, n: int = 256, vary: Mapping[str, Any] | None = None, seed: int = 0, **kw: Any):
        """First-order and total Sobol indices of each varied choice (see ``index.uncertainty``)."""
        from silkscope.index.uncertainty import sensitivity

        return sensitivity(self, n=n, vary=vary, seed=seed, **kw)

    def summary(self, lang: str = "en") -> str:
        from silkscope.reference import unit_name

        year = self.headline_year()
        top = self.ranking(year).dropna(subset=["score"]).head(5)
        names = self.framework.names(lang)
        lines = [
            f"{names[self.framework.root.id]} — {len(set(self.units.tolist()))} units, "
            f"years {int(self.years.min())}–{int(self.years.max())}, "
            f"{len(self.framework.indicators)} indicators",
            f"choices: {self.choices.describe()}",
            f"top 5 in {year}: "
            + ", ".join(f"{unit_name(r.unit_id, lang)} ({r.score:.1f})" for r in top.itertuples()),
        ]
        excluded = self.excluded()
        if len(excluded):
            by_year = excluded.groupby("year").size()
            lines.append(
                f"not scored (coverage below {self.choices.min_coverage:.0%} for a pillar or the index): "
                f"{len(excluded)} unit-year(s): " + ", ".join(f"{int(y)}: {n}" for y, n in by_year.items())
            )
        if year != int(self.years.max()):
            lines.append(f"headline year {year}: the latest year in which most units are scored")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def figure(self, year: int | None = None, labels: Mapping[str, str] | None = None, lang: str = "en"):
        """A Plotly bar chart of the index ranking, pillars stacked by their weighted contribution."""
        import plotly.graph_objects as go

        table = self.ranking(year).sort_values("score")
        names = self.framework.names(lang)
        y = [labels.get(u, u) if labels else u for u in table["unit_id"]]
        fig = go.Figure()
        if self.choices.aggregate == "arithmetic":
            for pillar in self.framework.pillars:
                fig.add_bar(y=y, x=table[pillar] * self.weights[pillar], name=names[pillar], orientation="h")
            fig.update_layout(barmode="stack")
        else:
            fig.add_bar(y=y, x=table["score"], name=names[self.framework.root.id], orientation="h")
        fig.update_layout(height=max(400, 18 * len(table)), margin={"l": 120, "r": 20, "t": 30, "b": 30})
        return fig
