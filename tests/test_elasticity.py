"""Elasticity of substitution (silkscope.trade.elasticity, ``trade elasticity``): recovery of known
elasticities from simulated CES data, the (θ, σ, ρ) algebra, the grid search, the failure
statuses, the comparison with published Broda-Greenfield-Weinstein values, the CLI contract and
the real BACI extracts (two exporters, one year: nothing can be estimated, and the status says so)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.trade.elasticity import (
    _estimate,
    _Means,
    compare_published,
    feenstra_elasticities,
    published_sigmas,
    sigma_rho,
    simulate_ces_flows,
    thetas,
)

runner = CliRunner()
COLUMNS = ["product", "market", "sigma", "std_error", "n_varieties", "status"]


def test_sigma_rho_inverts_thetas():
    for sigma in (1.3, 2.0, 4.5, 12.0, 60.0):
        for rho in (0.0, 0.1, 0.5, 0.73, 0.98):
            t1, t2 = thetas(np.array(sigma), np.array(rho))
            if rho == 0.0:  # θ1 = 0: on the edge of feasibility
                assert sigma_rho(float(t1), float(t2)) is None
                continue
            back = sigma_rho(float(t1), float(t2))
            assert back == pytest.approx((sigma, rho), rel=1e-9)
    assert sigma_rho(-0.1, 0.5) is None


@pytest.mark.parametrize("sigma, omega", [(3.0, 0.5), (2.767591, 1.0)])
def test_recovers_known_sigma_within_its_standard_errors(sigma, omega):
    """20 exporters, 30 years, 10 seeds: the estimate is centred on the truth and lies within two
    bootstrap standard errors of it in most draws (measured: 9/10 and 10/10)."""
    estimates, inside = [], 0
    for seed in range(10):
        flows = simulate_ces_flows(sigma, omega, n_varieties=20, n_years=30, seed=seed)
        row = feenstra_elasticities(flows, ["6911"], n_boot=100, seed=seed).table.iloc[0]
        assert row.status == "ok" and row.n_varieties == 20 and row.n_years == 30
        estimates.append(row.sigma)
        inside += abs(row.sigma - sigma) < 2 * row.std_error
    assert abs(np.median(estimates) - sigma) < 0.15
    assert inside >= 8


def test_consistent_in_long_panels():
    """Feenstra's estimator is consistent as the years grow: σ = 6, ρ = 0.536 with 1000 years."""
    rho = 0.3 * 5 / (1 + 0.3 * 6)
    for seed in range(3):
        flows = simulate_ces_flows(6.0, 0.3, n_varieties=20, n_years=1000, seed=seed)
        row = feenstra_elasticities(flows, ["691110"], n_boot=20).table.iloc[0]
        assert row.sigma == pytest.approx(6.0, abs=0.1)
        assert row.rho == pytest.approx(rho, abs=0.1)


def test_common_market_shocks_change_nothing():
    """Shares enter only as differences against the reference: scaling every exporter's value and
    quantity in a year by one factor (the market's expenditure) leaves σ unchanged."""
    flows = simulate_ces_flows(3.0, 0.5, n_varieties=12, n_years=15, seed=4)
    factor = flows.year.map(dict(zip(range(2000, 2015), np.linspace(0.5, 3.0, 15), strict=True)))
    scaled = flows.assign(value=flows.value * factor, quantity=flows.quantity * factor)
    a = feenstra_elasticities(flows, ["6911"], n_boot=30, seed=1).table
    b = feenstra_elasticities(scaled, ["6911"], n_boot=30, seed=1).table
    pd.testing.assert_frame_equal(a, b, rtol=1e-8)


def test_grid_search_when_infeasible():
    # variety means that imply θ1 < 0: 2SLS is infeasible
    rng = np.random.default_rng(0)
    x1, x2 = rng.uniform(0.1, 1, 8), rng.uniform(-0.5, 0.5, 8)
    y = -0.2 * x1 + 0.3 * x2 + rng.normal(0, 0.01, 8)
    theta = np.linalg.lstsq(np.column_stack([x1, x2]), y, rcond=None)[0]
    assert theta[0] < 0  # the data really are infeasible for 2SLS
    means = _Means(y, x1, x2, np.full(8, 5.0))
    sigma, rho, status = _estimate(means)
    assert status.startswith("grid_search") and sigma >= 1.05 and 0 <= rho <= 0.99

    def ssr(s, r):
        t1, t2 = thetas(np.asarray(s), np.asarray(r))
        return (5.0 * (y[:, None] - np.multiply.outer(x1, t1) - np.multiply.outer(x2, t2)) ** 2).sum(axis=0)

    # no point of a fine random search does better than the grid's answer (up to the grid step)
    s = 1.05 + rng.uniform(0, 1, 20_000) ** 3 * 130
    r = rng.uniform(0, 0.99, 20_000)
    assert ssr(np.array([sigma]), np.array([rho]))[0] <= ssr(s, r).min() * (1 + 1e-3)


def test_statuses_say_why_nothing_was_estimated():
    flows = simulate_ces_flows(3.0, 0.5, n_varieties=10, n_years=12, seed=2)
    two_years = flows[flows.year < 2002]
    three_exporters = flows[flows.exporter.isin(["V01", "V02", "V03"])]
    no_q = flows.assign(quantity=np.nan)
    rows = [
        feenstra_elasticities(data, ["6911"], n_boot=10).table.iloc[0]
        for data in (two_years, three_exporters, no_q)
    ]
    assert [r.status for r in rows] == ["too_few_years", "too_few_varieties", "no_quantities"]
    assert rows[0].n_varieties == 10 and rows[1].n_varieties == 3
    assert all(np.isnan(r.sigma) and np.isnan(r.std_error) for r in rows)
    # a market with no flows of the product at all
    other = feenstra_elasticities(flows, ["6911"], ["DEU"], n_boot=10).table.iloc[0]
    assert other.status == "no_quantities" and other.n_varieties == 0
    with pytest.raises(InputError, match="quantity"):
        feenstra_elasticities(flows.drop(columns="quantity"), ["6911"])


def test_published_sigmas_and_comparison():
    published = published_sigmas()
    china = published[(published.hs3 == "691") & (published.market == "CHN")]
    # Broda, Greenfield & Weinstein's China HS 691 (ceramic products) elasticity, 1994-2003
    assert china.sigma.iloc[0] == pytest.approx(2.767591)
    assert published.source.str.contains("insongkim/concordance@201c812e").all()
    flows = simulate_ces_flows(
        2.767591, 1.0, n_varieties=20, n_years=30, product="691110", market="CHN", seed=2
    )
    table = feenstra_elasticities(flows, ["691110"], n_boot=100).table
    compared = compare_published(table)
    assert len(compared) == 1 and compared.published_sigma.iloc[0] == pytest.approx(2.767591)
    assert abs(compared.sigma.iloc[0] - 2.767591) < 2 * compared.std_error.iloc[0]


ISO3 = ["ARG", "AUS", "BRA", "CAN", "DEU", "EGY", "FRA", "GBR", "IDN", "IND",
        "ITA", "JPN", "KOR", "MEX", "MYS", "PAK", "POL", "RUS", "THA", "TUR"]  # fmt: skip


def test_cli_contract(tmp_path):
    flows = simulate_ces_flows(3.0, 0.5, n_varieties=20, n_years=25, product="691110", market="CHN", seed=5)
    flows["exporter"] = flows.exporter.map(dict(zip([f"V{i + 1:02d}" for i in range(20)], ISO3, strict=True)))
    baci = pd.DataFrame({"t": flows.year, "i": flows.exporter, "j": "CHN", "k": flows["product"],
                         "v": flows.value.round(6), "q": flows.quantity.round(6)})  # fmt: skip
    baci.loc[3, "q"] = np.nan  # a missing quantity, as BACI has them
    data = tmp_path / "baci.csv"
    baci.to_csv(data, index=False, na_rep="NA")
    out = tmp_path / "sigma.csv"
    result = runner.invoke(app, ["trade", "elasticity", "--data", str(data), "--products", "6911",
                                 "--markets", "CHN", "--boot", "50", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype={"product": str})
    assert list(written.columns[:6]) == COLUMNS
    direct = feenstra_elasticities(
        flows.drop(index=3).assign(quantity=lambda f: f.quantity.round(6), value=lambda f: f.value.round(6)),
        ["6911"],
        ["CHN"],
        n_boot=50,
    ).table
    assert written.sigma.iloc[0] == pytest.approx(direct.sigma.iloc[0], rel=1e-6)
    assert written.status.iloc[0] == "ok" and written.n_varieties.iloc[0] == 20
    assert "published" in result.output  # China x HS 691 is among the published values kept
    bad = runner.invoke(
        app, ["trade", "elasticity", "--data", str(data), "--products", "69x", "--out", str(out)]
    )
    assert bad.exit_code == 2 and "HS codes or prefixes" in bad.output


@pytest.mark.shared
def test_real_baci_extract_states_why_it_cannot_estimate(shared_data, tmp_path):
    """The shared BACI extracts hold one year and two exporters (AFG, ZAF): no product x market
    can be estimated, and every row says so instead of computing."""
    path = shared_data / "baci" / "baci_hs17_y2020_v202301_exporters_afg_zaf.parquet"
    out = tmp_path / "sigma.csv"
    result = runner.invoke(app, ["trade", "elasticity", "--data", str(path), "--products", "6911,6912,9701",
                                 "--boot", "10", "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype={"product": str})
    raw = pd.read_parquet(path)
    ceramics = raw[raw.k.str.startswith("6911") & (raw.v > 0) & (raw.q > 0)]
    assert set(written.loc[written["product"] == "6911", "market"]) >= {"CHN", "USA"}
    usa = written[(written["product"] == "6911") & (written.market == "USA")].iloc[0]
    assert usa.n_varieties == ceramics[ceramics.j == 842].i.nunique()
    # every row: one year only, or no flow with a quantity at all
    assert written.status.str.contains("too_few_years|no_quantities").all()
    assert (written.status == "too_few_years; too_few_varieties").sum() > 100
    assert written.n_varieties.max() <= 2 and written.sigma.isna().all()
    assert "too few years" in result.output


@pytest.mark.shared
def test_workspace_flows_give_what_the_file_gives(shared_data, tmp_path):
    """--workspace reads the imported flows with their quantities: the same rows as --data on the
    file that was imported."""
    path = shared_data / "baci" / "baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz"
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    imported = runner.invoke(app, ["import", "baci", str(path), "--hs", "HS92", "--workspace", str(ws)])
    assert imported.exit_code == 0, imported.output
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    common = ["--products", "6911,9701", "--markets", "CHN,USA,DEU", "--boot", "10"]
    first = runner.invoke(app, ["trade", "elasticity", "--workspace", str(ws), *common, "--out", str(a)])
    second = runner.invoke(app, ["trade", "elasticity", "--data", str(path), *common, "--out", str(b)])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    left, right = pd.read_csv(a, dtype={"product": str}), pd.read_csv(b, dtype={"product": str})
    pd.testing.assert_frame_equal(left, right)
    assert left.n_varieties.max() >= 1 and left.sigma.isna().all()
