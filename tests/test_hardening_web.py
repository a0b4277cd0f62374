"""Issue 15: the dashboard checks the Host header, limits request bodies, sends security headers,
names allowed methods on 405 and serves downloads whose text cells cannot run as formulas."""

from __future__ import annotations

import io

import openpyxl
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from silkscope.web.app import MAX_BODY_BYTES, create_app  # noqa: E402


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(None, allowed_hosts=("dash.example",)))


def test_foreign_host_is_refused_and_added_host_accepted(client: TestClient):
    assert client.get("/api/meta", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/api/meta", headers={"Host": "localhost:8765"}).status_code == 200
    assert client.get("/api/meta", headers={"Host": "dash.example"}).status_code == 200


def test_security_headers_on_page_and_api(client: TestClient):
    for url in ("/", "/api/meta"):
        headers = client.get(url).headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_large_body_is_refused_without_parsing(client: TestClient):
    body = b'{"weights": {"' + b"a" * (MAX_BODY_BYTES + 10) + b'": 1}}'
    response = client.post("/api/index", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_405_names_allowed_methods_and_errors_do_not_echo_input(client: TestClient):
    response = client.delete("/api/meta")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    long = "x" * 60_000
    response = client.get("/api/ranking", params={"lang": long})
    assert response.status_code >= 400 and len(response.content) < 2_000


def test_downloads_carry_no_formulas(client: TestClient):
    csv_text = client.get("/api/download/ranking.csv").content.decode("utf-8-sig")
    assert not any(line.startswith(("=", "+", "@")) for line in csv_text.splitlines())
    book = openpyxl.load_workbook(io.BytesIO(client.get("/api/download/ranking.xlsx").content))
    assert not [c for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
