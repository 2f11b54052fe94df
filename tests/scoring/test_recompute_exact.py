"""`scores_recompute` (one aggregate query, integer rule, raw writes of changed rows only) stores
exactly what the pure Fraction rule computes, on random data with every path exercised."""

import random
from datetime import date
from decimal import Decimal as D

import pytest

from prioritization import scoring
from prioritization.models import Scorecard, Target
from prioritization.services.scoring import criterion_specs, scores_recompute, thresholds_of
from prospects.models import ListEntry
from tests.factories import CustomerFactory
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db


def _expected(version, customers_by_segment):
    specs, thresholds = criterion_specs(version), thresholds_of(version)
    cards = {}
    for customer_id, criterion_id, value in Scorecard.objects.values_list(
        "customer_id", "criterion_id", "score_tenths"
    ):
        cards.setdefault(customer_id, {}).setdefault(criterion_id, []).append(D(value) / 10)
    expected = {}
    for customers in customers_by_segment.values():
        items = [scoring.CustomerScores(c.pk, c.name, cards.get(c.pk, {})) for c in customers]
        for ranked in scoring.evaluate_all(items, specs, thresholds):
            ev = ranked.evaluation
            expected[ranked.key] = (
                scoring.shown(ev.attractiveness),
                scoring.shown(ev.feasibility),
                ranked.rank,
                ev.incomplete,
                ev.tier or "",
            )
    return expected


def _stored():
    return {
        t.customer_id: (t.attractiveness, t.feasibility, t.rank, t.incomplete, t.proposed_tier)
        for t in Target.objects.filter(year=YEAR)
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_scores_ranks_and_tiers_equal_the_fraction_rule(ctx, seed):
    rng = random.Random(seed)
    specs = criterion_specs(ctx.version)
    evaluators = [ctx.segmgr, ctx.buvp, ctx.admin]
    c = ctx.customers  # listed, never scored: incomplete
    by_segment = {"AUTO": [c.owned, c.auto], "ELEC": [c.elec]}
    cards = []
    for index in range(24):
        segment = ctx.org.auto if index % 2 else ctx.org.elec
        # a few shared names so the name/key tie-breaks matter
        customer = CustomerFactory(
            segment=segment, name=f"公司{index % 5}-{index}" if index % 3 else f"同名{index}"
        )
        ListEntry.objects.create(customer=customer, year=YEAR)
        by_segment[segment.code].append(customer)
        # AUTO: one evaluator, every criterion → the integer fast path; ELEC: several evaluators,
        # some uneven or missing → the Fraction rule
        who = evaluators[:1] if segment == ctx.org.auto else evaluators[: rng.randint(1, 3)]
        for evaluator in who:
            for spec in specs:
                if segment == ctx.org.elec and rng.random() < 0.08:
                    continue
                # values near the 5.5 threshold so "exactly at the threshold" happens
                tenths = rng.choice([10, 54, 55, 56, 70, 100, rng.randint(10, 100)])
                cards.append(
                    Scorecard(
                        evaluator=evaluator,
                        customer=customer,
                        criterion_id=spec.key,
                        year=YEAR,
                        score_tenths=tenths,
                        scored_on=date(YEAR, 1, 5),
                    )
                )
    Scorecard.objects.bulk_create(cards)
    counts = scores_recompute(unit=ctx.org.unit, year=YEAR, version=ctx.version)
    expected = _expected(ctx.version, by_segment)
    assert _stored() == expected
    assert counts["scored"] == len(_stored())
    assert counts["incomplete"] == sum(1 for v in _stored().values() if v[3])

    # change some scores: the re-run writes the new values and keeps decided tiers
    Target.objects.filter(customer=by_segment["AUTO"][0]).update(tier="tier2", manual_reason="人工")
    for card in rng.sample(cards, 10):
        Scorecard.objects.filter(pk=card.pk).update(score_tenths=rng.randint(10, 100))
    scores_recompute(unit=ctx.org.unit, year=YEAR, version=ctx.version)
    expected = _expected(ctx.version, by_segment)
    assert _stored() == expected
    kept = Target.objects.get(customer=by_segment["AUTO"][0])
    assert (kept.tier, kept.manual_reason) == ("tier2", "人工")


def test_a_rerun_with_nothing_changed_writes_nothing(ctx, score_all):
    score_all(
        ctx.segmgr, ctx.customers.auto, ctx.version, {"attractiveness": D("5.5"), "feasibility": D("5.4")}
    )
    scores_recompute(unit=ctx.org.unit, year=YEAR, version=ctx.version)
    first = Target.objects.get(customer=ctx.customers.auto)
    assert (first.attractiveness, first.feasibility, first.proposed_tier) == (D("5.50"), D("5.40"), "tier3")
    scores_recompute(
        unit=ctx.org.unit, year=YEAR, version=ctx.version, now=first.scored_at.replace(year=YEAR + 1)
    )
    assert Target.objects.get(customer=ctx.customers.auto).scored_at == first.scored_at


@pytest.mark.parametrize("evaluators_per_customer", ["two-each", "one-or-two"])
def test_several_evaluators_in_sql_and_in_python_equal_the_fraction_rule(ctx, evaluators_per_customer):
    """Every customer of the segment scored fully by the same number of evaluators: the integer rule
    in SQL (means over 2 evaluators, thresholds of 5.55 = 111/20); one or two evaluators: Python."""
    from criteria.models import CriteriaVersion

    CriteriaVersion.objects.filter(pk=ctx.version.pk).update(
        attractiveness_threshold=D("5.55"), feasibility_threshold=D("5.05")
    )
    ctx.version.refresh_from_db()
    rng = random.Random(7)
    specs = criterion_specs(ctx.version)
    by_segment = {"AUTO": [ctx.customers.owned, ctx.customers.auto], "ELEC": [ctx.customers.elec]}
    cards = []
    for index in range(16):
        customer = CustomerFactory(segment=ctx.org.auto, name=f"公司{index % 4}-{index}")
        ListEntry.objects.create(customer=customer, year=YEAR)
        by_segment["AUTO"].append(customer)
        count = 2 if evaluators_per_customer == "two-each" else rng.randint(1, 2)
        for evaluator in [ctx.segmgr, ctx.buvp][:count]:
            for spec in specs:
                cards.append(
                    Scorecard(
                        evaluator=evaluator,
                        customer=customer,
                        criterion_id=spec.key,
                        year=YEAR,
                        score_tenths=rng.choice([50, 55, 56, 60, 61, rng.randint(10, 100)]),
                        scored_on=date(YEAR, 1, 5),
                    )
                )
    Scorecard.objects.bulk_create(cards)
    counts = scores_recompute(unit=ctx.org.unit, year=YEAR, version=ctx.version, segment=ctx.org.auto)
    assert _stored() == _expected(ctx.version, {"AUTO": by_segment["AUTO"]})  # that segment only
    assert counts["scored"] == len(by_segment["AUTO"]) and counts["incomplete"] == 2
    scores_recompute(unit=ctx.org.unit, year=YEAR, version=ctx.version)
    assert _stored() == _expected(ctx.version, by_segment)
