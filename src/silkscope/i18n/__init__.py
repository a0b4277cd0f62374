"""Text shown to people, from gettext catalogues (``locale/<lang>/LC_MESSAGES/*.po``: one file
per part of the product, e.g. ``silkscope.po`` for the report core, ``web.po`` for the dashboard;
keys must be unique across files).

Message ids are stable keys (``report.title``), never English sentences, so a missing
translation is visible as a key and tests can check both catalogues are complete. Catalogues are
read with Babel at run time; no compiled ``.mo`` files are needed.
"""

from __future__ import annotations

import locale
import os
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from silkscope.errors import MethodError

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("zh", "en")


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """``{key: text}`` for one language from all its catalogue files (entries with an empty
    translation are left out); a key defined in two files is an error."""
    if lang not in LANGUAGES:
        raise MethodError(f"unknown language '{lang}'; expected one of {', '.join(LANGUAGES)}")
    texts: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with open(path, "rb") as handle:
            cat = read_po(handle, locale=lang, domain=path.stem)
        for message in cat:
            if message.id and message.string:
                if str(message.id) in texts:
                    raise MethodError(f"catalogue key '{message.id}' is defined twice ({path.name})")
                texts[str(message.id)] = str(message.string)
    return texts


class Translator:
    """``t("key", **fields)``: the text for ``key`` in one language, with ``{fields}`` filled in."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._texts = catalogue(lang)

    def __call__(self, key: str, **fields: Any) -> str:
        text = self._texts.get(key, key)
        return text.format(**fields) if fields else text

    def has(self, key: str) -> bool:
        return key in self._texts

    def name(self, names: Mapping[str, str] | None, fallback: str) -> str:
        """Pick the name in this language from ``{"en": ..., "zh": ...}``, else the other one."""
        if not names:
            return fallback
        return names.get(self.lang) or next((v for v in names.values() if v), fallback)


def translator(lang: str | None = None) -> Translator:
    """A Translator for ``lang``, or for the user's locale (Chinese if it is Chinese, else English)."""
    return Translator(lang or default_language())


def default_language() -> str:
    """``zh`` when the environment's locale is Chinese, else ``en``."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    current = locale.getlocale()[0] or ""
    return "zh" if current.lower().startswith("zh") else "en"


Gettext = Callable[..., str]
