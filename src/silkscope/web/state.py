"""The dashboard's state: the index of the served data, kept for the life of the process so that
a weight change costs one aggregation pass, and a small cache of lazily computed tables."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from silkscope.i18n import LANGUAGES
from silkscope.index import IndexResult, score_tree
from silkscope.index.build import parent_positions
from silkscope.report.builder import ReportInputs
from silkscope.report.index_sections import unit_names

MAX_WEIGHT = 1000.0


class ApiError(Exception):
    """A request the API refuses, with the HTTP status and a message naming the fix."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class IndexState:
    """One base build plus what a weight change needs: the normalised matrix and base weights."""

    def __init__(self, inputs: ReportInputs) -> None:
        self.inputs = inputs
        self.framework = inputs.framework
        self.choices = inputs.choices
        self.groups = dict(inputs.groups or {})
        self.result: IndexResult = inputs.index_result()
        self.node_ids = [n.id for n in self.framework.nodes]
        self.position = {n: k for k, n in enumerate(self.node_ids)}
        self.base_weights = np.array([self.result.weights[n] for n in self.node_ids])
        self.parents = parent_positions(self.framework)
        self.leaf = self.result.normalised
        self.units = self.result.units
        self.years = self.result.years
        self.year_list = sorted({int(y) for y in self.years})
        self.year_rows = {y: np.flatnonzero(self.years == y) for y in self.year_list}
        self.unit_list = list(dict.fromkeys(str(u) for u in self.units))
        self.unit_set = set(self.unit_list)
        self.names = {lang: unit_names(lang, inputs.names) for lang in LANGUAGES}
        #: the latest year whose coverage passes: the default year, not simply the latest one
        self.headline_year = self.result.headline_year()
        #: obstacle degrees of every unit-year (built on first use), or why they cannot be
        self._obstacles: pd.DataFrame | str | None = None

    # coverage -----------------------------------------------------------------------------------
    def coverage_rows(self, lang: str) -> list[dict[str, Any]]:
        """Per unit-year: the coverage (0-1) of the index and of each pillar, and ``scored``."""
        cov = self.result.coverage_table("screened")
        scored = ~np.isnan(self.result.scores[:, 0])
        rows = []
        for k, ((unit, year), line) in enumerate(cov.iterrows()):
            row: dict[str, Any] = {
                "unit_id": str(unit),
                "name": self.name(str(unit), lang),
                "year": int(year),
                "scored": bool(scored[k]),
            }
            row.update({node: json_float(v, 4) for node, v in line.items()})
            rows.append(row)
        return rows

    def excluded_rows(self, lang: str) -> list[dict[str, Any]]:
        """The unit-years without an index score: ``unit_id, name, year, coverage, below``."""
        frame = self.result.excluded()
        return [
            {
                "unit_id": r.unit_id,
                "name": self.name(r.unit_id, lang),
                "year": int(r.year),
                "coverage": json_float(r.coverage, 4),
                "below": r.below,
            }
            for r in frame.itertuples()
        ]

    # validation ---------------------------------------------------------------------------------
    def year(self, year: int | None) -> int:
        if year is None:
            return self.headline_year
        if year not in self.year_list:
            raise ApiError(
                400, f"no results for year {year}; years available: {', '.join(map(str, self.year_list))}"
            )
        return int(year)

    def node(self, node: str | None) -> str:
        if node is None or node == "":
            return self.framework.root.id
        if node not in self.position:
            raise ApiError(400, f"unknown node '{node}' of framework '{self.framework.id}'; see /api/meta")
        return node

    def unit(self, unit_id: str) -> str:
        if unit_id not in self.unit_set:
            raise ApiError(404, f"unknown unit '{unit_id}'; the units are listed by /api/meta")
        return unit_id

    def name(self, unit_id: str, lang: str) -> str:
        return self.names[lang].get(unit_id, unit_id)

    # weights ------------------------------------------------------------------------------------
    def custom_weights(self, given: Mapping[str, float]) -> np.ndarray:
        """Within-parent weights (framework node order) from relative weights of some nodes."""
        w = self.base_weights.copy()
        for node_id, value in given.items():
            if node_id not in self.position or node_id == self.framework.root.id:
                raise ApiError(
                    400, f"cannot weight '{node_id}': not a non-root node of '{self.framework.id}'"
                )
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ApiError(400, f"weight of '{node_id}' must be a finite number >= 0, got {value!r}")
            if value > MAX_WEIGHT:
                raise ApiError(400, f"weight of '{node_id}' must be at most {MAX_WEIGHT:g}, got {value!r}")
        for node in self.framework.nodes:
            if node.is_leaf or not any(c in given for c in node.children):
                continue
            kids = [self.position[c] for c in node.children]
            raw = np.array(
                [
                    float(given.get(c, self.base_weights[k] * len(kids)))
                    for c, k in zip(node.children, kids, strict=True)
                ]
            )
            total = raw.sum()
            if total <= 0:
                raise ApiError(
                    400, f"the weights of the children of '{node.id}' sum to zero; give one a weight > 0"
                )
            w[kids] = raw / total
        return w

    def rescore(self, weights: np.ndarray) -> np.ndarray:
        """Scores of every node with other weights, from the cached normalised matrix."""
        if np.array_equal(weights, self.base_weights):
            return self.result.scores
        return score_tree(
            self.leaf,
            weights,
            self.framework,
            self.choices.aggregate,
            scope=self.years if self.choices.scope == "by-year" else None,
            zero_rule=self.choices.zero_rule,
        )

    def scored(self, weights: Mapping[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Scores and ranks (within each year, per node; 1 = best) of every node with the
        slider ``weights`` (relative, as :meth:`custom_weights`), or as built."""
        if not weights:
            return self.result.scores, self.result.ranks
        from scipy.stats import rankdata

        scores = self.rescore(self.custom_weights(weights))
        ranks = np.full(scores.shape, np.nan)
        for rows in self.year_rows.values():
            for k in range(scores.shape[1]):
                ranks[rows, k] = rankdata(-scores[rows, k], method="min", nan_policy="omit")
        return scores, ranks

    # tables ---------------------------------------------------------------------------------------
    def ranking_rows(
        self, year: int, node: str, lang: str, scores: np.ndarray | None = None
    ) -> list[dict[str, Any]]:
        """JSON-ready rows ``unit_id, name, group, score, rank`` + pillar scores, best first; with
        ``scores`` (from :meth:`rescore`) the node is ranked afresh within the year (rank 1 = best,
        ties share the best rank, as :func:`rank_within`)."""
        rows = self.year_rows[year]
        k = self.position[node]
        if scores is None:
            scores, ranks = self.result.scores, self.result.ranks[rows, k]
        else:
            from scipy.stats import rankdata

            ranks = rankdata(-scores[rows, k], method="min", nan_policy="omit")
        names = self.names[lang]
        pillar_cols = [(p, self.position[p]) for p in self.framework.pillars]
        block = scores[rows]
        out = []
        for i, row in enumerate(rows.tolist()):
            unit = str(self.units[row])
            item: dict[str, Any] = {
                "unit_id": unit,
                "name": names.get(unit, unit),
                "group": self.groups.get(unit),
                "score": json_float(block[i, k]),
                "rank": json_int(ranks[i]),
            }
            for pillar, col in pillar_cols:
                item[pillar] = json_float(block[i, col])
            out.append(item)
        big = len(out) + 1
        out.sort(key=lambda r: (r["rank"] if r["rank"] is not None else big, r["unit_id"]))
        return out

    def ranking(self, year: int, node: str, lang: str, scores: np.ndarray | None = None) -> pd.DataFrame:
        table = pd.DataFrame(self.ranking_rows(year, node, lang, scores))
        table["rank"] = table["rank"].astype("Int64")
        return table

    def row_of(self, unit_id: str, year: int) -> int | None:
        hit = np.flatnonzero((self.units == unit_id) & (self.years == year))
        return int(hit[0]) if len(hit) else None

    def profile(
        self, unit_id: str, year: int, lang: str, top: int = 3, weights: Mapping[str, float] | None = None
    ) -> dict[str, Any]:
        fw = self.framework
        r = self.row_of(unit_id, year)
        if r is None:
            raise ApiError(404, f"unit '{unit_id}' has no results for {year}")
        scores, ranks = self.scored(weights)
        n_units = int(np.sum(self.years == year))

        def entry(node_id: str) -> dict[str, Any]:
            node = fw[node_id]
            k = self.position[node_id]
            return {
                "node": node_id,
                "name": node.label(lang),
                "level": node.level,
                "parent": node.parent,
                "weight": json_float(self.result.weights[node_id]),
                "score": json_float(scores[r, k]),
                "rank": json_int(ranks[r, k]),
            }

        from silkscope.i18n import Translator
        from silkscope.report.labels import label

        t = Translator(lang)

        def unit_labels(unit: str | None) -> str | None:
            return label(t, "unit", unit) if unit else unit

        indicators = []
        for j, ind in enumerate(fw.indicators):
            item = entry(ind)
            node = fw[ind]
            item.update(
                pillar=fw.pillar_of(ind),
                unit=node.unit,
                unit_label=unit_labels(node.unit),
                direction=node.direction,
                value=json_float(self.result.prepared[r, j]) if self.result.prepared is not None else None,
            )
            indicators.append(item)
        ranked = sorted(
            (i for i in indicators if i["score"] is not None), key=lambda i: (-i["score"], i["node"])
        )
        strengths = [i["node"] for i in ranked[:top]]
        weaknesses = [i["node"] for i in reversed(ranked[-top:]) if i["node"] not in strengths]
        for item in indicators:
            item["flag"] = (
                "strength"
                if item["node"] in strengths
                else "weakness"
                if item["node"] in weaknesses
                else None
            )
        trend = []
        for y in self.year_list:
            ry = self.row_of(unit_id, y)
            if ry is None:
                continue
            point = {
                "year": y,
                "score": json_float(scores[ry, 0]),
                "rank": json_int(ranks[ry, 0]),
            }
            for pillar in fw.pillars:
                point[pillar] = json_float(scores[ry, self.position[pillar]])
            trend.append(point)
        return {
            "unit_id": unit_id,
            "name": self.name(unit_id, lang),
            "obstacles": self.obstacles_of(unit_id, year, lang),
            "group": self.groups.get(unit_id),
            "year": year,
            "n_units": n_units,
            "index": entry(fw.root.id),
            "pillars": [entry(p) for p in fw.pillars],
            "dimensions": [entry(n.id) for n in fw.nodes if n.level == "dimension"],
            "indicators": indicators,
            "strengths": strengths,
            "weaknesses": weaknesses,
            "trend": trend,
        }

    def obstacles_of(self, unit_id: str, year: int, lang: str, top: int = 5) -> dict[str, Any]:
        """The unit-year's largest obstacle factors (obstacle degree, issue 17:
        :func:`silkscope.regions.obstacles.obstacles`, on the base weights), or why there are none."""
        from silkscope.errors import SilkscopeError
        from silkscope.regions.obstacles import obstacles

        if self._obstacles is None:
            try:
                self._obstacles = obstacles(self.result, top=top)
            except SilkscopeError as exc:
                self._obstacles = str(exc)
        if isinstance(self._obstacles, str):
            return {"items": [], "reason": self._obstacles}
        rows = self._obstacles[(self._obstacles["unit_id"] == unit_id) & (self._obstacles["year"] == year)]
        items = [
            {
                "node": r.indicator,
                "name": self.framework[r.indicator].label(lang),
                "obstacle": json_float(r.obstacle),
            }
            for r in rows.sort_values("rank").itertuples()
        ]
        return {"items": items, "reason": None}

    def compare(
        self, a: str, b: str, year: int, lang: str, weights: Mapping[str, float] | None = None
    ) -> pd.DataFrame:
        ra, rb = self.row_of(a, year), self.row_of(b, year)
        if ra is None or rb is None:
            raise ApiError(404, f"'{a if ra is None else b}' has no results for {year}")
        scores, ranks = self.scored(weights)
        rows = []
        for node in self.framework.nodes:
            k = self.position[node.id]
            sa, sb = scores[ra, k], scores[rb, k]
            rows.append(
                {
                    "node": node.id,
                    "level": node.level,
                    "name": node.label(lang),
                    "a_score": sa,
                    "b_score": sb,
                    "difference": sa - sb,
                    "a_rank": json_int(ranks[ra, k]),
                    "b_rank": json_int(ranks[rb, k]),
                }
            )
        return pd.DataFrame(rows)

    def framework_tree(self) -> dict[str, Any]:
        def walk(node_id: str) -> dict[str, Any]:
            node = self.framework[node_id]
            return {
                "id": node.id,
                "level": node.level,
                "name": {lang: node.label(lang) for lang in LANGUAGES},
                "weight": json_float(self.result.weights[node.id]),
                "direction": node.direction if node.is_leaf else None,
                "unit": node.unit,
                "children": [walk(c) for c in node.children],
            }

        return walk(self.framework.root.id)


class LazyCache:
    """Values computed on first use, once per key even under concurrent requests."""

    def __init__(self, max_items: int = 16) -> None:
        self._values: dict[Any, Any] = {}
        self._locks: dict[Any, threading.Lock] = {}
        self._guard = threading.Lock()
        self.max_items = max_items

    def __contains__(self, key: Any) -> bool:
        with self._guard:
            return key in self._values

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self._guard:
            if key in self._values:
                return self._values[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._values:
                    return self._values[key]
            value = compute()
            with self._guard:
                if len(self._values) >= self.max_items:
                    self._values.pop(next(iter(self._values)))
                self._values[key] = value
            return value


# -- helpers ---------------------------------------------------------------------------------------


def json_float(value: Any, digits: int = 6) -> float | None:
    if value is None or value is pd.NA:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe rows of ``frame`` (:func:`json_value` per cell), keyed by the column names
    as text."""
    out = []
    for row in frame.astype(object).to_dict(orient="records"):
        out.append({str(key): json_value(value) for key, value in row.items()})
    return out


def json_value(value: Any) -> Any:
    """One cell as JSON: None for missing or non-finite numbers, numpy scalars as Python ones,
    timestamps as ISO text; anything else (text, lists) unchanged."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return round(float(value), 6) if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def json_int(value: Any) -> int | None:
    if value is None or value is pd.NA:
        return None
    value = float(value)
    return int(value) if math.isfinite(value) else None
