"""A problem found in something staff made or sent, said so that they can find and fix it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:
    """Marks a message for the catalog; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document, said so that staff can find it.

    ``message`` is catalog text with named placeholders filled from ``params`` when shown, so
    the web layer can show it in the staff member's language. ``where`` is for code (and the
    command line); ``place``, when given, is catalog text (one of ``survey.document.PLACES``)
    filled from ``place_params`` that says the same for staff.
    """

    where: str  #: e.g. ``question hopes``, ``section 2`` or ``survey sheet, row 7``
    message: str
    locale: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    place: str | None = None
    place_params: Mapping[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return self.message % self.params if self.params else self.message

    def __str__(self) -> str:
        suffix = f" [{self.locale}]" if self.locale else ""
        return f"{self.where}: {self.text()}{suffix}"
