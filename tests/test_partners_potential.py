"""Export potential (partners.potential, simplified ITC EPI) and ``silkscope partners potential``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError, MethodError
from silkscope.partners.potential import OUTPUT_COLUMNS, export_potential

# Hand-worked example: exporters A, B; products p, q; markets X, Y (one year).
#   flows  A->X p 4, A->X q 0, A->Y p 2, A->Y q 2;  B->X p 2, B->X q 4, B->Y p 0, B->Y q 2
#   world exports W_p = 6 + 2 = 8, W_q = 2 + 6 = 8
#   supply  S_Ap = 6/8 = 0.75, S_Aq = 2/8 = 0.25
#   demand  M_Xp = 6, M_Xq = 4, M_Yp = 2, M_Yq = 4
#   hypothetical H_AX = 0.75*6 + 0.25*4 = 5.5,  H_AY = 0.75*2 + 0.25*4 = 2.5
#   actual  A_AX = 4, A_AY = 4  -> ease (no shrink, no cap) E_AX = 4/5.5 = 8/11, E_AY = 1.6
#   raw     Xp = 0.75*6*8/11 = 36/11, Xq = 0.25*4*8/11 = 8/11, Yp = 0.75*2*1.6 = 2.4, Yq = 0.25*4*1.6 = 1.6
#   sum raw = 44/11 + 4 = 8 = A's exports -> scale 1, potential = raw
#   untapped Xp max(0, 36/11 - 4) = 0, Xq 8/11, Yp 0.4, Yq 0
#   With shrink 0.5: E_AX = 0.5 + 0.5*8/11 = 19/22, E_AY = 0.5 + 0.5*1.6 = 1.3; sum raw =
#   5.5*19/22 + 2.5*1.3 = 4.75 + 3.25 = 8 again (sum_j H_Aj = A's exports when A imports nothing).
#   With cap 1.2 (shrink 0): E_AY = 1.2 -> raw Yp = 1.8, Yq = 1.2; sum raw = 4 + 3 = 7, scale 8/7.
HAND = pd.DataFrame(
    {
        "year": 2020,
        "exporter": ["A", "A", "A", "A", "B", "B", "B", "B"],
        "importer": ["X", "X", "Y", "Y", "X", "X", "Y", "Y"],
        "product": ["p", "q", "p", "q", "p", "q", "p", "q"],
        "value": [4.0, 0.0, 2.0, 2.0, 2.0, 4.0, 0.0, 2.0],
    }
)


def _cells(result, column: str) -> dict[tuple[str, str], float]:
    table = result.table
    return {(r.market, r.product): getattr(r, column) for r in table.itertuples()}


def test_hand_worked_example():
    result = export_potential(HAND, "A", shrink=0.0, cap=np.inf, n_boot=0)
    assert list(result.table.columns[: len(OUTPUT_COLUMNS)]) == list(OUTPUT_COLUMNS)
    assert _cells(result, "potential") == pytest.approx(
        {("X", "p"): 36 / 11, ("X", "q"): 8 / 11, ("Y", "p"): 2.4, ("Y", "q"): 1.6}
    )
    assert _cells(result, "untapped") == pytest.approx(
        {("X", "p"): 0.0, ("X", "q"): 8 / 11, ("Y", "p"): 0.4, ("Y", "q"): 0.0}
    )
    assert _cells(result, "supply") == pytest.approx(
        {("X", "p"): 0.75, ("X", "q"): 0.25, ("Y", "p"): 0.75, ("Y", "q"): 0.25}
    )
    assert _cells(result, "demand") == pytest.approx(
        {("X", "p"): 6, ("X", "q"): 4, ("Y", "p"): 2, ("Y", "q"): 4}
    )
    assert _cells(result, "ease")[("X", "p")] == pytest.approx(8 / 11)
    assert _cells(result, "ease")[("Y", "q")] == pytest.approx(1.6)
    assert _cells(result, "realised_share")[("Y", "p")] == pytest.approx(2 / 2.4)
    ranks = _cells(result, "market_rank")
    assert ranks[("X", "p")] == 1 and ranks[("Y", "p")] == 2  # 36/11 > 2.4
    assert ranks[("Y", "q")] == 1 and ranks[("X", "q")] == 2  # 1.6 > 8/11
    assert _cells(result, "product_rank")[("X", "p")] == 1


def test_hand_worked_shrink_and_cap():
    shrunk = export_potential(HAND, "A", shrink=0.5, cap=np.inf, n_boot=0)
    assert _cells(shrunk, "ease")[("X", "p")] == pytest.approx(19 / 22)
    assert _cells(shrunk, "potential")[("Y", "p")] == pytest.approx(0.75 * 2 * 1.3)
    capped = export_potential(HAND, "A", shrink=0.0, cap=1.2, n_boot=0)
    assert _cells(capped, "ease")[("Y", "p")] == pytest.approx(1.2)
    assert _cells(capped, "potential") == pytest.approx(
        {
            ("X", "p"): 36 / 11 * 8 / 7,
            ("X", "q"): 8 / 11 * 8 / 7,
            ("Y", "p"): 1.8 * 8 / 7,
            ("Y", "q"): 1.2 * 8 / 7,
        }
    )


def test_potentials_sum_to_the_documented_total_on_the_demo():
    from silkscope.trade.demo import demo_flows

    flows = demo_flows()
    result = export_potential(flows, ["CHN", "DEU"], ["6911", "6912", "6913"], growth="observed", n_boot=20)
    chosen = flows[flows["product"].str.startswith(("6911", "6912", "6913"))]
    for exporter in ("CHN", "DEU"):
        block = result.table[result.table.exporter == exporter]
        total = chosen[chosen.exporter == exporter].groupby("year").value.sum().mean()
        assert block.potential.sum() == pytest.approx(total)
        assert block.actual.sum() == pytest.approx(total)
        assert set(block["product"]) <= {"691110", "691200", "691390"}
    assert (result.table.potential_p10 <= result.table.potential_p90 + 1e-9).all()
    assert (result.table.untapped >= 0).all()


def test_growth_per_market_moves_potential_to_growing_markets():
    base = export_potential(HAND, "A", shrink=0.0, cap=np.inf, n_boot=0)
    uniform = export_potential(HAND, "A", shrink=0.0, cap=np.inf, n_boot=0, growth=0.1)
    assert _cells(uniform, "potential") == pytest.approx(_cells(base, "potential"))  # cancels in scaling
    tilted = export_potential(HAND, "A", shrink=0.0, cap=np.inf, n_boot=0, growth={"Y": 0.2})
    assert _cells(tilted, "potential")[("Y", "p")] > _cells(base, "potential")[("Y", "p")]
    assert tilted.table.potential.sum() == pytest.approx(8.0)


def test_year_bootstrap_bands_and_errors():
    two_years = pd.concat([HAND, HAND.assign(year=2021, value=HAND.value * 2)], ignore_index=True)
    result = export_potential(two_years, "A", shrink=0.0, cap=np.inf, n_boot=100, seed=1)
    pot = _cells(result, "potential")
    assert pot[("Y", "p")] == pytest.approx(2.4 * 1.5)  # average of the two years
    row = result.table.set_index(["market", "product"]).loc[("Y", "p")]
    assert row.potential_p10 == pytest.approx(2.4) and row.potential_p90 == pytest.approx(4.8)
    with pytest.raises(InputError, match="export none"):
        export_potential(HAND, "X")
    with pytest.raises(InputError, match="no flows of product"):
        export_potential(HAND, "A", ["99"])
    with pytest.raises(MethodError, match="shrink"):
        export_potential(HAND, "A", shrink=2)


@st.composite
def random_flows(draw):
    n_exp = draw(st.integers(1, 3))
    n_imp = draw(st.integers(1, 3))
    n_prod = draw(st.integers(1, 3))
    n_year = draw(st.integers(1, 3))
    exporters = [f"E{i}" for i in range(n_exp)]
    importers = [f"M{j}" for j in range(n_imp)] + exporters[:1]
    rows = []
    for t in range(n_year):
        for e in exporters:
            for m in importers:
                if e == m:
                    continue
                for k in range(n_prod):
                    value = draw(st.one_of(st.just(0.0), st.floats(0.001, 1e6)))
                    rows.append((2000 + t, e, m, f"{k:06d}", value))
    frame = pd.DataFrame(rows, columns=["year", "exporter", "importer", "product", "value"])
    # E0 exports at least something
    frame.loc[frame.index[frame.exporter == "E0"][0], "value"] += 1.0
    return frame


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    flows=random_flows(),
    shrink=st.floats(0, 1),
    cap=st.floats(0.1, 20),
    growth=st.sampled_from([None, "observed", 0.05]),
)
def test_untapped_never_negative_and_total_kept(flows, shrink, cap, growth):
    result = export_potential(flows, "E0", shrink=shrink, cap=cap, growth=growth, n_boot=5)
    table = result.table
    assert (table.untapped >= 0).all()
    assert np.allclose(table.untapped, np.maximum(table.potential - table.actual, 0))
    total = flows[flows.exporter == "E0"].groupby("year").value.sum()
    assert table.potential.sum() == pytest.approx(total.mean(), rel=1e-9)


def test_cli_potential_on_the_demo(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "potential.csv"
    result = CliRunner().invoke(
        app,
        ["partners", "potential", "--exporter", "CHN", "--products", "6911,6912,6913", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "demonstration data" in result.output
    table = pd.read_csv(out, dtype={"product": str})
    assert list(table.columns[: len(OUTPUT_COLUMNS)]) == list(OUTPUT_COLUMNS)
    assert set(table["product"]) == {"691110", "691200", "691390"}
    assert (table.exporter == "CHN").all() and (table.untapped >= 0).all()
    assert table.potential.sum() == pytest.approx(table.actual.sum())


def test_cli_potential_from_a_baci_file(tmp_path: Path):
    data = tmp_path / "baci.csv"
    # countries as ISO numeric (156 China, 276 Germany, 840 USA), k without leading zeros kept as text
    data.write_text(
        "t,i,j,k,v\n2020,156,276,691110,4\n2020,156,840,691110,2\n2020,156,840,691200,2\n"
        "2020,276,840,691110,2\n2020,276,156,691200,3\n2020,276,840,950300,9\n",
        encoding="utf-8",
    )
    out = tmp_path / "p.csv"
    result = CliRunner().invoke(
        app,
        ["partners", "potential", "--exporter", "CHN", "--products", "6911,6912", "--data", str(data)]
        + ["--out", str(out), "--shrink", "0", "--boot", "0"],
    )
    # USA only imports in this toy: its exports are not in the flows, so it is not a world matrix
    assert (
        result.exit_code == 2
        and "missing the exports of 1 of the 3 importing countries (USA)" in result.output
    )
    result = CliRunner().invoke(
        app,
        ["partners", "potential", "--exporter", "CHN", "--products", "6911,6912", "--data", str(data)]
        + ["--out", str(out), "--shrink", "0", "--boot", "0", "--allow-partial"],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, dtype={"product": str})
    assert table.note.str.contains("partial coverage (only 2 exporters, 3 importing", regex=False).all()
    assert set(table.market) == {"DEU", "USA"}
    assert table.potential.sum() == pytest.approx(8.0)
    bad = CliRunner().invoke(
        app,
        [
            "partners",
            "potential",
            "--exporter",
            "CHN",
            "--products",
            "97",
            "--data",
            str(data),
            "--out",
            str(out),
        ],
    )
    assert bad.exit_code == 2 and "no flows of product" in bad.output
