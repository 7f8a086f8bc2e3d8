"""A REFI-QDA project (``.qdpx``) of a site's open answers, for NVivo, ATLAS.ti, MAXQDA, QualCoder.

The codebook becomes the project's codes; each open answer becomes a text source whose whole
text is one selection coded with the answer's themes. GUIDs are derived from our ids, so the same
answers export to the same GUIDs and a re-import updates rather than duplicates.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from sqlmodel import Session, col, select

from survey.models import Answer, AnswerTag, Response, Site, Survey
from survey.services.integrity import counted
from survey.services.tagging import codebook_for

NAMESPACE = "urn:QDA-XML:project:1.0"
_ROOT = uuid.UUID("6c1f4f0e-6a53-4c8e-9e3b-7b7f6c0d9a11")


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(_ROOT, "/".join(str(p) for p in parts)))


def _q(tag: str) -> str:
    return f"{{{NAMESPACE}}}{tag}"


def _stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def project_xml(
    *, session: Session, site: Site, surveys: Sequence[Survey], locale: str
) -> tuple[bytes, dict[str, str]]:
    """``project.qde`` and the source files it points at (``{file name: text}``)."""
    ET.register_namespace("", NAMESPACE)
    now = _stamp(datetime.now(UTC))
    root = ET.Element(
        _q("Project"),
        {
            "name": f"Community Voice: {site.name}",
            "origin": "Community Voice",
            "creationDateTime": now,
        },
    )
    codebook = codebook_for(session=session, site=site)
    codes_element = ET.SubElement(ET.SubElement(root, _q("CodeBook")), _q("Codes"))
    code_guids: dict[str, str] = {}
    for theme in codebook.themes:
        code_guids[theme.key] = _guid("code", site.id, theme.key)
        code = ET.SubElement(
            codes_element,
            _q("Code"),
            {
                "guid": code_guids[theme.key],
                "name": codebook.label(theme.key, locale),
                "isCodable": "true",
            },
        )
        description = theme.description.get(locale) or theme.description.get("en")
        if description:
            ET.SubElement(code, _q("Description")).text = description
    ids = [s.id for s in surveys]
    slugs = {s.id: s.slug for s in surveys}
    rows = session.exec(
        select(Answer, Response.survey_id, Response.submitted_at)
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(
            col(Response.survey_id).in_(ids),
            col(Answer.text).is_not(None),
            col(Answer.text) != "",
            counted(),
        )
        .order_by(col(Answer.id))
    ).all()
    themes: dict[int, set[str]] = {}
    for answer_id, key in session.exec(
        select(AnswerTag.answer_id, AnswerTag.theme_key).where(
            col(AnswerTag.survey_id).in_(ids), col(AnswerTag.effective).is_(True)
        )
    ):
        themes.setdefault(answer_id, set()).add(key)
    files: dict[str, str] = {}
    sources = ET.SubElement(root, _q("Sources"))
    for answer, survey_id, submitted_at in rows:
        text = answer.text or ""
        guid = _guid("answer", answer.id)
        files[f"{guid}.txt"] = text
        source = ET.SubElement(
            sources,
            _q("TextSource"),
            {
                "guid": guid,
                "name": f"{slugs.get(survey_id, '')} #{answer.response_id} {answer.question_key} ({answer.lang or ''})",
                "plainTextPath": f"internal://{guid}.txt",
                "creationDateTime": _stamp(submitted_at),
            },
        )
        keys = sorted(k for k in themes.get(answer.id or 0, ()) if k in code_guids)
        if keys:
            selection = ET.SubElement(
                source,
                _q("PlainTextSelection"),
                {
                    "guid": _guid("selection", answer.id),
                    "name": answer.question_key,
                    "startPosition": "0",
                    "endPosition": str(len(text)),
                },
            )
            for key in keys:
                coding = ET.SubElement(
                    selection, _q("Coding"), {"guid": _guid("coding", answer.id, key)}
                )
                ET.SubElement(coding, _q("CodeRef"), {"targetGUID": code_guids[key]})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True), files


def project(*, session: Session, site: Site, surveys: Sequence[Survey], locale: str) -> bytes:
    xml, files = project_xml(session=session, site=site, surveys=surveys, locale=locale)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml)
        for name, text in files.items():
            archive.writestr(f"sources/{name}", text.encode("utf-8"))
    return buffer.getvalue()
