"""Answers in a language the training set lacked score lower on every label; the tagger must not
leave them with no theme when their best theme is close, nor tag what it cannot read."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from analysis.calibration import decide
from analysis.learned import LearnedTagger, TaggerOptions, TrainingExample

THRESHOLDS = np.array([0.5, 0.5, 0.6])


def test_labels_over_their_threshold_are_tags_as_before() -> None:
    chosen = decide(
        np.array([[0.9, 0.7, 0.1]]), THRESHOLDS, fallback_margin=3.0, runner_up_margin=0.5
    )
    assert chosen.tolist() == [[True, True, False]]


def test_an_answer_no_threshold_caught_gets_its_best_theme_when_close() -> None:
    # Log-odds: 0.3 is 0.85 below 0.5, 0.02 is 3.9 below: only the first answer is close.
    scores = np.array([[0.3, 0.05, 0.1], [0.02, 0.01, 0.01]])
    chosen = decide(scores, THRESHOLDS, fallback_margin=3.0, runner_up_margin=0.5)
    assert chosen.tolist() == [[True, False, False], [False, False, False]]


def test_a_close_runner_up_joins_a_fallback_theme() -> None:
    scores = np.array([[0.30, 0.28, 0.05]])
    chosen = decide(scores, THRESHOLDS, fallback_margin=3.0, runner_up_margin=0.5)
    assert chosen.tolist() == [[True, True, False]]
    alone = decide(scores, THRESHOLDS, fallback_margin=3.0, runner_up_margin=0.0)
    assert alone.tolist() == [[True, False, False]]


def test_no_fallback_where_turned_off_or_not_eligible() -> None:
    scores = np.array([[0.3, 0.05, 0.1], [0.3, 0.05, 0.1]])
    assert not decide(scores, THRESHOLDS, fallback_margin=0.0, runner_up_margin=0.5).any()
    chosen = decide(
        scores,
        THRESHOLDS,
        fallback_margin=3.0,
        runner_up_margin=0.5,
        eligible=np.array([True, False]),
    )
    assert chosen.tolist() == [[True, False, False], [False, False, False]]


def test_a_fallback_label_must_still_reach_the_floor() -> None:
    # 0.04 is within 3 log-odds of a 0.3 threshold, but below a 0.05 floor.
    scores = np.array([[0.04, 0.01, 0.01]])
    thresholds = np.array([0.3, 0.5, 0.5])
    assert decide(scores, thresholds, fallback_margin=3.0, runner_up_margin=0.5).any()
    assert not decide(
        scores, thresholds, fallback_margin=3.0, runner_up_margin=0.5, floor=0.05
    ).any()


def test_a_label_that_was_never_learned_is_never_a_fallback() -> None:
    chosen = decide(
        np.array([[0.3, 0.4]]),
        np.array([0.5, np.inf]),
        fallback_margin=3.0,
        runner_up_margin=5.0,
    )
    assert chosen.tolist() == [[True, False]]


def test_a_model_without_embeddings_never_falls_back(
    training_examples: list[TrainingExample],
) -> None:
    generous = TaggerOptions(classifier="svm", C=1.0, min_df=1, fallback_margin=50.0)
    tagger = LearnedTagger(options=generous).fit(training_examples)
    assert tagger.tag("Waxba kuma darayo, mahadsanid walaal", "so") == []
    scores = tagger.probabilities(["More doctors and a clinic"])
    assert (scores < tagger._require().thresholds).all(), "no label reaches its threshold"
    assert tagger.tag("More doctors and a clinic", "en") == []


def test_a_version_2_model_loads_and_tags_with_the_fallback(
    training_examples: list[TrainingExample], tmp_path: Path
) -> None:
    import json

    tagger = LearnedTagger(options=TaggerOptions(classifier="svm", C=1.0, min_df=1))
    directory = tagger.fit(training_examples).save(tmp_path / "v2")
    meta = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    meta["version"] = 2
    for key in ("fallback_margin", "runner_up_margin", "fallback_floor"):
        del meta["options"][key]
    (directory / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    again = LearnedTagger.load(directory)
    assert again.options.fallback_margin == TaggerOptions().fallback_margin
    texts = ["rent and the bus", "parks"]
    assert again.tag_many(texts) == tagger.tag_many(texts)
