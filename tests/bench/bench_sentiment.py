"""Sentiment on NHS patient feedback (English): TextBlob's lexicon against a trained model.

Run: ``python tests/bench/bench_sentiment.py``

Gold: ``Comment sentiment`` mapped to 3 classes (1–2 positive, 3 neutral, 4–5 negative) on rows with
real text. TextBlob: polarity with a ±0.05 neutral band, no training. Trained: the
:class:`TrainedSentiment` a site would train on its own reviewed answers, 5-fold cross-validated
(``StratifiedKFold(5, shuffle=True, random_state=0)``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from feedback_data import pxtextmining_sentiment

from analysis.sentiment import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    LexiconSentiment,
    SentimentExample,
    TrainedSentiment,
    polarity_class,
)


def three_class(score: int) -> str:
    return POSITIVE if score <= 2 else NEUTRAL if score == 3 else NEGATIVE


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    scores = []
    for label in (POSITIVE, NEUTRAL, NEGATIVE):
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--C", type=float, nargs="*", default=[TrainedSentiment().C])
    args = parser.parse_args()
    rows = pxtextmining_sentiment()
    texts = [r.text for r in rows]
    gold = [three_class(r.sentiment or 3) for r in rows]
    counts = {c: gold.count(c) for c in (POSITIVE, NEUTRAL, NEGATIVE)}
    print(f"NHS feedback with gold sentiment: {len(rows)} rows {counts}")

    lexicon = LexiconSentiment()
    started = time.perf_counter()
    predicted = [polarity_class(lexicon.polarity(t, "en") or 0.0) for t in texts]
    elapsed = time.perf_counter() - started
    acc = np.mean([p == g for p, g in zip(predicted, gold, strict=True)])
    print(
        f"TextBlob lexicon: accuracy {acc:.3f}, macro-F1 {macro_f1(gold, predicted):.3f} ({len(texts) / elapsed:.0f} answers/s)"
    )
    print(f"majority class ({POSITIVE}): accuracy {counts[POSITIVE] / len(rows):.3f}")

    from sklearn.model_selection import StratifiedKFold

    for C in args.C:
        accuracies, f1s = [], []
        splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        started = time.perf_counter()
        for train_idx, test_idx in splitter.split(texts, gold):
            model = TrainedSentiment(C=C).fit(
                SentimentExample(texts[i], gold[i]) for i in train_idx
            )
            guess = model.predict([texts[i] for i in test_idx])
            truth = [gold[i] for i in test_idx]
            accuracies.append(np.mean([p == g for p, g in zip(guess, truth, strict=True)]))
            f1s.append(macro_f1(truth, guess))
        print(
            f"trained TF-IDF + logistic regression (C={C}), 5-fold: accuracy {np.mean(accuracies):.3f} "
            f"± {np.std(accuracies):.3f}, macro-F1 {np.mean(f1s):.3f} ({time.perf_counter() - started:.0f} s)"
        )


if __name__ == "__main__":
    main()
