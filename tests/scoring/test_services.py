"""Scoring and tier services against the database."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from criteria.models import VersionStatus
from prioritization.models import ListApproval, Scorecard, Target
from prioritization.selectors.targets import current_tier, my_customers
from prioritization.services import targets as svc
from prioritization.services.scoring import ScoreInput, scorecard_record, scores_recompute
from prioritization.tiers import Tier
from tests.factories import UserFactory, grant
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db


def target(customer):
    return Target.objects.get(customer=customer, year=YEAR)


def test_recording_a_full_scorecard_scores_ranks_proposes_and_freezes_the_version(ctx, score_all):
    c = ctx.customers
    score_all(ctx.segmgr, c.owned, ctx.version, {"attractiveness": D("7"), "feasibility": D("4")})
    score_all(ctx.segmgr, c.auto, ctx.version, {"attractiveness": D("8"), "feasibility": D("8")})
    ctx.version.refresh_from_db()
    assert ctx.version.status == VersionStatus.FROZEN
    owned, auto = target(c.owned), target(c.auto)
    assert (owned.attractiveness, owned.feasibility, owned.proposed_tier) == (
        D("7.00"),
        D("4.00"),
        Tier.TIER3,
    )
    assert (auto.proposed_tier, auto.rank, owned.rank) == (Tier.TIER1, 1, 2)
    assert not owned.incomplete
    assert Scorecard.objects.filter(customer=c.owned).count() == 8


def test_a_customer_with_a_missing_score_is_incomplete_and_not_tiered(ctx, specs):
    entries = [ScoreInput(s.key, D("9"), override_reason="x") for s in specs[:-1]]
    scorecard_record(actor=ctx.segmgr, customer=ctx.customers.auto, version=ctx.version, entries=entries)
    t = target(ctx.customers.auto)
    assert t.incomplete and t.proposed_tier == "" and t.rank is None
    assert t.attractiveness == D("9.00") and t.feasibility is None
    assert scores_recompute(unit=ctx.org.unit, year=YEAR)["incomplete"] == 3


def test_several_evaluators_are_averaged_per_criterion_exactly_at_threshold(ctx, score_all, buvp):
    c = ctx.customers.auto
    score_all(ctx.segmgr, c, ctx.version, {"attractiveness": D("5"), "feasibility": D("6")})
    score_all(buvp, c, ctx.version, {"attractiveness": D("6"), "feasibility": D("5")})
    t = target(c)
    assert (t.attractiveness, t.feasibility, t.proposed_tier) == (D("5.50"), D("5.50"), Tier.TIER1)


def test_uneven_evaluators_use_the_mean_per_criterion(ctx, score_all, specs, buvp):
    c = ctx.customers.auto
    score_all(ctx.segmgr, c, ctx.version, {"attractiveness": D("4"), "feasibility": D("4")})
    # The BU VP scores only the first attractiveness criterion (weight 40): its mean becomes 7.
    scorecard_record(
        actor=buvp,
        customer=c,
        version=ctx.version,
        entries=[ScoreInput(specs[0].key, D("10"), override_reason="x")],
    )
    assert target(c).attractiveness == D("5.20")  # (7×40 + 4×60) / 100


def test_a_score_departing_from_the_rule_needs_a_reason(ctx, specs):
    from prospects.models import CustomerFinancials

    CustomerFinancials.objects.create(customer=ctx.customers.auto, year=YEAR - 1, it_spend=D("6000"))
    it_spend = next(s for s in specs if s.name == "IT支出")
    with pytest.raises(ValidationError) as err:
        scorecard_record(
            actor=ctx.segmgr,
            customer=ctx.customers.auto,
            version=ctx.version,
            entries=[ScoreInput(it_spend.key, D("6"))],
        )
    assert "理由" in str(err.value)
    scorecard_record(
        actor=ctx.segmgr,
        customer=ctx.customers.auto,
        version=ctx.version,
        entries=[ScoreInput(it_spend.key, D("10"))],
    )
    card = Scorecard.objects.get(customer=ctx.customers.auto, criterion_id=it_spend.key)
    assert (card.score, card.suggested, card.override_reason) == (D("10"), D("10"), "")


def test_scores_outside_1_to_10_or_with_two_decimals_are_refused(ctx, specs):
    for bad in (D("0.5"), D("10.5"), D("7.25")):
        with pytest.raises(ValidationError):
            scorecard_record(
                actor=ctx.segmgr,
                customer=ctx.customers.auto,
                version=ctx.version,
                entries=[ScoreInput(specs[3].key, bad)],
            )
    assert not Scorecard.objects.exists()


def test_scoring_out_of_scope_or_off_the_list_is_refused(ctx, specs, am):
    with pytest.raises(PermissionDenied):  # segment manager of AUTO, customer in ELEC
        scorecard_record(
            actor=ctx.segmgr,
            customer=ctx.customers.elec,
            version=ctx.version,
            entries=[ScoreInput(specs[3].key, D("5"))],
        )
    with pytest.raises(PermissionDenied):  # account managers do not score
        scorecard_record(
            actor=am,
            customer=ctx.customers.owned,
            version=ctx.version,
            entries=[ScoreInput(specs[3].key, D("5"))],
        )
    from prospects.models import ListEntry

    ListEntry.objects.filter(customer=ctx.customers.auto).delete()
    with pytest.raises(ValidationError):
        scorecard_record(
            actor=ctx.segmgr,
            customer=ctx.customers.auto,
            version=ctx.version,
            entries=[ScoreInput(specs[3].key, D("5"))],
        )


def test_accepting_proposals_in_bulk_keeps_manual_tiers(ctx, score_all):
    c = ctx.customers
    score_all(ctx.segmgr, c.owned, ctx.version, {"attractiveness": D("7"), "feasibility": D("4")})
    score_all(ctx.segmgr, c.auto, ctx.version, {"attractiveness": D("8"), "feasibility": D("8")})
    svc.tier_set(actor=ctx.segmgr, customer=c.auto, year=YEAR, tier=Tier.TIER2, reason="战略合作伙伴")
    assert svc.tiers_accept_proposals(actor=ctx.segmgr, unit=ctx.org.unit, year=YEAR) == 1
    assert target(c.owned).tier == Tier.TIER3
    auto = target(c.auto)
    assert (auto.tier, auto.manual_reason, auto.decided_by) == (Tier.TIER2, "战略合作伙伴", ctx.segmgr)
    # Re-scoring keeps the decided tiers.
    score_all(ctx.segmgr, c.auto, ctx.version, {"attractiveness": D("2"), "feasibility": D("2")})
    auto = target(c.auto)
    assert (auto.tier, auto.proposed_tier) == (Tier.TIER2, Tier.NO)
    info = current_tier(c.auto, year=YEAR)
    assert info["tier"] == Tier.TIER2 and info["manual_reason"] == "战略合作伙伴"
    assert info["principle"].tier == Tier.TIER2
    assert auto.history.filter(manual_reason="战略合作伙伴").exists()


def test_a_manual_tier_needs_a_reason(ctx, score_all):
    score_all(ctx.segmgr, ctx.customers.auto, ctx.version, {"attractiveness": D("8"), "feasibility": D("8")})
    with pytest.raises(ValidationError):
        svc.tier_set(actor=ctx.segmgr, customer=ctx.customers.auto, year=YEAR, tier=Tier.NO, reason=" ")
    t = svc.tier_set(actor=ctx.segmgr, customer=ctx.customers.auto, year=YEAR, tier=Tier.TIER1)
    assert t.tier == Tier.TIER1 and t.manual_reason == ""


def test_current_tier_is_none_without_a_decision(ctx):
    assert current_tier(ctx.customers.auto, year=YEAR) is None


def test_approved_bu_list_is_locked_for_segment_managers_but_not_the_bu_vp(ctx, score_all, buvp):
    c = ctx.customers
    for customer in (c.owned, c.auto, c.elec):
        score_all(buvp, customer, ctx.version, {"attractiveness": D("6"), "feasibility": D("6")})
    with pytest.raises(ValidationError):
        svc.bu_list_approve(actor=buvp, unit=ctx.org.unit, year=YEAR)
    svc.tiers_accept_proposals(actor=buvp, unit=ctx.org.unit, year=YEAR)
    with pytest.raises(PermissionDenied):
        svc.bu_list_approve(actor=ctx.segmgr, unit=ctx.org.unit, year=YEAR)
    approval = svc.bu_list_approve(actor=buvp, unit=ctx.org.unit, year=YEAR)
    assert approval.counts[Tier.TIER1] == 3
    with pytest.raises(svc.ListLocked):
        svc.tier_set(actor=ctx.segmgr, customer=c.auto, year=YEAR, tier=Tier.NO, reason="x")
    svc.tier_set(actor=buvp, customer=c.auto, year=YEAR, tier=Tier.NO, reason="业务单元调整")


def test_bg_list_needs_every_bu_approved(ctx, bgvp, buvp, score_all):
    with pytest.raises(ValidationError):
        svc.bg_list_approve(actor=bgvp, group=ctx.org.group, year=YEAR)
    score_all(buvp, ctx.customers.auto, ctx.version, {"attractiveness": D("6"), "feasibility": D("6")})
    svc.tiers_accept_proposals(actor=buvp, unit=ctx.org.unit, year=YEAR)
    svc.bu_list_approve(actor=buvp, unit=ctx.org.unit, year=YEAR)
    with pytest.raises(PermissionDenied):
        svc.bg_list_approve(actor=buvp, group=ctx.org.group, year=YEAR)
    approval = svc.bg_list_approve(actor=bgvp, group=ctx.org.group, year=YEAR)
    assert approval.unit is None and ListApproval.objects.count() == 2


def test_owners_must_hold_fitting_roles_in_the_bu(ctx, am):
    stranger = UserFactory(username="stranger")
    grant(stranger, "account_manager", ctx.org.other_unit)
    with pytest.raises(ValidationError):
        svc.owners_assign(actor=ctx.segmgr, customer=ctx.customers.auto, daily_owner=stranger)
    with pytest.raises(ValidationError):
        svc.owners_assign(actor=ctx.segmgr, customer=ctx.customers.auto, overall_owner=am)
    customer = svc.owners_assign(
        actor=ctx.segmgr, customer=ctx.customers.auto, overall_owner=ctx.segmgr, daily_owner=am
    )
    assert (customer.overall_owner, customer.daily_owner) == (ctx.segmgr, am)
    with pytest.raises(PermissionDenied):
        svc.owners_assign(actor=am, customer=ctx.customers.owned, daily_owner=am)


def test_development_status_transitions_are_dated(ctx, am):
    import datetime

    svc.development_status_set(
        actor=am, customer=ctx.customers.owned, status="first_contact", on=datetime.date(2025, 2, 1)
    )
    with pytest.raises(ValidationError):
        svc.development_status_set(actor=am, customer=ctx.customers.owned, status="seminars", seminars_held=0)
    change = svc.development_status_set(
        actor=am, customer=ctx.customers.owned, status="seminars", seminars_held=2
    )
    assert (change.from_status, change.to_status, change.seminars_held) == ("first_contact", "seminars", 2)
    ctx.customers.owned.refresh_from_db()
    assert ctx.customers.owned.seminars_held == 2


def test_owners_see_their_customers_with_cadence_and_overdue_contacts(ctx, score_all, am, buvp):
    import datetime

    import time_machine

    c = ctx.customers.owned  # daily owner: am
    score_all(ctx.segmgr, c, ctx.version, {"attractiveness": D("8"), "feasibility": D("8")})
    svc.tiers_accept_proposals(actor=ctx.segmgr, unit=ctx.org.unit, year=YEAR)
    with time_machine.travel(datetime.date(2025, 3, 1)):
        svc.contact_log(actor=am, customer=c, contacted_on=datetime.date(2025, 3, 1), kind="visit")
    rows = my_customers(user=am, year=YEAR, today=datetime.date(2025, 3, 10))
    assert [(r["customer"], r["overdue"]) for r in rows] == [(c, False)]
    cadence = rows[0]["cadence"]
    later = my_customers(
        user=am, year=YEAR, today=datetime.date(2025, 3, 2) + datetime.timedelta(days=cadence)
    )
    assert later[0]["overdue"]
    assert my_customers(user=buvp, year=YEAR) == []


def test_claim_resolution_sets_one_primary_segment_and_owner(ctx, buvp, segmgr):
    res = svc.claim_resolve(
        actor=buvp,
        customer=ctx.customers.elec,
        year=YEAR,
        primary_segment=ctx.org.auto,
        overall_owner=segmgr,
        reason="汽车电子为主",
    )
    ctx.customers.elec.refresh_from_db()
    assert ctx.customers.elec.segment == ctx.org.auto and ctx.customers.elec.overall_owner == segmgr
    assert res.reason == "汽车电子为主"
    with pytest.raises(PermissionDenied):
        svc.claim_resolve(
            actor=segmgr, customer=ctx.customers.auto, year=YEAR, primary_segment=ctx.org.elec, reason="x"
        )


def test_promotion_plans_are_planned_by_managers_and_completed_by_account_managers(ctx, am):
    plan = svc.promotion_plan_save(
        actor=ctx.segmgr,
        customer=ctx.customers.owned,
        year=YEAR,
        objective="ERP 升级",
        decision_makers="CIO",
        format="seminar",
        supports=[{"who": "解决方案部", "responsibility": "演示"}],
    )
    assert plan.supports.count() == 1
    with pytest.raises(PermissionDenied):
        svc.promotion_plan_save(
            actor=am,
            customer=ctx.customers.owned,
            year=YEAR,
            objective="x",
            decision_makers="y",
            format="visit",
        )
    svc.promotion_plan_save(
        actor=am,
        customer=ctx.customers.owned,
        year=YEAR,
        plan=plan,
        done=True,
        result="签约",
        lessons="早介入",
    )
    plan.refresh_from_db()
    assert plan.done and plan.result == "签约"
