"""The dashboard in a real headless Chromium (Playwright, the system /usr/bin/chromium), against the
demo app served by uvicorn on a free local port. Every request that does not go to 127.0.0.1 is
blocked and recorded; each test asserts none was attempted (the dashboard works offline)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from silkscope.web.headless import CHROMIUM, CHROMIUM_ARGS, ServerThread  # noqa: E402

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


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    from silkscope.web.app import create_app

    with ServerThread(create_app(None)) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser, server, tmp_path):
    """A fresh page whose every request off 127.0.0.1 is aborted and recorded."""
    context = browser.new_context(
        accept_downloads=True, locale="en-GB", viewport={"width": 1400, "height": 1000}
    )
    blocked: list[str] = []

    def guard(route) -> None:
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob") or parsed.hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.set_default_timeout(20_000)
    yield pg
    context.close()
    assert not blocked, f"requests off 127.0.0.1 were attempted: {blocked}"
    assert not errors, f"JavaScript errors: {errors}"


def open_dashboard(page, server, lang: str = "en") -> None:
    page.goto(f"{server.url}/?lang={lang}")
    page.wait_for_selector("body[data-ready='1']")
    expect(page.locator("#ranking-table tbody tr")).to_have_count(31)


def test_ranking_loads_with_31_rows_the_demo_label_search_and_sorting(page, server):
    from silkscope.i18n import catalogue

    open_dashboard(page, server)
    banner = page.locator("#demo-banner")
    expect(banner).to_be_visible()
    expect(banner).to_have_text(catalogue("en")["web.demo_label"])
    ranks = page.locator("#ranking-table tbody tr").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.rank))"
    )
    assert ranks == sorted(ranks) and ranks[0] == 1
    expect(page.locator("#ranking-chart .main-svg").first).to_be_visible()

    page.fill("#ranking-search", "Beij")
    expect(page.locator("#ranking-table tbody tr")).to_have_count(1)
    expect(page.locator("#ranking-table tbody tr").first).to_have_attribute("data-unit", "110000")
    page.fill("#ranking-search", "")
    expect(page.locator("#ranking-table tbody tr")).to_have_count(31)

    page.click("#ranking-table th[data-key='name']")  # sort by name, A-Z
    names = page.locator("#ranking-table tbody tr td:nth-child(2)").all_inner_texts()
    assert names == sorted(names)
    page.click("#ranking-table th[data-key='rank']")
    expect(page.locator("#ranking-table tbody tr").first).to_have_attribute("data-rank", "1")


def _reordering_weight(base_url: str) -> tuple[str, float, str, str]:
    """A single slider move that provably changes the top unit, found through the API."""
    base = httpx.get(f"{base_url}/api/ranking").json()["rows"][0]["unit_id"]
    meta = httpx.get(f"{base_url}/api/meta").json()
    candidates = [p["id"] for p in meta["framework"]["children"]]
    candidates += [d["id"] for p in meta["framework"]["children"] for d in p["children"]]
    for node in candidates:
        for value in (3.0, 0.0):
            top = httpx.post(f"{base_url}/api/index", json={"weights": {node: value}}).json()["rows"][0][
                "unit_id"
            ]
            if top != base:
                return node, value, base, top
    raise AssertionError("no single weight change reorders the top of the demo ranking")


def test_weight_slider_recomputes_and_reorders_the_ranking(page, server):
    node, value, before, after = _reordering_weight(server.url)
    open_dashboard(page, server)
    first = page.locator("#ranking-table tbody tr").first
    expect(first).to_have_attribute("data-unit", before)
    page.eval_on_selector(
        f"input[type=range][data-node='{node}']",
        """(el, v) => {
            el.value = String(v);
            el.dispatchEvent(new Event('input', {bubbles: true}));
            el.dispatchEvent(new Event('change', {bubbles: true}));
        }""",
        value,
    )
    expect(first).to_have_attribute("data-unit", after)
    expect(page.locator("#ranking-table th[data-key='rank_change']")).to_be_visible()
    expect(page.locator("#weights-state")).not_to_be_empty()
    assert "weights=" in page.get_attribute("#ranking-csv", "href")
    page.click("#weights-reset")
    expect(first).to_have_attribute("data-unit", before)


def test_language_switch_shows_chinese_province_names(page, server):
    from silkscope.i18n import catalogue
    from silkscope.reference import provinces

    open_dashboard(page, server)
    page.select_option("#lang-select", "zh")
    expect(page.locator("#title")).to_have_text(catalogue("zh")["web.title"])
    expect(page.locator("#demo-banner")).to_have_text(catalogue("zh")["web.demo_label"])
    expect(page.locator("#ranking-table tbody tr[data-unit='110000'] td").nth(1)).to_have_text("北京")
    short_zh = dict(zip(provinces().unit_id, provinces().short_zh, strict=True))
    rows = page.locator("#ranking-table tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.unit, r.children[1].innerText])"
    )
    assert len(rows) == 31 and all(name == short_zh[unit] for unit, name in rows)
    expect(page.locator("#ranking-table th[data-key='rank']")).to_have_text(catalogue("zh")["web.col.rank"])
    page.select_option("#lang-select", "en")
    expect(page.locator("#ranking-table tbody tr[data-unit='110000'] td").nth(1)).to_have_text("Beijing")


def test_profile_shows_the_radar_trend_and_strengths(page, server):
    open_dashboard(page, server)
    page.click("#ranking-table tbody tr[data-unit='440000'] a.unit-link")
    expect(page.locator("#tab-profile")).to_be_visible()
    expect(page.locator("#profile-radar .main-svg").first).to_be_visible()
    expect(page.locator("#profile-radar g.polarlayer")).to_have_count(1)
    kinds = page.evaluate("() => document.getElementById('profile-radar').data.map(t => t.type)")
    assert kinds == ["scatterpolar", "scatterpolar"]
    radar_r = page.evaluate("() => document.getElementById('profile-radar').data[0].r")
    assert len(radar_r) == 4 and all(isinstance(v, float | int) for v in radar_r)  # 3 pillars, closed
    expect(page.locator("#profile-trend .main-svg").first).to_be_visible()
    expect(page.locator("#profile-strengths li")).to_have_count(3)
    expect(page.locator("#profile-weaknesses li")).to_have_count(3)
    expect(page.locator("#profile-obstacles li")).to_have_count(5)  # obstacle degree, issue 17
    expect(page.locator("#profile-obstacles li").first).to_contain_text("%")
    expect(page.locator("#profile-table tbody tr[data-flag='strength']")).to_have_count(3)
    expect(page.locator("#profile-summary")).to_contain_text("Guangdong")


def test_compare_two_units_side_by_side(page, server):
    open_dashboard(page, server)
    page.click(".tab[data-tab='compare']")
    page.select_option("#compare-a", "110000")
    page.select_option("#compare-b", "650000")
    expect(page.locator("#compare-chart .main-svg").first).to_be_visible()
    expect(page.locator("#compare-table th").nth(1)).to_contain_text("Beijing")
    expect(page.locator("#compare-table th").nth(3)).to_contain_text("Xinjiang")


def test_ranking_csv_download_has_the_header_and_31_rows(page, server):
    open_dashboard(page, server)
    with page.expect_download() as info:
        page.click("#ranking-csv")
    download = info.value
    assert download.suggested_filename == "ranking_cidi_2018.csv"
    frame = pd.read_csv(download.path(), encoding="utf-8-sig", dtype={"unit_id": str})
    assert list(frame.columns) == [
        "unit_id",
        "name",
        "group",
        "score",
        "rank",
        "productive_force",
        "influence",
        "driving_force",
    ]
    assert len(frame) == 31 and frame["rank"].iloc[0] == 1
    shown = page.locator("#ranking-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.unit)")
    assert frame["unit_id"].tolist() == shown


def test_charts_download_as_png_and_svg(page, server):
    open_dashboard(page, server)
    with page.expect_download() as info:
        page.click("#ranking-chart-png")
    png = Path(info.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and info.value.suggested_filename.endswith(".png")
    with page.expect_download() as info:
        page.click("#ranking-chart-svg")
    svg = Path(info.value.path()).read_text(encoding="utf-8")
    assert "<svg" in svg[:300]
    assert page.get_attribute("#ranking-chart-csv", "href").startswith("/api/download/ranking.csv?")
    xlsx_href = page.get_attribute("#ranking-xlsx", "href")
    content = httpx.get(server.url + xlsx_href).content
    assert len(pd.read_excel(io.BytesIO(content))) == 31


def test_trade_and_partner_tabs_render_the_labelled_demo_flows(page, server):
    from silkscope.trade.demo import DEMO_LABEL

    open_dashboard(page, server)
    page.click(".tab[data-tab='trade']")
    expect(page.locator("#trade-chart .main-svg").first).to_be_visible(timeout=60_000)
    expect(page.locator("#box-trade-chart h3")).to_contain_text(DEMO_LABEL["en"])
    assert page.locator("#trade-table tbody tr").count() > 0
    page.click(".tab[data-tab='partners']")
    expect(page.locator("#partners-chart .main-svg").first).to_be_visible(timeout=60_000)
    expect(page.locator("#box-partners-chart h3")).to_contain_text(DEMO_LABEL["en"])
    assert page.locator("#partners-table tbody tr").count() > 10
