"""Codebooks (themes with per-language keywords and phrases) and the codebook tagger.

Modules: ``model`` (the document as objects, loading, the default codebook), ``validation`` (every
problem of a document, with its code and details), ``tagger`` (term indexes and matching).

Document format (JSON, ``schema`` = ``community-voice/codebook@1``)::

    {"schema": "community-voice/codebook@1", "key": "default", "version": 1,
     "themes": [{"key": "housing", "label": {"en": "Housing", ...}, "description": {...},
                 "keywords": {"en": ["rent", "landlord*"], ...}, "phrases": {"en": ["cost of living"]},
                 "examples": {"en": ["Rent keeps going up"]}, "retired": false}]}

Matching semantics (every comparison is on the normaliser's output, case- and accent-folded):

- A plain keyword matches a token whose lemma equals the keyword's lemma, or whose folded form
  equals the keyword's folded form: ``school`` matches "Schools", ``educación`` matches "educacion".
- ``=word`` matches the folded token exactly, without lemmas. Use it where a lemmatiser would
  conflate themes: ``=park`` must not match "parking" (lemma ``park``).
- ``word*`` matches any folded token starting with ``word`` (Somali/Hmong/Haitian inflection,
  English compounds): ``landlord*`` matches "landlords", ``guri*`` matches "guriga".
- ``-term`` is an exception: it tags nothing, but this theme's matches inside it are ignored
  (Hmong housing lists ``tsev`` "house" and ``-tsev neeg`` "family").
- A phrase (or a keyword that the normaliser splits into several tokens, e.g. Chinese or
  Vietnamese multi-syllable words) matches consecutive tokens, each token by the rules above.
- Vietnamese: an answer typed with tone marks is matched against the keywords as written; an answer
  typed without them (common on phones) is matched on folded forms, so ``nha o`` finds ``nhà ở``.
  A Vietnamese ``=word`` is matched only as written, for syllables whose folded form is another
  common word (``=nợ`` debt, folded ``no``; ``=chùa`` pagoda, folded ``chua`` "not yet").
- Chinese: keywords are segmented with jieba like the answer; a keyword of two or more characters
  also matches inside a longer jieba segment (``交房租`` contains ``房租``).
- Arabic: the definite article and attached conjunctions/prepositions are stripped on both sides,
  so ``مدارس`` matches "والمدارس"; a word with one attached letter (``بوعودهم``) is tried with and
  without it. Write keywords without ``ال``.
- A language code the codebook has no terms for uses its base language's terms (``es-MX`` ->
  ``es``), else the English ones.
- Where matches of different themes overlap, the longer one wins: the Hmong phrase
  ``tsev kawm ntawv`` (school) is education only, not also housing through ``tsev``.

A theme is tagged when at least one of its keywords or phrases matches. The score grows with the
number of distinct matches (one keyword 0.6, one phrase 0.75, combined as independent evidence) and
the evidence lists what matched. Retired themes are kept in the document for history but never
tagged. Negation is deliberately not handled: "no more violence" is still about safety.
"""

from __future__ import annotations

from analysis.codebook.model import (
    Codebook,
    CodebookError,
    Theme,
    default_codebook_path,
    load_default,
)
from analysis.codebook.tagger import CodebookTagger
from analysis.codebook.validation import SCHEMA, Issue, check, validate

__all__ = [
    "SCHEMA",
    "Codebook",
    "CodebookError",
    "CodebookTagger",
    "Issue",
    "Theme",
    "check",
    "default_codebook_path",
    "load_default",
    "validate",
]
