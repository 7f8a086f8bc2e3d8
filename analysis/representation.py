"""Who we heard from, against who lives in the neighbourhood.

For one question (language spoken at home, age band, …) the respondents' shares with 95 %
intervals beside the reference shares (a census, say), the ratio of the two for each group, one
index per question — the lowest ratio over the highest, 1 when every group is heard in proportion
— and how many more answers each group needs for the sample to come within a tolerance of the
neighbourhood.

Small groups stay hidden: a group under ``k`` shows no count, share or ratio, only that it has
fewer than ``k`` people (and, where that alone says so, that it is under-represented).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from analysis.summary import check_threshold, suppress_small_groups, wilson_interval

#: a group's share below this fraction of the reference is "under-represented", above its
#: inverse "over-represented"
UNDER = 0.8
#: index readings: at least CLOSE is close to the neighbourhood; below FAR is far from it
CLOSE = 0.8
FAR = 0.5
#: how close (in share points) the outreach targets aim to bring every group
DEFAULT_TOLERANCE = 0.05
#: the name of the bucket for people outside the reference (did not say, or another group)
OUTSIDE = "(outside the reference)"


def normalise_shares(shares: Mapping[str, float]) -> tuple[dict[str, float], float]:
    """Shares scaled to sum to 1, and the total they were given with (to say so when not 1)."""
    cleaned = {str(g): float(s) for g, s in shares.items()}
    if any(not math.isfinite(s) or s < 0 for s in cleaned.values()):
        raise ValueError("shares must be numbers of at least 0")
    total = sum(cleaned.values())
    if total <= 0:
        raise ValueError("at least one share must be above 0")
    return {g: s / total for g, s in cleaned.items()}, total


@dataclass(frozen=True)
class GroupRepresentation:
    group: str
    reference: float  #: the neighbourhood's share (normalised)
    n: int | None  #: people; ``None`` when hidden
    share: float | None  #: of the people in the reference's groups; ``None`` when hidden
    low: float | None  #: Wilson 95 % interval
    high: float | None
    ratio: float | None  #: share / reference; ``None`` when hidden
    below_k: bool  #: hidden because the group has fewer than ``k`` people
    hidden: bool  #: below k, or hidden so that a small group cannot be worked out
    #: for a group below k: the share it stays under (k / n), so the reader knows its ceiling
    share_under: float | None
    status: str | None  #: ``under`` | ``about`` | ``over``; ``None`` when it cannot be said


@dataclass(frozen=True)
class Representation:
    groups: tuple[GroupRepresentation, ...]  #: in the reference's order
    n: int  #: people in the reference's groups (the base of every share)
    outside: int | None  #: people who did not say or chose another group; ``None`` when hidden
    index: float | None  #: lowest ratio over highest; ``None`` when it cannot be shown
    index_below: bool  #: ``index`` is an upper bound (a small group sets the lowest ratio)
    reading: str  #: ``close`` | ``uneven`` | ``far`` | ``unknown``
    k: int


def _status(ratio: float) -> str:
    if ratio < UNDER:
        return "under"
    if ratio > 1 / UNDER:
        return "over"
    return "about"


def reading(index: float | None) -> str:
    """A plain reading of the index: ``close``, ``uneven``, ``far`` or ``unknown``."""
    if index is None:
        return "unknown"
    if index >= CLOSE:
        return "close"
    return "uneven" if index >= FAR else "far"


def represent(
    counts: Mapping[str, int], reference: Mapping[str, float], *, k: int, outside: int = 0
) -> Representation:
    """Respondents per group (``counts``; groups absent from the reference go to ``outside``)
    against ``reference`` shares, with the suppression rules of ``k``."""
    check_threshold(k)
    shares, _total = normalise_shares(reference)
    shares = {g: s for g, s in shares.items() if s > 0}
    extra = outside + sum(int(c) for g, c in counts.items() if g not in shares)
    sizes = {g: int(counts.get(g, 0)) for g in shares}
    n = sum(sizes.values())
    with_outside = {**sizes, OUTSIDE: extra} if extra else dict(sizes)
    hidden, _total_shown = suppress_small_groups(with_outside, k=k)
    rows = []
    exact: dict[str, float] = {}
    for group, ref in shares.items():
        count = sizes[group]
        ratio = (count / n) / ref if n else 0.0
        exact[group] = ratio
        if group in hidden:
            below = count < k
            under = min(1.0, k / n) if n and below else None
            certain = under is not None and under / ref < UNDER
            rows.append(
                GroupRepresentation(
                    group, ref, None, None, None, None, None, below, True, under,
                    "under" if certain else None,
                )
            )  # fmt: skip
            continue
        low, high = wilson_interval(count, n)
        rows.append(
            GroupRepresentation(
                group, ref, count, count / n if n else 0.0, low, high, ratio, False, False, None,
                _status(ratio),
            )
        )  # fmt: skip
    index, below = _index(rows, exact) if n else (None, False)
    return Representation(
        groups=tuple(rows),
        n=n,
        outside=None if OUTSIDE in hidden else extra,
        index=index,
        index_below=below,
        reading=reading(index) if not below else ("far" if index is not None and index < FAR
                                                  else "unknown"),
        k=k,
    )  # fmt: skip


def _index(
    rows: tuple[GroupRepresentation, ...] | list[GroupRepresentation], exact: Mapping[str, float]
) -> tuple[float | None, bool]:
    """The index as far as it can be shown without giving a small group away."""
    if not exact:
        return None, False
    lowest = min(exact, key=lambda g: exact[g])
    highest = max(exact, key=lambda g: exact[g])
    by_group = {r.group: r for r in rows}
    top = exact[highest]
    if top <= 0 or by_group[highest].hidden:
        return None, False
    if not by_group[lowest].hidden:
        return exact[lowest] / top, False
    low_row = by_group[lowest]
    if low_row.share_under is None:
        return None, False
    shown = [r.ratio for r in rows if r.ratio is not None]
    ceiling = min([low_row.share_under / low_row.reference, *shown])
    return ceiling / top, True


@dataclass(frozen=True)
class OutreachTarget:
    group: str
    reference: float
    now: int  #: people in the group so far
    more: int  #: more answers it needs


def outreach_targets(
    counts: Mapping[str, int],
    reference: Mapping[str, float],
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    limit: int = 1_000_000,
) -> tuple[OutreachTarget, ...] | None:
    """The fewest more answers, per group, that bring every group's share within ``tolerance``
    of its reference share (answers are only ever added). Groups needing none are left out.

    ``None`` when no plan within ``limit`` answers in all exists.
    """
    if not 0 < tolerance < 1:
        raise ValueError("the tolerance must be between 0 and 1")
    shares, _total = normalise_shares(reference)
    now = {g: max(0, int(counts.get(g, 0))) for g in shares}
    start = sum(now.values())
    # Over-represented groups can only shrink by growing the total.
    floor = max(
        [start, *(math.ceil(now[g] / (shares[g] + tolerance) - 1e-9) for g in shares)],
    )

    # Without rounding, the answers the groups lack shrink as the total grows faster than the
    # total does: the smallest total meeting that looser condition is where the search starts.
    def short(total: int) -> float:
        lacking = sum(max(0.0, (shares[g] - tolerance) * total - now[g]) for g in shares)
        return lacking - (total - start)

    low, high = max(floor, 1), start + limit
    while low < high:
        middle = (low + high) // 2
        if short(middle) > 0:
            low = middle + 1
        else:
            high = middle
    for total in range(max(low - 1, floor, 1), start + limit + 1):
        needed = {
            g: max(0, math.ceil((shares[g] - tolerance) * total - now[g] - 1e-9)) for g in shares
        }
        spare = total - start - sum(needed.values())
        if spare < 0:
            continue
        # Whatever the minimums leave over goes to the group furthest below its reference share.
        while spare > 0:
            group = max(shares, key=lambda g: (shares[g] * total - now[g] - needed[g], g))
            needed[group] += 1
            spare -= 1
        if all(abs((now[g] + needed[g]) / total - shares[g]) <= tolerance + 1e-12 for g in shares):
            return tuple(
                OutreachTarget(g, shares[g], now[g], needed[g]) for g in shares if needed[g] > 0
            )
    return None
