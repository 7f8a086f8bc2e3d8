"""Which answer to review next so that the tagger learns most from each review.

Four signals, each 0..1, for an answer nobody reviewed yet:

- **uncertainty**: how close the learned tagger's calibrated scores sit to their thresholds
  (an answer the model is sure about teaches it little);
- **disagreement**: the codebook and the learned tagger give different themes (one of them is
  wrong, and a review says which);
- **rarity of its language**: answers in languages few people have reviewed yet (the tagger
  knows least about them);
- **scarce themes**: answers likely to carry a theme that few reviewed answers carry (a theme
  needs enough reviewed examples before it can be learned and judged at all).

:func:`teaching_order` ranks answers by their weighted sum. ``tests/bench/bench_review_order.py``
measures how many reviews this order saves against reviewing in random order.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

WEIGHTS = {"uncertainty": 1.0, "disagreement": 0.5, "rarity": 0.5, "scarcity": 1.0}


@dataclass(frozen=True)
class Candidate:
    """An answer waiting for review, as the ranking sees it."""

    id: str
    lang: str = "en"
    #: calibrated 0..1 score per label from the learned tagger (empty without one)
    scores: Sequence[float] = ()
    #: the learned tagger's threshold per label, aligned with ``scores``
    thresholds: Sequence[float] = ()
    codebook_themes: frozenset[str] = field(default_factory=frozenset)
    model_themes: frozenset[str] = field(default_factory=frozenset)
    #: how likely the answer carries each theme (the learned score; 1 for a codebook tag)
    theme_chances: Mapping[str, float] = field(default_factory=dict)


def uncertainty(scores: Sequence[float], thresholds: Sequence[float]) -> float:
    """Mean closeness of each label's score to its threshold, over the three closest labels:
    1 when scores sit on their thresholds, 0 when every score is as far as it can be."""
    closeness = []
    for score, threshold in zip(scores, thresholds, strict=True):
        room = threshold if score < threshold else 1.0 - threshold
        closeness.append(max(0.0, 1.0 - abs(score - threshold) / room) if room > 0 else 0.0)
    if not closeness:
        return 0.0
    top = sorted(closeness, reverse=True)[:3]
    return sum(top) / len(top)


def disagreement(codebook_themes: frozenset[str], model_themes: frozenset[str]) -> float:
    """Share of the themes either tagger gave that only one of them gave."""
    union = codebook_themes | model_themes
    return len(codebook_themes ^ model_themes) / len(union) if union else 0.0


def rarity(reviewed_in_language: int) -> float:
    """1 for a language nobody has reviewed; falls as its reviews grow (1/√(1 + n))."""
    return 1.0 / math.sqrt(1.0 + max(0, reviewed_in_language))


def scarcity(chances: Mapping[str, float], reviewed_by_theme: Mapping[str, int]) -> float:
    """The best chance the answer carries a theme, discounted by that theme's reviewed answers
    (1/√(1 + n)): high for a likely example of a theme few reviews have."""
    return max(
        (p / math.sqrt(1.0 + reviewed_by_theme.get(theme, 0)) for theme, p in chances.items()),
        default=0.0,
    )


def teaching_value(
    candidate: Candidate,
    reviewed_by_language: Mapping[str, int],
    weights: Mapping[str, float] = WEIGHTS,
    reviewed_by_theme: Mapping[str, int] | None = None,
) -> float:
    return (
        weights["scarcity"] * scarcity(candidate.theme_chances, reviewed_by_theme or {})
        + weights["uncertainty"] * uncertainty(candidate.scores, candidate.thresholds)
        + weights["disagreement"] * disagreement(candidate.codebook_themes, candidate.model_themes)
        + weights["rarity"] * rarity(reviewed_by_language.get(candidate.lang, 0))
    )


def teaching_order(
    candidates: Sequence[Candidate],
    reviewed_by_language: Mapping[str, int],
    weights: Mapping[str, float] = WEIGHTS,
    reviewed_by_theme: Mapping[str, int] | None = None,
) -> list[Candidate]:
    """``candidates`` most instructive first (ties: the order given, e.g. newest first)."""
    values = [
        teaching_value(c, reviewed_by_language, weights, reviewed_by_theme) for c in candidates
    ]
    order = sorted(range(len(candidates)), key=lambda i: (-values[i], i))
    return [candidates[i] for i in order]
