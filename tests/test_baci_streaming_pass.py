"""BACI's one streaming pass (``io.flows.write_typed``): the Parquet it writes is the text path's
file for file (schema and rows), a file of several years stays on it, anything it does not take
goes to the text path (which stores or names it) without leaving a partial file, and the
duplicate check (bits per exporter-importer pair) refuses a flow stored twice, also when two BACI
codes are one country. The ISO numeric lookup is ``country_converter``'s, code for code."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import country_converter as coco
import duckdb
import pandas as pd
import pytest

from silkscope.errors import InputError
from silkscope.io import baci
from silkscope.io.flows import import_flows
from silkscope.trade.codes import iso3_mapping, iso_numeric
from silkscope.workspace import SourceRecord, Workspace

ROWS = (
    "t,i,j,k,v,q\n"
    '2021,4,24,382390,52.051,"       13.235"\n'
    '2021,4,32,10121,0.029,"           NA"\n'
    "2021,156,842,691110,7.5,5\n"
    "2021,490,156,970110,1.25,\n"
)


def write(folder: Path, text: str, name: str = "BACI_HS17_Y2021_V202401.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / name
    file.write_text(text, newline="")
    return file


def import_file(root: Path, file: Path, typed: bool = True, **kwargs) -> Workspace:
    ws = Workspace.init(root)
    found = baci.sources(file, root, **kwargs)
    if not typed:
        found = [replace(s, typed_relation=None) for s in found]
    import_flows(ws, found, SourceRecord.for_file(file, "baci", rows=0), "import baci")
    return ws


def stored(ws: Workspace) -> pd.DataFrame:
    return ws.query("SELECT * FROM trade_flows ORDER BY ALL")


def files(ws: Workspace) -> list[Path]:
    return sorted(ws.trade_dir.rglob("*.parquet"))


def schema(file: Path) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(
            "SELECT name, type, converted_type, logical_type, repetition_type "
            f"FROM parquet_schema('{file}') ORDER BY ALL"
        ).fetchall()


def test_the_pass_writes_the_text_paths_files(tmp_path, text_path_calls):
    file = write(tmp_path / "in", ROWS)
    typed, text = import_file(tmp_path / "typed", file), import_file(tmp_path / "text", file, typed=False)
    assert text_path_calls == [file.name]  # the second import only
    pd.testing.assert_frame_equal(stored(typed), stored(text))
    (one,), (other,) = files(typed), files(text)
    assert one.relative_to(typed.trade_dir).parts[:2] == ("hs_revision=HS17", "year=2021")
    assert one.relative_to(typed.trade_dir).parts == other.relative_to(text.trade_dir).parts
    assert schema(one) == schema(other)
    flows = stored(typed)
    assert flows[["exporter", "importer", "hs6"]].values.tolist() == [
        ["AFG", "AGO", "382390"],
        ["AFG", "ARG", "010121"],
        ["CHN", "USA", "691110"],
        ["X490", "CHN", "970110"],  # BACI's "Other Asia, nes": a grouping, stored as such
    ]
    assert flows.quantity_t.isna().tolist() == [False, True, False, True]


def test_a_file_of_several_years_stays_on_the_pass(tmp_path, text_path_calls):
    # first row 2020: the guess of one year fails on the second row, the pass is then partitioned
    text = ROWS.replace("2021,4,24", "2020,4,24").replace("2021,156,842", "2019,156,842")
    file = write(tmp_path / "in", text)
    typed = import_file(tmp_path / "typed", file)
    assert text_path_calls == []
    years = sorted({p.relative_to(typed.trade_dir).parts[1] for p in files(typed)})
    assert years == ["year=2019", "year=2020", "year=2021"]
    text_ws = import_file(tmp_path / "text", file, typed=False)
    pd.testing.assert_frame_equal(stored(typed), stored(text_ws))


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("BACI_HS17_Y2021_V202401.csv", "year=2020"),  # the name says 2021, every row is of 2020
        ("flows_HS17.csv", "year=2020"),  # no year in the name: the first row's
    ],
)
def test_the_year_of_the_name_or_first_row_is_a_guess_the_rows_decide(
    tmp_path, text_path_calls, name, folder
):
    file = write(tmp_path / "in", ROWS.replace("2021,", "2020,"), name)
    ws = import_file(tmp_path / "ws", file)
    assert text_path_calls == []
    assert [p.relative_to(ws.trade_dir).parts[1] for p in files(ws)] == [folder]
    assert [p.name for p in (ws.trade_dir / "hs_revision=HS17").iterdir()] == [folder]  # no empty one
    assert set(stored(ws).year) == {2020}


@pytest.mark.parametrize(
    "change",
    [
        ("2021,4,24", "2021,004,24"),  # a padded code: mapped as the text path maps it
        ("2021,4,24", "2021, 4,24"),  # a space before a code
        ("2021,4,24", " 2021,4,24"),  # a space before the year
        ("382390", " 382390"),  # a space before the product
    ],
)
def test_text_the_pass_does_not_take_goes_to_the_text_path_and_is_stored_once(
    tmp_path, text_path_calls, change
):
    file = write(tmp_path / "in", ROWS.replace(*change))
    ws = import_file(tmp_path / "ws", file)
    assert text_path_calls == [file.name]
    flows = stored(ws)
    assert len(flows) == 4 and flows.exporter.tolist().count("AFG") == 2  # no partial file left
    assert [p.name for p in files(ws)] == ["f1_0.parquet"]
    reference = stored(import_file(tmp_path / "ref", write(tmp_path / "ref_in", ROWS)))
    cols = ["year", "exporter", "importer", "hs6", "value_kusd", "quantity_t"]
    pd.testing.assert_frame_equal(flows[cols], reference[cols])


def test_a_second_file_that_needs_the_text_path_keeps_the_first_files_rows(tmp_path, text_path_calls):
    folder = tmp_path / "in"
    write(folder, ROWS)
    write(folder, "t,i,j,k,v,q\n2020,004,24,382390,1,2\n", "BACI_HS17_Y2020_V202401.csv")
    ws = Workspace.init(tmp_path / "ws")
    found = baci.sources(folder, tmp_path)
    import_flows(ws, found, SourceRecord.for_file(folder, "baci", rows=0), "import baci")
    assert text_path_calls == ["BACI_HS17_Y2020_V202401.csv"]
    assert stored(ws).groupby("year").size().to_dict() == {2020: 1, 2021: 4}


def test_products_of_the_release_take_the_pass(tmp_path, shared_data, text_path_calls):
    products = shared_data / "baci" / "product_codes_HS17_V202301.csv"
    file = write(tmp_path / "in", ROWS.replace("382390", "382499"))  # 382390 is not an HS17 code
    typed = import_file(tmp_path / "typed", file, product_codes_file=products)
    assert text_path_calls == []
    text = import_file(tmp_path / "text", file, typed=False, product_codes_file=products)
    pd.testing.assert_frame_equal(stored(typed), stored(text))
    assert schema(files(typed)[0]) == schema(files(text)[0])


@pytest.mark.parametrize("typed", [True, False])
@pytest.mark.parametrize(
    ("extra", "shown"),
    [
        ("2021,156,842,691110,1,1\n", "2021 CHN->USA 691110 (2 rows)"),  # the same row twice
        ("2021,156,840,691110,1,1\n", "2021 CHN->USA 691110 (2 rows)"),  # 840 and 842 are both USA
    ],
)
def test_a_flow_stored_twice_is_refused(tmp_path, typed, extra, shown):
    file = write(tmp_path / "in", ROWS + extra)
    with pytest.raises(InputError, match="appears more than once") as caught:
        import_file(tmp_path / "ws", file, typed=typed)
    assert shown in str(caught.value)
    assert stored(Workspace.open(tmp_path / "ws")).empty


def test_the_same_file_twice_in_one_import_is_refused(tmp_path):
    first = write(tmp_path / "a", ROWS)
    second = write(tmp_path / "b", ROWS)
    ws = Workspace.init(tmp_path / "ws")
    found = baci.sources(first, tmp_path) + baci.sources(second, tmp_path)
    with pytest.raises(InputError, match="appears more than once"):
        import_flows(ws, found, SourceRecord.for_file(first, "baci", rows=0), "import baci")
    assert stored(ws).empty


def test_iso_numeric_is_country_converters_lookup_code_for_code():
    logging.getLogger("country_converter").setLevel(logging.ERROR)
    codes = [str(n) for n in range(1, 1000)]
    theirs = coco.convert(codes, src="ISOnumeric", to="ISO3", not_found=None)
    ours = [iso_numeric().get(code, code) for code in codes]  # coco returns the code when not found
    assert ours == theirs
    assert sum(o != c for o, c in zip(ours, codes, strict=True)) >= 240  # the countries, not a few


def test_a_row_that_fails_late_leaves_no_partial_file(tmp_path, text_path_calls):
    # 300,000 rows (several row groups written) before a row the pass does not take
    first: dict[str, str] = {}  # 100 partners, one code per country (840 and 842 are both USA)
    for code, iso in iso3_mapping([str(n) for n in range(20, 1000)]).items():
        if iso and len(iso) == 3:
            first.setdefault(iso, code)
    partners = sorted(first.values(), key=int)[:100]
    lines = [f"2021,{i},{j},{k},1.5,2" for i in (4, 8, 12) for j in partners for k in range(100000, 101000)]
    lines.append("2021,004,24,382390,1,1")  # padded: the text path stores it as AFG
    file = write(tmp_path / "in", "t,i,j,k,v,q\n" + "\n".join(lines) + "\n")
    ws = import_file(tmp_path / "ws", file)
    assert text_path_calls == [file.name]
    assert ws.query("SELECT count(*) AS n FROM trade_flows").n.item() == len(lines) == 300_001
    assert [p.name for p in files(ws)] == ["f1_0.parquet"]
