"""How positive or negative an answer is, only where a language has a real model.

A polarity of 0.0 means "neutral"; ``None`` means "no model for this language". The two are kept apart
everywhere: TextBlob scores any non-English text 0.0, and averaging those zeros into a theme's
sentiment would report Somali residents as perfectly neutral.

Two models:

- :class:`LexiconSentiment` — TextBlob's English lexicon (``.sentiment.polarity``; no corpora needed).
- :class:`TrainedSentiment` — TF-IDF + logistic regression that a site trains on its own reviewed
  answers (positive / neutral / negative), in whatever languages it has examples for.

:class:`SentimentByLanguage` asks each model in turn and returns the first real answer.
"""

from __future__ import annotations

import json
import pickle
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from analysis.base import SentimentModel

POSITIVE = "positive"
NEUTRAL = "neutral"
NEGATIVE = "negative"
SENTIMENT_CLASSES: tuple[str, ...] = (NEGATIVE, NEUTRAL, POSITIVE)

#: Polarity within this distance of 0 reads as neutral when a polarity is turned into a class.
NEUTRAL_BAND = 0.05

MODEL_FORMAT = "community-voice/sentiment@1"


def _base(lang: str) -> str:
    return lang.replace("-", "_").split("_", 1)[0].lower() if lang else ""


def polarity_class(polarity: float, *, band: float = NEUTRAL_BAND) -> str:
    """``positive`` / ``neutral`` / ``negative`` for a polarity in -1..1."""
    if polarity > band:
        return POSITIVE
    if polarity < -band:
        return NEGATIVE
    return NEUTRAL


class LexiconSentiment:
    """TextBlob's English pattern lexicon. Other languages: ``None``."""

    languages: frozenset[str] = frozenset({"en"})

    def polarity(self, text: str, lang: str) -> float | None:
        if _base(lang) not in self.languages:
            return None
        return _textblob_polarity(text)


@lru_cache(maxsize=16_384)
def _textblob_polarity(text: str) -> float:
    # Cached: short answers ("Good", "Nothing", "Very helpful staff") repeat a great deal.
    from textblob import TextBlob

    return float(TextBlob(text).sentiment.polarity)


@dataclass(frozen=True)
class SentimentExample:
    text: str
    label: str  #: one of :data:`SENTIMENT_CLASSES`
    lang: str = "en"


class SentimentModelError(ValueError):
    """A sentiment model could not be trained or loaded."""


class TrainedSentiment:
    """Three-class sentiment from a site's reviewed answers; polarity = P(positive) − P(negative).

    It answers only for the languages it was trained on (with at least ``min_examples`` examples),
    so it never invents a polarity for a language it has not seen.
    """

    def __init__(self, *, C: float = 4.0, min_examples: int = 30, seed: int = 0) -> None:
        self.C = C
        self.min_examples = min_examples
        self.seed = seed
        self.languages: frozenset[str] = frozenset()
        self._pipeline: Any = None
        self._classes: tuple[str, ...] = ()

    @staticmethod
    def _build(C: float, seed: int) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        features = make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        )
        return make_pipeline(features, LogisticRegression(C=C, max_iter=2000, random_state=seed))

    def fit(self, examples: Iterable[SentimentExample]) -> TrainedSentiment:
        rows = list(examples)
        unknown = {e.label for e in rows} - set(SENTIMENT_CLASSES)
        if unknown:
            raise SentimentModelError(
                f"sentiment labels must be {', '.join(SENTIMENT_CLASSES)}; got {sorted(unknown)}"
            )
        if len({e.label for e in rows}) < 2:
            raise SentimentModelError("need examples of at least two sentiment classes")
        per_lang = Counter(_base(e.lang) for e in rows)
        self._pipeline = self._build(self.C, self.seed)
        self._pipeline.fit([e.text for e in rows], [e.label for e in rows])
        self._classes = tuple(str(c) for c in self._pipeline.classes_)
        self.languages = frozenset(lang for lang, n in per_lang.items() if n >= self.min_examples)
        return self

    def predict(self, texts: Sequence[str]) -> list[str]:
        if self._pipeline is None:
            raise SentimentModelError("the sentiment model has not been trained")
        return [str(c) for c in self._pipeline.predict(list(texts))]

    def polarities(self, texts: Sequence[str]) -> list[float]:
        """Polarity for many texts at once (one vectorisation), whatever their language."""
        if self._pipeline is None:
            raise SentimentModelError("the sentiment model has not been trained")
        if not texts:
            return []
        probabilities = self._pipeline.predict_proba(list(texts))
        pos = self._classes.index(POSITIVE) if POSITIVE in self._classes else None
        neg = self._classes.index(NEGATIVE) if NEGATIVE in self._classes else None
        out = []
        for row in probabilities:
            value = (float(row[pos]) if pos is not None else 0.0) - (
                float(row[neg]) if neg is not None else 0.0
            )
            out.append(value)
        return out

    def polarity(self, text: str, lang: str) -> float | None:
        if self._pipeline is None or _base(lang) not in self.languages:
            return None
        return self.polarities([text])[0]

    def save(self, directory: str | Path) -> None:
        if self._pipeline is None:
            raise SentimentModelError("the sentiment model has not been trained")
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": MODEL_FORMAT,
            "languages": sorted(self.languages),
            "classes": list(self._classes),
            "C": self.C,
            "seed": self.seed,
            "min_examples": self.min_examples,
        }
        (target / "sentiment.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        with (target / "sentiment.pkl").open("wb") as fh:
            pickle.dump(self._pipeline, fh, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, directory: str | Path) -> TrainedSentiment:
        source = Path(directory)
        try:
            meta = json.loads((source / "sentiment.json").read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise SentimentModelError(f"no sentiment model in {source}") from exc
        if meta.get("format") != MODEL_FORMAT:
            raise SentimentModelError(f"{source}: not a {MODEL_FORMAT} model")
        model = cls(C=float(meta["C"]), min_examples=int(meta["min_examples"]), seed=meta["seed"])
        # The pickle is a model this project wrote itself (see save), never user-supplied data.
        with (source / "sentiment.pkl").open("rb") as fh:
            model._pipeline = pickle.load(fh)
        model._classes = tuple(meta["classes"])
        model.languages = frozenset(meta["languages"])
        return model


class SentimentByLanguage:
    """The first model with something real to say for the answer's language; else ``None``."""

    def __init__(self, models: Sequence[SentimentModel] | None = None) -> None:
        self.models: tuple[SentimentModel, ...] = (
            tuple(models) if models is not None else (LexiconSentiment(),)
        )

    def polarity(self, text: str, lang: str) -> float | None:
        if not any(ch.isalpha() for ch in text):
            # Emoji or numbers only: no model here reads them, and 0.0 would claim "neutral".
            return None
        for model in self.models:
            value = model.polarity(text, lang)
            if value is not None:
                return max(-1.0, min(1.0, value))
        return None

    def available(self, lang: str) -> bool:
        """Whether any model speaks ``lang`` — what a summary says next to its sentiment column."""
        for model in self.models:
            languages = getattr(model, "languages", None)
            if languages is not None and _base(lang) in languages:
                return True
        return False
