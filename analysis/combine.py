"""One tag set per answer from every tagger a site has: codebook, learned, semantic.

The answer's language is settled first (the resident's choice, confirmed by a detector for longer
answers); then each tagger speaks, and tags for the same theme are merged: the score combines the
sources as independent evidence (``1 − Π(1 − score)``), the source is the most confident one, and
the evidence is the union. Sentiment comes from the first model that speaks the language, else
``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.base import (
    SUPPORTED_LANGS,
    LanguageIdentifier,
    SentimentModel,
    Tag,
    TaggedText,
    Tagger,
)

if TYPE_CHECKING:
    from analysis.learned import LearnedTagger
    from analysis.semantic import SemanticTagger


@dataclass(frozen=True)
class AnswerInput:
    id: str
    text: str
    lang_hint: str | None = None


def merge_tags(tags: Sequence[Tag]) -> tuple[Tag, ...]:
    """Per theme, one tag: noisy-or score, the strongest source, all evidence; best first."""
    by_theme: dict[str, list[Tag]] = {}
    for tag in tags:
        by_theme.setdefault(tag.theme, []).append(tag)
    merged = []
    for theme, group in by_theme.items():
        strongest = max(group, key=lambda t: (t.score, t.source))
        doubt = 1.0
        for tag in group:
            doubt *= 1.0 - min(1.0, max(0.0, tag.score))
        evidence = tuple(dict.fromkeys(e for t in group for e in t.evidence))
        merged.append(Tag(theme, round(1.0 - doubt, 4), strongest.source, evidence))
    return tuple(sorted(merged, key=lambda t: (-t.score, t.theme)))


class Analyzer:
    """Language, themes and sentiment for answers.

    Every part is optional and replaceable: pass ``codebook=None`` to tag with a learned model's own
    labels only, ``identifier=None`` to take the hint as given, ``sentiment=None`` to skip it.
    """

    def __init__(
        self,
        *,
        codebook: Tagger | None = None,
        learned: LearnedTagger | None = None,
        semantic: SemanticTagger | None = None,
        identifier: LanguageIdentifier | None = None,
        sentiment: SentimentModel | None = None,
    ) -> None:
        self.codebook = codebook
        self.learned = learned
        self.semantic = semantic
        self.identifier = identifier
        self.sentiment = sentiment

    @classmethod
    def default(cls) -> Analyzer:
        """The default codebook, language detection and English sentiment; no optional extras."""
        from analysis.codebook import CodebookTagger
        from analysis.language import LangIdIdentifier
        from analysis.sentiment import SentimentByLanguage

        return cls(
            codebook=CodebookTagger(),
            identifier=LangIdIdentifier(),
            sentiment=SentimentByLanguage(),
        )

    def language(
        self, text: str, lang_hint: str | None, candidates: Sequence[str] = SUPPORTED_LANGS
    ) -> str:
        from analysis.language import FALLBACK_LANG, normalise_locale

        if self.identifier is None:
            return normalise_locale(lang_hint) or lang_hint or FALLBACK_LANG
        return self.identifier.identify(text, candidates=candidates, hint=lang_hint)

    def analyze(
        self,
        id: str,
        text: str,
        lang_hint: str | None = None,
        candidates: Sequence[str] = SUPPORTED_LANGS,
    ) -> TaggedText:
        return self.analyze_many([AnswerInput(id, text, lang_hint)], candidates=candidates)[0]

    def analyze_many(
        self, answers: Sequence[AnswerInput], *, candidates: Sequence[str] = SUPPORTED_LANGS
    ) -> list[TaggedText]:
        """Like :meth:`analyze` for a batch; the learned and semantic taggers vectorise once."""
        texts = [a.text or "" for a in answers]
        langs = [
            self.language(t, a.lang_hint, candidates) for t, a in zip(texts, answers, strict=True)
        ]
        found: list[list[Tag]] = [[] for _ in answers]
        if self.codebook is not None:
            for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
                found[i].extend(self.codebook.tag(text, lang))
        if self.learned is not None:
            # The model's best-theme fallback is for answers nothing else caught: where the
            # codebook found a theme, a below-threshold guess would only dilute it.
            caught_nothing = [not tags for tags in found]
            for i, tags in enumerate(self.learned.tag_many(texts, fallback=caught_nothing)):
                found[i].extend(tags)
        if self.semantic is not None:
            # Zero-shot similarity is far less precise than keywords or a trained model (on the
            # labelled resident answers it halves precision when added to every answer), so it
            # speaks only for answers the other taggers left without a theme.
            unheard = [i for i, tags in enumerate(found) if not tags and texts[i].strip()]
            if unheard:
                semantic_tags = self.semantic.tag_many([texts[i] for i in unheard])
                for i, tags in zip(unheard, semantic_tags, strict=True):
                    found[i].extend(tags)
        results = []
        for answer, text, lang, tags in zip(answers, texts, langs, found, strict=True):
            polarity = None
            if self.sentiment is not None and text.strip():
                polarity = self.sentiment.polarity(text, lang)
            results.append(TaggedText(answer.id, lang, merge_tags(tags), polarity))
        return results
