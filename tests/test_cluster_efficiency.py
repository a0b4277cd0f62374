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


# -- SBM (Tone 2001) ------------------------------------------------------------------------------------
def sbm_dinkelbach(x, y, b, o: int, orientation: str, vrs: bool) -> float:
    """SBM as the fractional program it is, solved by Dinkelbach's parametric method with scipy's
    linprog: an algorithm independent of our Charnes-Cooper linearisation."""
    n, m = x.shape
    s, q = y.shape[1], b.shape[1]
    k = n + m + s + q
    a_eq = np.zeros((m + s + q, k))
    a_eq[:m, :n], a_eq[:m, n : n + m] = x.T, np.eye(m)
    a_eq[m : m + s, :n], a_eq[m : m + s, n + m : n + m + s] = y.T, -np.eye(s)
    a_eq[m + s :, :n], a_eq[m + s :, n + m + s :] = b.T, np.eye(q)
    b_eq = np.r_[x[o], y[o], b[o]]
    if vrs:
        a_eq = np.r_[a_eq, np.r_[np.ones(n), np.zeros(m + s + q)][None]]
        b_eq = np.r_[b_eq, 1.0]
    num = np.zeros(k)  # N = 1 + num . z
    den = np.zeros(k)  # D = 1 + den . z
    if orientation != "output":
        num[n : n + m] = -1.0 / (m * x[o])
    if orientation != "input":
        den[n + m :] = 1.0 / ((s + q) * np.r_[y[o], b[o]])
    ratio = 1.0
    for _ in range(100):
        res = linprog(num - ratio * den, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * k, method="highs")
        z = res.x
        value = (1 + num @ z) - ratio * (1 + den @ z)
        ratio = (1 + num @ z) / (1 + den @ z)
        if abs(value) < 1e-12:
            break
    return ratio


def test_sbm_hand_examples():
    # B uses 2 of input 1 where A uses 1, same output: CCR calls B (weakly) efficient, SBM does not
    two = pd.DataFrame({"unit_id": ["A", "B"], "x1": [1.0, 2.0], "x2": [1.0, 1.0], "y": [1.0, 1.0]})
    ccr = dea(two, ["x1", "x2"], ["y"], model="ccr").to_frame().set_index("unit_id")
    assert ccr.loc["B", "efficiency"] == pytest.approx(1.0) and ccr.loc["B", "slack_x1"] == pytest.approx(1.0)
    for orientation, expected in (("none", 0.75), ("input", 0.75), ("output", 1.0)):
        sbm = (
            dea(two, ["x1", "x2"], ["y"], model="sbm", orientation=orientation)
            .to_frame()
            .set_index("unit_id")
        )
        assert sbm.loc["B", "efficiency"] == pytest.approx(expected)  # 1 - (1/2 + 0/1) / 2
        assert sbm.loc["A", "efficiency"] == pytest.approx(1.0)
    assert sbm.loc["B", "target_x1"] == pytest.approx(2.0)  # output orientation leaves inputs alone
    # an undesirable output: B emits twice A's bad output: rho = 1 / (1 + (0/1 + 1/2) / 2) = 0.8
    bad = pd.DataFrame({"unit_id": ["A", "B"], "x": [1.0, 1.0], "g": [1.0, 1.0], "b": [1.0, 2.0]})
    res = dea(bad, ["x"], ["g", "b"], model="sbm", orientation="none", undesirable=["b"]).to_frame()
    assert res.efficiency.tolist() == pytest.approx([1.0, 0.8])
    assert res.loc[1, "slack_b"] == pytest.approx(1.0) and res.loc[1, "target_b"] == pytest.approx(1.0)


def test_sbm_single_input_output_equals_ccr_and_never_exceeds_it():
    rng = np.random.default_rng(8)
    one = pd.DataFrame(
        {"unit_id": [f"u{i}" for i in range(12)], "x": rng.uniform(1, 9, 12), "y": rng.uniform(1, 9, 12)}
    )
    sbm = dea(one, ["x"], ["y"], model="sbm", orientation="none").to_frame()
    np.testing.assert_allclose(sbm.efficiency, (one.y / one.x) / (one.y / one.x).max(), rtol=1e-9)
    many = DEAP.assign(y2=[3.0, 1.0, 2.0, 2.0, 1.0])
    ccr = dea(many, ["x1", "x2"], ["y", "y2"], model="ccr").to_frame()
    sbm = dea(many, ["x1", "x2"], ["y", "y2"], model="sbm", orientation="none").to_frame()
    assert (sbm.efficiency <= ccr.efficiency + 1e-9).all()  # Tone (2001), theorem 3


@pytest.mark.parametrize("orientation", ["none", "input", "output"])
@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_sbm_equals_independent_fractional_solution(orientation: str, rts: str):
    rng = np.random.default_rng(21)
    n = 15
    frame = pd.DataFrame(
        {
            "unit_id": [f"u{i}" for i in range(n)],
            "x1": rng.uniform(1, 10, n),
            "x2": rng.uniform(1, 10, n),
            "g": rng.uniform(1, 10, n),
            "co2": rng.uniform(1, 10, n),
        }
    )
    ours = dea(
        frame, ["x1", "x2"], ["g", "co2"], model="sbm", orientation=orientation, rts=rts, undesirable=["co2"]
    )
    x, y, b = (frame[c].to_numpy() for c in (["x1", "x2"], ["g"], ["co2"]))
    peer = [sbm_dinkelbach(x, y, b, o, orientation, rts == "vrs") for o in range(n)]
    np.testing.assert_allclose(ours.to_frame().efficiency, peer, atol=1e-7)
    table = ours.to_frame()
    # targets are on the frontier: re-evaluated, they are efficient
    projected = frame.assign(**{c: table[f"target_{c}"] for c in ["x1", "x2", "g", "co2"]})
    again = dea(
        pd.concat([frame, projected.assign(unit_id=lambda f: "p" + f.unit_id)]),
        ["x1", "x2"],
        ["g", "co2"],
        model="sbm",
        orientation=orientation,
        rts=rts,
        undesirable=["co2"],
    ).to_frame()
    assert (again.efficiency.iloc[n:] > 1 - 1e-6).all()
    # units invariance: rescaling a variable changes no score
    scaled = dea(
        frame.assign(x1=frame.x1 * 1000),
        ["x1", "x2"],
        ["g", "co2"],
        model="sbm",
        orientation=orientation,
        rts=rts,
        undesirable=["co2"],
    )
    np.testing.assert_allclose(scaled.to_frame().efficiency, table.efficiency, rtol=1e-7)


def test_sbm_cli_and_errors(tmp_path: Path):
    data = tmp_path / "parks.csv"
    DEAP.assign(waste=[1.0, 2.0, 1.0, 3.0, 1.0]).to_csv(data, index=False)
    out = tmp_path / "sbm.csv"
    args = ["cluster", "efficiency", "--data", str(data), "--inputs", "x1,x2", "--outputs", "y,waste"]
    run = runner.invoke(
        app, [*args, "--model", "sbm", "--orientation", "none", "--undesirable", "waste", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    table = pd.read_csv(out)
    assert list(table.columns[:4]) == ["unit_id", "year", "efficiency", "scale_efficiency"]
    assert {"slack_waste", "target_waste"} <= set(table.columns)
    assert "non-oriented" in run.output
    bad = runner.invoke(app, [*args, "--model", "ccr", "--orientation", "none", "--out", str(out)])
    assert bad.exit_code != 0 and "need --model sbm" in bad.output
    sup = runner.invoke(app, [*args, "--model", "sbm", "--super", "--out", str(out)])
    assert sup.exit_code != 0 and "not for sbm" in sup.output
    twins = pd.concat([DEAP, DEAP.iloc[[1]].assign(unit_id="2b")])
    assert (
        "identical inputs and outputs (same scores, each other's peers): 2 = 2b"
        in dea(twins, ["x1", "x2"], ["y"]).summary()
    )
