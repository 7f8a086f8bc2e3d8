"""Accuracy and speed of the codebook tagger with the default codebook.

Run: ``python tests/bench/bench_codebook.py`` (add ``--errors`` to list misses and false alarms,
``--split dev|heldout`` to restrict the error listing).

Prints micro-F1 per language and split on the multilingual resident-style answers (``dev`` used for
tuning, ``heldout`` not, ``fresh`` written after the keyword lists and never tuned on), overall figures,
per-theme precision/recall/F1, the figure on labelled real resident comments (resident-voices), and
answers tagged per second on one core. Also the two sets written before the vocabulary was broadened
and never tuned on: ``resident_answers_fresh.jsonl`` (25 answers per language) and
``resident_voices_fresh.jsonl`` (150 more labelled real comments); ``--errors`` lists theirs too.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from analysis.codebook import CodebookTagger, load_default  # noqa: E402

DATA = ROOT / "tests" / "analysis" / "data"
ANSWERS = DATA / "resident_answers.jsonl"
VOICES = DATA / "resident_voices_labelled.jsonl"
ANSWERS_FRESH = DATA / "resident_answers_fresh.jsonl"
VOICES_FRESH = DATA / "resident_voices_fresh.jsonl"


def read_jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


class Counts:
    """True positives, false positives and false negatives, overall and per theme."""

    def __init__(self) -> None:
        self.tp = 0
        self.fp = 0
        self.fn = 0
        self.by_theme: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, gold: Iterable[str], pred: Iterable[str]) -> None:
        g, p = set(gold), set(pred)
        self.tp += len(g & p)
        self.fp += len(p - g)
        self.fn += len(g - p)
        for t in g & p:
            self.by_theme[t]["tp"] += 1
        for t in p - g:
            self.by_theme[t]["fp"] += 1
        for t in g - p:
            self.by_theme[t]["fn"] += 1

    def f1(self) -> float:
        return f1(self.tp, self.fp, self.fn)


def f1(tp: int, fp: int, fn: int) -> float:
    if tp == 0:
        return 1.0 if fp == 0 and fn == 0 else 0.0
    return 2 * tp / (2 * tp + fp + fn)


def evaluate(
    tagger: CodebookTagger, rows: Sequence[dict[str, object]]
) -> tuple[Counts, list[tuple[dict[str, object], set[str]]]]:
    counts = Counts()
    preds: list[tuple[dict[str, object], set[str]]] = []
    for row in rows:
        pred = {t.theme for t in tagger.tag(str(row["text"]), str(row["lang"]))}
        counts.add(row["themes"], pred)  # type: ignore[arg-type]
        preds.append((row, pred))
    return counts, preds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", action="store_true", help="list wrong answers")
    parser.add_argument(
        "--split", choices=("dev", "heldout", "fresh"), help="only list errors of one split"
    )
    parser.add_argument("--lang", help="only list errors of one language")
    parser.add_argument("--voices-only", action="store_true")
    args = parser.parse_args()

    tagger = CodebookTagger(load_default())
    rows = read_jsonl(ANSWERS)
    langs = list(dict.fromkeys(str(r["lang"]) for r in rows))
    splits = ("dev", "heldout", "fresh")

    all_preds: list[tuple[dict[str, object], set[str]]] = []
    if not args.voices_only:
        print(f"Resident-style answers ({len(rows)}): micro-F1")
        print(f"{'lang':<9}{'dev':>8}{'heldout':>9}{'fresh':>8}{'all':>8}{'n':>5}")
        totals = {s: Counts() for s in (*splits, "all")}
        for lang in langs:
            line = f"{lang:<9}"
            for split in splits:
                subset = [r for r in rows if r["lang"] == lang and r.get("split") == split]
                counts, preds = evaluate(tagger, subset)
                all_preds.extend(preds)
                for row, pred in preds:
                    totals[split].add(row["themes"], pred)  # type: ignore[arg-type]
                    totals["all"].add(row["themes"], pred)  # type: ignore[arg-type]
                line += f"{counts.f1():>{9 if split == 'heldout' else 8}.3f}"
            lang_rows = [r for r in rows if r["lang"] == lang]
            line += f"{evaluate(tagger, lang_rows)[0].f1():>8.3f}{len(lang_rows):>5}"
            print(line)
        print(
            f"{'overall':<9}{totals['dev'].f1():>8.3f}{totals['heldout'].f1():>9.3f}"
            f"{totals['fresh'].f1():>8.3f}{totals['all'].f1():>8.3f}{len(rows):>5}"
        )
        print("\nPer theme (all languages, all splits):")
        print(f"{'theme':<20}{'P':>7}{'R':>7}{'F1':>7}{'tp':>5}{'fp':>5}{'fn':>5}")
        for key in load_default().keys:
            c = totals["all"].by_theme[key]
            tp, fp, fn = c["tp"], c["fp"], c["fn"]
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            print(f"{key:<20}{p:>7.3f}{r:>7.3f}{f1(tp, fp, fn):>7.3f}{tp:>5}{fp:>5}{fn:>5}")

    voice_preds: list[tuple[dict[str, object], set[str]]] = []
    if VOICES.exists():
        voices = read_jsonl(VOICES)
        print(f"\nResident voices, real English comments ({len(voices)} labelled): micro-F1")
        for split in ("dev", "heldout"):
            subset = [r for r in voices if r.get("split") == split]
            counts, preds = evaluate(tagger, subset)
            voice_preds.extend(preds)
            print(
                f"  {split:<8}{counts.f1():.3f}  (n={len(subset)}, tp={counts.tp}, "
                f"fp={counts.fp}, fn={counts.fn})"
            )
        print(f"  {'all':<8}{evaluate(tagger, voices)[0].f1():.3f}")

    if ANSWERS_FRESH.exists() and not args.voices_only:
        fresh = read_jsonl(ANSWERS_FRESH)
        print(f"\nFresh resident-style answers ({len(fresh)}, never tuned on): micro-F1")
        total = Counts()
        for lang in dict.fromkeys(str(r["lang"]) for r in fresh):
            counts, preds = evaluate(tagger, [r for r in fresh if r["lang"] == lang])
            voice_preds.extend(preds)
            for row, pred in preds:
                total.add(row["themes"], pred)  # type: ignore[arg-type]
            print(f"  {lang:<9}{counts.f1():.3f}  (tp={counts.tp}, fp={counts.fp}, fn={counts.fn})")
        print(f"  {'overall':<9}{total.f1():.3f}  (tp={total.tp}, fp={total.fp}, fn={total.fn})")
    if VOICES_FRESH.exists():
        vfresh = read_jsonl(VOICES_FRESH)
        counts, preds = evaluate(tagger, vfresh)
        voice_preds.extend(preds)
        print(
            f"\nFresh resident voices ({len(vfresh)}, never tuned on): micro-F1 {counts.f1():.3f}"
            f"  (tp={counts.tp}, fp={counts.fp}, fn={counts.fn})"
        )

    texts = [(str(r["text"]), str(r["lang"])) for r in rows]
    tagger.tag("warm up", "en")
    reps = 20
    start = time.perf_counter()
    for _ in range(reps):
        for text, lang in texts:
            tagger.tag(text, lang)
    elapsed = time.perf_counter() - start
    print(f"\nSpeed: {reps * len(texts) / elapsed:,.0f} answers/s (codebook tagger, one core)")
    if VOICES.exists():
        vtexts = [(str(r["text"]), "en") for r in read_jsonl(VOICES)]
        start = time.perf_counter()
        for _ in range(reps):
            for text, lang in vtexts:
                tagger.tag(text, lang)
        elapsed = time.perf_counter() - start
        print(f"       {reps * len(vtexts) / elapsed:,.0f} answers/s on the longer real comments")

    if args.errors:
        print("\nErrors (gold -> predicted):")
        for row, pred in [*all_preds, *voice_preds]:
            if args.split and row.get("split") != args.split:
                continue
            if args.lang and row.get("lang") != args.lang:
                continue
            gold = set(row["themes"])  # type: ignore[arg-type]
            if gold != pred:
                ev = {t.theme: t.evidence for t in tagger.tag(str(row["text"]), str(row["lang"]))}
                extra = {k: v for k, v in ev.items() if k not in gold}
                print(f"  {row['id']}: {sorted(gold)} -> {sorted(pred)} {extra or ''}")
                print(f"      {str(row['text'])[:300]}")


if __name__ == "__main__":
    main()
