"""Every country code of a BACI release imports: groupings without ISO3 (490, 697, 849) by one
rule (``X`` + the BACI number), listed in the import summary and kept out of country-level rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.io.baci import country_codes, grouping_code, groupings
from silkscope.io.flows import FlowSource, validate_source

BACI = "baci"
RELEASES = ("V202001", "V202201", "V202301")
FLOWS = "baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz"


def _listed(path: Path) -> list[dict[str, str]]:
    """The file's rows read with the csv module (encoding and delimiter found by hand)."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    delimiter = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    return list(csv.DictReader(text.splitlines(), delimiter=delimiter))


@pytest.mark.parametrize("release", RELEASES)
def test_every_code_of_each_release_maps(shared_data, release):
    import duckdb

    path = shared_data / BACI / f"country_codes_{release}.csv"
    rows = _listed(path)
    assert len(rows) in (227, 238)
    iso3, nes = country_codes(path), groupings(path)
    # every listed code has exactly one stored code: its ISO3 or the grouping rule
    no_iso = {str(int(r["country_code"])) for r in rows if r["iso_3digit_alpha"].strip() == "N/A"}
    assert no_iso == {c for c in nes if c in {str(int(r["country_code"])) for r in rows}}
    assert {"490", "697"} <= no_iso
    assert nes["697"] == ("X697", "Europe EFTA, nes") and nes["490"][0] == "X490"
    # through the import's own check: a flow from and to every listed code, none unknown
    codes = [r["country_code"].strip() for r in rows]
    con = duckdb.connect()
    frame = pd.DataFrame({"t": "2021", "i": codes, "j": codes[::-1], "k": "691110", "v": "1.0"})
    con.register("flows", frame)
    source = FlowSource(
        file=path,
        relation="flows",
        columns={
            "year": "t",
            "exporter": "i",
            "importer": "j",
            "product": "k",
            "value": "v",
            "quantity": "NULL",
        },
        hs_revision="HS92",
        country_codes=iso3,
        groupings=nes,
    )
    checked = validate_source(con, source)
    assert checked["rows"] == len(rows)
    mapped = dict(con.execute("SELECT code, iso3 FROM _codes").fetchall())
    assert len(mapped) == len(set(codes)) and all(mapped.values())
    assert mapped["697"] == "X697" and mapped["490"] == "X490" and mapped["156"] == "CHN"
    assert sorted(checked["groupings"]) == sorted(grouping_code(c) for c in no_iso)


def test_697_imports_and_groupings_are_listed_and_kept_out(shared_data, workspace, tmp_path):
    """Real BACI rows (ZAF's first 40 products of the HS92 2021 extract) with the importer of ten
    of them set to 697 and of five to 849 (BACI codes the shipped extracts happen not to hold):
    the import stores X697 / X849, lists them, and indicators leave them out unless named."""
    raw = pd.read_csv(shared_data / BACI / FLOWS, dtype=str)
    rows = raw[raw.i == "710"].drop_duplicates("k").head(40).reset_index(drop=True)  # one per product
    rows.loc[:9, "j"] = "697"
    rows.loc[10:14, "j"] = "849"
    data = tmp_path / "BACI_HS92_Y2021_V202301_nes.csv"
    rows.to_csv(data, index=False)
    runner = CliRunner()
    codes = shared_data / BACI / "country_codes_V202301.csv"
    args = ["import", "baci", str(data), "--country-codes", str(codes), "--workspace", str(workspace.root)]
    run = runner.invoke(app, args)
    assert run.exit_code == 0, run.output
    said = " ".join(run.output.split())  # the console wraps long lines
    assert "X697 Europe EFTA, nes (10 flows)" in said and "X849 US Misc. Pacific Isds (5 flows)" in said
    stored = workspace.query("SELECT importer, count(*) AS n FROM trade_flows GROUP BY importer")
    assert dict(zip(stored.importer, stored.n, strict=True))["X697"] == 10
    out = tmp_path / "ind.csv"
    base = ["trade", "indicators", "--workspace", str(workspace.root), "--reporter", "ZAF", "--allow-partial"]
    run = runner.invoke(app, [*base, "--out", str(out)])
    assert run.exit_code == 0, run.output
    said = " ".join(run.output.split())
    assert (
        "X697 Europe EFTA, nes" in said
        and "left out of the rows (groupings, not countries): X697, X849" in said
    )
    result = pd.read_csv(out, dtype={"product": str})
    assert not result.partner.isin(["X697", "X849"]).any()
    # they still count in the partner's imports, and come back when asked for by name
    run = runner.invoke(app, [*base, "--partners", "X697", "--out", str(out)])
    assert run.exit_code == 0, run.output
    asked = pd.read_csv(out, dtype={"product": str})
    shares = asked[(asked.indicator == "market_share") & (asked.partner == "X697")]
    assert len(shares) == 10 and (shares.value == 1.0).all()  # ZAF is X697's only supplier here
