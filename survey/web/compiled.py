"""Published survey versions compiled once per process, and resident pages rendered once.

A published version never changes, so what is made from it is kept, per app (one per worker
process), under the version's stamp (:class:`survey.services.catalog.VersionStamp`): the document
localised per content language, the WTForms form class per content and interface language, and
the HTML of each resident page per everything that page shows (:class:`PageTemplate`).

Whether a survey is open, and which of its versions is the newest, is read on every request in
one small query (:func:`survey.services.catalog.open_survey_stamp`), so a survey closed or
published again is seen at once by every worker; nothing here is ever invalidated, a new version
simply has a new stamp.

A page is kept with markers where the parts that differ per request go (the signed form key, the
form's token, the answers carried from other pages as hidden inputs, the page's notice); each
request fills them in. Only pages with nothing typed, chosen or wrong on them are kept: a page
showing a resident's answers or errors is rendered in full, from the compiled form class. Before a
page is kept it is rendered once more with sample values in place of the markers and must equal
the filled page, so a template that changes how those parts are written makes pages slower, never
wrong. With ``RESIDENT_PAGES_CHECKED`` set (the test suite), every filled page is compared with a
full rendering too.
"""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from threading import Lock
from typing import Any

from flask import current_app
from markupsafe import Markup, escape

from forms.response import ResponseForm, Translations, build_form
from survey import conditions
from survey.document import localise_document
from survey.models import SurveyVersion
from survey.services.catalog import VersionStamp

logger = logging.getLogger(__name__)

#: versions kept per process (each with its documents, form classes and pages)
MAX_VERSIONS = 16
#: pages kept per version, the most recently used (languages × pages × the language orders
#: browsers ask for); about 15 KB each, so a process keeps at most about 60 MB of pages
MAX_PAGES = 256

_MARK = "cvslot" + secrets.token_hex(8)  # random per process: no survey text can contain it
KEY = _MARK + "key"
TOKEN = _MARK + "token"
CARRIED = _MARK + "carried"
NOTICE = _MARK + "notice"
SLOTS = (KEY, TOKEN, CARRIED, NOTICE)
#: values that need escaping, to check a page fills in as the template would write it
SAMPLES: Mapping[str, Any] = {
    KEY: "sample.key-_",
    TOKEN: "sampletoken_-0123456789",
    CARRIED: [("q_a", "a <b> & \"c\" 'd' \u202e"), ("q_b", "2")],
    NOTICE: 'Notice <i>with</i> & "marks" \u200f',
}


def form_class(
    document: Mapping[str, Any], *, translations: Translations, max_length: int
) -> type[ResponseForm]:
    """The resident form class of a localised document (the one builder of residents' forms)."""
    read = conditions.DocumentConditions(document)
    return build_form(
        document,
        is_shown=read.is_shown,
        depends_on=read.depends_on,
        translations=translations,
        max_length=max_length,
    )


def hidden_inputs(pairs: list[tuple[str, str]]) -> Markup:
    """The hidden inputs that carry answers from a survey's other pages."""
    return Markup("").join(
        Markup('<input type="hidden" name="{}" value="{}">\n').format(name, value)
        for name, value in pairs
    )


@dataclass(frozen=True)
class PageTemplate:
    """A rendered page, split where the per-request parts go."""

    parts: tuple[str, ...]  #: text, with the slot markers as parts of their own

    @classmethod
    def split(cls, html: str) -> PageTemplate:
        parts = [html]
        for slot in SLOTS:
            parts = [piece for part in parts for piece in _split_at(part, slot)]
        return cls(tuple(p for p in parts if p))

    def fill(self, values: Mapping[str, str]) -> str:
        return "".join(values.get(part, part) for part in self.parts)


def _split_at(text: str, slot: str) -> list[str]:
    if text in SLOTS:
        return [text]
    pieces = text.split(slot)
    out = [pieces[0]]
    for piece in pieces[1:]:
        out += [slot, piece]
    return out


def slot_values(*, key: str, token: str, carried: Markup, notice: str | None) -> dict[str, str]:
    """The per-request parts, written as the template writes ``{{ value }}`` (finalised, escaped)."""
    finalize = current_app.jinja_env.finalize or (lambda value: value)
    return {
        KEY: str(escape(finalize(key))),
        TOKEN: str(escape(finalize(token))),
        CARRIED: str(escape(finalize(carried))),
        NOTICE: str(escape(finalize(notice or ""))),
    }


class CompiledVersion:
    """One published version, with what is built from it per language and per page."""

    def __init__(self, version: SurveyVersion) -> None:
        # A copy that belongs to no database session, safe to share between threads.
        self.version = SurveyVersion(
            id=version.id,
            survey_id=version.survey_id,
            number=version.number,
            definition=version.definition,
            published_at=version.published_at,
        )
        self._documents: dict[str, dict[str, Any]] = {}
        self._forms: dict[tuple[str, str, int], type[ResponseForm]] = {}
        self._pages: OrderedDict[Hashable, PageTemplate | None] = OrderedDict()
        self._lock = Lock()

    def document(self, locale: str) -> dict[str, Any]:
        """The document in content language ``locale`` (shared: never change it)."""
        found = self._documents.get(locale)
        if found is None:
            found = localise_document(self.version.definition, locale)
            with self._lock:
                found = self._documents.setdefault(locale, found)
        return found

    def form_class(
        self, locale: str, interface: str, translations: Translations, max_length: int
    ) -> type[ResponseForm]:
        """The form class for content language ``locale``, its messages in ``interface``."""
        key = (locale, interface, max_length)
        found = self._forms.get(key)
        if found is None:
            found = form_class(
                self.document(locale), translations=translations, max_length=max_length
            )
            with self._lock:
                found = self._forms.setdefault(key, found)
        return found

    def page(self, key: Hashable, make: Callable[[], PageTemplate | None]) -> PageTemplate | None:
        """The page kept under ``key``, made (and kept) the first time; None: render in full."""
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        made = make()
        with self._lock:
            self._pages[key] = made
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        return made

    def pages_kept(self) -> int:
        return sum(1 for page in self._pages.values() if page is not None)


class CompiledVersions:
    """The compiled versions of one app, the most recently used kept."""

    def __init__(self) -> None:
        self._versions: OrderedDict[VersionStamp, CompiledVersion] = OrderedDict()
        self._lock = Lock()

    def get(self, stamp: VersionStamp, load: Callable[[], SurveyVersion]) -> CompiledVersion:
        """The compiled version for ``stamp``, read with ``load`` the first time."""
        with self._lock:
            found = self._versions.get(stamp)
            if found is not None:
                self._versions.move_to_end(stamp)
                return found
        made = CompiledVersion(load())
        with self._lock:
            found = self._versions.setdefault(stamp, made)
            while len(self._versions) > MAX_VERSIONS:
                self._versions.popitem(last=False)
        return found

    def pages_kept(self) -> int:
        with self._lock:
            versions = list(self._versions.values())
        return sum(version.pages_kept() for version in versions)

    def clear(self) -> None:
        with self._lock:
            self._versions.clear()


def versions() -> CompiledVersions:
    """This app's compiled versions."""
    found = current_app.extensions.get("cv_compiled")
    if found is None:
        found = current_app.extensions.setdefault("cv_compiled", CompiledVersions())
    return found  # type: ignore[no-any-return]


def compiled(stamp: VersionStamp, load: Callable[[], SurveyVersion]) -> CompiledVersion:
    return versions().get(stamp, load)


def version_stamp(version: SurveyVersion) -> VersionStamp:
    """The stamp of a version row read in full (a queued answer names its version)."""
    return VersionStamp(
        id=version.id or 0,
        survey_id=version.survey_id,
        number=version.number,
        published_at=version.published_at,
    )
