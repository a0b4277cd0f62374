"""The report opened in a real headless Chromium, offline: every figure, the world map included,
draws without a single network request or console error."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkscope.cli import app
from silkscope.web.headless import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium not installed at /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report-browser")
    result = CliRunner().invoke(app, ["report", "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "report.html"


def test_every_figure_renders_offline(report_html: Path):
    sync_api = pytest.importorskip("playwright.sync_api")
    failed: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})

            def only_files(route):
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    failed.append(route.request.url)
                    route.abort()

            page.route("**/*", only_files)
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(report_html.as_uri(), wait_until="load")
            page.wait_for_function(
                "() => [...document.querySelectorAll('.plotly-graph-div')]"
                ".every(d => d.querySelector('.main-svg'))",
                timeout=60_000,
            )
            divs = page.eval_on_selector_all(
                ".plotly-graph-div",
                "ds => ds.map(d => ({id: d.id, svg: !!d.querySelector('.main-svg'),"
                " paths: d.querySelectorAll('.choroplethlocation').length}))",
            )
        finally:
            browser.close()
    assert not failed, f"network requests: {failed}"
    assert not errors, f"console errors: {errors}"
    assert len(divs) >= 10 and all(d["svg"] for d in divs), divs
    maps = [d for d in divs if d["paths"]]
    assert len(maps) == 1 and maps[0]["id"].startswith("fig-partners"), divs
    assert maps[0]["paths"] >= 40, "the partner countries are drawn on the map"
