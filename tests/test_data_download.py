"""``silkscope data download``: against a local HTTP server on 127.0.0.1 (never the network) that
serves real files from ../shared/data in the publishers' layouts (the World Bank's CSV zip, a BACI
release zip), with ranges, interrupted transfers, changed files and wrong checksums."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import socket
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.workspace import Workspace

pytestmark = pytest.mark.shared
WB = Path("wdi_ip_talent/wb_api_2025_2026")
WB_FILES = (
    "API_IP.PAT.RESD_DS2_en_csv_v2_226.csv",
    "Metadata_Country_API_IP.PAT.RESD_DS2_en_csv_v2_226.csv",
    "Metadata_Indicator_API_IP.PAT.RESD_DS2_en_csv_v2_226.csv",
)


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], terminal_width=400)
    return result.exit_code, " ".join(result.output.split())


class Server:
    """Files by URL path, with byte ranges (``Range``/``If-Range``, ETag) and, per path, a cut:
    the connection is closed after that many body bytes, once."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.etags: dict[str, str] = {}
        self.cuts: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = urlsplit(self.path).path
                server.requests.append((self.path, dict(self.headers)))
                body = server.files.get(path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                etag = server.etags.get(path) or f'"{hashlib.md5(body).hexdigest()}"'
                start = 0
                ranged = self.headers.get("Range")
                if ranged and self.headers.get("If-Range", etag) == etag:
                    start = int(ranged.removeprefix("bytes=").split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                cut = server.cuts.pop(path, None)
                chunk = body[start:] if cut is None else body[start : start + cut]
                self.wfile.write(chunk)
                if cut is not None:
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.httpd.shutdown()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def baci_zip(shared_data) -> bytes:
    """A BACI release zip as CEPII lays it out: the year file and the release's country codes."""
    flows = gzip.decompress(
        (shared_data / "baci/baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz").read_bytes()
    )
    codes = (shared_data / "baci/country_codes_V202301.csv").read_bytes()
    return zipped({"BACI_HS92_Y2021_V202301.csv": flows, "country_codes_V202301.csv": codes})


def test_wdi_zip_is_unpacked_unchanged_and_imports_like_the_originals(
    server, shared_data, tmp_path, monkeypatch
):
    originals = {name: (shared_data / WB / name).read_bytes() for name in WB_FILES}
    server.files["/v2/en/indicator/IP.PAT.RESD"] = zipped(originals)
    monkeypatch.setenv("SILKSCOPE_WDI_URL", server.url)
    out = tmp_path / "dl"
    code, text = run(
        "data", "download", "wdi", "--indicators", "IP.PAT.RESD", "--years", "2015-2020", "--out", out
    )
    assert code == 0, text
    assert "silkscope import wdi" in text
    asked = server.requests[0][0]
    assert (
        asked.startswith("/v2/en/indicator/IP.PAT.RESD?")
        and "downloadformat=csv" in asked
        and "date=2015:2020" in asked
    )
    for name, data in originals.items():
        assert (out / name).read_bytes() == data  # exactly as published
    record = json.loads((out / "downloads.json").read_text())["API_IP.PAT.RESD_csv.zip"]
    assert record["sha256"] == hashlib.sha256((out / "API_IP.PAT.RESD_csv.zip").read_bytes()).hexdigest()

    got, direct = Workspace.init(tmp_path / "a"), Workspace.init(tmp_path / "b")
    assert run("import", "wdi", *sorted(out.glob("*.csv")), "--workspace", got.root)[0] == 0
    assert run("import", "wdi", *(shared_data / WB / n for n in WB_FILES), "--workspace", direct.root)[0] == 0
    key = ["unit_id", "indicator_id", "year"]
    a = got.table("indicator_values").sort_values(key).reset_index(drop=True)
    b = direct.table("indicator_values").sort_values(key).reset_index(drop=True)
    assert len(a) > 1000
    pd.testing.assert_frame_equal(a[[*key, "value"]], b[[*key, "value"]])

    # a second run finds the file unchanged and does not ask the server again
    before = len(server.requests)
    code, text = run(
        "data", "download", "wdi", "--indicators", "IP.PAT.RESD", "--years", "2015-2020", "--out", out
    )
    assert code == 0 and "already here" in text and len(server.requests) == before


def test_unknown_wdi_code_quotes_the_world_bank_and_keeps_nothing(server, tmp_path, monkeypatch):
    server.files["/v2/en/indicator/NO.SUCH.CODE"] = (
        b'<?xml version="1.0" encoding="utf-8"?><wb:error xmlns:wb="http://www.worldbank.org">'
        b'<wb:message id="120" key="Invalid value">The provided parameter value is not valid</wb:message></wb:error>'
    )
    monkeypatch.setenv("SILKSCOPE_WDI_URL", server.url)
    code, text = run("data", "download", "wdi", "--indicators", "NO.SUCH.CODE", "--out", tmp_path / "dl")
    assert code == 2
    assert (
        "sent no data file for NO.SUCH.CODE" in text and "The provided parameter value is not valid" in text
    )
    assert not list((tmp_path / "dl").glob("API_*"))
    code, text = run("data", "download", "wdi", "--indicators", "GDP", "--out", tmp_path / "dl")
    assert code == 2 and "'GDP' is not a WDI indicator code" in text


def test_interrupted_baci_resumes_with_a_range_and_imports(server, baci_zip, tmp_path, monkeypatch):
    path = "/BACI_HS92_V202301.zip"
    server.files[path] = baci_zip
    server.cuts[path] = len(baci_zip) * 2 // 5
    monkeypatch.setenv("SILKSCOPE_BACI_URL", server.url)
    out = tmp_path / "dl"
    args = ("data", "download", "baci", "--release", "V202301", "--hs", "HS92", "--out", out)
    code, text = run(*args)
    assert code == 2 and "run the same command again to resume" in text
    target = out / "BACI_HS92_V202301.zip"
    assert not target.exists()
    partial = out / "BACI_HS92_V202301.zip.part"
    assert partial.stat().st_size == len(baci_zip) * 2 // 5

    code, text = run(*args)
    assert code == 0, text
    assert f"resumed at {len(baci_zip) * 2 // 5:,} bytes" in text
    headers = server.requests[-1][1]
    assert headers["Range"] == f"bytes={len(baci_zip) * 2 // 5}-" and headers["If-Range"].startswith('"')
    assert target.read_bytes() == baci_zip and not partial.exists()

    study = Workspace.init(tmp_path / "study")
    code, text = run("import", "baci", target, "--workspace", study.root)
    assert code == 0, text
    assert study.query("SELECT count(*) AS n FROM trade_flows").n.iloc[0] > 1000


def test_a_file_changed_on_the_server_is_fetched_again_whole(server, baci_zip, tmp_path, monkeypatch):
    path = "/BACI_HS92_V202301.zip"
    server.files[path] = baci_zip
    server.cuts[path] = 1000
    monkeypatch.setenv("SILKSCOPE_BACI_URL", server.url)
    args = ("data", "download", "baci", "--release", "V202301", "--hs", "HS92", "--out", tmp_path)
    assert run(*args)[0] == 2
    # CEPII republishes the release (a corrected file: new bytes, new ETag)
    server.files[path] = new = zipped(
        {"BACI_HS92_Y2021_V202301.csv": b"t,i,j,k,v,q\n2021,4,156,970110,1.5,0.1\n"}
    )
    code, text = run(*args)
    assert code == 0, text
    # the old validator no longer matches, so the server sent all of it: nothing spliced
    assert server.requests[-1][1]["If-Range"] != server.etags.get(path, '"?"')
    assert (tmp_path / "BACI_HS92_V202301.zip").read_bytes() == new and "resumed" not in text


def test_wrong_checksum_is_refused_and_nothing_kept(server, baci_zip, tmp_path, monkeypatch):
    server.files["/BACI_HS92_V202301.zip"] = baci_zip
    monkeypatch.setenv("SILKSCOPE_BACI_URL", server.url)
    out = tmp_path / "dl"
    args = ("data", "download", "baci", "--release", "V202301", "--hs", "HS92", "--out", out)
    code, text = run(*args, "--sha256", "0" * 64)
    assert code == 2 and "checksum mismatch" in text
    assert hashlib.sha256(baci_zip).hexdigest() in text
    assert not any(out.glob("BACI_*"))
    code, text = run(*args, "--sha256", hashlib.sha256(baci_zip).hexdigest().upper())
    assert code == 0, text


def test_no_network_gives_a_clear_message(tmp_path, monkeypatch):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("SILKSCOPE_GEODIST_URL", f"http://127.0.0.1:{port}")
    code, text = run("data", "download", "geodist", "--out", tmp_path)
    assert code == 2
    assert f"could not reach 127.0.0.1:{port}" in text and "offline" in text
    assert "bdd_modele_item.asp?id=6" in text  # where to get it by hand


def test_geodist_missing_on_server_says_404(server, tmp_path, monkeypatch):
    monkeypatch.setenv("SILKSCOPE_GEODIST_URL", server.url)
    code, text = run("data", "download", "geodist", "--out", tmp_path)
    assert code == 2 and "404" in text


def comtrade_answer(shared_data, n: int) -> bytes:
    """A Comtrade API v1 answer (its JSON layout) holding real South African flows from BACI."""
    baci = pd.read_csv(shared_data / "baci/baci_hs92_y2021_v202301_exporters_afg_zaf.csv.gz")
    baci = baci[baci.i == 710].head(n)
    rows = [
        {"refYear": int(r.t), "reporterCode": 710, "flowCode": "X", "partnerCode": int(r.j), "partner2Code": 0,
         "classificationCode": "H5", "cmdCode": f"{int(r.k):06d}", "customsCode": "C00", "motCode": 0,
         "primaryValue": float(r.v) * 1000, "netWgt": None}
        for r in baci.itertuples()
    ]  # fmt: skip
    return json.dumps({"elapsedTime": "0.1 secs", "count": len(rows), "data": rows}).encode()


def test_comtrade_preview_and_its_row_cap(server, shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("SILKSCOPE_COMTRADE_URL", server.url)
    server.files["/public/v1/preview/C/A/HS"] = comtrade_answer(shared_data, 120)
    out = tmp_path / "dl"
    args = (
        "data",
        "download",
        "comtrade",
        "--reporter",
        "ZAF",
        "--years",
        "2021",
        "--products",
        "ceramics",
        "--out",
        out,
    )
    code, text = run(*args)
    assert code == 0, text
    asked = server.requests[-1][0]
    assert "reporterCode=710" in asked and "period=2021" in asked and "cmdCode=6911,6912,6913,6914" in asked
    saved = out / "comtrade_ZAF_X_2021-2021.json"
    study = Workspace.init(tmp_path / "study")
    code, text = run("import", "comtrade", saved, "--workspace", study.root)
    assert code == 0, text

    server.files["/public/v1/preview/C/A/HS"] = comtrade_answer(shared_data, 2000)  # >= 500: cut by the API
    kept = saved.read_bytes()
    code, text = run(*args)
    assert code == 2 and "its cap" in text and "subscription key" in text
    assert saved.read_bytes() == kept  # the earlier answer is untouched

    server.files["/public/v1/preview/C/A/HS"] = comtrade_answer(shared_data, 0)
    code, text = run(*args)
    assert code == 2 and "no records" in text and saved.read_bytes() == kept

    code, text = run("data", "download", "comtrade", "--reporter", "CHA", "--years", "2021", "--out", out)
    assert code == 2 and "'CHA' is not an ISO3 country code" in text and "did you mean" in text


def test_out_must_be_a_writable_folder(tmp_path):
    file = tmp_path / "file.txt"
    file.write_text("x")
    code, text = run("data", "download", "geodist", "--out", file)
    assert code == 2 and "is a file" in text
