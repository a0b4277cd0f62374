"""Issue 16: the Chinese report and dashboard hold no Latin-script word outside a short allow-list.

The report's visible text (headings, paragraphs, findings, table cells, captions) and the strings
its charts draw (titles, axis titles, legends, tick and hover labels) are scanned; so is the text
of every dashboard tab rendered in Chromium in Chinese. Text in ``<code>`` is left out: commands,
file paths and workbook sheet names are ids a reader types or looks up, shown as such."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from silkscope.cli import app

#: Codes and acronyms (ISO, HS, GB/T, method and data-set acronyms), the product's and Excel's
#: names, and the proper names of cited methods and authors (Chinese texts cite them in Latin).
ALLOWED = frozenset(
    [
        "silkscope",
        "Excel",
        "ISO",
        "HS",
        "GB",
        "RCA",
        "TOPSIS",
        "DEA",
        "PPML",
        "HHI",
        "LISA",
        "BCC",
        "CCR",
        "VRS",
        "CRS",
        "SBM",
        "CMS",
        "BACI",
        "UNESCO",
        "FCS",
        "OECD",
        "JRC",
        "MIT",
        "CLDR",
        "Unicode",
        "Babel",
        "COINr",
        "Fisher",
        "Jenks",
        "Sobol",
        "Malmquist",
        "Balassa",
        "Jepma",
        "Banker",
        "Charnes",
        "Cooper",
        "Rhodes",
        "Färe",
        "Natural",
        "Earth",
    ]
)
#: a word of two or more Latin letters (with accents, as in Färe), hyphens and underscores inside
WORD = re.compile(r"[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ_\-]*[A-Za-zÀ-ɏ]")
ISO3 = re.compile(r"^[A-Z]{3}$")


def foreign_words(texts: list[str]) -> dict[str, str]:
    """Latin-script words outside the allow-list -> the first text holding each (for the message)."""
    found: dict[str, str] = {}
    for text in texts:
        for word in WORD.findall(text):
            if word not in ALLOWED and not ISO3.match(word):
                found.setdefault(word, text[:120])
    return found


class VisibleText(HTMLParser):
    """The text a reader sees, per ``<section id>``: no scripts, styles or ``<code>`` spans."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.current = "head"
        self.text: dict[str, list[str]] = {}
        self.code: list[str] = []
        self._in_code = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "code":
            self._in_code += 1
        elif tag == "section":
            self.current = dict(attrs).get("id", "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1
        elif tag == "code":
            self._in_code -= 1

    def handle_data(self, data):
        if self.skip or not data.strip():
            return
        (self.code if self._in_code else self.text.setdefault(self.current, [])).append(data.strip())


_CHART_KEYS = {"text", "title", "name", "ticktext", "hovertext", "x", "y", "labels", "hovertemplate"}


def chart_strings(html: str) -> dict[str, list[str]]:
    """Per figure id, the strings its Plotly data and layout draw (placeholders and tags removed)."""
    decoder = json.JSONDecoder()
    out: dict[str, list[str]] = {}

    def walk(node, key, into):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k, into)
        elif isinstance(node, list):
            for v in node:
                walk(v, key, into)
        elif isinstance(node, str) and key in _CHART_KEYS:
            into.append(re.sub(r"%\{[^}]*\}|<[^>]+>", " ", node))

    for match in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', html):
        data, pos = decoder.raw_decode(html, match.end())
        pos = html.index(",", pos) + 1
        while html[pos].isspace():
            pos += 1
        layout, _ = decoder.raw_decode(html, pos)
        strings: list[str] = []
        walk(data, None, strings)
        walk(layout, None, strings)
        out[match.group(1)] = strings
    return out


@pytest.fixture(scope="module")
def zh_html(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("zh-scan")
    result = CliRunner().invoke(app, ["report", "--lang", "zh", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return (Path(out) / "report.html").read_text(encoding="utf-8")


def test_the_scan_catches_latin_words():
    assert foreign_words(["2022年，China对 47 个市场出口", "RCA 为 2.55，越南"]) == {
        "China": "2022年，China对 47 个市场出口"
    }
    assert foreign_words(["Färe 等 1994；VNM；core_partner_trade"]) == {
        "core_partner_trade": "Färe 等 1994；VNM；core_partner_trade"
    }


def test_zh_report_text_has_no_latin_words(zh_html):
    parser = VisibleText()
    parser.feed(zh_html)
    assert set(parser.text) >= {"overview", "ranking", "trade", "partners", "cluster", "methods"}
    bad = {section: words for section, texts in parser.text.items() if (words := foreign_words(texts))}
    assert bad == {}
    # what is left out is ids only: sheet names, commands and paths, never a sentence
    assert parser.code and all(len(WORD.findall(c)) <= 12 for c in parser.code)
    assert "ranking" in parser.code and any(c.startswith("silkscope report") for c in parser.code)


def test_zh_report_charts_have_no_latin_words(zh_html):
    charts = chart_strings(zh_html)
    assert len(charts) >= 10
    bad = {fid: words for fid, strings in charts.items() if (words := foreign_words(strings))}
    assert bad == {}


def test_zh_report_names_lisa_types_and_statistics_in_chinese(zh_html):
    parser = VisibleText()
    parser.feed(zh_html)
    cluster = " ".join(parser.text["cluster"])
    assert "高-高" in cluster and "莫兰指数 I" in cluster and "moran_i" not in cluster
    trade = " ".join(parser.text["trade"])
    assert "中国" in trade and "China" not in trade


# --- the dashboard in Chromium --------------------------------------------------------------------
#: the dashboard's own name in its title, and the language switch's endonym
DASHBOARD_ALLOWED = frozenset({"Silkscope", "English"})
_VISIBLE_TEXT = """() => {
  const skip = (n) => n.closest('code, script, style');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const out = [];
  while (walker.nextNode()) {
    const node = walker.currentNode, host = node.parentElement;
    if (!node.data.trim() || skip(host) || !host.checkVisibility()) continue;
    out.push(node.data.trim());
  }
  for (const option of document.querySelectorAll('select option')) out.push(option.text);
  return out;
}"""
_CHARTS = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter((d) => d.checkVisibility())
  .map((d) => JSON.stringify({data: d.data, layout: d.layout}))"""


def _chart_texts(dumps: list[str]) -> list[str]:
    strings: list[str] = []
    for dump in dumps:
        parsed = json.loads(dump)
        html = f'Plotly.newPlot("x", {json.dumps(parsed["data"])}, {json.dumps(parsed["layout"])})'
        for texts in chart_strings(html).values():
            strings += texts
    return strings


@pytest.mark.browser
def test_zh_dashboard_tabs_have_no_latin_words():
    from silkscope.web.headless import CHROMIUM, CHROMIUM_ARGS, ServerThread

    if not CHROMIUM.exists():
        pytest.skip(f"no system Chromium at {CHROMIUM} (scripts/ensure-chromium.sh)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from silkscope.web.app import create_app

    ready = {
        "ranking": "#ranking-table tbody tr",
        "profile": "#profile-table tbody tr",
        "compare": "#compare-table tbody tr",
        "trade": "#trade-table tbody tr",
        "partners": "#partners-table tbody tr",
        "coverage": "#box-coverage-chart .main-svg",
    }
    found: dict[str, dict[str, str]] = {}
    with ServerThread(create_app(None)) as server, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1000})
        page.goto(f"{server.url}/?lang=zh")
        page.wait_for_selector("body[data-ready='1']")
        page.click("#ranking-table tbody tr[data-unit='440000'] a.unit-link")  # a profile to show
        for tab, selector in ready.items():
            page.click(f".tab[data-tab='{tab}']")
            page.locator(selector).first.wait_for(timeout=180_000)
            page.wait_for_timeout(300)
            texts = page.evaluate(_VISIBLE_TEXT) + _chart_texts(page.evaluate(_CHARTS))
            assert len(texts) > 30, tab  # the tab's table or chart is there to be read
            words = {w: s for w, s in foreign_words(texts).items() if w not in DASHBOARD_ALLOWED}
            if words:
                found[tab] = words
        partner_names = page.locator("#partners-table tbody tr td:first-child").all_inner_texts()
        browser.close()
    assert found == {}
    assert "越南" in partner_names and "VNM" not in partner_names
