"""Weighting to the neighbourhood: properties that must hold for any sample, and agreement with
two independent implementations of raking on a known table."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import root

from analysis import CannotWeight, post_stratify, rake, weighted_shares

LANGS = ("en", "es", "so")
AGES = ("young", "middle", "old")


def _cells() -> list[dict[str, str | None]]:
    return [{"lang": a, "age": b} for a, b in itertools.product(LANGS, AGES)]


counts_strategy = st.lists(st.integers(5, 60), min_size=9, max_size=9)
shares_strategy = st.lists(st.floats(0.05, 1.0), min_size=3, max_size=3)


def _shares(values: list[float], codes: tuple[str, ...]) -> dict[str, float]:
    total = sum(values)
    return {c: v / total for c, v in zip(codes, values, strict=True)}


def _margin(weights, counts, cells, question):
    mass = np.asarray(weights) * np.asarray(counts, dtype=float)
    total = mass.sum()
    out: dict[str, float] = {}
    for cell, m in zip(cells, mass, strict=True):
        out[cell[question]] = out.get(cell[question], 0.0) + m / total
    return out


@settings(max_examples=60, deadline=None)
@given(counts_strategy, shares_strategy, shares_strategy, st.sampled_from([None, 2.0, 5.0]))
def test_weights_sum_to_the_number_of_people(counts, lang, age, cap):
    cells = _cells()
    result = rake(cells, counts, {"lang": _shares(lang, LANGS), "age": _shares(age, AGES)}, cap=cap)
    total = sum(w * c for w, c in zip(result.weights, counts, strict=True))
    assert total == pytest.approx(sum(counts), rel=1e-9)
    assert result.n == sum(counts)
    assert 0 < result.effective_n <= sum(counts) + 1e-6
    assert result.design_effect >= 1 - 1e-9
    if cap is not None:
        assert max(result.weights) <= cap + 1e-9


@settings(max_examples=60, deadline=None)
@given(counts_strategy, shares_strategy, shares_strategy)
def test_raking_matches_every_margin(counts, lang, age):
    cells = _cells()
    targets = {"lang": _shares(lang, LANGS), "age": _shares(age, AGES)}
    result = rake(cells, counts, targets, cap=None)
    assert result.converged
    for question, wanted in targets.items():
        got = _margin(result.weights, counts, cells, question)
        for code, share in wanted.items():
            assert got[code] == pytest.approx(share, abs=1e-8)
    assert result.margin_gap < 1e-8


@settings(max_examples=60, deadline=None)
@given(counts_strategy)
def test_weights_are_one_when_the_sample_already_matches(counts):
    cells = _cells()
    targets = {q: _margin([1.0] * 9, counts, cells, q) for q in ("lang", "age")}
    result = rake(cells, counts, targets)
    assert result.weights == pytest.approx([1.0] * 9, abs=1e-9)
    assert result.effective_n == pytest.approx(sum(counts))
    assert result.capped == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(5, 80), min_size=3, max_size=3), shares_strategy)
def test_post_stratification_gives_each_group_its_share(counts, shares):
    cells = [{"lang": c} for c in LANGS]
    wanted = _shares(shares, LANGS)
    result = post_stratify(cells, counts, "lang", wanted, cap=None)
    for i, code in enumerate(LANGS):
        assert result.weights[i] * counts[i] / sum(counts) == pytest.approx(wanted[code])


def test_people_who_did_not_say_keep_their_weight_and_share():
    cells = [{"lang": "en"}, {"lang": "so"}, {"lang": None}]
    result = post_stratify(cells, [80, 10, 10], "lang", {"en": 0.5, "so": 0.5}, cap=None)
    assert result.weights[2] == pytest.approx(1.0)
    # The 90 who said are split half and half.
    assert result.weights[0] * 80 == pytest.approx(45)
    assert result.weights[1] * 10 == pytest.approx(45)


def test_refuses_when_a_group_has_too_few_people_and_says_which():
    cells = [{"lang": "en"}, {"lang": "so"}, {"lang": "hmn"}]
    with pytest.raises(CannotWeight) as caught:
        rake(cells, [100, 3, 0], {"lang": {"en": 0.6, "so": 0.3, "hmn": 0.1}})
    assert {(g.group, g.n) for g in caught.value.small} == {("so", 3), ("hmn", 0)}


def test_weights_are_capped_and_the_cap_reported():
    cells = [{"lang": "en"}, {"lang": "so"}]
    result = post_stratify(cells, [190, 10], "lang", {"en": 0.5, "so": 0.5}, cap=3.0)
    assert result.cap == 3.0
    assert result.weights[1] == pytest.approx(3.0)
    assert result.capped == 10
    assert result.weights[0] * 190 + result.weights[1] * 10 == pytest.approx(200)
    # Capped weights cannot give Somali speakers their full half: the gap is reported.
    assert result.margin_gap == pytest.approx(0.5 - 30 / 200)


def test_weighted_shares_move_with_the_weights():
    weights = [0.5, 2.0]
    shares = weighted_shares(weights, [100, 25], {"housing": [10, 20]})
    assert shares["housing"] == pytest.approx((0.5 * 10 + 2 * 20) / (0.5 * 100 + 2 * 25))


# -- the reference check ----------------------------------------------------------------------
#
# A known table (people by language × age × tenure) and census-like margins. Two implementations
# that share nothing with ``analysis.weighting``: classic IPF on a numpy array (Deming and Stephan,
# 1940), and raking written as calibration (Deville and Särndal, 1992): weights d·exp(x'λ) with
# λ solved by scipy's root finder so that the weighted totals equal the targets.

TABLE = np.array(
    [
        [[30, 12], [22, 18], [15, 25]],
        [[8, 3], [12, 5], [6, 9]],
        [[2, 4], [5, 3], [7, 6]],
    ],
    dtype=float,
)  # language (en, es, so) × age (young, middle, old) × tenure (rent, own)
MARGINS = {
    "lang": {"en": 0.55, "es": 0.25, "so": 0.20},
    "age": {"young": 0.30, "middle": 0.40, "old": 0.30},
    "tenure": {"rent": 0.62, "own": 0.38},
}
AXES = (("lang", LANGS), ("age", AGES), ("tenure", ("rent", "own")))


def _ipf_reference(table: np.ndarray) -> np.ndarray:
    fitted = table.copy()
    n = table.sum()
    for _ in range(5000):
        previous = fitted.copy()
        for axis, (name, codes) in enumerate(AXES):
            target = np.array([MARGINS[name][c] for c in codes]) * n
            current = fitted.sum(axis=tuple(a for a in range(3) if a != axis))
            shape = [1, 1, 1]
            shape[axis] = len(codes)
            fitted *= (target / current).reshape(shape)
        if np.abs(fitted - previous).max() < 1e-13:
            break
    return fitted / table


def _calibration_reference(table: np.ndarray) -> np.ndarray:
    cells = list(itertools.product(range(3), range(3), range(2)))
    d = np.array([table[c] for c in cells])
    n = d.sum()
    # One indicator column per group, the first group of each question dropped (identifiable).
    columns, totals = [], []
    for axis, (name, codes) in enumerate(AXES):
        for j, code in enumerate(codes):
            if j == 0 and axis > 0:
                continue
            columns.append([1.0 if c[axis] == j else 0.0 for c in cells])
            totals.append(MARGINS[name][code] * n)
    x = np.array(columns).T
    t = np.array(totals)

    def equations(lam: np.ndarray) -> np.ndarray:
        return x.T @ (d * np.exp(x @ lam)) - t

    solution = root(equations, np.zeros(x.shape[1]), method="hybr", tol=1e-14)
    assert solution.success
    ratio = np.exp(x @ solution.x)
    out = np.zeros_like(table)
    for c, r in zip(cells, ratio, strict=True):
        out[c] = r
    return out


def test_raking_matches_two_reference_implementations_to_1e_6():
    cells, counts, where = [], [], []
    for i, j, k in itertools.product(range(3), range(3), range(2)):
        cells.append({"lang": LANGS[i], "age": AGES[j], "tenure": ("rent", "own")[k]})
        counts.append(TABLE[i, j, k])
        where.append((i, j, k))
    result = rake(cells, counts, MARGINS, cap=None, tolerance=1e-14)
    ours = np.zeros_like(TABLE)
    for c, w in zip(where, result.weights, strict=True):
        ours[c] = w
    ipf = _ipf_reference(TABLE)
    calibration = _calibration_reference(TABLE)
    assert np.abs(ours - ipf).max() < 1e-6
    assert np.abs(ours - calibration).max() < 1e-6
    # And the table really was skewed: Somali speakers' answers count for more.
    assert ours[2].mean() > 1.5 * ours[0].mean()
