"""BACI's one typed pass (``io.flows.write_typed``): taken for well-formed files, it stores exactly
what the text path stores (every row compared, on the real extract too); a file it cannot take
falls back to the text path, which names the bad rows; years must be whole numbers, a quantity
NaN is NULL, a row with the wrong number of fields (a truncated last line) is refused."""

from __future__ import annotations

import gzip
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.errors import InputError
from silkscope.io import baci
from silkscope.io.flows import import_flows
from silkscope.workspace import SourceRecord, Workspace

HEADER = '"t","i","j","k","v","q"\r\n'
GOOD = (
    '2021,4,24,382390,52.051,"       13.235"\r\n'
    '2021,4,32,10121,0.029,"           NA"\r\n'
    '2020,156,842,691110,7.5,"            5"\r\n'
)


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def stored(ws: Workspace) -> pd.DataFrame:
    return ws.query("SELECT * EXCLUDE (source_id) FROM trade_flows ORDER BY ALL")


def import_file(root: Path, file: Path, typed: bool, counter: list | None = None) -> Workspace:
    ws = Workspace.init(root)
    found = baci.sources(file, root)
    if not typed:
        found = [replace(s, typed_relation=None) for s in found]
    import_flows(ws, found, SourceRecord.for_file(file, "baci", rows=0), "import baci")
    return ws


def test_a_well_formed_file_takes_one_typed_pass_and_stores_what_the_text_path_does(
    tmp_path, text_path_calls
):
    file = tmp_path / "BACI_HS17_Y2021_V202401.csv"
    file.write_text(HEADER + GOOD, newline="")
    typed = stored(import_file(tmp_path / "typed", file, typed=True))
    assert text_path_calls == []
    text = stored(import_file(tmp_path / "text", file, typed=False))
    assert text_path_calls == [file.name]
    pd.testing.assert_frame_equal(typed, text)
    assert typed[["year", "exporter", "importer", "hs6"]].values.tolist() == [
        [2020, "CHN", "USA", "691110"],
        [2021, "AFG", "AGO", "382390"],
        [2021, "AFG", "ARG", "010121"],
    ]
    assert typed.quantity_t.tolist()[:2] == [5.0, 13.235] and pd.isna(typed.quantity_t.iloc[2])


@pytest.mark.shared
def test_the_real_extract_is_the_same_by_both_paths(shared_data, tmp_path, text_path_calls):
    file = tmp_path / "BACI_HS92_Y2021_V202301.csv"
    with gzip.open(shared_data / "baci" / "baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz") as src:
        file.write_bytes(src.read())
    typed = stored(import_file(tmp_path / "typed", file, typed=True))
    assert text_path_calls == []
    text = stored(import_file(tmp_path / "text", file, typed=False))
    assert len(typed) == 71_192
    pd.testing.assert_frame_equal(typed, text)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("2021.5,156,842,691110,5,1", "row 3, column 't': '2021.5': expected a year (a whole number"),
        ("2021,156,842,691110,,1", "row 3, column 'v': None: expected a number >= 0"),
        ("2021,156,842,691110,1e309,1", "row 3, column 'v': '1e309': expected a number >= 0"),
        ("2021,156,842,6911100,5,1", "row 3, column 'k': '6911100': expected an HS code"),
        ("2021,156,842,691110,abc,1", "row 3, column 'v': 'abc': expected a number >= 0"),
    ],
)
def test_a_row_the_typed_pass_refuses_is_named_by_the_text_path(workspace, tmp_path, row, expected):
    file = tmp_path / "BACI_HS17_Y2021_V202401.csv"
    file.write_text(f"t,i,j,k,v,q\n2021,156,392,691110,10,2\n{row}\n")
    code, out = run("import", "baci", file, "--workspace", workspace.root)
    assert code == 2 and expected in " ".join(out.split()), out
    assert stored(workspace).empty


@pytest.mark.parametrize(
    ("tail", "fields"),
    [
        ("2021,156,842,6911", 4),  # a truncated last line, no line end
        ("2021,156,842,691110,3,12,1\n", 7),  # an unquoted decimal comma
    ],
)
def test_a_row_with_the_wrong_number_of_fields_is_refused_with_its_line(tmp_path, tail, fields):
    file = tmp_path / "BACI_HS17_Y2021_V202401.csv"
    file.write_text("t,i,j,k,v,q\n2021,156,392,691110,10,2\n2021,156,410,691110,10,2\n" + tail)
    ws = Workspace.init(tmp_path / "ws")
    with pytest.raises(InputError, match=f"row 4: {fields} fields, expected 6"):
        import_flows(ws, baci.sources(file, tmp_path), SourceRecord.for_file(file, "baci", rows=0), "x")
    assert stored(ws).empty


@pytest.mark.parametrize("typed", [True, False])
def test_a_quantity_nan_is_stored_as_null(tmp_path, typed):
    file = tmp_path / "BACI_HS17_Y2021_V202401.csv"
    file.write_text(
        "t,i,j,k,v,q\n2021,156,392,691110,10,NaN\n2021,156,410,691110,10,nan\n2021,156,842,691110,1,2\n"
    )
    flows = stored(import_file(tmp_path / "ws", file, typed=typed))
    assert flows.quantity_t.isna().sum() == 2 and flows.quantity_t.sum() == 2.0


def test_a_gzipped_csv_takes_the_typed_pass(tmp_path, text_path_calls):
    plain = tmp_path / "plain.csv"
    plain.write_text(HEADER + GOOD, newline="")
    packed = tmp_path / "BACI_HS17_Y2021_V202401.csv.gz"
    with open(plain, "rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    assert len(stored(import_file(tmp_path / "ws", packed, typed=True))) == 3
    assert text_path_calls == []
