"""``silkscope import baci`` / ``import comtrade`` on real BACI files and Comtrade-layout files:
what lands in the ``trade_flows`` view, and bad input that changes nothing."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app

BACI = Path("baci")
HS92_FILE = "baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz"
HS17_FILE = "baci_hs17_y2020_v202301_exporters_afg_zaf.parquet"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def flows(ws) -> pd.DataFrame:
    return ws.query("SELECT * FROM trade_flows ORDER BY year, exporter, importer, hs6")


@pytest.fixture()
def hs92_csv(shared_data: Path, tmp_path: Path) -> Path:
    """The real HS92 2021 extract, decompressed under BACI's own file name."""
    target = tmp_path / "BACI_HS92_Y2021_V202301.csv"
    with gzip.open(shared_data / BACI / HS92_FILE) as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return target


def test_baci_csv_gz_lands_as_partitioned_parquet(workspace, shared_data):
    code, out = run(
        "import", "baci", shared_data / BACI / HS92_FILE,
        "--country-codes", shared_data / BACI / "country_codes_V202201.csv",  # Latin-1
        "--workspace", workspace.root,
    )  # fmt: skip
    assert code == 0, out
    raw = pd.read_csv(shared_data / BACI / HS92_FILE, dtype=str)
    stored = flows(workspace)
    assert len(stored) == len(raw) == 71_192
    assert stored.value_kusd.sum() == pytest.approx(pd.to_numeric(raw.v).sum(), rel=1e-12)
    assert stored.quantity_t.isna().sum() == (raw.q.str.strip() == "NA").sum() == 2_306
    assert (stored.hs6.str.len() == 6).all()
    assert (stored.hs6.str.startswith("0")).sum() == (raw.k.str.len() == 5).sum()
    assert set(stored.exporter) == {"AFG", "ZAF"} and set(stored.hs_revision) == {"HS92"}
    # one flow checked field by field: AFG -> AGO, k 382390 (first data row of the file)
    first = stored[(stored.exporter == "AFG") & (stored.importer == "AGO") & (stored.hs6 == "382390")]
    assert first.value_kusd.item() == pytest.approx(52.051) and first.quantity_t.item() == pytest.approx(
        13.235
    )
    parts = sorted(
        p.relative_to(workspace.trade_dir).parts[:2] for p in workspace.trade_dir.rglob("*.parquet")
    )
    assert parts == [("hs_revision=HS92", "year=2021")]
    source = workspace.query("SELECT kind, rows, publisher FROM sources WHERE kind = 'baci'")
    assert source.rows.item() == 71_192 and source.publisher.item() == "CEPII"


def test_baci_zip_and_reimport_replaces_the_year(workspace, shared_data, hs92_csv, tmp_path):
    archive = tmp_path / "BACI_HS92_V202301.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(hs92_csv, f"BACI_HS92_V202301/{hs92_csv.name}")
        zf.write(shared_data / BACI / "country_codes_V202301.csv", "country_codes_V202301.csv")  # ; UTF-8
        zf.writestr("Readme.txt", "BACI")
    for _ in range(2):
        code, out = run("import", "baci", archive, "--workspace", workspace.root)
        assert code == 0, out
    assert len(flows(workspace)) == 71_192  # the second import replaced HS92/2021, not appended
    assert "replaced" in out


def test_hs17_parquet_with_product_codes_next_to_hs92(workspace, shared_data):
    for file in (HS92_FILE, HS17_FILE):
        code, out = run(
            "import", "baci", shared_data / BACI / file,
            "--product-codes" if "hs17" in file else "--licence",
            shared_data / BACI / "product_codes_HS17_V202301.csv" if "hs17" in file else "CEPII terms",
            "--workspace", workspace.root,
        )  # fmt: skip
        assert code == 0, out
    counts = workspace.query(
        "SELECT hs_revision, year, count(*) AS n FROM trade_flows GROUP BY ALL ORDER BY 1"
    )
    assert counts.values.tolist() == [["HS17", 2020, 72_097], ["HS92", 2021, 71_192]]


def _unchanged(workspace, before: pd.DataFrame) -> None:
    after = flows(workspace)
    pd.testing.assert_frame_equal(after, before)
    assert not any(p.name.startswith(".") for p in workspace.trade_dir.iterdir())


@pytest.fixture()
def filled(workspace, shared_data):
    code, out = run("import", "baci", shared_data / BACI / HS17_FILE, "--workspace", workspace.root)
    assert code == 0, out
    return workspace, flows(workspace)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("2017,156,842,691110,abc,1\n", "row 3, column 'v': 'abc': expected a number >= 0"),
        ("2017,156,842,691110,-5,1\n", "row 3, column 'v': '-5': expected a number >= 0"),
        ("2017,999,842,691110,5,1\n", "row 3, column 'i': '999': unknown country code"),
        ("2017,156,842,69111A,5,1\n", "row 3, column 'k': '69111A': expected an HS code"),
        ("2017,156,842,691110,5,-1\n", "row 3, column 'q': '-1': expected a number >= 0, blank or NA"),
    ],
)
def test_bad_rows_are_named_and_change_nothing(filled, tmp_path, body, expected):
    ws, before = filled
    bad = _write(tmp_path / "BACI_HS17_Y2017_V202301.csv", "t,i,j,k,v,q\n2017,156,842,691110,10,2\n" + body)
    code, out = run("import", "baci", bad, "--workspace", ws.root)
    assert code == 2 and expected in " ".join(out.split()), out
    assert "nothing was imported" in out
    _unchanged(ws, before)


def test_unknown_product_code_of_the_release(filled, shared_data, tmp_path):
    ws, before = filled
    bad = _write(tmp_path / "BACI_HS17_Y2017_V202301.csv", "t,i,j,k,v,q\n2017,156,842,691199,10,2\n")
    code, out = run(
        "import", "baci", bad, "--product-codes", shared_data / BACI / "product_codes_HS17_V202301.csv",
        "--workspace", ws.root,
    )  # fmt: skip
    assert code == 2 and "'691199': expected a product code of the release" in " ".join(out.split())
    _unchanged(ws, before)


def test_truncated_zip_wrong_delimiter_and_mixed_revisions(filled, hs92_csv, tmp_path):
    ws, before = filled
    archive = tmp_path / "BACI_HS92_V202301.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(hs92_csv, hs92_csv.name)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    code, out = run("import", "baci", cut, "--workspace", ws.root)
    assert code == 2 and "not a complete zip archive" in out, out

    semi = _write(tmp_path / "BACI_HS17_Y2017_V1.csv", "t,i,j,k,v,q\n2017;156;842;691110;10;2\n")
    code, out = run("import", "baci", semi, "--workspace", ws.root)
    assert code == 2 and "BACI_HS17_Y2017_V1.csv" in out, out

    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(hs92_csv, folder)
    _write(folder / "BACI_HS17_Y2017_V202301.csv", "t,i,j,k,v,q\n2017,156,842,691110,10,2\n")
    code, out = run("import", "baci", folder, "--workspace", ws.root)
    assert code == 2 and "mixed HS revisions" in out and "HS92" in out and "HS17" in out, out
    _unchanged(ws, before)


# UN Comtrade: the current API layout (CSV and JSON) and the legacy bulk layout
API_ROWS = [
    # refYear, reporterCode, flowCode, partnerCode, partner2Code, classificationCode, cmdCode,
    # customsCode, motCode, primaryValue (USD), netWgt (kg)
    (2021, 156, "X", 842, 0, "H5", "691110", "C00", 0, 1_500_000.0, 2000.0),
    (2021, 156, "X", 276, 0, "H5", "691200", "C00", 0, 250_000.0, None),
    (2021, 156, "X", 0, 0, "H5", "691110", "C00", 0, 9_999_999.0, 1.0),  # World: skipped
    (2021, 156, "X", 842, 0, "H5", "6911", "C00", 0, 1_500_000.0, 2000.0),  # 4-digit: skipped
    (2021, 156, "M", 392, 0, "H5", "691110", "C00", 0, 70_000.0, 10.0),  # import
    (2021, 156, "X", 842, 0, "H5", "691110", "C00", 1000, 7.0, 1.0),  # by transport mode: skipped
]
API_COLUMNS = [
    "refYear", "reporterCode", "flowCode", "partnerCode", "partner2Code", "classificationCode",
    "cmdCode", "customsCode", "motCode", "primaryValue", "netWgt",
]  # fmt: skip


def test_comtrade_api_csv_and_json(workspace, tmp_path):
    frame = pd.DataFrame(API_ROWS, columns=API_COLUMNS)
    csv = tmp_path / "comtrade.csv"
    frame.to_csv(csv, index=False)
    code, out = run("import", "comtrade", csv, "--workspace", workspace.root)
    assert code == 0, out
    stored = flows(workspace)
    assert stored[["exporter", "importer", "hs6", "hs_revision"]].values.tolist() == [
        ["CHN", "DEU", "691200", "HS17"],
        ["CHN", "USA", "691110", "HS17"],
    ]
    assert stored.value_kusd.tolist() == [250.0, 1500.0]  # US dollars -> thousands
    assert stored.quantity_t.iloc[1] == 2.0 and pd.isna(stored.quantity_t.iloc[0])  # kg -> t

    doc = tmp_path / "comtrade.json"
    doc.write_text(json.dumps({"elapsedTime": "1s", "count": 6, "data": frame.to_dict("records")}))
    code, out = run("import", "comtrade", doc, "--flow", "imports", "--workspace", workspace.root)
    assert code == 0, out
    stored = flows(workspace)  # the JSON import replaced HS17/2021 with China's imports
    assert stored[["exporter", "importer", "value_kusd"]].values.tolist() == [["JPN", "CHN", 70.0]]


def test_comtrade_legacy_bulk_csv_and_bad_classification(workspace, tmp_path):
    legacy = _write(
        tmp_path / "legacy.csv",
        "Classification,Year,Trade Flow Code,Trade Flow,Reporter Code,Reporter ISO,Partner Code,"
        "Commodity Code,Trade Value (US$),Netweight (kg)\n"
        "H4,2016,2,Export,36,AUS,156,691110,5000,30\n"
        "H4,2016,1,Import,36,AUS,156,691110,9000,30\n",
    )
    code, out = run("import", "comtrade", legacy, "--workspace", workspace.root)
    assert code == 0, out
    assert flows(workspace)[["exporter", "importer", "hs_revision", "value_kusd"]].values.tolist() == [
        ["AUS", "CHN", "HS12", 5.0]
    ]
    mixed = _write(tmp_path / "mixed.csv", legacy.read_text().replace("H4,2016,1", "HS,2016,1"))
    code, out = run("import", "comtrade", mixed, "--workspace", workspace.root)
    assert code == 2 and "classification code(s) H4, HS" in out, out
