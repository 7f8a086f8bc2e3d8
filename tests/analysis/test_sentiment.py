from __future__ import annotations

from pathlib import Path

import pytest

from analysis.sentiment import (
    LexiconSentiment,
    SentimentByLanguage,
    SentimentExample,
    SentimentModelError,
    TrainedSentiment,
    polarity_class,
)


def test_english_has_a_polarity() -> None:
    model = SentimentByLanguage()
    good = model.polarity("The staff were wonderful and kind", "en")
    bad = model.polarity("The service was terrible and rude", "en")
    assert good is not None
    assert good > 0.3
    assert bad is not None
    assert bad < -0.3


@pytest.mark.parametrize("lang", ["es", "so", "hmn", "zh_Hans", "xx"])
def test_a_language_without_a_model_is_unavailable_not_neutral(lang: str) -> None:
    assert SentimentByLanguage().polarity("Muy bueno, excelente servicio", lang) is None
    assert not SentimentByLanguage().available(lang)


def test_emoji_only_has_no_sentiment_reading() -> None:
    assert SentimentByLanguage().polarity("🙂🙂", "en") is None


def _reviewed() -> list[SentimentExample]:
    rows = []
    for i in range(12):
        rows.append(SentimentExample(f"muy bueno excelente gracias {i}", "positive", "es"))
        rows.append(SentimentExample(f"muy malo terrible nunca {i}", "negative", "es"))
        rows.append(SentimentExample(f"la reunión es el martes {i}", "neutral", "es"))
    return rows


def test_a_site_can_train_sentiment_for_its_own_language(tmp_path: Path) -> None:
    model = TrainedSentiment(min_examples=10).fit(_reviewed())
    combined = SentimentByLanguage([model, LexiconSentiment()])
    good = combined.polarity("excelente, muy bueno", "es")
    bad = combined.polarity("terrible, muy malo", "es")
    assert good is not None
    assert bad is not None
    assert good > 0 > bad
    assert combined.polarity("excelente", "so") is None  # trained on Spanish only
    model.save(tmp_path)
    again = TrainedSentiment.load(tmp_path)
    assert again.polarity("excelente, muy bueno", "es") == pytest.approx(good)


def test_unknown_sentiment_labels_are_refused() -> None:
    with pytest.raises(SentimentModelError, match="positive"):
        TrainedSentiment().fit([SentimentExample("x", "happy"), SentimentExample("y", "sad")])


def test_polarity_class_has_a_neutral_band() -> None:
    assert polarity_class(0.01) == "neutral"
    assert polarity_class(0.5) == "positive"
    assert polarity_class(-0.5) == "negative"
