"""The one bridge between stored answers and the ``analysis`` library.

Open answers are tagged in a job soon after they arrive (the codebook, the site's accepted learned
model, language detection and sentiment; see ``survey.queue``), never inside the resident's Send:
until then an answer's ``tagged_at`` is null and pages say it is being read. Any worker finds such
answers (:func:`tag_pending`), so an answer whose job was lost is tagged by the next one. A whole
site is tagged again after its codebook or model changes (:func:`retag`). Automatic tags count until a person reviews the answer; from then on only the
reviewer's decisions do (see ``AnswerTag.effective``).
"""

from __future__ import annotations

import functools
import io
import logging
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from threading import Lock
from typing import Any

from sqlalchemy import bindparam, func, insert, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, delete, select

from analysis import codebook as codebooks
from analysis.codebook import Codebook, CodebookTagger
from analysis.combine import Analyzer, AnswerInput
from analysis.language import LangIdIdentifier
from analysis.learned import LearnedTagger
from analysis.sentiment import SentimentByLanguage
from survey import languages
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
    utcnow,
)
from survey.services.errors import InvalidDocument

logger = logging.getLogger(__name__)

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
                        "language": languages.language_name(lang),
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
    return (str(session.get_bind().engine.url), row.id, row.created_at)


def warm_up() -> None:
    """Load language identification, sentiment and the default codebook now (seconds), and tag
    one text, so that a worker's first job does not wait for them."""
    identifier, sentiment = _shared_parts()
    analyzer = Analyzer(
        codebook=CodebookTagger(codebooks.load_default()),
        learned=None,
        identifier=identifier,
        sentiment=sentiment,
    )
    analyzer.analyze_many([AnswerInput("warm-up", "Safer streets and cheaper rent", "en")])


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
    read = _read(session, site, survey, answers, locales)
    if read is not None:
        _store(session, site, survey, read)


_Read = tuple[list[Answer], list[Any], set[str]]


def _read(
    session: Session,
    site: Site,
    survey: Survey,
    answers: Sequence[Answer],
    locales: Mapping[int, str],
) -> _Read | None:
    """What the tagger finds in the open answers (the slow part; writes nothing)."""
    rows = [a for a in answers if a.text is not None]
    if not rows:
        return None
    analyzer = analyzer_for(session=session, site=site)
    tagger = analyzer.codebook
    active = set(tagger.codebook.keys) if isinstance(tagger, CodebookTagger) else set()
    results = analyzer.analyze_many(
        [AnswerInput(str(a.id), a.text or "", locales.get(a.response_id)) for a in rows],
        candidates=list(survey.locales),
    )
    return rows, list(results), active


def _store(session: Session, site: Site, survey: Survey, read: _Read) -> None:
    """Replace the answers' automatic tags with what :func:`_read` found.

    Written in bulk (one UPDATE and one INSERT for the batch): building an ORM object per tag
    took half the time of tagging a site again.
    """
    rows, results, active = read
    ids = [a.id for a in rows]
    session.exec(
        delete(AnswerTag).where(
            col(AnswerTag.answer_id).in_(ids), col(AnswerTag.status) == TagStatus.auto
        )
    )
    now = utcnow()
    changes: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    for answer, result in zip(rows, results, strict=True):
        changes.append(
            {"b_id": answer.id, "b_lang": result.lang, "b_sentiment": result.sentiment, "b_at": now}
        )
        # The objects the caller holds show what was stored, without being written twice.
        set_committed_value(answer, "lang", result.lang)
        set_committed_value(answer, "sentiment", result.sentiment)
        set_committed_value(answer, "tagged_at", now)
        tags.extend(
            {
                "answer_id": answer.id,
                "response_id": answer.response_id,
                "survey_id": survey.id,
                "site_id": site.id,
                "theme_key": tag.theme,
                "score": tag.score,
                "source": tag.source,
                "status": TagStatus.auto,
                "reviewer_id": None,
                "effective": not answer.reviewed,
                "sentiment": result.sentiment,
                "created_at": now,
            }
            for tag in result.tags
            if tag.theme in active
        )
    session.flush()  # anything the caller changed goes first
    connection = session.connection()
    connection.execute(_UPDATE_READ, changes)
    if tags:
        connection.execute(insert(AnswerTag), tags)


_UPDATE_READ = (
    update(Answer)
    .where(col(Answer.id) == bindparam("b_id"))
    .values(
        lang=bindparam("b_lang"), sentiment=bindparam("b_sentiment"), tagged_at=bindparam("b_at")
    )
)


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
                # Waits for a job tagging one of these new answers, so that its tags are
                # replaced rather than doubled (PostgreSQL; SQLite writes one at a time).
                .with_for_update(of=Answer)
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


def tag_pending(*, session: Session, limit: int = 500) -> int:
    """Tag up to ``limit`` open answers nobody has read yet, of any site; how many were taken.

    The answers are read first (the slow part, which on SQLite holds no lock), then claimed:
    ``tagged_at`` is set in this transaction where it is still null, and only the claimed answers
    get tags. So two workers never tag the same answer (on PostgreSQL, rows another worker holds
    are skipped), and a worker that dies before its commit leaves its answers untagged for the
    next one. An answer the tagger fails on is logged and marked read without themes, so that it
    cannot hold up the others.
    """
    rows = session.exec(
        select(Answer, Response.locale, Response.survey_id)
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(col(Answer.tagged_at).is_(None), col(Answer.text).is_not(None))
        .order_by(col(Answer.id))
        .limit(limit)
        .with_for_update(of=Answer, skip_locked=True)
    ).all()
    if not rows:
        return 0
    by_survey: dict[int, list[tuple[Answer, str]]] = {}
    for answer, locale, survey_id in rows:
        by_survey.setdefault(survey_id, []).append((answer, locale))
    found: list[tuple[Site, Survey, _Read]] = []
    for survey_id, pairs in by_survey.items():
        survey = session.get(Survey, survey_id)
        site = session.get(Site, survey.site_id) if survey is not None else None
        if survey is not None and site is not None:
            found.extend(
                (site, survey, read) for read in _read_or_skip(session, site, survey, pairs)
            )
    claimed = set(
        session.connection()
        .execute(
            update(Answer)
            .where(
                col(Answer.id).in_([a.id for a, _l, _s in rows]), col(Answer.tagged_at).is_(None)
            )
            .values(tagged_at=utcnow())
            .returning(col(Answer.id))
        )
        .scalars()
    )
    for site, survey, (answers, results, active) in found:
        kept = [(a, r) for a, r in zip(answers, results, strict=True) if a.id in claimed]
        if kept:
            read = ([a for a, _r in kept], [r for _a, r in kept], active)
            _store(session, site, survey, read)
    return len(claimed)


def _read_or_skip(
    session: Session, site: Site, survey: Survey, pairs: Sequence[tuple[Answer, str]]
) -> list[_Read]:
    """Read ``pairs`` together; if the tagger fails, one by one, leaving out any it fails on."""
    locales = {answer.response_id: locale for answer, locale in pairs}
    try:
        read = _read(session, site, survey, [a for a, _locale in pairs], locales)
        return [read] if read is not None else []
    except Exception:
        if len(pairs) == 1:
            logger.exception(
                "the tagger failed on answer %s; it stays without themes", pairs[0][0].id
            )
            return []
    return [r for pair in pairs for r in _read_or_skip(session, site, survey, [pair])]


def untagged_count(*, session: Session, surveys: Iterable[Survey]) -> int:
    """Open answers of ``surveys`` still being read."""
    ids = [s.id for s in surveys]
    return int(
        session.exec(
            select(func.count(col(Answer.id)))
            .join(Response, col(Response.id) == col(Answer.response_id))
            .where(
                col(Response.survey_id).in_(ids),
                col(Answer.text).is_not(None),
                col(Answer.tagged_at).is_(None),
            )
        ).one()
    )


def open_answer_count(*, session: Session, surveys: Iterable[Survey]) -> int:
    ids = [s.id for s in surveys]
    return int(
        session.exec(
            select(func.count(col(Answer.id)))
            .join(Response, col(Response.id) == col(Answer.response_id))
            .where(col(Response.survey_id).in_(ids), col(Answer.text).is_not(None))
        ).one()
    )
