"""QA round 2 on tiers, owners and the BU/BG lists: the approval lock covers owners, owners are
people who see the customer, two-segment claims and cross-BU overlaps are decided before the lists
are approved, the development pipeline keeps its order, no plan for a customer tiered 不考虑, and
the BU/BG pages say when the list changed after its approval."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from prioritization.forms import BulkOwnersForm, OwnersForm
from prioritization.models import (
    ClaimResolution,
    DevelopmentStatusChange,
    ListApproval,
    PromotionPlan,
    Target,
)
from prioritization.services import consolidation
from prioritization.services import targets as svc
from prioritization.tiers import Tier
from prospects.models import Customer, SegmentClaim
from prospects.services.customers import ConcurrentUpdate
from tests.factories import CustomerFactory, Role, SegmentFactory, UnitFactory, UserFactory, grant
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db


def _tiered(ctx, **tiers):
    """Targets of the year for the ctx customers, e.g. `_tiered(ctx, auto=Tier.TIER1)`."""
    for attr, tier in tiers.items():
        Target.objects.update_or_create(
            customer=getattr(ctx.customers, attr),
            year=YEAR,
            defaults={"tier": tier, "proposed_tier": tier, "incomplete": False},
        )


@pytest.fixture
def elec_manager(org):
    user = UserFactory(username="segmgr2", first_name="赵经理")
    grant(user, Role.SEGMENT_MANAGER, org.elec)
    return user


@pytest.fixture
def elec_am(org):
    user = UserFactory(username="am3")
    grant(user, Role.ACCOUNT_MANAGER, org.elec)
    return user


@pytest.fixture
def approved(ctx):
    """MFG's list of the year, decided and approved by the BU VP."""
    _tiered(ctx, owned=Tier.TIER1, auto=Tier.TIER2, elec=Tier.TIER3)
    svc.bu_list_approve(actor=ctx.buvp, unit=ctx.org.unit, year=YEAR)
    return ctx


# --- 1. the approval lock covers owners ------------------------------------------------------------


def test_approved_bu_list_locks_owner_changes_for_segment_managers(approved):
    c = approved.customers
    with pytest.raises(svc.ListLocked):
        svc.owners_assign(actor=approved.segmgr, customer=c.auto, overall_owner=approved.segmgr)
    with pytest.raises(svc.ListLocked):
        svc.owners_assign_bulk(actor=approved.segmgr, customers=[c.auto], daily_owner=approved.am)
    c.auto.refresh_from_db()
    assert (c.auto.overall_owner, c.auto.daily_owner) == (None, None)
    # the BU VP may still change them
    svc.owners_assign(
        actor=approved.buvp, customer=c.auto, overall_owner=approved.segmgr, daily_owner=approved.am
    )
    c.auto.refresh_from_db()
    assert (c.auto.overall_owner, c.auto.daily_owner) == (approved.segmgr, approved.am)


def test_an_older_year_does_not_open_an_approved_list_to_owner_changes(approved):
    """Owners live on the customer: the lock follows the customer's latest list, whatever year the
    page was opened for."""
    Target.objects.create(customer=approved.customers.auto, year=YEAR - 1, tier=Tier.TIER1)
    with pytest.raises(svc.ListLocked):
        svc.owners_assign(
            actor=approved.segmgr, customer=approved.customers.auto, overall_owner=approved.segmgr
        )


def test_owner_pages_refuse_a_segment_manager_after_approval(approved, client):
    c = approved.customers
    client.force_login(approved.segmgr)
    url = reverse("prioritization:customer_owners", args=[c.auto.pk]) + f"?year={YEAR}"
    page = client.get(url)
    assert 'data-testid="owners-locked"' in page.content.decode()
    response = client.post(
        url, {"overall_owner": approved.segmgr.pk, "year": YEAR, "version": c.auto.version}
    )
    assert response.status_code == 200 and "已由业务单元批准" in response.content.decode()
    response = client.post(
        reverse("prioritization:owners_bulk"),
        {"bu": "MFG", "year": YEAR, "customer": [c.auto.pk], "daily_owner": approved.am.pk},
        follow=True,
    )
    assert "已由业务单元批准" in response.content.decode()
    assert Customer.objects.filter(pk=c.auto.pk, overall_owner=None, daily_owner=None).exists()


# --- 2. owners are people who see the customer ---------------------------------------------------


def test_owner_choices_are_those_of_the_customers_segment_or_the_whole_bu(ctx, elec_manager, elec_am):
    c = ctx.customers
    form = OwnersForm(unit=ctx.org.unit, customer=c.elec)
    assert set(form.fields["overall_owner"].queryset) == {elec_manager, ctx.buvp}
    assert set(form.fields["daily_owner"].queryset) == {elec_manager, elec_am}
    form = OwnersForm(unit=ctx.org.unit, customer=c.auto)
    assert set(form.fields["overall_owner"].queryset) == {ctx.segmgr, ctx.buvp}
    assert set(form.fields["daily_owner"].queryset) == {ctx.segmgr, ctx.am}
    # the owner list's bulk form for one segment offers that segment's people
    bulk = BulkOwnersForm(unit=ctx.org.unit, segment=ctx.org.elec)
    assert set(bulk.fields["daily_owner"].queryset) == {elec_manager, elec_am}


def test_an_owner_who_would_not_see_the_customer_is_refused(ctx, elec_manager):
    c = ctx.customers
    with pytest.raises(ValidationError) as refused:
        svc.owners_assign(actor=ctx.buvp, customer=c.elec, daily_owner=ctx.am)  # AUTO account manager
    assert "日常关系负责人" in refused.value.message_dict["daily_owner"][0]
    assert c.elec.name in refused.value.message_dict["daily_owner"][0]
    with pytest.raises(ValidationError) as refused:
        svc.owners_assign(actor=ctx.buvp, customer=c.auto, overall_owner=elec_manager)
    assert "总负责人" in refused.value.message_dict["overall_owner"][0]
    with pytest.raises(ValidationError):
        svc.owners_assign_bulk(actor=ctx.buvp, customers=[c.auto, c.elec], daily_owner=ctx.am)
    assert Customer.objects.get(pk=c.auto.pk).daily_owner is None  # all or nothing
    customer = svc.owners_assign(actor=ctx.buvp, customer=c.elec, overall_owner=elec_manager)
    assert customer.overall_owner == elec_manager


def test_owner_page_does_not_offer_an_account_manager_of_another_segment(ctx, elec_manager, client):
    c = ctx.customers
    client.force_login(ctx.buvp)
    url = reverse("prioritization:customer_owners", args=[c.elec.pk]) + f"?year={YEAR}"
    response = client.post(url, {"overall_owner": elec_manager.pk, "daily_owner": ctx.am.pk, "year": YEAR})
    assert response.status_code == 200 and 'data-testid="field-error"' in response.content.decode()
    assert Customer.objects.get(pk=c.elec.pk).daily_owner is None


# --- 3. the claim resolution's owner ---------------------------------------------------------------


def test_claim_resolution_takes_only_an_owner_who_sees_the_primary_segment(
    ctx, bgvp, researcher, elec_manager
):
    c = ctx.customers
    for wrong in (researcher, bgvp, ctx.segmgr):  # segmgr manages AUTO, the customer goes to ELEC
        with pytest.raises(ValidationError) as refused:
            svc.claim_resolve(
                actor=ctx.buvp,
                customer=c.auto,
                year=YEAR,
                primary_segment=ctx.org.elec,
                overall_owner=wrong,
                reason="电子为主",
            )
        assert "overall_owner" in refused.value.message_dict
    c.auto.refresh_from_db()
    assert c.auto.segment == ctx.org.auto and not ClaimResolution.objects.exists()
    svc.claim_resolve(
        actor=ctx.buvp,
        customer=c.auto,
        year=YEAR,
        primary_segment=ctx.org.elec,
        overall_owner=elec_manager,
        reason="电子为主",
    )
    c.auto.refresh_from_db()
    assert (c.auto.segment, c.auto.overall_owner) == (ctx.org.elec, elec_manager)


def test_claim_resolution_clears_a_daily_owner_who_would_no_longer_see_the_customer(
    ctx, elec_manager, client
):
    owned = ctx.customers.owned  # AUTO, daily owner am (AUTO account manager)
    resolution = svc.claim_resolve(
        actor=ctx.buvp,
        customer=owned,
        year=YEAR,
        primary_segment=ctx.org.elec,
        overall_owner=elec_manager,
        reason="x",
    )
    owned.refresh_from_db()
    assert owned.segment == ctx.org.elec and owned.daily_owner is None
    assert [(str(c["role"]), c["user"]) for c in resolution.cleared] == [("日常关系负责人", ctx.am)]
    # the page says so
    auto = ctx.customers.auto
    auto.daily_owner = ctx.am
    auto.save()
    SegmentClaim.objects.create(customer=auto, segment=ctx.org.elec, year=YEAR)
    client.force_login(ctx.buvp)
    response = client.post(
        reverse("prioritization:bu_merge") + f"?bu=MFG&year={YEAR}",
        {
            "bu": "MFG",
            "year": YEAR,
            "customer": auto.pk,
            "primary_segment": ctx.org.elec.pk,
            "overall_owner": elec_manager.pk,
            "reason": "电子为主",
        },
        follow=True,
    )
    assert "已不再担任" in response.content.decode() and auto.name in response.content.decode()
    assert Customer.objects.get(pk=auto.pk).daily_owner is None


def test_bu_merge_page_offers_owners_of_the_claimed_segments_only(ctx, elec_manager, researcher, client):
    SegmentClaim.objects.create(customer=ctx.customers.auto, segment=ctx.org.elec, year=YEAR)
    client.force_login(ctx.buvp)
    page = client.get(reverse("prioritization:bu_merge") + f"?bu=MFG&year={YEAR}")
    owners = {u.pk for u in page.context["claims"][0]["owners"]}
    assert owners == {ctx.segmgr.pk, elec_manager.pk, ctx.buvp.pk} and researcher.pk not in owners


# --- 4. and 5. no approval while a claim or an overlap is undecided ---------------------------------


def test_bu_list_is_not_approved_while_a_two_segment_claim_is_unresolved(ctx, elec_manager):
    _tiered(ctx, owned=Tier.TIER1, auto=Tier.TIER2, elec=Tier.TIER3)
    SegmentClaim.objects.create(customer=ctx.customers.auto, segment=ctx.org.elec, year=YEAR)
    with pytest.raises(ValidationError) as refused:
        svc.bu_list_approve(actor=ctx.buvp, unit=ctx.org.unit, year=YEAR)
    assert ctx.customers.auto.name in refused.value.messages[0]
    assert not ListApproval.objects.exists()
    svc.claim_resolve(
        actor=ctx.buvp,
        customer=ctx.customers.auto,
        year=YEAR,
        primary_segment=ctx.org.auto,
        reason="汽车为主",
    )
    assert svc.bu_list_approve(actor=ctx.buvp, unit=ctx.org.unit, year=YEAR).unit == ctx.org.unit


def test_bu_approve_page_names_the_unresolved_claim(ctx, client):
    _tiered(ctx, owned=Tier.TIER1, auto=Tier.TIER2, elec=Tier.TIER3)
    SegmentClaim.objects.create(customer=ctx.customers.auto, segment=ctx.org.elec, year=YEAR)
    client.force_login(ctx.buvp)
    assert (
        'data-testid="claims-unresolved"'
        in client.get(reverse("prioritization:bu_merge") + f"?bu=MFG&year={YEAR}").content.decode()
    )
    response = client.post(reverse("prioritization:bu_approve") + f"?bu=MFG&year={YEAR}", follow=True)
    assert "尚未裁定主细分市场" in response.content.decode() and not ListApproval.objects.exists()


@pytest.fixture
def two_bus(ctx, bgvp):
    """中国一汽 is a target of MFG and of a second BU (SVC); both BU lists approved."""
    svc_unit = UnitFactory(code="SVC", group=ctx.org.group, name="服务业务单元")
    buvp2 = UserFactory(username="buvp2")
    grant(buvp2, Role.BU_VP, svc_unit)
    twin = CustomerFactory(segment=SegmentFactory(unit=svc_unit, code="S1"), name="中国一汽")
    _tiered(ctx, auto=Tier.TIER1, elec=Tier.TIER3)
    Target.objects.create(
        customer=twin, year=YEAR, tier=Tier.TIER2, proposed_tier=Tier.TIER2, incomplete=False
    )
    svc.bu_list_approve(actor=ctx.buvp, unit=ctx.org.unit, year=YEAR)
    svc.bu_list_approve(actor=buvp2, unit=svc_unit, year=YEAR)
    ctx.svc, ctx.twin, ctx.bgvp, ctx.buvp2 = svc_unit, twin, bgvp, buvp2
    return ctx


def test_bg_list_is_not_approved_while_a_cross_bu_overlap_is_not_arbitrated(two_bus, client):
    with pytest.raises(ValidationError) as refused:
        svc.bg_list_approve(actor=two_bus.bgvp, group=two_bus.org.group, year=YEAR)
    assert "中国一汽" in refused.value.messages[0]
    client.force_login(two_bus.bgvp)
    page = client.get(reverse("prioritization:bg_list") + f"?bg=ITS&year={YEAR}")
    assert 'data-testid="overlaps-open"' in page.content.decode()
    response = client.post(reverse("prioritization:bg_list"), {"bg": "ITS", "year": YEAR}, follow=True)
    assert "尚未裁定归属" in response.content.decode()
    assert not ListApproval.objects.filter(unit=None).exists()
    key = consolidation.bg_overlaps(group=two_bus.org.group, year=YEAR)[0]["name_key"]
    consolidation.unit_arbitrate(
        actor=two_bus.bgvp,
        group=two_bus.org.group,
        year=YEAR,
        name_key=key,
        primary_unit=two_bus.svc,
        reason="合同",
    )
    assert svc.bg_list_approve(actor=two_bus.bgvp, group=two_bus.org.group, year=YEAR).unit is None


# --- 6. the development pipeline -------------------------------------------------------------------


def _step(ctx, status, on, **kw):
    return svc.development_status_set(
        actor=ctx.segmgr, customer=ctx.customers.auto, status=status, on=on, **kw
    )


def test_a_step_is_not_dated_before_the_latest_step(ctx):
    _step(ctx, "first_contact", date(2025, 3, 1))
    with pytest.raises(ValidationError) as refused:
        _step(ctx, "drafting", date(2025, 2, 1))
    assert "2025-03-01" in refused.value.message_dict["on"][0]
    _step(ctx, "drafting", date(2025, 3, 1))  # the same day is fine
    assert DevelopmentStatusChange.objects.count() == 2


def test_the_same_status_again_is_not_a_new_step(ctx):
    _step(ctx, "negotiating", date(2025, 3, 1))
    with pytest.raises(ValidationError) as refused:
        _step(ctx, "negotiating", date(2025, 3, 5))
    assert "status" in refused.value.message_dict
    assert DevelopmentStatusChange.objects.count() == 1


def test_the_seminar_count_never_goes_down_but_may_go_up(ctx):
    _step(ctx, "seminars", date(2025, 3, 1), seminars_held=3)
    with pytest.raises(ValidationError) as refused:
        _step(ctx, "seminars", date(2025, 3, 2), seminars_held=1)
    assert "3" in refused.value.message_dict["seminars_held"][0]
    _step(ctx, "seminars", date(2025, 3, 2), seminars_held=4)
    ctx.customers.auto.refresh_from_db()
    assert ctx.customers.auto.seminars_held == 4


def test_a_step_back_needs_a_note(ctx):
    _step(ctx, "closed", date(2025, 3, 1))
    with pytest.raises(ValidationError) as refused:
        _step(ctx, "first_contact", date(2025, 4, 1))
    assert "note" in refused.value.message_dict
    change = _step(ctx, "first_contact", date(2025, 4, 1), note="新项目：MES 二期")
    assert (change.from_status, change.to_status, change.note) == (
        "closed",
        "first_contact",
        "新项目：MES 二期",
    )


def test_a_stale_status_form_is_refused_naming_who_recorded_the_newer_step(ctx):
    first = _step(ctx, "first_contact", date(2025, 3, 1))
    seen = first.pk
    svc.development_status_set(
        actor=ctx.buvp,
        customer=ctx.customers.auto,
        status="negotiating",
        on=date(2025, 3, 5),
        expected_last_step=seen,
    )
    with pytest.raises(ConcurrentUpdate) as refused:
        svc.development_status_set(
            actor=ctx.segmgr,
            customer=ctx.customers.auto,
            status="drafting",
            on=date(2025, 3, 6),
            expected_last_step=seen,
        )
    assert "buvp" in refused.value.messages[0] and "2025-03-05" in refused.value.messages[0]
    ctx.customers.auto.refresh_from_db()
    assert ctx.customers.auto.development_status == "negotiating"


def test_status_page_carries_the_latest_step_and_refuses_a_stale_post(ctx, client):
    url = reverse("prioritization:customer_status", args=[ctx.customers.auto.pk]) + f"?year={YEAR}"
    client.force_login(ctx.segmgr)
    page = client.get(url)
    assert 'name="last_step" value=""' in page.content.decode()
    # meanwhile the BU VP records a step
    newer = svc.development_status_set(
        actor=ctx.buvp, customer=ctx.customers.auto, status="negotiating", on=date(2025, 3, 5)
    )
    response = client.post(
        url, {"year": YEAR, "status": "seminars", "seminars_held": 1, "on": "2025-03-06", "last_step": ""}
    )
    assert response.status_code == 200 and "已在您打开之后" in response.content.decode()
    assert f'name="last_step" value="{newer.pk}"' in response.content.decode()  # seen now
    ctx.customers.auto.refresh_from_db()
    assert ctx.customers.auto.development_status == "negotiating"
    assert DevelopmentStatusChange.objects.count() == 1


# --- 7. no plan for a customer tiered 不考虑 -----------------------------------------------------


def test_no_new_promotion_plan_for_a_customer_tiered_no(ctx, client):
    _tiered(ctx, auto=Tier.TIER1)
    plan = svc.promotion_plan_save(
        actor=ctx.segmgr,
        customer=ctx.customers.auto,
        year=YEAR,
        objective="ERP",
        decision_makers="CIO",
        format="visit",
    )
    _tiered(ctx, auto=Tier.NO)
    with pytest.raises(ValidationError) as refused:
        svc.promotion_plan_save(
            actor=ctx.segmgr,
            customer=ctx.customers.auto,
            year=YEAR,
            objective="x",
            decision_makers="CIO",
            format="visit",
        )
    assert "不考虑" in refused.value.messages[0]
    # the plan made before stays editable and closable
    svc.promotion_plan_save(
        actor=ctx.segmgr, customer=ctx.customers.auto, year=YEAR, plan=plan, done=True, result="暂停"
    )
    plan.refresh_from_db()
    assert plan.done
    client.force_login(ctx.segmgr)
    page = client.get(
        reverse("prioritization:customer_plans", args=[ctx.customers.auto.pk]) + f"?year={YEAR}"
    )
    assert (
        'data-testid="no-new-plan"' in page.content.decode()
        and 'data-testid="new-plan"' not in page.content.decode()
    )
    new = reverse("prioritization:plan_create", args=[ctx.customers.auto.pk]) + f"?year={YEAR}"
    response = client.post(
        new, {"objective": "x", "decision_makers": "CIO", "format": "visit", "year": YEAR}, follow=True
    )
    assert "不考虑" in response.content.decode() and PromotionPlan.objects.count() == 1


# --- 8. the pages say the list changed after its approval ------------------------------------------


def test_bu_and_bg_pages_say_the_list_changed_since_approval(two_bus, client):
    key = consolidation.bg_overlaps(group=two_bus.org.group, year=YEAR)[0]["name_key"]
    consolidation.unit_arbitrate(
        actor=two_bus.bgvp,
        group=two_bus.org.group,
        year=YEAR,
        name_key=key,
        primary_unit=two_bus.svc,
        reason="合同",
    )
    svc.bg_list_approve(actor=two_bus.bgvp, group=two_bus.org.group, year=YEAR)
    approval = ListApproval.objects.get(unit=two_bus.org.unit)
    assert svc.approval_changes(approval) | {"by_tier": None} == {
        "changed": 0,
        "counts": approval.counts,
        "differs": False,
        "by_tier": None,
    }
    client.force_login(two_bus.buvp)
    html = client.get(reverse("prioritization:tiers") + f"?bu=MFG&year={YEAR}").content.decode()
    assert 'data-testid="bu-approved"' in html and 'data-testid="changed-since-approval"' not in html
    later = timezone.now() + timedelta(minutes=1)
    svc.tier_set(
        actor=two_bus.buvp,
        customer=two_bus.customers.elec,
        year=YEAR,
        tier=Tier.TIER1,
        reason="调整",
        now=later,
    )
    changes = svc.approval_changes(approval)
    assert changes["changed"] == 1 and changes["differs"]
    assert changes["counts"][Tier.TIER1] == approval.counts[Tier.TIER1] + 1
    client.force_login(two_bus.buvp)
    for name in ("tiers", "bu_merge"):
        html = client.get(reverse(f"prioritization:{name}") + f"?bu=MFG&year={YEAR}").content.decode()
        assert 'data-testid="changed-since-approval"' in html and "批准后有 1 处级别变更" in html
    client.force_login(two_bus.bgvp)
    html = client.get(reverse("prioritization:bg_list") + f"?bg=ITS&year={YEAR}").content.decode()
    assert 'data-testid="unit-changed-since-approval"' in html  # the MFG row
    assert 'data-testid="changed-since-approval"' in html  # the BG approval itself
    assert "批准后有 1 处级别变更" in html
