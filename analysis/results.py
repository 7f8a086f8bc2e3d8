"""Results of closed questions: counts and shares of options, ratings and numbers, change between
rounds — all from *tallies* (value → how many people gave it), so that a database can do the
counting and a notebook can pass a :class:`collections.Counter`.

Privacy, as everywhere in ``analysis``: a question answered by fewer than ``k`` people shows no
figure at all; an option (or histogram bin) chosen by 1 … k-1 people is hidden, and where the
options add up to a shown total another one is hidden too so that the first cannot be worked out
by subtraction (:func:`analysis.summary.suppress_small_groups`). Zero stays visible: it names no
one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from analysis.summary import (
    Z_95,
    check_threshold,
    suppress_small_groups,
    two_proportion_z_test,
    wilson_interval,
)


@dataclass(frozen=True)
class OptionShare:
    """One option's people. Every figure is ``None`` when the option is hidden."""

    code: str
    count: int | None
    share: float | None  #: of the people who answered the question
    low: float | None  #: Wilson 95 % interval
    high: float | None
    suppressed: bool = False


@dataclass(frozen=True)
class Bin:
    """A histogram bar: values ``low <= v < high`` (the last bar includes ``high``)."""

    low: float
    high: float
    count: int | None  #: ``None`` when hidden
    suppressed: bool = False


@dataclass(frozen=True)
class NumberStats:
    mean: float
    mean_low: float  #: normal-approximation 95 % interval of the mean
    mean_high: float
    median: float
    median_low: float  #: distribution-free 95 % interval (order statistics)
    median_high: float
    q1: float
    q3: float
    bins: tuple[Bin, ...] = ()


@dataclass(frozen=True)
class OptionChange:
    code: str
    before: float  #: share in the previous round
    after: float
    p_value: float | None  #: two-proportion z-test, two-sided
    significant: bool


@dataclass(frozen=True)
class ValueChange:
    before_mean: float
    after_mean: float
    before_median: float
    after_median: float
    p_value: float | None  #: Mann-Whitney U (normal approximation with ties), two-sided
    significant: bool


@dataclass(frozen=True)
class QuestionResult:
    """A question's result. ``suppressed``: fewer than ``k`` people answered, nothing is shown."""

    key: str
    kind: str
    n: int | None  #: people who answered (``None`` when suppressed)
    suppressed: bool
    k: int
    options: tuple[OptionShare, ...] = ()  #: choice and rating: one per option or scale point
    apart: OptionShare | None = None  #: "prefer not to say", shown apart from the options
    multiple: bool = False  #: shares are of respondents and may add to more than 100 %
    stats: NumberStats | None = None  #: rating and number
    option_changes: tuple[OptionChange, ...] = ()
    value_change: ValueChange | None = None


def answered(tally: Mapping[Any, int]) -> int:
    return sum(int(v) for v in tally.values())


def _share(code: str, count: int, n: int, hidden: bool) -> OptionShare:
    if hidden:
        return OptionShare(code, None, None, None, None, suppressed=True)
    low, high = wilson_interval(count, n)
    return OptionShare(code, count, count / n if n else 0.0, low, high)


def hidden_cells(counts: Mapping[str, int], *, k: int, adds_up: bool) -> frozenset[str]:
    """Cells to hide: 1 … k-1 people, plus complementary cells where the cells add up to a shown
    total (one answer per person). Zero cells are never hidden and never hide another."""
    check_threshold(k)
    present = {code: c for code, c in counts.items() if c > 0}
    if not adds_up:
        return frozenset(code for code, c in present.items() if c < k)
    hidden, _total_shown = suppress_small_groups(present, k=k)
    return hidden


def choice_result(
    key: str,
    kind: str,
    counts: Mapping[str, int],
    n: int,
    *,
    codes: Sequence[str],
    k: int,
    apart: str | None = None,
    multiple: bool = False,
) -> QuestionResult:
    """Counts and shares per option code (``codes`` in the question's order; codes no longer
    offered but found in answers come after). ``n`` is the number of people who answered: for a
    multiple-choice question the shares are of people, so they may add to more than 100 %."""
    check_threshold(k)
    if n < k:
        return QuestionResult(key, kind, None, True, k, multiple=multiple)
    order = [c for c in codes if c != apart]
    order += sorted(c for c in counts if c not in order and c != apart)
    cells = {c: int(counts.get(c, 0)) for c in order}
    if apart is not None:
        cells[apart] = int(counts.get(apart, 0))
    hidden = hidden_cells(cells, k=k, adds_up=not multiple)
    return QuestionResult(
        key,
        kind,
        n,
        False,
        k,
        options=tuple(_share(c, cells[c], n, c in hidden) for c in order),
        apart=None if apart is None else _share(apart, cells[apart], n, apart in hidden),
        multiple=multiple,
    )


# --- numbers ---------------------------------------------------------------------------------


def _sorted_tally(tally: Mapping[float, int]) -> list[tuple[float, int]]:
    return sorted((float(v), int(c)) for v, c in tally.items() if c > 0)


def _at_rank(items: Sequence[tuple[float, int]], rank: int) -> float:
    """The value at 1-based ``rank`` in the sorted values a tally stands for."""
    seen = 0
    for value, count in items:
        seen += count
        if seen >= rank:
            return value
    return items[-1][0]


def quantile(tally: Mapping[float, int], q: float) -> float:
    """Linear-interpolated quantile (as numpy's default) of the values a tally stands for."""
    items = _sorted_tally(tally)
    n = sum(c for _v, c in items)
    if n == 0:
        raise ValueError("no values")
    position = q * (n - 1)
    lower = math.floor(position)
    below, above = _at_rank(items, lower + 1), _at_rank(items, min(n, lower + 2))
    return below + (above - below) * (position - lower)


def number_stats(
    tally: Mapping[float, int], *, k: int, bins: Sequence[tuple[float, float]] | None = None
) -> NumberStats:
    """Mean, median and quartiles with intervals, and a histogram whose small bars are hidden."""
    items = _sorted_tally(tally)
    n = sum(c for _v, c in items)
    if n == 0:
        raise ValueError("no values")
    mean = sum(v * c for v, c in items) / n
    variance = sum(c * (v - mean) ** 2 for v, c in items) / (n - 1) if n > 1 else 0.0
    half = Z_95 * math.sqrt(variance / n)
    # Order-statistic interval of the median: ranks n/2 ± z·√n/2 (Conover).
    spread = Z_95 * math.sqrt(n) / 2
    low_rank = max(1, math.floor(n / 2 - spread))
    high_rank = min(n, math.ceil(n / 2 + 1 + spread))
    return NumberStats(
        mean=mean,
        mean_low=mean - half,
        mean_high=mean + half,
        median=quantile(tally, 0.5),
        median_low=_at_rank(items, low_rank),
        median_high=_at_rank(items, high_rank),
        q1=quantile(tally, 0.25),
        q3=quantile(tally, 0.75),
        bins=histogram(tally, k=k, edges=bins),
    )


def bin_edges(tally: Mapping[float, int], *, bars: int = 8) -> tuple[tuple[float, float], ...]:
    """Histogram bars: one per value for a few whole numbers, else ``bars`` equal "nice" widths."""
    items = _sorted_tally(tally)
    if not items:
        return ()
    low, high = items[0][0], items[-1][0]
    if all(v == int(v) for v, _c in items) and high - low < 12:
        return tuple((float(v), float(v + 1)) for v in range(int(low), int(high) + 1))
    raw = (high - low) / bars or 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    width = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / width) * width
    edges = []
    while start <= high:
        edges.append((start, start + width))
        start += width
    return tuple(edges)


def bin_of(value: float, edges: Sequence[tuple[float, float]]) -> int | None:
    for i, (low, high) in enumerate(edges):
        if low <= value < high or (i == len(edges) - 1 and value == high):
            return i
    return None


def histogram(
    tally: Mapping[float, int], *, k: int, edges: Sequence[tuple[float, float]] | None = None
) -> tuple[Bin, ...]:
    chosen = tuple(edges) if edges is not None else bin_edges(tally)
    counts = [0] * len(chosen)
    for value, count in _sorted_tally(tally):
        i = bin_of(value, chosen)
        if i is not None:
            counts[i] += count
    hidden = hidden_cells({str(i): c for i, c in enumerate(counts)}, k=k, adds_up=True)
    return tuple(
        Bin(low, high, None if str(i) in hidden else counts[i], str(i) in hidden)
        for i, (low, high) in enumerate(chosen)
    )


def numeric_result(
    key: str,
    kind: str,
    tally: Mapping[float, int],
    *,
    k: int,
    scale: tuple[int, int] | None = None,
) -> QuestionResult:
    """A rating (``scale`` = its ends: a distribution over every point) or a number."""
    check_threshold(k)
    n = answered(tally)
    if n < k:
        return QuestionResult(key, kind, None, True, k)
    options: tuple[OptionShare, ...] = ()
    if scale is not None:
        points = [str(p) for p in range(scale[0], scale[1] + 1)]
        distribution = choice_result(
            key, kind, {str(int(v)): c for v, c in tally.items()}, n, codes=points, k=k
        )
        options = distribution.options
    stats = number_stats(tally, k=k, bins=[] if scale is not None else None)
    return QuestionResult(key, kind, n, False, k, options=options, stats=stats)


# --- change between rounds ---------------------------------------------------------------------


def mann_whitney(before: Mapping[float, int], after: Mapping[float, int]) -> float | None:
    """Two-sided p-value of the Mann-Whitney U test from two tallies (normal approximation,
    corrected for ties — ratings are nearly all ties)."""
    n_a, n_b = answered(before), answered(after)
    if n_a == 0 or n_b == 0:
        return None
    values = sorted({float(v) for v in before} | {float(v) for v in after})
    rank = 0.0
    rank_sum_a = 0.0
    ties = 0.0
    for value in values:
        a, b = int(before.get(value, 0)), int(after.get(value, 0))
        t = a + b
        if t == 0:
            continue
        average = rank + (t + 1) / 2
        rank_sum_a += a * average
        ties += t**3 - t
        rank += t
    total = n_a + n_b
    u = rank_sum_a - n_a * (n_a + 1) / 2
    variance = n_a * n_b / 12 * ((total + 1) - ties / (total * (total - 1)))
    if variance <= 0:
        return 1.0
    z = (u - n_a * n_b / 2) / math.sqrt(variance)
    return math.erfc(abs(z) / math.sqrt(2))


def with_change(
    result: QuestionResult,
    previous: QuestionResult,
    *,
    before_tally: Mapping[float, int] | None = None,
    after_tally: Mapping[float, int] | None = None,
    alpha: float = 0.05,
) -> QuestionResult:
    """``result`` with its change since ``previous`` (the same question a round earlier). No
    change is reported when either round is suppressed; option changes only for options shown
    in both rounds."""
    if result.suppressed or previous.suppressed or result.n is None or previous.n is None:
        return result
    if result.stats is not None and previous.stats is not None and before_tally and after_tally:
        p = mann_whitney(before_tally, after_tally)
        return replace(
            result,
            value_change=ValueChange(
                previous.stats.mean,
                result.stats.mean,
                previous.stats.median,
                result.stats.median,
                p,
                p is not None and p < alpha,
            ),
        )
    before = {o.code: o for o in previous.options}
    changes = []
    for option in result.options:
        old = before.get(option.code)
        if old is None or option.count is None or old.count is None:
            continue
        _z, p = two_proportion_z_test(old.count, previous.n, option.count, result.n)
        changes.append(
            OptionChange(
                option.code,
                old.count / previous.n,
                option.count / result.n,
                p,
                p is not None and p < alpha,
            )
        )
    return replace(result, option_changes=tuple(changes))


def format_p(p: float | None) -> str:
    """A p-value as people read it: never "0.000"."""
    if p is None:
        return "—"
    if p < 0.001:
        return "< 0.001"
    return f"= {p:.3f}"
