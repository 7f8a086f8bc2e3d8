"""Turning a learned model's scores into tags the same way in every language.

A label's threshold is learned on the training answers — usually in one language. On answers in
another language the scores of every label come out lower (the word and character n-grams that
back them up in the training language are missing; only the multilingual sentence embeddings
speak), so thresholds alone leave a Somali or Arabic answer with no theme far more often than an
English one (SIB-200, English training: 33 % of Somali sentences against 6 % of English ones).

The decision is therefore relative as well as absolute (:func:`decide`):

- every label whose calibrated score reaches its threshold is a tag, as before;
- an answer that reached none gets its best label when that label is within ``fallback_margin``
  log-odds of its own threshold — the arg-max is far more robust across languages than the
  absolute score (SIB-200 arg-max accuracy 0.80 against 0.71 for thresholded recall), while an
  answer no label comes near, or whose best score is below a floor, keeps no theme;
- such a fallback answer also gets the runner-up when it is within ``runner_up_margin`` log-odds
  of the best, since an unsure answer is better served by two likely themes than by a coin flip.

Only models with sentence embeddings fall back: without them a model cannot read a language absent
from its training at all, and in its own language the fallback does not pay (pxtextmining).

The margins compare log-odds distances to each label's own threshold, so they are independent of
the language, the label set and the site's mix of answers, and tagging one answer never depends on
which other answers are tagged with it.
"""

from __future__ import annotations

import math

import numpy as np


def _best_threshold(scores: np.ndarray, truth: np.ndarray) -> tuple[float, float, float, float]:
    """Decision threshold with the best F1 on these scores: (threshold, precision, recall, f1)."""
    positives = int(truth.sum())
    if positives == 0:
        return (math.inf, 0.0, 0.0, 0.0)
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    hits = np.cumsum(truth[order])
    predicted = np.arange(1, len(scores) + 1)
    f1 = 2 * hits / (predicted + positives)
    # Ties must be cut together: only positions where the next score is lower are real thresholds.
    cut = np.r_[ranked[1:] < ranked[:-1], True]
    f1 = np.where(cut, f1, -1.0)
    best = int(np.argmax(f1))
    threshold = (
        float(ranked[best] + ranked[best + 1]) / 2
        if best + 1 < len(ranked)
        else float(ranked[best])
    )
    precision = float(hits[best] / predicted[best])
    recall = float(hits[best] / positives)
    return (threshold, precision, recall, float(f1[best]))


def _smoothed_thresholds(scores: np.ndarray, truth: np.ndarray, prior: float) -> np.ndarray:
    """Each label's best-F1 threshold shrunk towards the median over labels, by its positives."""
    best = np.array([_best_threshold(scores[:, j], truth[:, j])[0] for j in range(truth.shape[1])])
    finite = np.isfinite(best)
    if prior <= 0 or not finite.any():
        return best
    centre = float(np.median(best[finite]))
    positives = truth.sum(axis=0).astype(np.float64)
    shrunk = (positives * best + prior * centre) / (positives + prior)
    return np.where(finite, shrunk, best)


def _scores_at(
    scores: np.ndarray, truth: np.ndarray, threshold: float
) -> tuple[float, float, float]:
    """Out-of-fold (precision, recall, f1) when predicting ``scores >= threshold``."""
    predicted = scores >= threshold
    hits = float(np.sum(predicted & (truth > 0)))
    chosen, positives = float(predicted.sum()), float(truth.sum())
    precision = hits / chosen if chosen else 0.0
    recall = hits / positives if positives else 0.0
    f1 = 2 * hits / (chosen + positives) if chosen + positives else 0.0
    return (precision, recall, f1)


def _fit_calibration(scores: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Platt scaling (a, b): P(label) = 1 / (1 + exp(-(a * score + b)))."""
    if truth.min() == truth.max():
        return (0.0, -10.0 if truth.max() == 0 else 10.0)
    from sklearn.linear_model import LogisticRegression

    platt = LogisticRegression(C=1e4, solver="lbfgs")
    platt.fit(scores.reshape(-1, 1), truth)
    return (float(platt.coef_[0, 0]), float(platt.intercept_[0]))


def _sigmoid(values: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(values, -50.0, 50.0)))
    return out


def _log_odds(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, 1e-9, 1 - 1e-9)
    out: np.ndarray = np.log(clipped / (1.0 - clipped))
    return out


def decide(
    probabilities: np.ndarray,
    thresholds: np.ndarray,
    *,
    fallback_margin: float,
    runner_up_margin: float,
    floor: float = 0.0,
    eligible: np.ndarray | None = None,
) -> np.ndarray:
    """Boolean (answers × labels): which labels each answer is tagged with (see the module doc).

    ``fallback_margin`` ≤ 0 turns the fallback off (thresholds only); a fallback label's own score
    must still reach ``floor``; ``eligible`` (one boolean per answer) limits the fallback to the
    answers the model can read.
    """
    chosen: np.ndarray = probabilities >= thresholds
    if fallback_margin <= 0 or probabilities.size == 0:
        return chosen
    finite = np.isfinite(thresholds)
    gap = np.where(
        finite, _log_odds(probabilities) - _log_odds(np.where(finite, thresholds, 0.5)), -np.inf
    )
    rows = np.arange(len(probabilities))
    best = np.argmax(gap, axis=1)
    best_gap = gap[rows, best]
    fallback = (
        ~chosen.any(axis=1) & (best_gap >= -fallback_margin) & (probabilities[rows, best] >= floor)
    )
    if eligible is not None:
        fallback &= eligible
    chosen[rows[fallback], best[fallback]] = True
    if runner_up_margin > 0 and gap.shape[1] > 1:
        others = gap.copy()
        others[rows, best] = -np.inf
        second = np.argmax(others, axis=1)
        close = fallback & (others[rows, second] >= best_gap - runner_up_margin)
        chosen[rows[close], second[close]] = True
    return chosen
