"""The dashboard's JSON API (``silkscope.web``) through FastAPI's TestClient, on the built-in demo."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402

from silkscope.i18n import catalogue  # noqa: E402
from silkscope.index import build  # noqa: E402
from silkscope.reference import provinces  # noqa: E402
from silkscope.report.builder import demo_inputs  # noqa: E402
from silkscope.web.app import STATIC_DIR, TABLES, create_app  # noqa: E402


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(None))


@pytest.fixture(scope="module")
def base():
    inputs = demo_inputs()
    return inputs, build(inputs.values, inputs.framework, inputs.choices, inputs.groups)


def test_meta_lists_units_years_framework_and_the_demo_flag(client):
    meta = client.get("/api/meta").json()
    assert meta["demo"] is True
    assert meta["demo_label"]["en"] == catalogue("en")["web.demo_label"]
    assert meta["demo_label"]["zh"] == catalogue("zh")["web.demo_label"]
    assert meta["languages"] == ["zh", "en"]
    assert meta["years"] == [2014, 2015, 2016, 2017, 2018] and meta["latest_year"] == 2018
    assert len(meta["units"]) == 31
    beijing = next(u for u in meta["units"] if u["id"] == "110000")
    assert beijing["name"] == {"zh": "北京", "en": "Beijing"} and beijing["group"] == "East"
    tree = meta["framework"]
    assert tree["id"] == "cidi" and tree["name"]["zh"] == "文化产业发展指数"
    assert (
        [p["id"] for p in tree["children"]]
        == meta["pillars"]
        == [
            "productive_force",
            "influence",
            "driving_force",
        ]
    )
    assert tree["children"][0]["name"] == {"en": "Productive force", "zh": "生产力"}
    assert sorted(meta["tables"]) == sorted(TABLES)


def test_ranking_matches_the_build_and_names_follow_the_language(client, base):
    _, result = base
    expected = result.ranking(2018)
    data = client.get("/api/ranking", params={"year": 2018, "lang": "zh"}).json()
    rows = data["rows"]
    assert len(rows) == 31 and data["year"] == 2018 and data["node"] == "cidi"
    assert [r["unit_id"] for r in rows] == expected["unit_id"].tolist()
    assert [r["rank"] for r in rows] == expected["rank"].tolist()
    np.testing.assert_allclose([r["score"] for r in rows], expected["score"], atol=1e-5)
    short_zh = dict(zip(provinces().unit_id, provinces().short_zh, strict=True))
    assert all(r["name"] == short_zh[r["unit_id"]] for r in rows)
    assert {r["group"] for r in rows} == {"East", "Central", "West"}
    en = client.get("/api/ranking", params={"lang": "en"}).json()["rows"]
    assert en[0]["unit_id"] == rows[0]["unit_id"] and en[0]["name"] != rows[0]["name"]


def test_ranking_by_a_pillar_ranks_that_pillar(client):
    rows = client.get("/api/ranking", params={"node": "influence", "year": 2016}).json()["rows"]
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert [r["score"] for r in rows] == [r["influence"] for r in rows]
    assert rows[0]["rank"] == 1


def test_profile_has_pillars_indicators_strengths_weaknesses_and_trend(client, base):
    _, result = base
    data = client.get("/api/profile/440000", params={"year": 2017, "lang": "en"}).json()
    assert data["name"] == "Guangdong" and data["year"] == 2017 and data["n_units"] == 31
    pos = {n: k for k, n in enumerate(result.node_ids)}
    row = int(np.flatnonzero((result.units == "440000") & (result.years == 2017))[0])
    assert [p["node"] for p in data["pillars"]] == list(result.framework.pillars)
    for p in data["pillars"]:
        assert p["score"] == pytest.approx(result.scores[row, pos[p["node"]]], abs=1e-5)
        assert p["rank"] == int(result.ranks[row, pos[p["node"]]])
    indicators = {i["node"]: i for i in data["indicators"]}
    assert set(indicators) == set(result.framework.indicators)
    by_score = sorted(indicators.values(), key=lambda i: -i["score"])
    assert data["strengths"] == [i["node"] for i in by_score[:3]]
    assert data["weaknesses"] == [i["node"] for i in by_score[::-1][:3]]
    assert all(indicators[n]["flag"] == "strength" for n in data["strengths"])
    assert all(indicators[n]["flag"] == "weakness" for n in data["weaknesses"])
    assert [p["year"] for p in data["trend"]] == [2014, 2015, 2016, 2017, 2018]
    assert data["trend"][3]["score"] == pytest.approx(data["index"]["score"])
    raw = result.values.set_index(["unit_id", "year", "indicator_id"])["value"]
    assert indicators["pf_value_added"]["value"] == pytest.approx(raw[("440000", 2017, "pf_value_added")])


def test_compare_two_units(client):
    data = client.get("/api/compare", params={"a": "110000", "b": "650000", "year": 2014}).json()
    assert data["a"]["unit_id"] == "110000" and data["b"]["unit_id"] == "650000"
    first = data["rows"][0]
    assert first["node"] == "cidi" and first["level"] == "index"
    assert first["difference"] == pytest.approx(first["a_score"] - first["b_score"], abs=1e-5)


def _within_parent_shares(framework, relative: dict[str, float]) -> dict[str, float]:
    """The slider semantics spelled out: relative weights of the given nodes, 1 x (share x n) for
    the siblings left out, normalised within each parent."""
    shares = framework.framework_weights()
    out: dict[str, float] = {}
    for node in framework.nodes:
        if node.is_leaf or not any(c in relative for c in node.children):
            continue
        raw = {c: relative.get(c, shares[c] * len(node.children)) for c in node.children}
        total = sum(raw.values())
        out.update({c: v / total for c, v in raw.items()})
    return out


def test_post_index_equals_a_fresh_build_with_those_weights(client, base):
    inputs, _ = base
    weights = {"productive_force": 2.0, "influence": 0.5, "market": 3.0}
    response = client.post("/api/index", json={"weights": weights, "year": 2015, "lang": "en"})
    assert response.status_code == 200, response.text
    data = response.json()
    fresh = build(
        inputs.values,
        inputs.framework,
        inputs.choices,
        inputs.groups,
        weights=_within_parent_shares(inputs.framework, weights),
    ).ranking(2015)
    assert [r["unit_id"] for r in data["rows"]] == fresh["unit_id"].tolist()
    assert [r["rank"] for r in data["rows"]] == fresh["rank"].tolist()
    np.testing.assert_allclose([r["score"] for r in data["rows"]], fresh["score"], atol=1e-5)
    assert data["weights"]["productive_force"] == pytest.approx(2 / 3.5)
    assert sum(
        data["weights"][p] for p in ("productive_force", "influence", "driving_force")
    ) == pytest.approx(1)
    base_ranks = {r["unit_id"]: r["rank"] for r in client.get("/api/ranking?year=2015").json()["rows"]}
    assert all(r["base_rank"] == base_ranks[r["unit_id"]] for r in data["rows"])
    assert all(r["rank_change"] == r["base_rank"] - r["rank"] for r in data["rows"])


def test_profile_and_compare_follow_the_slider_weights(client, base):
    """With ``weights`` the profile's and the comparison's scores and ranks are those of a fresh
    build with those weights."""
    inputs, _ = base
    weights = {"productive_force": 3.0, "innovation": 0.2}
    fresh = build(
        inputs.values,
        inputs.framework,
        inputs.choices,
        inputs.groups,
        weights=_within_parent_shares(inputs.framework, weights),
    )
    ranking = fresh.ranking(2016).set_index("unit_id")
    param = "productive_force:3,innovation:0.2"
    data = client.get("/api/profile/330000", params={"year": 2016, "weights": param}).json()
    assert data["index"]["score"] == pytest.approx(ranking.loc["330000", "score"], abs=1e-5)
    assert data["index"]["rank"] == ranking.loc["330000", "rank"]
    pillars = {p["node"]: p["score"] for p in data["pillars"]}
    assert pillars["driving_force"] == pytest.approx(ranking.loc["330000", "driving_force"], abs=1e-5)
    plain = client.get("/api/profile/330000", params={"year": 2016}).json()
    assert plain["index"]["score"] != pytest.approx(data["index"]["score"])
    rows = client.get(
        "/api/compare", params={"a": "330000", "b": "520000", "year": 2016, "weights": param}
    ).json()["rows"]
    top = rows[0]
    assert top["a_score"] == pytest.approx(ranking.loc["330000", "score"], abs=1e-5)
    assert (top["a_rank"], top["b_rank"]) == (ranking.loc["330000", "rank"], ranking.loc["520000", "rank"])
    bad = client.get("/api/profile/330000", params={"weights": "innovation:-1"})
    assert bad.status_code in (400, 422) and "error" in bad.json()


def test_post_index_with_unit_weights_is_the_base_ranking(client):
    ones = {"productive_force": 1, "influence": 1, "driving_force": 1}
    posted = client.post("/api/index", json={"weights": ones}).json()["rows"]
    plain = client.get("/api/ranking").json()["rows"]
    assert [(r["unit_id"], r["rank"]) for r in posted] == [(r["unit_id"], r["rank"]) for r in plain]
    assert all(r["rank_change"] == 0 for r in posted)


def test_csv_and_excel_downloads(client):
    response = client.get("/api/download/ranking.csv", params={"year": 2018, "lang": "zh"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="ranking_cidi_2018.csv"' in response.headers["content-disposition"]
    assert response.headers["x-silkscope-demo"] == "true"
    frame = pd.read_csv(io.BytesIO(response.content), encoding="utf-8-sig", dtype={"unit_id": str})
    assert list(frame.columns[:5]) == ["unit_id", "name", "group", "score", "rank"]
    assert len(frame) == 31 and frame["rank"].tolist() == sorted(frame["rank"])
    assert "北京" in set(frame["name"])

    xlsx = client.get("/api/download/ranking.xlsx", params={"node": "influence"})
    assert xlsx.status_code == 200
    sheets = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None, dtype={"unit_id": str})
    assert set(sheets) == {"ranking", "about"} and len(sheets["ranking"]) == 31
    assert catalogue("en")["web.demo_label"] in " ".join(sheets["about"]["value"].astype(str))

    custom = client.get("/api/download/ranking.csv", params={"weights": "influence:3,market:0"})
    posted = client.post("/api/index", json={"weights": {"influence": 3, "market": 0}}).json()["rows"]
    frame = pd.read_csv(io.BytesIO(custom.content), encoding="utf-8-sig", dtype={"unit_id": str})
    assert frame["unit_id"].tolist() == [r["unit_id"] for r in posted]


@pytest.mark.parametrize(
    ("table", "params", "rows"),
    [
        ("scores", {}, 31 * 5 * 50),
        ("profile", {"unit": "510000"}, 50),
        ("trend", {"unit": "510000"}, 5),
        ("compare", {"a": "510000", "b": "520000"}, 50),
        ("weights", {}, 49),
        ("framework", {}, 50),
    ],
)
def test_every_index_table_downloads(client, base, table, params, rows):
    _, result = base
    n_nodes = len(result.framework.nodes)
    expected = {50: n_nodes, 49: n_nodes - 1, 31 * 5 * 50: 31 * 5 * n_nodes}.get(rows, rows)
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/api/download/{table}.{fmt}", params=params)
        assert response.status_code == 200, response.text
        content = io.BytesIO(response.content)
        frame = pd.read_csv(content, encoding="utf-8-sig") if fmt == "csv" else pd.read_excel(content)
        assert len(frame) == expected


TRAVERSALS = [
    "/api/download/../../etc/passwd",
    "/api/download/..%2F..%2Fetc%2Fpasswd",
    "/api/download/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/api/download/%2e%2e/%2e%2e/etc/passwd",
    "/api/download/..%5c..%5cwindows%5cwin.ini",
    "/api/download/ranking.csv%00.xlsx",
    "/api/download/ranking.exe",
    "/api/download/ranking",
    "/api/download/RANKING.CSV",
    "/api/download/dashboard.html",
    "/api/download/..",
    "/api/download/%2fetc%2fpasswd",
    "/api/download//etc/passwd",
    "/static/..%2f..%2f..%2fpyproject.toml",
    "/static/%2e%2e/%2e%2e/app.py",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_download_names_outside_the_allow_list_are_refused(client, path):
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert b"root:" not in response.content and b"[project]" not in response.content
    assert b"def create_app" not in response.content


BAD_REQUESTS = [
    ("get", "/api/profile/999999", None),
    ("get", "/api/profile/..%2F..%2Fetc", None),
    ("get", "/api/profile/110000?year=abc", None),
    ("get", "/api/profile/110000?year=1900", None),
    ("get", "/api/profile/110000?lang=fr", None),
    ("get", "/api/ranking?year=2018.5", None),
    ("get", "/api/ranking?year=", None),
    ("get", "/api/ranking?year=99999999999999999999999", None),
    ("get", "/api/ranking?node=nope", None),
    ("get", "/api/ranking?node=%00", None),
    ("get", "/api/ranking?lang=de", None),
    ("get", "/api/ranking?lang=", None),
    ("get", "/api/compare?a=110000", None),
    ("get", "/api/compare?a=110000&b=XXX", None),
    ("get", "/api/compare?a=110000&b=120000&year=NaN", None),
    ("get", "/api/i18n?lang=xx", None),
    ("get", "/api/download/ranking.csv?year=abc", None),
    ("get", "/api/download/ranking.csv?node=nope", None),
    ("get", "/api/download/ranking.csv?lang=fr", None),
    ("get", "/api/download/ranking.csv?weights=influence:abc", None),
    ("get", "/api/download/ranking.csv?weights=influence:-1", None),
    ("get", "/api/download/ranking.csv?weights=influence:nan", None),
    ("get", "/api/download/ranking.csv?weights=nope:1", None),
    ("get", "/api/download/profile.csv", None),
    ("get", "/api/download/profile.csv?unit=nope", None),
    ("get", "/api/download/compare.csv?a=110000&b=nope", None),
    ("get", "/api/trade/indicators?reporter=C%2FN", None),
    ("get", "/api/trade/indicators?reporter=../etc", None),
    ("get", "/api/trade/indicators?reporter=ZZZ", None),
    ("post", "/api/index", {"weights": {"productive_force": -1}}),
    ("post", "/api/index", {"weights": {"productive_force": "NaN"}}),
    ("post", "/api/index", {"weights": {"productive_force": "inf"}}),
    ("post", "/api/index", {"weights": {"productive_force": "abc"}}),
    ("post", "/api/index", {"weights": {"productive_force": None}}),
    ("post", "/api/index", {"weights": {"productive_force": 1e300}}),
    ("post", "/api/index", {"weights": {"unknown_node": 1}}),
    ("post", "/api/index", {"weights": {"cidi": 1}}),
    ("post", "/api/index", {"weights": {"productive_force": 0, "influence": 0, "driving_force": 0}}),
    ("post", "/api/index", {"weights": [1, 2]}),
    ("post", "/api/index", {"weights": {}, "year": "abc"}),
    ("post", "/api/index", {"weights": {}, "year": 1999}),
    ("post", "/api/index", {"weights": {}, "lang": "fr"}),
    ("post", "/api/index", {"weights": {}, "node": "nope"}),
    ("post", "/api/index", "not json"),
    ("post", "/api/index", None),
    ("post-raw", "/api/index", '{"weights": {"influence": NaN}}'),
    ("post-raw", "/api/index", '{"weights": {"influence": Infinity}}'),
    ("post-raw", "/api/index", '{"weights": {"influence": -0.5}}'),
    ("post-raw", "/api/index", "{"),
]


def test_malformed_requests_get_a_4xx_with_a_json_message_never_a_500(client):
    failures = []
    for method, path, body in BAD_REQUESTS:
        if method == "get":
            response = client.get(path)
        elif method == "post-raw":
            response = client.post(path, content=body, headers={"Content-Type": "application/json"})
        elif isinstance(body, str):
            response = client.post(path, content=body)
        else:
            response = client.post(path, json=body)
        ok = 400 <= response.status_code < 500
        try:
            message = response.json().get("error")
        except ValueError:
            message = None
        if not ok or not message:
            failures.append((method, path, body, response.status_code, response.text[:200]))
    assert not failures, failures


def test_error_messages_name_the_problem(client):
    assert "years available: 2014" in client.get("/api/ranking?year=1990").json()["error"]
    assert "unknown unit '999999'" in client.get("/api/profile/999999").json()["error"]
    assert "unknown language 'fr'" in client.get("/api/ranking?lang=fr").json()["error"]
    weight = client.post("/api/index", json={"weights": {"influence": -2}}).json()["error"]
    assert "influence" in weight and ">= 0" in weight


def test_openapi_describes_the_endpoints(client):
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/meta",
        "/api/ranking",
        "/api/profile/{unit_id}",
        "/api/compare",
        "/api/index",
        "/api/i18n",
        "/api/trade/indicators",
        "/api/partners/tiers",
        "/api/download/{filename}",
    ):
        assert path in spec["paths"], path
    assert "post" in spec["paths"]["/api/index"]


def test_page_and_plotly_are_served_by_the_app_without_any_external_reference(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<script src="/static/plotly.min.js">' in page.text
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert len(js.content) > 1_000_000 and b"plotly.js" in js.content[:300]
    for name in ("dashboard.html", "dashboard.js", "dashboard.css"):
        text = client.get(f"/static/{name}").text
        assert not re.search(r"https?://", text), name
        assert "cdn" not in text.lower(), name


def test_i18n_endpoint_and_every_ui_key_is_in_both_catalogues(client):
    en = client.get("/api/i18n", params={"lang": "en"}).json()["texts"]
    zh = client.get("/api/i18n", params={"lang": "zh"}).json()["texts"]
    assert set(en) == set(zh) and all(k.startswith("web.") for k in en)
    assert all(re.search(r"[\u4e00-\u9fff]", v) for k, v in zh.items() if not k.startswith("web.download."))
    used = set(
        re.findall(
            r'data-i18n(?:-placeholder)?="(web\.[a-z_.A-Z]+)"', (STATIC_DIR / "dashboard.html").read_text()
        )
    )
    used |= set(re.findall(r'"(web\.[a-z_.]+[a-z])"', (STATIC_DIR / "dashboard.js").read_text()))
    assert used and not (used - set(en)), sorted(used - set(en))
    for key, text in en.items():  # same placeholders in both languages
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", zh[key])), key


def test_trade_indicators_and_partner_tiers_from_the_demo_flows(client):
    data = client.get("/api/trade/indicators", params={"reporter": "chn", "indicator": "rca"}).json()
    assert data["demo"] is True and data["reporter"] == "CHN" and "rca" in data["indicators"]
    assert data["rows"] and {r["indicator"] for r in data["rows"]} == {"rca"}
    assert {r["reporter"] for r in data["rows"]} == {"CHN"}
    assert ("trade", "CHN") in client.app.state.cache  # computed once, then served from the cache
    everything = client.get("/api/trade/indicators", params={"reporter": "CHN"}).json()["rows"]
    assert len({r["indicator"] for r in everything}) > 5
    assert (
        client.get("/api/trade/indicators", params={"reporter": "CHN", "indicator": "bogus"}).status_code
        == 400
    )

    tiers = client.get("/api/partners/tiers").json()
    assert tiers["demo"] is True and tiers["demo_label"]["zh"]
    rows = tiers["rows"]
    assert rows and {"country", "tier", "score", "tier_probability", "driver", "modes"} <= set(rows[0])
    assert "CHN" not in {r["country"] for r in rows}
    assert all(0 <= r["tier_probability"] <= 1 for r in rows)
    csv = client.get("/api/download/partner_tiers.csv")
    assert csv.status_code == 200 and len(pd.read_csv(io.BytesIO(csv.content), encoding="utf-8-sig")) == len(
        rows
    )
    trade_csv = client.get(
        "/api/download/trade_indicators.csv", params={"indicator": "rca", "partner": "WLD"}
    )
    frame = pd.read_csv(io.BytesIO(trade_csv.content), encoding="utf-8-sig")
    assert len(frame) > 0 and set(frame["partner"]) == {"WLD"}


def test_workspace_is_served_read_only_and_not_labelled_demo(workspace):
    inputs = demo_inputs()
    values = inputs.values.assign(source_id="test")
    with workspace.transaction() as con:
        con.register("v", values)
        con.execute(
            "INSERT INTO indicator_values SELECT unit_id, year, indicator_id, value, source_id FROM v"
        )
    db = Path(workspace.db_path)
    before = (db.stat().st_mtime_ns, db.read_bytes())
    client = TestClient(create_app(workspace.root))
    meta = client.get("/api/meta").json()
    assert meta["demo"] is False and meta["demo_label"] is None and len(meta["units"]) == 31
    assert client.get("/api/ranking").json()["rows"][0]["rank"] == 1
    assert client.post("/api/index", json={"weights": {"influence": 2}}).status_code == 200
    assert client.get("/api/download/ranking.csv").headers["x-silkscope-demo"] == "false"
    assert (db.stat().st_mtime_ns, db.read_bytes()) == before


def test_serve_command_refuses_a_folder_that_is_not_a_workspace(tmp_path):
    from typer.testing import CliRunner

    from silkscope.cli import app

    result = CliRunner().invoke(app, ["serve", "--workspace", str(tmp_path / "nowhere"), "--port", "8799"])
    assert result.exit_code == 2
    assert "not a silkscope workspace" in result.output
    help_text = CliRunner().invoke(app, ["serve", "--help"]).output
    assert "127.0.0.1" in help_text and "8765" in help_text


def test_nan_scores_become_null_in_json(client):
    data = client.get("/api/ranking").json()
    assert all(r["score"] is None or math.isfinite(r["score"]) for r in data["rows"])


def test_workspace_trade_flows_replace_the_demo(workspace, shared_data):
    """With imported BACI flows the trade page serves them (not labelled demo), as the report does."""
    from typer.testing import CliRunner

    from silkscope.cli import app

    values = demo_inputs().values.assign(source_id="test")
    with workspace.transaction() as con:
        con.register("v", values)
        con.execute(
            "INSERT INTO indicator_values SELECT unit_id, year, indicator_id, value, source_id FROM v"
        )
    file = shared_data / "baci" / "baci_hs17_y2020_v202301_exporters_afg_zaf.parquet"
    result = CliRunner().invoke(app, ["import", "baci", str(file), "--workspace", str(workspace.root)])
    assert result.exit_code == 0, result.output
    client = TestClient(create_app(workspace.root))
    data = client.get("/api/trade/indicators", params={"reporter": "ZAF", "indicator": "rca"}).json()
    assert data["demo"] is False and data["demo_label"] is None
    assert data["rows"] and {r["year"] for r in data["rows"]} == {2020}
    assert client.get("/api/trade/indicators", params={"reporter": "CHN"}).status_code == 404
