"""Loading the public feedback benchmark (evaluation only; nothing here is shipped or trained into
the package). Location: ``../shared/data/feedback-benchmark`` beside the repository, or
``$CV_SHARED_DATA/feedback-benchmark``."""

from __future__ import annotations

import csv
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED = Path(os.environ.get("CV_SHARED_DATA", ROOT.parent / "shared" / "data"))
BENCHMARK = SHARED / "feedback-benchmark"
PXTEXTMINING = BENCHMARK / "pxtextmining" / "v6framework_230831.csv"
SIB200 = BENCHMARK / "sib200"

#: SIB-200 folders for the survey languages (Tagalog stands in for a language the survey may add).
SIB_TARGETS: dict[str, str] = {
    "spa_Latn": "es",
    "vie_Latn": "vi",
    "zho_Hans": "zh_Hans",
    "arb_Arab": "ar",
    "som_Latn": "so",
    "hat_Latn": "ht",
    "tgl_Latn": "tl",
}

_LABEL_START = "Not assigned"
_EXCLUDED = ("Not assigned", "Labelling not possible")


@dataclass(frozen=True)
class FeedbackRow:
    text: str
    labels: tuple[str, ...]
    sentiment: int | None  #: 1 very positive … 5 very negative


def require(path: Path) -> Path:
    if not path.exists():
        sys.exit(
            f"benchmark data not found at {path}; set CV_SHARED_DATA to the shared data folder"
        )
    return path


def _rows() -> tuple[list[str], list[dict[str, str]]]:
    with require(PXTEXTMINING).open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader]
    header = [h.strip() for h in (reader.fieldnames or [])]
    labels = header[header.index(_LABEL_START) :]
    return labels, rows


def _has_text(row: dict[str, str]) -> bool:
    text = row["FFT answer"]
    return bool(text) and text != "Did not answer"


def pxtextmining_tagging(min_positives: int = 20) -> tuple[list[FeedbackRow], tuple[str, ...]]:
    """Rows with real text and at least one of the labels that have ``min_positives`` examples
    among them ("Not assigned" and "Labelling not possible" excluded)."""
    labels, rows = _rows()
    rows = [r for r in rows if _has_text(r)]
    counts = {lab: sum(r[lab] == "1" for r in rows) for lab in labels}
    chosen = tuple(lab for lab in labels if counts[lab] >= min_positives and lab not in _EXCLUDED)
    out = []
    for r in rows:
        mine = tuple(lab for lab in chosen if r[lab] == "1")
        if mine:
            out.append(FeedbackRow(r["FFT answer"], mine, _sentiment(r)))
    return out, chosen


def pxtextmining_sentiment() -> list[FeedbackRow]:
    """Rows with real text and a gold sentiment (all NHS rows are English)."""
    _, rows = _rows()
    out = []
    for r in rows:
        score = _sentiment(r)
        if _has_text(r) and score is not None:
            out.append(FeedbackRow(r["FFT answer"], (), score))
    return out


def _sentiment(row: dict[str, str]) -> int | None:
    raw = row.get("Comment sentiment", "")
    return int(float(raw)) if raw.replace(".", "", 1).isdigit() else None


def sib200(lang_dir: str, split: str) -> list[tuple[str, str]]:
    """(text, category) rows; read with QUOTE_NONE because the text has bare quote marks."""
    path = require(SIB200 / lang_dir / f"{split}.tsv")
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["text"], r["category"]) for r in reader]
