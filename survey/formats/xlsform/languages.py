"""Languages in XLSForm column headers (``label::Swahili (sw)``) and our content-language codes.

A header names its language as ``Name (code)``, a bare name or a bare code. The code in
parentheses wins over the name (``Chinese (zh-Hant)`` is Traditional Chinese whatever the name
says); any BCP 47 code is a survey content language (:mod:`survey.languages`). Names and
three-letter codes of our interface languages are understood too (``Español``, ``spa``).
We write ``Name (code)`` with the primary subtag, as the reference converter expects
(``Chinese (zh)`` for our Simplified Chinese), and the full tag (``fa-AF``) only where the
primary subtag would read back as another language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from babel import Locale

from survey.languages import content_code

#: names some forms give our interface languages, in English or in themselves
_LANGUAGE_NAMES: dict[str, str] = {
    "english": "en",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "vietnamese": "vi",
    "tiếng việt": "vi",
    "tieng viet": "vi",
    "chinese": "zh_Hans",
    "simplified chinese": "zh_Hans",
    "chinese simplified": "zh_Hans",
    "中文": "zh_Hans",
    "简体中文": "zh_Hans",
    "arabic": "ar",
    "العربية": "ar",
    "somali": "so",
    "soomaali": "so",
    "af-soomaali": "so",
    "haitian": "ht",
    "haitian creole": "ht",
    "kreyòl": "ht",
    "kreyol": "ht",
    "kreyòl ayisyen": "ht",
    "kreyol ayisyen": "ht",
    "hmong": "hmn",
    "hmoob": "hmn",
}
#: ISO 639-2 codes some forms use, and Chinese without a script (which we write as Simplified)
_LANGUAGE_CODES: dict[str, str] = {
    "eng": "en",
    "spa": "es",
    "vie": "vi",
    "zh": "zh_Hans",
    "zho": "zh_Hans",
    "chi": "zh_Hans",
    "zh_cn": "zh_Hans",
    "zh_sg": "zh_Hans",
    "ara": "ar",
    "som": "so",
    "hat": "ht",
}
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*")
_ENGLISH = Locale("en")


def _from_code(raw: str) -> str | None:
    code = raw.strip().lower().replace("-", "_")
    return _LANGUAGE_CODES.get(code) or content_code(raw)


def locale_of(language: str) -> str | None:
    """Our content-language code for an XLSForm language (``Swahili (sw)``, ``Español``, ``ES``),
    else None (a name we cannot place)."""
    text = unicodedata.normalize("NFC", language).strip()
    named = re.fullmatch(r"(.*?)\s*\(([^()]*)\)", text, re.DOTALL)
    if named:
        if _TAG.fullmatch(named[2].strip()):
            return _from_code(named[2])
        text = named[1]  # "Chinese (Simplified)": a description, not a code
    known = _LANGUAGE_NAMES.get(re.sub(r"\s+", " ", text.lower()))
    if known:
        return known
    return _from_code(text) if _TAG.fullmatch(text) else _english_name_code(text)


def _english_name_code(name: str) -> str | None:
    wanted = name.strip().lower()
    for code, english in _ENGLISH.languages.items():
        if english.lower() == wanted and "_" not in code:
            return content_code(code)
    return None


def english_name(locale: str) -> str:
    primary = locale.split("_", 1)[0]
    if locale == "zh_Hans":
        return "Chinese"
    return _ENGLISH.languages.get(locale) or _ENGLISH.languages.get(primary) or locale


def language_header(locale: str, locales: Sequence[str] = ()) -> str:
    """How a locale is named in a column header: ``Spanish (es)``; ``locales`` are the other
    languages of the same survey (a full tag only where two share a primary subtag)."""
    primary = locale.split("_", 1)[0]
    shared = sum(1 for other in locales if other.split("_", 1)[0] == primary) > 1
    # The primary subtag alone when it reads back as this language (``zh`` is our Simplified
    # Chinese); else the full tag, which the reference converter warns about but keeps.
    tag = locale.replace("_", "-") if shared or _from_code(primary) != locale else primary
    return f"{english_name(locale)} ({tag})"
