"""The inquiry service levels of PROCESS.md §2.3.5, as plain values (no ORM, no clock of its own).

Three clocks run on an inquiry:
- logging: the record is complete within 30 minutes of the call (reminder to the logger at 20 min);
- reply: the segment manager answers within 24 h (important) or 48 h (secondary) of the call
  (reminder at 75 % of the window);
- follow-up: the account manager calls back within 7 days of sending our material (reminder on day 5).

Each clock gives one reminder before its deadline and one escalation at breach. Calendar time by
default, as in the source; a BU may set a `BusinessCalendar`, under which the clocks count working
time only (windows in hours count working hours; windows in days count working days).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum

LOG_WINDOW = timedelta(minutes=30)
LOG_REMINDER = timedelta(minutes=20)
REPLY_WINDOWS = {"important": timedelta(hours=24), "secondary": timedelta(hours=48)}
# Until the segment manager classifies an inquiry it is held to the stricter (important) window.
DEFAULT_IMPORTANCE = "important"
REPLY_REMINDER_SHARE = 0.75
FOLLOWUP_DAYS = 7
FOLLOWUP_REMINDER_DAYS = 5


class ClockName(StrEnum):
    LOG = "log"
    REPLY = "reply"
    FOLLOWUP = "followup"


class State(StrEnum):
    NOT_STARTED = "not_started"  # the clock has not started (e.g. no material sent yet)
    DUE = "due"  # running, before its reminder
    AT_RISK = "at_risk"  # running, reminder instant passed
    BREACHED = "breached"  # deadline passed without being met, or met late
    MET = "met"  # met on time
    STOPPED = "stopped"  # the inquiry was closed before the clock was met


class Event(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"


# --- business calendar -------------------------------------------------------------------------
@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours [day_start, day_end) on `workdays` (Monday = 0) except `holidays`, in `tz`."""

    tz: tzinfo
    day_start: time = time(9)
    day_end: time = time(18)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[date] = field(default_factory=frozenset)

    def is_workday(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.day_start, tzinfo=self.tz),
            datetime.combine(day, self.day_end, tzinfo=self.tz),
        )

    def add(self, start: datetime, delta: timedelta) -> datetime:
        """The instant `delta` of working time after `start`."""
        if self.day_end <= self.day_start or not self.workdays:
            raise ValueError("a business calendar needs working hours and at least one workday")
        moment = start.astimezone(self.tz)
        remaining = delta
        for _guard in range(3660):  # ten years of days: a calendar of only holidays cannot loop forever
            day = moment.date()
            if self.is_workday(day):
                opens, closes = self._bounds(day)
                moment = max(moment, opens)
                if moment < closes:
                    available = closes - moment
                    if remaining <= available:
                        return moment + remaining
                    remaining -= available
            moment = datetime.combine(day + timedelta(days=1), self.day_start, tzinfo=self.tz)
        raise ValueError("no working time found within ten years")

    def add_days(self, start: datetime, days: int) -> datetime:
        """`days` working days after `start`, at the same time of day (moved into working hours)."""
        moment = self.add(start, timedelta(0))  # the first working instant at or after start
        day = moment.date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return datetime.combine(day, moment.timetz().replace(tzinfo=None), tzinfo=self.tz)


def _after(start: datetime, delta: timedelta, calendar: BusinessCalendar | None) -> datetime:
    return start + delta if calendar is None else calendar.add(start, delta)


def _after_days(start: datetime, days: int, calendar: BusinessCalendar | None) -> datetime:
    return start + timedelta(days=days) if calendar is None else calendar.add_days(start, days)


# --- deadlines ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    remind_at: datetime
    due_at: datetime


def log_deadline(call_at: datetime, calendar: BusinessCalendar | None = None) -> Deadline:
    return Deadline(_after(call_at, LOG_REMINDER, calendar), _after(call_at, LOG_WINDOW, calendar))


def reply_deadline(
    call_at: datetime, importance: str | None, calendar: BusinessCalendar | None = None
) -> Deadline:
    window = REPLY_WINDOWS[importance or DEFAULT_IMPORTANCE]
    return Deadline(
        _after(call_at, window * REPLY_REMINDER_SHARE, calendar), _after(call_at, window, calendar)
    )


def followup_deadline(material_sent_at: datetime, calendar: BusinessCalendar | None = None) -> Deadline:
    return Deadline(
        _after_days(material_sent_at, FOLLOWUP_REMINDER_DAYS, calendar),
        _after_days(material_sent_at, FOLLOWUP_DAYS, calendar),
    )


# --- clocks ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    """One service-level clock of an inquiry as stored on its row."""

    name: str
    due_at: datetime | None
    remind_at: datetime | None = None
    met_at: datetime | None = None
    reminded: bool = False
    escalated: bool = False
    stopped: bool = False  # the inquiry is closed: nothing more is owed on this clock
    stopped_at: datetime | None = None  # when it was closed (a clock stopped after its deadline was missed)

    @property
    def is_stopped(self) -> bool:
        return self.stopped or self.stopped_at is not None

    @property
    def running(self) -> bool:
        return self.due_at is not None and self.met_at is None and not self.is_stopped


@dataclass(frozen=True)
class ClockState:
    name: str
    state: State
    due_at: datetime | None
    remind_at: datetime | None
    met_at: datetime | None
    lateness: timedelta | None  # how late (met late, or overdue until now or the close); None when not late
    remaining: timedelta | None  # time left while running and not breached
    settled: bool = False  # the outcome can no longer change: met, or stopped by the close

    @property
    def running(self) -> bool:
        return self.state in (State.DUE, State.AT_RISK) or (self.state == State.BREACHED and not self.settled)


def clock_state(clock: Clock, now: datetime) -> ClockState:
    """Where a clock stands at `now`. Closing the inquiry freezes a clock that is not met: stopped
    for good when the close came before its deadline (a deadline passing later owes nothing), a
    breach of fixed lateness when the deadline had already been missed."""

    def result(state, lateness=None, remaining=None, settled=False):
        return ClockState(
            clock.name, state, clock.due_at, clock.remind_at, clock.met_at, lateness, remaining, settled
        )

    if clock.due_at is None:
        return result(State.NOT_STARTED, settled=clock.is_stopped)
    if clock.met_at is not None:
        if clock.met_at > clock.due_at:
            return result(State.BREACHED, lateness=clock.met_at - clock.due_at, settled=True)
        return result(State.MET, settled=True)
    if clock.is_stopped:
        if clock.stopped_at is not None and clock.stopped_at >= clock.due_at:
            return result(State.BREACHED, lateness=clock.stopped_at - clock.due_at, settled=True)
        return result(State.STOPPED, settled=True)
    if now >= clock.due_at:
        return result(State.BREACHED, lateness=now - clock.due_at)
    if clock.remind_at is not None and now >= clock.remind_at:
        return result(State.AT_RISK, remaining=clock.due_at - now)
    return result(State.DUE, remaining=clock.due_at - now)


def lateness(due_at: datetime | None, met_at: datetime | None) -> timedelta | None:
    """How late a clock was met (None when on time or not met)."""
    if due_at is None or met_at is None or met_at <= due_at:
        return None
    return met_at - due_at


def events_due(clock: Clock, now: datetime) -> list[Event]:
    """What the sweep owes on this clock now. At breach a reminder not yet sent is skipped: the
    escalation says more."""
    if not clock.running:
        return []
    if now >= clock.due_at:
        return [] if clock.escalated else [Event.ESCALATION]
    if clock.remind_at is not None and now >= clock.remind_at and not clock.reminded:
        return [Event.REMINDER]
    return []


def next_check_at(clocks: list[Clock]) -> datetime | None:
    """The earliest instant at which any clock will owe an event; None when nothing more is owed.
    Stored (indexed) on the row so that a sweep reads only the rows due now."""
    instants = []
    for clock in clocks:
        if not clock.running or clock.escalated:
            continue
        if clock.remind_at is not None and not clock.reminded and clock.remind_at < clock.due_at:
            instants.append(clock.remind_at)
        else:
            instants.append(clock.due_at)
    return min(instants) if instants else None


def worst_state(states: list[ClockState]) -> ClockState | None:
    """The clock to show first on a board: breached and running before at risk before due."""
    order = {State.BREACHED: 0, State.AT_RISK: 1, State.DUE: 2}
    running = [s for s in states if s.running]
    if not running:
        return None
    return min(running, key=lambda s: (order[s.state], s.due_at))


# --- report figures ----------------------------------------------------------------------------
RESPONSE_BUCKETS = (
    (timedelta(hours=4), "≤4h"),
    (timedelta(hours=8), "4–8h"),
    (timedelta(hours=24), "8–24h"),
    (timedelta(hours=48), "24–48h"),
)
OVER_LAST_BUCKET = ">48h"


def response_bucket(elapsed: timedelta) -> str:
    for limit, label in RESPONSE_BUCKETS:
        if elapsed <= limit:
            return label
    return OVER_LAST_BUCKET


def compliance(met_on_time: int, total_measured: int) -> float | None:
    """Share of clocks met on time among those owed: met (on time or late) or breached and still
    unmet (None when none)."""
    return None if total_measured == 0 else met_on_time / total_measured


def reply_deadline_may_move(*, due_at: datetime | None, replied_at: datetime | None, now: datetime) -> bool:
    """A new importance moves the reply deadline only while the reply clock is still running: once
    the reply is given, or the deadline has passed, the clock was measured against the deadline in
    force, and a later reclassification must not turn a miss into "met" (nor a hit into a miss)."""
    return due_at is None or (replied_at is None and now < due_at)
