"""The interface catalogs (``translations/<code>/LC_MESSAGES/messages.mo``), read without Flask.

``survey/i18n.py`` picks the request's language and uses these; the services use them for the
texts the app itself writes into a survey (such as “Prefer not to say”), in any language.
"""

from __future__ import annotations

import functools

from babel.support import NullTranslations, Translations

from survey.languages import DEFAULT_LOCALE, TRANSLATIONS_DIR, language


@functools.cache
def load(code: str) -> NullTranslations:
    """The catalog of one of our language codes (cached for the life of the process)."""
    if code == DEFAULT_LOCALE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [code])


def translations_for(code: str) -> NullTranslations:
    """The catalog of ``code`` (English, the source language, for codes the app does not speak)."""
    return load(language(code).code)


def gettext_in(code: str, message: str) -> str:
    """``message`` in the language ``code``."""
    return translations_for(code).gettext(message)
