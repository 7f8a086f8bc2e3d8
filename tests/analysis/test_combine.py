from __future__ import annotations

from analysis.base import Tag, TaggedText
from analysis.combine import Analyzer, merge_tags
from analysis.learned import LearnedTagger, TaggerOptions, TrainingExample


def test_agreeing_sources_strengthen_one_tag_and_keep_their_evidence() -> None:
    merged = merge_tags(
        [
            Tag("housing", 0.6, "codebook", ("rent",)),
            Tag("housing", 0.5, "learned"),
            Tag("safety", 0.3, "semantic"),
        ]
    )
    assert [t.theme for t in merged] == ["housing", "safety"]
    assert merged[0].score == 0.8
    assert merged[0].source == "codebook"
    assert merged[0].evidence == ("rent",)


def test_the_default_analyzer_gives_language_themes_and_sentiment() -> None:
    result = Analyzer.default().analyze(
        "r1", "The rent is too high and I love this neighborhood", "en"
    )
    assert isinstance(result, TaggedText)
    assert result.lang == "en"
    assert "housing" in {t.theme for t in result.tags}
    assert result.sentiment is not None


def test_a_spanish_answer_has_themes_but_no_fake_sentiment() -> None:
    result = Analyzer.default().analyze("r2", "El alquiler es demasiado caro en este barrio", "es")
    assert result.lang == "es"
    assert result.sentiment is None


def test_codebook_and_learned_tags_are_combined(training_examples: list[TrainingExample]) -> None:
    from analysis.codebook import CodebookTagger

    learned = LearnedTagger(options=TaggerOptions(classifier="svm", C=1.0, min_df=1)).fit(
        training_examples
    )
    analyzer = Analyzer(codebook=CodebookTagger(), learned=learned)
    result = analyzer.analyze("r3", "We need more parks with trees, and the rent is too high", "en")
    sources = {t.source for t in result.tags}
    themes = {t.theme for t in result.tags}
    assert "learned" in sources
    assert "parks" in themes  # the learned model's own label
    assert "housing" in themes


def test_unknown_and_empty_inputs_do_not_crash() -> None:
    analyzer = Analyzer.default()
    for text, hint in [("", "xx"), ("🙂", None), ("x" * 100_000, "en")]:
        result = analyzer.analyze("r", text, hint)
        assert result.lang
