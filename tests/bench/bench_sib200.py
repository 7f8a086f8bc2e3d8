"""Cross-lingual transfer on SIB-200: train on English only, test in the survey's languages.

Run: ``python tests/bench/bench_sib200.py [--no-semantic]``

The learned tagger is trained on ``eng_Latn/train.tsv`` (701 sentences, 7 topics) and tags each
sentence of ``<lang>/test.tsv`` (204 each) as users get it: the thresholded tags of
``LearnedTagger.tag_many`` (what ``python -m analysis tag`` and the app call). Printed per language:
the recall of the right topic among the tags and the share of sentences left with no theme, with
the mean over spa, vie, zho, arb, som, hat, tgl — lexical only, then with sentence embeddings;
the arg-max of the raw scores follows as a secondary line. Embeddings are cached on disk
(``embedding_cache.py``). ``bench_parity.py`` measures the same through the command line itself.
Also the language identifier's accuracy on the same test sentences.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from feedback_data import SIB_TARGETS, sib200

from analysis.learned import LearnedTagger, TaggerOptions, TrainingExample


def argmax_accuracy(
    tagger: LearnedTagger, texts: list[str], gold: list[str], embeddings: np.ndarray | None
) -> float:
    scores = tagger.probabilities(texts, embeddings=embeddings)
    predicted = [tagger.labels[int(i)] for i in np.argmax(scores, axis=1)]
    return float(np.mean([p == g for p, g in zip(predicted, gold, strict=True)]))


def tagged(
    tagger: LearnedTagger, texts: list[str], gold: list[str], embeddings: np.ndarray | None
) -> tuple[float, float]:
    """(recall of the right topic among the tags, share of sentences with no tag)."""
    tags = [{t.theme for t in ts} for ts in tagger.tag_many(texts, embeddings=embeddings)]
    recall = float(np.mean([g in ts for g, ts in zip(gold, tags, strict=True)]))
    return recall, float(np.mean([not ts for ts in tags]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-semantic", action="store_true")
    args = parser.parse_args()
    train = sib200("eng_Latn", "train")
    tests = {lang: sib200(lang, "test") for lang in ["eng_Latn", *SIB_TARGETS]}
    examples = [TrainingExample(text, (label,)) for text, label in train]

    runs: list[tuple[str, bool]] = [("lexical only", False)]
    if not args.no_semantic:
        runs.append(("with semantic", True))
    cache: dict[str, np.ndarray] = {}
    for name, semantic in runs:
        train_embeddings = None
        if semantic:
            from embedding_cache import cached_embeddings

            started = time.perf_counter()
            train_embeddings = cached_embeddings([t for t, _ in train])[0]
            for lang, rows in tests.items():
                cache[lang] = cached_embeddings([t for t, _ in rows])[0]
            count = len(train) + sum(len(r) for r in tests.values())
            print(
                f"embedded (or read from the cache) {count} sentences in {time.perf_counter() - started:.1f} s"
            )
        started = time.perf_counter()
        tagger = LearnedTagger(options=TaggerOptions(), seed=0)
        tagger.fit(examples, embeddings=train_embeddings)
        print(
            f"\n{name}: trained on {len(examples)} English sentences in {time.perf_counter() - started:.1f} s"
        )
        recalls, untagged, argmax = [], {}, []
        for lang, rows in tests.items():
            texts, gold = [t for t, _ in rows], [g for _, g in rows]
            embeddings = cache.get(lang) if semantic else None
            recall, untagged[lang] = tagged(tagger, texts, gold, embeddings)
            accuracy = argmax_accuracy(tagger, texts, gold, embeddings)
            if lang in SIB_TARGETS:
                recalls.append(recall)
                argmax.append(accuracy)
            print(
                f"  {lang}: right topic among the tags {recall:.3f}, no theme {untagged[lang]:.3f}"
            )
        gap = max(abs(untagged[lang] - untagged["eng_Latn"]) for lang in SIB_TARGETS)
        print(
            f"  mean over {', '.join(SIB_TARGETS)}: right topic {np.mean(recalls):.3f} "
            f"(lowest {min(recalls):.3f}); largest gap to English in no-theme share {gap:.3f}"
        )
        print(f"  (secondary: arg-max of raw scores, mean over the seven {np.mean(argmax):.3f})")

    from analysis.language import LangIdIdentifier

    identifier = LangIdIdentifier()
    candidates = ("en", "es", "vi", "zh_Hans", "ar", "so", "ht", "hmn")
    print("\nlanguage identification (no hint, candidates: the eight survey locales)")
    for lang, code in SIB_TARGETS.items():
        if code == "tl":
            continue
        rows = tests[lang]
        hits = sum(identifier.identify(t, candidates=candidates) == code for t, _ in rows)
        two_words = sum(
            identifier.identify(
                " ".join(t.split()[:2]) if code != "zh_Hans" else t[:4], candidates=candidates
            )
            == code
            for t, _ in rows
        )
        print(
            f"  {lang}: full sentence {hits / len(rows):.3f}, first two words {two_words / len(rows):.3f}"
        )


if __name__ == "__main__":
    main()
