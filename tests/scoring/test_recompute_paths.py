"""Refusals of the scorecard service and the recomputation's less common paths: sums that do not
fit the packed integer, the `score` command's "as a user" entry, and a version that is no longer
(or not yet) in force."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from criteria.services.versions import version_create
from prioritization.models import Target
from prioritization.services import scoring as svc
from prioritization.services.scoring import (
    ScoreInput,
    scorecard_record,
    scores_recompute,
    scores_recompute_as,
)
from prospects.models import ListEntry
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db


def entries(specs, value=D("6")):
    return [ScoreInput(criterion_id=s.key, score=value, override_reason="测试") for s in specs]


def test_a_customer_of_another_unit_is_refused_for_the_version(ctx, specs, admin_user):
    foreign = ctx.customers.foreign
    ListEntry.objects.create(customer=foreign, year=YEAR)
    with pytest.raises(ValidationError, match="不属于该选择标准版本的业务单元"):
        scorecard_record(actor=admin_user, customer=foreign, version=ctx.version, entries=entries(specs))


def test_an_evaluator_outside_the_customers_scope_is_refused(ctx, specs, am):
    with pytest.raises(ValidationError, match="无权为该客户评分"):
        scorecard_record(
            actor=ctx.buvp,
            customer=ctx.customers.elec,
            version=ctx.version,
            entries=entries(specs),
            evaluator=am,
        )
    assert not ctx.customers.elec.scorecards.exists()


def test_only_a_version_in_force_is_scored(ctx, admin_user):
    draft = version_create(actor=admin_user, unit=ctx.org.unit, year=YEAR + 1)
    ListEntry.objects.create(customer=ctx.customers.auto, year=YEAR + 1)
    with pytest.raises(ValidationError, match="只能按生效的选择标准版本评分"):
        scorecard_record(
            actor=ctx.buvp,
            customer=ctx.customers.auto,
            version=draft,
            entries=entries(svc.criterion_specs(draft)),
        )


def test_a_criterion_of_another_version_is_refused(ctx, specs, admin_user):
    other = version_create(actor=admin_user, unit=ctx.org.unit, year=YEAR + 1)
    stranger = other.criteria.first()
    with pytest.raises(ValidationError, match="评估标准不属于该版本"):
        scorecard_record(
            actor=ctx.buvp,
            customer=ctx.customers.auto,
            version=ctx.version,
            entries=[ScoreInput(criterion_id=stranger.pk, score=D("5"))],
        )
    assert not ctx.customers.auto.scorecards.exists()


def stored(year=YEAR):
    return {
        t.customer_id: (t.attractiveness, t.feasibility, t.rank, t.incomplete, t.proposed_tier)
        for t in Target.objects.filter(year=year)
    }


def test_unpacked_sums_give_the_same_scores_ranks_and_tiers(ctx, specs, score_all, monkeypatch):
    """Sums too large for one packed integer (weights × evaluators beyond 2**31) are added per
    dimension: same outcome as the packed statement."""
    c = ctx.customers
    score_all(
        ctx.buvp,
        c.owned,
        ctx.version,
        [D("7.3"), D("4"), D("9.9"), D("1"), D("5.5"), D("6"), D("2.2"), D("8")],
    )
    score_all(ctx.buvp, c.auto, ctx.version, {"attractiveness": D("8"), "feasibility": D("5.5")})
    score_all(ctx.buvp, c.elec, ctx.version, {"attractiveness": D("3"), "feasibility": D("8")})
    packed = stored()
    assert len(packed) == 3 and all(not v[3] for v in packed.values())
    Target.objects.all().delete()
    monkeypatch.setattr(svc, "_packable", lambda w_attr, w_feas: False)
    counts = scores_recompute(unit=ctx.org.unit, year=YEAR)
    assert stored() == packed
    assert counts["scored"] == 3 and counts["incomplete"] == 0


def test_the_packing_decision_follows_weights_and_the_number_of_users(ctx):
    assert svc._packable(100, 100)  # a handful of users
    assert not svc._packable(10**8, 1)  # 100 × 10**8 × users ≥ 2**31


def test_recomputing_as_a_user_needs_scoring_or_tier_rights_in_the_unit(ctx, researcher, am, score_all):
    score_all(ctx.buvp, ctx.customers.auto, ctx.version, {"attractiveness": D("8"), "feasibility": D("8")})
    with pytest.raises(PermissionDenied):
        scores_recompute_as(actor=researcher, unit=ctx.org.unit, year=YEAR)
    with pytest.raises(PermissionDenied):
        scores_recompute_as(actor=am, unit=ctx.org.other_unit, year=YEAR)
    counts = scores_recompute_as(actor=ctx.segmgr, unit=ctx.org.unit, year=YEAR, segment=ctx.org.auto)
    assert counts["tier1"] == 1 and counts["scored"] == 2  # AUTO: the scored customer and the owned one
    assert counts["incomplete"] == 1


def test_a_segment_recompute_and_a_scorecard_save_touch_only_that_segment(ctx, score_all):
    auto, elec = ctx.customers.auto, ctx.customers.elec
    score_all(ctx.buvp, elec, ctx.version, {"attractiveness": D("8"), "feasibility": D("8")})
    elec_target = Target.objects.get(customer=elec, year=YEAR)
    assert elec_target.proposed_tier == "tier1" and elec_target.rank == 1
    # The ELEC save recomputed ELEC only: AUTO's customers have no target yet.
    assert not Target.objects.filter(customer=auto, year=YEAR).exists()
    Target.objects.filter(pk=elec_target.pk).update(rank=99, proposed_tier="no")  # a stale row

    score_all(ctx.buvp, auto, ctx.version, {"attractiveness": D("4"), "feasibility": D("7")})
    assert Target.objects.get(customer=auto, year=YEAR).proposed_tier == "tier2"
    elec_target.refresh_from_db()
    assert (elec_target.rank, elec_target.proposed_tier) == (99, "no")  # AUTO's save left ELEC alone

    counts = scores_recompute(unit=ctx.org.unit, year=YEAR, segment=ctx.org.auto)
    assert counts["tier2"] == 1 and counts["incomplete"] == 1 and counts["scored"] == 2
    elec_target.refresh_from_db()
    assert elec_target.rank == 99  # `score --segment AUTO` does not write ELEC either

    counts = scores_recompute(unit=ctx.org.unit, year=YEAR)  # the whole BU puts it right
    elec_target.refresh_from_db()
    assert (elec_target.rank, elec_target.proposed_tier) == (1, "tier1")
    assert counts["tier1"] == 1 and counts["tier2"] == 1 and counts["scored"] == 3
