"""QA round 2 of the inquiry stage: compliance counts open breaches, a clock stopped by the close
stays stopped, a missed reply deadline survives reclassification, the account manager closes only
after the follow-up, no "list as target" on a closed or declined inquiry, the material time is
checked, `inquiry_report --month` is strict, and the "not pursued" marker on the board and e-mail."""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from inquiries import sla
from inquiries.models import Decision, Inquiry, SlaBreach, Status
from inquiries.services import inquiries as services
from inquiries.services import reports
from inquiries.services.sweep import sla_sweep
from prioritization.models import BusinessUnit, Notification, Target
from prioritization.tiers import Tier
from prospects.models import Customer, ListEntry
from tests.inquiries.conftest import T0

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)


def figures(user, *, now):
    """The March 2025 report of MFG as `user` reads it: (figures, {clock: ClockFigures})."""
    unit = BusinessUnit.objects.get(code="MFG")
    result = reports.monthly_figures(reports.monthly_report_rows(actor=user, unit=unit, month=MARCH), now=now)
    return result, {c.name: c for c in result["clocks"]}


def decide(segmgr, inquiry, *, at, importance="important", decision="allocate", **kw):
    return services.inquiry_decide(
        actor=segmgr, inquiry=inquiry, importance=importance, reply="已答复", decision=decision, now=at, **kw
    )


def states(inquiry, now):
    inquiry.refresh_from_db()
    return {s.name: s.state for s in inquiry.clock_states(now)}


# --- 1. compliance counts the breaches still open ----------------------------------------------
def test_clock_compliance_divides_on_time_by_met_and_open_breaches():
    figures_ = reports.ClockFigures("reply", measured=2, on_time=2, open_breached=2)
    assert figures_.rate == 0.5
    assert reports.ClockFigures("reply").rate is None


def test_monthly_report_counts_inquiries_never_answered_as_misses(
    org, pr, segmgr, buvp, log, tmp_path, capsys
):
    """QA t4: two November inquiries never answered → 达标率 100 %; expected 50 %."""
    for n in range(2):
        decide(segmgr, log(pr, company_name=f"答复{n}"), at=T0 + timedelta(hours=2))
    log(pr, company_name="未答复甲")
    log(pr, company_name="未答复乙")
    # The logging clock too: two records completed on time, two never completed.
    log(pr, company_name="未补全甲", complete=False, call_at=T0 + timedelta(days=1))
    log(pr, company_name="未补全乙", complete=False, call_at=T0 + timedelta(days=1))
    later = T0 + timedelta(days=30)
    _result, clocks = figures(buvp, now=later)
    reply, logging = clocks[sla.ClockName.REPLY], clocks[sla.ClockName.LOG]
    assert (reply.measured, reply.on_time, reply.open_breached) == (2, 2, 4)
    assert reply.rate == pytest.approx(2 / 6)
    assert (logging.measured, logging.on_time, logging.open_breached) == (4, 4, 2)
    assert logging.rate == pytest.approx(4 / 6)

    with time_machine.travel(later, tick=False):
        out = tmp_path / "report.xlsx"
        call_command("inquiry_report", str(out), "--bu", "MFG", "--month", "2025-03", "--as", "buvp")
    summary = {row[0]: row[1:] for row in load_workbook(out)["汇总"].iter_rows(values_only=True)}
    assert summary["答复（24/48 小时）"] == (2, 2, 0, 4, round(2 / 6, 4))
    assert summary["记录（30 分钟）"] == (4, 4, 0, 2, round(4 / 6, 4))


def test_report_page_shows_the_same_rate(as_user, org, pr, segmgr, buvp, log):
    decide(segmgr, log(pr, company_name="已答复"), at=T0 + timedelta(hours=2))
    log(pr, company_name="未答复")
    with time_machine.travel(T0 + timedelta(days=30), tick=False):
        page = as_user(buvp).get(
            reverse("inquiries:monthly_report"), {"unit": org.unit.pk, "month": "2025-03"}
        )
    reply = dict(page.context["figures"]["clock_rows"])["答复（24/48 小时）"]
    assert reply.rate == 0.5
    assert "50%" in page.text


# --- 2. a clock stopped by the close stays stopped -----------------------------------------------
CALL = T0


def log_clock(**kw):
    d = sla.log_deadline(CALL)
    return sla.Clock(sla.ClockName.LOG, d.due_at, d.remind_at, **kw)


def test_a_clock_stopped_before_its_deadline_stays_stopped_after_it():
    stopped = log_clock(stopped=True, stopped_at=CALL + timedelta(minutes=10))
    for later in (timedelta(minutes=20), timedelta(minutes=30), timedelta(days=10)):
        assert sla.clock_state(stopped, CALL + later).state == sla.State.STOPPED
    assert sla.clock_state(log_clock(stopped=True), CALL + timedelta(days=1)).state == sla.State.STOPPED


def test_a_clock_closed_after_its_missed_deadline_stays_a_breach_of_fixed_lateness():
    closed_late = log_clock(stopped=True, stopped_at=CALL + timedelta(minutes=45))
    for later in (timedelta(hours=1), timedelta(days=10)):
        state = sla.clock_state(closed_late, CALL + later)
        assert (state.state, state.lateness) == (sla.State.BREACHED, timedelta(minutes=15))
    # Not running any more: the board does not show it as something to chase.
    assert sla.worst_state([sla.clock_state(closed_late, CALL + timedelta(days=1))]) is None
    assert sla.events_due(closed_late, CALL + timedelta(days=1)) == []


def test_declined_quick_capture_keeps_its_logging_clock_stopped(as_user, org, pr, segmgr, buvp, log):
    """QA t8 (A): declined on the phone 10 minutes after the call, record never completed."""
    inquiry = log(pr, complete=False, company_name="婉拒公司")
    decide(
        segmgr, inquiry, at=T0 + timedelta(minutes=10), importance="secondary", decision=Decision.DECLINE,
        decision_reason="纯硬件",
    )  # fmt: skip
    next_day = T0 + timedelta(days=1)
    assert states(inquiry, next_day)[sla.ClockName.LOG] == sla.State.STOPPED
    with time_machine.travel(next_day, tick=False):
        client = as_user(segmgr)
        page = client.get(reverse("inquiries:detail", args=[inquiry.pk]))
        board = client.get(reverse("inquiries:board"))
    assert 'data-testid="sla-log" data-state="stopped"' in page.text
    assert [clock for _i, clock in board.context["rows"]] == [None]
    _result, clocks = figures(buvp, now=next_day)
    assert (clocks["log"].measured, clocks["log"].open_breached, clocks["log"].rate) == (0, 0, None)


def test_inquiry_closed_before_the_follow_up_deadline_is_not_shown_or_counted_overdue(
    as_user, org, pr, segmgr, am, buvp, log
):
    """QA t8 (B) / t12: closed on day 2, follow-up due on day 7; on day 10 it showed 已超时."""
    inquiry = decide(segmgr, log(pr), at=T0 + timedelta(hours=2), account_manager=am)
    services.inquiry_material_sent(actor=am, inquiry=inquiry, now=T0 + timedelta(hours=3))
    services.inquiry_close(actor=segmgr, inquiry=inquiry, now=T0 + timedelta(days=2))
    day_10 = T0 + timedelta(days=10)
    assert states(inquiry, day_10)[sla.ClockName.FOLLOWUP] == sla.State.STOPPED
    with time_machine.travel(day_10, tick=False):
        client = as_user(segmgr)
        page = client.get(reverse("inquiries:detail", args=[inquiry.pk]))
        board = client.get(reverse("inquiries:board"))
    assert 'data-testid="sla-followup" data-state="stopped"' in page.text
    assert 'data-state="breached"' not in board.text
    _result, clocks = figures(buvp, now=day_10)
    assert clocks["followup"].open_breached == 0


# --- 3. a missed reply deadline survives reclassification ---------------------------------------
def test_reclassifying_after_the_escalation_keeps_the_missed_deadline(org, pr, segmgr, buvp, log):
    """QA t9: escalated at 24 h, then decided as secondary at 30 h → was "met" (due moved to 48 h)."""
    inquiry = log(pr)
    assert sla_sweep(now=T0 + timedelta(hours=25)).escalations == 1
    inquiry = decide(segmgr, inquiry, at=T0 + timedelta(hours=30), importance="secondary")
    assert inquiry.importance == "secondary"
    assert inquiry.reply_due_at == T0 + timedelta(hours=24)
    state = {s.name: s for s in inquiry.clock_states(T0 + timedelta(hours=31))}[sla.ClockName.REPLY]
    assert (state.state, state.lateness) == (sla.State.BREACHED, timedelta(hours=6))
    breach = SlaBreach.objects.get(inquiry=inquiry, clock="reply")
    assert (breach.met_at, breach.lateness) == (T0 + timedelta(hours=30), timedelta(hours=6))
    _result, clocks = figures(buvp, now=T0 + timedelta(days=3))
    assert (clocks["reply"].on_time, clocks["reply"].late) == (0, 1)


def test_redeciding_as_secondary_after_a_late_reply_does_not_whitewash_it(as_user, pr, segmgr, buvp, log):
    """QA t16: replied late as important, then the form re-saved as secondary → turned "met"."""
    inquiry = decide(segmgr, log(pr), at=T0 + timedelta(hours=30))
    with time_machine.travel(T0 + timedelta(hours=31), tick=False):
        client = as_user(segmgr)
        response = client.post(
            reverse("inquiries:decide", args=[inquiry.pk]),
            {"importance": "secondary", "reply": "已答复", "decision": "allocate"},
        )
        assert response.status_code == 302
        page = client.get(reverse("inquiries:detail", args=[inquiry.pk]))
    inquiry.refresh_from_db()
    assert inquiry.importance == "secondary"
    assert inquiry.reply_due_at == T0 + timedelta(hours=24)
    assert 'data-testid="sla-reply" data-state="breached"' in page.text
    result, clocks = figures(buvp, now=T0 + timedelta(days=3))
    assert (clocks["reply"].measured, clocks["reply"].on_time, clocks["reply"].late) == (1, 0, 1)
    assert dict(result["people"])[segmgr.get_full_name() or segmgr.username]["replied_late"] == 1


def test_reclassifying_after_an_on_time_reply_does_not_make_it_late(pr, segmgr, log):
    inquiry = services.inquiry_classify(
        actor=segmgr, inquiry=log(pr), importance="secondary", now=T0 + timedelta(hours=1)
    )
    inquiry = decide(segmgr, inquiry, at=T0 + timedelta(hours=30), importance="secondary")
    inquiry = decide(segmgr, inquiry, at=T0 + timedelta(hours=50), importance="important")
    assert inquiry.reply_due_at == T0 + timedelta(hours=48)
    assert states(inquiry, T0 + timedelta(days=3))[sla.ClockName.REPLY] == sla.State.MET


def test_classifying_before_the_deadline_still_moves_it(as_user, pr, segmgr, log):
    inquiry = log(pr)
    with time_machine.travel(T0 + timedelta(hours=10), tick=False):
        response = as_user(segmgr).post(
            reverse("inquiries:classify", args=[inquiry.pk]), {"importance": "secondary"}, follow=True
        )
    assert "重要程度已保存，答复时限已更新。" in response.text
    inquiry.refresh_from_db()
    assert inquiry.reply_due_at == T0 + timedelta(hours=48)


def test_classifying_after_the_deadline_keeps_it_and_says_so(as_user, pr, segmgr, log):
    inquiry = log(pr)
    with time_machine.travel(T0 + timedelta(hours=25), tick=False):
        response = as_user(segmgr).post(
            reverse("inquiries:classify", args=[inquiry.pk]), {"importance": "secondary"}, follow=True
        )
    assert "截止时间保持不变" in response.text
    inquiry.refresh_from_db()
    assert (inquiry.importance, inquiry.reply_due_at) == ("secondary", T0 + timedelta(hours=24))


# --- 4. the account manager closes only after the follow-up --------------------------------------
def test_account_manager_cannot_close_before_the_follow_up(as_user, pr, segmgr, am, log):
    """QA t14: the close button showed and the POST succeeded; no follow-up reminder was ever sent."""
    inquiry = decide(segmgr, log(pr), at=T0 + timedelta(hours=2), account_manager=am)
    client = as_user(am)
    detail = reverse("inquiries:detail", args=[inquiry.pk])
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        assert 'data-testid="close-inquiry"' not in client.get(detail).text
        services.inquiry_material_sent(actor=am, inquiry=inquiry)
        assert 'data-testid="close-inquiry"' not in client.get(detail).text
        with pytest.raises(ValidationError):
            services.inquiry_close(actor=am, inquiry=inquiry)
        response = client.post(reverse("inquiries:close", args=[inquiry.pk]), follow=True)
    assert "请先回访客户并记录反馈，再关闭查询。" in response.text
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.closed_at) == (Status.MATERIAL_SENT, None)
    # The follow-up clock still runs: the reminder comes on day 5.
    assert sla_sweep(now=T0 + timedelta(days=5, hours=3)).reminders == 1
    with time_machine.travel(T0 + timedelta(days=5, hours=4), tick=False):
        services.inquiry_follow_up(actor=am, inquiry=inquiry, feedback="客户有兴趣")
        client = as_user(am)  # a fresh session at the later time
        assert 'data-testid="close-inquiry"' in client.get(detail).text
        client.post(reverse("inquiries:close", args=[inquiry.pk]))
    inquiry.refresh_from_db()
    assert inquiry.status == Status.CLOSED


def test_segment_manager_may_still_close_before_the_follow_up(as_user, pr, segmgr, am, log):
    inquiry = decide(segmgr, log(pr), at=T0 + timedelta(hours=2), account_manager=am)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        page = as_user(segmgr).get(reverse("inquiries:detail", args=[inquiry.pk]))
        assert 'data-testid="close-inquiry"' in page.text
        inquiry = services.inquiry_close(actor=segmgr, inquiry=inquiry)
    assert inquiry.status == Status.CLOSED


# --- 5. list as target: not on a closed or declined inquiry, always with history ----------------
def test_list_as_target_is_refused_on_a_declined_inquiry(as_user, pr, segmgr, log):
    """QA t14: the decision became "target" on a closed, declined inquiry, with no history entry."""
    inquiry = decide(
        segmgr, log(pr, company_name="光明电子"), at=T0 + timedelta(hours=1), decision=Decision.DECLINE,
        decision_reason="单纯硬件采购",
    )  # fmt: skip
    client = as_user(segmgr)
    assert 'data-testid="list-target"' not in client.get(reverse("inquiries:detail", args=[inquiry.pk])).text
    with pytest.raises(ValidationError):
        services.inquiry_list_as_target(actor=segmgr, inquiry=inquiry)
    response = client.post(reverse("inquiries:list_target", args=[inquiry.pk]), follow=True)
    assert "已婉拒（说“不”）的查询不能列为目标客户。" in response.text
    inquiry.refresh_from_db()
    assert (inquiry.decision, inquiry.customer_id, inquiry.status) == (Decision.DECLINE, None, Status.CLOSED)
    assert not Customer.objects.filter(name="光明电子").exists()
    assert not ListEntry.objects.exists()


def test_list_as_target_is_refused_on_a_closed_inquiry(as_user, pr, segmgr, log):
    inquiry = decide(segmgr, log(pr, company_name="已关闭公司"), at=T0 + timedelta(hours=1))
    inquiry = services.inquiry_close(actor=segmgr, inquiry=inquiry, now=T0 + timedelta(hours=2))
    assert (
        'data-testid="list-target"'
        not in as_user(segmgr).get(reverse("inquiries:detail", args=[inquiry.pk])).text
    )
    with pytest.raises(ValidationError, match="该查询已关闭，不能再列为目标客户。"):
        services.inquiry_list_as_target(actor=segmgr, inquiry=inquiry)
    inquiry.refresh_from_db()
    assert (inquiry.decision, inquiry.customer_id) == (Decision.ALLOCATE, None)


def test_list_as_target_records_the_decision_in_the_history(pr, segmgr, customers, log):
    inquiry = decide(segmgr, log(pr, company_name="中国一汽"), at=T0 + timedelta(hours=1))
    services.inquiry_list_as_target(actor=segmgr, inquiry=inquiry)
    last = Inquiry.history.filter(id=inquiry.pk).order_by("-history_date", "-history_id").first()
    assert (last.decision, last.customer_id, last.history_user_id) == (
        Decision.TARGET, customers.auto.pk, segmgr.pk,
    )  # fmt: skip
    assert list(Inquiry.history.filter(id=inquiry.pk).order_by("history_date", "history_id").values_list(
        "decision", flat=True
    )) == ["", Decision.ALLOCATE, Decision.TARGET]  # fmt: skip


def test_decide_as_target_records_the_customer_link_in_the_history(pr, segmgr, log):
    inquiry = decide(
        segmgr, log(pr, company_name="新目标公司"), at=T0 + timedelta(hours=1), decision="target"
    )
    last = Inquiry.history.filter(id=inquiry.pk).order_by("-history_date", "-history_id").first()
    assert last.customer_id == Customer.objects.get(name="新目标公司").pk


# --- 6. material sent time ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sent_at", "message"),
    [
        (T0 - timedelta(days=400), "发送时间不能早于答复时间"),  # a wrong year, before the call
        (T0 + timedelta(minutes=30), "发送时间不能早于答复时间"),  # after the call, before the reply
        (T0 + timedelta(days=2), "发送时间不能晚于现在。"),
    ],
)
def test_material_sent_time_must_lie_between_the_reply_and_now(pr, segmgr, am, log, sent_at, message):
    inquiry = decide(segmgr, log(pr), at=T0 + timedelta(hours=2, seconds=40), account_manager=am)
    with pytest.raises(ValidationError, match=message):
        services.inquiry_material_sent(actor=am, inquiry=inquiry, sent_at=sent_at, now=T0 + timedelta(days=1))
    inquiry.refresh_from_db()
    assert (inquiry.material_sent_at, inquiry.followup_due_at) == (None, None)
    # The minute of the reply itself is fine (the form gives whole minutes).
    inquiry = services.inquiry_material_sent(
        actor=am, inquiry=inquiry, sent_at=T0 + timedelta(hours=2), now=T0 + timedelta(days=1)
    )
    assert inquiry.material_sent_at == T0 + timedelta(hours=2)


def test_material_sent_form_reports_a_time_before_the_reply(as_user, pr, segmgr, am, log):
    inquiry = decide(segmgr, log(pr), at=T0 + timedelta(hours=2), account_manager=am)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        response = as_user(am).post(
            reverse("inquiries:material_sent", args=[inquiry.pk]),
            {"material_sent_at": "2025-01-01T10:00"},
            follow=True,
        )
    assert "发送时间不能早于答复时间（2025-03-12 12:00）。" in response.text
    inquiry.refresh_from_db()
    assert inquiry.material_sent_at is None


def test_material_sent_without_a_reply_is_checked_against_the_call(admin_user, pr, log):
    inquiry = log(pr)
    with pytest.raises(ValidationError, match="发送时间不能早于来电时间"):
        services.inquiry_material_sent(
            actor=admin_user, inquiry=inquiry, sent_at=T0 - timedelta(hours=1), now=T0 + timedelta(hours=1)
        )


# --- 7. inquiry_report --month is exactly YYYY-MM -------------------------------------------------
BAD_MONTHS = ["2026-1", "2026-+3", "2026- 3", "2026-011", "２０２６-１１", "２０２６-11", " 2026-11", "2026-11\n",
              "2026-13", "2026-00", "26-11", "2026/11", ""]  # fmt: skip


@pytest.mark.parametrize("text", BAD_MONTHS)
def test_parse_month_takes_exactly_yyyy_mm(text):
    with pytest.raises(ValueError):
        reports.parse_month(text)


def test_parse_month_reads_a_good_month():
    assert reports.parse_month("2026-11") == date(2026, 11, 1)


@pytest.mark.parametrize("text", ["2026-1", "2026-+3", "2026- 3", "2026-011", "２０２６-１１"])
def test_inquiry_report_rejects_a_loose_month_with_exit_2(org, admin_user, tmp_path, text):
    with pytest.raises(CommandError, match="YYYY-MM") as error:
        call_command("inquiry_report", str(tmp_path / "r.xlsx"), "--bu", "MFG", "--month", text)
    assert error.value.returncode == 2
    assert not (tmp_path / "r.xlsx").exists()


def test_report_form_rejects_full_width_digits(as_user, org, buvp):
    page = as_user(buvp).get(
        reverse("inquiries:monthly_report"), {"unit": org.unit.pk, "month": "２０２５-03"}
    )
    assert page.status_code == 200
    assert page.context["figures"] is None
    assert page.context["form"].errors["month"]


# --- smaller: the "not pursued" marker on the board and in the new-inquiry e-mail ----------------
def say_no(customer, year=2025):
    return Target.objects.create(
        customer=customer, year=year, tier=Tier.NO, proposed_tier=Tier.NO, incomplete=False
    )


def test_board_marks_inquiries_from_customers_not_pursued(
    as_user, pr, segmgr, customers, log, django_assert_max_num_queries
):
    say_no(customers.auto)
    by_name = log(pr, company_name="中国一汽")  # known by its name only
    linked = log(pr, company_name="", customer=customers.auto)
    other = log(pr, company_name="上海大众")
    client = as_user(segmgr)
    with time_machine.travel(T0 + timedelta(hours=1), tick=False), django_assert_max_num_queries(12):
        page = client.get(reverse("inquiries:board"))
    assert page.context["said_no"] == {by_name.pk, linked.pk}
    row = page.text[page.text.index(reverse("inquiries:detail", args=[other.pk])) :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="say-no"' not in row
    assert page.text.count('data-testid="say-no"') == 2


def test_board_marker_follows_the_year_of_the_call(as_user, pr, segmgr, customers, log):
    say_no(customers.auto, year=2024)
    log(pr, company_name="中国一汽")
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        page = as_user(segmgr).get(reverse("inquiries:board"))
    assert 'data-testid="say-no"' not in page.text


def test_new_inquiry_email_marks_a_customer_not_pursued(pr, segmgr, customers, log):
    say_no(customers.auto)
    flagged = log(pr, company_name="中国一汽")
    plain = log(pr, company_name="上海大众")
    body = Notification.objects.get(recipient=segmgr, key=f"inquiry:{flagged.pk}:logged").body
    assert "不考虑" in body and "敢于说“不”" in body
    assert "不考虑" not in Notification.objects.get(recipient=segmgr, key=f"inquiry:{plain.pk}:logged").body


def test_new_inquiry_email_does_not_look_outside_the_deciders_segment(pr, buvp, segmgr, customers, log):
    say_no(customers.elec)  # 华为, an ELEC customer
    inquiry = log(pr, company_name="华为")  # logged in AUTO: AUTO's manager does not see ELEC customers
    body = Notification.objects.get(recipient=segmgr, key=f"inquiry:{inquiry.pk}:logged").body
    assert "不考虑" not in body
