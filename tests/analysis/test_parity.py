"""Per-language figures: how often answers get no theme, and how often the right one."""

from __future__ import annotations

import pytest

from analysis.parity import language_parity, untagged_by_language


def test_a_language_left_untagged_far_more_often_is_flagged() -> None:
    rows = {
        r.lang: r for r in untagged_by_language({"en": (200, 12), "so": (40, 14), "es": (60, 5)})
    }
    assert rows["so"].far
    assert rows["so"].share == pytest.approx(0.35)
    assert rows["so"].others == pytest.approx(17 / 260)
    assert rows["so"].low < 0.35 < rows["so"].high
    assert not rows["en"].far
    assert not rows["es"].far


def test_a_handful_of_answers_is_not_enough_to_flag() -> None:
    rows = {r.lang: r for r in untagged_by_language({"en": (200, 10), "hmn": (4, 3)})}
    assert not rows["hmn"].far


def test_a_small_difference_is_not_flagged_however_many_answers() -> None:
    rows = {r.lang: r for r in untagged_by_language({"en": (5000, 500), "es": (5000, 600)})}
    assert not rows["es"].far


def test_one_language_alone_has_nothing_to_compare_with() -> None:
    (row,) = untagged_by_language({"en": (30, 30)})
    assert row.others is None
    assert not row.far


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="no theme"):
        untagged_by_language({"en": (3, 5)})


def test_parity_reports_gaps_to_the_reference_language() -> None:
    results = [
        ("en", ["a"], ["a"]),
        ("en", ["b"], ["b", "a"]),
        ("so", ["a"], []),
        ("so", ["b"], ["b"]),
        ("es", ["a"], ["b"]),
        ("es", ["b"], ["b"]),
    ]
    parity = language_parity(results, reference="en")
    by_lang = {q.lang: q for q in parity.languages}
    assert parity.languages[0].lang == "en"
    assert by_lang["so"].untagged == 0.5
    assert by_lang["so"].recall == 0.5
    assert by_lang["en"].themes_per_answer == 1.5
    assert parity.untagged_gap == 0.5
    assert parity.recall_gap == 0.5
    assert parity.mean_recall == 0.5


def test_parity_needs_the_reference_language() -> None:
    with pytest.raises(ValueError, match="reference"):
        language_parity([("so", ["a"], ["a"])], reference="en")
