"""The scoring rule of 2.3.3, pure: plain values in, plain values out, no ORM.

INTERFACES.md "Scoring rule": a dimension score is Σ(criterion score × weight) / Σ weights over that
dimension's criteria; with several evaluators a criterion's score is the mean of theirs; a customer
missing any criterion score is incomplete (never zero, never tiered); the proposed tier comes from the
BU-year thresholds, a score exactly at a threshold counting as above it; the ranking (综合排名) is by
the mean of the two dimension scores, descending, ties by attractiveness, then company name.

Arithmetic is exact: scores arrive as Decimal (or integer tenths) and are combined as Fractions, so
means of several evaluators (7.6666…) never round a customer across a threshold. Shown figures are
Decimals rounded half-even to `PLACES` only at the end.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

ATTRACTIVENESS = "attractiveness"
FEASIBILITY = "feasibility"
DIMENSIONS = (ATTRACTIVENESS, FEASIBILITY)

# Tier values, equal to prioritization.tiers.Tier (kept as plain strings so this module stays pure).
TIER1, TIER2, TIER3, NO = "tier1", "tier2", "tier3", "no"
TIERS = (TIER1, TIER2, TIER3, NO)

MIN_SCORE = Decimal("1")
MAX_SCORE = Decimal("10")
PLACES = Decimal("0.01")
DEFAULT_THRESHOLD = Decimal("5.5")
DEFAULT_DRAWS = 1000
PERTURBATION_POINTS = 10


class ScoreError(ValueError):
    """A score that is not a number from 1 to 10 with at most one decimal."""


@dataclass(frozen=True)
class CriterionSpec:
    """One criterion of a version: `key` identifies it (a pk or a name), weight in whole points."""

    key: object
    dimension: str
    weight: int
    name: str = ""


@dataclass(frozen=True)
class Thresholds:
    attractiveness: Decimal = DEFAULT_THRESHOLD
    feasibility: Decimal = DEFAULT_THRESHOLD


@dataclass(frozen=True)
class Evaluation:
    """A customer's result. `attractiveness`/`feasibility` are exact Fractions (None when a criterion
    of that dimension is missing); `tier` is None exactly when the customer is incomplete."""

    attractiveness: Fraction | None
    feasibility: Fraction | None
    tier: str | None
    missing: tuple = ()

    @property
    def incomplete(self) -> bool:
        return self.tier is None

    @property
    def combined(self) -> Fraction | None:
        if self.attractiveness is None or self.feasibility is None:
            return None
        return (self.attractiveness + self.feasibility) / 2


@dataclass(frozen=True)
class Ranked:
    key: object
    name: str
    evaluation: Evaluation
    rank: int | None = None


@dataclass(frozen=True)
class TierChange:
    key: object
    name: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class CapacityWarning:
    tier: str
    count: int
    capacity: int

    @property
    def excess(self) -> int:
        return self.count - self.capacity


@dataclass
class CustomerScores:
    """What the what-if and ranking need about one customer: its per-criterion scores (already the
    mean across evaluators, or a list per criterion to be averaged)."""

    key: object
    name: str
    scores: Mapping = field(default_factory=dict)


# --- single values -----------------------------------------------------------------------------


def parse_score(value) -> Decimal:
    """A score as Decimal: a number from 1 to 10 with at most one decimal (str, int or Decimal;
    floats are accepted only when they are exactly a tenth, as Excel stores 7.5)."""
    if isinstance(value, bool) or value is None:
        raise ScoreError(value)
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace("，", ".").replace("．", "."))
    except ArithmeticError as exc:
        raise ScoreError(value) from exc
    # Range first: quantizing a huge number (1e400) raises instead of answering.
    if not number.is_finite() or not MIN_SCORE <= number <= MAX_SCORE:
        raise ScoreError(value)
    if number != number.quantize(Decimal("0.1")):
        raise ScoreError(value)
    return number.quantize(Decimal("0.1"))


def tenths(score: Decimal) -> int:
    return int(parse_score(score) * 10)


def from_tenths(value: int) -> Decimal:
    return (Decimal(value) / 10).quantize(Decimal("0.1"))


def exact(value) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not exact; pass Decimal, int or Fraction")
    return Fraction(Decimal(value)) if not isinstance(value, int) else Fraction(value)


def shown(value: Fraction | None, places: Decimal = PLACES) -> Decimal | None:
    """A Fraction as a Decimal rounded half-even, for display and storage."""
    if value is None:
        return None
    digits = -places.as_tuple().exponent
    scaled = value * 10**digits
    whole = scaled.numerator // scaled.denominator
    rest = scaled - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1):
        whole += 1
    return (Decimal(whole) / Decimal(10**digits)).quantize(places, rounding=ROUND_HALF_EVEN)


# --- the rule ----------------------------------------------------------------------------------


def mean(values: Iterable) -> Fraction | None:
    values = [exact(v) for v in values]
    if not values:
        return None
    return sum(values, Fraction(0)) / len(values)


def criterion_means(scorecards: Iterable[Mapping]) -> dict:
    """Per criterion, the mean of the evaluators' scores; `scorecards` is one mapping per evaluator
    (criterion key → score). A criterion no evaluator scored is absent."""
    collected: dict = {}
    for card in scorecards:
        for key, score in card.items():
            if score is not None:
                collected.setdefault(key, []).append(score)
    return {key: mean(values) for key, values in collected.items()}


def _as_mean(score):
    if isinstance(score, list | tuple):
        return mean(score)
    return None if score is None else exact(score)


def dimension_score(scores: Mapping, criteria: Sequence[CriterionSpec], dimension: str) -> Fraction | None:
    """Σ(score × weight) / Σ weights over the dimension's criteria; None when any one is missing
    (or the dimension has no weight at all)."""
    total = Fraction(0)
    weights = 0
    for criterion in criteria:
        if criterion.dimension != dimension:
            continue
        score = _as_mean(scores.get(criterion.key))
        if score is None:
            return None
        total += score * criterion.weight
        weights += criterion.weight
    if weights <= 0:
        return None
    return total / weights


def propose_tier(attractiveness, feasibility, thresholds: Thresholds = Thresholds()) -> str:
    """一级/二级/三级/不考虑 from the two scores; exactly at a threshold counts as above it."""
    high_a = exact(attractiveness) >= exact(thresholds.attractiveness)
    high_f = exact(feasibility) >= exact(thresholds.feasibility)
    if high_a and high_f:
        return TIER1
    if high_f:
        return TIER2
    if high_a:
        return TIER3
    return NO


def missing_criteria(scores: Mapping, criteria: Sequence[CriterionSpec]) -> tuple:
    return tuple(c.key for c in criteria if _as_mean(scores.get(c.key)) is None)


def evaluate(scores: Mapping, criteria: Sequence[CriterionSpec], thresholds: Thresholds = Thresholds()):
    """The customer's two dimension scores and proposed tier (None when incomplete)."""
    attractiveness = dimension_score(scores, criteria, ATTRACTIVENESS)
    feasibility = dimension_score(scores, criteria, FEASIBILITY)
    missing = missing_criteria(scores, criteria)
    if missing or attractiveness is None or feasibility is None:
        return Evaluation(attractiveness, feasibility, None, missing)
    return Evaluation(attractiveness, feasibility, propose_tier(attractiveness, feasibility, thresholds))


def _rank_key(item: Ranked):
    ev = item.evaluation
    return (-ev.combined, -ev.attractiveness, item.name, str(item.key))


def rank(items: Iterable[Ranked]) -> list[Ranked]:
    """Complete customers ranked 1…n by the mean of both scores (desc), then attractiveness (desc),
    then company name; incomplete customers follow, unranked, by name."""
    items = list(items)
    complete = sorted((i for i in items if not i.evaluation.incomplete), key=_rank_key)
    incomplete = sorted((i for i in items if i.evaluation.incomplete), key=lambda i: (i.name, str(i.key)))
    ranked = [Ranked(i.key, i.name, i.evaluation, position) for position, i in enumerate(complete, start=1)]
    return ranked + [Ranked(i.key, i.name, i.evaluation, None) for i in incomplete]


def evaluate_all(
    customers: Iterable[CustomerScores], criteria: Sequence[CriterionSpec], thresholds: Thresholds
) -> list[Ranked]:
    return rank(Ranked(c.key, c.name, evaluate(c.scores, criteria, thresholds)) for c in customers)


def what_if(
    customers: Iterable[CustomerScores],
    criteria: Sequence[CriterionSpec],
    thresholds: Thresholds,
    *,
    weights: Mapping | None = None,
    new_thresholds: Thresholds | None = None,
) -> list[TierChange]:
    """Which customers would change proposed tier if the weights (criterion key → new weight) and/or
    the thresholds changed. Nothing is saved; the caller shows the list."""
    changed_criteria = [
        CriterionSpec(c.key, c.dimension, int((weights or {}).get(c.key, c.weight)), c.name) for c in criteria
    ]
    after_thresholds = new_thresholds or thresholds
    changes = []
    for customer in customers:
        before = evaluate(customer.scores, criteria, thresholds).tier
        after = evaluate(customer.scores, changed_criteria, after_thresholds).tier
        if before != after:
            changes.append(TierChange(customer.key, customer.name, before, after))
    return sorted(changes, key=lambda c: (c.name, str(c.key)))


# --- stability ---------------------------------------------------------------------------------


def weight_draws(
    criteria: Sequence[CriterionSpec],
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = 0,
    rng: random.Random | None = None,
    points: int = PERTURBATION_POINTS,
) -> list[tuple[int, ...]]:
    """`draws` perturbed weight vectors: each weight moves by a whole number of points in
    [-points, +points] (never below 0). Renormalising to 100 per dimension does not change a weighted
    mean, so the raw perturbed weights are used; a dimension whose weights all fall to 0 keeps its
    configured weights in that draw."""
    rng = rng or random.Random(seed)
    vectors = []
    for _ in range(draws):
        vector = [max(0, c.weight + rng.randint(-points, points)) for c in criteria]
        for dimension in DIMENSIONS:
            indexes = [i for i, c in enumerate(criteria) if c.dimension == dimension]
            if indexes and not any(vector[i] for i in indexes):
                for i in indexes:
                    vector[i] = criteria[i].weight
        vectors.append(tuple(vector))
    return vectors


def _side(vector, margins, indexes) -> bool:
    """Whether Σ w·(m − T) ≥ 0, i.e. the dimension score is at or above its threshold."""
    return sum(vector[i] * margins[i] for i in indexes) >= 0


def stability(
    scores: Mapping,
    criteria: Sequence[CriterionSpec],
    thresholds: Thresholds = Thresholds(),
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = 0,
    vectors: Sequence[Sequence[int]] | None = None,
) -> Fraction | None:
    """The share of random weight perturbations under which the customer's proposed tier stays the
    same (1 = robust, near 0.5 or below = a fragile call). None when the customer is incomplete.
    Pass `vectors` (from `weight_draws`) to use the same draws for many customers."""
    base = evaluate(scores, criteria, thresholds)
    if base.incomplete:
        return None
    if vectors is None:
        vectors = weight_draws(criteria, draws=draws, seed=seed)
    if not vectors:
        return Fraction(1)
    # Integer margins over a common denominator make each draw a few integer multiplications.
    means = [_as_mean(scores.get(c.key)) for c in criteria]
    limits = [
        exact(thresholds.attractiveness if c.dimension == ATTRACTIVENESS else thresholds.feasibility)
        for c in criteria
    ]
    fractions = [m - t for m, t in zip(means, limits, strict=True)]
    denominator = 1
    for f in fractions:
        denominator = denominator * f.denominator // _gcd(denominator, f.denominator)
    margins = [int(f * denominator) for f in fractions]
    a_idx = [i for i, c in enumerate(criteria) if c.dimension == ATTRACTIVENESS]
    f_idx = [i for i, c in enumerate(criteria) if c.dimension == FEASIBILITY]
    high_a = base.tier in (TIER1, TIER3)
    high_f = base.tier in (TIER1, TIER2)
    same = sum(
        1 for v in vectors if _side(v, margins, a_idx) == high_a and _side(v, margins, f_idx) == high_f
    )
    return Fraction(same, len(vectors))


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


# --- capacity ----------------------------------------------------------------------------------


def tier_counts(tiers: Iterable[str | None]) -> dict[str, int]:
    counts = dict.fromkeys(TIERS, 0)
    for tier in tiers:
        if tier in counts:
            counts[tier] += 1
    return counts


def capacity_warnings(
    counts: Mapping[str, int], capacities: Mapping[str, int | None]
) -> list[CapacityWarning]:
    """A warning per tier holding more customers than its optional capacity. Warnings only: people
    decide."""
    warnings = []
    for tier in TIERS:
        capacity = capacities.get(tier)
        if capacity is not None and counts.get(tier, 0) > capacity:
            warnings.append(CapacityWarning(tier, counts.get(tier, 0), capacity))
    return warnings


# --- integer fast path (used by the bulk `score` service) --------------------------------------


def tier_from_sums(
    a_sum: int, a_den: int, f_sum: int, f_den: int, thresholds: Thresholds
) -> tuple[Fraction, Fraction, str]:
    """Dimension scores from integer sums of tenths × weight over integer denominators
    (Σweights × evaluators × 10), with the proposed tier — the same rule as `evaluate`."""
    attractiveness = Fraction(a_sum, a_den)
    feasibility = Fraction(f_sum, f_den)
    return attractiveness, feasibility, propose_tier(attractiveness, feasibility, thresholds)


@dataclass(frozen=True)
class SumRow:
    """A customer whose every evaluator scored every criterion: Σ(tenths × weight) per dimension and
    the number of evaluators (the `score` fast path; the same rule, in integers)."""

    key: object
    name: str
    a_sum: int
    f_sum: int
    evaluators: int


def _hundredths(numerator: int, denominator: int) -> int:
    """numerator / denominator in hundredths, rounded half-even, in integers."""
    quotient, rest = divmod(numerator * 100, denominator)
    if 2 * rest > denominator or (2 * rest == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def _shown_ratio(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator rounded half-even to two places, in integers."""
    return Decimal(_hundredths(numerator, denominator)).scaleb(-2)


def rank_sum_tuples(
    rows: Sequence[tuple], a_weight: int, f_weight: int, thresholds: Thresholds
) -> list[tuple[object, int, int, int, str]]:
    """The integer core of `rank_sums` over plain (key, name, a_sum, f_sum, evaluators) tuples:
    (key, rank, attractiveness in hundredths, feasibility in hundredths, proposed tier). No Decimal,
    Fraction or object per customer when every customer has the same number of evaluators."""
    ta, tf = exact(thresholds.attractiveness), exact(thresholds.feasibility)
    ta_num, ta_den, tf_num, tf_den = ta.numerator, ta.denominator, tf.numerator, tf.denominator
    if len({r[4] for r in rows}) <= 1:
        ordered = sorted(rows, key=lambda r: (-(r[2] * f_weight + r[3] * a_weight), -r[2], r[1], str(r[0])))
    else:
        ordered = sorted(
            rows,
            key=lambda r: (
                -Fraction(r[2] * f_weight + r[3] * a_weight, r[4]),
                -Fraction(r[2], r[4]),
                r[1],
                str(r[0]),
            ),
        )
    result = []
    append = result.append
    a_unit, f_unit = 10 * a_weight, 10 * f_weight
    for position, (key, _name, a_sum, f_sum, evaluators) in enumerate(ordered, start=1):
        a_den = a_unit * evaluators
        f_den = f_unit * evaluators
        high_a = a_sum * ta_den >= ta_num * a_den
        high_f = f_sum * tf_den >= tf_num * f_den
        tier = TIER1 if high_a and high_f else TIER2 if high_f else TIER3 if high_a else NO
        append((key, position, _hundredths(a_sum, a_den), _hundredths(f_sum, f_den), tier))
    return result


def rank_sums(
    rows: Sequence[SumRow], a_weight: int, f_weight: int, thresholds: Thresholds
) -> list[tuple[object, int, Decimal, Decimal, str]]:
    """(key, rank, attractiveness, feasibility, proposed tier) for complete customers given as integer
    sums — exactly `evaluate` + `rank`, without building a Fraction per customer."""
    tuples = [(r.key, r.name, r.a_sum, r.f_sum, r.evaluators) for r in rows]
    return [
        (key, rank, Decimal(a).scaleb(-2), Decimal(f).scaleb(-2), tier)
        for key, rank, a, f, tier in rank_sum_tuples(tuples, a_weight, f_weight, thresholds)
    ]
