"""The SLA engine with the clock moved by time-machine: every reminder and escalation goes out
exactly once, to the right people, in their own language, even when the sweep runs twice."""

from datetime import timedelta

import pytest
import time_machine

from inquiries.models import Inquiry, SlaBreach
from inquiries.services import inquiries as services
from inquiries.services.sweep import sla_sweep
from prioritization.models import Notification, OutboundEmail, Profile, Role
from tests.factories import UserFactory, grant
from tests.inquiries.conftest import T0

pytestmark = pytest.mark.django_db


def keys(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("key", flat=True))


def test_logging_reminder_at_20_minutes_and_escalation_at_30_each_exactly_once(org, pr, segmgr, buvp, log):
    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr, complete=False)
        clock.move_to(T0 + timedelta(minutes=19))
        assert (sla_sweep().reminders, sla_sweep().escalations) == (0, 0)
        clock.move_to(T0 + timedelta(minutes=20))
        first = sla_sweep()
        second = sla_sweep()
        assert (first.reminders, first.escalations) == (1, 0)
        assert (second.reminders, second.escalations) == (0, 0)
        assert keys(pr) == [f"inquiry:{inquiry.pk}:log-reminder"]
        clock.move_to(T0 + timedelta(minutes=31))
        assert sla_sweep().escalations == 1
        assert sla_sweep().escalations == 0
    # The logging breach goes to the segment's decision makers, once.
    assert f"inquiry:{inquiry.pk}:log-escalation" in keys(segmgr)
    assert Notification.objects.filter(key=f"inquiry:{inquiry.pk}:log-escalation").count() == 1
    assert OutboundEmail.objects.filter(notification__key__endswith="log-reminder").count() == 1
    breach = SlaBreach.objects.get(inquiry=inquiry, clock="log")
    assert breach.lateness is None  # still open


def test_completing_late_records_the_breach_with_its_lateness(org, pr, segmgr, log):
    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr, complete=False)
        clock.move_to(T0 + timedelta(minutes=31))
        sla_sweep()
        clock.move_to(T0 + timedelta(minutes=45))
        services.inquiry_complete(
            actor=pr, inquiry=inquiry, contact_name="李", request_type="rfp", description="x"
        )
    breach = SlaBreach.objects.get(inquiry=inquiry, clock="log")
    assert breach.lateness == timedelta(minutes=15)
    assert breach.detected_at == T0 + timedelta(minutes=31)


def test_a_record_completed_in_time_gets_no_reminder(org, pr, log):
    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr, complete=False)
        clock.move_to(T0 + timedelta(minutes=10))
        services.inquiry_complete(
            actor=pr, inquiry=inquiry, contact_name="李", request_type="rfp", description="x"
        )
        clock.move_to(T0 + timedelta(minutes=40))
        assert sla_sweep().reminders == 0
    assert keys(pr) == []


def test_secondary_inquiry_reply_is_reminded_at_36_hours_and_escalated_to_the_bu_vp_after_48(
    org, pr, segmgr, buvp, log
):
    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr)
        services.inquiry_classify(actor=segmgr, inquiry=inquiry, importance="secondary")
        clock.move_to(T0 + timedelta(hours=35, minutes=59))
        assert sla_sweep().reminders == 0
        clock.move_to(T0 + timedelta(hours=36))
        assert sla_sweep().reminders == 1
        assert sla_sweep().reminders == 0
        clock.move_to(T0 + timedelta(hours=47))
        assert sla_sweep().escalations == 0
        clock.move_to(T0 + timedelta(hours=48))
        assert sla_sweep().escalations == 1
        assert sla_sweep().escalations == 0
    assert f"inquiry:{inquiry.pk}:reply-reminder" in keys(segmgr)
    assert keys(buvp) == [f"inquiry:{inquiry.pk}:reply-escalation"]
    assert f"inquiry:{inquiry.pk}:reply-escalation" not in keys(segmgr)


def test_a_segment_without_a_manager_is_decided_by_the_bu_vp_and_escalates_to_the_bg_vp(
    org, pr, segmgr, buvp, bgvp, log
):
    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr, segment=org.elec)  # ELEC has no segment manager
        assert f"inquiry:{inquiry.pk}:logged" in keys(buvp)
        assert keys(segmgr) == []
        clock.move_to(T0 + timedelta(hours=24))
        assert sla_sweep().escalations == 1
    assert f"inquiry:{inquiry.pk}:reply-escalation" in keys(bgvp)


def test_an_answered_inquiry_is_not_escalated(org, pr, segmgr, buvp, log):
    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr)
        clock.move_to(T0 + timedelta(hours=3))
        services.inquiry_decide(
            actor=segmgr, inquiry=inquiry, importance="important", reply="已答复", decision="no_resources"
        )
        clock.move_to(T0 + timedelta(days=3))
        result = sla_sweep()
    assert (result.reminders, result.escalations) == (0, 0)
    assert keys(buvp) == []
    assert Inquiry.objects.get(pk=inquiry.pk).next_sla_at is None


def test_followup_reminder_on_day_5_to_the_account_manager_and_escalation_on_day_7_to_the_segment_manager(
    org, pr, segmgr, am, log
):
    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr)
        services.inquiry_decide(
            actor=segmgr, inquiry=inquiry, importance="important", reply="ok", decision="allocate",
            account_manager=am,
        )  # fmt: skip
        sent = T0 + timedelta(hours=2)
        clock.move_to(sent)
        services.inquiry_material_sent(actor=am, inquiry=inquiry)
        clock.move_to(sent + timedelta(days=5))
        assert sla_sweep().reminders == 1
        assert sla_sweep().reminders == 0
        clock.move_to(sent + timedelta(days=7))
        assert sla_sweep().escalations == 1
        assert sla_sweep().escalations == 0
    assert f"inquiry:{inquiry.pk}:followup-reminder" in keys(am)
    assert f"inquiry:{inquiry.pk}:followup-escalation" in keys(segmgr)


def test_reminders_reach_each_recipient_in_their_own_language(org, pr, segmgr, log):
    english_manager = UserFactory(username="segmgr-en")
    grant(english_manager, Role.SEGMENT_MANAGER, org.auto)
    Profile.objects.update_or_create(user=english_manager, defaults={"language": "en"})
    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr)
        clock.move_to(T0 + timedelta(hours=18))
        sla_sweep()
    zh = Notification.objects.get(recipient=segmgr, key=f"inquiry:{inquiry.pk}:reply-reminder")
    en = Notification.objects.get(recipient=english_manager, key=f"inquiry:{inquiry.pk}:reply-reminder")
    assert "提醒" in zh.subject
    assert en.subject.startswith("Reminder")
    assert OutboundEmail.objects.get(notification=en).to_address == "segmgr-en@example.com"


def test_a_late_sweep_escalates_without_sending_the_stale_reminder(org, pr, segmgr, buvp, log):
    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr)
        clock.move_to(T0 + timedelta(days=2))
        result = sla_sweep()
    assert (result.reminders, result.escalations) == (0, 1)
    assert f"inquiry:{inquiry.pk}:reply-reminder" not in keys(segmgr)


def test_closed_inquiries_owe_nothing(org, pr, segmgr, log):
    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr)
        services.inquiry_decide(
            actor=segmgr, inquiry=inquiry, importance="important", reply="不", decision="decline",
            decision_reason="不符合定位",
        )  # fmt: skip
        clock.move_to(T0 + timedelta(days=30))
        result = sla_sweep()
    assert (result.reminders, result.escalations) == (0, 0)


def test_sweep_reads_only_due_rows(org, pr, log, django_assert_max_num_queries):
    with time_machine.travel(T0, tick=False):
        for n in range(20):
            log(pr, company_name=f"公司{n}")
    with django_assert_max_num_queries(3):
        assert sla_sweep(now=T0 + timedelta(minutes=1)).reminders == 0


def test_the_sweep_runs_in_batches(org, pr, segmgr, log):
    with time_machine.travel(T0, tick=False):
        for n in range(7):
            log(pr, company_name=f"公司{n}", complete=False)
    result = sla_sweep(now=T0 + timedelta(minutes=21), batch=3)
    assert result.reminders == 7
    assert sla_sweep(now=T0 + timedelta(minutes=21), batch=3).reminders == 0


def test_a_logger_who_left_the_unit_is_not_reminded_the_decision_makers_are(org, pr, segmgr, log):
    from prioritization.models import Membership

    with time_machine.travel(T0, tick=False) as clock:
        inquiry = log(pr, complete=False)
        Membership.objects.filter(user=pr).delete()
        clock.move_to(T0 + timedelta(minutes=20))
        assert sla_sweep().reminders == 1
    assert keys(pr) == []
    assert f"inquiry:{inquiry.pk}:log-reminder" in keys(segmgr)


def test_the_sweeps_query_count_does_not_grow_with_the_number_of_due_inquiries(
    org, pr, segmgr, buvp, log, django_assert_max_num_queries
):
    """Reminders and escalations (with breaches) over two segments: the same fixed number of
    queries for 2 due inquiries as for 24 (bulk reads, one notifier flush, bulk writes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def due(n, at):
        with time_machine.travel(at, tick=False):
            for i in range(n):
                segment = org.auto if i % 2 else org.elec
                log(
                    pr,
                    segment=segment,
                    company_name=f"{at:%d%H}-{i}",
                    complete=bool(i % 3),
                    call_at=at,
                    now=at,
                )

    due(2, T0)
    with CaptureQueriesContext(connection) as small:
        result = sla_sweep(now=T0 + timedelta(hours=50))
    assert result.reminders + result.escalations >= 2 and result.escalations >= 1
    due(24, T0 + timedelta(days=10))
    with django_assert_max_num_queries(len(small.captured_queries)):
        result = sla_sweep(now=T0 + timedelta(days=10, hours=50))
    # Every one is past its reply deadline; the 8 never completed are past their logging one too.
    assert result.escalations == 24 + 8
    batch = SlaBreach.objects.filter(inquiry__company_name__startswith=f"{T0 + timedelta(days=10):%d%H}-")
    assert batch.count() == 24 + 8
    # An unanswered AUTO inquiry goes above its segment manager to the BU VP: 1 + 12 of them.
    assert Notification.objects.filter(recipient=buvp, key__endswith=":reply-escalation").count() == 13
