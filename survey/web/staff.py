"""What every staff page needs: the signed-in user, the site they may see, forms, messages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, TypeVar

from flask import flash, request
from flask_login import current_user

from forms.staff import StaffForm
from survey import db, i18n
from survey.document import PLACES, Problem
from survey.i18n import _
from survey.models import Site, User
from survey.request import LARGEST_ID
from survey.services import access, second_factor
from survey.services.access import Need

F = TypeVar("F", bound=StaffForm)


def user() -> User | None:
    return current_user if getattr(current_user, "is_authenticated", False) else None


class EnrolmentNeeded(Exception):
    """The site asked for requires a second factor and the signed-in user has none yet (the
    account pages send them to set it up)."""

    def __init__(self, site_name: str) -> None:
        super().__init__(site_name)
        self.site_name = site_name


def site(slug: str, need: Need = Need.read) -> Site:
    """The site if the signed-in user may ``need`` it (404 / 403 otherwise, via error handlers;
    the page to set up a second factor first when the site requires one)."""
    member = user()
    found = access.site_for(session=db.session(), user=member, slug=slug, need=need)
    if member is not None and second_factor.must_enrol(user=member, site=found):
        raise EnrolmentNeeded(found.name)
    return found


#: the largest number a query string or form may carry to the database (a 32-bit integer)
LARGEST_NUMBER = LARGEST_ID


def number(raw: str | None, default: int | None = None) -> int | None:
    """A whole number typed in a form or query string, or ``default`` if it is not one that the
    database can hold (plain ASCII digits, at most ``LARGEST_NUMBER``)."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return default
    value = int(text)
    return value if value <= LARGEST_NUMBER else default


def same_site(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site; ``fallback`` otherwise (no open redirects)."""
    if (
        not target
        or not target.startswith("/")
        or target[1:2] in ("/", "\\")
        or any(c in target for c in "\\\r\n\t")
    ):
        return fallback
    return target


def can(site: Site, need: Need) -> bool:
    member = user()
    return member is not None and access.can(
        session=db.session(), user=member, site=site, need=need
    )


def can_design(site: Site) -> bool:
    return can(site, Need.design)


def can_review(site: Site) -> bool:
    return can(site, Need.review)


def form(form_class: type[F], obj: Any = None, **defaults: Any) -> F:
    data = request.form if request.method == "POST" else None
    files = request.files if request.method == "POST" and request.files else None
    formdata = data if files is None else _merge(data, files)
    return form_class(formdata, obj=obj, meta={"translations": i18n.translations()}, **defaults)


def _merge(data: Any, files: Any) -> Any:
    from werkzeug.datastructures import CombinedMultiDict

    return CombinedMultiDict([files, data])


_SHEET_ROW = re.compile(r"^(?P<sheet>\S+) sheet, row (?P<row>\d+)$")
_SHEET = re.compile(r"^(?P<sheet>\S+) sheet$")
#: places that need no words: the message says it all
_WHOLE = {
    "document",
    "survey",
    "site",
    "codebook",
    "review",
    "stakeholder",
    "commitment",
    "quote",
    "key",
}


def describe(problem: Problem) -> str:
    """A problem in the staff member's language: where, what, and which language if any."""
    where = problem.where
    row = _SHEET_ROW.match(where)
    sheet = _SHEET.match(where)
    if problem.place in PLACES:
        place = str(problem.place)
        where = _(place, **problem.place_params) if problem.place_params else _(place)
    elif where == "file":
        where = _("The file")
    elif where in _WHOLE:
        where = ""
    elif row:
        where = _("sheet “%(sheet)s”, row %(row)s", sheet=row["sheet"], row=row["row"])
    elif sheet:
        where = _("sheet “%(sheet)s”", sheet=sheet["sheet"])
    elif where == "question":
        where = _("Question")
    elif where == "section":
        where = _("Page")
    elif where.startswith("question "):
        where = _("Question “%(key)s”", key=where.removeprefix("question "))
    elif where.startswith("section "):
        where = _("Page “%(key)s”", key=where.removeprefix("section "))
    message = _(problem.message, **problem.params) if problem.params else _(problem.message)
    # The joining colon is the language's own (full-width in Chinese).
    text = _("%(place)s: %(problem)s", place=where, problem=message) if where else message
    if problem.locale:
        text += f" ({i18n.language(problem.locale).native_name})"
    return text


def flash_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        flash(describe(problem), "error")
