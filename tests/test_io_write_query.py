"""Query results written by the backend (CSV, Parquet) or through pandas (Excel, Spark)."""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pytest

from silkscope.errors import InputError
from silkscope.io.writers import EXCEL_MAX_ROWS, write_query
from silkscope.trade.queries import connect

FRAME = pd.DataFrame({"code": ["010100", "970110", "691110"], "value": [1.5, 2.25, -3.0]})


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_write_query_writes_counts_and_shows_the_head(tmp_path: Path, suffix: str):
    con = connect()
    path, rows, head = write_query(con, ibis.memtable(FRAME), tmp_path / "sub" / f"out{suffix}", head=2)
    assert path == tmp_path / "sub" / f"out{suffix}" and rows == 3 and len(head) == 2
    read = {".csv": pd.read_csv, ".parquet": pd.read_parquet, ".xlsx": pd.read_excel}[suffix]
    back = read(path, dtype={"code": str}) if suffix != ".parquet" else read(path)
    pd.testing.assert_frame_equal(back, FRAME)  # codes keep their leading zeros
    assert list(head.code) == ["010100", "970110"]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no partial file left


def test_a_failing_query_leaves_the_earlier_file_as_it_was(tmp_path: Path):
    out = tmp_path / "out.parquet"
    FRAME.to_parquet(out)
    before = out.read_bytes()
    bad = ibis.memtable(pd.DataFrame({"a": ["1", "x"]}))
    with pytest.raises(Exception, match="(?i)convert|cast"):
        write_query(connect(), bad.mutate(b=bad.a.cast("int64")), out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


def test_too_many_rows_for_excel_is_refused_before_writing(tmp_path: Path):
    con = connect()
    big = ibis.memtable(pd.DataFrame({"i": range(EXCEL_MAX_ROWS + 1)}))
    with pytest.raises(InputError, match="more than 1,048,575 rows.*Excel") as caught:
        write_query(con, big, tmp_path / "big.xlsx")
    assert "parquet" in caught.value.hint
    assert not (tmp_path / "big.xlsx").exists()
    with pytest.raises(InputError, match="must end in one of"):
        write_query(con, big, tmp_path / "big.txt")
