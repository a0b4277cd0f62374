"""The method choices of one index build: a frozen, serialisable record.

Any :class:`IndexResult` carries its ``Choices``, so it can be rebuilt, and any choice varied
(uncertainty analysis draws many of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from silkscope.errors import MethodError
from silkscope.index.coverage import DEFAULT_MIN_COVERAGE, check_min_coverage

IMPUTE = ("none", "mean", "median", "group-mean", "previous-year")
TREAT = ("none", "winsorise", "log")
NORMALISE = ("minmax", "zscore", "rank", "goalposts", "ratio-to-mean", "vector", "none")
WEIGHTS = ("equal", "framework", "entropy", "critic", "pca", "ahp")
AGGREGATE = ("arithmetic", "geometric", "harmonic", "topsis")
SCOPES = ("pooled", "by-year")
_ALIASES = {"normalize": "normalise", "winsorize": "winsorise", "min-max": "minmax", "z-score": "zscore"}


@dataclass(frozen=True)
class Choices:
    """How to turn raw indicator values into scores.

    ``scope``: ``pooled`` normalises (and imputes by mean/median) over all unit-years together so
    scores are comparable across years, as a 2014-vs-2018 comparison needs; ``by-year`` treats each
    year as its own cross-section.  ``minmax_range`` is the output range of min-max normalisation
    (the efficacy-coefficient method common in Chinese evaluation studies is ``(60, 100)``).
    ``zero_rule`` says what geometric/harmonic aggregation does with values <= 0: ``shift`` moves
    each affected column up by ``-min + 1%`` of its range (reported as a warning), ``error`` refuses.
    ``min_coverage``: the weighted share of a pillar's (and the index's) indicators a unit-year
    must hold to be scored and ranked (see :mod:`silkscope.index.coverage`).
    """

    impute: str = "none"
    treat: str = "none"
    normalise: str = "minmax"
    weights: str = "framework"
    aggregate: str = "arithmetic"
    scope: str = "pooled"
    minmax_range: tuple[float, float] = (0.0, 100.0)
    winsor_skew: float = 2.0
    winsor_kurtosis: float = 3.5
    winsor_max_fraction: float = 0.05
    zero_rule: str = "shift"
    force_ahp: bool = False
    group_weight: str | None = None
    min_coverage: float = DEFAULT_MIN_COVERAGE

    def __post_init__(self) -> None:
        for name, allowed in (
            ("impute", IMPUTE),
            ("treat", TREAT),
            ("normalise", NORMALISE),
            ("weights", WEIGHTS),
            ("aggregate", AGGREGATE),
            ("scope", SCOPES),
            ("zero_rule", ("shift", "error")),
        ):
            value = _ALIASES.get(getattr(self, name), getattr(self, name))
            object.__setattr__(self, name, value)
            if value not in allowed:
                raise MethodError(f"unknown {name} method '{value}'; expected one of {'|'.join(allowed)}")
        lo, hi = (float(v) for v in self.minmax_range)
        if not lo < hi:
            raise MethodError(f"minmax_range must be (low, high) with low < high, got {self.minmax_range}")
        object.__setattr__(self, "minmax_range", (lo, hi))
        object.__setattr__(self, "min_coverage", check_min_coverage(self.min_coverage))
        if not 0 <= self.winsor_max_fraction < 0.5:
            raise MethodError("winsor_max_fraction must be in [0, 0.5)")

    def replace(self, **changes: Any) -> Choices:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["minmax_range"] = list(self.minmax_range)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Choices:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise MethodError(f"unknown choice(s): {', '.join(sorted(unknown))}")
        values = dict(data)
        if "minmax_range" in values:
            values["minmax_range"] = tuple(values["minmax_range"])
        return cls(**values)

    def describe(self) -> str:
        return (
            f"impute={self.impute}, treat={self.treat}, normalise={self.normalise} ({self.scope}), "
            f"weights={self.weights}, aggregate={self.aggregate}, "
            f"min_coverage={self.min_coverage:.2f}"
        )
