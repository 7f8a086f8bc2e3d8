"""What every design page shares: the blueprint, loading a survey, going back to it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as HttpResponse

from survey import db, i18n
from survey.document import N_
from survey.i18n import LANGUAGES, _, content_language
from survey.models import Site, Survey
from survey.services import designer
from survey.services.access import Need
from survey.services.errors import InvalidDocument, NotFound
from survey.web import staff

bp = Blueprint("design", __name__, url_prefix="/sites")


@bp.before_request
@login_required
def _signed_in() -> None:
    i18n.select_staff_locale()


def load(site_slug: str, slug: str, need: Need = Need.design) -> tuple[Site, Survey]:
    """The site and its survey, or 404/403 as ``staff.site`` decides."""
    site = staff.site(site_slug, need)
    return site, designer.survey_at(session=db.session(), site=site, slug=slug)


def back(site: Site, survey: Survey, anchor: str = "") -> HttpResponse:
    """303 to the survey page, at ``anchor`` if given."""
    target = url_for("design.edit", site_slug=site.slug, slug=survey.slug)
    return redirect(target + (f"#{anchor}" if anchor else ""), code=303)


#: a stale form: what it was about was deleted meanwhile
GONE = N_("That page or question no longer exists; someone may have deleted it. Nothing was saved.")


def reports_problems(view: Callable[..., Any]) -> Callable[..., Any]:
    """A change refused by the rules goes back to the survey page with every problem listed."""

    @wraps(view)
    def wrapper(site_slug: str, slug: str, **kwargs: Any) -> Any:
        try:
            return view(site_slug, slug, **kwargs)
        except InvalidDocument as error:
            staff.flash_problems(error.problems)
            site, survey = load(site_slug, slug)
            return back(site, survey)
        except NotFound:
            # A page or question deleted meanwhile (the survey itself is checked again here).
            site, survey = load(site_slug, slug)
            flash(_(GONE), "error")
            return back(site, survey)

    return wrapper


def answer_cap() -> int:
    """The site-wide cap on an answer's length (config ``ANSWER_MAX_CHARS``)."""
    return int(current_app.config["ANSWER_MAX_CHARS"])


def language_choices(content: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Every interface language, then the ``content`` languages (a survey's, any BCP 47 code)
    that are not one, by their own names, for language pickers."""
    extra = [code for code in content if code not in LANGUAGES]
    return [(code, language.native_name) for code, language in LANGUAGES.items()] + [
        (code, f"{content_language(code).native_name} ({code.replace('_', '-')})") for code in extra
    ]
