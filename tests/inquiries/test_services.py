"""Inquiry services: logging starts the clocks, decisions, listing as target, follow-up, access."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from inquiries.models import BusinessCalendar, Decision, Inquiry, Status
from inquiries.services import inquiries as services
from prioritization.models import Notification, Role
from prospects.models import Customer, ListEntry
from tests.factories import UserFactory, grant
from tests.inquiries.conftest import T0

pytestmark = pytest.mark.django_db


def test_quick_capture_starts_the_clocks_from_the_call_time(org, pr, segmgr, log):
    inquiry = log(pr, complete=False, call_at=T0, now=T0 + timedelta(minutes=3))
    assert inquiry.status == Status.CAPTURED
    assert inquiry.completed_at is None
    assert inquiry.log_due_at == T0 + timedelta(minutes=30)
    assert inquiry.log_remind_at == T0 + timedelta(minutes=20)
    assert inquiry.reply_due_at == T0 + timedelta(hours=24)
    assert inquiry.next_sla_at == T0 + timedelta(minutes=20)
    # The segment manager hears at once.
    assert Notification.objects.filter(recipient=segmgr, key=f"inquiry:{inquiry.pk}:logged").exists()


def test_a_full_record_is_complete_at_once(org, pr, log):
    inquiry = log(pr, now=T0 + timedelta(minutes=5))
    assert inquiry.status == Status.LOGGED
    assert inquiry.completed_at == T0 + timedelta(minutes=5)
    assert inquiry.next_sla_at == T0 + timedelta(hours=18)
    assert not inquiry.breaches.exists()


def test_a_record_logged_an_hour_after_the_call_is_a_recorded_breach(org, pr, log):
    inquiry = log(pr, now=T0 + timedelta(minutes=90))
    breach = inquiry.breaches.get()
    assert (breach.clock, breach.lateness) == ("log", timedelta(minutes=60))


def test_call_time_in_the_future_is_refused(org, pr, log):
    with pytest.raises(ValidationError):
        log(pr, call_at=T0 + timedelta(hours=1), now=T0)


def test_logging_needs_the_log_inquiry_right_in_that_segment(org, researcher, am, log):
    with pytest.raises(PermissionDenied):
        log(researcher)
    with pytest.raises(PermissionDenied):
        log(am, segment=org.elec)  # am is an account manager of AUTO only


def test_an_account_manager_sees_what_they_logged(org, am, log):
    from inquiries.selectors import inquiry_list_visible

    inquiry = log(am)
    assert list(inquiry_list_visible(user=am)) == [inquiry]


def test_classify_secondary_moves_the_reply_deadline_to_48_hours(org, pr, segmgr, log):
    inquiry = services.inquiry_classify(
        actor=segmgr, inquiry=log(pr), importance="secondary", now=T0 + timedelta(hours=1)
    )
    assert inquiry.reply_due_at == T0 + timedelta(hours=48)
    assert inquiry.reply_remind_at == T0 + timedelta(hours=36)


def test_decide_needs_the_decision_right(org, pr, am, log):
    with pytest.raises(PermissionDenied):
        services.inquiry_decide(
            actor=pr, inquiry=log(pr), importance="important", reply="x", decision="allocate"
        )


def test_saying_no_requires_a_reason_and_closes_the_inquiry(org, pr, segmgr, log):
    inquiry = log(pr)
    with pytest.raises(ValidationError):
        services.inquiry_decide(
            actor=segmgr, inquiry=inquiry, importance="important", reply="x", decision="decline"
        )
    inquiry = services.inquiry_decide(
        actor=segmgr, inquiry=inquiry, importance="important", reply="不做", decision="decline",
        decision_reason="纯硬件采购", now=T0 + timedelta(hours=2),
    )  # fmt: skip
    assert inquiry.status == Status.CLOSED
    assert inquiry.replied_at == T0 + timedelta(hours=2)
    assert inquiry.next_sla_at is None


def test_listing_a_new_company_as_target_creates_the_customer_on_the_years_list(org, pr, segmgr, log):
    inquiry = log(pr, company_name="宁波新宏汽车零部件")
    services.inquiry_decide(
        actor=segmgr, inquiry=inquiry, importance="important", reply="欢迎", decision=Decision.TARGET
    )
    inquiry.refresh_from_db()
    customer = inquiry.customer
    assert customer.name == "宁波新宏汽车零部件"
    assert customer.segment == org.auto
    entry = ListEntry.objects.get(customer=customer)
    assert (entry.year, entry.origin) == (2025, ListEntry.Origin.INQUIRY)


def test_listing_a_known_customer_links_it_instead_of_duplicating(org, pr, segmgr, customers, log):
    inquiry = log(pr, company_name="中国一汽")
    customer = services.inquiry_list_as_target(actor=segmgr, inquiry=inquiry)
    assert customer == customers.auto
    assert Customer.objects.filter(name="中国一汽").count() == 1
    assert Inquiry.objects.get(pk=inquiry.pk).decision == Decision.TARGET
    # One click twice is still one list entry.
    services.inquiry_list_as_target(actor=segmgr, inquiry=inquiry)
    assert ListEntry.objects.filter(customer=customer, year=2025).count() == 1


def test_assigning_an_account_manager_tells_them_and_checks_their_segment(org, pr, segmgr, am, log):
    inquiry = log(pr)
    elec_am = UserFactory(username="am-elec")
    grant(elec_am, Role.ACCOUNT_MANAGER, org.elec)
    with pytest.raises(ValidationError):
        services.inquiry_decide(
            actor=segmgr, inquiry=inquiry, importance="important", reply="x", decision="allocate",
            account_manager=elec_am,
        )  # fmt: skip
    services.inquiry_decide(
        actor=segmgr,
        inquiry=inquiry,
        importance="important",
        reply="x",
        decision="allocate",
        account_manager=am,
    )
    assert Notification.objects.filter(recipient=am, key=f"inquiry:{inquiry.pk}:assigned:{am.pk}").exists()


def test_only_the_assigned_account_manager_records_material_and_follow_up(org, pr, segmgr, am, log):
    other_am = UserFactory(username="am2")
    grant(other_am, Role.ACCOUNT_MANAGER, org.auto)
    inquiry = services.inquiry_decide(
        actor=segmgr,
        inquiry=log(pr),
        importance="important",
        reply="x",
        decision="allocate",
        account_manager=am,
        now=T0 + timedelta(hours=2),
    )
    with pytest.raises(PermissionDenied):
        services.inquiry_material_sent(actor=other_am, inquiry=inquiry)
    with pytest.raises(ValidationError):
        services.inquiry_follow_up(actor=am, inquiry=inquiry, feedback="好", now=T0 + timedelta(days=1))
    sent = T0 + timedelta(days=1)
    inquiry = services.inquiry_material_sent(actor=am, inquiry=inquiry, now=sent)
    assert inquiry.followup_due_at == sent + timedelta(days=7)
    assert inquiry.followup_remind_at == sent + timedelta(days=5)
    inquiry = services.inquiry_follow_up(
        actor=am, inquiry=inquiry, feedback="客户有兴趣", now=sent + timedelta(days=9)
    )
    assert inquiry.status == Status.FOLLOWED_UP
    assert inquiry.breaches.get(clock="followup").lateness == timedelta(days=2)
    inquiry = services.inquiry_close(actor=am, inquiry=inquiry, now=sent + timedelta(days=9))
    assert inquiry.status == Status.CLOSED


def test_closing_before_a_reply_is_refused(org, pr, segmgr, log):
    with pytest.raises(ValidationError):
        services.inquiry_close(actor=segmgr, inquiry=log(pr))


def test_a_bu_business_calendar_makes_the_clocks_count_working_time(org, pr, log):
    BusinessCalendar.objects.create(unit=org.unit, enabled=True)
    evening = T0.replace(hour=17, minute=50)
    inquiry = log(pr, complete=False, call_at=evening, now=evening)
    assert inquiry.log_due_at == T0.replace(day=13, hour=9, minute=20)


def test_a_customer_outside_the_loggers_scope_cannot_be_linked(org, am, customers, log):
    # am (AUTO) reads the AUTO customer database; an ELEC or another BU's customer is out of scope.
    with pytest.raises(ValidationError):
        log(am, customer=customers.elec)
    with pytest.raises(ValidationError):
        log(am, customer=customers.foreign)
    inquiry = log(am, customer=customers.owned, company_name="")
    assert inquiry.company_name == "上海大众"
