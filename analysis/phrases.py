"""Emergent phrases: what residents keep saying that no theme caught.

Among the answers with no theme, per language, multi-word phrases that several residents used and
that hold together as a phrase (their words occur together more often than chance) are the hints a
codebook is missing a theme or a keyword. Each phrase comes with the number of answers using it and
example answer ids, so staff can read them before editing the codebook.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from analysis.base import Normaliser
from analysis.summary import AnswerLike, as_answer


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words a phrase must not begin or end with. stopwords-iso's English and Spanish lists are
# too broad for this ("home", "work", "help" are in them), so those languages use short lists;
# Haitian Creole and Hmong have no published list.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "a an the and or but if of to in on at by for with from as is are was were be been being "
        "am i me my we our us you your he she it its they them their this that these those there "
        "here so not no do does did have has had will would can could should may might must just "
        "very really more most also too than then about into out up down over all any some such "
        "what which who whom when where why how get got make like lot lots want need"
    ),
    "es": _words(
        "el la los las un una unos unas y o pero si de del al a en por para con sin que como es son "
        "era ser estar está están hay mi mis tu su sus nuestro nuestra nos se lo le les me te yo "
        "él ella ellos muy más menos también no ni este esta estos estas ese esa eso"
    ),
    "ht": _words(
        "a an ak e epi men si de nan pou sou ki kòm se te ap pa mwen m ou li nou yo sa la yon "
        "gen genyen tout anpil plis"
    ),
    "hmn": _words(
        "thiab los yog rau ntawm hauv nyob tus cov lub kuv koj nws peb lawv uas tsis muaj yuav "
        "tau thiab kom li no ntawd"
    ),
    "so": _words(
        "oo iyo ee ka ku u la waa wuxuu waxay waxaa ayaa in uu ay aan si soo kale ah "
        "yahay ahaa ma laakiin haddii"
    ),
}


@lru_cache(maxsize=32)
def function_words(lang: str) -> frozenset[str]:
    """Words a phrase may not start or end with, for ``lang`` (empty when none are known)."""
    base = lang.replace("-", "_").split("_", 1)[0].lower()
    if base in _FUNCTION_WORDS:
        return _FUNCTION_WORDS[base]
    try:
        import stopwordsiso
    except ImportError:
        return frozenset()
    if not stopwordsiso.has_lang(base):
        return frozenset()
    return frozenset(str(w).casefold() for w in stopwordsiso.stopwords(base))


@dataclass(frozen=True)
class EmergentPhrase:
    lang: str
    phrase: str  #: as residents most often wrote it
    count: int  #: answers (not occurrences) using it
    answer_ids: tuple[str, ...]  #: a few answers to read, in input order
    score: float  #: ranking score: answers × how strongly the words belong together


def _joined(words: Sequence[str], lang: str) -> str:
    separator = "" if lang.startswith("zh") else " "
    return separator.join(words)


def emergent_phrases(
    answers: Iterable[AnswerLike],
    *,
    normaliser: Normaliser | None = None,
    min_count: int = 3,
    max_words: int = 4,
    limit: int = 20,
    examples: int = 5,
) -> dict[str, tuple[EmergentPhrase, ...]]:
    """Frequent, cohesive phrases per language among answers that carry no theme.

    A phrase of 2..``max_words`` words counts once per answer; it must occur in at least
    ``min_count`` answers, not begin or end with a function word, and its words must co-occur more
    than chance would give (positive pointwise mutual information). A phrase is dropped when a longer
    phrase containing it occurs in as many answers. Matching is on lemmas, so "bus stops" and
    "bus stop" count together.
    """
    if normaliser is None:
        from analysis.normalise import DefaultNormaliser

        normaliser = DefaultNormaliser()
    rows = [as_answer(r) for r in answers]
    untagged = [a for a in rows if not a.themes and a.text.strip()]
    by_lang: defaultdict[str, list[tuple[str, tuple[str, ...], tuple[str, ...]]]] = defaultdict(
        list
    )
    for answer in untagged:
        tokens = normaliser.normalise(answer.text, answer.lang)
        by_lang[answer.lang].append((answer.id, tokens.tokens, tokens.lemmas))
    return {
        lang: _phrases_for(docs, lang, min_count, max_words, limit, examples)
        for lang, docs in sorted(by_lang.items())
    }


def _phrases_for(
    docs: Sequence[tuple[str, tuple[str, ...], tuple[str, ...]]],
    lang: str,
    min_count: int,
    max_words: int,
    limit: int,
    examples: int,
) -> tuple[EmergentPhrase, ...]:
    stop = function_words(lang)
    word_df: Counter[str] = Counter()
    phrase_ids: defaultdict[tuple[str, ...], list[str]] = defaultdict(list)
    surfaces: defaultdict[tuple[str, ...], Counter[tuple[str, ...]]] = defaultdict(Counter)
    for answer_id, tokens, lemmas in docs:
        word_df.update(set(lemmas))
        seen: set[tuple[str, ...]] = set()
        for size in range(2, max_words + 1):
            for start in range(len(lemmas) - size + 1):
                key = lemmas[start : start + size]
                if key[0] in stop or key[-1] in stop or tokens[start] in stop:
                    continue
                if tokens[start + size - 1] in stop or any(not w.strip() for w in key):
                    continue
                if all(w.isdigit() for w in key):
                    continue
                surfaces[key][tokens[start : start + size]] += 1
                if key not in seen:
                    seen.add(key)
                    phrase_ids[key].append(answer_id)
    n_docs = len(docs)
    scored: list[tuple[float, tuple[str, ...]]] = []
    for key, ids in phrase_ids.items():
        count = len(ids)
        if count < min_count:
            continue
        # Document-level PMI: how much more often the words share an answer as this phrase than
        # they would if residents used them independently.
        expected = n_docs * math.prod(word_df[w] / n_docs for w in key)
        pmi = math.log2(count / expected) if expected > 0 else 0.0
        if pmi <= 0 and n_docs > count:
            continue
        scored.append((count * (1.0 + max(pmi, 0.0)), key))
    counts = {key: len(phrase_ids[key]) for _, key in scored}
    subsumed: set[tuple[str, ...]] = set()
    for longer, count in counts.items():
        for size in range(2, len(longer)):
            for start in range(len(longer) - size + 1):
                part = longer[start : start + size]
                if counts.get(part, 0) <= count:
                    subsumed.add(part)
    kept = [(score, key) for score, key in scored if key not in subsumed]
    kept.sort(key=lambda item: (-item[0], -counts[item[1]], item[1]))
    return tuple(
        EmergentPhrase(
            lang=lang,
            phrase=_joined(surfaces[key].most_common(1)[0][0], lang),
            count=counts[key],
            answer_ids=tuple(phrase_ids[key][:examples]),
            score=round(score, 4),
        )
        for score, key in kept[:limit]
    )
