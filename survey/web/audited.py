"""Which staff pages write the audit log, in one table: an action is recorded when its request
succeeded (a redirect or page without an error message; an export that was sent).

Account and role changes are recorded by the admin pages themselves (``web/admin.py``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request, session

from survey import db
from survey.services import audit, sites
from survey.web import staff

#: endpoint → (action, the view argument or form field that names what was acted on)
AUDITED: dict[str, tuple[str, str]] = {
    "design.publish": ("survey.publish", "slug"),
    "design.status": ("survey.close", "slug"),  # or survey.reopen, by the status asked
    "design.import_survey": ("survey.import", ""),
    "insights.export_responses": ("responses.export", "fmt"),
    "insights.export_groups": ("responses.export", ""),
    "insights.export_qdpx": ("responses.export", ""),
    "loop.approve_quote": ("quote.approve", ""),
    "loop.withdraw_quote": ("quote.withdraw", "approval_id"),
    "loop.overview": ("commitment.change", ""),
    "loop.commitment": ("commitment.change", "commitment_id"),
    "loop.commitment_update": ("commitment.change", "commitment_id"),
    "insights.api_keys": ("api_key.create", ""),
    "insights.revoke_key": ("api_key.revoke", "token_id"),
    "insights.accept_model": ("model.accept", "model_id"),
}
_READS = {"insights.export_responses", "insights.export_groups", "insights.export_qdpx"}


def _succeeded(endpoint: str, status: int) -> bool:
    if endpoint in _READS:
        return request.method == "GET" and status == 200
    if request.method != "POST":
        return False
    if endpoint == "insights.api_keys":
        return status == 200  # the page that shows the new key
    refused = any(category == "error" for category, _m in session.get("_flashes", []))
    return status in (200, 302, 303) and not refused


def init_app(app: Flask) -> None:
    @app.after_request
    def _audit(response: Any) -> Any:
        endpoint = request.endpoint or ""
        if endpoint not in AUDITED or not _succeeded(endpoint, response.status_code):
            return response
        action, named_by = AUDITED[endpoint]
        if endpoint == "design.status" and request.form.get("status") == "open":
            action = "survey.reopen"
        arguments = request.view_args or {}
        slug = str(arguments.get("site_slug", ""))
        site = sites.site_by_slug(session=db.session(), slug=slug) if slug else None
        target = str(arguments.get(named_by, "")) if named_by else ""
        if endpoint.startswith("insights.export") and request.args.get("survey"):
            target = f"{target} {request.args['survey']}".strip()[:120]
        audit.record(
            session=db.session(), actor=staff.user(), action=action, site=site, target=target
        )
        return response
