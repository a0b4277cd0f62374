"""Statistical audit checks and the uncertainty/audit CLI contracts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.index import Choices, Framework, build
from silkscope.index.audit import audit, cronbach_alpha

runner = CliRunner()


def test_cronbach_alpha_by_hand():
    x = np.array([[1.0, 2, 3], [2, 2, 4], [3, 4, 5], [4, 4, 4]])
    k = 3
    item_var = x.var(axis=0, ddof=1).sum()  # 5/3 + 4/3 + 2/3
    total_var = x.sum(axis=1).var(ddof=1)  # sums 6, 8, 12, 12 -> var 9
    assert cronbach_alpha(x) == pytest.approx(k / (k - 1) * (1 - item_var / total_var))
    assert cronbach_alpha(x) == pytest.approx(1.5 * (1 - (11 / 3) / 9))


def test_audit_flags_a_contrary_indicator():
    rng = np.random.default_rng(0)
    n = 40
    base = rng.normal(size=n)
    table = {
        "a": base + rng.normal(0, 0.2, n),
        "b": base + rng.normal(0, 0.2, n),
        "c": -base + rng.normal(0, 0.2, n),  # wrongly oriented: runs against its siblings
        "d": rng.normal(size=n),
    }
    values = pd.DataFrame(
        [
            {"unit_id": f"u{i}", "year": 2020, "indicator_id": k, "value": v[i]}
            for k, v in table.items()
            for i in range(n)
        ]
    )
    fw = Framework.from_dict(
        {
            "id": "idx",
            "children": [
                {"id": "p1", "children": [{"id": "a"}, {"id": "b"}, {"id": "c"}]},
                {"id": "p2", "children": [{"id": "d"}]},
            ],
        }
    )
    report = audit(build(values, fw, Choices()))
    negative = report.flags[report.flags.check == "negative_within_pillar"]
    assert set(negative.node) == {"a / c", "b / c"}
    assert "c" in set(report.flags[report.flags.check == "weak_with_own_pillar"].node)
    pca = report.pca[(report.pca.pillar == "p1") & (report.pca.component == 1)]
    assert pca.variance_explained.iloc[0] > 0.6
    eff = report.effective_weights.set_index("indicator")
    assert eff.effective_weight.sum() == pytest.approx(1.0)
    assert eff.loc["d", "nominal_weight"] == pytest.approx(0.5)


def test_uncertainty_cli_contract(tmp_path: Path):
    out = tmp_path / "u.csv"
    result = runner.invoke(app, ["index", "uncertainty", "--n", "200", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns[:7]) == [
        "unit_id",
        "year",
        "nominal_rank",
        "median_rank",
        "rank_p05",
        "rank_p95",
        "p_top10",
    ]
    again = tmp_path / "u2.csv"
    runner.invoke(
        app, ["index", "uncertainty", "--n", "200", "--seed", "3", "--chunk", "7", "--out", str(again)]
    )
    pd.testing.assert_frame_equal(frame, pd.read_csv(again))


def test_audit_cli_writes_one_sheet_per_check(tmp_path: Path):
    out = tmp_path / "audit.xlsx"
    result = runner.invoke(app, ["index", "audit", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sheets = set(openpyxl.load_workbook(out, read_only=True).sheetnames)
    assert sheets == {
        "correlations",
        "level_correlations",
        "flags",
        "cronbach_alpha",
        "pca",
        "effective_weights",
    }
