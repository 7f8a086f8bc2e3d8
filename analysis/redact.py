"""Remove personal details from an answer before it is quoted to anyone but the site's staff.

Residents write emails, phone numbers, street addresses and neighbours' names into open answers.
A quote keeps its wording and language; only those details become bracketed placeholders, so a reader
still sees that something was there. Redaction errs towards hiding: a wrongly hidden house number
costs little, a leaked one breaks the anonymity residents were promised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

EMAIL = "[email]"
PHONE = "[phone]"
ADDRESS = "[address]"
NAME = "[name]"
LINK = "[link]"

_EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)

_LINK_RE = re.compile(
    r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"']+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|io|info|us|uk|es|mx|vn|cn|so|ht|de|fr)"
    r"(?:/[^\s<>\"']*)?(?![\w.])",
    re.IGNORECASE,
)

# Digit groups split by spaces, dots, dashes or a bracketed area code; validated by digit count
# afterwards so that years, prices and counts survive.
_PHONE_RE = re.compile(
    r"(?<![A-Za-z0-9_+$€£#/.,])(?:\+|00)?\(?\d{1,4}\)?(?:[\s.\-\u00a0]{0,2}\(?\d{1,5}\)?){1,6}"
    r"(?![A-Za-z0-9_%/])(?!\s?[€£$%])"
)
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_PLAIN_NUMBER_RE = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")

# Words between a house number and the street type that show the phrase is prose, not an address
# ("3 kids on the street").
_PROSE_WORDS = (
    "the|a|an|of|on|in|at|to|and|or|my|our|their|his|her|your|this|that|these|those|for|from"
    "|with|by|is|are|was|were|kids|children|people|years|days|times|cars|houses|blocks|more"
)
_EN_STREET = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|terrace"
    "|circle|cir|parkway|pkwy|highway|hwy|way|square|sq|trail|trl|pike|alley|row"
)
_NAME_WORD = rf"(?!(?:{_PROSE_WORDS})\b)[^\W\d_][\w'’.-]*"
_HOUSE_NUMBER = r"\b\d{1,6}[A-Za-z]?(?:[-/]\d{1,4})?,?"

_ADDRESS_PATTERNS: tuple[re.Pattern[str], ...] = (
    # en / hmn (US addresses): "123 Main St", "4500 N. Martin Luther King Jr Blvd Apt 4"
    re.compile(
        rf"{_HOUSE_NUMBER}\s+(?:(?:[NSEW]|north|south|east|west)\.?\s+)?"
        rf"(?:(?:\d{{1,3}}(?:st|nd|rd|th)|{_NAME_WORD})\s+){{0,4}}(?:{_EN_STREET})\b\.?"
        r"(?:\s+(?:[NSEW]{1,2}|north|south|east|west)\b\.?)?"
        r"(?:,?\s+(?:apt|apartment|unit|suite|ste|#)\.?\s*#?\s*\w{1,5})?",
        re.IGNORECASE,
    ),
    # es: "Calle 5 #12-34", "Av. Reforma 123", "Calle Mayor, 10", "Carrera 7 No. 12"
    re.compile(
        r"\b(?:calle|c/|avenida|avda\.?|av\.|carrera|cra\.?|kra\.?|carretera|paseo|camino|plaza"
        r"|pasaje|bulevar|diagonal|transversal|callej[oó]n|privada|colonia)\s+"
        r"(?:[\w'.-]+\s+){0,4}?(?:#|n[oº°]\.?|n[uú]m(?:ero|\.)?)?\s*\d+[A-Za-z]?"
        r"(?:\s*(?:#|-|n[oº°]\.?)\s*\d+(?:\s*-\s*\d+)?)?",
        re.IGNORECASE,
    ),
    # ht: "12 Ri Kapwa", "Ri Pave #23", "Avni John Brown 5"
    re.compile(
        r"(?:\b\d{1,5},?\s+)?\b(?:ri|rue|avni|avenue|boulva|chemen|chemin|ruel|impas|koridò)\s+"
        r"(?:[^\W\d_][\w'’-]*\s+){0,3}?(?:#|no\.?|nimewo)?\s*\d{1,5}[A-Za-z]?\b"
        r"|\b\d{1,5},?\s+(?:ri|rue|avni|boulva|chemen|ruel|impas)\s+(?:[^\W\d_][\w'’-]*\s*){1,3}",
        re.IGNORECASE,
    ),
    # vi: "123 Đường Lê Lợi", "số 12 phố Huế", "hẻm 45/6 Nguyễn Trãi"
    re.compile(
        r"(?:\bsố\s+)?\b\d{1,5}(?:/\d{1,4})*[A-Za-z]?,?\s+(?:đường|phố|ngõ|hẻm|ngách|kiệt|đ\.)\s+"
        r"(?:[^\W\d_][\w]*\s*){1,4}"
        r"|\b(?:hẻm|ngõ|ngách|kiệt)\s+\d{1,5}(?:/\d{1,4})*",
        re.IGNORECASE,
    ),
    # zh_Hans: "中山路123号", "建国门外大街1号院2号楼"; the street name stops at a preposition or
    # pronoun so that "我住在" (I live at) stays.
    re.compile(
        r"(?:(?![在住于到从至是的了和我你他她])[\u4e00-\u9fff]){1,8}(?:路|街|大道|巷|胡同|弄|里)"
        r"\s*\d{1,5}\s*(?:号|號)"
        r"(?:\s*[\d\u4e00-\u9fff]{0,4}(?:院|楼|樓|单元|室)(?:\s*\d{1,5}\s*(?:号|號|室)?)?)*"
    ),
    # ar: "شارع الملك فهد 12", "12 شارع النيل"
    re.compile(
        r"(?:\b\d{1,5}\s+)?(?:شارع|طريق|جادة|زقاق|حارة|ش\.)\s+(?:[^\W\d_]+\s+){0,4}?\d{1,5}\b"
        r"|\b\d{1,5}\s+(?:شارع|طريق|جادة|زقاق|حارة)\s+(?:[^\W\d_]+\s*){1,3}"
    ),
    # so: "Waddada Maka Al-Mukarama 12", "Jidka 26 June"
    re.compile(
        r"\b(?:waddada|wadada|jidka|jid|dariiqa|waddo)\s+(?:[\w'’-]+\s+){0,4}?(?:#|no\.?)?\s*"
        r"\d{1,5}\b(?:\s+(?:[^\W\d_][\w'’-]*))?",
        re.IGNORECASE,
    ),
)


def _phone_repl(match: re.Match[str]) -> str:
    candidate = match.group(0)
    stripped = candidate.strip()
    digits = sum(ch.isdigit() for ch in stripped)
    if not 7 <= digits <= 15:
        return candidate
    if _ISO_DATE_RE.match(stripped) or _PLAIN_NUMBER_RE.match(stripped):
        return candidate
    # A run of unseparated digits shorter than 10 is more often an id, amount or zip than a phone.
    if stripped.isdigit() and len(stripped) < 10:
        return candidate
    trailing = candidate[len(candidate.rstrip()) :]
    return PHONE + trailing


def _link_repl(match: re.Match[str]) -> str:
    # Sentence punctuation right after a link belongs to the sentence.
    link = match.group(0)
    kept = link.rstrip(".,;:!?)]}'\"")
    return LINK + link[len(kept) :]


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    alternatives: list[str] = []
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        words = [re.escape(w) for w in name.split()]
        body = r"\s+".join(words)
        if any("\u4e00" <= ch <= "\u9fff" for ch in name):
            # Chinese has no word boundaries to anchor on.
            alternatives.append(body)
        else:
            alternatives.append(rf"(?<!\w){body}(?:'s|’s)?(?!\w)")
    if not alternatives:
        return None
    return re.compile("|".join(alternatives), re.IGNORECASE | re.UNICODE)


@dataclass(frozen=True)
class Redactor:
    """Redacts one site's quotes; ``names`` are the people staff have flagged (residents, staff)."""

    names: tuple[str, ...] = ()
    _names_re: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_names_re", _name_pattern(self.names))

    def __call__(self, text: str) -> str:
        return self.redact(text)

    def redact(self, text: str) -> str:
        # Order matters: an email contains a domain, and an address contains digit groups that
        # would otherwise be read as a phone number.
        text = _EMAIL_RE.sub(EMAIL, text)
        text = _LINK_RE.sub(_link_repl, text)
        for pattern in _ADDRESS_PATTERNS:
            text = pattern.sub(ADDRESS, text)
        text = _PHONE_RE.sub(_phone_repl, text)
        if self._names_re is not None:
            text = self._names_re.sub(NAME, text)
        return text


def redact(text: str, *, names: Iterable[str] = ()) -> str:
    """``text`` with emails, links, phone numbers, street addresses and ``names`` replaced."""
    return Redactor(tuple(names)).redact(text)
