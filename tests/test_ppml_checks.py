"""Separation checks of the PPML gravity fit (issue 19 part 4): ``auto`` fits with pyfixest's
``fe`` check, accepts it when the last IRLS step rules separation out (``separation_ruled_out``),
and otherwise runs the iterative rectifier itself on the fitted sample, refitting with pyfixest's
``fe`` and ``ir`` checks when it finds separation; the result must be the fit pyfixest gives with
both checks, run side by side here, on data built with separated observations, and the fit with the
``fe`` check alone on the published panels where nothing is separated."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

from silkscope.errors import MethodError
from silkscope.partners import gravity as gravity_module
from silkscope.partners.gravity import gravity


def regressor_separated(seed: int = 3) -> tuple[pd.DataFrame, int]:
    """Zeros inside groups that also have positive flows (the ``fe`` check cannot see them); the
    zeros with ``s > 0`` are separated by the regressor ``s`` (``s = 0`` wherever y > 0)."""
    rng = np.random.default_rng(seed)
    n = 600
    g = rng.integers(0, 20, n)
    h = rng.integers(0, 15, n)
    x = rng.normal(size=n)
    y = rng.poisson(np.exp(0.5 + 0.3 * x + 0.05 * g)).astype(float)
    s = np.zeros(n)
    zeros = np.flatnonzero(y == 0)
    separated = zeros[: len(zeros) // 2]
    s[separated] = rng.uniform(0.5, 2.0, len(separated))
    data = pd.DataFrame({"y": y, "x": x, "s": s, "g": g.astype(str), "h": h.astype(str)})
    return data, len(separated)


def group_separated(seed: int = 4) -> tuple[pd.DataFrame, int]:
    """Every zero outcome is in a group of ``g`` whose outcomes are all zero (the ``fe`` check finds
    them all, so no zero is left for the ``ir`` check)."""
    rng = np.random.default_rng(seed)
    n = 500
    g = rng.integers(0, 25, n)
    h = rng.integers(0, 10, n)
    x = rng.normal(size=n)
    y = rng.poisson(np.exp(1.5 + 0.4 * x)).astype(float) + 1.0
    dead = np.isin(g, [0, 1, 2])
    y[dead] = 0.0
    data = pd.DataFrame({"y": y, "x": x, "g": g.astype(str), "h": h.astype(str)})
    return data, int(dead.sum())


def embargo_panel(seed: int = 1, exporters: int = 15, embargoes: int = 30) -> tuple[pd.DataFrame, str]:
    """A small version of the benchmark's three-FE gravity panel with an ``embargo`` dummy set on
    some zero flows only: the zeros it marks sit in pairs and exporter-/importer-years that also
    have positive flows, so only the ``ir`` check can find them (separated by the regressor)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks import bench_gravity

    data = bench_gravity.panel(seed=seed)
    data = data[data["exp_year"] // 100 < exporters].reset_index(drop=True)
    zeros = np.flatnonzero(data["trade"].to_numpy() == 0)
    data["embargo"] = 0.0
    data.loc[np.random.default_rng(seed).choice(zeros, embargoes, replace=False), "embargo"] = 1.0
    return data, "trade ~ rta + embargo | exp_year + imp_year + pair"


def pyfixest_both_checks(data: pd.DataFrame, formula: str, vcov="hetero"):
    return pf.fepois(formula, data=data, vcov=vcov, separation_check=["fe", "ir"])


def assert_same_fit(result, reference) -> None:
    ours = result.tidy().set_index("term")
    theirs = reference.tidy()
    np.testing.assert_allclose(ours["estimate"], theirs["Estimate"].to_numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(ours["std_error"], theirs["Std. Error"].to_numpy(), rtol=1e-12, atol=0)
    assert result.nobs == int(reference._N)
    assert result.dropped["separated"] == int(reference.n_separation_na)


def test_regressor_separation_is_found_and_dropped_as_pyfixest_does():
    data, n_separated = regressor_separated()
    formula = "y ~ x + s | g + h"
    result = gravity(data, formula, "hetero")
    reference = pyfixest_both_checks(data, formula)
    assert int(reference.n_separation_na) == n_separated > 0  # the construction is what pyfixest sees
    assert_same_fit(result, reference)
    assert result.dropped["separated"] == n_separated
    assert f"found {n_separated} separated" in result.summary()
    assert f"{n_separated} separated" in result.summary()


def test_iterative_rectifier_marks_the_observations_pyfixest_drops():
    data, n_separated = regressor_separated()
    fit = pf.fepois("y ~ x + s | g + h", data=data, vcov="hetero", separation_check=["fe"])
    marked = gravity_module.iterative_rectifier(fit)
    assert marked is not None and int(marked.sum()) == n_separated
    reference = pyfixest_both_checks(data, "y ~ x + s | g + h")
    dropped = set(data.index) - set(reference._data.index)
    assert set(fit._data.index[marked]) == dropped


def test_fe_only_says_the_regressor_separation_was_not_checked():
    data, n_separated = regressor_separated()
    result = gravity(data, "y ~ x + s | g + h", "hetero", separation="fe")
    assert result.dropped["separated"] == 0
    assert "separation by the regressors was not checked" in result.summary()
    with pytest.raises(MethodError, match="unknown separation"):
        gravity(data, "y ~ x | g + h", "hetero", separation="relu")


def test_no_separation_keeps_the_fe_fit_and_equals_both_checks():
    """Zeros inside groups with positive flows, none separated: the fit rules separation out, the
    rectifier is not run (it would find none: checked here), and the fit with the fe check alone
    stands; it equals pyfixest's fit with both checks."""
    data, _ = regressor_separated()
    formula = "y ~ x | g + h"
    result = gravity(data, formula, "hetero")
    reference = pyfixest_both_checks(data, formula)
    assert int(reference.n_separation_na) == 0 and (data["y"] == 0).sum() > 0
    assert_same_fit(result, reference)
    assert "the fit rules out separation by the regressors" in result.summary()
    assert "ir check was not needed" in result.summary()
    assert not gravity_module.iterative_rectifier(result.fit).any()


def test_fit_rules_out_separation_only_where_there_is_none():
    """The rule on the last IRLS step never passes a fit that holds separated observations (the
    regressor case on ten draws, the embargo panel) and passes the same data without the
    separating regressor."""
    for seed in range(10):
        data, n_separated = regressor_separated(seed)
        assert n_separated > 0
        with_s = pf.fepois("y ~ x + s | g + h", data=data, vcov="hetero", separation_check=["fe"])
        assert not gravity_module.separation_ruled_out(with_s), seed
        without = pf.fepois("y ~ x | g + h", data=data, vcov="hetero", separation_check=["fe"])
        assert gravity_module.separation_ruled_out(without), seed
    data, formula = embargo_panel()
    fit = pf.fepois(formula, data=data, vcov="hetero", separation_check=["fe"])
    assert not gravity_module.separation_ruled_out(fit)
    fit = pf.fepois(formula.replace(" + embargo", ""), data=data, vcov="hetero", separation_check=["fe"])
    assert gravity_module.separation_ruled_out(fit)


def test_embargo_separation_only_the_ir_check_finds_equals_both_checks():
    """Zeros separated by a regressor in a three-FE panel: the fe check drops the all-zero groups
    only, auto finds the rest and its fit is pyfixest's with both checks, not the fe-only fit."""
    data, formula = embargo_panel()
    fe_only = pf.fepois(formula, data=data, vcov={"CRV1": "pair"}, separation_check=["fe"])
    reference = pyfixest_both_checks(data, formula, {"CRV1": "pair"})
    extra = int(reference.n_separation_na) - int(getattr(fe_only, "n_separation_na", 0) or 0)
    marked = data["embargo"].to_numpy() == 1
    # every embargoed zero not already in an all-zero group is what the ir check adds
    assert 0 < extra == marked.sum() - np.isin(data.index[marked], fe_only.na_index).sum()
    result = gravity(data, formula, "cluster:pair")
    assert_same_fit(result, reference)
    assert f"the ir check on the fitted sample found {extra} separated" in result.summary()
    assert result.nobs == int(fe_only._N) - extra
    both = gravity(data, formula, "cluster:pair", separation="fe+ir")  # --separation fe+ir
    pd.testing.assert_frame_equal(result.tidy(), both.tidy(), rtol=0, atol=0)
    assert result.dropped == both.dropped


def test_fe_separation_only_equals_both_checks():
    data, n_dead = group_separated()
    formula = "y ~ x | g + h"
    result = gravity(data, formula, "hetero")
    reference = pyfixest_both_checks(data, formula)
    assert int(reference.n_separation_na) == n_dead > 0
    assert_same_fit(result, reference)
    assert "no zero outcome is left" in result.summary()
    fit = result.fit  # rows dropped as separated: the fitted outcome read two ways agrees
    assert len(fit._Y_untransformed) > fit._N
    np.testing.assert_array_equal(
        gravity_module._fitted_outcome(fit, "y"), gravity_module._fitted_outcome(fit)
    )
    both = gravity(data, formula, "hetero", separation="fe+ir")
    assert both.summary().count("fe and ir checks") == 1
    pd.testing.assert_frame_equal(result.tidy(), both.tidy(), rtol=1e-12, atol=0)


def test_three_fixed_effects_panel_equals_both_checks():
    """A small version of the benchmark's gravity panel (exporter-year, importer-year, pair)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks import bench_gravity

    rng = np.random.default_rng(2)
    data = bench_gravity.panel(seed=int(rng.integers(100)))
    data = data[data["exp_year"] // 100 < 30]  # 30 exporters: a quick fit
    formula = "trade ~ rta | exp_year + imp_year + pair"
    result = gravity(data, formula, "cluster:pair")
    reference = pyfixest_both_checks(data, formula, {"CRV1": "pair"})
    assert (data["trade"] == 0).sum() > 0
    assert_same_fit(result, reference)
    assert "ir check was not needed" in result.summary()


@pytest.mark.shared
@pytest.mark.parametrize("name", ["01", "07", "08"])
def test_ppmlhdfe_examples_auto_equals_both_checks(shared_data: Path, name: str):
    data = pd.read_csv(shared_data / "trade_validation" / "ppmlhdfe_separation" / f"{name}.csv")
    xs = [c for c in data.columns if c.startswith("x")]
    ids = [c for c in data.columns if c.startswith("id")]
    formula = f"y ~ {' + '.join(xs)} | {' + '.join(ids)}"
    result = gravity(data, formula, "hetero")
    assert_same_fit(result, pyfixest_both_checks(data, formula))
    assert result.dropped["separated"] == int(data["separated"].sum()) > 0


@pytest.mark.shared
@pytest.mark.parametrize("name", ["01", "05", "06", "08", "10", "16", "17", "18"])
def test_ppmlhdfe_separated_examples_are_never_ruled_out(shared_data: Path, name: str):
    """Every ppmlhdfe example with separated observations that pyfixest can fit with the fe check
    alone, including those pyfixest's ir check misses: the rule does not pass any of them."""
    data = pd.read_csv(shared_data / "trade_validation" / "ppmlhdfe_separation" / f"{name}.csv")
    xs = [c for c in data.columns if c.startswith("x")]
    ids = [c for c in data.columns if c.startswith("id")]
    formula = f"y ~ {' + '.join(xs)}" + (f" | {' + '.join(ids)}" if ids else "")
    assert data["separated"].sum() > 0
    fit = pf.fepois(formula, data=data, vcov="hetero", separation_check=["fe"])
    assert not gravity_module.separation_ruled_out(fit)


PUBLISHED = {
    "capybara 3 FE": (
        "yotov2017_capybara.parquet",
        "trade ~ rta | exp_year + imp_year + pair",
        {},
    ),
    "agtpa 3 FE": (
        "agtpa_applications.parquet",
        "trade ~ rta + rta_lag4 + rta_lag8 + rta_lag12 | exporter^year + importer^year + pair_id",
        {"international_only": True},
    ),
    "agtpa book column": (
        "agtpa_applications.parquet",
        "trade ~ log(dist) + cntg + lang + clny | exporter^year + importer^year",
        {"where": "year in (1986, 1990, 1994, 1998, 2002, 2006)", "international_only": True},
    ),
}


@pytest.mark.shared
@pytest.mark.parametrize("case", list(PUBLISHED))
def test_published_panels_auto_equals_fe_without_the_ir_check(shared_data: Path, case: str):
    """The published gravity panels with zero flows left after the fe check, none separated
    (pyfixest's fe+ir drops no more than fe): auto keeps the fe fit, bit for bit, and rules
    separation out from the fit without running the ir check."""
    name, formula, sample = PUBLISHED[case]
    data = pd.read_parquet(shared_data / "gravity_agtpa" / name)
    auto = gravity(data, formula, "hetero", **sample)
    fe = gravity(data, formula, "hetero", separation="fe", **sample)
    both = gravity(data, formula, "hetero", separation="fe+ir", **sample)
    assert "zero outcomes remain" in fe.summary()
    assert both.dropped == fe.dropped and both.nobs == fe.nobs
    pd.testing.assert_frame_equal(auto.tidy(), fe.tidy(), rtol=0, atol=0)
    assert auto.dropped == fe.dropped
    assert "ir check was not needed" in auto.summary()
    pd.testing.assert_frame_equal(auto.tidy(), both.tidy(), rtol=1e-9, atol=0)


def test_cli_separation_option(tmp_path: Path):
    from typer.testing import CliRunner

    from silkscope.cli import app

    data, n_separated = regressor_separated()
    data.to_csv(tmp_path / "flows.csv", index=False)
    base = ["partners", "gravity", "--data", str(tmp_path / "flows.csv"), "--spec", "y ~ x + s | g + h"]
    base += ["--vcov", "hetero"]
    result = CliRunner().invoke(app, [*base, "--separation", "fe+ir", "--out", str(tmp_path / "a.csv")])
    assert result.exit_code == 0, result.output
    assert f"{n_separated} separated" in result.output and "fe and ir checks" in result.output
    bad = CliRunner().invoke(app, [*base, "--separation", "relu", "--out", str(tmp_path / "b.csv")])
    assert bad.exit_code != 0 and "unknown separation check 'relu'" in bad.output
    assert bad.exception is None or isinstance(bad.exception, SystemExit)  # no traceback


def test_singletons_counted_as_the_groupby_reference():
    """The singleton count from factorised codes equals the row-wise groupby one, with an
    interaction, a missing regressor and groups of one."""
    from pyfixest.core.detect_singletons import detect_singletons

    rng = np.random.default_rng(21)
    n = 3000
    data = pd.DataFrame(
        {
            "y": rng.poisson(3, n).astype(float),
            "x": rng.normal(size=n),
            "a": rng.integers(0, 40, n).astype(str),
            "b": rng.integers(0, 30, n),
            "c": rng.integers(0, 1500, n),
        }
    )
    data.loc[rng.uniform(size=n) < 0.05, "x"] = np.nan
    spec = gravity_module.parse_spec("y ~ x | a^b + c", list(data.columns))
    complete = data[list(spec.variables)].notna().all(axis=1).to_numpy()
    rows = data[complete]
    codes = [rows.groupby(["a", "b"], sort=False).ngroup().to_numpy(), rows.groupby("c").ngroup().to_numpy()]
    expected = int(detect_singletons(np.column_stack(codes).astype(np.uint32)).sum())
    assert expected > 0
    assert gravity_module._count_singletons(data, spec, complete) == expected
    assert gravity(data, "y ~ x | a^b + c", "hetero").dropped["singletons"] == expected
