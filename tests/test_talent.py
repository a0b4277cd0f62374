"""Talent supply and demand: ETS against statsmodels, the gap arithmetic, mapping, CLI, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError, MethodError
from silkscope.talent.gap import GAP_COLUMNS, demo_inputs, field_demand, read_mapping, talent_gap
from silkscope.talent.gm11 import gm11
from silkscope.talent.projection import backtest_mape, holdout_size, project

runner = CliRunner()


def _long(rows, key):
    return pd.DataFrame(rows, columns=["region", key, "year", "value"])


def test_ets_matches_statsmodels_run_directly():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = np.array([10.0, 11.2, 12.1, 13.5, 14.0, 15.3, 16.1, 17.4, 18.0, 19.6])
    fit = ETSModel(pd.Series(y), error="add", trend="add").fit(disp=False)
    frame = fit.get_prediction(start=10, end=13).summary_frame(alpha=0.05)
    ours = project(y, "ets", 4)
    assert ours.mean == pytest.approx(frame["mean"].to_numpy(), rel=1e-8)
    assert ours.low == pytest.approx(frame["pi_lower"].to_numpy(), rel=1e-8)
    assert ours.high == pytest.approx(frame["pi_upper"].to_numpy(), rel=1e-8)


def test_backtest_mape_by_hand():
    y = 3 * 1.04 ** np.arange(10) + np.array([0, 0.05, -0.04, 0.02, 0, -0.03, 0.04, 0, -0.02, 0.03])
    hold = holdout_size(len(y))
    assert hold == 3
    forecast = gm11(y[:-3]).forecast(3)
    expected = np.mean(np.abs((y[-3:] - forecast) / y[-3:])) * 100
    assert backtest_mape(y, "gm11", hold) == pytest.approx(expected)


def test_gap_observed_and_projected_rows():
    years = range(2010, 2020)
    supply = _long([("R1", "art", y, 10 * 1.05 ** (y - 2010)) for y in years], "field")
    demand = _long([("R1", "art", y, 12 * 1.06 ** (y - 2010)) for y in years], "sector")
    result = talent_gap(supply, demand, method="both", horizon=5)
    table = result.table
    assert list(table.columns) == GAP_COLUMNS
    observed = table[~table["projected"]]
    assert len(observed) == 10 and set(observed["method"]) == {"observed"}
    assert observed["gap"].to_numpy() == pytest.approx(
        12 * 1.06 ** np.arange(10) - 10 * 1.05 ** np.arange(10)
    )
    for method in ("gm11", "ets"):
        rows = table[table["projected"] & (table["method"] == method)]
        assert rows["year"].tolist() == list(range(2020, 2025))
        assert (rows["gap"] == rows["demand"] - rows["supply"]).all()
        assert (rows["gap_low"] <= rows["gap"] + 1e-12).all() and (
            rows["gap"] <= rows["gap_high"] + 1e-12
        ).all()
    gm_rows = table[table["projected"] & (table["method"] == "gm11")]
    supply_fit = gm11(10 * 1.05 ** np.arange(10))
    assert gm_rows["supply"].to_numpy() == pytest.approx(supply_fit.forecast(5))
    backtest = result.backtest
    assert len(backtest) == 4 and backtest.groupby("series")["best"].sum().tolist() == [1, 1]


def test_mapping_shares_build_field_demand(tmp_path):
    path = tmp_path / "map.yaml"
    path.write_text("fields:\n  art:\n    crafts: 0.5\n    design: 1\n  music: [shows]\n", encoding="utf-8")
    mapping = read_mapping(path)
    assert mapping == {"art": {"crafts": 0.5, "design": 1.0}, "music": {"shows": 1.0}}
    demand = _long(
        [
            ("R", "crafts", 2020, 10.0),
            ("R", "design", 2020, 4.0),
            ("R", "crafts", 2021, 12.0),
            ("R", "shows", 2021, 3.0),
        ],
        "sector",
    )
    out = field_demand(demand, mapping).sort_values(["field", "year"])
    # art 2021 lacks design, so only 2020 = 0.5*10 + 4 = 9.
    assert out[["field", "year", "value"]].values.tolist() == [["art", 2020, 9.0], ["music", 2021, 3.0]]


def test_mapping_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("fields:\n  art:\n    crafts: 2\n", encoding="utf-8")
    with pytest.raises(InputError, match="share must be in"):
        read_mapping(bad)
    with pytest.raises(InputError, match="not found"):
        read_mapping(tmp_path / "none.yaml")


def test_no_matching_field_names_the_fix():
    supply = _long([("R", "art", 2020, 1.0)], "field")
    demand = _long([("R", "music", 2020, 1.0)], "sector")
    with pytest.raises(InputError, match="--mapping"):
        talent_gap(supply, demand)


def test_bad_rows_are_named():
    supply = _long([("R", "art", 2020, 1.0), ("R", "art", "twenty", 2.0)], "field")
    demand = _long([("R", "art", 2020, 1.0)], "sector")
    with pytest.raises(InputError, match="row 3, column 'year'"):
        talent_gap(supply, demand)
    with pytest.raises(MethodError):
        talent_gap(_long([("R", "art", 2020, 1.0)], "field"), demand, method="arima")


def test_short_series_projects_with_notes():
    supply = _long([("R", "art", y, 1.0 + 0.1 * i) for i, y in enumerate(range(2018, 2022))], "field")
    demand = _long([("R", "art", y, 2.0 + 0.1 * i) for i, y in enumerate(range(2018, 2022))], "sector")
    result = talent_gap(supply, demand, method="both", horizon=2)
    assert any("ETS needs at least 5" in n for n in result.notes)
    assert set(result.table["method"]) == {"observed", "gm11"}


def test_cli_demo_is_labelled(tmp_path):
    out = tmp_path / "gap.csv"
    result = runner.invoke(app, ["talent", "gap", "--demo", "--horizon", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Demonstration data" in result.output or "演示数据" in result.output
    table = pd.read_csv(out)
    assert list(table.columns) == GAP_COLUMNS
    supply, _ = demo_inputs()
    pairs = supply[["region", "field"]].drop_duplicates()
    assert len(table) == len(pairs) * (12 + 2 * 3)
    backtest = pd.read_csv(tmp_path / "gap_backtest.csv")
    assert set(backtest["method"]) == {"gm11", "ets"} and backtest["mape"].notna().all()


def test_cli_files_and_error(tmp_path):
    supply, demand = demo_inputs()
    supply.to_csv(tmp_path / "s.csv", index=False)
    demand.to_csv(tmp_path / "d.csv", index=False)
    out = tmp_path / "gap.xlsx"
    args = ["talent", "gap", "--supply", str(tmp_path / "s.csv"), "--demand", str(tmp_path / "d.csv")]
    result = runner.invoke(app, [*args, "--method", "gm11", "--horizon", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_excel(out)
    assert set(table["method"]) == {"observed", "gm11"} and table["projected"].sum() == 6 * 5
    bad = runner.invoke(app, [*args, "--method", "arima", "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2 and "arima" in bad.output
    only = runner.invoke(
        app, ["talent", "gap", "--supply", str(tmp_path / "s.csv"), "--out", str(tmp_path / "y.csv")]
    )
    assert only.exit_code == 2 and "--demand" in only.output


@pytest.mark.shared
def test_real_tertiary_enrolment_projection(shared_data):
    """China's gross tertiary enrolment (WDI SE.TER.ENRR), 2003–2021: the projections and the
    backtest on the real series agree with GM(1,1) and statsmodels run directly."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    frame = pd.read_csv(shared_data / "wdi_ip_talent/tidy_iso3_2003_2021_njf0/SE.TER.ENRR.csv")
    row = frame[frame["country_code"] == "CHN"].iloc[0]
    years = list(range(2003, 2022))
    y = np.array([float(row[str(v)]) for v in years])
    assert y[years.index(2015)] == pytest.approx(47.435, abs=1e-3)  # PROVENANCE: 47.1 in the 2025 vintage
    supply = _long([("CHN", "tertiary", v, x) for v, x in zip(years, y, strict=False)], "field")
    target = 1.1 * y  # a demand series proportional to enrolment: the gap must be 0.1 × supply
    demand = _long([("CHN", "tertiary", v, x) for v, x in zip(years, target, strict=False)], "sector")
    result = talent_gap(supply, demand, method="both", horizon=3)
    observed = result.table[~result.table["projected"]]
    assert observed["gap"].to_numpy() == pytest.approx(0.1 * y)
    gm_supply = result.table[(result.table["method"] == "gm11")]["supply"].to_numpy()
    assert gm_supply == pytest.approx(gm11(y).forecast(3))
    ets = ETSModel(pd.Series(y), error="add", trend="add").fit(disp=False).forecast(3).to_numpy()
    assert result.table[result.table["method"] == "ets"]["supply"].to_numpy() == pytest.approx(ets, rel=1e-6)
    tests = result.backtest[result.backtest["series"] == "supply"].set_index("method")
    held = gm11(y[:-3]).forecast(3)
    assert tests.loc["gm11", "mape"] == pytest.approx(np.mean(np.abs(y[-3:] - held) / y[-3:]) * 100)
    assert tests["best"].sum() == 1
    # The file also holds 2022 and 2023: the method the backtest picks is the one that forecasts
    # those later, unseen years better.
    later = np.array([float(row["2022"]), float(row["2023"])])
    errors = {
        m: np.abs(result.table[result.table["method"] == m]["supply"].to_numpy()[:2] - later).mean()
        for m in ("gm11", "ets")
    }
    best = tests.index[tests["best"]][0]
    assert errors[best] == min(errors.values())


@pytest.mark.shared
def test_real_international_students_gap(shared_data):
    """MOE international students in China: demand = all students, supply = Chinese Government
    Scholarship places; the gap (students not on a scholarship) equals the published self-funded
    count in 2014 and 2018; 2014, 2017, 2018 are not consecutive, so nothing is projected."""
    frame = pd.read_csv(
        shared_data / "intl_students_in_china_moe/intl_students_in_china_moe_2014_2017_2018.csv"
    )
    cats = frame[frame["dimension"] == "total_or_category"]

    def pick(label):
        rows = cats[cats["unit_zh"] == label]
        return {int(y): float(v) for y, v in zip(rows["year"], rows["students"], strict=False)}

    total, scholarship, self_funded = pick("合计"), pick("中国政府奖学金生"), pick("自费生")
    supply = _long([("CHN", "students", y, v) for y, v in scholarship.items()], "field")
    demand = _long([("CHN", "students", y, v) for y, v in total.items()], "sector")
    result = talent_gap(supply, demand, method="gm11", horizon=5)
    table = result.table.set_index("year")
    assert not table["projected"].any()
    for year in (2014, 2018):
        assert table.loc[year, "gap"] == self_funded[year]
    assert table.loc[2017, "gap"] == 489200 - 58600
    assert any("not consecutive" in n for n in result.notes)
