"""The composite-index engine ("evaluation index system").

``build(values, framework, choices) -> IndexResult``: a YAML framework tree, method choices in a
frozen :class:`Choices`, and every step a pure array function (see DESIGN.md).
"""

from silkscope.index.build import build, node_weights, prepare, rank_within, score_tree
from silkscope.index.choices import Choices
from silkscope.index.demo import builtin_framework, demo_framework, demo_values
from silkscope.index.framework import Framework, Node
from silkscope.index.result import IndexResult

__all__ = [
    "Choices",
    "Framework",
    "IndexResult",
    "Node",
    "build",
    "builtin_framework",
    "demo_framework",
    "demo_values",
    "node_weights",
    "prepare",
    "rank_within",
    "score_tree",
]
