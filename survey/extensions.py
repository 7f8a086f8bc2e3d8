"""The extensions, created once here and bound to the app by ``create_app``; blueprints import
them from this module."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

csrf = CSRFProtect()
login_manager = LoginManager()


class SendCounts:
    """Counts of residents' sends per survey and address, held only in memory or in Redis (when
    ``REDIS_URL`` is set), never in the database.

    The ``limits`` library on its own: a request that sends nothing pays nothing for it (a rate
    limiting extension would check every request).
    """

    def init_app(self, app: Flask) -> None:
        uri = app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://"
        app.extensions["cv_send_counts"] = FixedWindowRateLimiter(storage_from_string(uri))

    def hit(self, limit: str, *identifiers: Any) -> bool:
        """Count one send; False when it goes beyond ``limit`` (``"30 per 10 minutes"``)."""
        counts: FixedWindowRateLimiter = current_app.extensions["cv_send_counts"]
        return bool(counts.hit(parse(limit), *identifiers))


send_counts = SendCounts()
