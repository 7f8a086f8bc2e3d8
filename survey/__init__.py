"""Community Voice: the Flask application.

Importing ``survey`` (or ``survey.document``, ``survey.languages``, ``survey.services``) does not
import Flask; the application is built by ``create_app`` in ``survey/app.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    from survey.app import create_app as build

    return build(config)
