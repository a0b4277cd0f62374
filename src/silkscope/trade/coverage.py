"""What a set of bilateral flows can support: exporters and importers present, whether they form a
world matrix, and which indicators therefore cannot be computed from them.

Most trade indicators compare a country with "the world" or with a partner's total imports, and
silkscope takes both from the flows themselves (``trade/indicators.py``: X_WW = sum of all flows,
M_pk = sum of every exporter's flows to p). Those sums are the world's only when the flows hold the
exports of every trading country. A BACI extract of two exporters (AFG, ZAF) to 211 importers
gives RCA ~ 1 for every product of the bigger exporter, because "the world" is then that exporter.

**World matrix** (the rule used here): in every year, at least :data:`WORLD_SHARE` (90 %) of the
importers (country codes only, groupings left out) also appear as exporters, and there are at least
two exporters. Reasoning: in a complete BACI or Comtrade-mirror year each country is both an
exporter and an importer (BACI reconciles both declarations of every flow, Gaulier & Zignago 2010,
so a country with any recorded trade appears on both sides); the 10 % tolerance admits the few
territories that only import in a year. An extract of selected exporters fails it by far (2 of
211). The rule is applied to the flows of the chosen years over *all* products: that a country
exports none of the selected products is a true zero, not missing data.

What each indicator needs (WITS online help, "Trade indicators"):

* the world — ``rca``, ``market_share``, ``export_specialisation`` (M_pk, p's imports from every
  origin), ``trade_intensity``, ``trade_complementarity``, ``finger_kreinin`` against WLD, export
  potential (world supply shares, every origin's sales to the market);
* the reporter's imports — ``grubel_lloyd``, ``grubel_lloyd_aggregate``, ``net_export_ratio``:
  against a partner p they need p's exports (p must be an exporter of the flows), against WLD the
  world;
* only the reporter's exports — ``hhi_*``; ``finger_kreinin`` against another exporter.

Groupings: country codes that are not three letters (``X697`` "Europe EFTA, nes" from a BACI
release, UN ``S19``) are regions or residuals, not countries; they count in the world's totals but
are kept out of country-level rows unless asked for by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from silkscope.errors import InputError

WORLD_SHARE = 0.9
MIN_EXPORTERS = 2
_COUNTRY = re.compile(r"[A-Z]{3}")

NEEDS_WORLD = frozenset(
    {
        "rca",
        "market_share",
        "export_specialisation",
        "trade_intensity",
        "trade_complementarity",
    }
)
# indicators whose rows against a partner need the partner's exports, against WLD the world
NEEDS_PARTNER_EXPORTS = frozenset({"grubel_lloyd", "grubel_lloyd_aggregate", "net_export_ratio"})
# indicators whose rows against WLD need the world; against another exporter nothing more
NEEDS_WORLD_AS_PARTNER = frozenset({"finger_kreinin"})
NEEDS_OWN_EXPORTS = frozenset(
    {"hhi_markets", "hhi_markets_normalised", "hhi_products", "hhi_products_normalised"}
)


def is_grouping(code: str) -> bool:
    """True for a country code that is not an ISO3-style country (``X697``, ``S19``)."""
    return not _COUNTRY.fullmatch(str(code))


@dataclass(frozen=True)
class YearCoverage:
    """One year's flows: how many (of the selected products), and who exports / imports (any product)."""

    year: int
    flows: int
    exporters: frozenset[str]
    importers: frozenset[str]

    @property
    def countries_importing(self) -> frozenset[str]:
        return frozenset(c for c in self.importers if not is_grouping(c))

    @property
    def importers_exporting(self) -> float:
        """Share of the (country) importers that also export in the flows."""
        importing = self.countries_importing
        return len(importing & self.exporters) / len(importing) if importing else 0.0

    @property
    def world(self) -> bool:
        return len(self.exporters) >= MIN_EXPORTERS and self.importers_exporting >= WORLD_SHARE

    @property
    def non_exporters(self) -> list[str]:
        """Importing countries whose exports the flows do not hold."""
        return sorted(self.countries_importing - self.exporters)


@dataclass(frozen=True)
class Coverage:
    """The coverage of a selection of flows, year by year (see the module docstring)."""

    years: tuple[YearCoverage, ...]
    world_total: float | None = None  # the world's trade, when known from outside the flows
    value: float | None = None  # the flows' total, to set against world_total
    names: Mapping[str, str] = field(default_factory=dict)  # grouping code -> name, when known

    @classmethod
    def from_counts(cls, frame, **kwargs) -> Coverage:
        """From a frame with ``year, n, exporters, importers`` (lists of codes), as the one
        aggregate over the flows in ``commands/trade.py`` returns it."""
        years = tuple(
            YearCoverage(int(y), int(n), frozenset(e or ()), frozenset(i or ()))
            for y, n, e, i in zip(
                frame["year"], frame["n"], frame["exporters"], frame["importers"], strict=True
            )
        )
        return cls(tuple(sorted(years, key=lambda y: y.year)), **kwargs)

    @classmethod
    def of_flows(cls, flows) -> Coverage:
        """From a pandas flows frame (``year, exporter, importer, ...``)."""
        rows = []
        for year, part in flows.groupby("year", sort=True):
            rows.append(
                YearCoverage(int(year), len(part), frozenset(part["exporter"]), frozenset(part["importer"]))
            )
        return cls(tuple(rows))

    @property
    def world(self) -> bool:
        return bool(self.years) and all(y.world for y in self.years)

    @property
    def exporters(self) -> frozenset[str]:
        return frozenset().union(*(y.exporters for y in self.years))

    @property
    def importers(self) -> frozenset[str]:
        return frozenset().union(*(y.importers for y in self.years))

    @property
    def groupings(self) -> list[str]:
        return sorted(c for c in self.exporters | self.importers if is_grouping(c))

    @property
    def flows_per_year(self) -> dict[int, int]:
        return {y.year: y.flows for y in self.years if y.flows}

    def missing(self) -> str:
        """What the flows lack to be a world matrix, in words (English, for errors)."""
        worst = min(self.years, key=lambda y: y.importers_exporting)
        absent = worst.non_exporters
        shown = ", ".join(absent[:8]) + (", ..." if len(absent) > 8 else "")
        return (
            f"the exports of {len(absent)} of the {len(worst.countries_importing)} importing "
            f"countries ({shown}) in {worst.year}: the flows hold {len(worst.exporters)} "
            f"exporter(s) ({', '.join(sorted(worst.exporters)[:8])})"
        )

    def statement(self, lang: str = "en") -> str:
        """One line for a command's summary and a report: exporters, importers, world matrix, share."""
        from silkscope.i18n import translator

        t = translator(lang)
        worst = min(self.years, key=lambda y: y.importers_exporting) if self.years else None
        text = t(
            "trade_coverage.statement",
            exporters=len(self.exporters),
            importers=len(self.importers),
            years=", ".join(str(y.year) for y in self.years),
            share=f"{100 * worst.importers_exporting:.0f}" if worst else "0",
            world=t("trade_coverage.world.yes" if self.world else "trade_coverage.world.no"),
        )
        if self.world_total and self.value is not None:
            text += " " + t("trade_coverage.world_share", share=f"{100 * self.value / self.world_total:.1f}")
        else:
            text += " " + t("trade_coverage.world_share.unknown")
        if self.groupings:
            listed = ", ".join(f"{c} {self.names[c]}" if c in self.names else c for c in self.groupings)
            text += " " + t("trade_coverage.groupings", codes=listed)
        return text

    def note(self) -> str:
        """The ``note`` of a row computed with ``--allow-partial`` (Chinese / English)."""
        from silkscope.i18n import translator

        worst = min(self.years, key=lambda y: y.importers_exporting)
        fields = dict(exporters=len(worst.exporters), importers=len(worst.countries_importing))
        return " / ".join(translator(lang)("trade_coverage.note", **fields) for lang in ("zh", "en"))

    def require_world(self, what: str, allow_partial: bool) -> str | None:
        """None when the flows are a world matrix; else the note to put on ``what``'s rows when
        ``allow_partial``, or an InputError naming what is missing."""
        if self.world:
            return None
        if allow_partial:
            return self.note()
        raise InputError(
            f"{what} need(s) the world's trade, and these flows are not a world matrix: "
            f"missing {self.missing()}",
            hint="import flows of every exporter (a whole BACI year), or pass --allow-partial "
            "to compute them anyway, each row carrying a note",
        )

    def require_exporter(self, country: str, what: str, allow_partial: bool) -> str | None:
        """As :meth:`require_world`, and also refused when ``country`` exports nothing in the flows."""
        if country not in self.exporters:
            if not allow_partial:
                raise InputError(
                    f"{what} need(s) the exports of {country}, and {country} exports nothing in "
                    f"these flows (exporters: {', '.join(sorted(self.exporters)[:8])})",
                    hint="import flows that include its exports, or pass --allow-partial",
                )
            return self.note()
        return self.require_world(what, allow_partial)


def unsupported(indicators: Iterable[str]) -> list[str]:
    """The indicators among ``indicators`` that need more than the reporter's own exports."""
    return [i for i in indicators if i not in NEEDS_OWN_EXPORTS]
