"""Issue 16: the Chinese report names countries in Chinese and its polished parts hold no
Latin-script word outside a short allow-list; `silkscope --version`; the report reflows at 390 px."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from silkscope import __version__
from silkscope.cli import app
from silkscope.reference import country_name

#: ISO/HS codes, method acronyms, the product's own name and file formats.
ALLOWED = {
    "silkscope",
    "Excel",
    "RCA",
    "HS",
    "ISO",
    "TOPSIS",
    "DEA",
    "PPML",
    "LISA",
    "BCC",
    "CCR",
    "VRS",
    "CRS",
    "Fisher",
    "Jenks",
}  # Fisher-Jenks natural breaks: the method's name
_ISO3 = re.compile(r"^[A-Z]{3}$")


class _Sections(HTMLParser):
    """Visible text of each <section id=...> (scripts, styles and <code> ids left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.current = ""
        self.text: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "code"):
            self.skip += 1
        if tag == "section":
            self.current = dict(attrs).get("id", "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.text.setdefault(self.current, []).append(data.strip())


def latin_words(texts: list[str]) -> set[str]:
    words = set(re.findall(r"[A-Za-z][A-Za-z_\-]+", " ".join(texts)))
    return {w for w in words if w not in ALLOWED and not _ISO3.match(w)}


@pytest.fixture(scope="module")
def zh_sections(tmp_path_factory) -> dict[str, list[str]]:
    out = tmp_path_factory.mktemp("report-zh")
    result = CliRunner().invoke(app, ["report", "--lang", "zh", "--out", str(out)])
    assert result.exit_code == 0, result.output
    parser = _Sections()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    return parser.text


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"silkscope {__version__}"


def test_country_names_in_chinese():
    assert [country_name(c, "zh") for c in ("VNM", "MNG", "UZB", "GBR", "GRC")] == [
        "越南",
        "蒙古",
        "乌兹别克斯坦",
        "英国",
        "希腊",
    ]
    assert country_name("GBR", "en") == "United Kingdom"
    assert country_name("XYZ", "zh") == "XYZ"  # unknown ids are shown, not hidden


def test_partner_table_names_countries_in_chinese(zh_sections):
    partners = zh_sections["partners"]
    for name in ("越南", "蒙古", "乌兹别克斯坦"):
        assert name in partners
    assert "Vietnam" not in " ".join(partners)
    # the docking table shows rule texts, not rule ids
    assert "core_partner_trade" not in " ".join(partners)


def test_partner_section_has_no_latin_words(zh_sections):
    # the rules file and the sheet names are ids in <code>, left out (tests/test_zh_scan.py)
    assert latin_words(zh_sections["partners"]) == set()


def test_methods_tables_are_readable(zh_sections):
    text = " ".join(zh_sections["methods"])
    for raw in ("None", "False", "[60.0, 100.0]", "100 million CNY", "10k persons"):
        assert raw not in text
    for word in ("三级指标", "亿元", "万人", "60–100", "极差标准化"):
        assert word in text
