"""``silkscope import geodist``: the real CEPII table and the variants its mirrors publish."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.io.geodist import read_geodist

GEODIST = Path("cepii_geodist")


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def test_real_table_into_the_workspace(workspace, shared_data):
    file = shared_data / GEODIST / "dist_cepii.csv.gz"
    code, out = run("import", "geodist", file, "--workspace", workspace.root)
    assert code == 0, out
    pairs = workspace.table("pairs")
    raw = pd.read_csv(file)
    assert len(pairs) == len(raw) == 50_176
    assert pairs.source_id.str.startswith("geodist:").all()
    # ROM, ZAR and PAL are CEPII's codes for Romania, DR Congo and Palestine
    assert {"ROU", "COD", "PSE"} <= set(pairs.origin) and not {"ROM", "ZAR", "PAL"} & set(pairs.origin)
    chn_jpn = pairs[(pairs.origin == "CHN") & (pairs.dest == "JPN")].iloc[0]
    expected = raw[(raw.iso_o == "CHN") & (raw.iso_d == "JPN")].iloc[0]
    assert chn_jpn.dist_km == pytest.approx(expected.dist) and chn_jpn.contig == expected.contig
    # CEPII's missing weighted distances (2,215, blank in this copy) stay missing
    assert pairs.distw_km.isna().sum() == raw.distw.isna().sum() == 2_215
    code, out = run("import", "geodist", file, "--workspace", workspace.root)
    assert code == 0 and "50,176 replaced" in out and len(workspace.table("pairs")) == 50_176


def test_semicolon_decimal_comma_variant(tmp_path):
    text = "iso_o;iso_d;contig;comlang_off;comlang_ethno;colony;dist;distw\nCHN;JPN;0;0;0;0;2098,111;.\n"
    file = tmp_path / "dist.csv"
    file.write_text(text)
    pairs = read_geodist(file)
    assert pairs.dist_km.iloc[0] == pytest.approx(2098.111) and pd.isna(pairs.distw_km.iloc[0])


def test_bad_cells_are_named_and_change_nothing(workspace, shared_data, tmp_path):
    good = shared_data / GEODIST / "dist_cepii.csv.gz"
    assert run("import", "geodist", good, "--workspace", workspace.root)[0] == 0
    before = workspace.table("pairs")
    with gzip.open(good, "rt") as handle:
        lines = handle.read().splitlines()[:4]
    lines[2] = lines[2].replace(",0,0,0,0,0,0,0,0,", ",2,0,0,0,0,0,0,0,", 1)  # contig = 2
    lines.append("CHN,XXQ,0,0,0,0,0,0,0,0,10,10,10,10")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as caught:
        read_geodist(bad)
    text = str(caught.value)
    assert "row 3, column 'contig': '2': expected 0 or 1" in text
    assert "row 5, column 'iso_o/iso_d': 'XXQ': unknown country code" in text
    code, _ = run("import", "geodist", bad, "--workspace", workspace.root)
    assert code == 2
    pd.testing.assert_frame_equal(workspace.table("pairs"), before)
