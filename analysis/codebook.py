"""Codebooks (themes with per-language keywords and phrases) and the codebook tagger.

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

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from analysis.base import Normaliser, Tag, Tokens
from analysis.normalise import DefaultNormaliser, fold, strip_arabic_clitics

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

SCHEMA = "community-voice/codebook@1"

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*$")
_THEME_FIELDS = frozenset(
    {"key", "label", "description", "keywords", "phrases", "examples", "retired"}
)
_MAX_TERM_CHARS = 200

KEYWORD_WEIGHT = 0.6
# Namespace for Vietnamese folded (toneless) keys, distinct from keys written with tone marks.
_FOLDED = "~"
PHRASE_WEIGHT = 0.75


class CodebookError(ValueError):
    """A codebook document was rejected; ``problems`` lists every reason, ``issues`` the same
    reasons with their details."""

    def __init__(self, problems: Sequence[str | Issue]) -> None:
        #: every problem, each with its code and details (the theme, field, language and term)
        self.issues: tuple[Issue, ...] = tuple(
            p if isinstance(p, Issue) else Issue("other", str(p)) for p in problems
        )
        self.problems: tuple[str, ...] = tuple(issue.text for issue in self.issues)
        super().__init__("invalid codebook: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Theme:
    key: str
    label: Mapping[str, str]
    description: Mapping[str, str]
    keywords: Mapping[str, tuple[str, ...]]
    phrases: Mapping[str, tuple[str, ...]]
    examples: Mapping[str, tuple[str, ...]]
    retired: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": dict(self.label),
            "description": dict(self.description),
            "keywords": {lang: list(v) for lang, v in self.keywords.items()},
            "phrases": {lang: list(v) for lang, v in self.phrases.items()},
            "examples": {lang: list(v) for lang, v in self.examples.items()},
            "retired": self.retired,
        }


@dataclass(frozen=True)
class Codebook:
    key: str
    version: int
    themes: tuple[Theme, ...]
    _by_key: Mapping[str, Theme] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {t.key: t for t in self.themes})

    @property
    def keys(self) -> tuple[str, ...]:
        """Keys of the active (not retired) themes, in document order."""
        return tuple(t.key for t in self.themes if not t.retired)

    def theme(self, key: str) -> Theme:
        """The theme with this key (retired ones included); ``KeyError`` if absent."""
        return self._by_key[key]

    def label(self, key: str, locale: str, *, fallback: Iterable[str] = ()) -> str:
        """The theme's label in ``locale``, else in its base language, else in the ``fallback``
        languages (e.g. the site's own), else English, else its first label, else the key."""
        theme = self._by_key.get(key)
        if theme is None:
            return key
        candidates = (locale, locale.replace("-", "_").split("_")[0], *fallback, "en")
        for candidate in (*candidates, *theme.label):
            text = theme.label.get(candidate, "").strip()
            if text:
                return text
        return key

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, english_label: bool = True) -> Codebook:
        """Build from a parsed document; raises ``CodebookError`` listing every problem.
        ``english_label=False`` accepts themes labelled in any one language."""
        problems = check(d, english_label=english_label)
        if problems:
            raise CodebookError(problems)
        themes = tuple(_theme_from_dict(t) for t in d["themes"])
        return cls(key=str(d["key"]), version=int(d["version"]), themes=themes)

    @classmethod
    def load(cls, path: str | Path) -> Codebook:
        with Path(path).open(encoding="utf-8") as fh:
            try:
                data = json.load(fh)
            except json.JSONDecodeError as exc:
                raise CodebookError([f"{path}: not valid JSON ({exc})"]) from exc
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "key": self.key,
            "version": self.version,
            "themes": [t.to_dict() for t in self.themes],
        }


def _theme_from_dict(t: Mapping[str, Any]) -> Theme:
    def terms(name: str) -> dict[str, tuple[str, ...]]:
        raw: Mapping[str, Sequence[str]] = t.get(name) or {}
        return {lang: tuple(s.strip() for s in values) for lang, values in raw.items()}

    return Theme(
        key=t["key"],
        label={k: v.strip() for k, v in (t.get("label") or {}).items()},
        description={k: v.strip() for k, v in (t.get("description") or {}).items()},
        keywords=terms("keywords"),
        phrases=terms("phrases"),
        examples=terms("examples"),
        retired=bool(t.get("retired", False)),
    )


def default_codebook_path() -> Path:
    return Path(__file__).resolve().parent / "data" / "codebook" / "default.json"


@lru_cache(maxsize=1)
def load_default() -> Codebook:
    """The shipped default codebook (12 themes, 8 languages); loaded once."""
    return Codebook.load(default_codebook_path())


# --------------------------------------------------------------------------------------------
# Validation


@dataclass(frozen=True)
class Issue:
    """One problem in a codebook document, with the details an application needs to say it in its
    own words. ``text`` is the English message :func:`validate` returns.

    ``code`` is one of: ``not_object``, ``schema``, ``key``, ``version``, ``no_themes``,
    ``theme_not_object``, ``theme_key``, ``duplicate_key``, ``unknown_fields``, ``retired``,
    ``label_missing``, ``label_needs_english``, ``label_needs_text``, ``not_mapping``,
    ``bad_language``, ``blank``, ``not_list``, ``term_blank``, ``term_too_long``, ``no_letters``,
    ``star_placement``, ``short_prefix``, ``equals_placement``, ``missing_translation``,
    ``no_keywords``.
    """

    code: str
    text: str
    theme: str | None = None  #: the theme's key (or ``themes[i]`` when it has none)
    field: str | None = None  #: label, description, keywords, phrases or examples
    lang: str | None = None
    term: str | None = None  #: the keyword, phrase or example at fault
    detail: str | None = None  #: e.g. the unknown field names, or the length limit

    def __str__(self) -> str:
        return self.text


def validate(
    d: Any, *, required_langs: Iterable[str] = (), english_label: bool = True
) -> list[str]:
    """Every problem in a codebook document, as messages a staff member can act on; ``[]`` if valid.

    ``required_langs``: languages every active theme must have a label, description and keywords in
    (the default codebook is checked against all eight survey languages). ``english_label``: every
    theme needs an English label (otherwise a label in any one language will do).
    """
    return [
        issue.text for issue in check(d, required_langs=required_langs, english_label=english_label)
    ]


def check(d: Any, *, required_langs: Iterable[str] = (), english_label: bool = True) -> list[Issue]:
    """Like :func:`validate`, as :class:`Issue` objects carrying the theme, field, language and term."""
    problems: list[Issue] = []
    if not isinstance(d, Mapping):
        return [Issue("not_object", "the codebook must be a JSON object")]
    if d.get("schema") != SCHEMA:
        problems.append(Issue("schema", f"schema must be {SCHEMA!r} (found {d.get('schema')!r})"))
    key = d.get("key")
    if not isinstance(key, str) or not _KEY_RE.match(key):
        problems.append(
            Issue(
                "key",
                "key must be lower-case letters, digits or '_', starting with a letter "
                f"(found {key!r})",
            )
        )
    version = d.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(Issue("version", f"version must be a whole number ≥ 1 (found {version!r})"))
    themes = d.get("themes")
    if not isinstance(themes, list) or not themes:
        problems.append(Issue("no_themes", "themes must be a non-empty list"))
        return problems
    required = tuple(required_langs)
    seen: set[str] = set()
    for i, theme in enumerate(themes):
        problems.extend(_validate_theme(i, theme, seen, required, english_label))
    return problems


def _validate_theme(
    i: int, t: Any, seen: set[str], required: tuple[str, ...], english_label: bool = True
) -> list[Issue]:
    if not isinstance(t, Mapping):
        return [Issue("theme_not_object", f"themes[{i}]: must be an object", theme=f"themes[{i}]")]
    key = t.get("key")
    name_of = key if isinstance(key, str) and key else f"themes[{i}]"
    where = f"theme {key!r}" if isinstance(key, str) and key else f"themes[{i}]"
    problems: list[Issue] = []

    def add(code: str, text: str, **details: Any) -> None:
        problems.append(Issue(code, f"{where}: {text}", theme=name_of, **details))

    if not isinstance(key, str) or not _KEY_RE.match(key):
        add("theme_key", "key must be lower-case letters, digits or '_', starting with a letter")
    elif key in seen:
        add("duplicate_key", "duplicate theme key")
    else:
        seen.add(key)
    unknown = sorted(set(t) - _THEME_FIELDS)
    if unknown:
        add("unknown_fields", f"unknown field(s) {', '.join(unknown)}", detail=", ".join(unknown))
    retired = t.get("retired", False)
    if not isinstance(retired, bool):
        add("retired", "retired must be true or false")

    for name in ("label", "description"):
        value = t.get(name)
        if name == "label" and value is None:
            add(
                "label_missing",
                "label is missing (an English label is required)"
                if english_label
                else "label is missing",
                field=name,
            )
            continue
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            add("not_mapping", f"{name} must map a language code to text", field=name)
            continue
        for lang, text in value.items():
            if not isinstance(lang, str) or not _LANG_RE.match(lang):
                add(
                    "bad_language",
                    f"{name} has an invalid language code {lang!r}",
                    field=name,
                    lang=str(lang),
                )
            elif not isinstance(text, str) or not text.strip():
                add("blank", f"{name}[{lang}] is blank", field=name, lang=lang)
        if name == "label":
            if english_label and not str(value.get("en", "")).strip():
                add("label_needs_english", "label needs an English ('en') text", field=name)
            elif not english_label and not any(
                isinstance(text, str) and text.strip() for text in value.values()
            ):
                add("label_needs_text", "label needs a text in at least one language", field=name)

    for name in ("keywords", "phrases", "examples"):
        value = t.get(name, {})
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            add("not_mapping", f"{name} must map a language code to a list of texts", field=name)
            continue
        for lang, items in value.items():
            if not isinstance(lang, str) or not _LANG_RE.match(lang):
                add(
                    "bad_language",
                    f"{name} has an invalid language code {lang!r}",
                    field=name,
                    lang=str(lang),
                )
                continue
            if not isinstance(items, list):
                add("not_list", f"{name}[{lang}] must be a list of texts", field=name, lang=lang)
                continue
            for j, item in enumerate(items):
                for code, text, detail in _validate_term(name, item):
                    add(
                        code,
                        f"{name}[{lang}][{j}]: {text}",
                        field=name,
                        lang=lang,
                        term=item.strip() if isinstance(item, str) else None,
                        detail=detail,
                    )

    if not retired:
        for lang in required:
            for name in ("label", "description"):
                m = t.get(name) or {}
                if isinstance(m, Mapping) and not str(m.get(lang, "")).strip():
                    add(
                        "missing_translation",
                        f"{name} missing for language {lang!r}",
                        field=name,
                        lang=lang,
                    )
            kw = t.get("keywords") or {}
            if isinstance(kw, Mapping) and not kw.get(lang):
                add(
                    "no_keywords",
                    f"no keywords for language {lang!r}",
                    field="keywords",
                    lang=lang,
                )
    return problems


def _validate_term(kind: str, item: Any) -> list[tuple[str, str, str | None]]:
    """(code, English text, detail) for each problem with one keyword, phrase or example."""
    if not isinstance(item, str) or not item.strip():
        return [("term_blank", "must be non-empty text", None)]
    text = item.strip()
    if len(text) > _MAX_TERM_CHARS:
        return [
            ("term_too_long", f"longer than {_MAX_TERM_CHARS} characters", str(_MAX_TERM_CHARS))
        ]
    if kind == "examples":
        return []
    problems: list[tuple[str, str, str | None]] = []
    body = text[1:].strip() if text.startswith("-") else text
    body = body[1:] if body.startswith("=") else body
    if not body.strip("*=- "):
        problems.append(("no_letters", f"{item!r} has no letters to match", None))
    for word in body.split():
        if "*" in word.rstrip("*") or word.endswith("**"):
            problems.append(
                (
                    "star_placement",
                    f"{item!r} — '*' is only allowed once, at the end of a word",
                    None,
                )
            )
            break
        if word.endswith("*") and len(word.rstrip("*")) < 2:
            problems.append(
                ("short_prefix", f"{item!r} — a prefix needs at least two letters before '*'", None)
            )
            break
    if "=" in body:
        problems.append(("equals_placement", f"{item!r} — '=' is only allowed at the start", None))
    return problems


# --------------------------------------------------------------------------------------------
# Tagging

# One element of a compiled term: ("k", key) lemma-or-folded, ("e", key) exact folded token,
# ("p", prefix) folded token starts with prefix.
_Elem = tuple[str, str]


# A position's matchable forms: (keys for "k" elements, key for "e" elements, keys for "p").
_Cand = tuple[tuple[str, ...], str, tuple[str, ...]]
# What one position matches: whole-token (theme, term) pairs, multi-token terms starting there
# (elements, theme, term), and Chinese keywords inside the segment.
_Lookup = tuple[
    tuple[tuple[str, str], ...],
    tuple[tuple[tuple[_Elem, ...], str, str], ...],
    tuple[tuple[str, str], ...],
]
_CACHE_LIMIT = 100_000


@dataclass
class _LangIndex:
    """Lookup structures for one language: single-token terms in dicts, multi-token terms by their
    first element."""

    single: dict[str, set[tuple[str, str]]] = field(default_factory=dict)  # key -> {(theme, term)}
    exact: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    prefix: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    prefix_lens: tuple[int, ...] = ()
    multi_first: dict[_Elem, list[tuple[tuple[_Elem, ...], str, str, bool]]] = field(
        default_factory=dict
    )
    multi_prefix_lens: tuple[int, ...] = ()
    # Chinese: folded keyword text -> {(theme, term)} for matching inside longer segments.
    substrings: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    substring_lens: tuple[int, ...] = ()
    # Per token form: what it matches (filled lazily, bounded).
    lookups: dict[_Cand, _Lookup] = field(default_factory=dict)


class CodebookTagger:
    """Tags answers with the themes whose keywords or phrases they contain (see module docstring)."""

    source = "codebook"

    def __init__(
        self, codebook: Codebook | None = None, normaliser: Normaliser | None = None
    ) -> None:
        self.codebook = codebook if codebook is not None else load_default()
        self.normaliser: Normaliser = normaliser if normaliser is not None else DefaultNormaliser()
        self._indexes: dict[str, _LangIndex] = {}
        self._lang_terms: dict[str, list[tuple[str, str, bool]]] = {}
        for theme in self.codebook.themes:
            if theme.retired:
                continue
            for lang, words in theme.keywords.items():
                for w in words:
                    self._lang_terms.setdefault(lang, []).append((theme.key, w, False))
            for lang, phrases in theme.phrases.items():
                for p in phrases:
                    self._lang_terms.setdefault(lang, []).append((theme.key, p, True))
        for lang in self._lang_terms:
            self._index(lang)

    # -- compilation ------------------------------------------------------------------------

    def _index(self, lang: str) -> _LangIndex:
        idx = self._indexes.get(lang)
        if idx is not None:
            return idx
        idx = _LangIndex()
        terms = self._lang_terms.get(lang)
        if terms is None:
            # A language the codebook has no words for: use English terms (answers in an
            # unexpected language are most often English), plus any base-language entry.
            base = _base(lang)
            terms = self._lang_terms.get(base) or self._lang_terms.get("en", [])
        base = _base(lang)
        for key, term, is_phrase in terms:
            # "-term" is an exception: it matches like any term but only hides this theme's
            # matches inside it ("-tsev neeg", family, inside the housing keyword "tsev").
            theme_key = "!" + key if term.startswith("-") else key
            body = term[1:].strip() if term.startswith("-") else term
            for elems in self._compile_term(body, lang, base):
                ev = (theme_key, term)
                if len(elems) == 1:
                    kind, key = elems[0]
                    table = {"k": idx.single, "e": idx.exact, "p": idx.prefix}[kind]
                    table.setdefault(key, set()).add(ev)
                else:
                    idx.multi_first.setdefault(elems[0], []).append(
                        (elems, theme_key, term, is_phrase)
                    )
            if base == "zh":
                compact = fold(body.lstrip("=").rstrip("*")).replace(" ", "")
                if len(compact) >= 2:
                    idx.substrings.setdefault(compact, set()).add((theme_key, term))
        idx.prefix_lens = tuple(sorted({len(p) for p in idx.prefix}))
        idx.multi_prefix_lens = tuple(sorted({len(e[1]) for e in idx.multi_first if e[0] == "p"}))
        idx.substring_lens = tuple(sorted({len(s) for s in idx.substrings}))
        self._indexes[lang] = idx
        return idx

    def _compile_term(self, term: str, lang: str, base: str) -> list[tuple[_Elem, ...]]:
        """A term -> one or more element sequences (Vietnamese: as written and folded)."""
        exact = term.startswith("=")
        body = term[1:] if exact else term
        words = body.split()
        if base == "zh":
            toks = self.normaliser.normalise(body.replace("*", ""), lang)
            if not toks.tokens:
                return []
            return [tuple(("k", fold(t)) for t in toks.tokens)]
        elems: list[_Elem] = []
        folded_elems: list[_Elem] = []
        for word in words:
            if word.endswith("*"):
                stem = word.rstrip("*").casefold()
                for piece in self._split_word(stem, lang)[:-1]:
                    elems.append(("k", piece))
                    folded_elems.append(("k", _FOLDED + fold(piece)))
                last = self._split_word(stem, lang)[-1:] or [stem]
                elems.append(("p", _prefix_form(last[0], base)))
                folded_elems.append(("p", _FOLDED + fold(last[0])))
                continue
            toks = self.normaliser.normalise(word, lang)
            for tok, lemma in zip(toks.tokens, toks.lemmas, strict=False):
                if base == "vi":
                    elems.append(("k", tok))
                    folded_elems.append(("k", _FOLDED + fold(tok)))
                elif exact:
                    elems.append(("e", _match_form(tok, base)))
                else:
                    # The lemma key only when the keyword is written in its base form: "parking"
                    # (lemma "park") must not turn into a match for every park.
                    ftok = _match_form(tok, base)
                    elems.append(("k", ftok if lemma != ftok else lemma))
        if not elems:
            return []
        out = [tuple(elems)]
        if base == "vi" and not exact:
            # "=nợ" (debt) stays accented-only: folded it would be "no", which unaccented text
            # uses for "nó" (it) and "no" (full).
            out.append(tuple(folded_elems))
        return out

    def _split_word(self, word: str, lang: str) -> list[str]:
        toks = self.normaliser.normalise(word, lang).tokens
        return list(toks) if toks else [word]

    def _lookup(self, idx: _LangIndex, cand: _Cand) -> _Lookup:
        """Everything one token position can start: whole-token matches, multi-token terms whose
        first element it matches, and (Chinese) keywords inside the segment. Cached per form."""
        keys, exact_key, pkeys = cand
        whole: list[tuple[str, str]] = []
        for k in keys:
            whole.extend(idx.single.get(k, ()))
        whole.extend(idx.exact.get(exact_key, ()))
        for pkey in pkeys:
            for length in idx.prefix_lens:
                if length > len(pkey):
                    break
                whole.extend(idx.prefix.get(pkey[:length], ()))
        starts: list[tuple[tuple[_Elem, ...], str, str]] = []
        if idx.multi_first:
            firsts: list[_Elem] = [("k", k) for k in keys]
            firsts.append(("e", exact_key))
            firsts.extend(
                ("p", pkey[:length])
                for pkey in pkeys
                for length in idx.multi_prefix_lens
                if length <= len(pkey)
            )
            for first in firsts:
                starts.extend((e, t, term) for e, t, term, _ in idx.multi_first.get(first, ()))
        inside: list[tuple[str, str]] = []
        tok = keys[0]
        if idx.substrings and len(tok) >= 3:
            for length in idx.substring_lens:
                if length >= len(tok):
                    break
                for s in range(len(tok) - length + 1):
                    inside.extend(idx.substrings.get(tok[s : s + length], ()))
        return tuple(dict.fromkeys(whole)), tuple(starts), tuple(dict.fromkeys(inside))

    # -- matching -----------------------------------------------------------------------------

    def tag(self, text: str, lang: str) -> list[Tag]:
        if not text or not text.strip():
            return []
        toks = self.normaliser.normalise(text, lang)
        return self.tag_tokens(toks, text)

    def tag_tokens(self, toks: Tokens, text: str = "") -> list[Tag]:
        """Tag an already normalised answer (lets callers normalise once for several taggers)."""
        if not toks.tokens:
            return []
        lang = toks.lang
        base = _base(lang)
        idx = self._index(lang)
        cands = _candidates(toks, base)
        # (start, end, rank, theme, term, is_phrase); rank orders equal spans: a whole-token match
        # (1) outranks a match inside a longer Chinese segment (0).
        hits: list[tuple[int, int, int, str, str, bool]] = []
        cache = idx.lookups
        n = len(cands)
        for i in range(n):
            cand = cands[i]
            found_here = cache.get(cand)
            if found_here is None:
                found_here = self._lookup(idx, cand)
                if len(cache) > _CACHE_LIMIT:
                    cache.clear()
                cache[cand] = found_here
            whole, starts, inside = found_here
            for theme_key, term in whole:
                hits.append((i, i + 1, 1, theme_key, term, False))
            for elems, theme_key, term in starts:
                m = len(elems)
                if i + m <= n and all(_elem_ok(elems[j], cands[i + j]) for j in range(1, m)):
                    hits.append((i, i + m, 1, theme_key, term, True))
            for theme_key, term in inside:
                hits.append((i, i + 1, 0, theme_key, term, False))
        if not hits:
            return []
        found: dict[str, dict[str, bool]] = {}  # theme -> {term: is_phrase}
        if all(h[1] - h[0] == 1 and h[2] == 1 and h[3][0] != "!" for h in hits):
            # Only whole single-token matches: nothing can hide anything (the common case).
            for h in hits:
                found.setdefault(h[3], {})[h[4]] = False
            return [_make_tag(theme_key, terms) for theme_key, terms in found.items()]
        # Where matches overlap, the longer one wins: "tsev kawm ntawv" (school) is education, not
        # the housing keyword "tsev" (house) inside it. Index the potential winners by position.
        covering: dict[int, list[tuple[int, int, int, str, str, bool]]] = {}
        for h in hits:
            if h[1] - h[0] > 1 or h[2] == 1:
                for pos in range(h[0], h[1]):
                    covering.setdefault(pos, []).append(h)
        for h in hits:
            if h[3].startswith("!"):
                continue
            terms = found.get(h[3])
            if terms is not None and h[4] in terms:
                continue
            if _covered(h, covering.get(h[0], ())):
                continue
            found.setdefault(h[3], {})[h[4]] = h[5]
        return [_make_tag(theme_key, terms) for theme_key, terms in found.items()]


_Hit = tuple[int, int, int, str, str, bool]


def _covered(h: _Hit, others: Iterable[_Hit]) -> bool:
    """True when an exception of the same theme, or a longer match of another theme (or a
    whole-token match against a match inside a Chinese segment) contains ``h``."""
    start, end, rank, theme = h[0], h[1], h[2], h[3]
    size = end - start
    for o in others:
        if o[3] == theme or o[0] > start or o[1] < end:
            continue
        if o[3].startswith("!"):
            if o[3][1:] == theme:
                return True
            continue
        if o[1] - o[0] > size or (o[1] - o[0] == size and o[2] > rank):
            return True
    return False


def _make_tag(theme_key: str, terms: Mapping[str, bool]) -> Tag:
    miss = 1.0
    for is_phrase in terms.values():
        miss *= 1.0 - (PHRASE_WEIGHT if is_phrase else KEYWORD_WEIGHT)
    score = round(min(0.99, 1.0 - miss), 3)
    return Tag(theme=theme_key, score=score, source="codebook", evidence=tuple(sorted(terms)))


_AR_ONE_LETTER_PREFIXES = frozenset("وبلفك")


def _candidates(toks: Tokens, base: str) -> list[_Cand]:
    if base == "vi":
        # Tone marks present in a good share of the syllables -> the resident types with accents:
        # match as written. Otherwise match folded forms, kept in their own namespace so that an
        # unaccented "nha" in accented text never matches the keyword "nhà".
        marked = sum(1 for t, lemma in zip(toks.tokens, toks.lemmas, strict=False) if t != lemma)
        accented = marked >= max(1, len(toks.tokens) // 6)
        if accented:
            return [((t,), t, (t,)) for t in toks.tokens]
        return [((_FOLDED + f,), _FOLDED + f, (_FOLDED + f,)) for f in toks.lemmas]
    out: list[_Cand] = []
    cache = _CAND_CACHE
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    for tok, lemma in zip(toks.tokens, toks.lemmas, strict=False):
        cand = cache.get((base, tok, lemma))
        if cand is None:
            cand = cache[(base, tok, lemma)] = _candidate(tok, lemma, base)
        out.append(cand)
    return out


def _candidate(tok: str, lemma: str, base: str) -> _Cand:
    ftok = _match_form(tok, base)
    if base == "ar":
        # A single attached preposition/conjunction ("بوعودهم", "وتعليم") without the article:
        # try the word both with and without it, since the first letter may be the root's.
        forms = [ftok]
        if ftok[:1] in _AR_ONE_LETTER_PREFIXES and len(ftok) >= 4:
            forms.append(ftok[1:])
        if lemma not in forms:
            forms.append(lemma)
        return (tuple(forms), ftok, tuple(forms[:2]))
    keys = (ftok,) if lemma == ftok else (ftok, lemma)
    return (keys, ftok, (ftok,))


# (lang base, token, lemma) -> candidate forms; shared by all taggers, bounded.
_CAND_CACHE: dict[tuple[str, str, str], _Cand] = {}


def _elem_ok(elem: _Elem, cand: _Cand) -> bool:
    kind, key = elem
    keys, exact_key, pkeys = cand
    if kind == "k":
        return key in keys
    if kind == "e":
        return key == exact_key
    return any(p.startswith(key) for p in pkeys)


def _match_form(token: str, base: str) -> str:
    folded = fold(token)
    if base == "ar":
        return fold(strip_arabic_clitics(folded))
    return folded


def _prefix_form(stem: str, base: str) -> str:
    return _match_form(stem, base) if base != "vi" else stem


def _base(lang: str) -> str:
    return lang.replace("-", "_").split("_")[0].lower() if lang else ""
