"""Talent demand from a demand driver (value added × employment elasticity): the formula by hand on
the NBS release as published, the estimated elasticity against statsmodels OLS, the expansion
demand, refusals, and ``talent gap --driver`` end to end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError, MethodError
from silkscope.talent.driver import driven_demand, parse_elasticity

NBS = "china_culture_industry_nbs_releases"
runner = CliRunner()


def nbs_files(shared: Path, folder: Path) -> tuple[Path, Path]:
    """The driver (national cultural value added, 亿元, 2015-2024) and the employment (the 2018
    economic census, 万人 → persons), both from the NBS files as published, in the long layout."""
    va = pd.read_csv(shared / NBS / "cultural_industry_value_added_national_2015_2024.csv")
    census = pd.read_csv(shared / NBS / "cultural_industry_economic_census_2018.csv")
    jobs = census.loc[census["indicator"] == "cultural_industry_employment", "value"].item() * 1e4
    driver = pd.DataFrame(
        {"region": "CHN", "sector": "culture", "year": va["year"], "value": va["value_added_100m_yuan"]}
    )
    employment = pd.DataFrame({"region": ["CHN"], "sector": ["culture"], "year": [2018], "value": [jobs]})
    paths = folder / "driver.csv", folder / "employment.csv"
    driver.to_csv(paths[0], index=False)
    employment.to_csv(paths[1], index=False)
    return paths


@pytest.mark.shared
def test_demand_from_the_nbs_value_added_by_hand(shared_data, tmp_path):
    driver_path, employment_path = nbs_files(shared_data, tmp_path)
    result = driven_demand(pd.read_csv(driver_path), pd.read_csv(employment_path), 0.5)
    demand = result.demand.set_index("year")["value"]
    assert demand[2018] == 27_893_000  # the census year kept as observed
    # 2024: 27,893,000 × (value added 2024 / 41,171)^0.5, value added from the release
    va = pd.read_csv(driver_path).set_index("year")["value"]
    assert demand[2024] == pytest.approx(27_893_000 * (va[2024] / 41171) ** 0.5, rel=1e-12)
    assert demand[2015] == pytest.approx(27_893_000 * (27235 / 41171) ** 0.5, rel=1e-12)
    assert list(demand.index) == list(range(2015, 2025))
    row = result.elasticities.iloc[0]
    assert (row["base_year"], row["elasticity"], row["source"], row["years_derived"]) == (
        2018,
        0.5,
        "given",
        9,
    )
    # expansion demand: the yearly change of the levels
    new = driven_demand(pd.read_csv(driver_path), pd.read_csv(employment_path), 0.5, kind="new").demand
    assert new["year"].tolist() == list(range(2016, 2025))
    assert new.set_index("year")["value"][2019] == pytest.approx(demand[2019] - demand[2018], rel=1e-12)


@pytest.mark.shared
def test_talent_gap_with_a_driver_on_the_cli(shared_data, tmp_path):
    driver_path, employment_path = nbs_files(shared_data, tmp_path)
    growth = 1.0e6 * 1.03 ** np.arange(10)  # a growing supply GM(1,1) can fit
    supply = pd.DataFrame({"region": "CHN", "field": "culture", "year": range(2015, 2025), "value": growth})
    supply_path = tmp_path / "supply.csv"
    supply.to_csv(supply_path, index=False)
    out = tmp_path / "gap.csv"
    args = ["talent", "gap", "--supply", supply_path, "--driver", driver_path, "--employment", employment_path,
            "--elasticity", "0.5", "--driver-as", "new", "--method", "gm11", "--horizon", "2", "--out", out]  # fmt: skip
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    gap = pd.read_csv(out)
    assert list(gap.columns[:9]) == [
        "region",
        "field",
        "year",
        "supply",
        "demand",
        "gap",
        "gap_low",
        "gap_high",
        "method",
    ]
    observed = gap[~gap["projected"]].set_index("year")
    new = driven_demand(pd.read_csv(driver_path), pd.read_csv(employment_path), 0.5, kind="new").demand
    assert observed["demand"].to_numpy() == pytest.approx(new["value"].to_numpy(), rel=1e-12)
    assert observed["gap"].to_numpy() == pytest.approx(new["value"].to_numpy() - growth[1:], rel=1e-12)
    assert sorted(gap.loc[gap["projected"], "year"]) == [2025, 2026]
    side = pd.read_csv(tmp_path / "gap_driver.csv")
    assert side.loc[0, "elasticity"] == 0.5 and side.loc[0, "base_year"] == 2018


def test_estimated_elasticity_equals_statsmodels_ols():
    rng = np.random.default_rng(3)
    years = np.arange(2010, 2020)
    va = 100 * np.exp(np.cumsum(rng.normal(0.08, 0.03, len(years))))
    jobs = 5000 * (va / va[0]) ** 0.6 * np.exp(rng.normal(0, 0.01, len(years)))
    driver = pd.DataFrame(
        {
            "region": "R",
            "sector": "s",
            "year": np.arange(2010, 2025),
            "value": np.r_[va, va[-1] * 1.05 ** np.arange(1, 6)],
        }
    )
    employment = pd.DataFrame({"region": "R", "sector": "s", "year": years, "value": jobs})
    result = driven_demand(driver, employment, parse_elasticity("auto"))
    ols = sm.OLS(np.log(jobs), sm.add_constant(np.log(va))).fit()
    row = result.elasticities.iloc[0]
    assert row["elasticity"] == pytest.approx(ols.params[1], rel=1e-10)
    assert row["std_error"] == pytest.approx(ols.bse[1], rel=1e-10)
    assert row["base_year"] == 2019 and row["years_derived"] == 5
    derived = result.demand.set_index("year")["value"]
    assert derived[2024] == pytest.approx(jobs[-1] * 1.05 ** (5 * ols.params[1]), rel=1e-10)
    # an exact power law is recovered exactly
    exact = employment.assign(value=5000 * (va / va[0]) ** 0.6)
    assert driven_demand(driver, exact, None).elasticities["elasticity"].item() == pytest.approx(
        0.6, abs=1e-12
    )


def test_refusals_name_the_problem():
    driver = pd.DataFrame({"region": "R", "sector": "s", "year": [2018, 2019], "value": [10.0, 0.0]})
    employment = pd.DataFrame({"region": "R", "sector": "s", "year": [2018], "value": [100.0]})
    with pytest.raises(InputError, match="must be positive") as info:
        driven_demand(driver, employment, 0.5, driver_name="va.csv")
    assert "va.csv" in str(info.value) and "row 3" in str(info.value)
    good = driver.assign(value=[10.0, 11.0])
    with pytest.raises(MethodError, match="at least 3 years"):
        driven_demand(good, employment, None)
    with pytest.raises(InputError, match="share region, sector"):
        driven_demand(good.assign(sector="other"), employment, 0.5)
    with pytest.raises(InputError, match="number or auto"):
        parse_elasticity("high")
    with pytest.raises(InputError, match="level | new"):
        driven_demand(good, employment, 0.5, kind="stock")


def test_the_cli_refuses_a_driver_without_employment(tmp_path):
    supply = tmp_path / "s.csv"
    supply.write_text("region,field,year,value\nR,f,2018,1\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["talent", "gap", "--supply", str(supply), "--driver", str(supply), "--out", str(tmp_path / "o.csv")],
    )
    assert result.exit_code != 0 and "--employment" in result.output and "Traceback" not in result.output
