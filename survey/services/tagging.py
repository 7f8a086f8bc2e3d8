"""The one bridge between stored answers and the ``analysis`` library.

Open answers are tagged when they arrive (cheap and synchronous: the codebook, the site's accepted
learned model, language detection and sentiment), and again for a whole site after its codebook
or model changes. Automatic tags count until a person reviews the answer; from then on only the
reviewer's decisions do (see ``AnswerTag.effective``).
"""

from __future__ import annotations

import functools
import io
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from threading import Lock
from typing import Any

from sqlmodel import Session, col, delete, select

from analysis import codebook as codebooks
from analysis.codebook import Codebook, CodebookTagger
from analysis.combine import Analyzer, AnswerInput
from analysis.language import LangIdIdentifier
from analysis.learned import LearnedTagger
from analysis.sentiment import SentimentByLanguage
from survey import i18n
from survey.document import N_, Problem
from survey.models import (
    Answer,
    AnswerTag,
    Response,
    Site,
    SiteCodebook,
    Survey,
    TaggerModel,
    TagStatus,
)
from survey.services.errors import InvalidDocument

_CACHE: dict[tuple[Any, ...], Analyzer] = {}
_CODEBOOKS: dict[tuple[Any, ...], Codebook] = {}
_CACHE_LOCK = Lock()


# -- codebooks --------------------------------------------------------------------------------


def site_codebook(*, session: Session, site: Site) -> SiteCodebook | None:
    return session.exec(
        select(SiteCodebook)
        .where(SiteCodebook.site_id == site.id)
        .order_by(col(SiteCodebook.version).desc())
        .limit(1)
    ).first()


def codebook_for(*, session: Session, site: Site) -> Codebook:
    """The site's codebook, or the default one while the site has not edited it."""
    return _parsed(session, site_codebook(session=session, site=site))


def _parsed(session: Session, stored: SiteCodebook | None) -> Codebook:
    """A stored codebook read once per process: versions are never edited, only added."""
    if stored is None:
        return codebooks.load_default()
    key = _identity(session, stored)
    with _CACHE_LOCK:
        found = _CODEBOOKS.get(key)
    if found is None:
        found = Codebook.from_dict(stored.document, english_label=False)
        with _CACHE_LOCK:
            _CODEBOOKS[key] = found
    return found


#: what staff read for each problem with a keyword or phrase (its theme, the term, its language)
_TERM_MESSAGES = {
    "no_letters": N_(
        "In theme “%(theme)s”, the keyword or phrase “%(keyword)s” (%(language)s) has no letters "
        "to match."
    ),
    "star_placement": N_(
        "In theme “%(theme)s”, the keyword or phrase “%(keyword)s” (%(language)s) may use * only "
        "once, at the end of a word."
    ),
    "short_prefix": N_(
        "In theme “%(theme)s”, the keyword or phrase “%(keyword)s” (%(language)s) needs at least "
        "two letters before the *."
    ),
    "equals_placement": N_(
        "In theme “%(theme)s”, the keyword or phrase “%(keyword)s” (%(language)s) may use = only "
        "at the start."
    ),
    "term_too_long": N_(
        "In theme “%(theme)s”, the keyword or phrase “%(keyword)s” (%(language)s) is longer than "
        "%(limit)s characters."
    ),
}
_LABEL_CODES = {"label_missing", "label_needs_english", "label_needs_text"}


def codebook_problems(issues: Iterable[codebooks.Issue]) -> list[Problem]:
    """The codebook library's problems in words the staff interface translates."""
    problems = []
    for issue in issues:
        theme = issue.theme or ""
        if issue.code in _TERM_MESSAGES:
            lang = issue.lang or ""
            problems.append(
                Problem(
                    "codebook",
                    _TERM_MESSAGES[issue.code],
                    params={
                        "theme": theme,
                        "keyword": issue.term or "",
                        "language": i18n.LANGUAGES[lang].native_name
                        if lang in i18n.LANGUAGES
                        else lang,
                        "limit": issue.detail or "",
                    },
                )
            )
        elif issue.code in _LABEL_CODES:
            problems.append(
                Problem("codebook", N_("Theme “%(theme)s” needs a label."), params={"theme": theme})
            )
        elif issue.code == "duplicate_key":
            problems.append(
                Problem(
                    "codebook", N_("Two themes use the key “%(theme)s”."), params={"theme": theme}
                )
            )
        else:
            # Only a hand-made document gets here, never the theme form.
            problems.append(Problem("codebook", N_("%(problem)s"), params={"problem": issue.text}))
    return problems


def save_codebook(*, session: Session, site: Site, document: Mapping[str, Any]) -> SiteCodebook:
    """A new version of the site's codebook. A theme once used is retired, never removed."""
    issues = codebooks.check(document, english_label=False)
    if issues:
        raise InvalidDocument(codebook_problems(issues))
    current = codebook_for(session=session, site=site)
    kept = {theme["key"] for theme in document.get("themes", [])}
    missing = [t.key for t in current.themes if t.key not in kept]
    if missing:
        raise InvalidDocument(
            [
                Problem(
                    "codebook",
                    N_("retire a theme instead of removing it: %(keys)s"),
                    params={"keys": ", ".join(missing)},
                )
            ]
        )
    latest = site_codebook(session=session, site=site)
    stored = SiteCodebook(
        site_id=site.id,  # type: ignore[arg-type]
        version=(latest.version + 1) if latest else 1,
        document=dict(document),
    )
    session.add(stored)
    session.flush()
    return stored


# -- learned models ---------------------------------------------------------------------------


def accepted_model(*, session: Session, site: Site) -> TaggerModel | None:
    return session.exec(
        select(TaggerModel)
        .where(TaggerModel.site_id == site.id, col(TaggerModel.accepted).is_(True))
        .order_by(col(TaggerModel.id).desc())
        .limit(1)
    ).first()


def pack_model(tagger: LearnedTagger) -> bytes:
    """A saved model directory as zip bytes, so every app server reads the same model."""
    with tempfile.TemporaryDirectory() as folder:
        tagger.save(folder)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in Path(folder).iterdir():
                archive.write(path, path.name)
        return buffer.getvalue()


def unpack_model(data: bytes) -> LearnedTagger:
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                # Only the two files a model directory holds; nothing else is written.
                if name in ("model.json", "model.pkl"):
                    (Path(folder) / name).write_bytes(archive.read(name))
        return LearnedTagger.load(folder)


# -- the analyzer -----------------------------------------------------------------------------


def analyzer_for(*, session: Session, site: Site) -> Analyzer:
    """The site's analyzer, built once per codebook version and model (cached per process)."""
    stored = site_codebook(session=session, site=site)
    model = accepted_model(session=session, site=site)
    key = (site.id, _identity(session, stored), _identity(session, model))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    identifier, sentiment = _shared_parts()
    analyzer = Analyzer(
        codebook=CodebookTagger(_parsed(session, stored)),
        learned=unpack_model(model.archive) if model else None,
        identifier=identifier,
        sentiment=sentiment,
    )
    with _CACHE_LOCK:
        for old in [k for k in _CACHE if k[0] == key[0]]:
            del _CACHE[old]
        _CACHE[key] = analyzer
    return analyzer


def _identity(session: Session, row: SiteCodebook | TaggerModel | None) -> tuple[Any, ...]:
    """What tells one stored codebook or model from another, in any database: its id and when it
    was made (an emptied database hands out the same ids again), and the database itself."""
    if row is None:
        return ()
    return (str(session.get_bind().url), row.id, row.created_at)


@functools.cache
def _shared_parts() -> tuple[LangIdIdentifier, SentimentByLanguage]:
    """Language identification and sentiment hold no site data: load them once per process."""
    return LangIdIdentifier(), SentimentByLanguage()


def tag_answers(
    *,
    session: Session,
    site: Site,
    survey: Survey,
    answers: Sequence[Answer],
    locales: Mapping[int, str],
) -> None:
    """Tag open answers; ``locales`` maps a response id to the language the resident chose."""
    rows = [a for a in answers if a.text is not None]
    if not rows:
        return
    analyzer = analyzer_for(session=session, site=site)
    tagger = analyzer.codebook
    active = set(tagger.codebook.keys) if isinstance(tagger, CodebookTagger) else set()
    results = analyzer.analyze_many(
        [AnswerInput(str(a.id), a.text or "", locales.get(a.response_id)) for a in rows],
        candidates=list(survey.locales),
    )
    ids = [a.id for a in rows]
    session.exec(  # type: ignore[call-overload]
        delete(AnswerTag).where(
            col(AnswerTag.answer_id).in_(ids), AnswerTag.status == TagStatus.auto
        )
    )
    for answer, result in zip(rows, results, strict=True):
        answer.lang = result.lang
        answer.sentiment = result.sentiment
        session.add(answer)
        for tag in result.tags:
            if tag.theme not in active:
                continue
            session.add(
                AnswerTag(
                    answer_id=answer.id,  # type: ignore[arg-type]
                    response_id=answer.response_id,
                    survey_id=survey.id,  # type: ignore[arg-type]
                    site_id=site.id,  # type: ignore[arg-type]
                    theme_key=tag.theme,
                    score=tag.score,
                    source=tag.source,
                    status=TagStatus.auto,
                    effective=not answer.reviewed,
                    sentiment=result.sentiment,
                )
            )
    session.flush()


def retag(
    *,
    session: Session,
    site: Site,
    surveys: Iterable[Survey],
    batch: int = 500,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Tag every open answer of ``surveys`` again (after a codebook or model change)."""
    done = 0
    for survey in surveys:
        last_id = 0
        while True:
            rows = session.exec(
                select(Answer, Response.locale)
                .join(Response, col(Response.id) == col(Answer.response_id))
                .where(
                    Response.survey_id == survey.id,
                    col(Answer.text).is_not(None),
                    col(Answer.id) > last_id,
                )
                .order_by(col(Answer.id))
                .limit(batch)
            ).all()
            if not rows:
                break
            answers = [answer for answer, _locale in rows]
            tag_answers(
                session=session,
                site=site,
                survey=survey,
                answers=answers,
                locales={answer.response_id: locale for answer, locale in rows},
            )
            last_id = answers[-1].id or last_id
            done += len(answers)
            if progress is not None:
                progress(len(answers))
    return done


def open_answer_count(*, session: Session, surveys: Iterable[Survey]) -> int:
    from sqlalchemy import func

    ids = [s.id for s in surveys]
    return int(
        session.exec(
            select(func.count(col(Answer.id)))
            .join(Response, col(Response.id) == col(Answer.response_id))
            .where(col(Response.survey_id).in_(ids), col(Answer.text).is_not(None))
        ).one()
    )
