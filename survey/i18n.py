"""Interface languages: negotiation, gettext catalogs and number/date formatting, in one place.

Babel's CLDR data has no Hmong, so a locale here is our own small record: its messages come from
``translations/<code>/`` while numbers and dates are formatted with ``formatting`` (English for
Hmong). Nothing else in the code special-cases a language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.support import LazyProxy, NullTranslations
from flask import current_app, g, has_request_context, request, session
from markupsafe import Markup

from survey import catalogs
from survey.languages import (
    DEFAULT_LOCALE,
    LANGUAGES,
    LOCALE_CODES,
    TRANSLATIONS_DIR,
    Language,
    asked_for,
    content_code,
    content_language,
    interface_for,
    language,
    language_name,
    language_tag,
    negotiate,
    negotiate_content,
    normalise_code,
)

__all__ = [
    "DEFAULT_LOCALE",
    "LANGUAGES",
    "LOCALE_CODES",
    "TRANSLATIONS_DIR",
    "Language",
    "content_code",
    "content_language",
    "interface_for",
    "language",
    "negotiate",
    "negotiate_content",
    "normalise_code",
]

#: the catalog of a language code; a module attribute so tests can swap the catalogs
_translations = catalogs.load


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


def select_content_locale(
    available: Sequence[str], default: str, interface_fallback: str = DEFAULT_LOCALE
) -> str:
    """A survey's content language for this request, among ``available`` (any BCP 47 language),
    remembered like :func:`select_locale`; the interface takes the same language when it has a
    catalog, else ``interface_fallback``."""
    requested = request.args.get("lang")
    code = negotiate_content(
        requested=requested,
        remembered=session.get("lang"),
        accept=request.accept_languages,
        available=available,
        default=default,
    )
    if requested and content_code(requested) == code:
        session["lang"] = code
    g.locale = interface_for(code, interface_fallback)
    g.content_locale = code
    return code


def content_locale() -> str:
    """The request's content language (a survey's), which may have no interface catalog."""
    return str(g.get("content_locale") or current_locale())


def content_attrs() -> Markup:
    """`` lang="sw" dir="ltr"`` for an element holding survey content, when it is in a language
    other than the interface's (which the page's ``<html>`` element names)."""
    language = content_language(content_locale())
    page = content_language(current_locale())
    if (language.tag, language.direction) == (page.tag, page.direction):
        return Markup("")  # the page's own <html lang dir> already says it
    return Markup(' lang="{}" dir="{}"').format(language.tag, language.direction)


def select_staff_locale() -> str:
    """The staff interface's language: ``?ui=`` (the header's picker) → remembered → Accept-Language
    → the default.

    On staff pages ``?lang=`` names a *survey's* language (the one being translated, previewed or
    printed), so it never changes the interface, and the two are remembered apart.
    """
    return _choose("ui", "ui_lang", LOCALE_CODES, None)


@dataclass(frozen=True)
class LanguageMenu:
    """What a resident page's language choice offers, for the request's browser."""

    codes: list[str]  #: the page's languages, the ones the browser asks for first
    #: the page may not be in the reader's language: the browser did not ask for it, or asked only
    #: for the default (phones are often left on English by people who read another language)
    unsure: bool


def language_menu(available: Sequence[str], default: str) -> LanguageMenu:
    """The language choice of a page offered in ``available`` languages (``default`` first)."""
    asked = asked_for(request.accept_languages, available) if has_request_context() else []
    codes = asked + [code for code in available if code not in asked]
    here = current_locale()
    return LanguageMenu(codes=codes, unsure=not asked or asked[0] != here or here == default)


def translations() -> NullTranslations:
    return _translations(current_locale())


def translations_for(code: str) -> NullTranslations:
    return _translations(language(code).code)


def gettext_in(code: str, message: str) -> str:
    """``message`` in a given language, whatever the request's language is."""
    return translations_for(code).gettext(message)


def use_locale(code: str) -> None:
    """Render the rest of this request in ``code`` (a poster or a preview in another language);
    a content language without a catalog keeps the interface in English."""
    g.locale = language(code).code
    g.content_locale = code


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


def back_arrow() -> str:
    """The arrow of a "back" link: it points to where reading started (right in Arabic)."""
    return "→" if language(current_locale()).direction == "rtl" else "←"


def forward_arrow() -> str:
    """The arrow from before to after, in the reading direction."""
    return "←" if language(current_locale()).direction == "rtl" else "→"


def init_app(app: Any) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # Jinja fills the placeholders itself (newstyle), so it gets the plain catalog lookup.
    app.jinja_env.install_gettext_callables(
        gettext, lambda s, p, n: translations().ngettext(s, p, n), newstyle=True
    )
    app.jinja_env.globals.update(
        current_language=lambda: language(current_locale()),
        content_language=lambda: content_language(content_locale()),
        language_of=content_language,
        language_name=language_name,
        language_tag=language_tag,
        content_attrs=content_attrs,
        languages=LANGUAGES,
        language_menu=language_menu,
        format_number=format_number,
        format_date=format_date,
        format_percent=format_percent,
        format_list=format_list,
        spacer=spacer,
        back_arrow=back_arrow,
        forward_arrow=forward_arrow,
    )
