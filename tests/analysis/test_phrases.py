from __future__ import annotations

from analysis.phrases import emergent_phrases
from analysis.summary import Answer


def test_a_phrase_residents_repeat_outside_any_theme_surfaces_with_examples() -> None:
    rows = [
        Answer("1", "We need faster internet service at home", "en"),
        Answer("2", "Internet service is too slow", "en"),
        Answer("3", "Cheaper internet service please", "en"),
        Answer("4", "The dog park is great", "en"),
        Answer("5", "Internet service keeps dropping", "en"),
        Answer("6", "Internet service, internet service!", "en", ("jobs",)),
    ]
    found = emergent_phrases(rows, min_count=3)
    top = found["en"][0]
    assert top.phrase == "internet service"
    assert top.count == 4  # the tagged answer is not counted
    assert top.answer_ids == ("1", "2", "3", "5")


def test_phrases_do_not_start_or_end_with_function_words() -> None:
    rows = [Answer(str(i), f"I think that the market {i}", "en") for i in range(5)]
    phrases = {p.phrase for p in emergent_phrases(rows, min_count=3)["en"]}
    assert "think that" not in phrases
    assert "the market" not in phrases


def test_phrases_are_found_per_language_including_chinese() -> None:
    rows = [Answer(str(i), "我们需要更快的网络服务", "zh_Hans") for i in range(3)] + [
        Answer(f"s{i}", "Necesitamos internet rápido en casa", "es") for i in range(3)
    ]
    found = emergent_phrases(rows, min_count=3)
    assert set(found) == {"es", "zh_Hans"}
    assert any("internet" in p.phrase for p in found["es"])
    assert all(" " not in p.phrase for p in found["zh_Hans"])
