"""Theme summaries a site can act on: shares, sentiment, quotes, change, and breakdowns by group.

Everything here is a pure function of plain inputs — a sequence of :class:`Answer` values or of
mappings with the same keys (database rows) — and returns frozen dataclasses, so the web app, the CLI
and a notebook compute the same numbers.

Privacy: a breakdown by group never shows a group smaller than ``k`` (default 10, never below 5), and
hides more cells where the shown totals would give a hidden one away (complementary suppression).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.redact import Redactor

Z_95 = 1.959963984540054
DEFAULT_K = 10
MIN_K = 5
#: The group of an answer whose resident did not say (or chose "prefer not to say"): it is a group
#: like any other, so it is suppressed like any other.
NOT_STATED = "(not stated)"


@dataclass(frozen=True)
class Answer:
    id: str
    text: str
    lang: str
    themes: tuple[str, ...] = ()
    sentiment: float | None = None
    group: str | None = None


AnswerLike = Answer | Mapping[str, Any]


def as_answer(row: AnswerLike) -> Answer:
    """An :class:`Answer` from a mapping with keys ``id, text, lang, themes, sentiment, group``."""
    if isinstance(row, Answer):
        return row
    sentiment = row.get("sentiment")
    group = row.get("group")
    return Answer(
        id=str(row["id"]),
        text=str(row.get("text") or ""),
        lang=str(row.get("lang") or "en"),
        themes=tuple(str(t) for t in (row.get("themes") or ())),
        sentiment=None if sentiment is None else float(sentiment),
        group=None if group is None else str(group),
    )


def _answers(rows: Iterable[AnswerLike]) -> list[Answer]:
    return [as_answer(r) for r in rows]


# --- proportions -------------------------------------------------------------------------------


def wilson_interval(successes: int, n: int, *, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion; well behaved at 0, 1 and small ``n``."""
    if n <= 0:
        return (0.0, 1.0)
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within 0..{n}, got {successes}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class ThemeShare:
    theme: str
    count: int  #: answers tagged with the theme
    n: int  #: answers considered
    share: float
    low: float  #: Wilson 95 % interval
    high: float
    sentiment: float | None  #: mean polarity of its answers that have one; ``None`` if none do
    sentiment_n: int  #: how many answers the mean is over


def theme_shares(
    answers: Iterable[AnswerLike], *, themes: Sequence[str] | None = None
) -> tuple[ThemeShare, ...]:
    """Count and share of answers per theme, most frequent first (ties by key).

    ``themes`` lists keys to report even at zero count (a codebook's themes); by default the themes
    seen in the answers.
    """
    rows = _answers(answers)
    counts: Counter[str] = Counter()
    polarity: defaultdict[str, list[float]] = defaultdict(list)
    for answer in rows:
        for theme in set(answer.themes):
            counts[theme] += 1
            if answer.sentiment is not None:
                polarity[theme].append(answer.sentiment)
    keys = list(themes) if themes is not None else list(counts)
    n = len(rows)
    shares = []
    for theme in keys:
        count = counts[theme]
        low, high = wilson_interval(count, n)
        values = polarity.get(theme, [])
        shares.append(
            ThemeShare(
                theme=theme,
                count=count,
                n=n,
                share=count / n if n else 0.0,
                low=low,
                high=high,
                sentiment=sum(values) / len(values) if values else None,
                sentiment_n=len(values),
            )
        )
    return tuple(sorted(shares, key=lambda s: (-s.count, s.theme)))


# --- change between rounds -------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeChange:
    theme: str
    before_count: int
    before_n: int
    after_count: int
    after_n: int
    difference: float  #: share after minus share before
    z: float | None  #: two-proportion z statistic (pooled); ``None`` when it is undefined
    p_value: float | None  #: two-sided
    significant: bool  #: ``p_value < alpha``


def two_proportion_z_test(
    successes_a: int, n_a: int, successes_b: int, n_b: int
) -> tuple[float | None, float | None]:
    """Pooled two-proportion z-test of ``b`` against ``a``; ``(None, None)`` when undefined."""
    if n_a <= 0 or n_b <= 0:
        return (None, None)
    pooled = (successes_a + successes_b) / (n_a + n_b)
    variance = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if variance <= 0:
        # Both rounds 0 % (or both 100 %): no change, nothing to test.
        return (0.0, 1.0)
    z = (successes_b / n_b - successes_a / n_a) / math.sqrt(variance)
    return (z, math.erfc(abs(z) / math.sqrt(2)))


def compare_rounds(
    before: Iterable[AnswerLike],
    after: Iterable[AnswerLike],
    *,
    themes: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> tuple[ThemeChange, ...]:
    """How each theme's share moved from one round to the next, largest moves first."""
    rows_before, rows_after = _answers(before), _answers(after)
    shares_before = {s.theme: s.count for s in theme_shares(rows_before, themes=themes)}
    shares_after = {s.theme: s.count for s in theme_shares(rows_after, themes=themes)}
    keys = list(themes) if themes is not None else sorted(set(shares_before) | set(shares_after))
    return compare_counts(
        shares_before, len(rows_before), shares_after, len(rows_after), themes=keys, alpha=alpha
    )


def compare_counts(
    before: Mapping[str, int],
    before_n: int,
    after: Mapping[str, int],
    after_n: int,
    *,
    themes: Sequence[str],
    alpha: float = 0.05,
) -> tuple[ThemeChange, ...]:
    """:func:`compare_rounds` from counts already made: answers per theme out of ``n`` a round."""
    changes = []
    for theme in themes:
        count_before, count_after = int(before.get(theme, 0)), int(after.get(theme, 0))
        z, p = two_proportion_z_test(count_before, before_n, count_after, after_n)
        difference = (count_after / after_n if after_n else 0.0) - (
            count_before / before_n if before_n else 0.0
        )
        changes.append(
            ThemeChange(
                theme=theme,
                before_count=count_before,
                before_n=before_n,
                after_count=count_after,
                after_n=after_n,
                difference=difference,
                z=z,
                p_value=p,
                significant=p is not None and p < alpha,
            )
        )
    return tuple(sorted(changes, key=lambda c: (-abs(c.difference), c.theme)))


# --- breakdown by group with suppression ----------------------------------------------------------


def check_threshold(k: int) -> int:
    if k < MIN_K:
        raise ValueError(f"the small-group threshold k must be at least {MIN_K}, got {k}")
    return k


@dataclass(frozen=True)
class GroupCell:
    """One group's row; every number is ``None`` when the row is suppressed."""

    group: str
    n: int | None
    counts: Mapping[str, int] | None  #: theme → answers in the group tagged with it
    suppressed: bool


@dataclass(frozen=True)
class Breakdown:
    themes: tuple[str, ...]
    groups: tuple[GroupCell, ...]  #: in the order the groups were first seen, then by name
    total_n: int | None  #: ``None`` when showing it would reveal a hidden group
    total_counts: Mapping[str, int | None]  #: a theme's total is ``None`` where it would reveal
    k: int


def suppress_small_groups(
    sizes: Mapping[str, int], *, k: int = DEFAULT_K
) -> tuple[frozenset[str], bool]:
    """Which groups to hide so that no group under ``k`` can be seen or worked out from the total.

    Returns the hidden groups and whether the overall total can be shown. Primary suppression hides
    groups under ``k``; complementary suppression then hides the next-smallest groups until the
    hidden ones cannot be told apart from their sum (at least two, and not all of size one), or hides
    the total when no group is left to hide.
    """
    check_threshold(k)
    hidden = {g for g, n in sizes.items() if n < k}
    by_size = sorted((n, g) for g, n in sizes.items() if g not in hidden)
    while hidden and (len(hidden) < 2 or sum(sizes[g] for g in hidden) <= len(hidden)):
        if not by_size:
            return frozenset(hidden), False
        hidden.add(by_size.pop(0)[1])
    return frozenset(hidden), True


def breakdown_by_group(
    answers: Iterable[AnswerLike],
    *,
    themes: Sequence[str],
    k: int = DEFAULT_K,
    group_of: Mapping[str, str | None] | None = None,
) -> Breakdown:
    """Theme counts per group with small-cell and complementary suppression.

    The group of an answer is ``answer.group`` or, when ``group_of`` is given, ``group_of[id]``.
    A theme total is hidden as well when it would tell every hidden group's count for that theme
    (all or none of the hidden answers carry it).
    """
    check_threshold(k)
    rows = _answers(answers)
    sizes: dict[str, int] = {}
    counts: dict[str, Counter[str]] = {}
    wanted = set(themes)
    for answer in rows:
        raw = group_of.get(answer.id) if group_of is not None else answer.group
        group = raw if raw else NOT_STATED
        sizes[group] = sizes.get(group, 0) + 1
        bucket = counts.setdefault(group, Counter())
        for theme in set(answer.themes) & wanted:
            bucket[theme] += 1
    return breakdown_from_counts(sizes, counts, themes=themes, k=k, total=len(rows))


def breakdown_from_counts(
    sizes: Mapping[str, int],
    counts: Mapping[str, Mapping[str, int]],
    *,
    themes: Sequence[str],
    k: int = DEFAULT_K,
    total: int | None = None,
) -> Breakdown:
    """:func:`breakdown_by_group` from counts already made (by a database, say).

    ``sizes`` maps a group to its answers; ``counts`` a group to theme counts; ``total`` is the
    number of answers overall (the sum of ``sizes`` when groups do not overlap).
    """
    check_threshold(k)
    hidden, total_shown = suppress_small_groups(sizes, k=k)
    cells = tuple(
        GroupCell(group=g, n=None, counts=None, suppressed=True)
        if g in hidden
        else GroupCell(
            group=g,
            n=sizes[g],
            counts={t: int(counts.get(g, {}).get(t, 0)) for t in themes},
            suppressed=False,
        )
        for g in sizes
    )
    hidden_n = sum(sizes[g] for g in hidden)
    total_counts: dict[str, int | None] = {}
    for theme in themes:
        theme_total = sum(int(c.get(theme, 0)) for c in counts.values())
        hidden_count = sum(int(counts.get(g, {}).get(theme, 0)) for g in hidden)
        reveals = bool(hidden) and hidden_count in (0, hidden_n)
        total_counts[theme] = theme_total if total_shown and not reveals else None
    overall = total if total is not None else sum(sizes.values())
    return Breakdown(
        themes=tuple(themes),
        groups=cells,
        total_n=overall if total_shown else None,
        total_counts=total_counts,
        k=k,
    )


# --- representative quotes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    answer_id: str
    text: str  #: redacted, in the language the resident wrote
    lang: str
    centrality: float  #: cosine similarity to the theme's centroid, 0..1


def representative_quotes(
    answers: Iterable[AnswerLike],
    theme: str,
    *,
    limit: int = 3,
    redactor: Redactor | None = None,
    k: int = DEFAULT_K,
    max_chars: int = 400,
) -> tuple[Quote, ...]:
    """The answers nearest the theme's centre, redacted, excluding groups smaller than ``k``.

    Centrality is measured in character n-gram TF-IDF space, which works for every language without
    a tokeniser; near-duplicates of an already chosen quote are skipped so that the quotes differ.
    """
    check_threshold(k)
    everyone = _answers(answers)
    rows = [a for a in everyone if theme in a.themes and a.text.strip()]
    if any(a.group for a in everyone):
        # A quote from a small group can identify its author, whatever the group's total shows.
        group_sizes = Counter(a.group or NOT_STATED for a in everyone)
        rows = [a for a in rows if group_sizes[a.group or NOT_STATED] >= k]
    if not rows:
        return ()
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
    matrix = vectoriser.fit_transform([a.text for a in rows])
    centroid = matrix.mean(axis=0).A1
    norm = math.sqrt(float(centroid @ centroid)) or 1.0
    similarity = matrix @ (centroid / norm)
    order = sorted(range(len(rows)), key=lambda i: (-float(similarity[i]), rows[i].id))
    chosen: list[int] = []
    for i in order:
        if len(chosen) >= limit:
            break
        if any(float(matrix[i].multiply(matrix[j]).sum()) > 0.9 for j in chosen):
            continue
        chosen.append(i)
    scrub = redactor or Redactor()
    quotes = []
    for i in chosen:
        text = scrub(rows[i].text.strip())
        if len(text) > max_chars:
            text = text[: max_chars - 1].rstrip() + "…"
        quotes.append(Quote(rows[i].id, text, rows[i].lang, float(similarity[i])))
    return tuple(quotes)
