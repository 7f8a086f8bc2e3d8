"""The default codebook and the codebook tagger: content, semantics, accuracy floors, robustness."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from analysis.base import SUPPORTED_LANGS, Tag, Tagger, Tokens
from analysis.codebook import (
    SCHEMA,
    Codebook,
    CodebookError,
    CodebookTagger,
    default_codebook_path,
    load_default,
    validate,
)
from analysis.normalise import DefaultNormaliser

DATA = Path(__file__).parent / "data"
KEYS = (
    "housing",
    "jobs",
    "education",
    "health",
    "safety",
    "transportation",
    "youth_family",
    "environment",
    "community",
    "equity",
    "financial_security",
    "civic_voice",
)


@pytest.fixture(scope="module")
def tagger() -> CodebookTagger:
    return CodebookTagger()


def themes(tagger: CodebookTagger, text: str, lang: str) -> set[str]:
    return {t.theme for t in tagger.tag(text, lang)}


# -- the default codebook ------------------------------------------------------------------------


def test_default_codebook_is_valid_and_complete_in_all_languages() -> None:
    doc = json.loads(default_codebook_path().read_text(encoding="utf-8"))
    assert validate(doc, required_langs=SUPPORTED_LANGS) == []
    book = load_default()
    assert book.keys == KEYS
    assert book.key == "default"
    assert book.version >= 1
    for theme in book.themes:
        for lang in SUPPORTED_LANGS:
            assert theme.label[lang].strip(), (theme.key, lang)
            assert len(theme.description[lang]) > 20, (theme.key, lang)
            assert len(theme.keywords[lang]) >= 5, (theme.key, lang)


def test_labels_fall_back_to_english_and_never_blank() -> None:
    book = load_default()
    assert book.label("housing", "zh_Hans") == "住房"
    assert book.label("housing", "es") == "Vivienda"
    assert book.label("housing", "es-MX") == "Vivienda"
    assert book.label("housing", "fr") == "Housing"
    assert book.label("no_such_theme", "en") == "no_such_theme"
    assert all(book.label(k, lang) for k in KEYS for lang in (*SUPPORTED_LANGS, "xx"))


def test_round_trip_and_cache() -> None:
    book = load_default()
    assert load_default() is book
    again = Codebook.from_dict(book.to_dict())
    assert again == book
    assert again.theme("safety").label["so"] == book.theme("safety").label["so"]


# -- clear answers per language ------------------------------------------------------------------

CLEAR: list[tuple[str, str, set[str]]] = [
    ("en", "The landlord raised our rent again", {"housing"}),
    ("en", "We need a bus that runs on Sundays", {"transportation"}),
    ("en", "More after-school programs for teenagers", {"youth_family"}),
    ("es", "Necesitamos más empleos con buen sueldo", {"jobs"}),
    ("es", "Que pongan más policía porque hay muchos robos", {"safety"}),
    ("es", "Las clinicas son muy caras y no tengo seguro medico", {"health"}),
    ("vi", "Cần thêm trường học và giáo viên giỏi", {"education"}),
    ("vi", "can them truong hoc va giao vien gioi", {"education"}),
    ("vi", "Tiền thuê nhà quá cao", {"housing"}),
    ("zh_Hans", "希望多建一些公园和绿地", {"environment"}),
    ("zh_Hans", "上下班路上太堵车了", {"transportation"}),
    ("zh_Hans", "市政府应该多听听我们的意见", {"civic_voice"}),
    ("ar", "نحتاج مدارس أفضل لأولادنا", {"education", "youth_family"}),
    ("ar", "الشرطة لازم تهتم بالأمن في الحي", {"safety"}),
    ("ar", "نريد حدائق نظيفة", {"environment"}),
    ("so", "Waxaan u baahanahay shaqo iyo mushahar wanaagsan", {"jobs"}),
    ("so", "Kirada guriga aad bay u qaali tahay", {"housing"}),
    ("so", "Dugsiyada carruurta ha la hagaajiyo", {"education", "youth_family"}),
    ("ht", "Nou bezwen yon klinik nan katye a", {"health"}),
    ("ht", "Lapolis dwe patwouye plis pou sekirite nou", {"safety"}),
    ("ht", "Mwen pa ka peye bòdwo limyè a", {"financial_security"}),
    ("hmn", "Peb xav tau tsev kawm ntawv zoo dua", {"education"}),
    ("hmn", "Npav tsis tshua muaj, mus los nyuaj heev", {"transportation"}),
    ("hmn", "Kuv xav kom muaj kev nyab xeeb hauv peb lub zej zog", {"safety", "community"}),
]


@pytest.mark.parametrize(("lang", "text", "expected"), CLEAR)
def test_clear_answers(tagger: CodebookTagger, lang: str, text: str, expected: set[str]) -> None:
    assert themes(tagger, text, lang) == expected


NO_THEME = [
    ("en", "Faster internet and more places to shop"),
    ("en", "My dog is the best"),
    ("es", "Quiero un mejor servicio de internet"),
    ("vi", "Mạng internet nhanh hơn"),
    ("zh_Hans", "多开几家购物中心"),
    ("ar", "نبي انترنت أسرع"),
    ("so", "Internet fiican"),
    ("ht", "Mwen renmen chat mwen"),
    ("hmn", "Kuv nyiam kuv tus miv"),
]


@pytest.mark.parametrize(("lang", "text"), NO_THEME)
def test_no_theme_answers_give_no_tag(tagger: CodebookTagger, lang: str, text: str) -> None:
    assert tagger.tag(text, lang) == []


BOUNDARIES = [
    ("We need sidewalks and bike lanes", "transportation"),
    ("Traffic is terrible and there is no parking downtown", "transportation"),
    ("Fix the broken street lights on my block", "safety"),
    ("A disaster preparedness plan for tornadoes", "safety"),
    ("A grocery store with fresh food in our part of town", "health"),
    ("More festivals, live music and the arts", "community"),
    ("More parks and walking trails", "environment"),
    ("Preserve farmland and green space", "environment"),
    ("Programs for seniors", "youth_family"),
    ("Help the homeless find a place to live", "housing"),
    ("Support small business and the local economy", "jobs"),
    ("School funding should be fair across districts", "education"),
]


@pytest.mark.parametrize(("text", "theme"), BOUNDARIES)
def test_design_boundaries(tagger: CodebookTagger, text: str, theme: str) -> None:
    assert theme in themes(tagger, text, "en")


def test_boundary_exclusions(tagger: CodebookTagger) -> None:
    assert themes(tagger, "Parking is impossible downtown", "en") == {"transportation"}
    assert themes(tagger, "Job training for adults", "en") == {"jobs"}
    assert "safety" not in themes(tagger, "A traffic light at this intersection", "en")
    assert "housing" not in themes(tagger, "Tsev kawm ntawv zoo", "hmn")


def test_negated_mentions_still_count(tagger: CodebookTagger) -> None:
    assert themes(tagger, "No more violence", "en") == {"safety"}


def test_vietnamese_with_and_without_tone_marks(tagger: CodebookTagger) -> None:
    accented = themes(tagger, "Mong có thêm việc làm và nhà ở giá rẻ", "vi")
    plain = themes(tagger, "mong co them viec lam va nha o gia re", "vi")
    assert accented == plain == {"jobs", "housing"}


def test_arabic_with_and_without_the_article(tagger: CodebookTagger) -> None:
    for text in ("نحتاج مدارس", "نحتاج المدارس", "والمدارس", "بالمدارس"):
        assert themes(tagger, text, "ar") == {"education"}, text


def test_tags_carry_source_score_and_evidence(tagger: CodebookTagger) -> None:
    tags = tagger.tag("Rent is too high and the landlord ignores repairs", "en")
    assert isinstance(tagger, Tagger)
    assert [t.theme for t in tags] == ["housing"]
    tag = tags[0]
    assert tag.source == "codebook"
    assert 0.0 < tag.score <= 1.0
    assert set(tag.evidence) >= {"rent", "landlord*"}
    single = tagger.tag("rent", "en")[0]
    assert single.score < tag.score  # more evidence, more confidence


# -- robustness -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "😀🎉👍", "?!", "\n\n"])
@pytest.mark.parametrize("lang", [*SUPPORTED_LANGS, "xx", ""])
def test_empty_and_emoji_only(tagger: CodebookTagger, text: str, lang: str) -> None:
    assert tagger.tag(text, lang) == []


def test_unknown_language_uses_english_terms(tagger: CodebookTagger) -> None:
    assert themes(tagger, "rent and jobs", "xx") == {"housing", "jobs"}


@pytest.mark.parametrize("lang", ["en", "zh_Hans", "hmn"])
def test_100kb_answer(tagger: CodebookTagger, lang: str) -> None:
    sentence = {
        "en": "The rent is too high and we need more jobs and better schools. ",
        "zh_Hans": "房租太贵了，希望有更多工作机会和好学校。",
        "hmn": "Kuv xav kom muaj hauj lwm thiab tsev kawm ntawv zoo. ",
    }[lang]
    text = sentence * (100_000 // len(sentence.encode()) + 1)
    got = {t.theme for t in tagger.tag(text, lang)}
    assert {"jobs", "education"} <= got


def test_custom_normaliser_is_used() -> None:
    class Upper:
        def normalise(self, text: str, lang: str) -> Tokens:
            words = tuple(w.lower() for w in text.split())
            return Tokens(lang=lang, tokens=words, lemmas=words)

    book = Codebook.from_dict(_doc())
    assert {t.theme for t in CodebookTagger(book, Upper()).tag("HOUSES", "en")} == set()
    assert {t.theme for t in CodebookTagger(book, DefaultNormaliser()).tag("HOUSES", "en")} == {
        "housing"
    }


# -- matching semantics on a small custom codebook ---------------------------------------------


def _doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "key": "site_a",
        "version": 2,
        "themes": [
            {
                "key": "housing",
                "label": {"en": "Housing", "es": "Vivienda"},
                "description": {"en": "Homes and rent"},
                "keywords": {"en": ["house", "landlord*", "tsev"], "hmn": ["tsev", "-tsev neeg"]},
                "phrases": {"en": ["cost of living"]},
                "examples": {"en": ["Rent is too high"]},
            },
            {
                "key": "parks",
                "label": {"en": "Parks"},
                "keywords": {"en": ["=park"]},
            },
            {
                "key": "old_theme",
                "label": {"en": "Old"},
                "keywords": {"en": ["rent"]},
                "retired": True,
            },
        ],
    }
    doc.update(overrides)
    return doc


def test_matching_semantics() -> None:
    book = Codebook.from_dict(_doc())
    tag = CodebookTagger(book)
    assert book.keys == ("housing", "parks")
    assert book.theme("old_theme").retired
    assert themes(tag, "Houses are expensive", "en") == {"housing"}  # lemma
    assert themes(tag, "Landlords never fix anything", "en") == {"housing"}  # prefix
    assert themes(tag, "the cost of living", "en") == {"housing"}  # phrase
    assert themes(tag, "cost and living", "en") == set()  # not consecutive
    assert themes(tag, "a new park", "en") == {"parks"}
    assert themes(tag, "parking", "en") == set()  # "=park" is exact, not the lemma of parking
    assert themes(tag, "rent", "en") == set()  # retired themes never tag
    assert themes(tag, "kuv tsev", "hmn") == {"housing"}
    assert themes(tag, "kuv tsev neeg", "hmn") == set()  # exception
    assert themes(tag, "housing", "es") == set()  # no Spanish terms: nothing, not English


# -- validation ----------------------------------------------------------------------------------


def _problems(doc: Any) -> str:
    return " | ".join(validate(doc))


def test_valid_custom_document() -> None:
    assert validate(_doc()) == []


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema="other@1"), "schema must be"),
        (lambda d: d.update(version=0), "version must be"),
        (lambda d: d.update(version=True), "version must be"),
        (lambda d: d.update(key="Site A"), "key must be"),
        (lambda d: d.update(themes=[]), "themes must be a non-empty list"),
        (lambda d: d["themes"].append(copy.deepcopy(d["themes"][0])), "duplicate theme key"),
        (lambda d: d["themes"][0].pop("label"), "label is missing"),
        (lambda d: d["themes"][0]["label"].pop("en"), "needs an English"),
        (lambda d: d["themes"][0]["label"].update(es="  "), "label[es] is blank"),
        (lambda d: d["themes"][0]["keywords"]["en"].append(""), "must be non-empty text"),
        (lambda d: d["themes"][0]["keywords"]["en"].append("la*ndlord"), "'*' is only allowed"),
        (lambda d: d["themes"][0]["keywords"]["en"].append("a*"), "at least two letters"),
        (lambda d: d["themes"][0]["keywords"]["en"].append("***"), "no letters to match"),
        (lambda d: d["themes"][0]["keywords"]["en"].append("ho=use"), "'=' is only allowed"),
        (lambda d: d["themes"][0]["keywords"].update(en="rent"), "must be a list of texts"),
        (lambda d: d["themes"][0]["keywords"].update({"English": ["rent"]}), "invalid language"),
        (lambda d: d["themes"][0].update(retired="no"), "retired must be true or false"),
        (lambda d: d["themes"][0].update(colour="red"), "unknown field(s) colour"),
        (lambda d: d["themes"][1].update(key="2nd"), "key must be lower-case"),
    ],
)
def test_validate_rejects_bad_documents(mutate: Any, message: str) -> None:
    doc = _doc()
    mutate(doc)
    problems = _problems(doc)
    assert message in problems
    with pytest.raises(CodebookError) as err:
        Codebook.from_dict(doc)
    assert message in str(err.value)
    assert err.value.problems


def test_validate_names_the_theme_and_lists_every_problem() -> None:
    doc = _doc()
    doc["themes"][0]["keywords"]["en"] += ["", "x*y"]
    problems = validate(doc)
    assert len(problems) == 2
    assert all(p.startswith("theme 'housing': keywords[en]") for p in problems)


def test_validate_required_languages() -> None:
    problems = validate(_doc(), required_langs=("en", "so"))
    assert "theme 'housing': label missing for language 'so'" in problems
    assert "theme 'housing': no keywords for language 'so'" in problems
    assert not any("old_theme" in p for p in problems)  # retired themes need no translations


def test_validate_non_object() -> None:
    assert validate([1, 2]) == ["the codebook must be a JSON object"]


def test_load_rejects_invalid_json(tmp_path: Path) -> None:
    bad = tmp_path / "book.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CodebookError, match="not valid JSON"):
        Codebook.load(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_doc()), encoding="utf-8")
    assert Codebook.load(good).keys == ("housing", "parks")


# -- accuracy floors (measured: see tests/bench/bench_codebook.py) -----------------------------


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _micro_f1(tagger: CodebookTagger, rows: Iterable[dict[str, Any]]) -> float:
    tp = fp = fn = 0
    for row in rows:
        gold = set(row["themes"])
        pred = {t.theme for t in tagger.tag(row["text"], row["lang"])}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def test_test_set_is_well_formed() -> None:
    rows = _read(DATA / "resident_answers.jsonl")
    assert len({r["id"] for r in rows}) == len(rows)
    for lang in SUPPORTED_LANGS:
        mine = [r for r in rows if r["lang"] == lang]
        assert len(mine) >= 40, lang
        assert any(not r["themes"] for r in mine), lang
        assert {r["split"] for r in mine} == {"dev", "heldout", "fresh"}
    assert all(set(r["themes"]) <= set(KEYS) for r in rows)


def test_micro_f1_floor_overall_and_per_language(tagger: CodebookTagger) -> None:
    rows = _read(DATA / "resident_answers.jsonl")
    overall = _micro_f1(tagger, rows)
    assert overall >= 0.90, overall
    english = _micro_f1(tagger, [r for r in rows if r["lang"] == "en"])
    for lang in SUPPORTED_LANGS:
        f1 = _micro_f1(tagger, [r for r in rows if r["lang"] == lang])
        assert f1 >= 0.85, (lang, f1)
        assert f1 >= english - 0.10, (lang, f1, english)


def test_micro_f1_floor_on_real_resident_comments(tagger: CodebookTagger) -> None:
    rows = _read(DATA / "resident_voices_labelled.jsonl")
    assert len(rows) >= 200
    assert _micro_f1(tagger, rows) >= 0.75


def test_fresh_sets_are_well_formed() -> None:
    answers = _read(DATA / "resident_answers_fresh.jsonl")
    voices = _read(DATA / "resident_voices_fresh.jsonl")
    old_voices = {r["id"] for r in _read(DATA / "resident_voices_labelled.jsonl")}
    assert len({r["id"] for r in answers}) == len(answers) == 200
    for lang in SUPPORTED_LANGS:
        mine = [r for r in answers if r["lang"] == lang]
        assert len(mine) == 25, lang
        assert any(not r["themes"] for r in mine), lang
    assert len({r["id"] for r in voices}) == len(voices) == 150
    assert not {r["id"] for r in voices} & old_voices
    assert all(set(r["themes"]) <= set(KEYS) for r in [*answers, *voices])


def test_micro_f1_floor_on_fresh_answers(tagger: CodebookTagger) -> None:
    # Written before the vocabulary was broadened (measured 0.943 before, 0.973 after).
    rows = _read(DATA / "resident_answers_fresh.jsonl")
    assert _micro_f1(tagger, rows) >= 0.94
    english = _micro_f1(tagger, [r for r in rows if r["lang"] == "en"])
    for lang in SUPPORTED_LANGS:
        f1 = _micro_f1(tagger, [r for r in rows if r["lang"] == lang])
        assert f1 >= 0.90, (lang, f1)
        assert f1 >= english - 0.10, (lang, f1, english)


def test_micro_f1_floor_on_fresh_real_resident_comments(tagger: CodebookTagger) -> None:
    # 150 further real comments (measured 0.723 before the broadening, 0.815 after).
    rows = _read(DATA / "resident_voices_fresh.jsonl")
    assert _micro_f1(tagger, rows) >= 0.78


def test_tag_type() -> None:
    tags = CodebookTagger().tag("crime", "en")
    assert tags == [
        Tag(theme="safety", score=tags[0].score, source="codebook", evidence=("crime*",))
    ]


def test_every_example_gets_its_own_theme(tagger: CodebookTagger) -> None:
    book = load_default()
    for theme in book.themes:
        assert set(theme.examples) == set(SUPPORTED_LANGS), theme.key
        for lang, examples in theme.examples.items():
            for example in examples:
                assert theme.key in themes(tagger, example, lang), (theme.key, lang, example)
