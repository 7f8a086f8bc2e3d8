"""Language parity: does every language's answers get themes as often, and as rightly, as the rest?

A tagger that leaves Somali answers with no theme five times as often as English ones silently
drops those residents from every share in the summary. Two views of the same question:

- :func:`untagged_by_language` — for a site, from counts alone (no labels needed): per language,
  how many answers got no theme, and whether that rate is far from the other languages' (the
  insights page and the API say so in plain words);
- :func:`language_parity` — for a benchmark with known themes: per language, the share of answers
  with no theme and the recall of the right theme, with the largest gaps to a reference language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from analysis.summary import two_proportion_z_test, wilson_interval

#: A language's rate of answers with no theme is "far above the others'" when it exceeds the
#: other languages' pooled rate by at least this much ...
FAR_GAP = 0.10
#: ... the difference is clear (two-sided p below this) ...
FAR_ALPHA = 0.05
#: ... and the language has at least this many written answers (below that a rate says little).
MIN_ANSWERS = 10


@dataclass(frozen=True)
class LanguageCoverage:
    lang: str
    answers: int  #: written answers in this language
    untagged: int  #: of which carry no theme
    share: float  #: untagged / answers
    low: float  #: Wilson 95 % interval of ``share``
    high: float
    others: float | None  #: the pooled rate of every other language; None when there is none
    #: the rate is far above the others' (see ``FAR_GAP``, ``FAR_ALPHA``): these residents count
    #: for less in the theme shares. A rate far *below* is no harm to anyone and is not flagged.
    far: bool


def untagged_by_language(
    counts: Mapping[str, tuple[int, int]],
    *,
    gap: float = FAR_GAP,
    alpha: float = FAR_ALPHA,
    min_answers: int = MIN_ANSWERS,
) -> tuple[LanguageCoverage, ...]:
    """Per language (``counts``: language → (answers, answers with no theme)), the share with no
    theme and whether it is far above the other languages'. Most answers first."""
    total = sum(n for n, _ in counts.values())
    total_untagged = sum(u for _, u in counts.values())
    rows = []
    for lang, (n, untagged) in counts.items():
        if n <= 0:
            continue
        if not 0 <= untagged <= n:
            raise ValueError(f"{lang}: {untagged} answers with no theme out of {n}")
        share = untagged / n
        low, high = wilson_interval(untagged, n)
        rest_n, rest_untagged = total - n, total_untagged - untagged
        others = rest_untagged / rest_n if rest_n else None
        far = False
        if others is not None and n >= min_answers and share - others >= gap:
            _z, p_value = two_proportion_z_test(rest_untagged, rest_n, untagged, n)
            far = p_value is not None and p_value < alpha
        rows.append(LanguageCoverage(lang, n, untagged, share, low, high, others, far))
    return tuple(sorted(rows, key=lambda r: (-r.answers, r.lang)))


@dataclass(frozen=True)
class LanguageQuality:
    lang: str
    answers: int
    untagged: float  #: share of answers with no theme
    recall: float  #: share of (answer, right theme) pairs where the right theme was given
    themes_per_answer: float


@dataclass(frozen=True)
class Parity:
    reference: str
    languages: tuple[LanguageQuality, ...]
    untagged_gap: float  #: largest |untagged − reference's| over the other languages
    recall_gap: float  #: largest reference recall − recall over the other languages
    mean_recall: float  #: over the languages other than the reference


def language_parity(
    results: Iterable[tuple[str, Sequence[str], Sequence[str]]], *, reference: str = "en"
) -> Parity:
    """From (language, right themes, given themes) per answer: untagged share and recall per
    language, and the largest gaps to ``reference``."""
    by_lang: dict[str, list[tuple[Sequence[str], Sequence[str]]]] = {}
    for lang, gold, given in results:
        by_lang.setdefault(lang, []).append((gold, given))
    languages = []
    for lang, rows in by_lang.items():
        wanted = sum(len(set(gold)) for gold, _ in rows)
        found = sum(len(set(gold) & set(given)) for gold, given in rows)
        languages.append(
            LanguageQuality(
                lang,
                len(rows),
                sum(not given for _, given in rows) / len(rows),
                found / wanted if wanted else 0.0,
                sum(len(set(given)) for _, given in rows) / len(rows),
            )
        )
    base = next((q for q in languages if q.lang == reference), None)
    if base is None:
        raise ValueError(f"no answers in the reference language {reference!r}")
    others = [q for q in languages if q.lang != reference]
    return Parity(
        reference=reference,
        languages=(base, *others),
        untagged_gap=max((abs(q.untagged - base.untagged) for q in others), default=0.0),
        recall_gap=max((base.recall - q.recall for q in others), default=0.0),
        mean_recall=sum(q.recall for q in others) / len(others) if others else base.recall,
    )
