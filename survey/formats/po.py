"""Survey content as PO files, for translators who work in their own tools.

Each translatable text of a survey's draft becomes one PO entry: ``msgctxt`` names what it is
(``survey.title``, ``section.<key>.title``, ``<question>``, ``<question>.help``,
``<question>.option.<code>``, ``<question>.min_label``/``max_label``), ``msgid`` is the text in the
survey's default language and ``msgstr`` the current translation. Importing reads one back into
the draft; a malformed file changes nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po
from sqlmodel import Session

from survey.document import N_
from survey.kinds import kind_of
from survey.models import Question, Survey, utcnow
from survey.services.surveys import questions_of, sections_of

#: ``%(name)s``, ``%s``, ``{name}``: placeholders a translation must keep
_PLACEHOLDER = re.compile(r"%\([^)]+\)[sd]|%[sd]|\{[A-Za-z_][A-Za-z0-9_]*\}")


@dataclass
class Entry:
    context: str
    texts: dict[str, str]  #: the live ``{locale: text}`` mapping on its row
    save: Callable[[dict[str, str]], None]  #: writes a changed mapping back to its row


@dataclass
class ImportReport:
    locale: str
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    unknown_keys: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    placeholder_mismatches: list[str] = field(default_factory=list)


class MalformedPo(ValueError):
    """The file is not a PO file we can read; nothing was saved.

    ``message`` is catalog text (marked with ``N_``) filled from ``params`` when shown, so the web
    layer can say it in the staff member's language; ``str()`` gives it in English.
    """

    def __init__(self, message: str, **params: object) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


NOT_PO = N_("This is not a PO file we can read.")
NOT_PO_AT_LINE = N_("This is not a PO file we can read (line %(line)s).")
NOT_UTF8 = N_("The file is not UTF-8 text.")
NO_LANGUAGE = N_("The file does not say which language it is in (its “Language” header).")
NOT_A_SURVEY_LANGUAGE = N_("%(language)s is not one of this survey's languages (%(languages)s).")


def _unreadable(exc: Exception) -> MalformedPo:
    """Our own words for what the PO reader rejected, keeping the line number it gives."""
    if isinstance(exc, UnicodeDecodeError):
        return MalformedPo(NOT_UTF8)
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int) and not isinstance(lineno, bool) and lineno >= 0:
        return MalformedPo(NOT_PO_AT_LINE, line=lineno + 1)
    return MalformedPo(NOT_PO)


def entries(*, session: Session, survey: Survey) -> Iterator[Entry]:
    def setter(obj: object, attribute: str) -> Callable[[dict[str, str]], None]:
        def save(texts: dict[str, str]) -> None:
            setattr(obj, attribute, dict(texts))
            session.add(obj)

        return save

    for name in ("title", "intro", "thank_you"):
        texts = getattr(survey, name)
        if name == "title" or texts:
            yield Entry(f"survey.{name}", dict(texts), setter(survey, name))
    sections = sections_of(session=session, survey=survey)
    drafted = questions_of(session=session, survey=survey)
    for section in sections:
        if section.title:
            yield Entry(
                f"section.{section.key}.title", dict(section.title), setter(section, "title")
            )
        for question in (q for q in drafted if q.section_id == section.id):
            yield from _question_entries(session, question, setter)


def _question_entries(
    session: Session,
    question: Question,
    setter: Callable[[object, str], Callable[[dict[str, str]], None]],
) -> Iterator[Entry]:
    yield Entry(question.key, dict(question.text), setter(question, "text"))
    if question.help:
        yield Entry(f"{question.key}.help", dict(question.help), setter(question, "help"))
    kind = kind_of({"kind": question.kind, **question.settings})
    supplied = kind.builtin_texts(question.settings) if kind else {}
    for index, option in enumerate(question.options):
        if option["code"] in supplied and not any(option.get("label", {}).values()):
            continue  # worded by the interface catalogs in every language

        def save_option(texts: dict[str, str], index: int = index) -> None:
            options = [dict(o) for o in question.options]
            options[index]["label"] = dict(texts)
            question.options = options
            session.add(question)

        yield Entry(
            f"{question.key}.option.{option['code']}", dict(option.get("label", {})), save_option
        )
    scale = question.settings.get("scale") or {}
    for end in ("min_label", "max_label"):
        if scale.get(end):

            def save_end(texts: dict[str, str], end: str = end) -> None:
                settings = dict(question.settings)
                settings["scale"] = {**settings.get("scale", {}), end: dict(texts)}
                question.settings = settings
                session.add(question)

            yield Entry(f"{question.key}.{end}", dict(scale[end]), save_end)


def translatable(*, session: Session, survey: Survey) -> list[Entry]:
    """The entries that have a text in the survey's default language (what can be translated)."""
    return [
        e for e in entries(session=session, survey=survey) if e.texts.get(survey.default_locale)
    ]


def completeness(*, session: Session, survey: Survey) -> dict[str, tuple[int, int]]:
    """Per survey language: (texts translated, texts to translate)."""
    found = translatable(session=session, survey=survey)
    return {
        code: (sum(1 for e in found if e.texts.get(code)), len(found)) for code in survey.locales
    }


def fingerprint(entry: Entry, source: str) -> str:
    """Names a text and its wording: a stale form can tell a text moved, changed or went away."""
    return hashlib.sha256(f"{entry.context}\x00{source}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SentTranslation:
    """One text of the side-by-side form: what was typed, and the fingerprint it was shown with
    (None from a client that sends none: matched by position, as before)."""

    value: str
    fingerprint: str | None


def save_translations(
    *, session: Session, survey: Survey, target: str, sent: list[SentTranslation]
) -> tuple[int, int]:
    """Save typed translations into ``target``; returns (changed, stale) counts.

    A text whose source changed or went away since the form was opened is stale: not saved.
    An empty value removes the translation.
    """
    found = translatable(session=session, survey=survey)
    by_print = {fingerprint(e, e.texts[survey.default_locale]): e for e in found}
    changed = stale = 0
    for position, item in enumerate(sent):
        value = item.value.strip()
        if item.fingerprint is not None:
            entry = by_print.get(item.fingerprint)
        else:
            entry = found[position] if position < len(found) else None
        if entry is None:
            stale += 1 if value else 0
            continue
        if value != entry.texts.get(target, ""):
            texts = (
                {**entry.texts, target: value}
                if value
                else {k: v for k, v in entry.texts.items() if k != target}
            )
            entry.save(texts)
            entry.texts = texts
            changed += 1
    session.flush()
    return changed, stale


def export_po(*, session: Session, survey: Survey, locale: str) -> bytes:
    catalog = Catalog(
        locale=locale,
        project=f"Community Voice survey {survey.slug}",
        fuzzy=False,
    )
    for entry in entries(session=session, survey=survey):
        source = entry.texts.get(survey.default_locale, "")
        if not source:
            continue
        catalog.add(
            source,
            entry.texts.get(locale, "") if locale != survey.default_locale else source,
            context=entry.context,
        )
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, omit_header=False)
    return buffer.getvalue()


def import_po(
    *, session: Session, survey: Survey, data: bytes, locale: str | None = None
) -> ImportReport:
    """Read translations into the draft; report what could not be used.

    A file that cannot be parsed raises ``MalformedPo`` and changes nothing. Entries whose
    placeholders differ from the source are reported and skipped; empty ones are reported and
    leave the current text alone.
    """
    try:
        catalog = read_po(io.BytesIO(data), abort_invalid=True)
    except (PoFileError, UnicodeDecodeError, ValueError) as exc:
        raise _unreadable(exc) from exc
    target = locale or catalog.locale_identifier
    if not target:
        raise MalformedPo(NO_LANGUAGE)
    if target not in survey.locales:
        raise MalformedPo(
            NOT_A_SURVEY_LANGUAGE, language=target, languages=", ".join(survey.locales)
        )
    known = {entry.context: entry for entry in entries(session=session, survey=survey)}
    report = ImportReport(locale=target)
    for message in catalog:
        if not message.id:
            continue
        context = message.context or ""
        entry = known.get(context)
        if entry is None:
            report.unknown_keys.append(context or str(message.id))
            continue
        translation = str(message.string or "").strip()
        if not translation:
            report.empty.append(context)
            continue
        source = entry.texts.get(survey.default_locale, "")
        if sorted(_PLACEHOLDER.findall(source)) != sorted(_PLACEHOLDER.findall(translation)):
            report.placeholder_mismatches.append(context)
            continue
        if entry.texts.get(target) == translation:
            report.unchanged += 1
            continue
        entry.save({**entry.texts, target: translation})
        report.updated.append(context)
    if report.updated:
        survey.updated_at = utcnow()
        session.add(survey)
    session.flush()
    return report
