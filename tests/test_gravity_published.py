"""Gravity on the published Advanced-Guide panels: ``--where`` and ``--international-only`` select
the book's sample from the file as shipped, and the default vcov is stated as applied."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.partners.gravity import DEFAULT_VCOV_HELP, gravity, gravity_sample

SPEC = "trade ~ log(dist) + cntg + lang + clny | exporter^year + importer^year"
YEARS = "year in (1986, 1990, 1994, 1998, 2002, 2006)"
# Yotov, Piermartini, Monteiro & Larch (2016), An Advanced Guide to Trade Policy Analysis,
# Table 1, column PPML: the estimates, and the standard error of log distance (clustered by pair)
BOOK_PPML = {"log(dist)": -0.841, "cntg": 0.437, "lang": 0.247, "clny": -0.222}
BOOK_SE_DIST = 0.032
# the other standard errors as pyfixest computes them (CRV1 by pair_id), pinned, not quoted
PINNED_SE = {"cntg": 0.084, "lang": 0.078, "clny": 0.118}


def test_book_ppml_column_from_the_published_panel(tmp_path: Path, shared_data: Path):
    """agtpa_applications as shipped (21 years, domestic flows included): the 4-yearly
    international sample is selected on the command line, nothing by hand."""
    out = tmp_path / "ppml.csv"
    path = shared_data / "gravity_agtpa" / "agtpa_applications.parquet"
    args = ["partners", "gravity", "--data", str(path), "--spec", SPEC, "--where", YEARS]
    run = CliRunner().invoke(
        app, [*args, "--international-only", "--vcov", "cluster:pair_id", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    text = " ".join(run.output.split())
    assert f'--where "{YEARS}" kept 28,566' in text
    assert "dropped 414 domestic rows (exporter == importer), kept 28,152" in text
    assert "observations: 28,152 used of 28,152" in text
    table = pd.read_csv(out).set_index("term")
    for term, estimate in BOOK_PPML.items():
        assert round(table.loc[term, "estimate"], 3) == estimate, term
    assert round(table.loc["log(dist)", "std_error"], 3) == BOOK_SE_DIST
    for term, se in PINNED_SE.items():
        assert round(table.loc[term, "std_error"], 3) == se, term
    assert (table["nobs"] == 28_152).all()


def test_capybara_subset_same_estimates_directional_pairs(shared_data: Path):
    """capybara's yotov2017 is the same 4-yearly international sample (28,152 rows, its own column
    names): the same estimates. Its ``pair`` is directional (ARG-AUS != AUS-ARG, 4,692 clusters)
    while the book clusters by the symmetric pair_id (2,346), so its standard errors are smaller."""
    data = pd.read_parquet(shared_data / "gravity_agtpa" / "yotov2017_capybara.parquet")
    spec = "trade ~ log_dist + cntg + lang + clny | exp_year + imp_year"
    result = gravity(data, spec, "cluster:pair", where="year >= 1986 and trade >= 0")
    table = result.tidy().set_index("term")
    for term, estimate in BOOK_PPML.items():
        assert round(table.loc[term.replace("log(dist)", "log_dist"), "estimate"], 3) == estimate
    assert round(table.loc["log_dist", "std_error"], 4) == 0.0266  # directional pairs
    assert data["pair"].nunique() == 4692
    with pytest.raises(InputError, match="no exporter or importer column found") as caught:
        gravity(data, spec, "cluster:pair", international_only=True)
    assert "--exporter-column" in str(caught.value)
    with pytest.raises(InputError, match="no column 'origin'"):
        gravity(data, spec, "cluster:pair", international_only=True, exporter="origin", importer="pair")


def test_default_vcov_is_stated_as_applied(tmp_path: Path, shared_data: Path):
    """--help says what the default is; the summary names the vcov applied and why."""
    path = shared_data / "trade_validation" / "fixest_trade.csv"
    data = pd.read_csv(path).query("Product <= 3")  # a small sample keeps the four fits quick
    interaction = gravity(data, "Euros ~ log(dist_km) | Origin^Year + Destination")
    assert interaction.vcov == "hetero"
    assert "the first fixed effect Origin^Year is an interaction" in interaction.summary()
    single = gravity(data, "Euros ~ log(dist_km) | Origin + Destination")
    assert single.vcov == "cluster:Origin" and "clustered by the first fixed effect" in single.summary()
    assert gravity(data, "Euros ~ log(dist_km)").vcov == "hetero"
    explicit = gravity(data, "Euros ~ log(dist_km) | Origin", "iid")
    assert "the default" not in explicit.summary()
    shown = CliRunner().invoke(app, ["partners", "gravity", "--help"], terminal_width=400)
    assert DEFAULT_VCOV_HELP in " ".join(shown.output.replace("│", " ").split())
    out = tmp_path / "g.csv"
    run = CliRunner().invoke(
        app,
        ["partners", "gravity", "--data", str(path), "--spec", "Euros ~ log(dist_km) | Origin^Year"]
        + ["--where", "Product <= 3 and Origin != 'BE'", "--out", str(out)],
    )
    assert run.exit_code == 0, run.output
    text = " ".join(run.output.split())
    assert "heteroskedasticity-robust HC1 [vcov=hetero; the default" in text
    assert f"kept {int((data['Origin'] != 'BE').sum()):,}" in text


def test_where_errors_reach_the_user_without_traceback(tmp_path: Path, shared_data: Path):
    path = shared_data / "trade_validation" / "fixest_trade.csv"
    run = CliRunner().invoke(
        app,
        ["partners", "gravity", "--data", str(path), "--spec", "Euros ~ log(dist_km) | Origin"]
        + ["--where", "Year == 2007 and __import__('os')", "--out", str(tmp_path / "g.csv")],
    )
    assert run.exit_code == 2
    assert "position 18" in run.output and "function call" in run.output
    assert "Traceback" not in run.output and not (tmp_path / "g.csv").exists()


def test_domestic_flows_are_said_when_kept(shared_data: Path):
    """The whole panel holds 69 x 21 = 1,449 domestic flows: kept, they are named in the summary
    (fitting them with the international spec gives the issue's contiguity of -1.14)."""
    data = pd.read_parquet(shared_data / "gravity_agtpa" / "agtpa_applications.parquet")
    frame, notes = gravity_sample(data)
    assert len(frame) == 99_981
    assert notes == (
        "99,981 rows read",
        "1,449 domestic rows (exporter == importer) included; --international-only drops them",
    )
    frame, notes = gravity_sample(data, international_only=True)
    assert len(frame) == 99_981 - 1_449 and "dropped 1,449 domestic rows" in notes[-1]
    missing = pd.DataFrame({"exporter": ["A", None], "importer": ["B", None], "trade": [1.0, 2.0]})
    assert len(gravity_sample(missing, international_only=True)[0]) == 2  # missing is not domestic
