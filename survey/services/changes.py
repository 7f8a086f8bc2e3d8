"""What publishing the draft would change, compared with the last published version.

Every difference residents could notice is named: pages added, removed, renamed or put in a new
order; questions added, removed, moved to another page or within their page; and, per question,
its wording, options, required flag, condition, limits and kind; the survey's languages and texts.
Each change carries a catalog message and its parameters, so the page shows it in the staff
member's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from survey.document import localise
from survey.models import Survey
from survey.problems import N_
from survey.services.catalog import latest_version
from survey.services.surveys import document_from_draft

PAGE_ADDED = N_("Page %(page)s added")
PAGE_REMOVED = N_("Page %(page)s of the published version removed")
PAGE_RENAMED = N_("Page %(page)s has a new title")
PAGES_REORDERED = N_("Pages put in a new order")
QUESTION_ADDED = N_("Question “%(question)s” added")
QUESTION_REMOVED = N_("Question “%(question)s” removed")
QUESTION_MOVED = N_("Question “%(question)s” moved from page %(before)s to page %(after)s")
QUESTIONS_REORDERED = N_("Questions on page %(page)s put in a new order")
WORDING = N_("Question “%(question)s”: wording changed")
OPTIONS = N_("Question “%(question)s”: options changed")
NOW_REQUIRED = N_("Question “%(question)s”: an answer is now required")
NO_LONGER_REQUIRED = N_("Question “%(question)s”: an answer is no longer required")
CONDITION = N_("Question “%(question)s”: when it is asked changed")
LIMITS = N_("Question “%(question)s”: limits changed")
KIND = N_("Question “%(question)s”: kind changed")
LANGUAGES = N_("Languages changed")
TEXTS = N_("Title or texts changed")

#: question fields by what a change to them means to residents
_WORDING = ("text", "help")
_LIMITS = ("min", "max", "integer", "max_length", "multiple")


@dataclass(frozen=True)
class Change:
    """One difference; ``message`` is catalog text filled from ``params`` when shown."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _label(question: Mapping[str, Any], locale: str) -> str:
    text = localise(question.get("text"), locale, locale) or str(question["key"])
    return text if len(text) <= 60 else text[:59] + "…"


def _scale_limits(question: Mapping[str, Any]) -> tuple[Any, Any]:
    scale = question.get("scale") or {}
    return scale.get("min"), scale.get("max")


def _scale_labels(question: Mapping[str, Any]) -> tuple[Any, Any]:
    scale = question.get("scale") or {}
    return scale.get("min_label"), scale.get("max_label")


def _question_changes(
    old: Mapping[str, Any], new: Mapping[str, Any], name: Mapping[str, str]
) -> list[Change]:
    found: list[Change] = []
    if old.get("kind") != new.get("kind"):
        found.append(Change(KIND, name))
    if any(old.get(k) != new.get(k) for k in _WORDING) or _scale_labels(old) != _scale_labels(new):
        found.append(Change(WORDING, name))
    if old.get("options") != new.get("options"):
        found.append(Change(OPTIONS, name))
    if bool(old.get("required")) != bool(new.get("required")):
        found.append(Change(NOW_REQUIRED if new.get("required") else NO_LONGER_REQUIRED, name))
    if old.get("show_if") != new.get("show_if"):
        found.append(Change(CONDITION, name))
    if any(old.get(k) != new.get(k) for k in _LIMITS) or _scale_limits(old) != _scale_limits(new):
        found.append(Change(LIMITS, name))
    return found


def _order_changed(before: list[str], after: list[str]) -> bool:
    """Whether the items both lists hold come in a different order."""
    common = set(before) & set(after)
    return [k for k in before if k in common] != [k for k in after if k in common]


def describe_changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[Change]:
    """What publishing ``after`` changes compared with the last published ``before``."""
    locale = str(after.get("default_locale", "en"))
    new_pages = [s["key"] for s in after.get("sections", [])]
    placed_new = {
        q["key"]: (number, q)
        for number, section in enumerate(after.get("sections", []), start=1)
        for q in section.get("questions", [])
    }
    if before is None:
        return [
            Change(QUESTION_ADDED, {"question": _label(q, locale)})
            for _number, q in placed_new.values()
        ]
    old_pages = [s["key"] for s in before.get("sections", [])]
    placed_old = {
        q["key"]: (number, q)
        for number, section in enumerate(before.get("sections", []), start=1)
        for q in section.get("questions", [])
    }
    changes: list[Change] = []
    old_by_key = {s["key"]: s for s in before.get("sections", [])}
    for number, section in enumerate(after.get("sections", []), start=1):
        if section["key"] not in old_by_key:
            changes.append(Change(PAGE_ADDED, {"page": number}))
        elif section.get("title") != old_by_key[section["key"]].get("title"):
            changes.append(Change(PAGE_RENAMED, {"page": number}))
    for number, key in enumerate(old_pages, start=1):
        if key not in new_pages:
            changes.append(Change(PAGE_REMOVED, {"page": number}))
    if _order_changed(old_pages, new_pages):
        changes.append(Change(PAGES_REORDERED))

    for key, (number, question) in placed_new.items():
        name = {"question": _label(question, locale)}
        if key not in placed_old:
            changes.append(Change(QUESTION_ADDED, name))
            continue
        old_number, old_question = placed_old[key]
        old_page = old_pages[old_number - 1]
        if old_page != new_pages[number - 1]:
            changes.append(Change(QUESTION_MOVED, {**name, "before": old_number, "after": number}))
        changes.extend(_question_changes(old_question, question, name))
    for key, (_number, question) in placed_old.items():
        if key not in placed_new:
            changes.append(Change(QUESTION_REMOVED, {"question": _label(question, locale)}))
    for number, section in enumerate(after.get("sections", []), start=1):
        if section["key"] in old_by_key:
            old_keys = [q["key"] for q in old_by_key[section["key"]].get("questions", [])]
            new_keys = [q["key"] for q in section.get("questions", [])]
            if _order_changed(old_keys, new_keys):
                changes.append(Change(QUESTIONS_REORDERED, {"page": number}))

    if list(before.get("locales", [])) != list(after.get("locales", [])):
        changes.append(Change(LANGUAGES))
    if any(before.get(k) != after.get(k) for k in ("title", "intro", "thank_you")):
        changes.append(Change(TEXTS))
    return changes


def pending_changes(*, session: Session, survey: Survey) -> list[Change]:
    """What publishing the draft of ``survey`` now would change."""
    latest = latest_version(session=session, survey=survey)
    return describe_changes(
        latest.definition if latest else None, document_from_draft(session=session, survey=survey)
    )
