"""DefaultNormaliser: tokens and lemmas per language, without downloads."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.base import SUPPORTED_LANGS, Normaliser, Tokens
from analysis.normalise import DefaultNormaliser, fold, strip_arabic_clitics


@pytest.fixture(scope="module")
def norm() -> DefaultNormaliser:
    return DefaultNormaliser()


def test_is_a_normaliser(norm: DefaultNormaliser) -> None:
    assert isinstance(norm, Normaliser)


def test_english_lemmas_are_aligned(norm: DefaultNormaliser) -> None:
    out = norm.normalise("More Schools and BUSES", "en")
    assert out == Tokens(
        lang="en",
        tokens=("more", "schools", "and", "buses"),
        lemmas=("more", "school", "and", "bus"),
    )


def test_spanish_lemmas_are_accent_folded(norm: DefaultNormaliser) -> None:
    out = norm.normalise("Educación y escuelas", "es")
    assert out.tokens == ("educación", "y", "escuelas")
    assert out.lemmas == ("educacion", "y", "escuela")


def test_vietnamese_keeps_tone_marks_in_tokens_and_folds_lemmas(norm: DefaultNormaliser) -> None:
    out = norm.normalise("Nhà ở giá rẻ", "vi")
    assert out.tokens == ("nhà", "ở", "giá", "rẻ")
    assert out.lemmas == ("nha", "o", "gia", "re")
    # Typed without accents on a phone: the same lemmas.
    assert norm.normalise("nha o gia re", "vi").lemmas == out.lemmas


def test_chinese_is_segmented_with_jieba(norm: DefaultNormaliser) -> None:
    out = norm.normalise("公交车太少了，房租太贵！", "zh_Hans")
    assert "公交车" in out.tokens
    assert "房租" in out.tokens
    assert "，" not in out.tokens
    assert "！" not in out.tokens
    assert out.lemmas == out.tokens


def test_arabic_article_and_clitics(norm: DefaultNormaliser) -> None:
    out = norm.normalise("والمدارس الأطفال", "ar")
    assert out.tokens == ("والمدارس", "الأطفال")
    assert out.lemmas == ("مدرسه", "طفل")
    assert strip_arabic_clitics("والمدارس") == "مدارس"
    assert strip_arabic_clitics("الى") == "الى"  # too short to be an article + word


def test_haitian_elision_is_split(norm: DefaultNormaliser) -> None:
    assert norm.normalise("M'ap chèche travay", "ht").tokens == ("m", "ap", "chèche", "travay")


def test_somali_apostrophe_stays_inside_the_word(norm: DefaultNormaliser) -> None:
    assert norm.normalise("shaqo la'aan", "so").tokens == ("shaqo", "la'aan")


def test_hmong_is_generic_latin(norm: DefaultNormaliser) -> None:
    out = norm.normalise("Kuv xav tau hauj lwm", "hmn")
    assert out.tokens == out.lemmas == ("kuv", "xav", "tau", "hauj", "lwm")


def test_unknown_language_is_generic_latin(norm: DefaultNormaliser) -> None:
    out = norm.normalise("Hello Wörld", "xx-YY")
    assert out.lang == "xx-YY"
    assert out.tokens == ("hello", "wörld")
    assert out.lemmas == ("hello", "world")
    assert norm.normalise("房租太贵", "").tokens  # CJK under an unknown code is still segmented


@pytest.mark.parametrize("text", ["", "   ", "😀😀🎉", "!!! ... ???", "\u200b\n\t"])
@pytest.mark.parametrize("lang", SUPPORTED_LANGS)
def test_empty_and_symbol_only_text(norm: DefaultNormaliser, text: str, lang: str) -> None:
    out = norm.normalise(text, lang)
    assert out.tokens == ()
    assert out.lemmas == ()


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "The rent is too high and the buses are late. "),
        ("zh_Hans", "房租太贵了，公交车太少，希望有更多工作机会。"),
        ("ar", "الإيجارات غالية جداً والباص بيتأخر كتير. "),
    ],
)
def test_100kb_text_is_quick(norm: DefaultNormaliser, lang: str, sentence: str) -> None:
    text = sentence * (100_000 // len(sentence.encode()) + 1)
    out = norm.normalise(text, lang)
    assert len(out.tokens) == len(out.lemmas) > 1000


def test_fold() -> None:
    assert fold("Educación") == "educacion"
    assert fold("Nhà ở ĐƯỜNG") == "nha o duong"
    assert fold("الأطفال") == "الاطفال"
    assert fold("مدرسة") == "مدرسه"
    assert fold("lekòl") == "lekol"


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=80), lang=st.sampled_from([*SUPPORTED_LANGS, "xx", ""]))
def test_never_crashes_and_stays_aligned(text: str, lang: str) -> None:
    out = DefaultNormaliser().normalise(text, lang)
    assert len(out.tokens) == len(out.lemmas)
    assert all(t and t == t.casefold() for t in out.tokens)
