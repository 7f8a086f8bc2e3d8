from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.redact import Redactor
from analysis.summary import (
    Answer,
    breakdown_by_group,
    compare_rounds,
    representative_quotes,
    suppress_small_groups,
    theme_shares,
    wilson_interval,
)


def answers(spec: list[tuple[str, tuple[str, ...]]]) -> list[Answer]:
    return [
        Answer(id=f"a{i}", text=text, lang="en", themes=themes)
        for i, (text, themes) in enumerate(spec)
    ]


def test_wilson_interval_matches_the_textbook_values() -> None:
    low, high = wilson_interval(20, 100)
    assert low == pytest.approx(0.1334, abs=1e-4)
    assert high == pytest.approx(0.2888, abs=1e-4)
    # At 0 % the interval still has width, unlike the naive one.
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)


def test_theme_shares_count_answers_not_mentions_and_report_zero_themes() -> None:
    rows = [
        {
            "id": 1,
            "text": "rent",
            "lang": "en",
            "themes": ["housing", "housing"],
            "sentiment": -0.5,
        },
        {"id": 2, "text": "rent and bus", "lang": "en", "themes": ["housing", "transportation"]},
        {"id": 3, "text": "nada", "lang": "es", "themes": []},
        {"id": 4, "text": "rent", "lang": "so", "themes": ["housing"], "sentiment": None},
    ]
    shares = {
        s.theme: s for s in theme_shares(rows, themes=["housing", "transportation", "safety"])
    }
    assert shares["housing"].count == 3
    assert shares["housing"].share == pytest.approx(0.75)
    assert shares["housing"].low < 0.75 < shares["housing"].high
    assert shares["safety"].count == 0
    # Only one housing answer has a sentiment; the Somali one is unavailable, not neutral.
    assert shares["housing"].sentiment == pytest.approx(-0.5)
    assert shares["housing"].sentiment_n == 1
    assert shares["transportation"].sentiment is None


def test_a_real_change_between_rounds_is_significant_and_noise_is_not() -> None:
    before = answers([("x", ("housing",))] * 20 + [("y", ())] * 80)
    after = answers([("x", ("housing",))] * 45 + [("y", ())] * 55)
    change = compare_rounds(before, after, themes=["housing"])[0]
    assert change.difference == pytest.approx(0.25)
    assert change.significant
    assert change.p_value is not None
    assert change.p_value < 0.001
    same = compare_rounds(
        before, answers([("x", ("housing",))] * 22 + [("y", ())] * 78), themes=["housing"]
    )[0]
    assert not same.significant


def test_k_below_five_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 5"):
        breakdown_by_group([], themes=["housing"], k=4)


def grouped(sizes: dict[str, int], theme_counts: dict[str, int] | None = None) -> list[Answer]:
    rows = []
    for group, n in sizes.items():
        tagged = (theme_counts or {}).get(group, 0)
        for i in range(n):
            themes = ("housing",) if i < tagged else ()
            rows.append(Answer(f"{group}{i}", "text", "en", themes, None, group))
    return rows


def test_a_small_group_is_hidden_and_so_is_the_next_smallest() -> None:
    result = breakdown_by_group(
        grouped({"A": 40, "B": 25, "C": 3}, {"A": 10, "B": 5, "C": 1}), themes=["housing"], k=10
    )
    shown = {c.group: c for c in result.groups}
    assert shown["C"].suppressed
    assert shown["C"].n is None
    # With only C hidden, total − A − B would give C away.
    assert shown["B"].suppressed
    assert shown["A"].n == 40
    assert result.total_n == 68


def test_one_small_group_and_nothing_to_pair_it_with_hides_the_total() -> None:
    result = breakdown_by_group(grouped({"A": 4}), themes=["housing"], k=10)
    assert result.total_n is None
    assert result.groups[0].suppressed


def test_a_theme_total_is_hidden_when_it_would_tell_the_hidden_groups_counts() -> None:
    # Nobody in the hidden groups mentioned housing: showing the total would reveal those zeros.
    result = breakdown_by_group(
        grouped({"A": 40, "B": 3, "C": 4}, {"A": 10}), themes=["housing"], k=10
    )
    assert result.total_counts["housing"] is None
    assert result.total_n == 47


def test_quotes_are_central_redacted_and_never_from_small_groups() -> None:
    rows = [
        Answer(
            "1", "The rent is too high, call me at 555-123-4567", "en", ("housing",), None, "big"
        ),
        Answer("2", "Rent is too high for families", "en", ("housing",), None, "big"),
        Answer("3", "Rent keeps going up and up", "en", ("housing",), None, "big"),
        Answer("4", "Bananas", "en", ("housing",), None, "big"),
        Answer("5", "Rent is too high here, Maria knows", "en", ("housing",), None, "small"),
    ] + [Answer(f"f{i}", "filler", "en", (), None, "big") for i in range(10)]
    quotes = representative_quotes(rows, "housing", limit=2, redactor=Redactor(("Maria",)), k=5)
    ids = [q.answer_id for q in quotes]
    assert "5" not in ids  # group "small" has 1 answer
    assert "4" not in ids  # off-centre
    assert all("555" not in q.text for q in quotes)


def test_quotes_keep_the_residents_language() -> None:
    rows = [Answer(str(i), "Más parques para los niños", "es", ("environment",)) for i in range(3)]
    assert representative_quotes(rows, "environment")[0].lang == "es"


# --- property tests: nothing hidden can be worked out from what is shown ------------------------


@settings(max_examples=300, deadline=None)
@given(
    sizes=st.dictionaries(st.sampled_from("ABCDEFGH"), st.integers(1, 40), min_size=1, max_size=8),
    k=st.integers(5, 15),
)
def test_no_shown_group_is_small_and_no_hidden_size_is_recoverable(
    sizes: dict[str, int], k: int
) -> None:
    hidden, total_shown = suppress_small_groups(sizes, k=k)
    shown = {g: n for g, n in sizes.items() if g not in hidden}
    assert all(n >= k for n in shown.values())
    if not hidden:
        return
    if not total_shown:
        return  # nothing about the hidden groups is published
    hidden_total = sum(sizes.values()) - sum(shown.values())
    # Every size assignment for the hidden groups consistent with what is shown:
    candidates = (
        [
            combo
            for combo in itertools.product(range(1, hidden_total + 1), repeat=len(hidden))
            if sum(combo) == hidden_total
        ]
        if len(hidden) <= 4 and hidden_total <= 60
        else None
    )
    if candidates is not None:
        for position in range(len(hidden)):
            assert len({combo[position] for combo in candidates}) > 1
    else:
        assert len(hidden) >= 2
        assert hidden_total > len(hidden)


@settings(max_examples=200, deadline=None)
@given(
    groups=st.dictionaries(
        st.sampled_from("ABCDEF"),
        st.integers(1, 30).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))),
        min_size=1,
        max_size=6,
    ),
    k=st.integers(5, 12),
)
def test_no_hidden_theme_count_is_recoverable(groups: dict[str, tuple[int, int]], k: int) -> None:
    sizes = {g: n for g, (n, _) in groups.items()}
    counts = {g: c for g, (_, c) in groups.items()}
    result = breakdown_by_group(grouped(sizes, counts), themes=["housing"], k=k)
    hidden = [c.group for c in result.groups if c.suppressed]
    assert all(c.n is not None and c.n >= k for c in result.groups if not c.suppressed)
    total = result.total_counts["housing"]
    if not hidden or total is None or result.total_n is None:
        return
    shown_count = sum(c.counts["housing"] for c in result.groups if c.counts is not None)
    shown_n = sum(c.n for c in result.groups if c.n is not None)
    hidden_count = total - shown_count
    hidden_n = result.total_n - shown_n
    # The hidden groups' counts lie in [0, n_g] and sum to hidden_count; a single group's count
    # is pinned exactly when all or none of the hidden answers carry the theme.
    assert 0 < hidden_count < hidden_n
    assert math.isfinite(hidden_count / hidden_n)
