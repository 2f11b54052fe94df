"""The pure calculations of the review, on plain values."""

from datetime import date
from decimal import Decimal

import pytest

from reviews import metrics


def test_stage_and_progress_follow_the_pipeline_order():
    assert metrics.stage("") == 0
    assert metrics.stage(None) == 0
    assert metrics.stage("negotiating") == 4
    assert metrics.stage("closed") == 5
    assert metrics.stage("unknown") == 0
    assert metrics.progress("first_contact", "negotiating") == 3
    assert metrics.progress("drafting", "first_contact") == -2


def test_percent_rounds_half_up_and_is_none_without_denominator():
    assert metrics.percent(2, 24) == Decimal("8.3")
    assert metrics.percent(1, 8) == Decimal("12.5")
    assert metrics.percent(1, 3, places=0) == Decimal("33")
    assert metrics.percent(5, 0) is None


def test_mean_ignores_missing_values():
    assert metrics.mean([1, 2, None, 4]) == Decimal("2.33")
    assert metrics.mean([]) is None


def test_ranks_share_the_average_position_on_ties():
    assert metrics.ranks([10, 20, 20, 30]) == [1.0, 2.5, 2.5, 4.0]


def test_spearman_of_perfectly_ordered_pairs_is_one_and_reversed_is_minus_one():
    assert metrics.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1.0
    assert metrics.spearman([1, 2, 3, 4], [40, 30, 20, 10]) == -1.0


def test_spearman_with_ties_matches_the_textbook_value():
    # x ranks 1, 2.5, 2.5, 4; y ranks 1, 2, 3, 4 → ρ = 4.5 / sqrt(4.5 × 5)
    assert metrics.spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.949, abs=0.001)


def test_spearman_is_none_without_variance_or_enough_pairs():
    assert metrics.spearman([5, 5, 5], [1, 2, 3]) is None
    assert metrics.spearman([1, 2], [1, 2]) is None
    with pytest.raises(ValueError):
        metrics.spearman([1, 2, 3], [1, 2])


def test_a_criterion_separated_nothing_when_weakly_or_not_correlated():
    assert metrics.separated_nothing(None)
    assert metrics.separated_nothing(0.1)
    assert metrics.separated_nothing(-0.19)
    assert not metrics.separated_nothing(-0.5)
    assert not metrics.separated_nothing(0.2)


def test_cadence_counts_completed_windows_and_windows_with_a_contact():
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    contacts = [date(2025, 1, 10), date(2025, 1, 20), date(2025, 2, 15), date(2024, 12, 20)]
    assert metrics.cadence_kept(contacts, start=start, end=end, cadence_days=30) == (12, 2)
    assert metrics.cadence_kept([date(2025, 8, 1)], start=start, end=end, cadence_days=180) == (2, 1)
    # Windows run to the last completed one: a contact on 31 December falls in no owed window.
    assert metrics.cadence_kept([date(2025, 12, 31)], start=start, end=end, cadence_days=90) == (4, 0)


def test_cadence_owes_nothing_without_a_cadence_or_period():
    assert metrics.cadence_kept(
        [date(2025, 1, 1)], start=date(2025, 1, 1), end=date(2025, 12, 31), cadence_days=None
    ) == (0, 0)
    assert metrics.cadence_kept([], start=date(2025, 2, 1), end=date(2025, 1, 1), cadence_days=30) == (0, 0)
    assert metrics.cadence_kept([], start=date(2025, 1, 1), end=date(2025, 1, 10), cadence_days=30) == (0, 0)


def test_funnel_counts_customers_that_reached_at_least_each_stage():
    assert metrics.funnel(["negotiating", "first_contact", "closed", "first_contact"]) == [4, 4, 2, 2, 2, 1]
    assert metrics.funnel([]) == [0] * 6


def test_on_time():
    assert metrics.on_time(date(2025, 1, 1), date(2025, 1, 2)) is True
    assert metrics.on_time(date(2025, 1, 3), date(2025, 1, 2)) is False
    assert metrics.on_time(None, date(2025, 1, 2)) is None
