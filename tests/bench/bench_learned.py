"""Learned tagger on NHS patient feedback (pxtextmining v6): 5-fold macro-F1 and training time.

Run: ``python tests/bench/bench_learned.py [--semantic [--cache]] [--folds 5] [--labels]``

36 labels with ≥ 20 positives among rows with real text (empty and "Did not answer" dropped;
"Not assigned" and "Labelling not possible" excluded), rows with at least one of them. Folds:
``KFold(5, shuffle=True, random_state=0)``. Training time is wall time of ``fit`` on one fold's
training rows (thresholds chosen by inner cross-validation included). With ``--semantic`` the
sentence embeddings are computed once up front (time reported separately) and passed to ``fit``;
``--cache`` keeps them on disk (see ``embedding_cache.py``) so that later runs skip the encoding.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from feedback_data import pxtextmining_tagging

from analysis.learned import LearnedTagger, TaggerOptions, TrainingExample


def f1_per_label(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    tp = (truth & predicted).sum(axis=0)
    denominator = truth.sum(axis=0) + predicted.sum(axis=0)
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--semantic", action="store_true")
    parser.add_argument("--folds", type=int, default=5, help="how many of the 5 folds to run")
    parser.add_argument("--labels", action="store_true", help="print per-label F1")
    parser.add_argument("--C", type=float, default=TaggerOptions.C)
    parser.add_argument("--classifier", default=TaggerOptions.classifier)
    parser.add_argument("--inner", type=int, default=TaggerOptions.inner_folds)
    parser.add_argument("--prior", type=float, default=TaggerOptions.threshold_prior)
    parser.add_argument("--cache", action="store_true", help="reuse embeddings cached on disk")
    args = parser.parse_args()

    from sklearn.model_selection import KFold

    rows, labels = pxtextmining_tagging()
    texts = [r.text for r in rows]
    truth = np.array([[lab in r.labels for lab in labels] for r in rows], dtype=np.int8)
    print(
        f"pxtextmining v6: {len(rows)} rows, {len(labels)} labels, mean {truth.sum(1).mean():.2f} labels/row"
    )
    embeddings = None
    if args.semantic and args.cache:
        from embedding_cache import CACHE, cached_embeddings

        embeddings, elapsed, hit = cached_embeddings(texts)
        what = f"loaded from {CACHE}" if hit else "computed and cached"
        print(f"embedding {len(texts)} answers: {elapsed:.1f} s ({what})")
    elif args.semantic:
        from analysis.semantic import default_encoder

        encoder = default_encoder()
        started = time.perf_counter()
        embeddings = encoder.embed(texts)
        elapsed = time.perf_counter() - started
        print(f"embedding {len(texts)} answers: {elapsed:.1f} s ({len(texts) / elapsed:.0f}/s)")
    options = TaggerOptions(
        classifier=args.classifier,  # type: ignore[arg-type]
        C=args.C,
        inner_folds=args.inner,
        threshold_prior=args.prior,
    )
    macro, micro, seconds = [], [], []
    per_label = np.zeros(len(labels))
    splitter = KFold(n_splits=5, shuffle=True, random_state=0)
    for fold, (train_idx, test_idx) in enumerate(splitter.split(texts)):
        if fold >= args.folds:
            break
        examples = [TrainingExample(texts[i], rows[i].labels) for i in train_idx]
        tagger = LearnedTagger(options=options, seed=0)
        started = time.perf_counter()
        tagger.fit(examples, embeddings=None if embeddings is None else embeddings[train_idx])
        seconds.append(time.perf_counter() - started)
        tags = tagger.tag_many(
            [texts[i] for i in test_idx],
            embeddings=None if embeddings is None else embeddings[test_idx],
        )
        predicted = np.array(
            [[lab in {t.theme for t in ts} for lab in labels] for ts in tags], dtype=np.int8
        )
        gold = truth[test_idx]
        f1 = f1_per_label(gold, predicted)
        per_label += f1
        macro.append(float(f1.mean()))
        tp = float((gold & predicted).sum())
        micro.append(2 * tp / float(gold.sum() + predicted.sum()))
        print(
            f"fold {fold}: macro-F1 {macro[-1]:.4f}  micro-F1 {micro[-1]:.4f}  train {seconds[-1]:.1f} s"
        )
    kind = "lexical + semantic" if args.semantic else "lexical"
    print(
        f"\n{kind} ({options.classifier}, C={options.semantic_C if embeddings is not None else options.C}, "
        f"inner folds {options.inner_folds}, "
        f"threshold prior {options.threshold_prior}): "
        f"macro-F1 {np.mean(macro):.4f} ± {np.std(macro):.4f}, micro-F1 {np.mean(micro):.4f}, "
        f"training {np.mean(seconds):.1f} s per fold (max {np.max(seconds):.1f} s, one core)"
    )
    if args.labels:
        per_label /= len(macro)
        for j in np.argsort(per_label):
            print(f"  {per_label[j]:.3f}  {int(truth[:, j].sum()):>5}  {labels[j]}")


if __name__ == "__main__":
    main()
