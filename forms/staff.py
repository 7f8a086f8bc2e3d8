"""Forms staff fill in. Labels are catalog messages (marked with ``N_``) that templates
translate when they render them; validation messages go through the form's translations."""

from __future__ import annotations

import math
from typing import Any

from wtforms import (
    BooleanField,
    FieldList,
    FileField,
    Form,
    FormField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional as OptionalValue
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from forms import messages
from forms.kinds import DEFAULT_MAX_LENGTH, MaxLength, Required, parse_number
from forms.messages import N_

ROLE_LABELS: dict[str, str] = {"staff": N_("Staff"), "analyst": N_("Analyst")}


class WholeNumberField(IntegerField):
    """A whole number; anything else gets our message (``NOT_WHOLE``), not WTForms' English."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.invalid_value_message = self.gettext(messages.NOT_WHOLE)
        super().process_formdata(valuelist)


class StaffForm(Form):
    """Base: translations for messages are handed in as ``meta={"translations": …}``."""

    class Meta:
        translations: Any = None

        def get_translations(self, form: Form) -> Any:
            return self.translations


class LoginForm(StaffForm):
    email = StringField(
        N_("Email"), validators=[Required()], render_kw={"autocomplete": "username"}
    )
    password = PasswordField(
        N_("Password"), validators=[Required()], render_kw={"autocomplete": "current-password"}
    )


#: what a code field needs to be filled in well on a phone and by a password manager
_CODE_FIELD = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "maxlength": "8",
    "spellcheck": "false",
}


class CodeForm(StaffForm):
    """The 6-digit code of an authenticator app (checked by the second-factor service)."""

    code = StringField(
        N_("Code from your authenticator app"), validators=[Required()], render_kw=_CODE_FIELD
    )


class SecondFactorOffForm(StaffForm):
    password = PasswordField(
        N_("Password"), validators=[Required()], render_kw={"autocomplete": "current-password"}
    )
    code = StringField(
        N_("Code from your authenticator app"), validators=[Required()], render_kw=_CODE_FIELD
    )


class SiteForm(StaffForm):
    slug = StringField(N_("Link name (a-z, 0-9, dashes)"), validators=[Required(), MaxLength(64)])
    name = StringField(N_("Name"), validators=[Required(), MaxLength(200)])
    k_threshold = WholeNumberField(N_("Smallest group shown (at least 5)"), default=10)


class UserForm(StaffForm):
    email = StringField(N_("Email"), validators=[Required(), MaxLength(254)])
    password = PasswordField(N_("Password (at least 10 characters)"), validators=[Required()])
    is_admin = BooleanField(N_("Administrator (all sites and users)"))


class InviteForm(StaffForm):
    email = StringField(N_("Email"), validators=[Required(), MaxLength(254)])
    role = SelectField(
        N_("Role"),
        choices=[
            SelectChoice(k, v) for k, v in {**ROLE_LABELS, "admin": N_("Administrator")}.items()
        ],
        validate_choice=False,
    )
    site = SelectField(N_("Site"), choices=[], validate_choice=False)


class NewPasswordForm(StaffForm):
    password = PasswordField(
        N_("New password (at least 10 characters)"),
        validators=[Required()],
        render_kw={"autocomplete": "new-password"},
    )


class ForgotPasswordForm(StaffForm):
    email = StringField(
        N_("Email"), validators=[Required(), MaxLength(254)], render_kw={"autocomplete": "username"}
    )


class MemberForm(StaffForm):
    email = StringField(N_("Email of an existing account"), validators=[Required()])
    role = SelectField(
        N_("Role"),
        choices=[SelectChoice(k, v) for k, v in ROLE_LABELS.items()],
        validate_choice=False,
    )


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SurveyCreateForm(StaffForm):
    slug = StringField(N_("Link name (a-z, 0-9, dashes)"), validators=[Required(), MaxLength(80)])
    title = StringField(N_("Title"), validators=[Required(), MaxLength(300)])
    default_locale = SelectField(N_("Main language"), validate_choice=False)


class SurveyTextsForm(StaffForm):
    title = StringField(N_("Title"), validators=[Required(), MaxLength(300)])
    intro = TextAreaField(N_("Introduction"), validators=[MaxLength(3000)], render_kw={"rows": 3})
    thank_you = TextAreaField(
        N_("Thank-you text"), validators=[MaxLength(3000)], render_kw={"rows": 3}
    )


class LanguagesForm(StaffForm):
    default_locale = SelectField(N_("Main language"), validate_choice=False)
    locales = CheckboxesField(N_("Languages residents can choose"), validate_choice=False)
    interface_locale = SelectField(
        N_("Buttons and messages with the other languages"), validate_choice=False
    )
    other_locales = StringField(
        N_("Other languages for the questions (language codes, e.g. sw, tl, fa-AF)"),
        description=N_(
            "Residents read the questions in these languages; buttons and messages stay in the "
            "main language, or in English when the app does not speak it."
        ),
        validators=[MaxLength(300)],
    )


class SectionForm(StaffForm):
    title = StringField(N_("Page title"), validators=[MaxLength(300)])


class NumberText:
    """An optional number typed as text: empty, or a finite number (``1,5`` or ``1.5``)."""

    def __call__(self, form: Any, field: Any) -> None:
        raw = (field.data or "").strip()
        if not raw:
            return
        value = parse_number(raw)
        if value is None or not math.isfinite(float(value)):
            raise ValidationError(field.gettext(messages.NOT_A_NUMBER))


class AnswerLength:
    """A longest-answer setting from 1 up to the form's ``answer_cap`` (the site-wide limit)."""

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is None:
            return
        cap = int(getattr(form, "answer_cap", DEFAULT_MAX_LENGTH))
        if field.data < 1:
            raise ValidationError(field.gettext(messages.TOO_SMALL) % {"min": 1})
        if field.data > cap:
            raise ValidationError(field.gettext(messages.TOO_LARGE) % {"max": cap})


#: the most condition rows one question may have in the editor
MAX_ROWS = 8


class ConditionRowForm(Form):
    """One row of the condition editor: an earlier question, a test, a value."""

    question = SelectField(N_("Question"), validate_choice=False)
    op = SelectField(N_("Test"), validate_choice=False)
    value = StringField(N_("Value (an option or a number)"), validators=[MaxLength(200)])


class QuestionForm(StaffForm):
    #: the site-wide cap on an answer's length; the view sets it from ``ANSWER_MAX_CHARS``
    answer_cap: int = DEFAULT_MAX_LENGTH

    #: choices (the app's kinds) are set by the view
    kind = SelectField(N_("Kind of question"), validate_choice=False)
    text = TextAreaField(
        N_("Question"), validators=[Required(), MaxLength(2000)], render_kw={"rows": 2}
    )
    help = StringField(N_("Help text (optional)"), validators=[MaxLength(1000)])
    key = StringField(N_("Key in exports (a-z, 0-9, _; made from the question if empty)"))
    section = SelectField(N_("Page"), validate_choice=False)
    required = BooleanField(N_("An answer is required"))
    options = TextAreaField(
        N_("Options, one a line (write “code = label” to choose the code)"),
        validators=[MaxLength(10000)],
        render_kw={"rows": 5},
    )
    multiple = BooleanField(N_("Residents may choose more than one"))
    scale_min = WholeNumberField(N_("Scale from"), default=1, validators=[OptionalValue()])
    scale_max = WholeNumberField(N_("Scale to"), default=5, validators=[OptionalValue()])
    min_label = StringField(N_("Label of the lowest point"))
    max_label = StringField(N_("Label of the highest point"))
    number_min = StringField(
        N_("Smallest number allowed (optional)"), validators=[MaxLength(40), NumberText()]
    )
    number_max = StringField(
        N_("Largest number allowed (optional)"), validators=[MaxLength(40), NumberText()]
    )
    integer = BooleanField(N_("Whole numbers only"))
    max_length = WholeNumberField(
        N_("Longest answer in characters (optional)"),
        validators=[OptionalValue(), AnswerLength()],
    )
    show_match = SelectField(
        N_("Ask this question"),
        choices=[
            SelectChoice("", N_("always")),
            SelectChoice("all", N_("only when all of these are true")),
            SelectChoice("any", N_("only when at least one of these is true")),
            SelectChoice("none", N_("only when none of these is true")),
        ],
        validate_choice=False,
    )
    conditions = FieldList(FormField(ConditionRowForm), min_entries=2, max_entries=MAX_ROWS)


class UploadForm(StaffForm):
    file = FileField(N_("File"))
    replace_draft = BooleanField(N_("Replace the draft of a survey with the same link name"))
