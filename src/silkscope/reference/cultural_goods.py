"""HS 6-digit codes of cultural and creative goods, by scheme, with the document each row comes from.

Two schemes: ``unesco_fcs_2009`` (UNESCO Framework for Cultural Statistics 2009, domains A-F,
category ``core`` for cultural goods or ``equipment`` for equipment and supporting materials) and
``unctad_creative_goods`` (UNCTAD creative goods groups, category ``core`` or a snake_case
subgroup such as ``carpets``). The packaged table keeps only rows whose membership was read in a
source document; cultural_goods_NOTES.md says what is in it and what was left out. A user file in
the same format can be passed as ``path``.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd

from silkscope.errors import DataUnavailableError, InputError, Problem
from silkscope.paths import REFERENCE_DIR

PACKAGED = REFERENCE_DIR / "cultural_goods.csv"
NOTES = REFERENCE_DIR / "cultural_goods_NOTES.md"
COLUMNS = (
    "scheme",
    "vintage",
    "hs_revision",
    "hs6",
    "domain",
    "domain_name_en",
    "domain_name_zh",
    "category",
    "source",
    "locator",
)
KEY = ("scheme", "hs_revision", "hs6", "domain")
HS_REVISIONS = ("HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22")  # as in io.flows

# Domain ids and English names: UNESCO's six cultural domains (FCS 2009, figure of the domains);
# UNCTAD's creative-goods groups (Creative Economy Report 2008/2010, UNCTADstat).
SCHEMES: dict[str, dict[str, object]] = {
    "unesco_fcs_2009": {
        "title": "2009 UNESCO Framework for Cultural Statistics (UNESCO Institute for Statistics, 2009)",
        "domains": {
            "A": "Cultural and natural heritage",
            "B": "Performance and celebration",
            "C": "Visual arts and crafts",
            "D": "Books and press",
            "E": "Audio-visual and interactive media",
            "F": "Design and creative services",
        },
        "categories": ("core", "equipment"),
    },
    "unctad_creative_goods": {
        "title": "UNCTAD creative goods (Creative Economy Report 2008/2010; UNCTADstat)",
        "domains": {
            "art_crafts": "Art crafts",
            "audiovisuals": "Audiovisuals",
            "design": "Design",
            "new_media": "New media",
            "performing_arts": "Performing arts",
            "publishing": "Publishing",
            "visual_arts": "Visual arts",
        },
        "categories": None,  # "core" or a snake_case subgroup
    },
}

_HS6 = re.compile(r"\d{6}")
_YEAR = re.compile(r"(19|20)\d{2}")
_SNAKE = re.compile(r"[a-z][a-z0-9_]*")


def cultural_goods(scheme: str | None = None, path: str | Path | None = None) -> pd.DataFrame:
    """The table of cultural/creative goods codes (``hs6`` as 6-character strings).

    ``scheme`` keeps one scheme; ``path`` reads a user file in the same format instead of the
    packaged one, raising InputError naming row and column for anything malformed.
    """
    if scheme is not None:
        _check_scheme(scheme)
    table = _packaged() if path is None else _load(Path(path))
    if scheme is not None:
        table = table[table["scheme"] == scheme]
    return table.reset_index(drop=True).copy()


def cultural_products(
    scheme: str,
    domains: str | list[str] | tuple[str, ...] | None = None,
    hs_revision: str | None = None,
    path: str | Path | None = None,
) -> list[str]:
    """Sorted unique hs6 codes of ``scheme`` (optionally some domains, one HS revision).

    Raises DataUnavailableError when the table holds no sourced code for the selection, so that
    ``--products cultural`` never silently selects nothing.
    """
    _check_scheme(scheme)
    known = SCHEMES[scheme]["domains"]
    if isinstance(domains, str):
        domains = [d.strip() for d in domains.split(",") if d.strip()]
    if domains is not None:
        unknown = [d for d in domains if d not in known]
        if unknown:
            raise InputError(
                f"unknown domain(s) {', '.join(unknown)} for scheme '{scheme}'",
                hint=f"expected some of {', '.join(known)}",
            )
    if hs_revision is not None and hs_revision not in HS_REVISIONS:
        raise InputError(
            f"unknown HS revision '{hs_revision}'", hint=f"expected one of {', '.join(HS_REVISIONS)}"
        )
    table = cultural_goods(scheme, path=path)
    if domains is not None:
        table = table[table["domain"].isin(list(domains))]
    if hs_revision is not None:
        table = table[table["hs_revision"] == hs_revision]
    codes = sorted(set(table["hs6"]))
    if not codes:
        where = "the packaged table" if path is None else Path(path).name
        raise DataUnavailableError(
            f"{where} holds no sourced HS codes for scheme '{scheme}'"
            + (f", domains {', '.join(domains)}" if domains else "")
            + (f", {hs_revision}" if hs_revision else "")
            + f"; see {NOTES.name} for what could not be sourced, or pass a file of your own"
        )
    return codes


def _check_scheme(scheme: str) -> None:
    if scheme not in SCHEMES:
        raise InputError(f"unknown scheme '{scheme}'", hint=f"expected one of {', '.join(SCHEMES)}")


@cache
def _packaged() -> pd.DataFrame:
    return _load(PACKAGED)


def _load(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputError(f"no file at {path}", file=path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file as UTF-8 CSV: {exc}", file=path) from exc
    table.columns = [str(c).strip() for c in table.columns]
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InputError(
            [Problem(f"missing column (expected {', '.join(COLUMNS)})", str(path), 1, c) for c in missing],
            hint="the first row must name the columns; see cultural_goods.csv for the format",
        )
    table = table[list(COLUMNS)].apply(lambda col: col.str.strip())
    problems = _problems(table, str(path))
    if problems:
        raise InputError(problems, hint=f"fix the rows listed; the format is described in {NOTES.name}")
    return table


def _problems(table: pd.DataFrame, file: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[tuple[str, ...], int] = {}
    for i, row in enumerate(table.itertuples(index=False)):
        n = i + 2  # spreadsheet row: the header is row 1

        def bad(message: str, column: str, n: int = n) -> None:
            problems.append(Problem(message, file, n, column))

        spec = SCHEMES.get(row.scheme)
        if spec is None:
            bad(f"unknown scheme '{row.scheme}'; expected one of {', '.join(SCHEMES)}", "scheme")
        if not _YEAR.fullmatch(row.vintage):
            bad(f"vintage '{row.vintage}' is not a 4-digit year", "vintage")
        if row.hs_revision not in HS_REVISIONS:
            bad(
                f"unknown HS revision '{row.hs_revision}'; expected one of {', '.join(HS_REVISIONS)}",
                "hs_revision",
            )
        if not _HS6.fullmatch(row.hs6):
            bad(f"hs6 '{row.hs6}' is not 6 digits (keep leading zeros, e.g. 010121)", "hs6")
        if spec is not None:
            domains = spec["domains"]
            if row.domain not in domains:
                bad(
                    f"unknown domain '{row.domain}' for {row.scheme}; expected one of {', '.join(domains)}",
                    "domain",
                )
            categories = spec["categories"]
            if categories is not None and row.category not in categories:
                bad(
                    f"unknown category '{row.category}' for {row.scheme}; expected {' or '.join(categories)}",
                    "category",
                )
            if categories is None and not _SNAKE.fullmatch(row.category):
                bad(f"category '{row.category}' must be 'core' or a snake_case subgroup", "category")
        for column in ("domain_name_en", "domain_name_zh", "source", "locator"):
            if not getattr(row, column):
                bad(
                    "empty; every row names its domain and cites the document and place it comes from", column
                )
        key = tuple(getattr(row, c) for c in KEY)
        if key in seen:
            bad(f"duplicate of row {seen[key]} (same scheme, hs_revision, hs6 and domain)", "hs6")
        else:
            seen[key] = n
    return problems
