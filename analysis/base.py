"""The small contracts every part of the analysis library follows.

Each part (language identification, normalisation, taggers, sentiment) is a Protocol, so a better
implementation can be passed to a constructor without touching the callers. Results are frozen
dataclasses: they are values, safe to cache and to compare in tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

#: Locales the product serves. ``hmn`` (Hmong) and ``ht`` (Haitian Creole) have no lemmatiser.
SUPPORTED_LANGS: tuple[str, ...] = ("en", "es", "vi", "zh_Hans", "ar", "so", "ht", "hmn")


@dataclass(frozen=True)
class Tag:
    """One theme on one answer."""

    theme: str  #: stable theme key, e.g. ``housing``
    score: float  #: 0..1, how sure the source is
    source: str  #: ``codebook`` | ``learned`` | ``semantic`` | ``human``
    evidence: tuple[str, ...] = ()  #: matched keywords/phrases, when the source can say


@dataclass(frozen=True)
class Tokens:
    """A normalised text: what taggers and phrase finders read."""

    lang: str
    tokens: tuple[str, ...]  #: surface tokens, case-folded
    lemmas: tuple[
        str, ...
    ]  #: lemma (or folded token where no lemmatiser exists), aligned with tokens


@dataclass(frozen=True)
class TaggedText:
    id: str
    lang: str
    tags: tuple[Tag, ...] = field(default_factory=tuple)
    sentiment: float | None = None  #: -1..1, ``None`` when the language has no model


@runtime_checkable
class LanguageIdentifier(Protocol):
    def identify(self, text: str, *, candidates: Sequence[str], hint: str | None = None) -> str: ...


@runtime_checkable
class Normaliser(Protocol):
    def normalise(self, text: str, lang: str) -> Tokens: ...


@runtime_checkable
class Tagger(Protocol):
    def tag(self, text: str, lang: str) -> list[Tag]: ...


@runtime_checkable
class SentimentModel(Protocol):
    def polarity(self, text: str, lang: str) -> float | None:
        """-1..1, or ``None`` when this model has nothing real to say for ``lang``."""
        ...
