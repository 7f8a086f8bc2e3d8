"""Reviewing in teaching order versus random order: how many reviews each needs before the learned
tagger reaches 90 % of the macro-F1 that training on every review gives.

Run: ``python tests/bench/bench_review_order.py [--pool 2400] [--test 1500] [--step 100]``

Data: pxtextmining v6 (NHS patient feedback, English; 36 labels with >= 20 positives), shuffled
with seed 0, split into a held-out test set and a pool of answers "waiting for review". Both
orders start from the same 50 random reviews; after each step the tagger is trained exactly as
the app trains a candidate (``LearnedTagger(seed=0).fit``, lexical features), scored on the
test set (macro-F1 over all 36 labels; a label the tagger has not learned yet scores 0), and
the next ``--step`` answers are chosen: at random, or by ``analysis.active.teaching_order``.
The data have one language and no codebook for these labels, so the uncertainty and
scarce-theme signals act here; language rarity and codebook/model disagreement are not measured
by this benchmark.
"""

from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from bench_learned import f1_per_label
from feedback_data import FeedbackRow, pxtextmining_tagging

from analysis.active import Candidate, teaching_order
from analysis.learned import LearnedModelError, LearnedTagger, TrainingExample

START = 50


def macro_f1(tagger: LearnedTagger, rows: list[FeedbackRow], labels: tuple[str, ...]) -> float:
    truth = np.array([[lab in r.labels for lab in labels] for r in rows], dtype=np.int8)
    predicted = np.zeros_like(truth)
    column = {lab: j for j, lab in enumerate(labels)}
    for i, tags in enumerate(tagger.tag_many([r.text for r in rows])):
        for tag in tags:
            predicted[i, column[tag.theme]] = 1
    return float(f1_per_label(truth, predicted).mean())


def train(rows: list[FeedbackRow]) -> LearnedTagger | None:
    try:
        return LearnedTagger(seed=0).fit([TrainingExample(r.text, r.labels) for r in rows])
    except LearnedModelError:
        return None


def next_batch(
    tagger: LearnedTagger | None,
    pool: list[FeedbackRow],
    reviewed: list[int],
    waiting: list[int],
    step: int,
    how: str,
) -> list[int]:
    if how == "random" or tagger is None:
        return waiting[:step]
    thresholds = list(tagger.thresholds)
    scores = tagger.probabilities([pool[i].text for i in waiting])
    by_theme: dict[str, int] = {}
    for i in reviewed:
        for label in pool[i].labels:
            by_theme[label] = by_theme.get(label, 0) + 1
    candidates = [
        Candidate(
            id=str(i),
            scores=list(row),
            thresholds=thresholds,
            theme_chances=dict(zip(tagger.labels, (float(p) for p in row), strict=True)),
        )
        for i, row in zip(waiting, scores, strict=True)
    ]
    ranked = teaching_order(candidates, {"en": 0}, reviewed_by_theme=by_theme)
    return [int(c.id) for c in ranked[:step]]


def curve(
    pool: list[FeedbackRow],
    test: list[FeedbackRow],
    labels: tuple[str, ...],
    *,
    how: str,
    step: int,
    until: float,
    limit: int,
) -> list[tuple[int, float]]:
    order = list(range(len(pool)))
    random.Random(1).shuffle(order)
    reviewed, waiting = order[:START], order[START:]
    points = []
    while True:
        tagger = train([pool[i] for i in reviewed])
        score = macro_f1(tagger, test, labels) if tagger else 0.0
        points.append((len(reviewed), score))
        print(f"  {how:>8}: {len(reviewed):5d} reviews  macro-F1 {score:.3f}", flush=True)
        if score >= until or len(reviewed) >= limit or not waiting:
            return points
        chosen = next_batch(tagger, pool, reviewed, waiting, step, how)
        taken = set(chosen)
        reviewed += chosen
        waiting = [i for i in waiting if i not in taken]


def reviews_to_reach(points: list[tuple[int, float]], target: float) -> int | None:
    return next((n for n, score in points if score >= target), None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pool", type=int, default=2400)
    parser.add_argument("--test", type=int, default=1500)
    parser.add_argument("--step", type=int, default=100)
    args = parser.parse_args()
    started = time.perf_counter()
    rows, labels = pxtextmining_tagging()
    random.Random(0).shuffle(rows)
    test, pool = rows[: args.test], rows[args.test : args.test + args.pool]
    full = train(pool)
    assert full is not None
    ceiling = macro_f1(full, test, labels)
    target = 0.9 * ceiling
    print(
        f"pxtextmining: pool {len(pool)}, test {len(test)}, {len(labels)} labels; "
        f"macro-F1 with every review {ceiling:.3f}; target (90 %) {target:.3f}"
    )
    found = {}
    for how in ("random", "teaching"):
        points = curve(pool, test, labels, how=how, step=args.step, until=target, limit=len(pool))
        found[how] = reviews_to_reach(points, target)
        print(f"{how} order: " + ", ".join(f"{n}:{s:.3f}" for n, s in points))
    random_n, teaching_n = found["random"], found["teaching"]
    print(f"reviews to reach 90 % of full macro-F1: random {random_n}, teaching order {teaching_n}")
    if random_n and teaching_n:
        print(f"teaching order needs {teaching_n / random_n:.0%} of the reviews random order needs")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
