"""The codebook tagger: compiled term indexes per language and matching (see the package
docstring for the rules)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from analysis.base import Normaliser, Tag, Tokens
from analysis.codebook.model import Codebook, load_default
from analysis.normalise import DefaultNormaliser, fold, strip_arabic_clitics

KEYWORD_WEIGHT = 0.6
# Namespace for Vietnamese folded (toneless) keys, distinct from keys written with tone marks.
_FOLDED = "~"
PHRASE_WEIGHT = 0.75

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
