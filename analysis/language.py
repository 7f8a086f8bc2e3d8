"""Which language an answer is written in.

The resident chose a locale before answering, so that choice is the prior. A detector (py3langid,
limited to the survey's languages) may overrule it only when the answer is long enough for the
detector to be right: on two or three words it is wrong often enough that trusting the resident is
the better bet.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analysis.base import SUPPORTED_LANGS

#: Our locale code → py3langid's code. Hmong has no langid model, hence ``None``.
LANGID_CODES: dict[str, str | None] = {
    "en": "en",
    "es": "es",
    "vi": "vi",
    "zh_Hans": "zh",
    "ar": "ar",
    "so": "so",
    "ht": "ht",
    "hmn": None,
}

#: Scripts a locale without a detector can never be written in: an answer in one of them is not
#: Hmong even though the resident picked Hmong (shared phones change hands).
_FOREIGN_SCRIPTS_FOR_LATIN = ("zh", "ar")

FALLBACK_LANG = "en"


def normalise_locale(code: str | None) -> str | None:
    """Map spellings residents' browsers and exports use (``zh-Hans``, ``ES``) to our locale keys.

    Returns ``None`` for a code that is not one of the product's locales.
    """
    if not code:
        return None
    folded = code.strip().replace("-", "_")
    for lang in SUPPORTED_LANGS:
        if folded.lower() == lang.lower():
            return lang
    base = folded.split("_", 1)[0].lower()
    if base == "zh":
        return "zh_Hans"
    return base if base in LANGID_CODES else None


def is_short(text: str, *, min_words: int = 4, min_chars: int = 20) -> bool:
    """Too short for a detector to beat the resident's own choice of language."""
    stripped = text.strip()
    if len(stripped) < min_chars:
        return True
    # Chinese has no spaces, so a word count would call every Chinese answer short.
    if any("\u4e00" <= ch <= "\u9fff" for ch in stripped):
        return len(stripped) < min_chars // 2
    return len(stripped.split()) < min_words


@dataclass(frozen=True)
class LanguageGuess:
    lang: str
    confidence: float  #: 0..1 among the candidates; 1.0 when the hint was trusted
    detected: bool  #: ``False`` when the hint (or the fallback) was used without detection


class LangIdIdentifier:
    """py3langid restricted to the candidate survey languages, with the resident's hint as prior.

    ``min_confidence`` is how sure the detector must be (among the candidates) to overrule a hint.
    """

    def __init__(
        self, *, min_words: int = 4, min_chars: int = 20, min_confidence: float = 0.9
    ) -> None:
        self.min_words = min_words
        self.min_chars = min_chars
        self.min_confidence = min_confidence
        self._model: Any = None
        self._lock = threading.Lock()

    def _detector(self) -> Any:
        # Loading the model takes ~0.3 s; do it once, on first use, not at import.
        with self._lock:
            if self._model is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                self._model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            return self._model

    def rank(self, text: str, candidates: Sequence[str]) -> list[tuple[str, float]]:
        """Candidate locales with a detector model, most likely first, probabilities summing to 1."""
        wanted: dict[str, str] = {}
        for locale in candidates:
            lang = normalise_locale(locale)
            code = LANGID_CODES.get(lang) if lang else None
            if lang and code:
                wanted[code] = lang
        if not wanted or not text.strip():
            return []
        # Softmax over a subset is the full softmax renormalised, so one model serves every set.
        # The first few hundred characters decide the language as well as 100 KB would.
        ranked = [(wanted[c], p) for c, p in self._detector().rank(text[:400]) if c in wanted]
        total = sum(p for _, p in ranked)
        if total <= 0:
            return []
        return [(lang, p / total) for lang, p in ranked]

    def guess(
        self, text: str, *, candidates: Sequence[str] = SUPPORTED_LANGS, hint: str | None = None
    ) -> LanguageGuess:
        known = [c for c in (normalise_locale(c) for c in candidates) if c]
        prior = normalise_locale(hint)
        if prior is None and hint and hint in candidates:
            # The resident answered in one of the survey's languages that we have no detector
            # for (Swahili, Tagalog…): the detector could only name its nearest neighbour.
            return LanguageGuess(hint, 1.0, False)
        if prior is not None and known and prior not in known:
            known.append(prior)
        if not known:
            return LanguageGuess(prior or FALLBACK_LANG, 0.0, False)
        fallback = prior or (FALLBACK_LANG if FALLBACK_LANG in known else known[0])
        if not any(ch.isalpha() for ch in text):
            # Emoji, digits, punctuation: nothing to detect.
            return LanguageGuess(fallback, 0.0, False)
        short = is_short(text, min_words=self.min_words, min_chars=self.min_chars)
        if prior is not None and short:
            return LanguageGuess(prior, 1.0, False)
        ranked = self.rank(text, known)
        if not ranked:
            return LanguageGuess(fallback, 0.0, False)
        best, confidence = ranked[0]
        if prior is None:
            if short and confidence < self.min_confidence:
                return LanguageGuess(fallback, confidence, False)
            return LanguageGuess(best, confidence, True)
        if best == prior:
            return LanguageGuess(best, confidence, True)
        if LANGID_CODES.get(prior) is None:
            # No detector for the hinted language: any Latin-script guess is just the detector's
            # nearest neighbour, so only a different script overrules the resident.
            if LANGID_CODES.get(best) in _FOREIGN_SCRIPTS_FOR_LATIN and confidence >= 0.99:
                return LanguageGuess(best, confidence, True)
            return LanguageGuess(prior, 1.0, False)
        if confidence >= self.min_confidence:
            return LanguageGuess(best, confidence, True)
        return LanguageGuess(prior, 1.0 - confidence, False)

    def identify(
        self, text: str, *, candidates: Sequence[str] = SUPPORTED_LANGS, hint: str | None = None
    ) -> str:
        return self.guess(text, candidates=candidates, hint=hint).lang
