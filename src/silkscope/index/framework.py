"""Index frameworks: the YAML tree index -> pillars -> dimensions -> indicators.

Two layouts are accepted and validated on load with messages that name the offending node:

* nested (the minimal format): ``id``, ``name``, ``children``; depth gives the level and leaves
  are indicators with ``direction`` (1 or -1) and ``weight``;
* flat: ``nodes: [{id, parent, ...}, ...]`` with one node without parent (the index); cycles and
  dangling parents are reported.

Optional node keys: ``weight`` (relative to siblings; if any sibling has one, all must),
``direction`` (indicators), ``goalposts: [low, high]`` (indicators, for goalposts normalisation),
``unit`` and ``source`` (indicators), ``ahp`` (a pairwise comparison matrix over the node's children
in their listed order), ``aggregate`` is not per node: one method applies to every level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from silkscope.errors import FrameworkError

LEVELS = ("index", "pillar", "dimension", "indicator")
_NODE_KEYS = {
    "id",
    "name",
    "children",
    "weight",
    "direction",
    "goalposts",
    "unit",
    "source",
    "ahp",
    "parent",
    "notes",
    "level",
}


@dataclass(frozen=True)
class Node:
    """One node of the tree; ``children`` are node ids in their listed order."""

    id: str
    level: str
    name: Mapping[str, str]
    parent: str | None
    children: tuple[str, ...] = ()
    weight: float | None = None
    direction: int = 1
    goalposts: tuple[float, float] | None = None
    unit: str | None = None
    source: str | None = None
    ahp: tuple[tuple[float, ...], ...] | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def label(self, lang: str = "en") -> str:
        """The node's name in ``lang``, else in the other language, else its id."""
        return self.name.get(lang) or next((v for v in self.name.values() if v), self.id)


@dataclass(frozen=True)
class Framework:
    """A validated index tree; nodes are kept in depth-first order."""

    id: str
    nodes: tuple[Node, ...]
    source: str = "<dict>"
    _by_id: Mapping[str, Node] = field(default_factory=dict, repr=False, compare=False)

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_yaml(cls, path: str | Path) -> Framework:
        """Load and validate a framework file."""
        path = Path(path)
        if not path.is_file():
            raise FrameworkError(f"framework file not found: {path}")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise FrameworkError(f"{path.name}: not valid YAML: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise FrameworkError(f"{path.name}: framework files must be UTF-8 ({exc})") from exc
        return cls.from_dict(data, source=str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> Framework:
        """Validate a nested (``children``) or flat (``nodes`` with ``parent``) framework."""
        where = Path(source).name
        if not isinstance(data, Mapping):
            raise FrameworkError(f"{where}: a framework is a mapping with 'id' and 'children' or 'nodes'")
        raw = _flat_to_nested(data, where) if "nodes" in data else data
        nodes: list[Node] = []
        _walk(raw, None, 0, nodes, where, seen=set())
        fw = cls(id=nodes[0].id, nodes=tuple(nodes), source=source)
        object.__setattr__(fw, "_by_id", {n.id: n for n in nodes})
        fw._check_weights(where)
        return fw

    def _check_weights(self, where: str) -> None:
        for node in self.nodes:
            if node.is_leaf:
                continue
            kids = [self[c] for c in node.children]
            given = [k.weight is not None for k in kids]
            if any(given) and not all(given):
                missing = [k.id for k in kids if k.weight is None]
                raise FrameworkError(
                    f"{where}: node '{node.id}': weight missing for {', '.join(missing)} while its "
                    "siblings have one; give every child of a node a weight, or none (equal weights)"
                )
            if all(given) and sum(k.weight or 0.0 for k in kids) <= 0:
                raise FrameworkError(f"{where}: node '{node.id}': its children's weights sum to zero")
            if node.ahp is not None:
                m = np.asarray(node.ahp, dtype=float)
                if m.shape != (len(kids), len(kids)):
                    raise FrameworkError(
                        f"{where}: node '{node.id}': ahp matrix is {m.shape[0]}x{m.shape[1] if m.ndim > 1 else 1}"
                        f" but the node has {len(kids)} children"
                    )

    # -- access ---------------------------------------------------------------------------------
    def __getitem__(self, node_id: str) -> Node:
        try:
            return self._by_id[node_id]
        except KeyError:
            raise FrameworkError(f"framework '{self.id}' has no node '{node_id}'") from None

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._by_id

    @property
    def root(self) -> Node:
        return self.nodes[0]

    @cached_property
    def indicators(self) -> tuple[str, ...]:
        """Leaf ids in framework order."""
        return tuple(n.id for n in self.nodes if n.is_leaf)

    @cached_property
    def pillars(self) -> tuple[str, ...]:
        return tuple(self.root.children)

    @cached_property
    def directions(self) -> np.ndarray:
        return np.array([self[i].direction for i in self.indicators], dtype=float)

    def level_of(self, node_id: str) -> str:
        return self[node_id].level

    def internal_bottom_up(self) -> list[Node]:
        """Non-leaf nodes, children before parents (the order aggregation needs)."""
        return [n for n in reversed(self.nodes) if not n.is_leaf]

    def pillar_of(self, node_id: str) -> str | None:
        """The pillar a node sits under (itself if it is a pillar; None for the index)."""
        node = self[node_id]
        while node.parent is not None and node.parent != self.root.id:
            node = self[node.parent]
        return None if node.parent is None else node.id

    def framework_weights(self) -> dict[str, float]:
        """Each node's weight within its parent, normalised to sum 1 per parent (equal if none given)."""
        out: dict[str, float] = {self.root.id: 1.0}
        for node in self.nodes:
            if node.is_leaf:
                continue
            raw = np.array([self[c].weight if self[c].weight is not None else 1.0 for c in node.children])
            for child, w in zip(node.children, raw / raw.sum(), strict=True):
                out[child] = float(w)
        return out

    def names(self, lang: str = "en") -> dict[str, str]:
        return {n.id: n.label(lang) for n in self.nodes}

    def to_frame(self):
        """One row per node: id, parent, level, names, weight, direction, goalposts."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "node": n.id,
                    "parent": n.parent,
                    "level": n.level,
                    "name_en": n.name.get("en"),
                    "name_zh": n.name.get("zh"),
                    "weight": n.weight,
                    "direction": n.direction if n.is_leaf else None,
                    "unit": n.unit,
                }
                for n in self.nodes
            ]
        )


def _flat_to_nested(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    items = data["nodes"]
    if not isinstance(items, list) or not items:
        raise FrameworkError(f"{where}: 'nodes' must be a non-empty list")
    by_id: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items, start=1):
        if not isinstance(item, Mapping) or "id" not in item:
            raise FrameworkError(f"{where}: nodes entry {i} has no 'id'")
        key = str(item["id"])
        if key in by_id:
            raise FrameworkError(f"{where}: node id '{key}' appears twice in 'nodes'")
        by_id[key] = {**item, "children": []}
    roots = [k for k, v in by_id.items() if v.get("parent") in (None, "")]
    if len(roots) != 1:
        raise FrameworkError(
            f"{where}: a framework needs exactly one node without a parent (the index); found "
            f"{len(roots)}: {', '.join(roots) or 'none — every node has a parent, so there is a cycle'}"
        )
    for key, item in by_id.items():
        parent = item.get("parent")
        if parent in (None, ""):
            continue
        if str(parent) not in by_id:
            raise FrameworkError(f"{where}: node '{key}' has parent '{parent}', which is not defined")
        by_id[str(parent)]["children"].append(item)
    # nodes not reachable from the root sit on a cycle
    reachable: set[str] = set()
    stack = [by_id[roots[0]]]
    while stack:
        item = stack.pop()
        reachable.add(str(item["id"]))
        stack.extend(item["children"])
    cyclic = [k for k in by_id if k not in reachable]
    if cyclic:
        raise FrameworkError(
            f"{where}: cycle in the framework: nodes {', '.join(cyclic)} never reach the index"
        )
    for item in by_id.values():
        item.pop("parent", None)
        if not item["children"]:
            item.pop("children")
    return by_id[roots[0]]


def _walk(raw: Any, parent: str | None, depth: int, out: list[Node], where: str, seen: set[str]) -> None:
    if not isinstance(raw, Mapping):
        raise FrameworkError(f"{where}: every node must be a mapping with an 'id' (under '{parent}')")
    if "id" not in raw or raw["id"] in (None, ""):
        raise FrameworkError(f"{where}: a node under '{parent}' has no 'id'")
    node_id = str(raw["id"])
    if node_id in seen:
        raise FrameworkError(
            f"{where}: node id '{node_id}' is used twice (a node cannot appear in two places or contain itself)"
        )
    seen.add(node_id)
    unknown = set(raw) - _NODE_KEYS
    if unknown:
        raise FrameworkError(f"{where}: node '{node_id}': unknown key(s) {', '.join(sorted(unknown))}")
    children = raw.get("children") or []
    if not isinstance(children, list):
        raise FrameworkError(f"{where}: node '{node_id}': 'children' must be a list")
    if depth == 0 and not children:
        raise FrameworkError(f"{where}: the index '{node_id}' has no children")
    level = (
        "index" if depth == 0 else "indicator" if not children else "pillar" if depth == 1 else "dimension"
    )
    name = raw.get("name") or {}
    if isinstance(name, str):
        name = {"en": name}
    if not isinstance(name, Mapping):
        raise FrameworkError(f"{where}: node '{node_id}': 'name' must be text or {{en: ..., zh: ...}}")
    weight = _weight(raw, node_id, where) if depth > 0 else None
    direction = 1
    if not children:
        direction = raw.get("direction", 1)
        if direction not in (1, -1):
            raise FrameworkError(
                f"{where}: indicator '{node_id}': direction must be 1 (higher is better) or -1, got {direction!r}"
            )
    goalposts = raw.get("goalposts")
    if goalposts is not None:
        if not (isinstance(goalposts, list) and len(goalposts) == 2) or float(goalposts[0]) == float(
            goalposts[1]
        ):
            raise FrameworkError(
                f"{where}: indicator '{node_id}': goalposts must be [low, high] with low != high"
            )
        goalposts = (float(goalposts[0]), float(goalposts[1]))
    ahp = raw.get("ahp")
    if ahp is not None:
        try:
            ahp = tuple(tuple(float(v) for v in row) for row in ahp)
        except (TypeError, ValueError) as exc:
            raise FrameworkError(
                f"{where}: node '{node_id}': 'ahp' must be a square matrix of numbers"
            ) from exc
    out.append(
        Node(
            id=node_id,
            level=level,
            name={str(k): str(v) for k, v in name.items()},
            parent=parent,
            children=tuple(str(c.get("id")) if isinstance(c, Mapping) else "?" for c in children),
            weight=weight,
            direction=int(direction),
            goalposts=goalposts,
            unit=raw.get("unit"),
            source=raw.get("source"),
            ahp=ahp,
        )
    )
    for child in children:
        _walk(child, node_id, depth + 1, out, where, seen)


def _weight(raw: Mapping[str, Any], node_id: str, where: str) -> float | None:
    if "weight" not in raw or raw["weight"] is None:
        return None
    try:
        w = float(raw["weight"])
    except (TypeError, ValueError):
        raise FrameworkError(
            f"{where}: node '{node_id}': weight must be a number, got {raw['weight']!r}"
        ) from None
    if not np.isfinite(w) or w < 0:
        raise FrameworkError(f"{where}: node '{node_id}': weight must be a finite number >= 0, got {w}")
    return w
