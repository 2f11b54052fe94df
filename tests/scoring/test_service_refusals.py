"""The tier, status and contact services: narrowing, no-op repeats and refusals with field errors."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from prioritization.models import ContactLog, Target
from prioritization.services import targets as svc
from prioritization.tiers import Tier
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(ctx, score_all):
    c = ctx.customers
    score_all(ctx.buvp, c.owned, ctx.version, {"attractiveness": D("7"), "feasibility": D("4")})
    score_all(ctx.buvp, c.auto, ctx.version, {"attractiveness": D("8"), "feasibility": D("8")})
    score_all(ctx.buvp, c.elec, ctx.version, {"attractiveness": D("3"), "feasibility": D("8")})
    return ctx


def tier_of(customer):
    return Target.objects.get(customer=customer, year=YEAR).tier


def test_accepting_proposals_narrows_to_customers_and_segment_and_repeats_as_a_no_op(scored):
    c, unit = scored.customers, scored.org.unit
    accept = svc.tiers_accept_proposals
    assert accept(actor=scored.buvp, unit=unit, year=YEAR, customer_ids=[c.auto.pk]) == 1
    assert (tier_of(c.auto), tier_of(c.owned), tier_of(c.elec)) == (Tier.TIER1, "", "")
    assert accept(actor=scored.buvp, unit=unit, year=YEAR, segment=scored.org.elec) == 1
    assert (tier_of(c.owned), tier_of(c.elec)) == ("", Tier.TIER2)
    assert accept(actor=scored.buvp, unit=unit, year=YEAR) == 1  # only 上海大众 was left
    assert accept(actor=scored.buvp, unit=unit, year=YEAR) == 0  # every tier already equals its proposal


def test_an_unknown_tier_is_refused_and_clearing_removes_tier_and_reason(scored):
    auto = scored.customers.auto
    with pytest.raises(ValidationError) as refused:
        svc.tier_set(actor=scored.buvp, customer=auto, year=YEAR, tier="tier9", reason="x")
    assert "tier" in refused.value.message_dict
    svc.tier_set(actor=scored.buvp, customer=auto, year=YEAR, tier=Tier.NO, reason="竞争对手的战略客户")
    cleared = svc.tier_clear(actor=scored.buvp, customer=auto, year=YEAR)
    assert (cleared.tier, cleared.manual_reason) == ("", "")
    assert (tier_of(auto), Target.objects.get(customer=auto, year=YEAR).proposed_tier) == ("", Tier.TIER1)
    with pytest.raises(PermissionDenied):  # another segment's customer
        svc.tier_clear(actor=scored.segmgr, customer=scored.customers.elec, year=YEAR)


def test_development_status_refuses_unknown_steps_negative_seminars_and_other_segments(ctx, am):
    owned = ctx.customers.owned
    with pytest.raises(ValidationError) as unknown:
        svc.development_status_set(actor=am, customer=owned, status="won")
    assert "status" in unknown.value.message_dict
    with pytest.raises(ValidationError) as negative:
        svc.development_status_set(actor=am, customer=owned, status="first_contact", seminars_held=-1)
    assert "seminars_held" in negative.value.message_dict
    with pytest.raises(PermissionDenied):
        svc.development_status_set(actor=ctx.segmgr, customer=ctx.customers.elec, status="first_contact")
    owned.refresh_from_db()
    assert owned.development_status == ""  # nothing recorded


def test_contact_log_refuses_unknown_kinds_future_dates_and_other_segments(ctx, am):
    owned, today = ctx.customers.owned, timezone.localdate()
    kind = ContactLog.Kind.values[0]
    with pytest.raises(ValidationError) as unknown:
        svc.contact_log(actor=am, customer=owned, contacted_on=today, kind="telepathy")
    assert "kind" in unknown.value.message_dict
    with pytest.raises(ValidationError) as future:
        svc.contact_log(actor=am, customer=owned, contacted_on=today + datetime.timedelta(days=1), kind=kind)
    assert "contacted_on" in future.value.message_dict
    with pytest.raises(PermissionDenied):
        svc.contact_log(actor=ctx.segmgr, customer=ctx.customers.elec, contacted_on=today, kind=kind)
    assert not ContactLog.objects.exists()
    entry = svc.contact_log(
        actor=am, customer=owned, contacted_on=today, kind=kind, decision_makers="张总" * 200
    )
    assert (entry.logged_by, len(entry.decision_makers)) == (am, 300)
