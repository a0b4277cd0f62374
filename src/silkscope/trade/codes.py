"""Country and product codes of trade files: ISO numeric (incl. BACI's own) to ISO3, HS6 padding."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import pandas as pd

from silkscope.errors import InputError

# BACI / UN Comtrade numeric codes that are not ISO 3166 numeric (CEPII BACI country_codes file)
BACI_NUMERIC = {
    "58": "BEL",  # Belgium-Luxembourg (before 1999)
    "251": "FRA",  # France incl. Monaco
    "381": "ITA",  # Italy incl. San Marino
    "579": "NOR",  # Norway incl. Svalbard and Jan Mayen
    "699": "IND",  # India incl. Sikkim
    "711": "ZAF",  # Southern African Customs Union (before 2000)
    "757": "CHE",  # Switzerland incl. Liechtenstein
    "842": "USA",  # USA incl. Puerto Rico and US Virgin Islands
    "736": "SDN",  # Sudan before South Sudan's independence (2011)
    "490": "S19",  # "Other Asia, nes" (Taiwan in practice): kept as UN's S19, not guessed
    # states that no longer exist keep their ISO 3166-3 (retired) alpha code, not a successor's
    "200": "CSK",  # Czechoslovakia (to 1992)
    "278": "DDR",  # German Democratic Republic (to 1990)
    "530": "ANT",  # Netherlands Antilles (to 2010)
    "720": "YMD",  # Democratic Yemen (to 1990)
    "810": "SUN",  # USSR (to 1991)
    "890": "YUG",  # Socialist Federal Republic of Yugoslavia (to 1992)
    "891": "SCG",  # Serbia and Montenegro (to 2006)
}


# retired alpha codes still found in older files
HISTORICAL_ALPHA = {"ROM": "ROU", "ZAR": "COD", "TMP": "TLS", "SUD": "SDN"}
# codes kept as they are although country_converter does not list them (see BACI_NUMERIC)
KEPT_ALPHA = frozenset({"CSK", "DDR", "ANT", "YMD", "SUN", "YUG", "SCG", "S19"})


def iso3_mapping(codes: Iterable[str], extra: dict[str, str] | None = None) -> dict[str, str | None]:
    """Each distinct code (ISO numeric, BACI numeric, ISO3, retired alpha) to its ISO3, or None.

    ``extra`` maps further codes (e.g. from a BACI country_codes file) where ours know none.
    """
    from silkscope.reference import iso3_codes

    unique = pd.Series(sorted({_clean(c) for c in codes}), dtype=object)
    mapping: dict[str, str | None] = {}
    numeric = unique[unique.str.fullmatch(r"\d+")]
    for code in numeric:
        iso = iso_numeric().get(code.lstrip("0"))
        mapping[code] = BACI_NUMERIC.get(code.lstrip("0")) or (iso if iso in iso3_codes() else None)
    for code in unique[~unique.str.fullmatch(r"\d+")]:
        upper = code.upper()
        known = upper in iso3_codes() or upper in KEPT_ALPHA
        mapping[code] = HISTORICAL_ALPHA.get(upper) or (upper if known else None)
    for code, iso in (extra or {}).items():
        if mapping.get(code, "") is None:
            mapping[code] = iso
    return mapping


@cache
def iso_numeric() -> dict[str, str]:
    """ISO 3166 numeric code (no leading zeros) -> ISO3, from country_converter's table: the
    lookup ``coco.convert(code, src="ISOnumeric", to="ISO3")`` does (an exact match on the
    ``ISOnumeric`` column), built once instead of one regular expression over the table per code
    (about 1 ms a code: 1 s for the 1,000 codes BACI's numbering allows)."""
    import country_converter as coco

    data = coco.CountryConverter().data[["ISOnumeric", "ISO3"]].dropna()
    return {
        str(number): "".join(c for c in str(iso).split("|")[0] if c.isalnum()).upper()
        for number, iso in zip(data["ISOnumeric"], data["ISO3"], strict=True)
    }


def to_iso3(codes: pd.Series, file: str | None = None, extra: dict[str, str] | None = None) -> pd.Series:
    """ISO3 for ISO numeric / BACI numeric / ISO3 country codes; raises listing what is unmapped."""
    text = codes.map(_clean)
    mapping = iso3_mapping(text.unique(), extra)
    unmapped = sorted(c for c, v in mapping.items() if v is None)
    if unmapped:
        raise InputError(
            f"unknown country code(s) {', '.join(unmapped[:20])}: not ISO3, ISO numeric or a BACI code",
            file=file,
            hint="map them in the file, or drop those rows",
        )
    return text.map(mapping)


def _clean(code: object) -> str:
    text = str(code).strip()
    return text[:-2] if text.endswith(".0") else text


def hs6(codes: pd.Series) -> pd.Series:
    """HS 6-digit codes as zero-padded text (BACI's k loses leading zeros when read as a number)."""
    text = codes.astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    return text.str.zfill(6)


# --- product selections (``--products``) --------------------------------------------------------
#: HS headings 6911-6914 (porcelain and ceramic tableware, ornaments, other articles): a basket of
#: ours for the Jingdezhen question, not a UNESCO domain (the FCS 2009 counts only 6913 as
#: cultural goods); the headings are the same in HS 1992 ... HS 2022
CERAMICS = ("6911", "6912", "6913", "6914")
CULTURAL_WORDS = "cultural, cultural:all, cultural:A ... cultural:F"


def product_selection(
    word: str,
    hs_revision: str | None = None,
    scheme: str = "unesco_fcs_2009",
    classification: str | None = None,
) -> list[str] | None:
    """HS codes or prefixes that ``--products WORD`` selects in flows of ``hs_revision``; None = all.

    ``cultural``: core cultural goods, domains A-F; ``cultural:all``: with the equipment and the
    related domains G-H; ``cultural:A`` ... ``cultural:F``: one domain's core goods (the
    packaged FCS 2009 Table 3 mapped to ``hs_revision``). With ``classification`` (a user file)
    or another ``scheme``: all its rows, or ``cultural:DOMAIN``'s, codes as they are (as
    before); ``ceramics``: :data:`CERAMICS`; a CSV /
    Excel / Parquet file: its ``hs6`` (or ``code``, or first) column; else codes or prefixes
    separated by commas.
    """
    from pathlib import Path

    from silkscope.reference.cultural_goods import CORE_DOMAINS, cultural_products

    text = word.strip()
    lower = text.lower()
    if lower == "all":
        return None
    if lower == "ceramics":
        return list(CERAMICS)
    if lower == "cultural" or lower.startswith("cultural:"):
        part = text.partition(":")[2].strip()
        if classification is not None or scheme != "unesco_fcs_2009":
            # a user file (its own codes, all its rows, as before) or another scheme
            domains = None if part.lower() in ("", "all") else [part]
            return cultural_products(scheme, domains, None if classification else hs_revision, classification)
        if lower == "cultural":
            return cultural_products(scheme, CORE_DOMAINS, hs_revision, None, ("core",))
        if part.lower() == "all":
            return cultural_products(scheme, None, hs_revision, None)
        domain = part.upper()
        if domain not in CORE_DOMAINS:
            raise InputError(
                f"unknown selection '{word}'",
                hint=f"expected {CULTURAL_WORDS} (the related domains G-H are in cultural:all)",
            )
        return cultural_products(scheme, [domain], hs_revision, None, ("core",))
    path = Path(text)
    if path.suffix.lower() in (".csv", ".xlsx", ".parquet") and path.is_file():
        from silkscope.io.tables import read_raw

        frame = read_raw(path).frame
        column = next((c for c in ("hs6", "code") if c in frame.columns), frame.columns[0])
        return [str(v).strip() for v in frame[column] if str(v).strip()]
    codes = [p.strip() for p in text.split(",") if p.strip()]
    bad = [c for c in codes if not c.isdigit()]
    if bad:
        raise InputError(
            f"--products: '{bad[0]}' is not an HS code or prefix",
            hint=f"expected all, {CULTURAL_WORDS}, ceramics, HS codes/prefixes separated by commas, "
            "or a CSV with hs6",
        )
    return codes


def product_condition(table, codes: list[str]):
    """The Ibis condition keeping ``table`` (column ``product``) to ``codes``: 6-digit codes by
    membership (one IN list, cheap for the ~100 codes of a classification), shorter ones as prefixes."""
    import ibis

    exact = sorted({c for c in codes if len(c) == 6})
    prefixes = sorted({c for c in codes if len(c) != 6})
    tests = [table["product"].isin(exact)] if exact else []
    tests += [table["product"].startswith(p) for p in prefixes]
    return ibis.or_(*tests)
