from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.learned import LearnedModelError, LearnedTagger, TaggerOptions, TrainingExample

FAST = TaggerOptions(classifier="svm", C=1.0, min_df=1)


@pytest.fixture(scope="module")
def tagger(training_examples: list[TrainingExample]) -> LearnedTagger:
    return LearnedTagger(options=FAST, seed=3).fit(training_examples)


def test_it_learns_whatever_labels_it_is_given(tagger: LearnedTagger) -> None:
    assert tagger.labels == ("housing", "parks", "transport")
    themes = {
        t.theme for t in tagger.tag("Rent is going up and the landlord won't fix anything", "en")
    }
    assert "housing" in themes
    assert "parks" not in themes


def test_tags_carry_a_score_and_the_learned_source(tagger: LearnedTagger) -> None:
    tags = tagger.tag("the bus never comes on time", "en")
    assert tags
    assert tags[0].theme == "transport"
    assert all(t.source == "learned" and 0.0 <= t.score <= 1.0 for t in tags)


def test_empty_answers_get_no_tags(tagger: LearnedTagger) -> None:
    assert tagger.tag_many(["", "   ", "🙂"])[:2] == [[], []]


def test_a_saved_model_tags_exactly_like_the_original(
    tagger: LearnedTagger, tmp_path: Path
) -> None:
    tagger.save(tmp_path / "model")
    again = LearnedTagger.load(tmp_path / "model")
    texts = ["more parks and trees", "rent and buses", "x" * 100_000]
    assert again.labels == tagger.labels
    assert np.allclose(again.probabilities(texts), tagger.probabilities(texts))
    meta = (tmp_path / "model" / "model.json").read_text(encoding="utf-8")
    for key in ('"labels"', '"version"', '"seed": 3', '"macro_f1_out_of_fold"'):
        assert key in meta


def test_training_is_deterministic_for_a_seed(training_examples: list[TrainingExample]) -> None:
    a = LearnedTagger(options=FAST, seed=1).fit(training_examples)
    b = LearnedTagger(options=FAST, seed=1).fit(training_examples)
    texts = ["the park needs benches", "bus fares"]
    assert np.array_equal(a.probabilities(texts), b.probabilities(texts))


def test_labels_with_a_single_example_are_left_out() -> None:
    examples = [TrainingExample(f"rent {i}", ("housing",)) for i in range(5)] + [
        TrainingExample("one about dogs", ("pets",)),
        TrainingExample("buses", ()),
    ]
    tagger = LearnedTagger(options=FAST).fit(examples)
    assert tagger.labels == ("housing",)


def test_too_little_data_is_refused_with_a_reason() -> None:
    with pytest.raises(LearnedModelError, match="at least 4"):
        LearnedTagger().fit([TrainingExample("rent", ("housing",))])


def test_loading_a_missing_model_says_so(tmp_path: Path) -> None:
    with pytest.raises(LearnedModelError, match="no model"):
        LearnedTagger.load(tmp_path)


def test_chinese_answers_are_segmented_into_words() -> None:
    examples = [
        TrainingExample(t, th, "zh_Hans")
        for t, th in [
            ("房租太贵了", ("housing",)),
            ("房租每年都涨", ("housing",)),
            ("我们需要便宜的房子", ("housing",)),
            ("公交车总是迟到", ("transport",)),
            ("需要更多公交车", ("transport",)),
            ("地铁太挤了", ("transport",)),
        ]
    ]
    tagger = LearnedTagger(options=FAST).fit(examples)
    assert [t.theme for t in tagger.tag("房租又涨了", "zh_Hans")][:1] == ["housing"]
