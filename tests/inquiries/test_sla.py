"""The pure SLA core: deadlines, states, events and the business calendar (no database)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from inquiries import sla

TZ = ZoneInfo("Asia/Shanghai")
CALL = datetime(2025, 3, 12, 10, 0, tzinfo=TZ)  # a Wednesday


def test_logging_deadline_is_30_minutes_with_a_reminder_at_20():
    d = sla.log_deadline(CALL)
    assert d.remind_at == CALL + timedelta(minutes=20)
    assert d.due_at == CALL + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("importance", "window"),
    [("important", 24), ("secondary", 48), (None, 24), ("", 24)],
)
def test_reply_deadline_from_the_call_with_reminder_at_75_percent(importance, window):
    d = sla.reply_deadline(CALL, importance)
    assert d.due_at == CALL + timedelta(hours=window)
    assert d.remind_at == CALL + timedelta(hours=window * 0.75)


def test_followup_is_due_7_days_after_material_with_reminder_on_day_5():
    d = sla.followup_deadline(CALL)
    assert d.remind_at == CALL + timedelta(days=5)
    assert d.due_at == CALL + timedelta(days=7)


def clock(**kw):
    d = sla.log_deadline(CALL)
    return sla.Clock(sla.ClockName.LOG, kw.pop("due_at", d.due_at), kw.pop("remind_at", d.remind_at), **kw)


@pytest.mark.parametrize(
    ("minutes", "state"),
    [(5, sla.State.DUE), (20, sla.State.AT_RISK), (29, sla.State.AT_RISK), (30, sla.State.BREACHED)],
)
def test_state_of_a_running_clock(minutes, state):
    assert sla.clock_state(clock(), CALL + timedelta(minutes=minutes)).state == state


def test_breached_clock_reports_its_lateness_until_met_and_then_fixed():
    now = CALL + timedelta(minutes=45)
    assert sla.clock_state(clock(), now).lateness == timedelta(minutes=15)
    met_late = clock(met_at=CALL + timedelta(minutes=40))
    later = sla.clock_state(met_late, CALL + timedelta(days=3))
    assert later.state == sla.State.BREACHED
    assert later.lateness == timedelta(minutes=10)


def test_met_on_time_and_not_started():
    assert (
        sla.clock_state(clock(met_at=CALL + timedelta(minutes=29)), CALL + timedelta(hours=1)).state
        == sla.State.MET
    )
    assert sla.clock_state(sla.Clock("followup", None), CALL).state == sla.State.NOT_STARTED


def test_events_reminder_then_escalation_each_once():
    assert sla.events_due(clock(), CALL + timedelta(minutes=19)) == []
    assert sla.events_due(clock(), CALL + timedelta(minutes=20)) == [sla.Event.REMINDER]
    assert sla.events_due(clock(reminded=True), CALL + timedelta(minutes=25)) == []
    assert sla.events_due(clock(reminded=True), CALL + timedelta(minutes=30)) == [sla.Event.ESCALATION]
    assert sla.events_due(clock(reminded=True, escalated=True), CALL + timedelta(hours=5)) == []


def test_a_sweep_that_arrives_after_the_deadline_escalates_without_a_stale_reminder():
    assert sla.events_due(clock(), CALL + timedelta(hours=2)) == [sla.Event.ESCALATION]


def test_met_or_stopped_clocks_owe_nothing():
    assert sla.events_due(clock(met_at=CALL), CALL + timedelta(hours=2)) == []
    assert sla.events_due(clock(stopped=True), CALL + timedelta(hours=2)) == []


def test_next_check_is_the_earliest_owed_instant():
    log = clock()
    reply = sla.Clock("reply", CALL + timedelta(hours=24), CALL + timedelta(hours=18))
    assert sla.next_check_at([log, reply]) == CALL + timedelta(minutes=20)
    assert sla.next_check_at([clock(reminded=True), reply]) == CALL + timedelta(minutes=30)
    assert sla.next_check_at([clock(met_at=CALL), reply]) == CALL + timedelta(hours=18)
    assert sla.next_check_at([clock(met_at=CALL), sla.Clock("reply", CALL, CALL, met_at=CALL)]) is None


def test_worst_state_prefers_breached_over_at_risk():
    now = CALL + timedelta(minutes=40)
    states = [
        sla.clock_state(clock(), now),
        sla.clock_state(sla.Clock("reply", CALL + timedelta(hours=1), CALL + timedelta(minutes=30)), now),
    ]
    assert sla.worst_state(states).name == sla.ClockName.LOG


CAL = sla.BusinessCalendar(
    tz=TZ, day_start=time(9), day_end=time(18), holidays=frozenset({date(2025, 3, 17)})
)


def test_calendar_counts_working_time_only_across_the_night():
    friday_evening = datetime(2025, 3, 14, 17, 50, tzinfo=TZ)
    # 10 minutes on Friday, the weekend and Monday the 17th (a holiday) skipped, 20 minutes Tuesday.
    assert CAL.add(friday_evening, timedelta(minutes=30)) == datetime(2025, 3, 18, 9, 20, tzinfo=TZ)


def test_calendar_call_outside_hours_starts_at_the_next_opening():
    night = datetime(2025, 3, 12, 22, 0, tzinfo=TZ)
    assert sla.log_deadline(night, CAL).due_at == datetime(2025, 3, 13, 9, 30, tzinfo=TZ)


def test_calendar_reply_window_counts_working_hours():
    # 24 working hours of 9 per day from Wednesday 10:00: Wed 8h, Thu 9h, Fri 7h → Fri 16:00.
    assert sla.reply_deadline(CALL, "important", CAL).due_at == datetime(2025, 3, 14, 16, 0, tzinfo=TZ)


def test_calendar_followup_counts_working_days():
    # 7 working days after Wednesday, skipping the weekend and Monday's holiday.
    assert sla.followup_deadline(CALL, CAL).due_at == datetime(2025, 3, 24, 10, 0, tzinfo=TZ)


def test_calendar_without_working_hours_is_refused():
    broken = sla.BusinessCalendar(tz=TZ, day_start=time(18), day_end=time(9))
    with pytest.raises(ValueError):
        broken.add(CALL, timedelta(minutes=1))


def test_response_buckets_and_compliance():
    assert sla.response_bucket(timedelta(hours=3)) == "≤4h"
    assert sla.response_bucket(timedelta(hours=30)) == "24–48h"
    assert sla.response_bucket(timedelta(hours=60)) == ">48h"
    assert sla.compliance(3, 4) == 0.75
    assert sla.compliance(0, 0) is None
