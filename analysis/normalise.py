"""Data-free normalisation: ``(text, lang)`` -> case-folded tokens with aligned lemmas.

Per language:

- ``en``, ``es``, ``ar`` (and any other language simplemma knows, e.g. ``fr``, ``pt``, ``tl``):
  lemmas come from simplemma, then are folded (accents dropped) so that ``educación`` and a
  phone-typed ``educacion`` meet. Arabic lemmas shorter than three letters are replaced by the
  clitic-stripped token, because simplemma sometimes over-strips (``أمان`` -> ``أم``, "mother").
- ``zh_Hans``: jieba segments; the lemma is the segment itself.
- ``vi``: tokens keep their diacritics, which distinguish words (``nợ`` debt, ``nó`` it);
  lemmas are the folded syllables, so an answer typed without accents can still be matched.
- ``so``, ``ht``, ``hmn`` and unknown codes: generic Latin-script handling; lemmas are folded tokens.
  Inflection is handled by prefix keywords in the codebook rather than by a guessed stemmer.

Lemmas are cached per ``(lang, token)``: a 100 KB English answer normalises in tens of
milliseconds, a 100 KB Chinese one in a few hundred (jieba segmentation dominates).
"""

from __future__ import annotations

import logging
import re
import unicodedata
import warnings
from collections.abc import Callable
from functools import lru_cache

from analysis.base import Tokens

__all__ = ["DefaultNormaliser", "fold", "is_cjk", "strip_arabic_clitics"]

# simplemma's own language codes for the product's locales and a few neighbours residents also use.
_SIMPLEMMA_LANGS: dict[str, str] = {
    "en": "en",
    "es": "es",
    "ar": "ar",
    "fr": "fr",
    "pt": "pt",
    "tl": "tl",
    "ru": "ru",
    "de": "de",
    "it": "it",
}

# Word characters without the underscore; an apostrophe inside a word is kept (English "don't",
# Somali "la'aan", where the apostrophe is a glottal stop letter).
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Haitian Creole elides pronouns ("m'ap", "l'ap", "pa'm"): split there so the content word stands
# alone.
_WORD_RE_SPLIT_APOS = re.compile(r"[^\W_]+")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Folding maps applied after accents are dropped. Arabic: alef maqsura / ta marbuta are written
# interchangeably with ya / ha in informal text; tatweel is decoration.
_FOLD_TABLE = str.maketrans(
    {
        "đ": "d",
        "ð": "d",
        "ø": "o",
        "ł": "l",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "ı": "i",
        "ى": "ي",
        "ة": "ه",
        "ـ": None,
        "’": "'",
        "ʼ": "'",
        "‘": "'",
    }
)

_AR_PREFIXES: tuple[str, ...] = (
    "وبال",
    "وال",
    "فال",
    "بال",
    "كال",
    "ولل",
    "لل",
    "ال",
)

_CACHE_LIMIT = 200_000


@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """Case-fold and drop diacritics (accents, Vietnamese tones, Arabic harakat and hamza seats).

    Used for matching only: ``fold("Educación")`` -> ``"educacion"``, ``fold("Nhà ở")`` ->
    ``"nha o"``, ``fold("الأطفال")`` -> ``"الاطفال"``.
    """
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).translate(_FOLD_TABLE)


def strip_arabic_clitics(word: str) -> str:
    """Drop a leading conjunction/preposition + definite article (``والمدارس`` -> ``مدارس``).

    Only strips when at least three letters remain, so short words are not mangled.
    """
    for prefix in _AR_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix) :]
    return word


def is_cjk(text: str) -> bool:
    """True when ``text`` contains at least one CJK ideograph."""
    return _CJK_RE.search(text) is not None


@lru_cache(maxsize=1)
def _jieba_cut() -> Callable[[str], list[str]]:
    with warnings.catch_warnings():
        # jieba's own sources carry invalid regex escapes (SyntaxWarning when first compiled) and
        # older installs import pkg_resources; neither is ours to fix, and only this import is
        # silenced.
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.filterwarnings("ignore", message=".*pkg_resources.*")
        import jieba

    # jieba prints its dictionary-loading progress through logging at DEBUG level; keep it quiet
    # without touching the root logger.
    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    cut: Callable[[str], list[str]] = jieba.lcut
    return cut


@lru_cache(maxsize=1)
def _simplemma_lemmatize() -> Callable[..., str]:
    import simplemma

    lemmatize: Callable[..., str] = simplemma.lemmatize
    return lemmatize


class DefaultNormaliser:
    """Tokens and lemmas for the survey's languages without downloads.

    Unknown language codes are treated as generic Latin script; CJK text under any code is segmented
    with jieba. Empty or emoji-only text gives empty tokens.
    """

    def __init__(self) -> None:
        # (lang, token) -> lemma. Bounded: cleared when it grows past _CACHE_LIMIT entries.
        self._lemma_cache: dict[tuple[str, str], str] = {}

    def normalise(self, text: str, lang: str) -> Tokens:
        if not text:
            return Tokens(lang=lang, tokens=(), lemmas=())
        base = _base_lang(lang)
        if base == "zh" or (is_cjk(text) and base not in _SIMPLEMMA_LANGS):
            tokens = self._segment_cjk(text)
        else:
            pattern = _WORD_RE_SPLIT_APOS if base == "ht" else _WORD_RE
            tokens = tuple(
                m.replace("’", "'") for m in pattern.findall(unicodedata.normalize("NFC", text))
            )
            tokens = tuple(t.casefold() for t in tokens)
            if base == "ar":
                tokens = tuple(t.replace("ـ", "") for t in tokens)
        lemmas = self._lemmas(tokens, base)
        return Tokens(lang=lang, tokens=tokens, lemmas=lemmas)

    def _segment_cjk(self, text: str) -> tuple[str, ...]:
        cut = _jieba_cut()
        out: list[str] = []
        for piece in cut(unicodedata.normalize("NFKC", text)):
            piece = piece.strip().casefold()
            if piece and _WORD_RE.search(piece):
                out.append(piece)
        return tuple(out)

    def _lemmas(self, tokens: tuple[str, ...], base: str) -> tuple[str, ...]:
        cache = self._lemma_cache
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        out: list[str] = []
        for token in tokens:
            key = (base, token)
            lemma = cache.get(key)
            if lemma is None:
                lemma = self._lemma(token, base)
                cache[key] = lemma
            out.append(lemma)
        return tuple(out)

    def _lemma(self, token: str, base: str) -> str:
        if base == "zh":
            return token
        sm_lang = _SIMPLEMMA_LANGS.get(base)
        if sm_lang is None or token.isdigit():
            return fold(token)
        try:
            lemma = _simplemma_lemmatize()(token, lang=sm_lang)
        except (ValueError, KeyError):
            lemma = token
        if base == "ar":
            folded = fold(lemma)
            if len(folded) < 3 or lemma == token:
                return fold(strip_arabic_clitics(token))
            return folded
        return fold(lemma.casefold())


def _base_lang(lang: str) -> str:
    """``zh_Hans`` -> ``zh``; ``es-MX`` -> ``es``; ``""`` -> ``""``."""
    return re.split(r"[_\-]", lang.strip().lower(), maxsplit=1)[0] if lang else ""
