"""The dashboard's Topics tab in a real headless Chromium (Playwright, the system /usr/bin/chromium)
against the demo app served by uvicorn; every request off 127.0.0.1 is blocked and recorded, and
each test asserts none was attempted. The tab is checked against ``/api/topics`` for whatever
topics the API lists, with explicit checks on the cluster and efficiency sections."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlparse

import pandas as pd
import pytest

from silkscope.web.headless import CHROMIUM, CHROMIUM_ARGS, ServerThread

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"no system Chromium at {CHROMIUM} (scripts/ensure-chromium.sh)"
    ),
]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")
expect = sync_api.expect

#: the first build of the cluster section compiles esda's permutation code (numba): tens of seconds
FIRST_BUILD_MS = 240_000


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    from silkscope.web.app import create_app

    with ServerThread(create_app(None)) as running:
        httpx.get(f"{running.url}/api/topics/cluster", timeout=FIRST_BUILD_MS / 1000)  # built once
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def new_page(browser, width: int = 1400):
    """A page whose every request off 127.0.0.1 is aborted and recorded in ``page.blocked``."""
    context = browser.new_context(
        accept_downloads=True, locale="en-GB", viewport={"width": width, "height": 900}
    )
    blocked: list[str] = []
    errors: list[str] = []

    def guard(route) -> None:
        parsed = urlparse(route.request.url)
        if parsed.scheme in ("data", "blob") or parsed.hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(60_000)
    return context, page, blocked, errors


@pytest.fixture()
def page(browser):
    context, pg, blocked, errors = new_page(browser)
    yield pg
    context.close()
    assert not blocked, f"requests off 127.0.0.1 were attempted: {blocked}"
    assert not errors, f"JavaScript errors: {errors}"


def open_topics(page, server, lang: str = "en") -> None:
    page.goto(f"{server.url}/?lang={lang}#topics")
    page.wait_for_selector("body[data-ready='1']")
    page.wait_for_selector("#topic-body .topic-title", timeout=FIRST_BUILD_MS)


def plotted_traces(page, selector: str) -> list[int]:
    """Per Plotly chart under ``selector``: the number of traces drawn with data."""
    return page.locator(f"{selector} .js-plotly-plot").evaluate_all(
        "divs => divs.map(d => (d.data || []).filter(t => t.x || t.y || t.z || t.locations || t.r).length)"
    )


def check_topic(page, data: dict) -> None:
    """The open topic shows the API's title, findings, every figure drawn and every table."""
    expect(page.locator("#topic-body .topic-title span").first).to_have_text(data["title"])
    expect(page.locator("#topic-body ul.findings li")).to_have_count(len(data["findings"]))
    if data["figures"]:
        expect(page.locator("#topic-body .js-plotly-plot")).to_have_count(len(data["figures"]))
        page.wait_for_function(
            "n => [...document.querySelectorAll('#topic-body .js-plotly-plot')].filter(d => d.querySelector('.main-svg')).length === n",
            arg=len(data["figures"]),
        )
        assert all(n > 0 for n in plotted_traces(page, "#topic-body")), data["id"]
    boxes = page.locator("#topic-body .topic-table")
    expect(boxes).to_have_count(len(data["tables"]))
    for k, table in enumerate(data["tables"]):
        box = boxes.nth(k)
        assert box.get_attribute("data-sheet") == table["sheet"]
        rows = box.locator("tbody tr")
        expect(rows).to_have_count(min(table["n_rows"], 500) if table["shown"] else 0)
        expect(box.locator("th")).to_have_count(len(table["columns"]) if table["shown"] else 0)


def test_the_topics_tab_lists_and_renders_every_topic_of_the_api(page, server):
    listed = httpx.get(f"{server.url}/api/topics", params={"lang": "en"}).json()["topics"]
    assert {"cluster", "efficiency"} <= {t["id"] for t in listed}
    open_topics(page, server)
    buttons = page.locator("#topic-list button.topic")
    expect(buttons).to_have_count(len(listed))
    assert buttons.evaluate_all("bs => bs.map(b => b.dataset.topic)") == [t["id"] for t in listed]
    assert [re.sub(r"\s+", " ", s) for s in buttons.locator("span:first-child").all_inner_texts()] == [
        t["title"] for t in listed
    ]
    assert buttons.locator(".badge.demo").count() == len(listed)  # every demo topic says so
    for topic in listed:
        page.click(f"#topic-list button.topic[data-topic='{topic['id']}']")
        data = httpx.get(f"{server.url}/api/topics/{topic['id']}", params={"lang": "en"}, timeout=240).json()
        check_topic(page, data)


def test_cluster_and_efficiency_draw_their_chart_and_table(page, server):
    open_topics(page, server)
    cluster = httpx.get(f"{server.url}/api/topics/cluster").json()
    assert page.locator("#topic-list button.topic.active").get_attribute("data-topic") == "cluster"
    check_topic(page, cluster)
    expect(page.locator("#topic-body .topic-table").first.locator("tbody tr")).to_have_count(31)
    spans = sum(text.count("`") // 2 for text in cluster["paragraphs"] + cluster["findings"])
    expect(page.locator("#topic-body > p code, #topic-body ul.findings code")).to_have_count(spans)
    first_cell = page.locator("#topic-body .topic-table").first.locator("tbody tr td").first.inner_text()
    assert first_cell == cluster["tables"][0]["records"][0][cluster["tables"][0]["columns"][0]["name"]]

    page.click("#topic-list button.topic[data-topic='efficiency']")
    efficiency = httpx.get(f"{server.url}/api/topics/efficiency").json()
    check_topic(page, efficiency)
    table = page.locator("#topic-body .topic-table").first
    expect(table.locator("tbody tr")).to_have_count(31)
    vrs = efficiency["tables"][0]["columns"][2]["name"]
    assert vrs == "Efficiency (VRS)"
    table.locator("th", has_text="Efficiency (VRS)").click()  # sort by VRS: a numeric column, high first
    shown = [float(x) for x in table.locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert shown == sorted(shown, reverse=True)
    table.locator("th", has_text="Efficiency (VRS)").click()
    shown = [float(x) for x in table.locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert shown == sorted(shown) and shown[0] == min(r[vrs] for r in efficiency["tables"][0]["records"])


def test_the_language_switch_shows_the_chinese_titles(page, server):
    zh = httpx.get(f"{server.url}/api/topics", params={"lang": "zh"}).json()["topics"]
    open_topics(page, server)
    page.select_option("#lang-select", "zh")
    expect(page.locator(".tab[data-tab='topics']")).to_have_text("专题")
    expect(page.locator("#topic-list button.topic span:first-child")).to_have_text([t["title"] for t in zh])
    expect(page.locator("#topic-body .topic-title span").first).to_have_text("集聚与梯队")
    expect(page.locator("#topic-body .topic-table").first.locator("th").first).to_have_text("单元")
    expect(page.locator("#topic-list .badge.demo").first).to_have_text("演示数据")


def test_a_topic_table_downloads_whole_as_csv(page, server):
    open_topics(page, server)
    link = page.locator("#topic-body .topic-table").first.locator("a[data-format='csv']")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "cluster_echelons.csv"
    frame = pd.read_csv(download.path(), encoding="utf-8-sig", dtype=str)
    assert len(frame) == 31
    assert "Unit id" in frame.columns  # hidden on the page, kept in the file as in the report's sheet
    assert frame["Unit id"].str.fullmatch(r"\d{6}").all()


def test_the_topics_tab_fits_a_phone(browser, server):
    context, page, blocked, errors = new_page(browser, width=390)
    try:
        open_topics(page, server, lang="zh")
        page.wait_for_selector("#topic-body .js-plotly-plot .main-svg")
        widths = page.evaluate(
            "() => ({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
            " chart: document.querySelector('#topic-body .js-plotly-plot').getBoundingClientRect().right})"
        )
        assert widths["doc"] <= 390 and widths["body"] <= 390 and widths["chart"] <= 390, widths
    finally:
        context.close()
    assert not blocked and not errors, (blocked, errors)


def test_a_world_map_topic_draws_offline(browser):
    """A registered module with a world map: the page loads the world geometry from this server
    (no request leaves 127.0.0.1) and draws the map, with no dashboard change."""
    from silkscope.report.charts import world_choropleth
    from silkscope.report.document import Section, Table
    from silkscope.report.module_sections import _MODULES, Module, register
    from silkscope.web.app import create_app

    def build(inputs, t, demo):
        frame = pd.DataFrame({"country": ["CHN", "UZB"], "value": [1.5, 2.25]})
        figure = world_choropleth({"CHN": 1.5, "UZB": 2.25}, title="test values")
        return Section(
            id="world_test",
            title="World test topic",
            paragraphs=["Test values (not data)."],
            figures=[("World map of test values", figure)],
            tables=[Table(sheet="world_test", title="Test values", frame=frame)],
        )

    register(Module("world_test", "modules.section.cluster", lambda inputs: False, build))
    try:
        with ServerThread(create_app(None)) as server:
            context, page, blocked, errors = new_page(browser)
            try:
                page.goto(f"{server.url}/?lang=en#topics")
                page.wait_for_selector("body[data-ready='1']")
                page.click("#topic-list button.topic[data-topic='world_test']", timeout=FIRST_BUILD_MS)
                expect(page.locator("#topic-body .topic-title span").first).to_have_text("World test topic")
                page.wait_for_selector("#topic-body .js-plotly-plot .geolayer path.choroplethlocation")
                drawn = page.locator("#topic-body path.choroplethlocation").count()
                # the world's outlines: plotly draws them from the topojson this server gave it
                outline = page.locator("#topic-body .geolayer .countries path").first.get_attribute("d") or ""
            finally:
                context.close()
    finally:
        _MODULES.pop("world_test", None)
    assert drawn == 2  # the two countries with a value
    assert outline.count("M") > 100, len(outline)  # one sub-path per country ring, at least
    assert not blocked, f"requests off 127.0.0.1 were attempted: {blocked}"
    assert not errors, errors
