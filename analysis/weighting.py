"""Weights that make the people who answered look like the neighbourhood they live in.

Post-stratification on one question and raking (iterative proportional fitting) on several, with
capped weights, and the design effect and effective sample size that say what weighting costs.

People come in *cells*: a mapping of question → group code (``None`` = not stated) and how many
people share it. Everyone in a cell gets the same weight; weights average 1, so they sum to the
number of people. A reference gives each question's shares in the neighbourhood; the shares apply
to the people who stated one of its groups. Someone who did not say, or whose group the reference
does not list, keeps their weight in that question's step (their share of the total is not
changed by it).

Weighting refuses (:class:`CannotWeight`) when a group of the reference has fewer than
``min_group`` people: a handful of answers would otherwise speak for a whole community.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: largest weight, as a multiple of the mean weight (1)
DEFAULT_CAP = 5.0
#: fewest people a reference group needs before its answers may be weighted up
MIN_GROUP = 5

Cell = Mapping[str, str | None]
Targets = Mapping[str, Mapping[str, float]]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SmallGroup:
    """A reference group with too few people to weight."""

    question: str
    group: str
    n: int


class CannotWeight(ValueError):
    """Weighting was refused; ``small`` says which groups have too few people."""

    def __init__(self, small: Sequence[SmallGroup], minimum: int) -> None:
        self.small = tuple(small)
        self.minimum = minimum
        names = ", ".join(f"{g.question}={g.group} ({g.n})" for g in self.small)
        super().__init__(f"fewer than {minimum} people in: {names}")


@dataclass(frozen=True)
class Weights:
    weights: tuple[float, ...]  #: one per cell, in the order given; everyone in a cell has it
    n: float  #: people (the weights' total)
    effective_n: float  #: Kish's effective sample size, (Σw)² / Σw²
    design_effect: float  #: n / effective_n, at least 1
    cap: float | None  #: largest weight allowed (mean weight is 1); ``None`` = uncapped
    capped: int  #: people whose weight was cut to the cap
    iterations: int
    converged: bool
    #: largest distance between a weighted share and its target (0 when the margins match)
    margin_gap: float


def normalise_targets(targets: Targets) -> dict[str, dict[str, float]]:
    """Each question's shares scaled to sum to 1, groups with no share left out."""
    out: dict[str, dict[str, float]] = {}
    for question, shares in targets.items():
        positive = {str(g): float(s) for g, s in shares.items() if float(s) > 0}
        total = sum(positive.values())
        if total <= 0 or not all(np.isfinite(list(positive.values()))):
            raise ValueError(f"reference shares for {question!r} must be positive numbers")
        out[question] = {g: s / total for g, s in positive.items()}
    return out


def group_sizes(
    cells: Sequence[Cell], counts: Sequence[float], question: str
) -> dict[str | None, float]:
    sizes: dict[str | None, float] = {}
    for cell, count in zip(cells, counts, strict=True):
        code = cell.get(question)
        sizes[code] = sizes.get(code, 0.0) + float(count)
    return sizes


def check_groups(
    cells: Sequence[Cell], counts: Sequence[float], targets: Targets, *, min_group: int = MIN_GROUP
) -> None:
    """Raise :class:`CannotWeight` naming every reference group with fewer than ``min_group``."""
    small = []
    for question, shares in targets.items():
        sizes = group_sizes(cells, counts, question)
        for group, share in shares.items():
            n = round(sizes.get(group, 0.0))
            if share > 0 and n < min_group:
                small.append(SmallGroup(question, group, n))
    if small:
        raise CannotWeight(small, min_group)


def _membership(
    cells: Sequence[Cell], question: str, shares: Mapping[str, float]
) -> tuple[list[tuple[npt.NDArray[np.bool_], float]], npt.NDArray[np.bool_]]:
    codes = [cell.get(question) for cell in cells]
    groups = [
        (np.array([c == group for c in codes], dtype=bool), share)
        for group, share in shares.items()
    ]
    stated = np.zeros(len(cells), dtype=bool)
    for mask, _share in groups:
        stated |= mask
    return groups, stated


def rake(
    cells: Sequence[Cell],
    counts: Sequence[float] | None = None,
    targets: Targets | None = None,
    *,
    cap: float | None = DEFAULT_CAP,
    min_group: int = MIN_GROUP,
    tolerance: float = 1e-10,
    max_iterations: int = 2000,
) -> Weights:
    """Weights whose weighted shares match ``targets`` on every question (raking).

    With one question this is post-stratification, exact after one step. With a cap, weights
    above ``cap`` are cut to it and the rest scaled up so that they still sum to ``n``; raking and
    cutting alternate until neither changes anything, and ``margin_gap`` says how far the capped
    weights are from the targets.
    """
    n_cells = len(cells)
    size: FloatArray = np.ones(n_cells) if counts is None else np.asarray(counts, dtype=float)
    if size.shape != (n_cells,) or np.any(size < 0):
        raise ValueError("counts must be one non-negative number per cell")
    if cap is not None and cap < 1:
        raise ValueError("the cap must be at least 1 (the mean weight)")
    wanted = normalise_targets(targets or {})
    check_groups(cells, list(size), wanted, min_group=min_group)
    total = float(size.sum())
    steps = [_membership(cells, q, shares) for q, shares in wanted.items()]
    weight: FloatArray = np.ones(n_cells)
    converged = not steps
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - the count is reported
        before = weight.copy()
        for groups, stated in steps:
            mass = size * weight
            stated_mass = float(mass[stated].sum())
            for mask, share in groups:
                weight[mask] *= share * stated_mass / float(mass[mask].sum())
        if cap is not None:
            weight = _cut(weight, size, total, cap)
        if float(np.max(np.abs(weight - before), initial=0.0)) < tolerance:
            converged = True
            break
    if not steps:
        iterations = 0
    people = size * weight
    squares = float((size * weight * weight).sum())
    effective = float(people.sum()) ** 2 / squares if squares else 0.0
    gap = 0.0
    for groups, stated in steps:
        stated_mass = float(people[stated].sum())
        for mask, share in groups:
            gap = max(gap, abs(float(people[mask].sum()) / stated_mass - share))
    at_cap = 0
    if cap is not None:
        at_cap = round(float(size[weight >= cap * (1 - 1e-9)].sum()))
    return Weights(
        weights=tuple(float(w) for w in weight),
        n=total,
        effective_n=effective,
        design_effect=total / effective if effective else 1.0,
        cap=cap,
        capped=at_cap,
        iterations=iterations,
        converged=converged,
        margin_gap=gap,
    )


def _cut(weight: FloatArray, size: FloatArray, total: float, cap: float) -> FloatArray:
    """Weights no larger than ``cap``, still summing to ``total`` people (when that is possible)."""
    cut = weight.copy()
    for _ in range(100):
        over = cut > cap
        if not over.any():
            break
        cut[over] = cap
        free = ~over & (cut < cap)
        free_mass = float((size[free] * cut[free]).sum())
        if free_mass <= 0:
            break
        cut[free] *= (total - float((size[~free] * cut[~free]).sum())) / free_mass
    return cut


def post_stratify(
    cells: Sequence[Cell],
    counts: Sequence[float] | None,
    question: str,
    shares: Mapping[str, float],
    *,
    cap: float | None = DEFAULT_CAP,
    min_group: int = MIN_GROUP,
) -> Weights:
    """Weights on one question: every group's weighted share equals its reference share."""
    return rake(cells, counts, {question: shares}, cap=cap, min_group=min_group)


def weighted_shares(
    weights: Sequence[float], counts: Sequence[float], hits: Mapping[str, Sequence[float]]
) -> dict[str, float]:
    """Weighted share per theme: ``hits[theme][i]`` people of cell ``i`` raised it."""
    w = np.asarray(weights, dtype=float)
    total = float((w * np.asarray(counts, dtype=float)).sum())
    return {
        theme: (float((w * np.asarray(per_cell, dtype=float)).sum()) / total if total else 0.0)
        for theme, per_cell in hits.items()
    }
