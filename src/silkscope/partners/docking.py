"""Docking strategy: recommended cooperation modes per partner from an editable YAML rule table.

Nothing is generated: every recommendation is a rule of ``docking_rules.yaml`` (or the user's own
file in the same layout, documented at its top) whose tier and pillar conditions the country
meets, with the rule's zh/en text and, in ``evidence``, the numbers that triggered it, e.g.
``tier 1; proximity 0.72 > 0.6``; a rule's ``show`` columns add the country's values behind the
pillar (e.g. ``ip_patents_resd_per_million = 412``). An ``optional`` rule is skipped, not
refused, when the framework lacks one of its pillars (the IP-environment rule: the pillar exists
only when the study imported the WDI IP series). Pillar scores are on the 0-1 scale of
:attr:`silkscope.partners.tiers.TierResult.pillar_scores`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from silkscope.errors import InputError

RULES_PATH = Path(__file__).resolve().parent / "docking_rules.yaml"
MODES = (
    "trade_of_cultural_goods",
    "co_production",
    "cultural_parks",
    "talent_exchange",
    "ip_licensing",
    "tourism",
)
LANGS = ("en", "zh")
_RULE_KEYS = {"id", "tier", "when", "modes", "text", "optional", "show"}
_CONDITION_KEYS = {"pillar", "above", "below", "driver"}
RECOMMENDATION_COLUMNS = (
    "country",
    "tier",
    "rule",
    "mode",
    "mode_en",
    "mode_zh",
    "text_en",
    "text_zh",
    "evidence",
)


@dataclass(frozen=True)
class Condition:
    """``pillar`` score above/below thresholds, or the country's ``driver`` equal to a pillar."""

    pillar: str | None = None
    above: float | None = None
    below: float | None = None
    driver: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    tiers: tuple[int, ...] | None  # None: every tier
    when: tuple[Condition, ...]
    modes: tuple[str, ...]
    text: Mapping[str, str]
    optional: bool = False  # skipped when the framework lacks one of its pillars
    show: tuple[str, ...] = ()  # value columns quoted in the evidence

    def pillars(self) -> set[str]:
        return {str(c.pillar or c.driver) for c in self.when}


@dataclass(frozen=True)
class DockingRules:
    """Validated rules and the zh/en names of the modes."""

    modes: Mapping[str, Mapping[str, str]]
    rules: tuple[Rule, ...]
    source: str = "<dict>"

    def pillars(self) -> set[str]:
        """Pillars the non-optional rules need."""
        return {p for r in self.rules if not r.optional for p in r.pillars()}


def _texts(raw: Any, what: str, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise InputError(f"{what}: text must be a mapping {{en: ..., zh: ...}}", file=where)
    missing = [lang for lang in LANGS if not str(raw.get(lang) or "").strip()]
    if missing:
        raise InputError(
            f"{what}: missing {' and '.join(missing)} text", file=where, hint="give both en and zh"
        )
    return {lang: str(raw[lang]).strip() for lang in LANGS}


def _number(value: Any, what: str, where: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what}: threshold {value!r} is not a number", file=where) from None


def parse_rules(data: Any, pillars: Iterable[str] | None = None, source: str = "<dict>") -> DockingRules:
    """Validate a rule table (the YAML's content); unknown modes, keys, pillars (when ``pillars``
    is given) and missing zh/en texts raise :class:`InputError` naming the rule."""
    where = source
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise InputError("a docking rule table is a mapping with 'modes' and a list 'rules'", file=where)
    raw_modes = data.get("modes") or {}
    if not isinstance(raw_modes, Mapping):
        raise InputError("'modes' must map each mode to {en: ..., zh: ...}", file=where)
    unknown = [m for m in raw_modes if m not in MODES]
    if unknown:
        raise InputError(
            f"unknown mode(s) {', '.join(map(str, unknown))} under 'modes'; expected {', '.join(MODES)}",
            file=where,
        )
    modes = {m: _texts(raw_modes.get(m), f"mode '{m}'", where) for m in MODES if m in raw_modes}
    known_pillars = None if pillars is None else set(pillars)
    rules: list[Rule] = []
    seen: set[str] = set()
    for n, raw in enumerate(data["rules"], start=1):
        if not isinstance(raw, Mapping):
            raise InputError(f"rule {n}: every rule is a mapping with id, modes and text", file=where)
        rule_id = str(raw.get("id") or f"#{n}")
        what = f"rule '{rule_id}'"
        if rule_id in seen:
            raise InputError(f"{what}: the id is used twice", file=where)
        seen.add(rule_id)
        extra = set(raw) - _RULE_KEYS
        if extra:
            raise InputError(f"{what}: unknown key(s) {', '.join(sorted(map(str, extra)))}", file=where)
        tiers = raw.get("tier")
        if tiers is None or tiers == "any":
            tier_tuple = None
        else:
            items = tiers if isinstance(tiers, list) else [tiers]
            try:
                tier_tuple = tuple(int(t) for t in items)
            except (TypeError, ValueError):
                raise InputError(
                    f"{what}: tier must be a number or a list of numbers, got {tiers!r}", file=where
                ) from None
        rule_modes = raw.get("modes")
        rule_modes = [rule_modes] if isinstance(rule_modes, str) else rule_modes
        if not rule_modes or not isinstance(rule_modes, list):
            raise InputError(f"{what}: no modes", file=where, hint=f"use some of {', '.join(MODES)}")
        bad = [str(m) for m in rule_modes if m not in MODES]
        if bad:
            raise InputError(
                f"{what}: unknown mode(s) {', '.join(bad)}; expected {', '.join(MODES)}", file=where
            )
        undefined = [m for m in rule_modes if m not in modes]
        if undefined:
            raise InputError(
                f"{what}: mode(s) {', '.join(undefined)} have no en/zh names under 'modes'", file=where
            )
        when = raw.get("when") or []
        when = [when] if isinstance(when, Mapping) else when
        if not isinstance(when, list):
            raise InputError(f"{what}: 'when' must be a condition or a list of conditions", file=where)
        conditions = []
        for cond in when:
            if not isinstance(cond, Mapping) or set(cond) - _CONDITION_KEYS:
                raise InputError(
                    f"{what}: a condition is {{pillar: NAME, above: X}}, {{pillar: NAME, below: X}} or "
                    f"{{driver: NAME}}; got {cond!r}",
                    file=where,
                )
            pillar, driver = cond.get("pillar"), cond.get("driver")
            if (pillar is None) == (driver is None):
                raise InputError(
                    f"{what}: a condition names either a pillar or a driver: {dict(cond)!r}", file=where
                )
            if pillar is not None and "above" not in cond and "below" not in cond:
                raise InputError(
                    f"{what}: the pillar condition on '{pillar}' needs above or below", file=where
                )
            if driver is not None and ("above" in cond or "below" in cond):
                raise InputError(f"{what}: a driver condition takes no threshold", file=where)
            name = str(pillar or driver)
            if known_pillars is not None and name not in known_pillars and not raw.get("optional"):
                raise InputError(
                    f"{what}: unknown pillar '{name}'; expected one of {', '.join(sorted(known_pillars))}",
                    file=where,
                )
            conditions.append(
                Condition(
                    pillar=None if pillar is None else str(pillar),
                    above=None if "above" not in cond else _number(cond["above"], what, where),
                    below=None if "below" not in cond else _number(cond["below"], what, where),
                    driver=None if driver is None else str(driver),
                )
            )
        text = _texts(raw.get("text"), what, where)
        show = raw.get("show") or []
        show = [show] if isinstance(show, str) else show
        if not isinstance(show, list) or not all(isinstance(c, str) for c in show):
            raise InputError(f"{what}: 'show' must be a list of column names", file=where)
        optional = raw.get("optional", False)
        if not isinstance(optional, bool):
            raise InputError(f"{what}: 'optional' must be true or false, got {optional!r}", file=where)
        rules.append(
            Rule(rule_id, tier_tuple, tuple(conditions), tuple(rule_modes), text, optional, tuple(show))
        )
    return DockingRules(modes, tuple(rules), source)


def load_rules(path: str | Path | None = None, pillars: Iterable[str] | None = None) -> DockingRules:
    """The rule table at ``path`` (the built-in ``docking_rules.yaml`` by default), validated."""
    path = RULES_PATH if path is None else Path(path)
    if not path.is_file():
        raise InputError(f"rule file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable UTF-8 YAML file: {exc}", file=path) from exc
    return parse_rules(data, pillars, source=str(path))


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 1e6 else f"{value:.4g}"


def _check(cond: Condition, scores: Mapping[str, float], driver: str | None) -> str | None:
    """The evidence text if the condition holds, else None."""
    if cond.driver is not None:
        return f"driver {driver}" if driver == cond.driver else None
    value = scores[cond.pillar]  # type: ignore[index]
    if pd.isna(value):
        return None
    parts = []
    if cond.above is not None:
        if not value > cond.above:
            return None
        parts.append(f"{cond.pillar} {value:.2f} > {_fmt(cond.above)}")
    if cond.below is not None:
        if not value < cond.below:
            return None
        parts.append(f"{cond.pillar} {value:.2f} < {_fmt(cond.below)}")
    return "; ".join(parts)


def recommend(
    tiers_frame: pd.DataFrame,
    pillar_scores: pd.DataFrame,
    rules: DockingRules | str | Path | Mapping[str, Any] | None = None,
    values: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per country, matching rule and mode: ``country, tier, rule, mode, mode_en,
    mode_zh, text_en, text_zh, evidence`` (the tier and pillar numbers that triggered the rule).

    ``tiers_frame`` needs ``country, tier`` (``driver`` for driver conditions); ``pillar_scores``
    ``country`` and one 0-1 column per pillar; ``rules`` a :class:`DockingRules`, a YAML path or
    its parsed content (the built-in table by default); ``values`` (``country`` + columns, e.g. the
    partner table) holds what a rule's ``show`` columns quote in the evidence."""
    for column in ("country", "tier"):
        if column not in tiers_frame.columns:
            raise InputError(f"the tiers table needs a '{column}' column", column=column)
    if "country" not in pillar_scores.columns:
        raise InputError("the pillar scores need a 'country' column", column="country")
    pillars = [c for c in pillar_scores.columns if c != "country"]
    known = set(pillars)
    if rules is None or isinstance(rules, str | Path):
        rules = load_rules(rules, known)
    elif isinstance(rules, Mapping):
        rules = parse_rules(rules, known)
    else:
        unknown = sorted(p for p in rules.pillars() if p not in known)
        if unknown:
            offender = next(r.id for r in rules.rules for c in r.when if (c.pillar or c.driver) in unknown)
            raise InputError(
                f"rule '{offender}': unknown pillar '{unknown[0]}'; expected one of {', '.join(sorted(known))}",
                file=rules.source,
            )
    scores = pillar_scores.set_index("country")[pillars]
    shown = values.set_index("country") if values is not None and "country" in values.columns else None
    active = [r for r in rules.rules if r.pillars() <= known or not r.optional]
    rows = []
    for rec in tiers_frame.itertuples(index=False):
        country, tier = str(rec.country), int(rec.tier)
        driver = getattr(rec, "driver", None)
        own = (
            scores.loc[country].to_dict() if country in scores.index else dict.fromkeys(pillars, float("nan"))
        )
        for rule in active:
            if rule.tiers is not None and tier not in rule.tiers:
                continue
            evidence = [f"tier {tier}"] if rule.tiers is not None else []
            for cond in rule.when:
                hit = _check(cond, own, driver)
                if hit is None:
                    break
                evidence.append(hit)
            else:
                evidence += _shown_values(rule.show, shown, country)
                text = "; ".join(evidence) or "every tier"
                for mode in rule.modes:
                    rows.append(
                        {
                            "country": country,
                            "tier": tier,
                            "rule": rule.id,
                            "mode": mode,
                            "mode_en": rules.modes[mode]["en"],
                            "mode_zh": rules.modes[mode]["zh"],
                            "text_en": rule.text["en"],
                            "text_zh": rule.text["zh"],
                            "evidence": text,
                        }
                    )
    return pd.DataFrame(rows, columns=list(RECOMMENDATION_COLUMNS))


def _shown_values(columns: tuple[str, ...], values: pd.DataFrame | None, country: str) -> list[str]:
    """``column = value`` for the ``show`` columns the country has a value in."""
    if values is None or country not in values.index:
        return []
    out = []
    for column in columns:
        if column in values.columns and pd.notna(values.at[country, column]):
            out.append(f"{column} = {_fmt(float(values.at[country, column]))}")
    return out


def modes_by_country(recommendations: pd.DataFrame) -> pd.DataFrame:
    """``country, modes`` (distinct modes, in rule order, joined by ``;``) and ``evidence``
    (``rule: evidence`` per rule, joined by `` | ``)."""
    if recommendations.empty:
        return pd.DataFrame(columns=["country", "modes", "evidence"])
    grouped = recommendations.groupby("country", sort=False)
    modes = grouped["mode"].agg(lambda s: ";".join(dict.fromkeys(s)))
    evidence = grouped[["rule", "evidence"]].apply(
        lambda b: " | ".join(dict.fromkeys(f"{r}: {e}" for r, e in zip(b.rule, b.evidence, strict=True)))
    )
    return pd.DataFrame({"country": modes.index, "modes": modes.to_numpy(), "evidence": evidence.to_numpy()})
