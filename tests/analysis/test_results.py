"""Closed-question results: shares with intervals, hidden small cells, medians, change tests."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.active import Candidate, teaching_order
from analysis.results import (
    choice_result,
    format_p,
    mann_whitney,
    numeric_result,
    quantile,
    with_change,
)


def test_a_small_option_is_hidden_with_the_next_smallest_so_it_cannot_be_subtracted():
    result = choice_result(
        "q", "single_choice", {"a": 30, "b": 3, "c": 12}, 45, codes=["a", "b", "c", "d"], k=10
    )
    shown = {o.code: o.count for o in result.options}
    assert shown == {"a": 30, "b": None, "c": None, "d": 0}
    a = result.options[0]
    assert a.low < a.share < a.high


def test_multiple_choice_hides_small_options_but_needs_no_complement():
    result = choice_result(
        "q", "multiple_choice", {"a": 30, "b": 3, "c": 12}, 40, codes=["a", "b", "c"], k=10,
        multiple=True,
    )  # fmt: skip
    assert [o.count for o in result.options] == [30, None, 12]


def test_a_question_answered_by_fewer_than_k_shows_nothing():
    result = choice_result("q", "single_choice", {"a": 4}, 4, codes=["a"], k=5)
    assert result.suppressed
    assert result.n is None
    assert result.options == ()


def test_prefer_not_to_say_stands_apart():
    result = choice_result(
        "q", "demographic", {"a": 20, "b": 20, "prefer_not_to_say": 11}, 51,
        codes=["a", "prefer_not_to_say", "b"], k=10, apart="prefer_not_to_say",
    )  # fmt: skip
    assert [o.code for o in result.options] == ["a", "b"]
    assert result.apart is not None
    assert result.apart.count == 11


def test_number_statistics_match_numpy_from_a_tally():
    values = [3, 7, 7, 8, 10, 12, 12, 12, 15, 40]
    tally = {v: values.count(v) for v in set(values)}
    for q in (0.25, 0.5, 0.75):
        assert quantile(tally, q) == pytest.approx(np.percentile(values, q * 100))
    result = numeric_result("n", "number", tally, k=5)
    assert result.stats is not None
    assert result.stats.mean == pytest.approx(np.mean(values))
    assert result.stats.median_low <= result.stats.median <= result.stats.median_high
    assert sum(b.count or 0 for b in result.stats.bins) <= len(values)


def test_a_rating_gets_a_distribution_over_every_point_of_its_scale():
    result = numeric_result("r", "rating", {1: 10, 3: 20, 5: 10}, k=5, scale=(1, 5))
    assert [o.code for o in result.options] == ["1", "2", "3", "4", "5"]
    assert [o.count for o in result.options] == [10, 0, 20, 0, 10]


def test_change_is_tested_and_reported_honestly():
    before = numeric_result("r", "rating", {1: 30, 2: 10}, k=5, scale=(1, 3))
    after = numeric_result("r", "rating", {2: 10, 3: 30}, k=5, scale=(1, 3))
    changed = with_change(
        after, before, before_tally={1.0: 30, 2.0: 10}, after_tally={2.0: 10, 3.0: 30}
    )
    assert changed.value_change is not None
    assert changed.value_change.significant
    assert format_p(changed.value_change.p_value) == "< 0.001"
    assert mann_whitney({1.0: 10, 2.0: 10}, {1.0: 10, 2.0: 10}) == pytest.approx(1.0)


def test_the_teaching_order_puts_uncertain_and_scarce_examples_first():
    sure = Candidate("sure", scores=[0.99, 0.01], thresholds=[0.5, 0.5])
    unsure = Candidate("unsure", scores=[0.52, 0.01], thresholds=[0.5, 0.5])
    scarce = Candidate(
        "scarce", scores=[0.99, 0.01], thresholds=[0.5, 0.5], theme_chances={"rare": 0.9}
    )
    order = teaching_order([sure, unsure, scarce], {}, reviewed_by_theme={"rare": 0})
    assert [c.id for c in order][-1] == "sure"
    other_language = Candidate("so", lang="so")
    english = Candidate("en", lang="en")
    ranked = teaching_order([english, other_language], {"en": 50, "so": 0})
    assert ranked[0].id == "so"
