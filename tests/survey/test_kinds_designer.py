"""Each kind owns its editor fields: they exist on the question form, and what a kind writes
from the editor it reads back into the editor unchanged."""

from __future__ import annotations

from typing import Any

import pytest

from forms.staff import QuestionForm
from survey.kinds import DESIGNER_FIELDS, REGISTRY

TYPED: dict[str, dict[str, Any]] = {
    "short_text": {"max_length": 300},
    "long_text": {"max_length": 2000},
    "single_choice": {},
    "multiple_choice": {},
    "rating": {"scale_min": 0, "scale_max": 10, "min_label": "Never", "max_label": "Always"},
    "number": {"number_min": "0", "number_max": "120.5", "integer": True},
    "demographic": {"multiple": True},
    "date": {},
    "time": {},
}


def test_every_editor_field_of_every_kind_is_on_the_question_form():
    form = QuestionForm()
    assert set(DESIGNER_FIELDS) <= {field.name for field in form}
    assert set(TYPED) == set(REGISTRY), "a new kind needs its editor round trip here"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_a_kind_reads_back_what_it_wrote(name):
    kind = REGISTRY[name]
    typed = dict(TYPED[name])
    values = {k: (float(v) if k in ("number_min", "number_max") else v) for k, v in typed.items()}
    assert set(values) <= set(kind.designer_fields)
    settings = kind.settings_from_designer(values, {}, "en")
    shown = kind.designer_values(settings, "en")
    assert {k: shown[k] for k in typed} == typed


def test_an_edit_in_one_language_keeps_the_others():
    rating = REGISTRY["rating"]
    old = {"scale": {"min": 1, "max": 5, "min_label": {"en": "Low", "es": "Bajo"}}}
    new = rating.settings_from_designer(
        {"scale_min": 1, "scale_max": 5, "min_label": "Very low"}, old, "en"
    )
    assert new["scale"]["min_label"] == {"en": "Very low", "es": "Bajo"}
