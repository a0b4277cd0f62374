"""The study's partner table for the report's IP-environment and market-segment sections: built
once per report from the workspace, as ``silkscope partners table --workspace``
builds it (home China, the latest value of each country), and the country indicators a study holds,
read cheaply to decide whether those sections are held."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

HOME = "CHN"


def _stamp(root: Path) -> int:
    """The store's modification time: a re-import invalidates the cached tables."""
    from silkscope.workspace import DB_NAME

    path = Path(root) / DB_NAME
    return path.stat().st_mtime_ns if path.exists() else 0


@lru_cache(maxsize=4)
def _table(root: str, stamp: int):
    from silkscope.partners.table import partner_table
    from silkscope.workspace import Workspace

    return partner_table(Workspace.open(root), HOME, lang="en")


def study_partner_table(root: Path):
    """:class:`~silkscope.partners.table.PartnerTable` of the study at ``root`` (home China,
    latest values), cached per store version; its sources texts are in English (the sections
    quote only its numbers and year spans, which do not depend on the language)."""
    return _table(str(root), _stamp(root))


@lru_cache(maxsize=4)
def _held(root: str, stamp: int) -> tuple[frozenset[str], int]:
    from silkscope.workspace import Workspace

    ws = Workspace.open(root)
    held = ws.query(
        "SELECT DISTINCT v.indicator_id FROM indicator_values v JOIN units u USING (unit_id) "
        "WHERE u.level = 'country' AND v.value IS NOT NULL"
    )
    pairs = ws.query("SELECT count(*) AS n FROM pairs WHERE origin = ? AND dist_km IS NOT NULL", [HOME])
    return frozenset(held["indicator_id"]), int(pairs["n"].iloc[0])


def held_country_indicators(root: Path | None) -> frozenset[str]:
    """The indicator ids the study holds a value of for some country (plus ``dist_km`` when it
    holds GeoDist distances from China); empty without a study."""
    from silkscope.workspace import CONFIG_NAME

    if root is None or not (Path(root) / CONFIG_NAME).exists():
        return frozenset()
    indicators, pairs = _held(str(root), _stamp(root))
    return indicators | ({"dist_km"} if pairs else frozenset())


def named_list(names: list[str], t, limit: int = 12) -> str:
    """Names joined in the report's language, the first ``limit`` and a count of the rest
    ("none" for no name)."""
    if not names:
        return t("modules.none")
    sep = t("module_b.list_sep")
    if len(names) <= limit:
        return sep.join(names)
    return sep.join(names[:limit]) + t("module_b.and_more", n=len(names) - limit)
