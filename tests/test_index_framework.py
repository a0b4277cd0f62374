"""Framework loading: the minimal format from the issue, the flat format, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from silkscope.errors import FrameworkError
from silkscope.index import Framework, demo_framework

MINIMAL = """
id: cidi
name: {en: Cultural Industry Development Index, zh: 文化产业发展指数}
children:
  - id: productive_force
    name: {en: Productive force, zh: 生产力}
    weight: 1
    children:
      - {id: x1, name: {en: Value added, zh: 增加值}, direction: 1, weight: 0.5}
      - {id: x2, name: {en: Cost, zh: 成本}, direction: -1, weight: 0.5}
"""


def test_minimal_format_from_the_issue(tmp_path: Path):
    path = tmp_path / "fw.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    fw = Framework.from_yaml(path)
    assert fw.indicators == ("x1", "x2")
    assert [fw.level_of(n) for n in ("cidi", "productive_force", "x1")] == ["index", "pillar", "indicator"]
    assert fw.directions.tolist() == [1.0, -1.0]
    assert fw["productive_force"].label("zh") == "生产力"


def test_depth_gives_dimension_level():
    fw = demo_framework()
    assert fw.level_of("scale") == "dimension"
    assert fw.pillars == ("productive_force", "influence", "driving_force")
    assert 20 <= len(fw.indicators) <= 40
    assert all(fw[i].name.get("zh") and fw[i].name.get("en") for i in fw.indicators)
    assert fw.pillar_of("pf_value_added") == "productive_force"


def test_flat_format_equals_nested():
    flat = {
        "nodes": [
            {"id": "idx", "name": "Index"},
            {"id": "p", "parent": "idx", "weight": 1},
            {"id": "a", "parent": "p", "weight": 2, "direction": -1},
            {"id": "b", "parent": "p", "weight": 1},
        ]
    }
    fw = Framework.from_dict(flat)
    assert fw.indicators == ("a", "b")
    assert fw.framework_weights()["a"] == pytest.approx(2 / 3)


def test_cycle_in_flat_format_is_named():
    cyc = {
        "nodes": [
            {"id": "idx"},
            {"id": "p", "parent": "idx"},
            {"id": "a", "parent": "b"},
            {"id": "b", "parent": "a"},
        ]
    }
    with pytest.raises(FrameworkError, match="cycle.*a, b"):
        Framework.from_dict(cyc)


def test_recursive_yaml_alias_is_refused():
    text = "&top\nid: idx\nchildren:\n  - *top\n"
    with pytest.raises(FrameworkError, match="used twice"):
        Framework.from_dict(yaml.safe_load(text))


def test_missing_weight_among_siblings_is_named():
    bad = yaml.safe_load(MINIMAL)
    del bad["children"][0]["children"][1]["weight"]
    with pytest.raises(FrameworkError, match="weight missing for x2"):
        Framework.from_dict(bad)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["children"][0]["children"][0].update(direction=2), "direction must be 1"),
        (lambda d: d["children"][0]["children"][0].update(weight="heavy"), "weight must be a number"),
        (lambda d: d["children"][0]["children"][0].update(wieght=1), "unknown key"),
        (lambda d: d["children"][0]["children"][1].update(id="x1"), "used twice"),
        (lambda d: d.update(children=[]), "has no children"),
    ],
)
def test_malformed_frameworks(mutate, message):
    data = yaml.safe_load(MINIMAL)
    mutate(data)
    with pytest.raises(FrameworkError, match=message):
        Framework.from_dict(data)


def test_missing_file_and_bad_yaml(tmp_path: Path):
    with pytest.raises(FrameworkError, match="not found"):
        Framework.from_yaml(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(FrameworkError, match="bad.yaml: not valid YAML"):
        Framework.from_yaml(bad)
