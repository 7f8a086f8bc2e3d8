"""Reviewing themes answer by answer, measuring how well automatic tags agree with people, and
training the site's learned tagger from what people decided.

A reviewer settles the full set of themes of an answer. From then on the answer's themes are the
latest reviewer's decision; automatic tags stay stored (marked not effective) so that agreement
can be measured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from analysis.active import Candidate, teaching_order
from analysis.learned import LearnedModelError, LearnedTagger, TrainingExample
from analysis.summary import wilson_interval
from survey.document import N_, Problem
from survey.languages import LOCALE_CODES
from survey.models import (
    Answer,
    AnswerTag,
    Response,
    Review,
    Site,
    Survey,
    TaggerModel,
    TagStatus,
    User,
    utcnow,
)
from survey.services import integrity, tagging
from survey.services.errors import InvalidDocument, NotFound

PAGE_SIZE = 20
#: reviewed answers with a theme before a candidate tagger learns (and is judged on) that theme
MIN_POSITIVES = 20
#: no queue has this many pages; a larger page number in the address shows the last ones
LAST_PAGE = 1_000_000


def clamp_page(page: int) -> int:
    """A page number the database can offset by (0 … ``LAST_PAGE``)."""
    return max(0, min(page, LAST_PAGE))


def check_new_theme_key(key: str, *, reserved: Iterable[str]) -> None:
    """Refuse a new theme key that is a word the codebook pages use in their addresses (such a
    theme could be created but never opened again)."""
    if key.strip().lower() in set(reserved):
        raise InvalidDocument([Problem("codebook", N_("that theme key is taken"))])


@dataclass(frozen=True)
class QueueItem:
    answer: Answer
    survey_slug: str
    tags: tuple[AnswerTag, ...]  #: what counts now
    proposed: tuple[AnswerTag, ...]  #: the automatic tags, reviewed or not


@dataclass(frozen=True)
class QueueFilter:
    theme: str | None = None
    lang: str | None = None
    source: str | None = None  #: codebook | learned | semantic | human
    max_score: float | None = None  #: only answers whose best automatic score is below this
    reviewed: bool | None = False  #: False: still to review; True: reviewed; None: all
    #: "newest" first, or "teach": what a review would teach the tagger most, first
    order: str = "newest"


#: how many of the newest matching answers the teaching order ranks (a page of a big queue
#: stays fast; reviewing them brings older ones in)
TEACH_POOL = 400


def answer_of_site(*, session: Session, site: Site, answer_id: int) -> Answer:
    row = session.exec(
        select(Answer)
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(Answer.id == answer_id, Response.site_id == site.id, col(Answer.text).is_not(None))
    ).first()
    if row is None:
        raise NotFound(str(answer_id))
    return row


def queue(
    *, session: Session, site: Site, filters: QueueFilter, page: int = 0
) -> tuple[list[QueueItem], int]:
    statement = (
        select(Answer, Survey.slug)
        .join(Response, col(Response.id) == col(Answer.response_id))
        .join(Survey, col(Survey.id) == col(Response.survey_id))
        .where(Response.site_id == site.id, col(Answer.text).is_not(None), col(Answer.text) != "")
        # answers staff left out are not worth a reviewer's time while they stay out
        .where(integrity.counted())
    )
    if filters.reviewed is not None:
        statement = statement.where(col(Answer.reviewed).is_(filters.reviewed))
    if filters.lang:
        statement = statement.where(Answer.lang == filters.lang)
    if filters.theme or filters.source or filters.max_score is not None:
        tagged = select(AnswerTag.answer_id).where(AnswerTag.site_id == site.id)
        if filters.theme:
            tagged = tagged.where(AnswerTag.theme_key == filters.theme)
        if filters.source:
            tagged = tagged.where(AnswerTag.source == filters.source)
        if filters.max_score is not None:
            tagged = tagged.where(
                col(AnswerTag.score) < filters.max_score, col(AnswerTag.reviewer_id).is_(None)
            )
        statement = statement.where(col(Answer.id).in_(tagged))
    total = int(session.exec(select(func.count()).select_from(statement.subquery())).one())
    newest = statement.order_by(col(Answer.id).desc())
    if filters.order == "teach":
        pool = list(session.exec(newest.limit(TEACH_POOL)).all())
        tags = _tags_of(session, [answer.id for answer, _slug in pool])
        ranked = _by_teaching_value(session, site, pool, tags)
        start = clamp_page(page) * PAGE_SIZE
        rows = ranked[start : start + PAGE_SIZE]
    else:
        rows = list(
            session.exec(newest.offset(clamp_page(page) * PAGE_SIZE).limit(PAGE_SIZE)).all()
        )
        tags = _tags_of(session, [answer.id for answer, _slug in rows])
    items = [
        QueueItem(
            answer=answer,
            survey_slug=slug,
            tags=tuple(t for t in tags.get(answer.id or 0, []) if t.effective),
            proposed=tuple(t for t in tags.get(answer.id or 0, []) if t.reviewer_id is None),
        )
        for answer, slug in rows
    ]
    return items, total


def answer_languages(*, session: Session, site: Site) -> list[str]:
    """The languages to filter the review queue by: the interface languages in their usual
    order, then any other the site's answers are in (a Swahili survey's answers)."""
    found = set(
        session.exec(
            select(Answer.lang)
            .distinct()
            .join(Response, col(Response.id) == col(Answer.response_id))
            .where(Response.site_id == site.id, col(Answer.lang).is_not(None))
        ).all()
    )
    return list(LOCALE_CODES) + sorted(
        str(code) for code in found if code and code not in LOCALE_CODES
    )


def _tags_of(session: Session, ids: Sequence[int | None]) -> dict[int, list[AnswerTag]]:
    tags: dict[int, list[AnswerTag]] = {}
    for tag in session.exec(select(AnswerTag).where(col(AnswerTag.answer_id).in_(ids))):
        tags.setdefault(tag.answer_id, []).append(tag)
    return tags


def _by_teaching_value(
    session: Session,
    site: Site,
    rows: Sequence[tuple[Answer, str]],
    tags: Mapping[int, Sequence[AnswerTag]],
) -> list[tuple[Answer, str]]:
    """``rows`` ordered by what reviewing each would teach the site's tagger
    (:mod:`analysis.active`): the learned tagger's uncertainty, codebook and learned tags that
    disagree, languages few answers were reviewed in, and themes few reviews carry."""
    learned = tagging.analyzer_for(session=session, site=site).learned
    texts = [answer.text or "" for answer, _slug in rows]
    scores = learned.probabilities(texts).tolist() if learned is not None and texts else []
    thresholds = list(learned.thresholds) if learned is not None else []
    reviewed: dict[str, int] = {}
    for lang, count in session.exec(
        select(Answer.lang, func.count(col(Answer.id)))
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(Response.site_id == site.id, col(Answer.reviewed).is_(True))
        .group_by(col(Answer.lang))
    ):
        reviewed[lang or ""] = int(count)
    by_theme = dict(
        session.exec(
            select(AnswerTag.theme_key, func.count(col(AnswerTag.id)))
            .where(
                AnswerTag.site_id == site.id,
                col(AnswerTag.effective).is_(True),
                col(AnswerTag.reviewer_id).is_not(None),
            )
            .group_by(col(AnswerTag.theme_key))
        ).all()
    )
    labels = learned.labels if learned is not None else ()
    candidates = []
    for i, (answer, _slug) in enumerate(rows):
        chances = dict(zip(labels, scores[i], strict=True)) if scores else {}
        for tag in tags.get(answer.id or 0, []):
            if tag.reviewer_id is None and tag.source == "codebook":
                chances[tag.theme_key] = max(chances.get(tag.theme_key, 0.0), 1.0)
        # Without a learned tagger there is nothing to disagree with the codebook.
        mine = [
            t for t in tags.get(answer.id or 0, []) if t.reviewer_id is None and learned is not None
        ]
        candidates.append(
            Candidate(
                id=str(i),
                lang=answer.lang or "",
                scores=scores[i] if scores else (),
                thresholds=thresholds if scores else (),
                codebook_themes=frozenset(t.theme_key for t in mine if t.source == "codebook"),
                model_themes=frozenset(t.theme_key for t in mine if t.source == "learned"),
                theme_chances=chances,
            )
        )
    ranked = teaching_order(candidates, reviewed, reviewed_by_theme=by_theme)
    return [rows[int(c.id)] for c in ranked]


def decide(
    *, session: Session, site: Site, answer: Answer, reviewer: User, themes: Iterable[str]
) -> None:
    """``reviewer`` says the answer carries exactly ``themes``."""
    chosen = set(themes)
    known = set(tagging.codebook_for(session=session, site=site).keys)
    unknown = chosen - known
    if unknown:
        raise InvalidDocument(
            [
                Problem(
                    "review",
                    N_("unknown theme: %(keys)s"),
                    params={"keys": ", ".join(sorted(unknown))},
                )
            ]
        )
    existing = list(session.exec(select(AnswerTag).where(AnswerTag.answer_id == answer.id)))
    for tag in existing:
        if tag.reviewer_id == reviewer.id:
            session.delete(tag)
    session.flush()
    response_id = answer.response_id
    survey_id = session.exec(select(Response.survey_id).where(Response.id == response_id)).one()
    automatic = {t.theme_key for t in existing if t.reviewer_id is None}
    for key in sorted(chosen | automatic):
        session.add(
            AnswerTag(
                answer_id=answer.id,  # type: ignore[arg-type]
                response_id=response_id,
                survey_id=survey_id,
                site_id=site.id,  # type: ignore[arg-type]
                theme_key=key,
                score=1.0,
                source="human",
                status=TagStatus.confirmed if key in chosen else TagStatus.rejected,
                reviewer_id=reviewer.id,
                effective=False,
                sentiment=answer.sentiment,
            )
        )
    mark = session.exec(
        select(Review).where(Review.answer_id == answer.id, Review.reviewer_id == reviewer.id)
    ).first()
    mark = mark or Review(answer_id=answer.id, reviewer_id=reviewer.id, site_id=site.id)  # type: ignore[arg-type]
    mark.reviewed_at = utcnow()
    session.add(mark)
    answer.reviewed = True
    session.add(answer)
    session.flush()
    _settle(session, answer, reviewer)


def _settle(session: Session, answer: Answer, latest: User) -> None:
    """Only the latest reviewer's confirmed themes count for the answer."""
    for tag in session.exec(select(AnswerTag).where(AnswerTag.answer_id == answer.id)):
        tag.effective = tag.reviewer_id == latest.id and tag.status == TagStatus.confirmed
        session.add(tag)
    session.flush()


# -- agreement ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeAgreement:
    key: str
    reviewed: int  #: answers people reviewed
    precision: float | None  #: of automatic tags, how many people kept
    recall: float | None  #: of people's themes, how many the tagger had found
    kappa: float | None  #: Cohen's kappa between two people who coded the same answers
    double_coded: int


def _decisions(
    session: Session, site: Site
) -> tuple[dict[int, set[str]], dict[int, dict[int, set[str]]]]:
    """Automatic themes of reviewed answers, and each reviewer's confirmed themes per answer."""
    automatic: dict[int, set[str]] = {}
    people: dict[int, dict[int, set[str]]] = {}
    reviewed = select(Review.answer_id).where(Review.site_id == site.id)
    for mark in session.exec(select(Review).where(Review.site_id == site.id)):
        people.setdefault(mark.answer_id, {})[mark.reviewer_id] = set()
    for tag in session.exec(select(AnswerTag).where(col(AnswerTag.answer_id).in_(reviewed))):
        if tag.reviewer_id is None:
            automatic.setdefault(tag.answer_id, set()).add(tag.theme_key)
        elif tag.status == TagStatus.confirmed:
            people.setdefault(tag.answer_id, {}).setdefault(tag.reviewer_id, set()).add(
                tag.theme_key
            )
    return automatic, people


def cohen_kappa(pairs: Sequence[tuple[bool, bool]]) -> float | None:
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(1 for a, b in pairs if a == b) / n
    yes_a = sum(1 for a, _ in pairs if a) / n
    yes_b = sum(1 for _, b in pairs if b) / n
    expected = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else None
    return (observed - expected) / (1 - expected)


def agreement(*, session: Session, site: Site) -> list[ThemeAgreement]:
    automatic, people = _decisions(session, site)
    keys = tagging.codebook_for(session=session, site=site).keys
    latest: dict[int, set[str]] = {}
    for answer_id, by_reviewer in people.items():
        # The reviewer with the highest id stands for "the latest" well enough for agreement.
        latest[answer_id] = by_reviewer[max(by_reviewer)]
    double = {a: r for a, r in people.items() if len(r) >= 2}
    result = []
    for key in keys:
        tp = sum(
            1 for a, themes in latest.items() if key in themes and key in automatic.get(a, set())
        )
        fp = sum(
            1
            for a, themes in latest.items()
            if key not in themes and key in automatic.get(a, set())
        )
        fn = sum(
            1
            for a, themes in latest.items()
            if key in themes and key not in automatic.get(a, set())
        )
        pairs = []
        for by_reviewer in double.values():
            first, second = sorted(by_reviewer)[:2]
            pairs.append((key in by_reviewer[first], key in by_reviewer[second]))
        result.append(
            ThemeAgreement(
                key=key,
                reviewed=len(latest),
                precision=tp / (tp + fp) if tp + fp else None,
                recall=tp / (tp + fn) if tp + fn else None,
                kappa=cohen_kappa(pairs) if pairs else None,
                double_coded=len(pairs),
            )
        )
    return result


# -- training -------------------------------------------------------------------------------------


def training_examples(*, session: Session, site: Site) -> list[TrainingExample]:
    _automatic, people = _decisions(session, site)
    texts = dict(
        session.exec(select(Answer.id, Answer.text).where(col(Answer.id).in_(list(people)))).all()
    )
    langs = dict(
        session.exec(select(Answer.id, Answer.lang).where(col(Answer.id).in_(list(people)))).all()
    )
    return [
        TrainingExample(
            text=texts.get(answer_id) or "",
            themes=tuple(sorted(by[max(by)])),
            lang=langs.get(answer_id) or "en",
        )
        for answer_id, by in people.items()
        if texts.get(answer_id)
    ]


def training_problem(error: LearnedModelError) -> Problem:
    """What went wrong with training, in words the staff interface translates."""
    if error.code == "too_few_answers":
        return Problem(
            "review",
            N_("Review at least %(needed)s answers before retraining (there are %(count)s)."),
            params={"needed": error.needed, "count": error.count},
        )
    if error.code == "too_few_positives":
        return Problem(
            "review",
            N_(
                "No theme has %(needed)s or more reviewed answers yet: a new tagger would be "
                "judged on too few examples."
            ),
            params={"needed": error.needed},
        )
    return Problem(
        "review", N_("The tagger could not be trained from the reviewed answers. Try again later.")
    )


@dataclass(frozen=True)
class ThemeReadiness:
    key: str
    positives: int  #: reviewed answers that carry the theme
    needed: int

    @property
    def ready(self) -> bool:
        return self.positives >= self.needed


def readiness(*, session: Session, site: Site, needed: int = MIN_POSITIVES) -> list[ThemeReadiness]:
    """Per theme of the codebook: how many reviewed answers carry it, against the threshold."""
    counts: dict[str, int] = {}
    for example in training_examples(session=session, site=site):
        for key in set(example.themes):
            counts[key] = counts.get(key, 0) + 1
    keys = tagging.codebook_for(session=session, site=site).keys
    return [ThemeReadiness(key, counts.get(key, 0), needed) for key in keys]


def train_candidate(*, session: Session, site: Site, needed: int = MIN_POSITIVES) -> TaggerModel:
    """Fit a learned tagger on reviewed answers; kept aside until staff accept it. Only themes
    with ``needed`` reviewed answers are learned: fewer cannot be judged (a theme with five
    examples scores 100 % or 0 % by luck)."""
    examples = training_examples(session=session, site=site)
    try:
        tagger = LearnedTagger(seed=0).fit(examples, min_positives=needed)
    except LearnedModelError as exc:
        raise InvalidDocument([training_problem(exc)]) from exc
    report = dict(tagger.describe().get("training") or {})
    report["needed"] = needed
    report["positives"] = {
        r.key: r.positives for r in readiness(session=session, site=site, needed=needed)
    }
    model = TaggerModel(
        site_id=site.id,  # type: ignore[arg-type]
        archive=tagging.pack_model(tagger),
        metrics=report,
        accepted=False,
    )
    session.add(model)
    session.flush()
    return model


@dataclass(frozen=True)
class ThemeFigures:
    """A candidate's out-of-fold figures for one theme, each with a 95 % interval."""

    key: str
    positives: int
    precision: tuple[float, float, float]  #: value, low, high
    recall: tuple[float, float, float]
    f1: tuple[float, float, float]


def figures(metrics: Mapping[str, object]) -> dict[str, ThemeFigures]:
    """Precision, recall and F1 with Wilson intervals, from the counts behind them (recall is of
    the theme's reviewed answers; precision of the answers the tagger gave it; F1 = 2TP / (2TP +
    FP + FN), its interval approximated the same way)."""
    found: dict[str, ThemeFigures] = {}
    labels = metrics.get("labels") or []
    for m in labels if isinstance(labels, list) else []:
        positives = int(m["positives"])
        hits = round(float(m["recall"]) * positives)
        given = round(hits / float(m["precision"])) if float(m["precision"]) > 0 else 0
        misses, wrong = positives - hits, max(0, given - hits)
        found[str(m["label"])] = ThemeFigures(
            key=str(m["label"]),
            positives=positives,
            precision=(float(m["precision"]), *wilson_interval(hits, given)),
            recall=(float(m["recall"]), *wilson_interval(hits, positives)),
            f1=(float(m["f1"]), *wilson_interval(2 * hits, 2 * hits + wrong + misses)),
        )
    return found


def candidate(*, session: Session, site: Site, model_id: int) -> TaggerModel:
    model = session.get(TaggerModel, model_id)
    if model is None or model.site_id != site.id:
        raise NotFound(str(model_id))
    return model


def accept(*, session: Session, site: Site, model: TaggerModel) -> None:
    """Switch the site to ``model``. Its answers are then tagged again by a job (the caller
    starts it), since a large site takes longer than a page may."""
    for other in session.exec(select(TaggerModel).where(TaggerModel.site_id == site.id)):
        other.accepted = other.id == model.id
        session.add(other)
    session.flush()


def per_theme_f1(metrics: Mapping[str, object]) -> dict[str, float]:
    labels = metrics.get("labels")
    rows = labels if isinstance(labels, list) else []
    return {str(m["label"]): float(m["f1"]) for m in rows if isinstance(m, dict)}
