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
    assert tagger.tag_many(["", "   ", "🙂", "-", "?!"]) == [[], [], [], [], []]


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


def test_a_site_with_thirty_answers_and_rare_labels_still_trains() -> None:
    examples = [
        TrainingExample(f"park trees benches {i}", ("parks",))
        if i % 3 == 0
        else TrainingExample(f"rent landlord repairs {i}", ("housing",))
        for i in range(28)
    ] + [
        TrainingExample("the library opens too late", ("library",)),
        TrainingExample("library hours are short", ("library",)),
    ]
    tagger = LearnedTagger().fit(examples)
    assert tagger.labels == ("housing", "library", "parks")
    assert tagger.report is not None
    assert all(0.0 <= m.threshold <= 1.0 for m in tagger.report.labels)


def test_thresholds_of_rare_labels_lean_towards_the_common_one() -> None:
    from analysis.calibration import _best_threshold, _smoothed_thresholds

    rng = np.random.default_rng(0)
    truth = np.zeros((400, 2), dtype=np.int8)
    truth[:200, 0] = 1
    truth[:3, 1] = 1
    scores = rng.normal(size=(400, 2)) + 2.0 * truth
    own = np.array([_best_threshold(scores[:, j], truth[:, j])[0] for j in range(2)])
    centre = float(np.median(own))
    shrunk = _smoothed_thresholds(scores, truth, prior=5.0)
    assert abs(shrunk[0] - own[0]) < 0.05 * abs(own[0] - centre) + 1e-9
    assert abs(shrunk[1] - centre) < abs(own[1] - centre)
    assert np.array_equal(_smoothed_thresholds(scores, truth, prior=0.0), own)


def test_a_version_1_model_still_loads(tagger: LearnedTagger, tmp_path: Path) -> None:
    import json

    directory = tagger.save(tmp_path / "old")
    meta = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    meta["version"] = 1
    del meta["options"]["threshold_prior"]
    (directory / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    again = LearnedTagger.load(directory)
    assert again.options.threshold_prior == 0.0
    assert np.allclose(again.probabilities(["rent"]), tagger.probabilities(["rent"]))


def test_a_model_with_unknown_options_fails_clearly(tagger: LearnedTagger, tmp_path: Path) -> None:
    import json

    directory = tagger.save(tmp_path / "odd")
    meta = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    meta["options"]["mystery"] = 1
    (directory / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(LearnedModelError, match="options"):
        LearnedTagger.load(directory)
