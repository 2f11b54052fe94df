"""The pure scoring rule (prioritization/scoring.py), without a database."""

import random
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from prioritization import scoring as s

CRITERIA = [
    s.CriterionSpec("fin", s.ATTRACTIVENESS, 40),
    s.CriterionSpec("it", s.ATTRACTIVENESS, 30),
    s.CriterionSpec("rep", s.ATTRACTIVENESS, 20),
    s.CriterionSpec("loc", s.ATTRACTIVENESS, 10),
    s.CriterionSpec("rel", s.FEASIBILITY, 30),
    s.CriterionSpec("comp", s.FEASIBILITY, 30),
    s.CriterionSpec("att", s.FEASIBILITY, 30),
    s.CriterionSpec("exe", s.FEASIBILITY, 10),
]
KEYS = [c.key for c in CRITERIA]

scores_st = st.integers(min_value=10, max_value=100).map(lambda t: D(t) / 10)


def full(value):
    return dict.fromkeys(KEYS, D(value))


def test_weighted_dimension_scores_follow_the_rule():
    scores = {
        "fin": D(8),
        "it": D(6),
        "rep": D(5),
        "loc": D(10),
        "rel": D(4),
        "comp": D(7),
        "att": D(9),
        "exe": D(2),
    }
    ev = s.evaluate(scores, CRITERIA)
    assert ev.attractiveness == Fraction(8 * 40 + 6 * 30 + 5 * 20 + 10 * 10, 100)  # 7.0
    assert ev.feasibility == Fraction(4 * 30 + 7 * 30 + 9 * 30 + 2 * 10, 100)  # 6.2
    assert ev.tier == s.TIER1


@pytest.mark.parametrize(
    ("a", "f", "tier"),
    [
        ("5.5", "5.5", s.TIER1),
        ("5.4", "5.5", s.TIER2),
        ("5.5", "5.4", s.TIER3),
        ("5.4", "5.4", s.NO),
        ("10", "1", s.TIER3),
    ],
)
def test_a_customer_exactly_at_the_threshold_is_above_it(a, f, tier):
    assert s.propose_tier(D(a), D(f), s.Thresholds()) == tier


def test_threshold_reached_exactly_through_a_mean_of_three_evaluators_is_above():
    # Means of 5, 6, 5.5 = 5.5 exactly, while 3 evaluators make thirds elsewhere.
    cards = [
        {**full("5"), "fin": D("7")},
        {**full("6"), "fin": D("8")},
        {**full("5.5"), "fin": D("8")},
    ]
    means = s.criterion_means(cards)
    assert means["fin"] == Fraction(23, 3)
    ev = s.evaluate(
        means, [c for c in CRITERIA if c.key != "fin"] + [s.CriterionSpec("fin", s.FEASIBILITY, 0)]
    )
    assert ev.attractiveness == Fraction(11, 2)
    assert ev.tier == s.TIER1


def test_missing_score_makes_the_customer_incomplete_never_zero_never_tiered():
    scores = full("9")
    del scores["exe"]
    ev = s.evaluate(scores, CRITERIA)
    assert ev.incomplete and ev.tier is None
    assert ev.missing == ("exe",)
    assert ev.attractiveness == 9  # the complete dimension is still shown
    assert ev.feasibility is None


def test_an_empty_score_counts_as_missing():
    scores = {**full("9"), "loc": None}
    assert s.evaluate(scores, CRITERIA).incomplete


def test_ranking_by_mean_then_attractiveness_then_name():
    items = [
        s.Ranked(1, "B公司", s.evaluate({**full("6")}, CRITERIA)),
        s.Ranked(2, "A公司", s.evaluate({**full("6")}, CRITERIA)),
        s.Ranked(
            3,
            "丙公司",
            s.evaluate(
                {
                    **full("5"),
                    "fin": D(9),
                    "it": D(9),
                    "rep": D(9),
                    "loc": D(9),
                    "rel": D(3),
                    "comp": D(3),
                    "att": D(3),
                    "exe": D(3),
                },
                CRITERIA,
            ),
        ),
        s.Ranked(4, "丁公司", s.evaluate({**full("8")}, CRITERIA)),
        s.Ranked(5, "缺分公司", s.evaluate({"fin": D(10)}, CRITERIA)),
    ]
    ranked = s.rank(items)
    assert [(r.key, r.rank) for r in ranked] == [(4, 1), (3, 2), (2, 3), (1, 4), (5, None)]
    # 丙 (9, 3) and A/B (6, 6) have the same mean 6; 丙 has more attractiveness; A < B by name.


def test_what_if_lists_only_customers_whose_tier_changes():
    customers = [
        s.CustomerScores(1, "A", full("6")),
        s.CustomerScores(2, "B", full("5")),
        s.CustomerScores(3, "C", {**full("6"), "fin": D(1)}),  # attractiveness 4.0
    ]
    changes = s.what_if(customers, CRITERIA, s.Thresholds(), new_thresholds=s.Thresholds(D("6.5"), D("5.5")))
    assert [(c.key, c.before, c.after) for c in changes] == [(1, s.TIER1, s.TIER2)]
    changes = s.what_if(customers, CRITERIA, s.Thresholds(), new_thresholds=s.Thresholds(D("5"), D("5")))
    assert [(c.key, c.before, c.after) for c in changes] == [(2, s.NO, s.TIER1)]
    changes = s.what_if(customers, CRITERIA, s.Thresholds(), weights={"fin": 0})
    assert [(c.key, c.before, c.after) for c in changes] == [(3, s.TIER2, s.TIER1)]


def test_stability_is_one_far_from_thresholds_and_fragile_near_them():
    assert s.stability(full("9"), CRITERIA) == 1
    fragile = {**full("5.5"), "fin": D(4), "it": D(7), "rep": D(7), "loc": D(4)}  # A = 5.6
    share = s.stability(fragile, CRITERIA, draws=500, seed=1)
    assert 0 < share < 1
    assert s.stability(fragile, CRITERIA, draws=500, seed=1) == share  # seedable, repeatable
    assert s.stability({"fin": D(5)}, CRITERIA) is None


def test_stability_uses_1000_draws_by_default():
    share = s.stability({**full("5.5"), "fin": D(4), "it": D(7)}, CRITERIA)
    assert share.denominator in {d for d in range(1, 1001) if 1000 % d == 0}


def test_weight_draws_move_each_weight_at_most_ten_points_and_never_below_zero():
    vectors = s.weight_draws(CRITERIA, draws=300, seed=7)
    assert len(vectors) == 300
    for vector in vectors:
        for weight, criterion in zip(vector, CRITERIA, strict=True):
            assert weight >= 0 and abs(weight - criterion.weight) <= 10


def test_capacity_warnings_only_for_tiers_over_capacity():
    counts = s.tier_counts([s.TIER1] * 12 + [s.TIER2] * 3 + [None, s.NO])
    assert counts == {s.TIER1: 12, s.TIER2: 3, s.TIER3: 0, s.NO: 1}
    warnings = s.capacity_warnings(counts, {s.TIER1: 10, s.TIER2: 25, s.TIER3: None})
    assert [(w.tier, w.count, w.capacity, w.excess) for w in warnings] == [(s.TIER1, 12, 10, 2)]


@pytest.mark.parametrize("raw", ["1", "10", "7.5", 7, 7.5, D("3.0"), " 8 ", "9，5"])
def test_parse_score_accepts_numbers_from_1_to_10_with_one_decimal(raw):
    assert D(1) <= s.parse_score(raw) <= D(10)


@pytest.mark.parametrize("raw", ["0", "10.1", "7.55", "abc", "", None, True, 0.95, "NaN", "-3", 11])
def test_parse_score_rejects_anything_else(raw):
    with pytest.raises(s.ScoreError):
        s.parse_score(raw)


def test_shown_rounds_half_even_from_exact_values():
    assert s.shown(Fraction(23, 3)) == D("7.67")
    assert s.shown(Fraction(5125, 1000)) == D("5.12")
    assert s.shown(Fraction(5135, 1000)) == D("5.14")
    assert s.shown(None) is None


def test_floats_are_refused_in_exact_arithmetic():
    with pytest.raises(TypeError):
        s.exact(0.1)


# --- properties ---------------------------------------------------------------------------------

score_maps = st.fixed_dictionaries(dict.fromkeys(KEYS, scores_st))


@given(score_maps)
def test_dimension_scores_lie_between_the_lowest_and_highest_criterion_score(scores):
    ev = s.evaluate(scores, CRITERIA)
    for dim in s.DIMENSIONS:
        values = [scores[c.key] for c in CRITERIA if c.dimension == dim]
        value = getattr(ev, dim)
        assert min(values) <= value <= max(values)


@given(score_maps, st.integers(min_value=1, max_value=9))
def test_scaling_all_weights_changes_nothing(scores, factor):
    scaled = [s.CriterionSpec(c.key, c.dimension, c.weight * factor) for c in CRITERIA]
    assert s.evaluate(scores, scaled) == s.evaluate(scores, CRITERIA)


@given(score_maps, st.sampled_from(KEYS))
def test_raising_one_score_never_lowers_the_tier(scores, key):
    assume(scores[key] < 10)
    order = {s.NO: 0, s.TIER2: 1, s.TIER3: 1, s.TIER1: 2}
    before = s.evaluate(scores, CRITERIA)
    after = s.evaluate({**scores, key: D(10)}, CRITERIA)
    assert after.attractiveness >= before.attractiveness and after.feasibility >= before.feasibility
    assert order[after.tier] >= order[before.tier]


@given(score_maps, st.sampled_from(KEYS))
def test_any_missing_criterion_means_incomplete(scores, key):
    partial = {k: v for k, v in scores.items() if k != key}
    assert s.evaluate(partial, CRITERIA).incomplete


@given(st.lists(score_maps, min_size=1, max_size=4))
def test_mean_of_identical_evaluators_equals_one_evaluator(cards):
    same = [cards[0]] * len(cards)
    assert s.evaluate(s.criterion_means(same), CRITERIA) == s.evaluate(cards[0], CRITERIA)


@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=4), score_maps),
        min_size=1,
        max_size=12,
        unique_by=lambda t: t[0],
    )
)
def test_ranking_is_a_permutation_and_ordered_by_combined_score(rows):
    ranked = s.evaluate_all([s.CustomerScores(name, name, sc) for name, sc in rows], CRITERIA, s.Thresholds())
    assert sorted(r.rank for r in ranked) == list(range(1, len(rows) + 1))
    combined = [r.evaluation.combined for r in ranked]
    assert combined == sorted(combined, reverse=True)


@given(
    st.integers(min_value=10, max_value=100),
    st.integers(min_value=10, max_value=100),
    st.integers(min_value=10, max_value=100),
    st.integers(min_value=10, max_value=100),
)
def test_proposed_tier_matches_the_quadrant(a, f, ta, tf):
    tier = s.propose_tier(D(a) / 10, D(f) / 10, s.Thresholds(D(ta) / 10, D(tf) / 10))
    assert (tier in (s.TIER1, s.TIER3)) == (a >= ta)
    assert (tier in (s.TIER1, s.TIER2)) == (f >= tf)


@settings(max_examples=40, deadline=None)
@given(score_maps, st.integers(min_value=0, max_value=10_000))
def test_stability_is_a_share_and_agrees_with_a_direct_evaluation(scores, seed):
    vectors = s.weight_draws(CRITERIA, draws=50, seed=seed)
    share = s.stability(scores, CRITERIA, vectors=vectors)
    base = s.evaluate(scores, CRITERIA).tier
    direct = sum(
        1
        for v in vectors
        if s.evaluate(
            scores, [s.CriterionSpec(c.key, c.dimension, w) for c, w in zip(CRITERIA, v, strict=True)]
        ).tier
        == base
    )
    assert share == Fraction(direct, 50)
    assert 0 <= share <= 1


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_integer_fast_path_equals_the_rule(a_sum, f_sum):
    a, f, tier = s.tier_from_sums(a_sum, 1000, f_sum, 1000, s.Thresholds())
    assert tier == s.propose_tier(a, f, s.Thresholds())


def test_what_if_with_no_change_lists_nothing():
    rng = random.Random(3)
    customers = [
        s.CustomerScores(i, f"C{i}", {k: D(rng.randint(10, 100)) / 10 for k in KEYS}) for i in range(50)
    ]
    assert s.what_if(customers, CRITERIA, s.Thresholds()) == []


sum_rows = st.lists(
    st.tuples(
        st.lists(st.integers(min_value=10, max_value=100), min_size=8, max_size=8),
        st.integers(min_value=1, max_value=3),
    ),
    min_size=1,
    max_size=15,
)


@settings(deadline=None)
@given(sum_rows, st.integers(min_value=10, max_value=100), st.integers(min_value=10, max_value=100))
def test_integer_sum_path_equals_the_fraction_rule(rows, ta, tf):
    """The `score` fast path (integer sums) ranks, rounds and tiers exactly like evaluate + rank."""
    thresholds = s.Thresholds(D(ta) / 10, D(tf) / 10)
    customers, sums = [], []
    for index, (tenths, evaluators) in enumerate(rows):
        name = f"C{index % 4}"
        scores = {c.key: [D(t) / 10] * evaluators for c, t in zip(CRITERIA, tenths, strict=True)}
        customers.append(s.CustomerScores(index, name, scores))
        a_sum = sum(
            t * c.weight for c, t in zip(CRITERIA, tenths, strict=True) if c.dimension == s.ATTRACTIVENESS
        )
        f_sum = sum(
            t * c.weight for c, t in zip(CRITERIA, tenths, strict=True) if c.dimension == s.FEASIBILITY
        )
        sums.append(s.SumRow(index, name, a_sum * evaluators, f_sum * evaluators, evaluators))
    expected = [
        (
            r.key,
            r.rank,
            s.shown(r.evaluation.attractiveness),
            s.shown(r.evaluation.feasibility),
            r.evaluation.tier,
        )
        for r in s.evaluate_all(customers, CRITERIA, thresholds)
    ]
    assert s.rank_sums(sums, 100, 100, thresholds) == expected
