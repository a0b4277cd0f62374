"""Reference tables we author (CSV with a citation column) and their loaders.

Provinces are identified by their 6-digit GB/T 2260 code (``"110000"`` is Beijing); countries by
ISO3. :class:`UnitResolver` maps the many ways people write a province (中文全称/简称/一字简称,
English, old romanisations, 2- or 6-digit codes, ISO 3166-2) to that one id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

import pandas as pd

from silkscope.errors import InputError
from silkscope.paths import REFERENCE_DIR

GROUPINGS = {"china-3belt": "belt3", "china-4region": "region4"}
_SUFFIXES_EN = (" province", " municipality", " autonomous region", " special administrative region")


@cache
def _provinces() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / "provinces.csv", dtype={"unit_id": str, "code2": str})


def provinces() -> pd.DataFrame:
    """The 31 provincial-level divisions of mainland China with both regional groupings."""
    return _provinces().copy()


def benchmark_table1() -> pd.DataFrame:
    """Table 1 of seed paper 002: group scores by node (index/pillars), year and belt, as published."""
    return pd.read_csv(REFERENCE_DIR / "benchmark_002_table1.csv")


def province_adjacency(strait_links: bool = True) -> pd.DataFrame:
    """Pairs of provinces that share a land boundary (``unit_id_a < unit_id_b``, both GB/T codes).

    ``strait_links`` adds Hainan-Guangdong across the Qiongzhou Strait, the usual convention in
    Chinese provincial spatial studies; without it Hainan has no neighbour.
    """
    table = pd.read_csv(REFERENCE_DIR / "province_adjacency.csv", dtype={"unit_id_a": str, "unit_id_b": str})
    return table if strait_links else table[table["border"] == "land"].reset_index(drop=True)


def province_groups(grouping: str = "china-3belt") -> dict[str, str]:
    """``{unit_id: group}`` for a named grouping (``china-3belt`` or ``china-4region``)."""
    if grouping not in GROUPINGS:
        raise InputError(f"unknown grouping '{grouping}'; expected one of {', '.join(GROUPINGS)}")
    table = _provinces()
    return dict(zip(table["unit_id"], table[GROUPINGS[grouping]], strict=True))


def normalise_key(text: object) -> str:
    """Fold a unit name for matching: NFKC, case, spaces, hyphens, apostrophes, a trailing '.0'."""
    key = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    key = re.sub(r"\.0+$", "", key)  # 110000.0 from a spreadsheet
    for suffix in _SUFFIXES_EN:
        key = key.removesuffix(suffix)
    return re.sub(r"[\s\-_'’`]+", "", key)


@cache
def _province_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for row in _provinces().itertuples(index=False):
        names = [
            row.unit_id,
            row.code2,
            row.iso_3166_2,
            row.iso_3166_2.split("-")[1],
            row.name_en,
            row.name_zh,
            row.short_zh,
            row.abbr_zh,
            *str(row.aliases).split("|"),
        ]
        for name in names:
            keys[normalise_key(name)] = row.unit_id
    return keys


# Characters that OCR of printed yearbook tables confuses (seen in the CNKI patent tables).
_OCR_CONFUSIONS = {"两": "西", "酉": "西", "凉": "京", "沣": "津", "束": "东", "己": "已"}


@cache
def _province_names() -> dict[str, str]:
    return dict(zip(_provinces().unit_id, _provinces().name_zh, strict=True))


@cache
def _short_names() -> dict[str, str]:
    return dict(zip(_provinces().unit_id, _provinces().short_zh, strict=True))


@cache
def bri_partners(as_of: str | None = None) -> pd.DataFrame:
    """Countries that signed a Belt and Road cooperation document with China (GFDC workbook, May
    2025, four recorded corrections; see NOTES.md): ``iso3, name_en, signed, left, source, note``.
    With ``as_of`` (ISO date), those that
    had signed by then (undated signatories included) and had not left."""
    table = pd.read_csv(REFERENCE_DIR / "bri_partners.csv", dtype=str, keep_default_na=False)
    if as_of is not None:
        signed = (table.signed == "") | (table.signed <= as_of)
        table = table[signed & ((table.left == "") | (table.left > as_of))]
    return table.reset_index(drop=True)


@cache
def iso3_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes known to country_converter."""
    import country_converter as coco

    return frozenset(coco.CountryConverter().data["ISO3"].dropna().astype(str))


#: Chinese short names where CLDR's differs from the name in GB/T 2659.1-2022 (世界各国和地区及其行政
#:区划名称代码): none needed so far for the countries the demo and the BRI list use; add here, cited.
_ZH_OVERRIDES: dict[str, str] = {}


@cache
def _country_table() -> dict[str, tuple[str, str]]:
    """``{ISO3: (ISO2, short English name)}`` from country_converter's table."""
    import country_converter as coco

    data = coco.CountryConverter().data[["ISO3", "ISO2", "name_short"]].dropna()
    # the ISO2 column is a regex for some countries (^GB$|^UK$): its first alternative is the code
    return {
        str(row.ISO3): (re.sub(r"[\^$]", "", str(row.ISO2).split("|")[0]), str(row.name_short))
        for row in data.itertuples(index=False)
    }


@cache
def _territories_zh() -> dict[str, str]:
    from babel import Locale

    return dict(Locale("zh").territories)


def country_name(iso3: str, lang: str = "en") -> str:
    """A country's short name in ``lang`` (``zh``/``en``), else its code unchanged.

    Chinese: Unicode CLDR territory names (shipped with Babel, keyed by ISO2), with the GB/T 2659
    overrides in ``_ZH_OVERRIDES``; English: country_converter's ``name_short``. The one helper the
    report, the dashboard API and the CLI previews use, so a country is named the same everywhere.
    """
    code = str(iso3).strip().upper()
    entry = _country_table().get(code)
    if entry is None:
        return str(iso3)
    if lang == "zh":
        return _ZH_OVERRIDES.get(code) or _territories_zh().get(entry[0]) or entry[1]
    return entry[1]


def province_name(unit_id: str, lang: str = "en") -> str:
    """A province's name (``name_zh``/``name_en`` of the reference table) from its GB/T code, else the id."""
    table = _provinces()
    match = table.loc[table["unit_id"] == str(unit_id)]
    if match.empty:
        return str(unit_id)
    return str(match.iloc[0]["name_zh" if lang == "zh" else "name_en"])


def unit_name(unit_id: str, lang: str = "en") -> str:
    """A unit's name: a province (GB/T code) or a country (ISO3); unknown ids are returned unchanged."""
    name = province_name(unit_id, lang)
    return country_name(unit_id, lang) if name == str(unit_id) else name


class UnitResolver:
    """Map unit spellings to unit ids: provinces, ISO3 countries, then units the caller registers.

    ``country_names=True`` also maps country names (via country_converter) to ISO3; it is off by
    default because fuzzy name matching on arbitrary custom ids can mis-map them.
    """

    def __init__(
        self,
        extra_units: Iterable[str] = (),
        country_names: bool = False,
        aliases: dict[str, str] | None = None,
    ) -> None:
        self._extra = {normalise_key(u): str(u) for u in extra_units}
        self._country_names = country_names
        self._cache: dict[str, str | None] = {}
        self._aliases: dict[str, str] = {}
        self.add_aliases(aliases or {})

    def add_aliases(self, aliases: dict[str, str]) -> None:
        """Accept spellings the user vouches for (``--alias 江两=江西``, a source's OCR defect); the
        target must itself be a known unit. Nothing is ever matched approximately without this."""
        bad = []
        for spelling, target in aliases.items():
            found = self.resolve(target)
            if found is None:
                bad.append(f"'{spelling}={target}': '{target}' is not a known unit")
                continue
            self._aliases[normalise_key(spelling)] = found
        self._cache.clear()
        if bad:
            raise InputError(
                "--alias " + "; ".join(bad), hint="write --alias SPELLING=PROVINCE, e.g. --alias 江两=江西"
            )

    def resolve(self, text: object) -> str | None:
        """The unit id for ``text``, or None when nothing matches."""
        raw = str(text).strip()
        if raw in self._cache:
            return self._cache[raw]
        key = normalise_key(raw)
        found = self._aliases.get(key) or _province_keys().get(key)
        if found is None and raw.upper() in iso3_codes() and len(raw) == 3:
            found = raw.upper()
        if found is None:
            found = self._extra.get(key)
        if found is None and self._country_names and raw and not raw.isdigit():
            found = _country_name_to_iso3(raw)
        self._cache[raw] = found
        return found

    def suggest(self, text: object) -> list[tuple[str, str]]:
        """Provinces ``(name_zh, unit_id)`` that an unknown spelling may stand for, for a "did you
        mean" message only: first the characters yearbook OCR confuses (两/西: 江两, 山两, 两藏),
        else close Chinese names (difflib ratio >= 0.6). Never used to resolve silently."""
        key = normalise_key(text)
        names = _province_names()
        found: dict[str, str] = {}
        for k, char in enumerate(key):
            for other in _OCR_CONFUSIONS.get(char, ""):
                unit = _province_keys().get(key[:k] + other + key[k + 1 :])
                if unit is not None:
                    found.setdefault(unit, names[unit])
        if not found and re.search(r"[\u4e00-\u9fff]", key):
            import difflib

            spellings = {normalise_key(n): u for u, n in names.items()}
            spellings.update({normalise_key(s): u for u, s in _short_names().items()})
            for match in difflib.get_close_matches(key, list(spellings), n=3, cutoff=0.6):
                found.setdefault(spellings[match], names[spellings[match]])
        return [(_short_names()[u], u) for u in found]

    def level(self, unit_id: str) -> str:
        """``province``, ``country`` or ``custom``."""
        if unit_id in set(_provinces()["unit_id"]):
            return "province"
        if len(unit_id) == 3 and unit_id in iso3_codes():
            return "country"
        return "custom"


def _country_name_to_iso3(name: str) -> str | None:
    import logging

    import country_converter as coco

    logging.getLogger("country_converter").setLevel(logging.ERROR)
    result = coco.convert(name, to="ISO3", not_found="")
    return result if isinstance(result, str) and result in iso3_codes() else None


def resolve_unit(text: object) -> str:
    """The province or ISO3 id for ``text``; raises InputError naming the spelling if unknown."""
    found = UnitResolver().resolve(text)
    if found is None:
        raise InputError(
            f"unknown unit '{text}': not a Chinese province (name, abbreviation or GB/T 2260 code) "
            "nor an ISO3 country code"
        )
    return found
