"""Language parity through the public command line, as a user gets it: thresholded tags.

Run: ``python tests/bench/bench_parity.py [--no-semantic]``

``python -m analysis train --model DIR`` on SIB-200 ``eng_Latn/train.tsv`` (701 English sentences,
7 topics), then ``python -m analysis tag --model DIR`` on the test sentences of English and the
seven other languages (204 each, one file). Printed per language: the share of sentences left
with no theme, the recall of the right topic among the themes given, themes per sentence; then
the largest gap to English in no-theme share, and the mean and lowest recall over the seven.
Lexical only (``--no-semantic``) first, then with sentence embeddings. The arg-max of the raw
scores is printed as a secondary line (what the tags would be if every sentence took exactly one).

Sentence vectors are kept in ``$CV_BENCH_CACHE`` (model directory and ``--embeddings`` file), so
only the first run pays for embedding.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from embedding_cache import CACHE
from feedback_data import ROOT, SIB_TARGETS, sib200

from analysis.parity import language_parity

LANGS = {"eng_Latn": "en", **SIB_TARGETS}


def cli(args: list[str], stdin: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "analysis", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if done.returncode:
        sys.exit(f"python -m analysis {' '.join(args)} failed:\n{done.stderr}")
    for line in done.stderr.splitlines():
        if line.startswith("trained"):
            print(f"  {line}")
    return done.stdout


def run(semantic: bool) -> None:
    name = "with sentence embeddings" if semantic else "lexical only (--no-semantic)"
    flag = [] if semantic else ["--no-semantic"]
    model = CACHE / ("sib200-model" if semantic else "sib200-model-lexical")
    train = "".join(
        json.dumps({"id": i, "text": text, "themes": [label]}, ensure_ascii=False) + "\n"
        for i, (text, label) in enumerate(sib200("eng_Latn", "train"))
    )
    print(f"\n{name}")
    started = time.perf_counter()
    cli(["train", "--model", str(model), *flag], train)
    print(f"  train command: {time.perf_counter() - started:.1f} s wall")
    gold: dict[str, tuple[str, str]] = {}
    lines = []
    for folder, code in LANGS.items():
        for i, (text, label) in enumerate(sib200(folder, "test")):
            gold[f"{code}:{i}"] = (code, label)
            lines.append(json.dumps({"id": f"{code}:{i}", "text": text}, ensure_ascii=False))
    started = time.perf_counter()
    extra = ["--embeddings", str(CACHE / "sib200-test.npz")] if semantic else []
    output = cli(["tag", "--model", str(model), *flag, *extra], "\n".join(lines) + "\n")
    print(f"  tag command ({len(lines)} sentences): {time.perf_counter() - started:.1f} s wall")
    given = {r["id"]: r["themes"] for r in map(json.loads, output.splitlines())}
    parity = language_parity(
        ((lang, [label], given.get(i, [])) for i, (lang, label) in gold.items()), reference="en"
    )
    print(f"  {'language':<9} {'no theme':>8} {'recall':>7} {'themes/answer':>14}")
    for q in parity.languages:
        print(f"  {q.lang:<9} {q.untagged:>8.3f} {q.recall:>7.3f} {q.themes_per_answer:>14.2f}")
    lowest = min(q.recall for q in parity.languages if q.lang != "en")
    print(
        f"  largest gap to English in no-theme share: {parity.untagged_gap:.3f}; "
        f"recall over {', '.join(c for c in LANGS.values() if c != 'en')}: "
        f"mean {parity.mean_recall:.3f}, lowest {lowest:.3f}"
    )
    argmax_line(model, semantic)


def argmax_line(model: Path, semantic: bool) -> None:
    """Secondary: arg-max of the raw scores, from the same saved model and cached vectors."""
    import numpy as np

    from analysis.learned import LearnedTagger

    encoder = None
    if semantic:
        from analysis.semantic import StoredEncoder, default_encoder

        encoder = StoredEncoder(default_encoder(), CACHE / "sib200-test.npz")
    tagger = LearnedTagger.load(model, encoder=encoder)
    accuracy = {}
    for folder, code in LANGS.items():
        rows = sib200(folder, "test")
        scores = tagger.probabilities([t for t, _ in rows])
        accuracy[code] = float(
            np.mean(
                [
                    tagger.labels[int(j)] == g
                    for j, (_, g) in zip(scores.argmax(1), rows, strict=True)
                ]
            )
        )
    others = [v for k, v in accuracy.items() if k != "en"]
    print(
        "  (secondary, arg-max of raw scores: "
        + " ".join(f"{k} {v:.3f}" for k, v in accuracy.items())
        + f"; mean over the seven {np.mean(others):.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-semantic", action="store_true")
    args = parser.parse_args()
    run(semantic=False)
    if not args.no_semantic:
        run(semantic=True)


if __name__ == "__main__":
    main()
