"""Interface languages: negotiation, gettext catalogs and number/date formatting, in one place.

Babel's CLDR data has no Hmong, so a locale here is our own small record: its messages come from
``translations/<code>/`` while numbers and dates are formatted with ``formatting`` (English for
Hmong). Nothing else in the code special-cases a language.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import LazyProxy, NullTranslations, Translations
from flask import current_app, g, has_request_context, request, session

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DEFAULT_LOCALE = "en"


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


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English", "en", "ltr", "en"),
        Language("es", "Español", "es", "ltr", "es"),
        Language("vi", "Tiếng Việt", "vi", "ltr", "vi"),
        Language("zh_Hans", "中文", "zh-Hans", "ltr", "zh_Hans"),
        Language("ar", "العربية", "ar", "rtl", "ar"),
        Language("so", "Soomaali", "so", "ltr", "so"),
        Language("ht", "Kreyòl ayisyen", "ht", "ltr", "ht"),
        Language("hmn", "Hmoob", "hmn", "ltr", "en"),
    )
}
LOCALE_CODES: tuple[str, ...] = tuple(LANGUAGES)


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
        if candidate in available:
            return candidate
    for raw, quality in accept:
        code = normalise_code(raw)
        if quality > 0 and code in available:
            return code
    return default if default in available else (available[0] if available else DEFAULT_LOCALE)


@functools.cache
def _translations(code: str) -> NullTranslations:
    if code == DEFAULT_LOCALE:
        return NullTranslations()
    loaded = Translations.load(str(TRANSLATIONS_DIR), [code])
    return loaded


def current_locale() -> str:
    if has_request_context():
        return str(g.get("locale", DEFAULT_LOCALE))
    return DEFAULT_LOCALE


def _choose(
    parameter: str, remembered_as: str, available: Sequence[str], default: str | None
) -> str:
    """Negotiate the request's language from ``?<parameter>=`` and ``session[remembered_as]``,
    remember an explicit choice, and make it the request's locale."""
    requested = request.args.get(parameter)
    code = negotiate(
        requested=requested,
        remembered=session.get(remembered_as),
        accept=request.accept_languages,
        available=available,
        default=default or current_app.config.get("DEFAULT_LOCALE", DEFAULT_LOCALE),
    )
    if requested and normalise_code(requested) == code:
        session[remembered_as] = code
    g.locale = code
    return code


def select_locale(available: Sequence[str] | None = None, default: str | None = None) -> str:
    """Choose the request's locale among ``available`` and remember an explicit choice."""
    return _choose("lang", "lang", list(available or LOCALE_CODES), default)


def select_staff_locale() -> str:
    """The staff interface's language: ``?ui=`` (the header's picker) → remembered → Accept-Language
    → the default.

    On staff pages ``?lang=`` names a *survey's* language (the one being translated, previewed or
    printed), so it never changes the interface, and the two are remembered apart.
    """
    return _choose("ui", "ui_lang", LOCALE_CODES, None)


def translations() -> NullTranslations:
    return _translations(current_locale())


def translations_for(code: str) -> NullTranslations:
    return _translations(language(code).code)


def gettext_in(code: str, message: str) -> str:
    """``message`` in a given language, whatever the request's language is."""
    return translations_for(code).gettext(message)


def use_locale(code: str) -> None:
    """Render the rest of this request in ``code`` (a poster or a preview in another language)."""
    g.locale = language(code).code


def gettext(message: str, **variables: Any) -> str:
    text = translations().gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return translations().ngettext(singular, plural, num) % variables


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    return LazyProxy(gettext, message, enable_cache=False, **variables)


_ = gettext
_l = lazy_gettext


def format_number(value: float | int) -> str:
    return babel_numbers.format_decimal(value, locale=language(current_locale()).babel)


def format_percent(value: float) -> str:
    return babel_numbers.format_percent(value, locale=language(current_locale()).babel)


#: Month names CLDR lacks for Haitian Creole (it prints "2026 M10 30").
_HT_MONTHS = (
    "janvye", "fevriye", "mas", "avril", "me", "jen",
    "jiyè", "out", "septanm", "oktòb", "novanm", "desanm",
)  # fmt: skip


def format_date(value: date | datetime, format: str = "medium") -> str:
    """A date in the current language; where CLDR has no words for it, in ours or in digits."""
    code = current_locale()
    if code == "hmn":
        # No CLDR data for Hmong: digits in the order Hmong Americans read, rather than English.
        return f"{value.month}/{value.day}/{value.year}"
    if code == "ht" and format != "short":
        return f"{value.day} {_HT_MONTHS[value.month - 1]} {value.year}"
    if code == "ar" and format == "medium":
        format = "long"  # CLDR's medium Arabic date is all digits; the long one names the month
    if code == "so" and format != "short":
        format = "d MMMM y"  # CLDR mixes "30-Okt-2026" and "Oktoobar 30, 2026"
    return babel_dates.format_date(value, format=format, locale=language(current_locale()).babel)


#: Chinese punctuation is full-width: no space after "：" or "。", and lists take "、".
_FULL_WIDTH = {"zh_Hans"}


def spacer() -> str:
    """What goes between a label ending in punctuation and what follows it."""
    return "" if current_locale() in _FULL_WIDTH else " "


def format_list(items: Iterable[str]) -> str:
    """Items as a plain list in the current language (no "and", which Hmong would get in English)."""
    separator = {"zh_Hans": "、", "ar": "، "}.get(current_locale(), ", ")
    return separator.join(items)


def init_app(app: Any) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)
    app.jinja_env.globals.update(
        current_language=lambda: language(current_locale()),
        languages=LANGUAGES,
        format_number=format_number,
        format_date=format_date,
        format_percent=format_percent,
        format_list=format_list,
        spacer=spacer,
    )
