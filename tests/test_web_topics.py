"""The dashboard's topic sections (``/api/topics``, ``silkscope.web.topics``): every topic the API
lists equals the section the report builds (``build_report``), on the demo and on a real study of
NBS provincial series; unknown ids are refused naming the ids there are; topic tables download.

The tests iterate over whatever topics the API lists, so module sections added to the registry
(``report/module_sections.py``) are covered as soon as they exist. A module registered by a test
(`world_test`, a world map and tables of test values, labelled as such) checks what the built-in
sections do not exercise: a map, missing values, a table the report does not list, a failing build.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from silkscope.errors import MethodError  # noqa: E402
from silkscope.i18n import Translator, catalogue  # noqa: E402
from silkscope.report.builder import build_report, demo_inputs, workspace_inputs  # noqa: E402
from silkscope.report.cluster_sections import DEA_INPUTS, DEA_OUTPUTS  # noqa: E402
from silkscope.report.document import Section, Table  # noqa: E402
from silkscope.report.module_sections import _MODULES, Module, modules, register  # noqa: E402
from silkscope.web.app import create_app  # noqa: E402

TOURISM = "china_nbs_provincial_tourism_gdp/china_provincial_tourism_gdp_long.csv"
FRAMEWORK = """
id: tourism_economy
name: {en: Provincial Tourism and Economy Index, zh: 省级旅游与经济指数}
children:
  - id: economy
    name: {en: Economy, zh: 经济}
    children:
      - {id: gdp, name: {en: GDP, zh: 地区生产总值}, unit: 100 million CNY}
  - id: tourism
    name: {en: Inbound tourism, zh: 入境旅游}
    children:
      - {id: intl_tourism_receipts, name: {en: International tourism receipts, zh: 国际旅游外汇收入}}
      - {id: overseas_visitors, name: {en: Overseas visitors, zh: 接待入境游客}}
      - {id: foreign_visitors, name: {en: Foreign visitors, zh: 接待外国人游客}}
"""


def plotly_array(value) -> np.ndarray:
    """A Plotly JSON array as numbers: a list, or a typed array ``{"dtype", "bdata"}`` (base64)."""
    if isinstance(value, dict):
        import base64

        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).astype(float)
    return np.array([np.nan if v is None else v for v in value], dtype=float)


# --- what the report builds ---------------------------------------------------------------------
def report_topics(inputs, lang: str) -> tuple[list[Section], list[str]]:
    """The report's topic sections in its order (from the cluster section up to the methods
    appendix) and its "not in this study" lines."""
    report, _ = build_report(inputs, Translator(lang), "silkscope report")
    ids = [s.id for s in report.sections]
    topics = report.sections[ids.index("cluster") : ids.index("methods")]
    missing = next((s.findings for s in report.sections if s.id == "not_in_study"), [])
    return topics, missing


def assert_section_equals(data: dict, section: Section) -> None:
    """The API's JSON of a topic shows exactly the report's section: text, figures, tables."""
    assert data["title"] == section.title
    assert data["paragraphs"] == section.paragraphs
    assert data["findings"] == section.findings
    assert [f["caption"] for f in data["figures"]] == [caption for caption, _ in section.figures]
    for got, (_, fig) in zip(data["figures"], section.figures, strict=True):
        assert got["figure"]["data"] == json.loads(pio.to_json(fig, validate=False))["data"]
    assert len(data["tables"]) == len(section.tables)
    for got, table in zip(data["tables"], section.tables, strict=True):
        assert got["title"] == table.title and got["sheet"] == table.sheet
        shown = table.frame.drop(columns=[c for c in table.hidden if c in table.frame.columns])
        assert [c["name"] for c in got["columns"]] == [str(c) for c in shown.columns]
        assert not set(table.hidden) & {c["name"] for c in got["columns"]}
        assert got["n_rows"] == len(got["records"]) == len(table.frame)
        for k, column in enumerate(shown.columns):
            values = [r[str(column)] for r in got["records"]]
            series = shown.iloc[:, k]
            if got["columns"][k]["numeric"]:
                expected = series.astype(float).to_numpy()
                received = np.array([np.nan if v is None else v for v in values], dtype=float)
                np.testing.assert_allclose(received, expected, rtol=0, atol=1e-6, equal_nan=True)
            else:
                assert values == [None if pd.isna(v) else v for v in series.tolist()], column


def assert_download_equals(client: TestClient, got: dict, table: Table, demo: bool) -> None:
    """A topic table's CSV is the whole table (hidden id columns kept, as in the report's sheet);
    the Excel file holds it on the report's sheet name."""
    frame = table.frame.drop(columns=["note"]) if demo and "note" in table.frame.columns else table.frame
    csv = client.get(got["download"]["csv"])
    assert csv.status_code == 200
    assert csv.headers["x-silkscope-demo"] == ("true" if demo else "false")
    assert f'filename="{table.sheet}.csv"' in csv.headers["content-disposition"]
    read = pd.read_csv(io.BytesIO(csv.content), encoding="utf-8-sig", keep_default_na=True)
    assert [str(c) for c in read.columns] == [str(c) for c in frame.columns]
    assert len(read) == len(frame)
    numeric = frame.select_dtypes("number").columns
    for column in numeric:
        np.testing.assert_allclose(
            read[str(column)].astype(float), frame[column].astype(float), equal_nan=True
        )
    xlsx = client.get(got["download"]["xlsx"])
    assert xlsx.status_code == 200
    book = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None)
    assert list(book) == [table.sheet[:31], "about"] and len(book[table.sheet[:31]]) == len(frame)


# --- the demo -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_client() -> TestClient:
    return TestClient(create_app(None))


@pytest.fixture(scope="module")
def demo_report() -> tuple[list[Section], list[str]]:
    return report_topics(demo_inputs(), "en")


def test_the_demo_lists_the_reports_topics_in_its_order_all_labelled_demo(demo_client, demo_report):
    sections, missing = demo_report
    data = demo_client.get("/api/topics", params={"lang": "en"}).json()
    assert data["demo"] is True and data["failed"] == []
    assert [t["id"] for t in data["topics"]] == [s.id for s in sections]
    assert [t["title"] for t in data["topics"]] == [s.title for s in sections]
    assert {"cluster", "efficiency"} <= {t["id"] for t in data["topics"]}
    assert all(t["demo"] for t in data["topics"])
    assert data["not_in_study"]["lines"] == missing == []


def test_every_demo_topic_equals_the_reports_section_and_its_tables_download(demo_client, demo_report):
    sections, _ = demo_report
    listed = demo_client.get("/api/topics").json()["topics"]
    for topic, section in zip(listed, sections, strict=True):
        response = demo_client.get(f"/api/topics/{topic['id']}", params={"lang": "en"})
        assert response.status_code == 200, (topic, response.text[:300])
        data = response.json()
        assert data["id"] == topic["id"] and data["demo"] is True and data["tables"], topic
        assert_section_equals(data, section)
        for got, table in zip(data["tables"], section.tables, strict=True):
            assert_download_equals(demo_client, got, table, demo=True)


def test_the_cluster_topic_holds_31_provinces_and_moran_i_with_its_p_value(demo_client):
    data = demo_client.get("/api/topics/cluster").json()
    echelons, spatial = data["tables"]
    assert echelons["n_rows"] == 31 and echelons["sheet"] == "cluster_echelons"
    en = catalogue("en")
    names = [c["name"] for c in echelons["columns"]]
    assert en["col.unit_id"] not in names and en["modules.col.lisa"] not in names  # hidden, as in the report
    assert sorted({r[en["modules.col.echelon"]] for r in echelons["records"]}) == [1, 2, 3]
    assert all(isinstance(r[en["col.score"]], float) for r in echelons["records"])  # numbers, not text
    moran = next(
        r for r in spatial["records"] if r[en["modules.col.statistic"]] == en["modules.spatial.moran_i"]
    )
    assert -1 <= moran[en["modules.col.value"]] <= 1 and 0 < moran[en["modules.col.p_value"]] <= 1
    assert len(data["figures"]) == 1 and data["figures"][0]["geo"] is False
    tile = data["figures"][0]["figure"]["data"][0]
    colours = plotly_array(tile["marker"]["color"])
    assert len(colours) == len(plotly_array(tile["x"])) >= 31  # every tile coloured by its echelon
    assert set(colours[~np.isnan(colours)]) == {1, 2, 3}


def test_the_efficiency_topic_scores_every_unit_between_0_and_1(demo_client):
    data = demo_client.get("/api/topics/efficiency").json()
    (table,) = data["tables"]
    en = catalogue("en")
    vrs = [r[en["modules.col.eff_vrs"]] for r in table["records"]]
    crs = [r[en["modules.col.eff_crs"]] for r in table["records"]]
    assert len(vrs) == 31 and all(0 < v <= 1 for v in vrs) and max(vrs) == 1
    assert all(c <= v + 1e-9 for c, v in zip(crs, vrs, strict=True))  # CRS efficiency never above VRS
    assert vrs == sorted(vrs, reverse=True)  # the report's order, most efficient first


def test_zh_titles_and_texts_come_from_the_chinese_catalogue(demo_client):
    zh = catalogue("zh")
    listed = demo_client.get("/api/topics", params={"lang": "zh"}).json()
    titles = {t["id"]: t["title"] for t in listed["topics"]}
    assert titles["cluster"] == zh["modules.section.cluster"] == "集聚与梯队"
    assert titles["efficiency"] == zh["modules.section.efficiency"]
    assert listed["not_in_study"]["title"] == zh["study.section.not_in_study"]
    sections, _ = report_topics(demo_inputs(), "zh")
    for topic, section in zip(listed["topics"], sections, strict=True):
        data = demo_client.get(f"/api/topics/{topic['id']}", params={"lang": "zh"}).json()
        assert_section_equals(data, section)
    cluster = demo_client.get("/api/topics/cluster", params={"lang": "zh"}).json()
    assert cluster["tables"][0]["columns"][0]["name"] == zh["col.unit"]
    assert cluster["tables"][0]["records"][0][zh["col.unit"]] in set(
        pd.read_csv(Path(__file__).parents[1] / "src/silkscope/reference/provinces.csv")["short_zh"]
    )


def test_unknown_topics_tables_and_languages_are_refused_by_name(demo_client):
    unknown = demo_client.get("/api/topics/nothing_here")
    assert unknown.status_code == 404
    message = unknown.json()["error"]
    assert "nothing_here" in message and "cluster" in message and "efficiency" in message
    assert demo_client.get("/api/topics/Bad-Id").status_code == 422  # outside the id pattern
    assert demo_client.get("/api/topics", params={"lang": "fr"}).status_code == 400
    assert demo_client.get("/api/topics/cluster", params={"lang": "fr"}).status_code == 400
    table = demo_client.get("/api/download/topic.csv", params={"topic": "cluster", "table": 7})
    assert table.status_code == 404 and "2 table(s)" in table.json()["error"]
    assert demo_client.get("/api/download/topic.csv", params={"topic": "nope"}).status_code == 404
    assert (
        demo_client.get("/api/download/topic.csv", params={"topic": "cluster", "table": "x"}).status_code
        == 422
    )


def test_sections_are_built_once_then_served_from_the_cache(demo_client):
    topics = demo_client.app.state.topics
    first = demo_client.get("/api/topics/efficiency", params={"lang": "en"}).json()
    assert ("section", "efficiency", "en") in topics._cache
    assert topics.section("efficiency", "en") is topics.section("efficiency", "en")
    assert demo_client.get("/api/topics/efficiency", params={"lang": "en"}).json() == first


# --- a module registered the way tasks add theirs ---------------------------------------------------
def _world_section(t: Translator) -> Section:
    from silkscope.report.charts import world_choropleth

    frame = pd.DataFrame(
        {
            "country": ["CHN", "KAZ", "UZB"],
            "name": ["China", "Kazakhstan", "Uzbekistan"],
            "value": [1.5, math.nan, 2.25],
            "count": [3, 1, 2],
            "flag": [True, False, True],
        }
    )
    figure = world_choropleth({"CHN": 1.5, "UZB": 2.25}, title="test values")
    return Section(
        id="world_test",
        title="World test topic",
        paragraphs=["Test values (not data), shown with `silkscope report`."],
        findings=["Two of three countries have a value."],
        figures=[("World map of test values", figure)],
        tables=[
            Table(sheet="world_test", title="Test values by country", frame=frame, hidden=("country",)),
            Table(sheet="world_test_chart", title="Behind the chart", frame=frame.head(2), show_rows=0),
        ],
    )


@pytest.fixture()
def registered() -> Iterator[dict[str, bool]]:
    """A module registered in the report's registry (held on a real study when ``held`` says so);
    removed again afterwards so no other test sees it."""
    switches = {"held": False, "fail": False}

    def build(inputs, t, demo):
        if switches["fail"]:
            raise MethodError("test module: the table world_test has no rows for 2019")
        return _world_section(t)

    modules()  # the registry's own modules first, so the test module comes last in any test order
    register(Module("world_test", "modules.section.cluster", lambda inputs: switches["held"], build))
    yield switches
    _MODULES.pop("world_test", None)


def test_a_registered_module_appears_as_a_topic_with_no_dashboard_change(registered):
    client = TestClient(create_app(None))
    listed = client.get("/api/topics").json()["topics"]
    # the list comes from the registry without a build: a module without a title key lists its id
    assert listed[-1] == {"id": "world_test", "title": "world_test", "demo": True}
    data = client.get("/api/topics/world_test").json()
    assert data["paragraphs"] == ["Test values (not data), shown with `silkscope report`."]
    assert data["figures"][0]["geo"] is True  # the page loads the world geometry before drawing it
    table, behind = data["tables"]
    assert [c["name"] for c in table["columns"]] == ["name", "value", "count", "flag"]
    assert [c["numeric"] for c in table["columns"]] == [False, True, True, False]
    assert [r["value"] for r in table["records"]] == [1.5, None, 2.25]  # NaN as null
    assert [r["count"] for r in table["records"]] == [3, 1, 2]
    assert [r["flag"] for r in table["records"]] == [True, False, True]
    assert table["shown"] is True and behind["shown"] is False and behind["n_rows"] == 2
    csv = pd.read_csv(io.BytesIO(client.get(table["download"]["csv"]).content), encoding="utf-8-sig")
    assert list(csv.columns) == ["country", "name", "value", "count", "flag"]  # the id column kept
    geo = client.get("/static/plotly-geo-assets.js")
    assert geo.status_code == 200 and "javascript" in geo.headers["content-type"]
    assert geo.text.startswith("window.PlotlyGeoAssets") and '"world_110m"' in geo.text


def test_a_failing_module_says_why_in_its_own_topic_and_the_other_topics_still_work(registered):
    registered["fail"] = True
    client = TestClient(create_app(None))
    data = client.get("/api/topics")
    assert data.status_code == 200
    body = data.json()
    assert body["failed"] == []
    assert [t["id"] for t in body["topics"]][:2] == ["cluster", "efficiency"]
    assert "world_test" in {t["id"] for t in body["topics"]}
    failed = client.get("/api/topics/world_test")
    assert failed.status_code == 200
    reason = "test module: the table world_test has no rows for 2019"
    assert failed.json()["paragraphs"] == [Translator("en")("study.module_failed", reason=reason)]
    assert failed.json()["tables"] == [] and failed.json()["figures"] == []
    assert client.get("/api/topics/efficiency").status_code == 200


def test_a_section_the_data_cannot_support_is_a_409_naming_why_not_a_500():
    """Four provinces none of which borders another: the cluster section's contiguity weights
    refuse them (an InputError); that topic is a JSON error, the others still work."""
    from dataclasses import replace

    inputs = demo_inputs()
    apart = ["110000", "460000", "650000", "540000"]  # Beijing, Hainan, Xinjiang, Tibet
    client = TestClient(
        create_app(inputs=replace(inputs, values=inputs.values[inputs.values.unit_id.isin(apart)]))
    )
    response = client.get("/api/topics/cluster")
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == 409
    assert body["error"].startswith("topic 'cluster' could not be built from this study's data: ")
    assert "have no neighbour among the units in the data" in body["error"] and "Beijing" in body["error"]
    assert client.get("/api/download/topic.csv", params={"topic": "cluster"}).status_code == 409
    assert client.get("/api/topics/efficiency").status_code == 200
    assert client.get("/api/topics/efficiency").json()["tables"][0]["n_rows"] == 4


# --- a real study: NBS provincial GDP and inbound tourism ----------------------------------------------
@pytest.fixture(scope="module")
def real_study(tmp_path_factory, shared_data: Path) -> Path:
    """A study of the NBS provincial series (GDP 2005-2023, inbound tourism 2005-2019), indexed
    with `index build --save`; it holds no DEA inputs and no module inputs."""
    from silkscope.cli import app
    from silkscope.io.importing import import_indicator_table
    from silkscope.workspace import Workspace

    root = tmp_path_factory.mktemp("real")
    tour = pd.read_csv(shared_data / TOURISM)
    clean = tour.rename(columns={"province_zh": "地区", "indicator": "indicator_id"})
    clean[["地区", "year", "indicator_id", "value"]].to_csv(root / "tourism_long.csv", index=False)
    ws = Workspace.init(root / "study")
    import_indicator_table(ws, root / "tourism_long.csv")
    (root / "framework.yaml").write_text(FRAMEWORK, encoding="utf-8")
    args = ["index", "build", "--workspace", str(ws.root), "--framework", str(root / "framework.yaml")]
    result = CliRunner().invoke(app, [*args, "--save", "--out", str(root / "index.csv")])
    assert result.exit_code == 0, result.output
    return ws.root


@pytest.mark.shared
def test_a_real_study_shows_the_reports_topics_and_names_what_it_lacks(real_study):
    client = TestClient(create_app(real_study))
    sections, missing = report_topics(workspace_inputs(real_study), "en")
    listed = client.get("/api/topics", params={"lang": "en"}).json()
    assert listed["demo"] is False and listed["failed"] == []
    assert [t["id"] for t in listed["topics"]] == [s.id for s in sections]
    assert "efficiency" not in {t["id"] for t in listed["topics"]}
    assert not any(t["demo"] for t in listed["topics"])
    efficiency = Translator("en")("study.missing.efficiency", ids=", ".join([*DEA_INPUTS, *DEA_OUTPUTS]))
    lines = listed["not_in_study"]["lines"]
    assert lines[0] == efficiency and set(lines) <= set(missing)
    en = catalogue("en")
    other_tabs = {en["study.missing.trade"], en["study.missing.partners"], en["study.missing.regions"]}
    assert set(missing) - set(lines) == other_tabs  # the report's other "not in this study" lines
    for topic, section in zip(listed["topics"], sections, strict=True):
        response = client.get(f"/api/topics/{topic['id']}", params={"lang": "en"})
        assert response.status_code == 200, response.text[:300]
        data = response.json()
        assert data["demo"] is False
        assert_section_equals(data, section)
        for got, table in zip(data["tables"], section.tables, strict=True):
            assert_download_equals(client, got, table, demo=False)
    refused = client.get("/api/topics/efficiency")
    assert refused.status_code == 404 and "cluster" in refused.json()["error"]


@pytest.mark.shared
def test_the_real_cluster_topic_ranks_31_provinces_in_the_headline_year_2019(real_study):
    client = TestClient(create_app(real_study))
    data = client.get("/api/topics/cluster", params={"lang": "zh"}).json()
    zh = catalogue("zh")
    echelons = data["tables"][0]
    assert echelons["n_rows"] == 31
    assert "2019" in echelons["title"] and "2019" in data["figures"][0]["caption"]
    assert {r[zh["modules.col.echelon"]] for r in echelons["records"]} == {1, 2, 3}
    assert all(zh["study.demo_note"] not in p for p in data["paragraphs"])
    assert not any(zh["modules.cluster.demo_note"] == p for p in data["paragraphs"])


@pytest.mark.shared
def test_a_real_study_lists_a_module_it_lacks_and_shows_one_it_holds(real_study, registered):
    """The registry's rule, as in the report: a module whose inputs the study lacks is named in
    "not in this study" (its missing_key), one whose inputs it holds is a topic, not labelled demo."""
    client = TestClient(create_app(real_study))
    listed = client.get("/api/topics").json()
    assert "world_test" not in {t["id"] for t in listed["topics"]}
    assert catalogue("en")["modules.section.cluster"] in listed["not_in_study"]["lines"]
    registered["held"] = True
    held = TestClient(create_app(real_study)).get("/api/topics").json()
    assert held["topics"][-1] == {"id": "world_test", "title": "world_test", "demo": False}


def test_openapi_documents_the_topic_endpoints_and_the_409(demo_client):
    spec = demo_client.get("/openapi.json").json()
    listing = spec["paths"]["/api/topics"]["get"]
    one = spec["paths"]["/api/topics/{topic_id}"]["get"]
    assert [p["schema"].get("enum") for p in listing["parameters"]] == [["zh", "en"]]
    topic_id = next(p for p in one["parameters"] if p["name"] == "topic_id")
    assert topic_id["in"] == "path" and topic_id["schema"]["pattern"] == "^[a-z][a-z0-9_]{0,39}$"
    assert one["responses"]["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "topic" in spec["paths"]["/api/download/{filename}"]["get"]["description"]
