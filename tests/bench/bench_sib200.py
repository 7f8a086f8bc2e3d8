"""Cross-lingual transfer on SIB-200: train on English only, test in the survey's languages.

Run: ``python tests/bench/bench_sib200.py [--no-semantic]``

The learned tagger is trained on ``eng_Latn/train.tsv`` (701 sentences, 7 topics) and predicts the
most probable topic for each sentence of ``<lang>/test.tsv`` (204 each). Printed: accuracy per
language and the mean over spa, vie, zho, arb, som, hat, tgl — lexical only, then with sentence
embeddings. Also the language identifier's accuracy on the same test sentences.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from feedback_data import SIB_TARGETS, sib200

from analysis.learned import LearnedTagger, TaggerOptions, TrainingExample


def accuracy(
    tagger: LearnedTagger, texts: list[str], gold: list[str], embeddings: np.ndarray | None
) -> float:
    scores = tagger.probabilities(texts, embeddings=embeddings)
    predicted = [tagger.labels[int(i)] for i in np.argmax(scores, axis=1)]
    return float(np.mean([p == g for p, g in zip(predicted, gold, strict=True)]))


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
    encoder = None
    cache: dict[str, np.ndarray] = {}
    for name, semantic in runs:
        train_embeddings = None
        if semantic:
            from analysis.semantic import default_encoder

            encoder = default_encoder()
            started = time.perf_counter()
            train_embeddings = encoder.embed([t for t, _ in train])
            for lang, rows in tests.items():
                cache[lang] = encoder.embed([t for t, _ in rows])
            count = len(train) + sum(len(r) for r in tests.values())
            print(f"embedded {count} sentences in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        tagger = LearnedTagger(options=TaggerOptions(), seed=0)
        tagger.fit(examples, embeddings=train_embeddings)
        print(
            f"\n{name}: trained on {len(examples)} English sentences in {time.perf_counter() - started:.1f} s"
        )
        targets = []
        for lang, rows in tests.items():
            acc = accuracy(
                tagger,
                [t for t, _ in rows],
                [g for _, g in rows],
                cache.get(lang) if semantic else None,
            )
            if lang in SIB_TARGETS:
                targets.append(acc)
            print(f"  {lang}: {acc:.3f}")
        print(f"  mean over {', '.join(SIB_TARGETS)}: {np.mean(targets):.3f}")

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
