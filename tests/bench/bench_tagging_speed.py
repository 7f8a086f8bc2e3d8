"""Tagging throughput on one core: codebook + learned (the CLI's default path), and semantic.

Run: ``python tests/bench/bench_tagging_speed.py [--answers 20000] [--no-semantic]``

Answers: the NHS feedback texts and the multilingual resident-style answers, repeated to the
requested count. The learned model is trained in memory on the NHS labels (36 labels) so its size is
realistic; nothing is saved. Timed: ``Analyzer.analyze_many`` over chunks of 2,000 answers —
language identification, codebook, learned tagger and sentiment, as ``python -m analysis tag`` does
— excluding start-up (loading models). Semantic (zero-shot + embedding features) is timed
separately on fewer answers.
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from feedback_data import ROOT, pxtextmining_tagging

from analysis.codebook import CodebookTagger
from analysis.combine import Analyzer, AnswerInput
from analysis.language import LangIdIdentifier
from analysis.learned import LearnedTagger, TrainingExample
from analysis.sentiment import SentimentByLanguage

CHUNK = 2000


def answers(count: int) -> list[AnswerInput]:
    rows, _ = pxtextmining_tagging()
    pool = [(r.text, "en") for r in rows]
    path = ROOT / "tests" / "analysis" / "data" / "resident_answers.jsonl"
    if path.exists():
        for raw in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(raw)
            pool.append((record["text"], record.get("lang", "en")))
    # Each answer made distinct so that no per-text cache flatters the figure.
    return [
        AnswerInput(str(i), f"{pool[i % len(pool)][0]} {i}", pool[i % len(pool)][1])
        for i in range(count)
    ]


def throughput(analyzer: Analyzer, items: list[AnswerInput]) -> float:
    analyzer.analyze_many(items[:50])  # warm caches that start-up would fill
    started = time.perf_counter()
    for start in range(0, len(items), CHUNK):
        analyzer.analyze_many(items[start : start + CHUNK])
    return len(items) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=20_000)
    parser.add_argument("--semantic-answers", type=int, default=500)
    parser.add_argument("--no-semantic", action="store_true")
    args = parser.parse_args()
    rows, labels = pxtextmining_tagging()
    learned = LearnedTagger().fit(TrainingExample(r.text, r.labels) for r in rows)
    items = answers(args.answers)
    mean_chars = sum(len(a.text) for a in items) / len(items)
    print(
        f"{len(items)} answers, mean {mean_chars:.0f} characters; learned model: {len(labels)} labels"
    )
    parts = {"identifier": LangIdIdentifier(), "sentiment": SentimentByLanguage()}
    codebook = CodebookTagger()
    for name, analyzer in [
        (
            "codebook + learned, tags only (language from the hint, no sentiment)",
            Analyzer(codebook=codebook, learned=learned),
        ),
        ("codebook only + language ID + sentiment", Analyzer(codebook=codebook, **parts)),  # type: ignore[arg-type]
        ("learned only + language ID + sentiment", Analyzer(learned=learned, **parts)),  # type: ignore[arg-type]
        (
            "codebook + learned + language ID + sentiment (the CLI path)",
            Analyzer(codebook=codebook, learned=learned, **parts),
        ),  # type: ignore[arg-type]
    ]:
        print(f"{name}: {throughput(analyzer, items):,.0f} answers/s")
    if args.no_semantic:
        return
    from analysis.semantic import SemanticTagger, default_encoder, semantic_available

    if not semantic_available():
        print("semantic: not installed")
        return
    encoder = default_encoder()
    few = items[: args.semantic_answers]
    distinct = [AnswerInput(f"s{i}", f"{a.text} ({i})", a.lang_hint) for i, a in enumerate(few)]
    analyzer = Analyzer(
        codebook=codebook, learned=learned, semantic=SemanticTagger(encoder=encoder), **parts
    )  # type: ignore[arg-type]
    print(
        f"codebook + learned + semantic zero-shot: {throughput(analyzer, distinct):,.1f} answers/s"
    )


if __name__ == "__main__":
    main()
