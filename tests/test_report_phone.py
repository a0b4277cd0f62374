"""Issue 16 part 3: the zh report reflows at phone width (390 px) in headless Chromium: the page
body never scrolls sideways and the title fits; a screenshot is kept for people to look at."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.web.headless import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed at /usr/bin/chromium"),
]


def test_report_reflows_at_390px(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    result = CliRunner().invoke(app, ["report", "--lang", "zh", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto((tmp_path / "report.html").as_uri(), wait_until="load")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('.main-svg'))",
                timeout=60_000,
            )
            widths = page.evaluate(
                "() => ({doc: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
                " view: window.innerWidth,"
                " title: document.querySelector('header.page h1').getBoundingClientRect().right})"
            )
            page.screenshot(path=str(tmp_path / "report-390.png"), full_page=False)
        finally:
            browser.close()
    assert widths["view"] == 390
    assert widths["doc"] <= 390, widths
    assert widths["body"] <= 390, widths
    assert widths["title"] <= 390, widths
    assert (tmp_path / "report-390.png").stat().st_size > 10_000
