from __future__ import annotations

import pytest

from analysis.redact import Redactor, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write to jane.doe+city@example.org today", "Write to [email] today"),
        ("Call me at (555) 123-4567.", "Call me at [phone]."),
        ("My cell is 555.123.4567", "My cell is [phone]"),
        ("Llámame al +52 55 1234 5678", "Llámame al [phone]"),
        ("Wac +252 61 234 5678", "Wac [phone]"),
        ("电话13812345678", "电话[phone]"),
        ("See https://example.com/page?x=1.", "See [link]."),
        ("More at www.city.gov/plan", "More at [link]"),
    ],
)
def test_contact_details_become_placeholders(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("text", "kept", "hidden"),
    [
        ("I live at 123 Main St, near the school.", "near the school", "Main"),
        ("Our house at 45 Oak Avenue floods", "floods", "Oak"),
        ("Vivo en Calle 5 #12-34 en Bogotá", "Bogotá", "#12"),
        ("Mi casa está en Av. Reforma 123", "Mi casa", "Reforma"),
        ("Mwen rete 12 Ri Kapwa", "Mwen rete", "Kapwa"),
        ("Tôi sống ở 123 Đường Lê Lợi", "Tôi sống", "Lợi"),
        ("我住在中山路123号", "我住在", "123"),
        ("أسكن في شارع الملك فهد 12", "أسكن", "فهد"),
        ("Waxaan degenahay Waddada Maka Al-Mukarama 12", "Waxaan", "Maka"),
    ],
)
def test_street_addresses_are_hidden_in_each_language(text: str, kept: str, hidden: str) -> None:
    out = redact(text)
    assert "[address]" in out
    assert kept in out
    assert hidden not in out


@pytest.mark.parametrize(
    "text",
    [
        "We have 3 kids on the street and 2 cars",
        "In 2023 we paid $1,200 for 12 months",
        "Over 1000 people live on Oak Avenue",
        "The meeting was on 2024-01-15 at 6",
        "10 000 000 € for the new school",
    ],
)
def test_ordinary_numbers_survive(text: str) -> None:
    assert redact(text) == text


def test_flagged_names_are_hidden_whole_word_and_any_case() -> None:
    scrub = Redactor(("Maria Lopez", "Ahmed"))
    out = scrub("maria lopez and AHMED helped; Ahmedabad and Mariana did not")
    assert out == "[name] and [name] helped; Ahmedabad and Mariana did not"


def test_a_name_in_chinese_is_hidden_without_spaces() -> None:
    assert Redactor(("王小明",))("王小明帮了我们") == "[name]帮了我们"


def test_the_quote_keeps_its_language_and_wording() -> None:
    text = "Necesitamos más luz en la calle, escríbanme a ana@correo.mx"
    assert redact(text) == "Necesitamos más luz en la calle, escríbanme a [email]"
