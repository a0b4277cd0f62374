"""Precise suggestions for a mistyped country code on the command line ("did you mean CHN?").

Candidates are the ISO3 codes and the English and Chinese country names, compared with
:mod:`difflib` (Ratcliff/Obershelp similarity); among equally close codes, the one whose name
begins with what was typed comes first (``CHA`` -> CHN, China)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from silkscope.errors import InputError


def country_suggestions(typed: str, n: int = 3) -> list[str]:
    """Up to ``n`` ISO3 codes a user who typed ``typed`` probably meant, best first.

    Something shaped like a code (2-3 Latin letters) is compared with the codes: similarity, plus
    a bonus for the same first letter and for the same letters in another order (VMN -> VNM); ties
    go to the code whose English name is closest to what was typed (CHA -> CHN China). Anything
    else is compared with the English and Chinese names (Veitnam -> VNM, 越南 -> VNM)."""
    from silkscope.reference import country_name, iso3_codes

    text = str(typed).strip()
    codes = sorted(iso3_codes())
    if re.fullmatch(r"[A-Za-z]{2,3}", text):
        upper = text.upper()

        def score(code: str) -> tuple[float, float]:
            ratio = difflib.SequenceMatcher(None, upper, code).ratio()
            ratio += 0.15 * (code[0] == upper[0]) + 0.3 * (sorted(code) == sorted(upper))
            name = difflib.SequenceMatcher(None, upper.casefold(), country_name(code, "en").casefold())
            return (round(ratio, 3), name.ratio())

        ranked = sorted(codes, key=score, reverse=True)
        return [c for c in ranked if score(c)[0] >= 0.8][:n]
    names: dict[str, str] = {}
    for code in codes:
        for lang in ("en", "zh"):
            names.setdefault(country_name(code, lang).casefold(), code)
    matches = difflib.get_close_matches(text.casefold(), list(names), n, cutoff=0.6)
    return list(dict.fromkeys(names[m] for m in matches))


def did_you_mean(typed: str) -> str:
    """``did you mean CHN (China)?`` for ``typed``, or a pointer to the codes when nothing is close."""
    from silkscope.reference import country_name

    found = country_suggestions(typed)
    if not found:
        return "not an ISO3 code (e.g. CHN, VNM, UZB)"
    shown = " or ".join(f"{c} ({country_name(c, 'en')})" for c in found)
    return f"did you mean {shown}?"


def checked_country_codes(
    codes: Iterable[str], option: str, extra: dict[str, str] | None = None
) -> list[str]:
    """``codes`` given to ``option`` as ISO3 (ISO numeric and BACI codes accepted, ``extra``
    names more), or an InputError naming each unknown code with its closest matches."""
    from silkscope.trade.codes import iso3_mapping

    given = [str(c).strip() for c in codes]
    mapping = iso3_mapping(given, extra)
    unknown = [c for c in dict.fromkeys(given) if mapping.get(c) is None]
    if unknown:
        raise InputError(
            [f"{option}: unknown country code '{c}': {did_you_mean(c)}" for c in unknown],
            hint=f"give ISO3 codes to {option} (CHN, VNM, …); country names are not accepted",
        )
    return [str(mapping[c]) for c in given]
