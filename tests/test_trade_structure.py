"""Trade totals, shares, growth and constant-market-share decomposition on hand-worked toys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from silkscope.errors import InputError, MethodError
from silkscope.trade.structure import constant_market_share, growth, trade_values

COLUMNS = ["year", "exporter", "importer", "product", "value"]
P, Q = "691110", "970110"

# CMS toy: focus exporter AAA, competitor BBB; 2 products (P, Q) x 2 markets (CCC, DDD).
#            base year 2015              end year 2020
#            AAA   BBB   world W0        AAA   BBB   world W1
# P -> CCC    10    30    40              20    40    60
# P -> DDD    20    20    40              20    40    60
# Q -> CCC    10    30    40              10    30    40
# Q -> DDD     0    50    50              10    70    80
# totals      40   130   170              60   180   240          ΔX = 20
# Shares S⁰ = X0/W0: total 40/170; P 30/80, Q 10/90; CCC 20/80, DDD 20/90;
#   cells PC 1/4, PD 1/2, QC 1/4, QD 0.  S¹ cells: PC 1/3, PD 1/3, QC 1/4, QD 1/8.
# G = S⁰ΔW = 40/170 * 70 = 280/17
# C = Σ_i S⁰_i ΔW_i = 30/80*40 + 10/90*30 = 15 + 10/3 = 55/3
# M = Σ_j S⁰_j ΔW_j = 20/80*20 + 20/90*50 = 5 + 100/9 = 145/9
# A = Σ_ij S⁰_ij ΔW_ij = 1/4*20 + 1/2*20 + 1/4*0 + 0*30 = 15
# Jepma: commodity C-G = 95/51; market M-G = -55/153; interaction (A-C)-(M-G) = -455/153;
#   ΔS = (1/12, -1/6, 0, 1/8): competitiveness ΣΔS W0 = 40/12 - 40/6 + 50/8 = 35/12;
#   second order ΣΔS ΔW = 20/12 - 20/6 + 30/8 = 25/12.   Sum = 55/3 - 10/3 + 5 = 20.
# Leamer & Stern: market A-C = -10/3; competitiveness ΔX - A = 5 (= 35/12 + 25/12).
CMS_TOY = [
    (2015, "AAA", "CCC", P, 10),
    (2015, "AAA", "DDD", P, 20),
    (2015, "AAA", "CCC", Q, 10),
    (2015, "BBB", "CCC", P, 30),
    (2015, "BBB", "DDD", P, 20),
    (2015, "BBB", "CCC", Q, 30),
    (2015, "BBB", "DDD", Q, 50),
    (2020, "AAA", "CCC", P, 20),
    (2020, "AAA", "DDD", P, 20),
    (2020, "AAA", "CCC", Q, 10),
    (2020, "AAA", "DDD", Q, 10),
    (2020, "BBB", "CCC", P, 40),
    (2020, "BBB", "DDD", P, 40),
    (2020, "BBB", "CCC", Q, 30),
    (2020, "BBB", "DDD", Q, 70),
]


@pytest.fixture()
def cms_flows() -> pd.DataFrame:
    return pd.DataFrame(CMS_TOY, columns=COLUMNS).astype({"value": float})


def test_cms_jepma_hand_worked(cms_flows):
    out = constant_market_share(cms_flows, "AAA", 2015, 2020)
    assert list(out.columns) == ["effect", "value", "share_of_change"]
    got = out.set_index("effect")["value"]
    expected = {
        "world_growth": 280 / 17,
        "commodity_composition": 95 / 51,
        "market_distribution": -55 / 153,
        "structural_interaction": -455 / 153,
        "competitiveness": 35 / 12,
        "second_order": 25 / 12,
    }
    assert list(got.index) == list(expected)
    for effect, value in expected.items():
        assert got[effect] == pytest.approx(value, rel=1e-12)
    assert got.sum() == pytest.approx(20.0, rel=1e-12)
    assert out.set_index("effect")["share_of_change"]["world_growth"] == pytest.approx(280 / 17 / 20)
    assert out.attrs["actual_change"] == pytest.approx(20.0)
    assert out.attrs["variant"] == "jepma"


def test_cms_leamer_stern_hand_worked(cms_flows):
    got = constant_market_share(cms_flows, "AAA", 2015, 2020, variant="leamer_stern")
    got = got.set_index("effect")["value"]
    assert got["world_growth"] == pytest.approx(280 / 17)
    assert got["commodity_composition"] == pytest.approx(95 / 51)
    assert got["market_distribution"] == pytest.approx(-10 / 3)
    assert got["competitiveness"] == pytest.approx(5.0)
    assert got.sum() == pytest.approx(20.0)


def test_cms_groups_and_self_flows(cms_flows):
    # one group for both products: no commodity effect; market effect as with products pooled
    flows = pd.concat(
        [cms_flows, pd.DataFrame([(2020, "AAA", "AAA", P, 999.0)], columns=COLUMNS)], ignore_index=True
    )
    out = constant_market_share(flows, "AAA", 2015, 2020, groups={P: "ceramics", Q: "ceramics"})
    got = out.set_index("effect")["value"]
    assert got["commodity_composition"] == pytest.approx(0.0, abs=1e-12)
    assert got["market_distribution"] == pytest.approx(145 / 9 - 280 / 17)
    assert got.sum() == pytest.approx(20.0)  # the self-flow is ignored
    assert out.attrs["by"] == "group"


def test_cms_errors(cms_flows):
    with pytest.raises(MethodError, match="variant"):
        constant_market_share(cms_flows, "AAA", 2015, 2020, variant="fagerberg")
    with pytest.raises(MethodError, match="before"):
        constant_market_share(cms_flows, "AAA", 2020, 2015)
    with pytest.raises(InputError, match="no flows in 2018"):
        constant_market_share(cms_flows, "AAA", 2015, 2018)
    with pytest.raises(InputError, match="ZZZ exports nothing"):
        constant_market_share(cms_flows, "ZZZ", 2015, 2020)
    with pytest.raises(InputError, match="no group"):
        constant_market_share(cms_flows, "AAA", 2015, 2020, groups={P: "ceramics"})
    bad = cms_flows.assign(value=lambda d: d.value.where(d.index != 3, -1.0))
    with pytest.raises(InputError, match="row 4"):
        constant_market_share(bad, "AAA", 2015, 2020)


def test_cms_zero_change_share_is_nan(cms_flows):
    flat = cms_flows[cms_flows.year == 2015]
    flows = pd.concat([flat, flat.assign(year=2016)], ignore_index=True)
    out = constant_market_share(flows, "AAA", 2015, 2016)
    assert out["value"].abs().max() == pytest.approx(0.0, abs=1e-12)
    assert out["share_of_change"].isna().all()


cells = st.lists(
    st.tuples(
        st.sampled_from([2001, 2002]),
        st.sampled_from(["AAA", "BBB", "CCC"]),
        st.sampled_from(["BBB", "CCC", "DDD"]),
        st.sampled_from(["010100", "020200", "030300"]),
        st.one_of(st.just(0.0), st.floats(0.01, 1e6, allow_nan=False)),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(cells, st.sampled_from(["jepma", "leamer_stern"]))
def test_cms_effects_sum_to_actual_change(rows, variant):
    base = [(2001, "AAA", "BBB", "010100", 1.0), (2002, "AAA", "BBB", "010100", 1.0)]
    flows = pd.DataFrame(base + rows, columns=COLUMNS)
    out = constant_market_share(flows, "AAA", 2001, 2002, variant=variant)
    mine = flows[(flows.exporter == "AAA") & (flows.importer != "AAA")]
    change = mine[mine.year == 2002].value.sum() - mine[mine.year == 2001].value.sum()
    assert out["value"].sum() == pytest.approx(change, rel=1e-9, abs=1e-6)
    assert np.isfinite(out["value"]).all()


# totals toy: two exporters, products P (ceramics) and Q (visual arts), three years
VALUES_TOY = [
    (2015, "AAA", "BBB", P, 10.0),
    (2015, "AAA", "CCC", Q, 30.0),
    (2015, "BBB", "AAA", P, 60.0),
    (2016, "AAA", "BBB", P, 20.0),
    (2016, "BBB", "AAA", P, 50.0),
    (2016, "BBB", "AAA", Q, 30.0),
    (2017, "AAA", "BBB", P, 40.0),
    (2017, "AAA", "CCC", Q, 40.0),
    (2017, "BBB", "AAA", P, 0.0),
]
DOMAINS = pd.DataFrame({"product": [P, Q], "group": ["ceramics", "visual_arts"]})


@pytest.fixture()
def value_flows() -> pd.DataFrame:
    return pd.DataFrame(VALUES_TOY, columns=COLUMNS)


def test_trade_values_exporter_year(value_flows):
    out = trade_values(value_flows)
    assert list(out.columns) == ["exporter", "year", "value", "share", "yoy", "cagr"]
    t = out.set_index(["exporter", "year"])
    assert t.loc[("AAA", 2015), "value"] == 40.0
    assert t.loc[("AAA", 2015), "share"] == pytest.approx(40 / 100)  # share of the year's total
    assert t.loc[("AAA", 2016), "yoy"] == pytest.approx(20 / 40 - 1)
    assert t.loc[("AAA", 2015), "cagr"] == pytest.approx((80 / 40) ** 0.5 - 1)
    assert t.loc[("BBB", 2017), "value"] == 0.0
    assert t.loc[("BBB", 2017), "share"] == 0.0
    assert t.loc[("BBB", 2017), "yoy"] == pytest.approx(-1.0)
    assert t.loc[("BBB", 2015), "cagr"] == pytest.approx(-1.0)  # fell to zero
    assert np.isnan(t.loc[("AAA", 2015), "yoy"])  # no earlier year


def test_trade_values_by_domain(value_flows):
    out = trade_values(value_flows, groups=DOMAINS)
    assert list(out.columns) == ["exporter", "year", "group", "value", "share", "yoy", "cagr"]
    t = out.set_index(["exporter", "year", "group"])
    # AAA 2016: ceramics 20, visual arts none -> a zero row; shares of AAA's 2016 total
    assert t.loc[("AAA", 2016, "visual_arts"), "value"] == 0.0
    assert t.loc[("AAA", 2016, "ceramics"), "share"] == 1.0
    assert t.loc[("AAA", 2017, "visual_arts"), "share"] == pytest.approx(0.5)
    # zero base: growth is NaN, not inf
    assert np.isnan(t.loc[("AAA", 2017, "visual_arts"), "yoy"])
    assert t.loc[("AAA", 2015, "visual_arts"), "cagr"] == pytest.approx((40 / 30) ** 0.5 - 1)
    # BBB's visual arts start at zero in 2015: CAGR is NaN
    assert np.isnan(t.loc[("BBB", 2016, "visual_arts"), "cagr"])
    sums = out.groupby(["exporter", "year"])["share"].sum()
    assert sums.drop(("BBB", 2017)).to_numpy() == pytest.approx(1.0)
    assert np.isfinite(out[["yoy", "cagr"]].to_numpy()[~np.isnan(out[["yoy", "cagr"]].to_numpy())]).all()


def test_trade_values_by_partner_and_within(value_flows):
    out = trade_values(value_flows, by=("exporter", "importer", "year"))
    t = out.set_index(["exporter", "importer", "year"])
    assert t.loc[("AAA", "CCC", 2017), "share"] == pytest.approx(0.5)  # of AAA's 2017 exports
    world = trade_values(value_flows, by=("exporter", "importer", "year"), within=("year",))
    w = world.set_index(["exporter", "importer", "year"])
    assert w.loc[("AAA", "CCC", 2017), "share"] == pytest.approx(40 / 80)
    assert w.loc[("BBB", "AAA", 2016), "share"] == pytest.approx(80 / 100)
    no_year = trade_values(value_flows, by=("product",), within=())
    assert no_year.set_index("product")["share"][P] == pytest.approx(180 / 280)
    assert "yoy" not in no_year.columns


def test_trade_values_errors(value_flows):
    with pytest.raises(MethodError, match="cannot total by partner"):
        trade_values(value_flows, by=("partner",))
    with pytest.raises(MethodError, match="group"):
        trade_values(value_flows, by=("group",))
    with pytest.raises(MethodError, match="within"):
        trade_values(value_flows, within=("importer",))
    with pytest.raises(InputError, match="column 'value'"):
        trade_values(value_flows.drop(columns="value"))
    with pytest.raises(InputError, match="more than one group"):
        trade_values(value_flows, groups=pd.DataFrame({"product": [P, P, Q], "group": ["a", "b", "c"]}))


def test_growth_missing_and_zero_base():
    frame = pd.DataFrame(
        {
            "exporter": ["AAA"] * 3 + ["BBB"] * 3,
            "year": [2015, 2016, 2018, 2015, 2016, 2018],
            "value": [0.0, 5.0, 10.0, 8.0, 4.0, 1.0],
        }
    )
    out = growth(frame)
    assert list(out.columns) == ["exporter", "year", "value", "yoy", "cagr"]
    a, b = out[out.exporter == "AAA"], out[out.exporter == "BBB"]
    assert np.isnan(a.yoy.iloc[1])  # zero base
    assert np.isnan(a.yoy.iloc[2])  # 2017 missing
    assert a.cagr.isna().all()  # starts at zero
    assert b.yoy.iloc[1] == pytest.approx(-0.5)
    assert b.cagr.iloc[0] == pytest.approx((1 / 8) ** (1 / 3) - 1)
    assert not np.isinf(out[["yoy", "cagr"]].to_numpy()).any()
    with pytest.raises(InputError, match="duplicate"):
        growth(pd.concat([frame, frame.iloc[:1]]))


def test_cms_and_values_commands_on_a_baci_file(tmp_path):
    """CLI on a BACI-layout file: the CMS effects add up to the change computed here directly."""
    import pandas as pd
    from typer.testing import CliRunner

    from silkscope.cli import app

    rows = [
        (2015, 156, 842, "691110", 100.0), (2015, 156, 276, "691200", 50.0),
        (2015, 392, 842, "691110", 300.0), (2015, 392, 276, "691200", 80.0),
        (2020, 156, 842, "691110", 180.0), (2020, 156, 276, "691200", 40.0),
        (2020, 392, 842, "691110", 310.0), (2020, 392, 276, "691200", 120.0),
    ]  # fmt: skip
    data = tmp_path / "baci.csv"
    pd.DataFrame(rows, columns=["t", "i", "j", "k", "v"]).to_csv(data, index=False)
    out = tmp_path / "cms.csv"
    runner = CliRunner()
    args = ["trade", "cms", "--exporter", "CHN", "--base", "2015", "--end", "2020", "--data", str(data)]
    # only CHN and JPN export in this toy (USA, DEU only import): not a world matrix
    run = runner.invoke(app, [*args, "--out", str(out)])
    assert run.exit_code == 2 and "not a world matrix" in " ".join(run.output.split())
    run = runner.invoke(app, [*args, "--allow-partial", "--out", str(out)])
    assert run.exit_code == 0, run.output
    effects = pd.read_csv(out)
    assert effects.note.str.contains("partial coverage", regex=False).all()
    assert effects.value.sum() == pytest.approx((180 + 40) - (100 + 50))
    # world growth = S0 * dW: China's base share 150/530 times the change of world exports 120
    assert effects.set_index("effect").value["world_growth"] == pytest.approx(150 / 530 * 120)
    out = tmp_path / "values.csv"
    run = runner.invoke(
        app, ["trade", "values", "--data", str(data), "--by", "exporter,year", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    values = pd.read_csv(out).set_index(["exporter", "year"])
    assert values.loc[("CHN", 2020), "share"] == pytest.approx(220 / 650)
    assert pd.isna(values.loc[("CHN", 2020), "yoy"])  # 2019 is not in the data
    assert values.loc[("CHN", 2020), "cagr"] == pytest.approx((220 / 150) ** (1 / 5) - 1)


def test_cli_values_by_domain_of_a_user_classification(tmp_path):
    """Totals by domain of a user classification (its products only), shares within the exporter's
    year, and the packaged table refusing --by domain on flows whose HS revision is unknown."""
    from typer.testing import CliRunner

    from silkscope.cli import app
    from silkscope.reference.cultural_goods import COLUMNS

    rows = [
        (2015, 156, 842, "111111", 100.0), (2015, 156, 276, "222222", 50.0),
        (2015, 156, 276, "333333", 999.0), (2015, 392, 842, "111111", 300.0),
        (2020, 156, 842, "111111", 180.0), (2020, 156, 276, "111110", 20.0),
        (2020, 156, 276, "222222", 40.0), (2020, 392, 276, "222222", 120.0),
    ]  # fmt: skip
    data = tmp_path / "baci.csv"
    pd.DataFrame(rows, columns=["t", "i", "j", "k", "v"]).to_csv(data, index=False)
    # synthetic codes, not a claim about any scheme
    fcs = ("unesco_fcs_2009", "2009", "HS07")
    names = {
        "C": ("Visual arts and crafts", "视觉艺术与手工艺"),
        "E": ("Audio-visual and interactive media", "视听与交互媒体"),
    }
    codes = [("111111", "C"), ("111110", "C"), ("222222", "E")]
    goods = pd.DataFrame(
        [
            [*fcs, hs6, domain, *names[domain], "core", "synthetic test fixture", "none"]
            for hs6, domain in codes
        ],
        columns=list(COLUMNS),
    )
    classification = tmp_path / "goods.csv"
    goods.to_csv(classification, index=False)
    out = tmp_path / "values.csv"
    args = ["trade", "values", "--data", str(data), "--by", "exporter,domain,year", "--exporter", "CHN"]
    runner = CliRunner()
    run = runner.invoke(app, [*args, "--classification", str(classification), "--out", str(out)])
    assert run.exit_code == 0, run.output
    values = pd.read_csv(out).set_index(["exporter", "domain", "year"])
    assert set(values.index.get_level_values("exporter")) == {"CHN"}
    assert values.loc[("CHN", "C", 2020), "value"] == pytest.approx(200.0)  # 111111 + 111110
    assert values.loc[("CHN", "E", 2015), "value"] == pytest.approx(50.0)  # 333333 is not classified
    assert values.loc[("CHN", "C", 2015), "share"] == pytest.approx(100 / 150)
    assert values.loc[("CHN", "E", 2020), "share"] == pytest.approx(40 / 240)
    # the packaged FCS 2009 table differs between HS revisions: a file that names none is refused
    run = runner.invoke(app, [*args, "--out", str(out)])
    assert run.exit_code == 2 and "--hs" in run.output


def test_cli_cms_equals_the_function_on_all_flows(tmp_path):
    """The CLI sums every other exporter into one before pandas; the decomposition is the same
    as on the full flows (the demo's many exporters, markets and products)."""
    from typer.testing import CliRunner

    from silkscope.cli import app
    from silkscope.trade.demo import demo_flows

    flows = demo_flows(years=[2016, 2021])
    data = tmp_path / "flows.csv"
    flows.rename(columns={"year": "t", "exporter": "i", "importer": "j", "product": "k", "value": "v"})[
        ["t", "i", "j", "k", "v"]
    ].to_csv(data, index=False)
    assert flows.exporter.nunique() > 10
    for variant in ("jepma", "leamer_stern"):
        out = tmp_path / f"cms_{variant}.csv"
        args = ["trade", "cms", "--exporter", "CHN", "--base", "2016", "--end", "2021", "--data", str(data)]
        run = CliRunner().invoke(app, [*args, "--variant", variant, "--out", str(out)])
        assert run.exit_code == 0, run.output
        expected = constant_market_share(flows, "CHN", 2016, 2021, variant=variant)
        got = pd.read_csv(out)
        assert list(got.effect) == list(expected.effect)
        assert got.value.to_numpy() == pytest.approx(expected.value.to_numpy(), rel=1e-9, abs=1e-6)
