"""Sentence embeddings of benchmark texts cached on disk, so that re-running a benchmark skips the
minutes of encoding. The cache key covers the encoder name and every text, so a changed data set or
model never reads stale vectors. Benchmarks only; the package never caches to disk."""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("CV_BENCH_CACHE", Path(tempfile.gettempdir()) / "cv-bench-embeddings"))


def cached_embeddings(texts: Sequence[str]) -> tuple[np.ndarray, float, bool]:
    """(embeddings, seconds spent encoding or loading, whether they came from the cache)."""
    from analysis.semantic import default_encoder

    encoder = default_encoder()
    digest = hashlib.sha256(encoder.name.encode())
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")
    path = CACHE / f"{digest.hexdigest()[:24]}.npy"
    started = time.perf_counter()
    if path.is_file():
        return np.load(path), time.perf_counter() - started, True
    embeddings = np.asarray(encoder.embed(list(texts)), dtype=np.float32)
    elapsed = time.perf_counter() - started
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npy")
    np.save(partial, embeddings)
    partial.replace(path)
    return embeddings, elapsed, False
