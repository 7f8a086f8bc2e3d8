"""``python -m analysis``: tag, train and evaluate from JSON lines, for batch jobs and notebooks.

    tag       {"id", "text", "lang"?} per line  →  {"id", "lang", "themes", "scores", "sentiment"}
    train     {"id", "text", "lang"?, "themes": [labels]} per line  →  a model directory
    evaluate  gold lines + predicted lines (or a model to predict with) → per-label P/R/F1

With the ``[semantic]`` extra installed, ``train`` adds sentence embeddings to the model's features
and ``tag``/``evaluate`` load them for such a model, unless ``--no-semantic``; zero-shot tagging
from theme descriptions is opt-in (``--zero-shot``).

A malformed input line stops the run with its line number on stderr (exit status 1) unless
``--skip-bad`` is given, in which case it is reported and skipped. Input is read and tagged in
chunks, so a large file streams through in bounded memory at full speed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from analysis.base import SUPPORTED_LANGS

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
CHUNK = 2000
#: sentence vectors of the training answers, kept in the model directory by ``train``
EMBEDDINGS_FILE = "embeddings.npz"


class BadLine(ValueError):
    def __init__(self, number: int, reason: str) -> None:
        super().__init__(f"line {number}: {reason}")
        self.number = number


@dataclass(frozen=True)
class InputLine:
    number: int
    id: str
    text: str
    lang: str | None
    themes: tuple[str, ...] | None


def parse_line(raw: str, number: int, *, need_themes: bool = False) -> InputLine:
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise BadLine(number, f"not valid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise BadLine(number, "expected a JSON object")
    if "id" not in record or record["id"] is None or isinstance(record["id"], (dict, list)):
        raise BadLine(number, 'missing "id"')
    text = record.get("text")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise BadLine(number, '"text" must be a string')
    lang = record.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise BadLine(number, '"lang" must be a string')
    themes: tuple[str, ...] | None = None
    if need_themes or "themes" in record:
        raw_themes = record.get("themes")
        if not isinstance(raw_themes, list) or not all(isinstance(t, str) for t in raw_themes):
            raise BadLine(number, '"themes" must be a list of strings')
        themes = tuple(raw_themes)
    return InputLine(number, str(record["id"]), text, lang or None, themes)


def read_lines(
    stream: IO[str], *, skip_bad: bool, need_themes: bool = False
) -> Iterator[InputLine]:
    """Parsed lines; a bad line raises :class:`BadLine` or, with ``skip_bad``, is reported."""
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            yield parse_line(raw, number, need_themes=need_themes)
        except BadLine as exc:
            if not skip_bad:
                raise
            print(f"skipped {exc}", file=sys.stderr)


def _chunks(lines: Iterator[InputLine], size: int) -> Iterator[list[InputLine]]:
    batch: list[InputLine] = []
    try:
        for line in lines:
            batch.append(line)
            if len(batch) >= size:
                yield batch
                batch = []
    finally:
        # A bad line ends the run, but the good lines read before it are still answered.
        if batch:
            yield batch


# --- building the pieces --------------------------------------------------------------------


def _semantic_wanted(args: argparse.Namespace) -> bool:
    if args.no_semantic:
        return False
    from analysis.semantic import semantic_available

    return semantic_available()


def _encoder(wanted: bool) -> Any:
    if not wanted:
        return None
    from analysis.semantic import default_encoder

    return default_encoder()


def build_analyzer(args: argparse.Namespace) -> Any:
    from analysis.combine import Analyzer
    from analysis.language import LangIdIdentifier
    from analysis.sentiment import SentimentByLanguage

    semantic = _semantic_wanted(args)
    encoder = _encoder(semantic)
    if encoder is not None and args.embeddings:
        from analysis.semantic import StoredEncoder

        encoder = StoredEncoder(encoder, args.embeddings)
    learned = None
    if args.model:
        from analysis.learned import LearnedTagger

        learned = LearnedTagger.load(args.model, encoder=encoder)
    codebook_tagger = None
    semantic_tagger = None
    codebook_choice = args.codebook if args.codebook else (None if args.model else "default")
    if codebook_choice:
        from analysis.codebook import Codebook, CodebookTagger, load_default

        book = load_default() if codebook_choice == "default" else Codebook.load(codebook_choice)
        codebook_tagger = CodebookTagger(book)
        if semantic and args.zero_shot:
            from analysis.semantic import SemanticTagger

            semantic_tagger = SemanticTagger(book, encoder)
    sentiment_models: list[Any] = []
    if args.sentiment_model:
        from analysis.sentiment import TrainedSentiment

        sentiment_models.append(TrainedSentiment.load(args.sentiment_model))
    from analysis.sentiment import LexiconSentiment

    sentiment_models.append(LexiconSentiment())
    return Analyzer(
        codebook=codebook_tagger,
        learned=learned,
        semantic=semantic_tagger,
        identifier=LangIdIdentifier(),
        sentiment=SentimentByLanguage(sentiment_models),
    )


def _candidates(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return SUPPORTED_LANGS
    from analysis.language import normalise_locale

    langs = tuple(
        dict.fromkeys(normalise_locale(x) or x.strip() for x in raw.split(",") if x.strip())
    )
    return langs or SUPPORTED_LANGS


def tag_record(result: Any) -> dict[str, Any]:
    return {
        "id": result.id,
        "lang": result.lang,
        "themes": [t.theme for t in result.tags],
        "scores": {t.theme: t.score for t in result.tags},
        "sentiment": None if result.sentiment is None else round(result.sentiment, 4),
    }


# --- commands ----------------------------------------------------------------------------------


def run_tag(args: argparse.Namespace, stdin: IO[str], stdout: IO[str]) -> int:
    from analysis.combine import AnswerInput

    analyzer = build_analyzer(args)
    candidates = _candidates(args.langs)
    lines = read_lines(stdin, skip_bad=args.skip_bad)
    try:
        for batch in _chunks(lines, args.chunk):
            results = analyzer.analyze_many(
                [AnswerInput(line.id, line.text, line.lang) for line in batch],
                candidates=candidates,
            )
            stdout.write(
                "".join(json.dumps(tag_record(r), ensure_ascii=False) + "\n" for r in results)
            )
    except BadLine as exc:
        _keep_embeddings(analyzer)
        stdout.flush()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    _keep_embeddings(analyzer)
    return EXIT_OK


def _keep_embeddings(analyzer: Any) -> None:
    """Write the ``--embeddings`` file, when one was asked for."""
    from analysis.semantic import StoredEncoder

    for part in (analyzer.learned, analyzer.semantic):
        encoder = getattr(part, "encoder", None)
        if isinstance(encoder, StoredEncoder):
            encoder.save()
            return


def run_train(args: argparse.Namespace, stdin: IO[str], stdout: IO[str]) -> int:
    from analysis.learned import LearnedModelError, LearnedTagger, TaggerOptions, TrainingExample

    try:
        lines = list(read_lines(stdin, skip_bad=args.skip_bad, need_themes=True))
    except BadLine as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    examples = [TrainingExample(line.text, line.themes or (), line.lang or "en") for line in lines]
    encoder = _encoder(_semantic_wanted(args))
    if encoder is not None:
        from analysis.semantic import StoredEncoder

        # Kept beside the model: retraining into the same directory embeds only new answers.
        encoder = StoredEncoder(encoder, Path(args.model) / EMBEDDINGS_FILE)
    tagger = LearnedTagger(options=TaggerOptions(), seed=args.seed, encoder=encoder)
    try:
        tagger.fit(examples, min_positives=args.min_positives)
    except LearnedModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    tagger.save(args.model)
    embedded = ""
    if encoder is not None:
        encoder.save()
        embedded = f" ({encoder.computed} newly embedded, the rest read from {EMBEDDINGS_FILE})"
    report = tagger.report
    assert report is not None
    print(
        f"trained on {report.examples} answers, {len(tagger.labels)} labels"
        f"{' with sentence embeddings' if report.semantic else ''} in {report.seconds:.1f} s"
        f"{embedded}; "
        f"out-of-fold macro-F1 {report.macro_f1:.3f}, micro-F1 {report.micro_f1:.3f}; "
        f"saved to {args.model}",
        file=sys.stderr,
    )
    return EXIT_OK


@dataclass(frozen=True)
class LabelScore:
    label: str
    support: int
    precision: float
    recall: float
    f1: float


def score_labels(
    gold: Mapping[str, Sequence[str]],
    predicted: Mapping[str, Sequence[str]],
    labels: Sequence[str] | None = None,
) -> tuple[list[LabelScore], dict[str, float]]:
    """Per-label precision/recall/F1 over the answers in ``gold``, plus micro and macro averages.

    Labels default to every label in the gold or predicted sets; an answer missing from
    ``predicted`` counts as tagged with nothing.
    """
    names = sorted(
        set(labels)
        if labels
        else {t for ts in gold.values() for t in ts} | {t for ts in predicted.values() for t in ts}
    )
    tp = dict.fromkeys(names, 0)
    fp = dict.fromkeys(names, 0)
    fn = dict.fromkeys(names, 0)
    for answer_id, gold_themes in gold.items():
        truth = set(gold_themes)
        guess = set(predicted.get(answer_id, ()))
        for name in names:
            if name in truth and name in guess:
                tp[name] += 1
            elif name in guess:
                fp[name] += 1
            elif name in truth:
                fn[name] += 1
    rows = []
    for name in names:
        precision = tp[name] / (tp[name] + fp[name]) if tp[name] + fp[name] else 0.0
        recall = tp[name] / (tp[name] + fn[name]) if tp[name] + fn[name] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append(LabelScore(name, tp[name] + fn[name], precision, recall, f1))
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    micro_p = all_tp / (all_tp + all_fp) if all_tp + all_fp else 0.0
    micro_r = all_tp / (all_tp + all_fn) if all_tp + all_fn else 0.0
    averages = {
        "micro_precision": micro_p,
        "micro_recall": micro_r,
        "micro_f1": 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0,
        "macro_precision": sum(r.precision for r in rows) / len(rows) if rows else 0.0,
        "macro_recall": sum(r.recall for r in rows) / len(rows) if rows else 0.0,
        "macro_f1": sum(r.f1 for r in rows) / len(rows) if rows else 0.0,
    }
    return rows, averages


def _read_themes(path: str, *, skip_bad: bool) -> dict[str, tuple[str, ...]]:
    with Path(path).open(encoding="utf-8") as fh:
        return {
            line.id: line.themes or ()
            for line in read_lines(fh, skip_bad=skip_bad, need_themes=True)
        }


def run_evaluate(args: argparse.Namespace, stdin: IO[str], stdout: IO[str]) -> int:
    from analysis.combine import AnswerInput

    try:
        gold = _read_themes(args.gold, skip_bad=args.skip_bad)
        if args.pred:
            predicted = _read_themes(args.pred, skip_bad=args.skip_bad)
        else:
            analyzer = build_analyzer(args)
            with Path(args.gold).open(encoding="utf-8") as fh:
                inputs = [
                    AnswerInput(line.id, line.text, line.lang)
                    for line in read_lines(fh, skip_bad=args.skip_bad)
                ]
            predicted = {
                r.id: tuple(t.theme for t in r.tags)
                for r in analyzer.analyze_many(inputs, candidates=_candidates(args.langs))
            }
    except BadLine as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    labels = [x for x in args.labels.split(",") if x] if args.labels else None
    rows, averages = score_labels(gold, predicted, labels)
    if args.json:
        stdout.write(
            json.dumps(
                {
                    "answers": len(gold),
                    "labels": [vars(r) for r in rows],
                    **{k: round(v, 4) for k, v in averages.items()},
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        return EXIT_OK
    width = max([len(r.label) for r in rows] + [5])
    stdout.write(f"{'label':<{width}}  support  precision  recall     f1\n")
    for r in rows:
        stdout.write(
            f"{r.label:<{width}}  {r.support:>7}  {r.precision:>9.3f}  {r.recall:>6.3f}  {r.f1:>5.3f}\n"
        )
    stdout.write(
        f"\nanswers {len(gold)}  labels {len(rows)}\n"
        f"micro  P {averages['micro_precision']:.3f}  R {averages['micro_recall']:.3f}  "
        f"F1 {averages['micro_f1']:.3f}\n"
        f"macro  P {averages['macro_precision']:.3f}  R {averages['macro_recall']:.3f}  "
        f"F1 {averages['macro_f1']:.3f}\n"
    )
    return EXIT_OK


# --- argument parsing ----------------------------------------------------------------------------


def _tagging_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="DIR", help="a model made by `train`")
    parser.add_argument(
        "--codebook",
        metavar="FILE|default",
        help="codebook JSON file, or `default` (the default when no --model is given)",
    )
    parser.add_argument("--langs", metavar="en,es,…", help="languages answers may be in")
    parser.add_argument(
        "--sentiment-model", metavar="DIR", help="a site-trained sentiment model directory"
    )
    parser.add_argument(
        "--embeddings",
        metavar="FILE",
        help="keep the answers' sentence vectors in FILE (.npz) and reuse them on later runs",
    )
    # Opt-in: on the labelled resident answers, zero-shot tags on top of the codebook lowered
    # micro-F1 from 0.95 to 0.88–0.93 whatever the similarity cut-off.
    parser.add_argument(
        "--zero-shot",
        action="store_true",
        help="also tag answers no other tagger caught by similarity to theme descriptions",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-semantic", action="store_true", help="do not use sentence embeddings")
    parser.add_argument("--skip-bad", action="store_true", help="report and skip malformed lines")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analysis", description="Tag, train and evaluate open answers."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    tag = commands.add_parser("tag", help="tag JSON lines from stdin")
    _tagging_options(tag)
    _common(tag)
    tag.add_argument("--chunk", type=int, default=CHUNK, help=argparse.SUPPRESS)
    tag.set_defaults(run=run_tag)

    train = commands.add_parser("train", help="train a model from tagged JSON lines on stdin")
    train.add_argument("--model", metavar="DIR", required=True, help="where to write the model")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--min-positives", type=int, default=2, help="labels with fewer examples are left out"
    )
    _common(train)
    train.set_defaults(run=run_train)

    evaluate = commands.add_parser("evaluate", help="precision, recall and F1 per label")
    evaluate.add_argument("--gold", metavar="FILE", required=True, help="JSON lines with themes")
    evaluate.add_argument("--pred", metavar="FILE", help="predicted JSON lines (output of tag)")
    evaluate.add_argument("--labels", metavar="A,B,…", help="score only these labels")
    evaluate.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    _tagging_options(evaluate)
    _common(evaluate)
    evaluate.set_defaults(run=run_evaluate)
    return parser


def main(
    argv: Sequence[str] | None = None, stdin: IO[str] | None = None, stdout: IO[str] | None = None
) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "chunk", CHUNK) < 1:
        print("error: --chunk must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args.run(args, stdin or sys.stdin, stdout or sys.stdout)
    except (OSError, ValueError, ImportError) as exc:
        # Missing model directory, invalid codebook, semantic extra absent: say so, no traceback.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return code
