"""Agglomeration measures: hand-worked 3-region x 2-sector examples, identities and bad input.

The example: employment in regions A, B, C and sectors film (f), game (g) in 2020

    region   f    g   E_r   x_r
    A       30   10    40   0.4
    B       10   30    40   0.4
    C       20    -    20   0.2      (no game row: counts as 0)
    E_s     60   40   100

so the region shares of the sectors are s_f = (1/2, 1/6, 1/3), s_g = (1/4, 3/4, 0) and
1 - sum x^2 = 1 - (0.16 + 0.16 + 0.04) = 0.64.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkscope.cluster.agglomeration import MEASURES, OUTPUT_COLUMNS, agglomeration, firm_herfindahl
from silkscope.errors import InputError, MethodError

X = {"A": 0.4, "B": 0.4, "C": 0.2}
S_F = {"A": 30 / 60, "B": 10 / 60, "C": 20 / 60}
S_G = {"A": 10 / 40, "B": 30 / 40, "C": 0 / 40}
G_F = (S_F["A"] - X["A"]) ** 2 + (S_F["B"] - X["B"]) ** 2 + (S_F["C"] - X["C"]) ** 2
G_G = (S_G["A"] - X["A"]) ** 2 + (S_G["B"] - X["B"]) ** 2 + (S_G["C"] - X["C"]) ** 2
SPREAD = 1 - (X["A"] ** 2 + X["B"] ** 2 + X["C"] ** 2)


def _example(year: int = 2020) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["A", "A", "B", "B", "C"],
            "sector": ["f", "g", "f", "g", "f"],
            "year": year,
            "value": [30.0, 10.0, 10.0, 30.0, 20.0],
        }
    )


def _firms() -> pd.DataFrame:
    """Film: firms of 45, 15 (shares 3/4, 1/4); game: four firms of 10 (shares 1/4 each)."""
    return pd.DataFrame(
        {
            "sector": ["f", "f", "g", "g", "g", "g"],
            "year": 2020,
            "firm": ["f1", "f2", "g1", "g2", "g3", "g4"],
            "value": [45.0, 15.0, 10.0, 10.0, 10.0, 10.0],
        }
    )


def _values(table: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(r.region, r.sector): r.value for r in table.itertuples()}


def test_location_quotient_by_hand():
    got = _values(agglomeration(_example(), "lq"))
    # LQ_rs = (E_rs / E_r) / (E_s / E)
    want = {
        ("A", "f"): (30 / 40) / (60 / 100),  # 1.25
        ("A", "g"): (10 / 40) / (40 / 100),  # 0.625
        ("B", "f"): (10 / 40) / (60 / 100),
        ("B", "g"): (30 / 40) / (40 / 100),  # 1.875
        ("C", "f"): (20 / 20) / (60 / 100),
        ("C", "g"): (0 / 20) / (40 / 100),  # the missing row counts as 0
    }
    assert got == pytest.approx(want)
    assert got[("A", "f")] == pytest.approx(1.25) and got[("B", "g")] == pytest.approx(1.875)


def test_herfindahl_across_regions_by_hand():
    got = _values(agglomeration(_example(), "hhi"))
    want = {
        ("ALL", "f"): (1 / 2) ** 2 + (1 / 6) ** 2 + (1 / 3) ** 2,  # 0.3889
        ("ALL", "g"): (1 / 4) ** 2 + (3 / 4) ** 2 + 0**2,  # 0.625
    }
    assert got == pytest.approx(want)


def test_spatial_gini_by_hand():
    got = _values(agglomeration(_example(), "gini"))
    want = {
        ("ALL", "f"): (0.5 - 0.4) ** 2 + (1 / 6 - 0.4) ** 2 + (1 / 3 - 0.2) ** 2,  # 0.082222
        ("ALL", "g"): (0.25 - 0.4) ** 2 + (0.75 - 0.4) ** 2 + (0.0 - 0.2) ** 2,  # 0.185
    }
    assert got == pytest.approx(want)
    assert got[("ALL", "g")] == pytest.approx(0.185)


def test_ellison_glaeser_with_given_firm_herfindahl_by_hand():
    h = pd.DataFrame({"sector": ["f", "g"], "year": [2020, 2020], "herfindahl": [0.1, 0.2]})
    got = _values(agglomeration(_example(), "eg", firm_herfindahl=h))
    # gamma = (G - (1 - sum x^2) H) / ((1 - sum x^2)(1 - H)), 1 - sum x^2 = 0.64
    want = {
        ("ALL", "f"): (0.0822222222 - 0.64 * 0.1) / (0.64 * (1 - 0.1)),  # 0.031636
        ("ALL", "g"): (0.185 - 0.64 * 0.2) / (0.64 * (1 - 0.2)),  # 0.111328
    }
    assert got == pytest.approx(want, abs=1e-9)
    assert got[("ALL", "g")] == pytest.approx(0.057 / 0.512)


def test_ellison_glaeser_with_firm_data():
    h = firm_herfindahl(_firms())
    assert list(h.columns) == ["sector", "year", "herfindahl"]
    assert dict(zip(h.sector, h.herfindahl, strict=True)) == pytest.approx(
        {"f": 0.75**2 + 0.25**2, "g": 4 * 0.25**2}  # 0.625, 0.25
    )
    got = _values(agglomeration(_example(), "eg", firm_herfindahl=h))
    want = {
        ("ALL", "f"): (G_F - SPREAD * 0.625) / (SPREAD * (1 - 0.625)),
        ("ALL", "g"): (G_G - SPREAD * 0.25) / (SPREAD * (1 - 0.25)),
    }
    assert got == pytest.approx(want)


def test_ellison_glaeser_without_firm_data_warns_once_and_uses_h_zero():
    frame = pd.concat([_example(2020), _example(2021)], ignore_index=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = agglomeration(frame, "eg")
    assert len(caught) == 1 and "upper-bound" in str(caught[0].message)
    assert list(table.columns) == OUTPUT_COLUMNS
    got = table[table.year == 2021].set_index("sector")["value"].to_dict()
    assert got == pytest.approx({"f": G_F / SPREAD, "g": G_G / SPREAD})


def test_krugman_specialisation_against_rest_of_country_by_hand():
    got = _values(agglomeration(_example(), "ks"))
    want = {
        # A: own mix (30/40, 10/40); rest B+C: f 30 of 60, g 30 of 60
        ("A", "ALL"): abs(30 / 40 - 30 / 60) + abs(10 / 40 - 30 / 60),  # 0.5
        # B: own (10/40, 30/40); rest A+C: f 50 of 60, g 10 of 60
        ("B", "ALL"): abs(10 / 40 - 50 / 60) + abs(30 / 40 - 10 / 60),  # 1.1667
        # C: own (20/20, 0/20); rest A+B: f 40 of 80, g 40 of 80
        ("C", "ALL"): abs(20 / 20 - 40 / 80) + abs(0 / 20 - 40 / 80),  # 1.0
    }
    assert got == pytest.approx(want)


@pytest.mark.parametrize("measure", MEASURES)
def test_output_columns_and_all_conventions(measure):
    frame = pd.concat([_example(2020), _example(2021).assign(value=lambda d: d.value * 2)], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = agglomeration(frame, measure)
    assert list(table.columns) == OUTPUT_COLUMNS
    assert set(table.measure) == {measure} and set(table.year) == {2020, 2021}
    if measure == "lq":
        assert len(table) == 2 * 3 * 2 and not {"ALL"} & (set(table.region) | set(table.sector))
    elif measure == "ks":
        assert set(table.sector) == {"ALL"} and set(table.region) == {"A", "B", "C"}
    else:
        assert set(table.region) == {"ALL"} and set(table.sector) == {"f", "g"}
    # doubling every value changes no measure
    by_year = table.pivot_table(index=["region", "sector"], columns="year", values="value")
    np.testing.assert_allclose(by_year[2020], by_year[2021])


def test_regions_and_sectors_are_per_year_and_years_match_across_types():
    frame = pd.concat([_example(2020), _example(2021).query("sector == 'f'")], ignore_index=True)
    table = agglomeration(frame, "hhi")
    assert sorted(zip(table.year, table.sector, strict=True)) == [(2020, "f"), (2020, "g"), (2021, "f")]
    h = firm_herfindahl(_firms().assign(year="2020"))  # a year given as text still matches 2020
    assert len(agglomeration(_example(), "eg", firm_herfindahl=h)) == 2


@given(
    st.integers(2, 5).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.integers(1, 4),
            st.lists(st.integers(0, 1000), min_size=20, max_size=20),
        )
    )
)
@settings(max_examples=40, deadline=None)
def test_location_quotients_weighted_by_regional_share_sum_to_one(case):
    n_regions, n_sectors, numbers = case
    e = np.array(numbers[: n_regions * n_sectors], dtype=float).reshape(n_regions, n_sectors)
    e[np.arange(n_regions), np.arange(n_regions) % n_sectors] += 1  # every region total positive
    e[np.arange(n_sectors) % n_regions, np.arange(n_sectors)] += 1  # every sector total positive
    regions, sectors = np.meshgrid([f"r{i}" for i in range(n_regions)], [f"s{j}" for j in range(n_sectors)])
    frame = pd.DataFrame(
        {"region": regions.T.ravel(), "sector": sectors.T.ravel(), "year": 2020, "value": e.ravel()}
    )
    frame = frame[frame.value > 0]  # zero cells left out: missing combinations count as 0
    table = agglomeration(frame, "lq")
    share = table.region.map(
        dict(zip([f"r{i}" for i in range(n_regions)], e.sum(axis=1) / e.sum(), strict=True))
    )
    weighted = (share * table.value).groupby(table.sector).sum()
    np.testing.assert_allclose(weighted.to_numpy(), 1.0, rtol=1e-12)


# ---- bad input ------------------------------------------------------------------------------


def test_missing_columns_are_named():
    with pytest.raises(InputError, match=r"missing column\(s\) 'year', 'value'; columns are region, sector"):
        agglomeration(_example().drop(columns=["year", "value"]), "lq")
    with pytest.raises(InputError, match=r"missing column\(s\) 'firm'"):
        firm_herfindahl(_firms().drop(columns="firm"))
    with pytest.raises(InputError, match=r"firm_herfindahl lacks column\(s\) 'herfindahl'"):
        agglomeration(_example(), "eg", firm_herfindahl=pd.DataFrame({"sector": ["f"], "year": [2020]}))


def test_negative_value_names_the_row():
    frame = _example()
    frame.loc[2, "value"] = -5.0
    with pytest.raises(
        InputError, match=r"column 'value': negative value -5 at region B, sector f, year 2020"
    ):
        agglomeration(frame, "lq")


def test_non_numeric_value_names_the_row():
    frame = _example().astype({"value": object})
    frame.loc[3, "value"] = "n/a"
    with pytest.raises(InputError, match=r"'n/a' is not a finite number, at region B, sector g, year 2020"):
        agglomeration(frame, "gini")
    frame.loc[3, "value"] = np.nan
    with pytest.raises(InputError, match=r"nan is not a finite number, at region B, sector g"):
        agglomeration(frame, "gini")


def test_duplicate_rows_are_named():
    frame = pd.concat([_example(), _example().iloc[[4]]], ignore_index=True)
    with pytest.raises(InputError, match=r"region C, sector f, year 2020 appears 2 times") as info:
        agglomeration(frame, "hhi")
    assert "sum or drop the duplicate rows" in str(info.value)


def test_unknown_measure_lists_valid_ones():
    with pytest.raises(MethodError, match=r"unknown measure 'theil'; expected one of lq, hhi, gini, eg, ks"):
        agglomeration(_example(), "theil")


def test_sector_with_zero_total_is_named():
    frame = _example()
    frame.loc[frame.sector == "g", "value"] = 0.0
    with pytest.raises(InputError, match=r"sector total is 0 for sector g in 2020"):
        agglomeration(frame, "hhi")


def test_region_with_zero_total_is_named_for_lq_and_ks():
    frame = pd.concat(
        [_example(), pd.DataFrame({"region": ["D"], "sector": ["f"], "year": [2020], "value": [0]})]
    )
    for measure in ("lq", "ks"):
        with pytest.raises(
            InputError, match=rf"region total is 0, so '{measure}' is undefined for region D in 2020"
        ):
            agglomeration(frame, measure)
    assert len(agglomeration(frame, "gini")) == 2  # an empty region does not matter there


def test_single_firm_sector_makes_gamma_undefined():
    firms = _firms()
    firms = firms[firms.firm != "f2"]  # film is one firm: H = 1
    with pytest.raises(InputError, match=r"firm Herfindahl is 1 \(one firm\) for sector f, year 2020"):
        agglomeration(_example(), "eg", firm_herfindahl=firm_herfindahl(firms))


def test_firm_herfindahl_must_cover_every_sector_year():
    h = pd.DataFrame({"sector": ["f"], "year": [2020], "herfindahl": [0.3]})
    with pytest.raises(InputError, match=r"firm_herfindahl has no row for sector g, year 2020"):
        agglomeration(_example(), "eg", firm_herfindahl=h)


def test_one_region_holding_everything():
    frame = pd.DataFrame({"region": ["A", "A"], "sector": ["f", "g"], "year": 2020, "value": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"in 2020, region A holds all activity"):
        agglomeration(frame, "ks")
    with pytest.raises(InputError, match=r"one region holds all activity \(1 - sum x\^2 = 0\)"):
        agglomeration(
            frame, "eg", firm_herfindahl=pd.DataFrame({"sector": ["f", "g"], "year": 2020, "herfindahl": 0.5})
        )


def test_cli_contract_file_and_workspace(tmp_path):
    from typer.testing import CliRunner

    from silkscope.cli import app
    from silkscope.workspace import Workspace

    runner = CliRunner()
    long = pd.DataFrame(
        {
            "region": ["110000", "110000", "310000", "310000", "440000", "440000"],
            "sector": ["film", "games", "film", "games", "film", "games"],
            "year": 2020,
            "value": [30.0, 10.0, 20.0, 40.0, 50.0, 50.0],
        }
    )
    data, out = tmp_path / "emp.csv", tmp_path / "lq.csv"
    long.to_csv(data, index=False)
    run = runner.invoke(
        app, ["cluster", "agglomeration", "--data", str(data), "--measure", "lq", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    table = pd.read_csv(out, dtype={"region": str})
    assert list(table.columns) == ["measure", "region", "sector", "year", "value"]
    # Beijing film: (30/40) / (100/200) = 1.5
    assert table.set_index(["region", "sector"]).value["110000", "film"] == pytest.approx(1.5)
    # the same numbers from a workspace holding one indicator per sector
    ws = Workspace.init(tmp_path / "study")
    wide = long.pivot(index=["region", "year"], columns="sector", values="value").reset_index()
    wide.rename(columns={"region": "unit_id"}).to_csv(tmp_path / "wide.csv", index=False)
    assert (
        runner.invoke(
            app, ["import", "table", str(tmp_path / "wide.csv"), "--workspace", str(ws.root)]
        ).exit_code
        == 0
    )
    out2 = tmp_path / "hhi.csv"
    args = [
        "cluster",
        "agglomeration",
        "--workspace",
        str(ws.root),
        "--sectors",
        "film,games",
        "--measure",
        "hhi",
    ]
    run = runner.invoke(app, [*args, "--out", str(out2)])
    assert run.exit_code == 0, run.output
    hhi = pd.read_csv(out2).set_index("sector").value
    assert hhi["film"] == pytest.approx(0.3**2 + 0.2**2 + 0.5**2)
    assert (pd.read_csv(out2).region == "ALL").all()
