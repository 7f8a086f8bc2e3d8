"""Checking a codebook document: every problem with the details an application needs to say it
in its own words."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SCHEMA = "community-voice/codebook@1"

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*$")
_THEME_FIELDS = frozenset(
    {"key", "label", "description", "keywords", "phrases", "examples", "retired"}
)
_MAX_TERM_CHARS = 200


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

    def language_ok(name: str, lang: Any) -> bool:
        if isinstance(lang, str) and _LANG_RE.match(lang):
            return True
        add(
            "bad_language",
            f"{name} has an invalid language code {lang!r}",
            field=name,
            lang=str(lang),
        )
        return False

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
            if not language_ok(name, lang):
                continue
            if not isinstance(text, str) or not text.strip():
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
            if not language_ok(name, lang):
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
