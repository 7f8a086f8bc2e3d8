from __future__ import annotations

import pytest

from analysis.language import LangIdIdentifier, normalise_locale

identifier = LangIdIdentifier()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The buses are always late and the rent keeps going up every year.", "en"),
        ("Queremos más parques para los niños y calles más seguras en el barrio.", "es"),
        ("Tôi muốn có nhiều công viên hơn và trường học tốt hơn cho trẻ em.", "vi"),
        ("我希望社区更加安全，孩子们有更多的公园可以玩。", "zh_Hans"),
        ("نريد مدارس أفضل وحدائق أكثر للأطفال في الحي.", "ar"),
        ("Waxaan rabaa in carruurta ay helaan dugsiyo wanaagsan iyo nabad.", "so"),
        ("Mwen ta renmen gen plis travay ak lekòl pou timoun yo nan katye a.", "ht"),
    ],
)
def test_a_full_sentence_is_recognised_in_each_survey_language(text: str, expected: str) -> None:
    assert (
        identifier.identify(text, candidates=("en", "es", "vi", "zh_Hans", "ar", "so", "ht"))
        == expected
    )


def test_a_few_words_keep_the_language_the_resident_chose() -> None:
    # "si" and "no" are both English-looking and Spanish: the resident's choice wins.
    assert identifier.identify("más parques", candidates=("en", "es"), hint="es") == "es"
    assert identifier.identify("ok", candidates=("en", "es"), hint="es") == "es"


def test_a_long_answer_in_another_language_overrules_the_hint() -> None:
    text = "The library should open on weekends so working parents can bring their children."
    assert identifier.identify(text, candidates=("en", "es"), hint="es") == "en"


def test_hmong_has_no_detector_so_the_choice_of_hmong_stands() -> None:
    text = "Kuv xav kom muaj tsev kawm ntawv zoo dua rau cov menyuam yaus hauv zej zog."
    assert identifier.identify(text, candidates=("en", "hmn", "vi"), hint="hmn") == "hmn"


def test_a_survey_language_without_a_detector_is_the_residents_choice() -> None:
    # A survey in English, Swahili and Tagalog: a Swahili answer is Swahili, not English.
    text = "Barabara salama na shule nzuri kwa watoto wetu wote hapa mtaani"
    assert identifier.identify(text, candidates=("en", "sw", "tl"), hint="sw") == "sw"
    text = "Mas maraming parke at ligtas na daan para sa mga bata sa aming lugar"
    assert identifier.identify(text, candidates=("en", "sw", "tl"), hint="tl") == "tl"
    # An English answer on the English form is still English.
    english = "The library should open on weekends so working parents can come."
    assert identifier.identify(english, candidates=("en", "sw", "tl"), hint="en") == "en"


@pytest.mark.parametrize("hint", ["xx", "", None, "klingon"])
def test_unknown_language_codes_fall_back_without_crashing(hint: str | None) -> None:
    assert identifier.identify("😀", candidates=("zz",), hint=hint) in {"en", "xx", "klingon"}
    assert identifier.identify("Parks please", candidates=("en", "es"), hint=hint) in {"en", "es"}


def test_emoji_only_answers_take_the_hint() -> None:
    assert identifier.identify("🙏🙏", candidates=("en", "so"), hint="so") == "so"
    assert identifier.identify("🙏🙏", candidates=("en", "so")) == "en"


def test_browser_locale_spellings_map_to_survey_locales() -> None:
    assert normalise_locale("zh-Hans") == "zh_Hans"
    assert normalise_locale("ES") == "es"
    assert normalise_locale("es-MX") == "es"
    assert normalise_locale("fr") is None
