"""DEA and Malmquist: Coelli's DEAP worked example, an independent multiplier-form LP, hand cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.cluster.efficiency import dea, malmquist
from silkscope.errors import InputError

runner = CliRunner()
# Coelli (1996), "A Guide to DEAP Version 2.1", CEPA Working Paper 96/08, Example 1 (5 firms, 1 output, 2 inputs)
DEAP = pd.DataFrame(
    {"unit_id": list("12345"), "y": [1, 2, 3, 1, 2], "x1": [2, 2, 6, 3, 6], "x2": [5, 4, 6, 2, 2]}
)


def test_ccr_reproduces_deap_example_1():
    result = dea(DEAP, ["x1", "x2"], ["y"], model="ccr", orientation="input").to_frame()
    np.testing.assert_allclose(
        result.efficiency.round(3), [0.500, 1.000, 0.833, 0.714, 1.000]
    )  # as published
    np.testing.assert_allclose(result.efficiency, [0.5, 1, 5 / 6, 5 / 7, 1], atol=1e-9)  # by hand
    assert result.loc[0, "slack_x2"] == pytest.approx(0.5)  # firm 1 keeps an input-2 slack of 0.5
    np.testing.assert_allclose(
        result.loc[3, ["target_x1", "target_x2"]].astype(float), [15 / 7, 10 / 7], atol=1e-9
    )


def multiplier_form(x: np.ndarray, y: np.ndarray, o: int, vrs: bool, orientation: str) -> float:
    """The dual (multiplier) DEA problem, built independently with scipy's linprog."""
    n, m = x.shape
    s = y.shape[1]
    free = [(None, None)] if vrs else []
    if orientation == "input":  # max u.y_o - u0  s.t. v.x_o = 1, u.y_j - v.x_j - u0 <= 0
        c = np.r_[-y[o], np.zeros(m), [1.0] if vrs else []]
        a_ub = np.c_[y, -x, -np.ones(n) if vrs else np.empty((n, 0))]
        a_eq = np.r_[np.zeros(s), x[o], [0.0] if vrs else []][None]
        res = linprog(
            c, A_ub=a_ub, b_ub=np.zeros(n), A_eq=a_eq, b_eq=[1], bounds=[(0, None)] * (s + m) + free
        )
        return -res.fun
    # output: min v.x_o + v0  s.t. u.y_o = 1, u.y_j - v.x_j - v0 <= 0
    c = np.r_[np.zeros(s), x[o], [1.0] if vrs else []]
    a_ub = np.c_[y, -x, -np.ones(n) if vrs else np.empty((n, 0))]
    a_eq = np.r_[y[o], np.zeros(m), [0.0] if vrs else []][None]
    res = linprog(c, A_ub=a_ub, b_ub=np.zeros(n), A_eq=a_eq, b_eq=[1], bounds=[(0, None)] * (s + m) + free)
    return 1.0 / res.fun


@pytest.mark.parametrize("model", ["ccr", "bcc"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_envelopment_equals_independent_multiplier_lp(model: str, orientation: str):
    rng = np.random.default_rng(3)
    x = rng.uniform(1, 10, (15, 3))
    y = rng.uniform(1, 10, (15, 2))
    frame = pd.DataFrame(np.c_[x, y], columns=["a", "b", "c", "p", "q"]).assign(
        unit_id=[f"u{i}" for i in range(15)]
    )
    ours = dea(frame, ["a", "b", "c"], ["p", "q"], model=model, orientation=orientation).to_frame()
    theirs = [multiplier_form(x, y, o, model == "bcc", orientation) for o in range(15)]
    np.testing.assert_allclose(ours.efficiency, theirs, atol=1e-7)


def test_super_efficiency_ranks_efficient_units():
    result = dea(DEAP, ["x1", "x2"], ["y"], model="ccr", super_efficiency=True).to_frame()
    assert result.loc[1, "super_efficiency"] > 1 and result.loc[4, "super_efficiency"] > 1
    np.testing.assert_allclose(result.loc[[0, 2, 3], "super_efficiency"], result.loc[[0, 2, 3], "efficiency"])
    bcc = dea(DEAP, ["x1", "x2"], ["y"], model="bcc").to_frame()
    np.testing.assert_allclose(bcc.scale_efficiency, result.efficiency / bcc.efficiency)


def test_malmquist_single_input_output_by_hand():
    # one input, one output, CRS: D^t(x, y) = (y/x) / max_j (y_j/x_j)^t
    p0 = pd.DataFrame({"unit_id": ["a", "b", "c"], "year": 2014, "x": [2.0, 4, 5], "y": [2.0, 2, 10]})
    p1 = p0.assign(year=2015, y=[3.0, 2, 11])
    got = malmquist(pd.concat([p0, p1]), ["x"], ["y"]).set_index("unit_id")
    prod0, prod1 = p0.y / p0.x, p1.y / p1.x
    f0, f1 = prod0.max(), prod1.max()
    for k, unit in enumerate(["a", "b", "c"]):
        d00, d11 = prod0[k] / f0, prod1[k] / f1
        d01, d10 = prod1[k] / f0, prod0[k] / f1
        assert got.loc[unit, "effch"] == pytest.approx(d11 / d00)
        assert got.loc[unit, "techch"] == pytest.approx(np.sqrt(d01 / d11 * d00 / d10))
        assert got.loc[unit, "malmquist"] == pytest.approx(prod1[k] / prod0[k])


def test_bad_inputs_are_named():
    with pytest.raises(InputError, match="input 'x1' must be > 0; unit\\(s\\) 1"):
        dea(DEAP.assign(x1=[0, 2, 6, 3, 6]), ["x1", "x2"], ["y"])
    gap = pd.concat([DEAP.assign(year=2014), DEAP.assign(year=2015).iloc[:4]])
    with pytest.raises(InputError, match="unbalanced panel: unit\\(s\\) 5"):
        malmquist(gap, ["x1", "x2"], ["y"])
    twins = pd.concat([DEAP, DEAP.iloc[[1]].assign(unit_id="2b")])
    assert (
        dea(twins, ["x1", "x2"], ["y"])
        .to_frame()
        .set_index("unit_id")
        .loc[["2", "2b"], "efficiency"]
        .eq(1)
        .all()
    )


def test_cli_contracts(tmp_path: Path):
    panel = pd.concat([DEAP.assign(year=2014), DEAP.assign(year=2015, y=DEAP.y * 1.1)])
    data = tmp_path / "parks.csv"
    panel.to_csv(data, index=False)
    out = tmp_path / "eff.csv"
    args = [
        "cluster",
        "efficiency",
        "--data",
        str(data),
        "--inputs",
        "x1,x2",
        "--outputs",
        "y",
        "--model",
        "bcc",
        "--orientation",
        "output",
        "--super",
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    eff = pd.read_csv(out)
    assert list(eff.columns[:4]) == ["unit_id", "year", "efficiency", "scale_efficiency"]
    assert {"slack_x1", "target_y", "super_efficiency"} <= set(eff.columns) and len(eff) == 10
    out2 = tmp_path / "m.csv"
    result = runner.invoke(
        app,
        [
            "cluster",
            "malmquist",
            "--data",
            str(data),
            "--inputs",
            "x1,x2",
            "--outputs",
            "y",
            "--out",
            str(out2),
        ],
    )
    assert result.exit_code == 0, result.output
    m = pd.read_csv(out2)
    assert list(m.columns) == ["unit_id", "period", "malmquist", "effch", "techch"]
    assert m.period.unique().tolist() == ["2014-2015"]
    np.testing.assert_allclose(m.malmquist, 1.1, rtol=1e-9)
