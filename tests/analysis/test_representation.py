"""Who we heard from against the neighbourhood: shares, ratios, the index, suppression and
outreach targets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import normalise_shares, outreach_targets, represent

REFERENCE = {"en": 0.55, "es": 0.20, "so": 0.15, "vi": 0.10}


def test_shares_that_do_not_sum_to_one_are_scaled_and_the_total_kept():
    shares, total = normalise_shares({"a": 40, "b": 60})
    assert shares == {"a": 0.4, "b": 0.6}
    assert total == 100
    with pytest.raises(ValueError, match="at least 0"):
        normalise_shares({"a": -1, "b": 2})
    with pytest.raises(ValueError, match="above 0"):
        normalise_shares({"a": 0})


def test_ratios_index_and_reading():
    result = represent({"en": 120, "es": 40, "so": 20, "vi": 20}, REFERENCE, k=10)
    rows = {r.group: r for r in result.groups}
    assert result.n == 200
    assert rows["en"].share == pytest.approx(0.6)
    assert rows["en"].low < 0.6 < rows["en"].high
    assert rows["so"].ratio == pytest.approx(0.1 / 0.15)
    assert rows["so"].status == "under"
    assert rows["en"].status == "about"
    assert result.index == pytest.approx((0.1 / 0.15) / (0.6 / 0.55))
    assert result.reading == "uneven"


def test_a_group_under_k_shows_no_count_share_or_ratio():
    result = represent({"en": 150, "es": 40, "so": 4, "vi": 16}, REFERENCE, k=10)
    somali = next(r for r in result.groups if r.group == "so")
    assert somali.hidden
    assert somali.below_k
    assert (somali.n, somali.share, somali.ratio, somali.low) == (None, None, None, None)
    # What can be said: fewer than 10 of 210 is well under the neighbourhood share.
    assert somali.share_under == pytest.approx(10 / 210)
    assert somali.status == "under"
    # The index is only an upper bound, since the hidden group sets the lowest ratio.
    assert result.index_below
    assert result.index >= (4 / 210 / 0.15) / max(r.ratio for r in result.groups if r.ratio)


def test_index_is_one_when_every_group_is_heard_in_proportion():
    result = represent({"en": 55, "es": 20, "so": 15, "vi": 10}, REFERENCE, k=10)
    assert result.index == pytest.approx(1.0)
    assert result.reading == "close"


def test_people_outside_the_reference_are_counted_apart():
    result = represent({"en": 55, "es": 20, "so": 15, "vi": 10, "other": 12}, REFERENCE, k=10,
                       outside=3)  # fmt: skip
    assert result.n == 100
    assert result.outside == 15


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 300), min_size=4, max_size=4), st.integers(5, 20))
def test_no_group_under_k_is_ever_shown(counts, k):
    result = represent(dict(zip(REFERENCE, counts, strict=True)), REFERENCE, k=k)
    for row in result.groups:
        if row.n is not None:
            assert row.n >= k
        if row.below_k:
            assert (row.n, row.share, row.ratio) == (None, None, None)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 200), min_size=4, max_size=4))
def test_outreach_targets_bring_every_group_within_five_points_with_the_fewest_answers(counts):
    now = dict(zip(REFERENCE, counts, strict=True))
    plan = outreach_targets(now, REFERENCE, tolerance=0.05)
    assert plan is not None
    more = {t.group: t.more for t in plan}
    final = {g: now[g] + more.get(g, 0) for g in REFERENCE}
    total = sum(final.values())
    assert total > 0
    for group, share in REFERENCE.items():
        assert abs(final[group] / total - share) <= 0.05 + 1e-12
    # One answer fewer in all would not do: no total below this one can work.
    smaller = total - 1
    if smaller >= sum(counts) and smaller > 0:
        assert any(now[g] / smaller > s + 0.05 for g, s in REFERENCE.items()) or sum(
            max(0, -(-((s - 0.05) * smaller - now[g]) // 1)) for g, s in REFERENCE.items()
        ) > (smaller - sum(counts))


def test_outreach_names_the_groups_that_are_missing():
    plan = outreach_targets({"en": 150, "es": 40, "so": 4, "vi": 16}, REFERENCE)
    assert plan is not None
    more = {t.group: t.more for t in plan}
    # English speakers' 150 are at most 60 % of 250 answers: 40 more are needed from the others,
    # at least 0.10 × 250 − 4 = 21 of them from Somali speakers, the rest where the gap is widest.
    assert sum(more.values()) == 40
    assert "en" not in more
    assert more["so"] >= 21
    assert max(more, key=more.__getitem__) == "so"
    assert outreach_targets({"en": 55, "es": 20, "so": 15, "vi": 10}, REFERENCE) == ()
