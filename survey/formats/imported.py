"""What reading a survey definition gives: the document and what was changed to take it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survey.problems import Problem


@dataclass(frozen=True)
class Imported:
    """A survey document read from a file, and the changes made to take it, each said by place
    (``survey sheet, row 7``) in catalog text (shown in the staff member's language)."""

    document: dict[str, Any]
    changes: list[Problem] = field(default_factory=list)
