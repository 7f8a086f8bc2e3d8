"""Errors services raise; the web layer turns them into pages, the CLI into messages."""

from __future__ import annotations

from collections.abc import Sequence

from survey.document import Problem


class NotFound(LookupError):
    """No such object (or not visible to the caller: we never confirm existence)."""


class SurveyClosed(Exception):
    """The survey exists but takes no more answers."""


class InvalidDocument(ValueError):
    """A survey document that cannot be published or imported, with every problem listed."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))
