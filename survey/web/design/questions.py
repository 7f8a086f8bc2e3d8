"""Questions: add, edit, move and delete.

The editor shows the fields of the chosen kind only (``QuestionKind.designer_fields``): with
JavaScript the others hide at once; without it, "Show the fields of this kind" sends the form
back with what was typed kept.
"""

from __future__ import annotations

from typing import Any

from flask import flash, render_template, request
from werkzeug.wrappers import Response as HttpResponse

from forms.kinds import parse_number
from forms.staff import MAX_ROWS, QuestionForm
from survey import conditions, db
from survey.document import localise
from survey.i18n import _
from survey.kinds import DESIGNER_FIELDS, REGISTRY, QuestionKind
from survey.models import Question, Section, Survey
from survey.services import designer, question_edit, surveys
from survey.services.errors import InvalidDocument, NotFound
from survey.web import staff
from survey.web.design.base import GONE, answer_cap, back, bp, load, reports_problems

#: fields every kind has
_COMMON = ("kind", "text", "help", "key", "section", "required", "show_match", "conditions")


def kind_labels() -> dict[str, str]:
    """Each kind's label (catalog text), in the registry's order."""
    return {name: kind.label for name, kind in REGISTRY.items()}


def page_names(survey: Survey, sections: list[Section]) -> list[tuple[str, str]]:
    """``(key, name)`` of each page as the survey page lists them: "Page 2: Your visits"."""
    names = []
    for number, section in enumerate(sections, start=1):
        title = localise(section.title, survey.default_locale, survey.default_locale)
        name = _("Page %(number)s", number=number)
        names.append(
            (section.key, _("%(page)s: %(title)s", page=name, title=title) if title else name)
        )
    return names


def _chosen_kind(form: QuestionForm) -> QuestionKind:
    return REGISTRY.get(form.kind.data or "") or REGISTRY["long_text"]


def _question_form(survey: Survey, question: Question | None) -> QuestionForm:
    session = db.session()
    form = staff.form(QuestionForm)
    form.answer_cap = answer_cap()
    form.kind.choices = [(value, _(label)) for value, label in kind_labels().items()]
    sections = surveys.sections_of(session=session, survey=survey)
    form.section.choices = page_names(survey, sections)
    if request.method == "GET" and question is not None:
        _fill_question_form(form, survey, question, sections)
    elif request.method == "GET":
        asked = request.args.get("kind", "long_text")
        form.kind.data = asked if asked in REGISTRY else "long_text"
        form.section.data = request.args.get("section", sections[0].key if sections else "")
    _condition_choices(form, survey, question)
    return form


def _condition_choices(form: QuestionForm, survey: Survey, question: Question | None) -> None:
    """Rows offer the questions before this one and every test; one empty row to add more."""
    locale = survey.default_locale
    earlier: list[tuple[str, str]] = [("", "—")]
    for other in surveys.questions_of(session=db.session(), survey=survey):
        if question is not None and other.id == question.id:
            break
        earlier.append((other.key, localise(other.text, locale, locale) or other.key))
    operators = [(op, _(conditions.OPERATOR_LABELS[op])) for op in question_edit.EDITOR_OPERATORS]
    filled = sum(1 for row in form.conditions if row.form.question.data)
    while len(form.conditions) < min(MAX_ROWS, max(2, filled + 1)):
        form.conditions.append_entry()
    for row in form.conditions:
        row.form.question.choices = earlier
        row.form.op.choices = operators
    if form.show_match.data == "keep" or (
        question is not None and request.method == "GET" and _keeps(question)
    ):
        form.show_match.choices = [
            *form.show_match.choices,
            ("keep", _("as it is now (made in a survey file)")),
        ]


def _keeps(question: Question) -> bool:
    return question_edit.condition_rows(question.show_if).match == "keep"


def _fill_question_form(
    form: QuestionForm, survey: Survey, question: Question, sections: list[Section]
) -> None:
    locale = survey.default_locale
    kind = REGISTRY.get(question.kind)
    form.kind.data = question.kind
    form.key.data = question.key
    form.text.data = question.text.get(locale, "")
    form.help.data = question.help.get(locale, "")
    form.required.data = question.required
    form.section.data = next((s.key for s in sections if s.id == question.section_id), "")
    supplied = kind.builtin_texts(question.settings) if kind else {}
    form.options.data = "\n".join(
        f"{o['code']} = {o.get('label', {}).get(locale, '')}"
        for o in question.options
        # The app's own options show only when staff wrote their own words for them.
        if o["code"] not in supplied or o.get("label", {}).get(locale)
    )
    for name, value in (kind.designer_values(question.settings, locale) if kind else {}).items():
        form[name].data = value
    rows = question_edit.condition_rows(question.show_if)
    form.show_match.data = rows.match
    while len(form.conditions) < len(rows.rows):
        form.conditions.append_entry()
    for entry, row in zip(form.conditions, rows.rows, strict=False):
        entry.form.question.data = row.question
        entry.form.op.data = row.op
        entry.form.value.data = row.value


def _settings(form: QuestionForm, kind: QuestionKind) -> dict[str, Any]:
    values: dict[str, Any] = {name: form[name].data for name in kind.designer_fields}
    for name in ("number_min", "number_max"):
        if name in values:
            raw = (values[name] or "").strip()
            parsed = parse_number(raw) if raw else None
            values[name] = None if parsed is None else float(parsed)
    return values


def _question_input(form: QuestionForm) -> question_edit.QuestionInput:
    kind = _chosen_kind(form)
    rows = [
        question_edit.ConditionRow(
            question=entry.form.question.data or "",
            op=entry.form.op.data or "",
            value=entry.form.value.data or "",
        )
        for entry in form.conditions
    ]
    match = form.show_match.data or ""
    return question_edit.QuestionInput(
        kind=kind.name,
        text=form.text.data or "",
        section_key=form.section.data or "",
        key=form.key.data or "",
        help=form.help.data or "",
        required=bool(form.required.data),
        options=question_edit.parse_options(form.options.data or "")
        if "options" in kind.designer_fields
        else [],
        settings=_settings(form, kind),
        answer_cap=answer_cap(),
        condition=question_edit.ConditionInput(
            match=match if match in ("all", "any", "none", "keep") else "",  # type: ignore[arg-type]
            rows=rows,
        ),
    )


def _valid_for_kind(form: QuestionForm, kind: QuestionKind) -> bool:
    """Validate what the chosen kind uses; fields of other kinds (hidden) are not held against it."""
    form.validate()
    for name in DESIGNER_FIELDS:
        if name not in kind.designer_fields:
            form[name].errors = []
    return not any(form[name].errors for name in (*_COMMON, *kind.designer_fields))


@bp.route("/<site_slug>/surveys/<slug>/questions/new", methods=["GET", "POST"])
def new_question(site_slug: str, slug: str) -> HttpResponse | tuple[str, int]:
    return _question_page(site_slug, slug, None)


@bp.route("/<site_slug>/surveys/<slug>/questions/<key>", methods=["GET", "POST"])
def edit_question(site_slug: str, slug: str, key: str) -> HttpResponse | tuple[str, int]:
    return _question_page(site_slug, slug, key)


def _question_page(site_slug: str, slug: str, key: str | None) -> HttpResponse | tuple[str, int]:
    """Add a question (``key`` is None) or edit one; refused input comes back with every problem."""
    site, survey = load(site_slug, slug)
    session = db.session()
    try:
        question = (
            None if key is None else designer.question_at(session=session, survey=survey, key=key)
        )
    except NotFound:
        flash(_(GONE), "error")
        return back(site, survey, "pages")
    form = _question_form(survey, question)
    kind = _chosen_kind(form)
    problems: list[str] = []
    status = 200
    # "Show the fields of this kind" or "Add a condition row": the form again, nothing saved.
    redraw = request.form.get("action") in ("kind", "rows")
    if request.method == "POST" and not redraw:
        status = 422
        if _valid_for_kind(form, kind):
            data = _question_input(form)
            try:
                if question is None:
                    saved = question_edit.add_question(session=session, survey=survey, data=data)
                else:
                    saved = question_edit.update_question(
                        session=session, survey=survey, question=question, data=data
                    )
            except InvalidDocument as error:
                problems = [staff.describe(p) for p in error.problems]
            except NotFound:
                # The chosen page was deleted meanwhile: the form comes back with the pages left.
                problems = [_(GONE)]
            else:
                flash(_("Question added.") if question is None else _("Question saved."), "ok")
                return back(site, survey, f"q-{saved.key}")
    if (
        request.method == "POST"
        and request.form.get("action") == "rows"
        and len(form.conditions) < MAX_ROWS
    ):
        form.conditions.append_entry()
        _condition_choices(form, survey, question)
    return render_template(
        "design/question.html",
        site=site,
        survey=survey,
        form=form,
        question=question,
        problems=problems,
        kind=kind,
        kind_fields={
            name: [k for k, v in REGISTRY.items() if name in v.designer_fields]
            for name in DESIGNER_FIELDS
        },
        max_rows=MAX_ROWS,
    ), status


@bp.post("/<site_slug>/surveys/<slug>/questions/<key>/action")
@reports_problems
def question_action(site_slug: str, slug: str, key: str) -> HttpResponse:
    site, survey = load(site_slug, slug)
    session = db.session()
    question = designer.question_at(session=session, survey=survey, key=key)
    action = request.form.get("action")
    if action in ("up", "down"):
        designer.move_question(
            session=session, survey=survey, question=question, step=-1 if action == "up" else 1
        )
        return back(site, survey, f"q-{key}")
    if action == "delete":
        designer.delete_question(session=session, survey=survey, question=question)
        flash(_("Question deleted."), "ok")
    return back(site, survey, "pages")
