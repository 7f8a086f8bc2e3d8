"""The languages the app speaks, as plain data without Flask: codes, names, direction, the CLDR
locale that formats numbers and dates, and how a requested language is matched to one of them.

Two sets of languages:

*Interface languages* (buttons, errors, staff pages) are those with a gettext catalog. They are
data: ``translations/languages.json`` lists them and ``translations/<code>/`` holds each catalog,
so adding a ninth is a catalog and one entry there, with no code change. ``CV_TRANSLATIONS_DIR``
points at another folder laid out the same way.

*Content languages* (what staff write in a survey: questions, options, titles) may be any
BCP 47 language: Swahili, Tagalog, Dari... A content language that is not an interface language
is shown with the interface in a fallback language (:func:`interface_for`).

``survey/i18n.py`` adds what needs a request (the current locale, catalogs, formatting);
``survey/document.py`` and the services import only this module.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError

DEFAULT_LOCALE = "en"
#: where the interface catalogs and ``languages.json`` live
#: compiled into the package by the wheel build (setup.py); the checkout's own folder otherwise
_PACKAGED = Path(__file__).resolve().parent / "translations"
TRANSLATIONS_DIR = Path(
    os.environ.get("CV_TRANSLATIONS_DIR")
    or (
        _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parent.parent / "translations"
    )
)


@dataclass(frozen=True)
class Language:
    code: str  #: our code, also the catalog folder name (``zh_Hans``)
    native_name: str  #: the language named in itself, for the switcher
    tag: str  #: BCP 47 tag for ``<html lang>`` (``zh-Hans``)
    direction: str  #: ``ltr`` | ``rtl``
    formatting: str  #: the CLDR locale that formats its numbers and dates

    @property
    def babel(self) -> Locale:
        return Locale.parse(self.formatting)


def _interface_languages(folder: Path) -> dict[str, Language]:
    entries = json.loads((folder / "languages.json").read_text(encoding="utf-8"))
    return {entry["code"]: Language(**entry) for entry in entries}


#: the interface languages, in the switcher's order (English, whose texts are the msgids, first)
LANGUAGES: dict[str, Language] = _interface_languages(TRANSLATIONS_DIR)
LOCALE_CODES: tuple[str, ...] = tuple(LANGUAGES)

#: primary languages and scripts written right to left, for content languages CLDR does not know
_RTL_LANGUAGES = frozenset(
    {"ar", "fa", "prs", "ur", "ps", "he", "yi", "dv", "ckb", "sd", "ug", "syr", "arc", "ks",
     "pnb", "skr", "bal", "glk", "mzn", "lrc", "bqi", "azb", "nqo", "rhg"}
)  # fmt: skip
#: languages residents speak that CLDR has no name for (Dari, Karen, Mayan and Nahua languages…)
_NOT_IN_CLDR = frozenset(
    {"prs", "kar", "ksw", "pwo", "kjp", "mam", "yua", "nah", "nhe", "mix", "tzo", "tzh", "kjb",
     "cak", "kek", "hmn", "mww", "hnj", "ctd", "cnh", "lus", "rhg", "kdt"}
)  # fmt: skip
#: the primary subtags a content language may have: CLDR's languages and the ones above
_KNOWN_LANGUAGES = frozenset(Locale("en").languages) | _NOT_IN_CLDR
#: names in themselves of content languages CLDR names poorly or not at all
_NATIVE_NAMES = {"tl": "Tagalog", "prs": "دری", "ksw": "ကညီကျိာ်", "kar": "Karen", "hmn": "Hmoob"}
_RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg", "Mand"})
#: a BCP 47 tag as stored in a survey: language, then optional script and region (``fa_AF``)
_CONTENT_CODE = re.compile(
    r"(?P<lang>[a-z]{2,3})(?:_(?P<script>[A-Z][a-z]{3}))?(?:_(?P<region>[A-Z]{2}|\d{3}))?"
)


def content_code(raw: str | None) -> str | None:
    """A content language's code for a BCP 47 tag (``sw``, ``fa-AF``, ``zh-hant``, ``EN``):
    an interface language's own code when it is one, else the tag with ``_`` and the usual case
    (``fa_AF``, ``zh_Hant``); ``None`` when ``raw`` is not a language tag."""
    if not raw:
        return None
    parts = raw.strip().replace("-", "_").split("_")
    if not parts[0]:
        return None
    cased = [parts[0].lower()]
    for part in parts[1:]:
        cased.append(part.title() if len(part) == 4 and part.isalpha() else part.upper())
    code = "_".join(cased)
    for interface in LANGUAGES:
        if interface.lower() == code.lower():
            return interface
    match = _CONTENT_CODE.fullmatch(code)
    return code if match and match["lang"] in _KNOWN_LANGUAGES else None


def is_content_code(code: object) -> bool:
    return isinstance(code, str) and content_code(code) == code


def content_language(code: str) -> Language:
    """What the app knows of a content language: the interface language of that code, else its
    name in itself and its direction from CLDR (the code itself where CLDR has no name)."""
    if code in LANGUAGES:
        return LANGUAGES[code]
    match = _CONTENT_CODE.fullmatch(code)
    tag = code.replace("_", "-")
    try:
        locale = Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        locale = None
    name = _NATIVE_NAMES.get(code) or (locale.get_display_name(locale) if locale else None) or tag
    if match and match["script"]:
        rtl = match["script"] in _RTL_SCRIPTS
    elif locale is not None and locale.text_direction:
        rtl = locale.text_direction == "rtl"
    else:
        rtl = match is not None and match["lang"] in _RTL_LANGUAGES
    return Language(code, name, tag, "rtl" if rtl else "ltr", DEFAULT_LOCALE)


def language_name(code: str | None) -> str:
    """A language as staff see it in a list: its name in itself, whatever the code (an answer
    in Swahili reads "Kiswahili", not "sw"); nothing when no language is known."""
    return content_language(code).native_name if code else ""


def language_tag(code: str | None) -> str:
    """The BCP 47 tag for ``lang`` on text in ``code`` (``und`` when no language is known)."""
    return content_language(code).tag if code else "und"


def interface_for(content: str, fallback: str = DEFAULT_LOCALE) -> str:
    """The interface language shown with content in ``content``: itself when it has a catalog,
    else ``fallback`` (a survey's choice, English by default)."""
    if content in LANGUAGES:
        return content
    return fallback if fallback in LANGUAGES else DEFAULT_LOCALE


def language(code: str | None) -> Language:
    return LANGUAGES.get(code or DEFAULT_LOCALE, LANGUAGES[DEFAULT_LOCALE])


def normalise_code(raw: str | None) -> str | None:
    """Map what a URL or a browser says (``zh-CN``, ``ES``, ``ar_EG``) to one of our codes."""
    if not raw:
        return None
    text = raw.strip().replace("-", "_")
    if text in LANGUAGES:
        return text
    lowered = text.lower()
    for code in LANGUAGES:
        if code.lower() == lowered:
            return code
    primary = lowered.split("_", 1)[0]
    if primary == "zh":
        # Only Simplified Chinese is offered; a Traditional reader still understands most of it
        # better than the English fallback.
        return "zh_Hans"
    return primary if primary in LANGUAGES else None


def negotiate_content(
    *,
    requested: str | None,
    remembered: str | None,
    accept: Iterable[tuple[str, float]],
    available: Sequence[str],
    default: str,
) -> str:
    """:func:`negotiate` among a survey's content languages, any BCP 47 tag among them: an exact
    tag first, then an interface language's usual match (``zh-CN`` for ``zh_Hans``)."""

    def match(raw: str | None) -> str | None:
        code = content_code(raw)
        if code in available:
            return code
        near = normalise_code(raw)
        return near if near in available else None

    for candidate in (match(requested), match(remembered)):
        if candidate:
            return candidate
    for raw, quality in accept:
        code = match(raw)
        if quality > 0 and code:
            return code
    return default if default in available else (available[0] if available else DEFAULT_LOCALE)


def negotiate(
    *,
    requested: str | None,
    remembered: str | None,
    accept: Iterable[tuple[str, float]],
    available: Sequence[str],
    default: str,
) -> str:
    """The order DESIGN.md promises: ``?lang=`` → session → Accept-Language → the default."""
    for candidate in (normalise_code(requested), normalise_code(remembered)):
        if candidate is not None and candidate in available:
            return candidate
    asked = asked_for(accept, available)
    if asked:
        return asked[0]
    return default if default in available else (available[0] if available else DEFAULT_LOCALE)


def asked_for(accept: Iterable[tuple[str, float]], available: Sequence[str]) -> list[str]:
    """The languages of ``available`` that a browser's Accept-Language asks for, most wanted first."""
    asked: list[str] = []
    for raw, quality in accept:
        code = normalise_code(raw)
        if code is not None and quality > 0 and code in available and code not in asked:
            asked.append(code)
    return asked
