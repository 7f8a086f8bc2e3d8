"""The codebook document as objects: themes, their terms per language, loading and saving."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from analysis.codebook.validation import SCHEMA, Issue, check


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
    return Path(__file__).resolve().parent.parent / "data" / "codebook" / "default.json"


@lru_cache(maxsize=1)
def load_default() -> Codebook:
    """The shipped default codebook (12 themes, 8 languages); loaded once."""
    return Codebook.load(default_codebook_path())
