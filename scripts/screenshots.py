"""Screenshots of the dashboard and the report for docs/ (PNG), from the built-in demo data.

Starts the demo dashboard on a free local port, opens it in the system Chromium through
Playwright (no request leaves 127.0.0.1), and saves the ranking (en and zh), a unit profile and a
comparison; then builds the report with ``silkscope report --lang en --out <tmp>`` and saves its
first screen.

Run: .venv/bin/python scripts/screenshots.py [--out docs] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]

from silkscope.web.headless import CHROMIUM, CHROMIUM_ARGS, ServerThread  # noqa: E402


def build_report(folder: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "silkscope.cli", "report", "--lang", "en", "--out", str(folder)],
        check=True,
        cwd=folder.parent,
    )
    return folder / "report.html"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--chromium", default=str(CHROMIUM))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    from silkscope.web.app import create_app

    blocked: list[str] = []
    saved: list[Path] = []
    with ServerThread(create_app(None)) as running:
        base = running.url
        with tempfile.TemporaryDirectory(prefix="silkscope-report-") as tmp:
            report_html = build_report(Path(tmp) / "report")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)

                def guard(route) -> None:
                    parsed = urlparse(route.request.url)
                    if parsed.scheme in ("data", "blob", "file") or parsed.hostname == "127.0.0.1":
                        route.continue_()
                    else:
                        blocked.append(route.request.url)
                        route.abort()

                context.route("**/*", guard)
                page = context.new_page()
                page.set_default_timeout(30_000)

                def shot(name: str, full_page: bool = False) -> None:
                    path = args.out / name
                    page.wait_for_timeout(600)  # let Plotly finish its transitions
                    page.screenshot(path=str(path), full_page=full_page)
                    saved.append(path)

                page.goto(f"{base}/?lang=en#ranking")
                page.wait_for_selector("body[data-ready='1']")
                page.wait_for_selector("#ranking-chart .main-svg")
                shot("dashboard-ranking.png")

                page.eval_on_selector(
                    "input[type=range][data-node='driving_force']",
                    """el => { el.value = '2.5'; el.dispatchEvent(new Event('change', {bubbles: true})); }""",
                )
                page.wait_for_selector("#ranking-table th[data-key='rank_change']")
                shot("dashboard-weights.png")
                page.click("#weights-reset")

                page.select_option("#lang-select", "zh")
                page.wait_for_function(
                    "() => document.querySelector(\"#ranking-table tr[data-unit='110000'] td:nth-child(2)\")"
                    "?.innerText === '北京'"
                )
                shot("dashboard-ranking-zh.png")
                page.select_option("#lang-select", "en")
                page.wait_for_function(
                    "() => document.querySelector(\"#ranking-table tr[data-unit='110000'] td:nth-child(2)\")"
                    "?.innerText === 'Beijing'"
                )

                page.click("#ranking-table tbody tr[data-unit='440000'] a.unit-link")
                page.wait_for_selector("#profile-radar g.polarlayer")
                page.wait_for_selector("#profile-trend .main-svg")
                shot("dashboard-profile.png", full_page=True)

                page.click(".tab[data-tab='compare']")
                page.select_option("#compare-a", "110000")
                page.select_option("#compare-b", "650000")
                page.wait_for_selector("#compare-chart .main-svg")
                shot("dashboard-compare.png")

                page.goto(report_html.as_uri())
                page.wait_for_selector(".js-plotly-plot .main-svg")
                shot("report.png")
                browser.close()
    if blocked:
        raise SystemExit(f"requests off 127.0.0.1 were attempted: {blocked}")
    for path in saved:
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
