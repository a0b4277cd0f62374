"""DEA over the screened frontier (column generation, Dulá 2011) equals the exhaustive LPs unit by unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import silkscope.cluster.efficiency_frontier as frontier
from silkscope.cluster.efficiency import dea
from silkscope.errors import MethodError

TOL = 1e-9  # |frontier - full| <= TOL + TOL * |full| on every column of every unit


def panel(n: int, m: int, s: int, seed: int, kind: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """Random units; ``kind`` adds the awkward cases: duplicated units, units on the same CRS ray,
    integer data full of ties, zero outputs."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, m))
    y = (x.prod(axis=1) ** (1 / m))[:, None] * rng.uniform(0.3, 1.0, (n, s))
    if kind == "ties":
        x, y = np.round(x), np.round(y)
    if kind == "duplicates":
        picks = rng.choice(n, n // 5, replace=False)
        x[picks[: n // 10]] = x[picks[n // 10 :][: n // 10]]
        y[picks[: n // 10]] = y[picks[n // 10 :][: n // 10]]
        x[-3:], y[-3:] = 2.0 * x[:3], 2.0 * y[:3]  # the same rays: CRS twins
        efficient = np.argmax(y.sum(axis=1) / x.sum(axis=1))
        x[-4], y[-4] = x[efficient], y[efficient]  # a frontier unit and its exact copy
    if kind == "zeros":
        y[rng.random((n, s)) < 0.15] = 0.0
        y[np.all(y == 0, axis=1), 0] = 1.0  # every unit produces something
    inputs, outputs = [f"x{i}" for i in range(m)], [f"y{r}" for r in range(s)]
    frame = pd.DataFrame(np.c_[x, y], columns=inputs + outputs).assign(unit_id=[f"u{i}" for i in range(n)])
    return frame, inputs, outputs


def assert_same(fast: pd.DataFrame, full: pd.DataFrame, slack_sum: bool = True) -> int:
    """Scores equal on every unit; slacks and targets equal on every unit whose max-slack solution is
    unique. Returns the number of units with alternative optima: there the two solutions differ but
    both are optimal for the exhaustive LP (the frontier one is feasible for it by construction and
    reaches the same maximal sum of slacks), which proves the optimum is not unique."""
    assert list(fast.columns) == list(full.columns) and fast.unit_id.tolist() == full.unit_id.tolist()
    close = lambda a, b: np.isclose(a, b, rtol=TOL, atol=TOL, equal_nan=True)  # noqa: E731
    for column in [c for c in ("efficiency", "scale_efficiency", "super_efficiency") if c in fast]:
        np.testing.assert_allclose(
            fast[column], full[column], rtol=TOL, atol=TOL, equal_nan=True, err_msg=column
        )
    detail = [c for c in fast.columns if c.startswith(("slack_", "target_"))]
    same = np.ones(len(fast), dtype=bool)
    for column in detail:
        same &= close(fast[column].to_numpy(float), full[column].to_numpy(float))
    if slack_sum:
        slacks = [c for c in detail if c.startswith("slack_")]
        differ = ~same
        np.testing.assert_allclose(
            fast.loc[differ, slacks].sum(axis=1), full.loc[differ, slacks].sum(axis=1), rtol=TOL, atol=TOL
        )
    return int((~same).sum())


SHAPES = [(40, 2, 1, 1), (90, 3, 2, 2), (150, 4, 3, 3)]
KINDS = ["plain", "ties", "duplicates", "zeros"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("n", "m", "s", "seed"), SHAPES)
@pytest.mark.parametrize("model", ["ccr", "bcc"])
@pytest.mark.parametrize("orientation", ["input", "output"])
def test_radial_models_equal_the_exhaustive_lps(n, m, s, seed, kind, model, orientation):
    frame, inputs, outputs = panel(n, m, s, seed, kind)
    kw = dict(model=model, orientation=orientation, super_efficiency=True)
    fast = dea(frame, inputs, outputs, **kw).to_frame()
    full = dea(frame, inputs, outputs, method="full", **kw).to_frame()
    alternative = assert_same(fast, full)
    assert alternative == 0 or kind == "ties"  # only integer data has alternative max-slack optima
    assert (fast.efficiency > 1 - 1e-9).any() and (fast.efficiency < 0.99).any()  # a real frontier


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("orientation", "rts"), [("none", "crs"), ("none", "vrs"), ("input", "vrs"), ("output", "crs")]
)
def test_sbm_with_undesirable_outputs_equals_the_exhaustive_lp(kind, orientation, rts):
    frame, inputs, outputs = panel(90, 3, 3, 5, kind)
    kw = dict(model="sbm", orientation=orientation, rts=rts, undesirable=["y2"])
    fast = dea(frame, inputs, outputs, **kw).to_frame()
    full = dea(frame, inputs, outputs, method="full", **kw).to_frame()
    # ties, and units whose good outputs are all 0 (their output slacks then carry no weight in an
    # output-oriented rho, Cooper, Seiford & Tone 2007), have alternative optimal slacks
    assert assert_same(fast, full, slack_sum=False) == 0 or kind in ("ties", "zeros")


def test_a_poor_working_set_is_repaired_by_pricing(monkeypatch):
    """Seeded with one arbitrary unit, the restricted LPs are wrong until pricing adds the frontier
    units; the answers must still be the exhaustive ones, with fewer units in the LPs than exist."""
    frame, inputs, outputs = panel(150, 4, 3, 7, "plain")
    monkeypatch.setattr(frontier, "seed_units", lambda x, y, k=None: np.array([0]))
    x, y = frame[inputs].to_numpy().T, frame[outputs].to_numpy().T
    lp = frontier.FrontierEnvelopmentLP(x, y, vrs=True, orientation="input")
    full = dea(frame, inputs, outputs, model="bcc", super_efficiency=True, method="full").to_frame()
    scores = [lp.solve(x[:, o], y[:, o]) for o in range(150)]
    np.testing.assert_allclose(scores, full.efficiency, rtol=TOL, atol=TOL)
    assert 1 < len(lp.cols.members) < 150 and lp.runs > 150  # columns were priced in, not all of them
    supers = [lp.super_solve(o, x[:, o], y[:, o]) for o in range(150)]
    np.testing.assert_allclose(supers, full.super_efficiency, rtol=TOL, atol=TOL, equal_nan=True)
    assert np.isnan(supers).any() and lp.fallbacks >= np.isnan(supers).sum()  # VRS super can be infeasible


def test_super_efficiency_of_a_frontier_unit_sees_the_units_it_hid():
    """A frontier unit's super-efficiency is measured against units its presence hid: B2 = (4.5, 1) is
    dominated by B = (3, 1), so it is off the frame, but with B removed it spans the frontier with C."""
    frame = pd.DataFrame(
        {"unit_id": ["A", "B", "C", "D"], "x1": [1.0, 3.0, 2.0, 4.0], "x2": [3.0, 1.0, 2.0, 4.0], "y": 1.0}
    )
    frame = pd.concat([frame, frame.assign(unit_id=lambda f: f.unit_id + "2", x1=frame.x1 * 1.5)])
    for method in ("frontier", "full"):
        got = dea(frame, ["x1", "x2"], ["y"], super_efficiency=True, method=method).to_frame()
        got = got.set_index("unit_id")
        assert got.loc["C", "efficiency"] == pytest.approx(1.0)  # C lies on the segment A-B
        assert got.loc["C", "super_efficiency"] == pytest.approx(1.0)  # and so without itself too
        # without B, theta (3, 1) meets the segment C-B2 = (2 + 2.5 t, 2 - t): t = 8/11, theta = 14/11
        assert got.loc["B", "super_efficiency"] == pytest.approx(14 / 11)
        assert got.loc["B2", "super_efficiency"] == pytest.approx(got.loc["B2", "efficiency"])


def test_unknown_method_is_refused():
    frame, inputs, outputs = panel(20, 2, 1, 0, "plain")
    with pytest.raises(MethodError, match="method must be frontier\\|full"):
        dea(frame, inputs, outputs, method="fast")
