"""The SLA engine: one pass over the inquiries that owe a reminder or an escalation now.

Celery beat runs it every minute (`inquiries.sla_sweep`); `manage.py sla_sweep --now` runs it as of
any instant. It reads only rows whose indexed `next_sla_at` has passed, so its cost follows what is
due, not what is open. Rows are locked with SKIP LOCKED where the database has it (PostgreSQL), so
racing sweeps share the work; every notification also carries a unique key
(`inquiry:<id>:<clock>-<event>`), so each is sent exactly once however often the sweep runs."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Case, DateTimeField, Value, When, prefetch_related_objects
from django.utils import timezone

from inquiries import sla
from inquiries.models import Inquiry, SlaBreach
from inquiries.services.inquiries import bg_vps, bu_vps, decision_makers, inquiry_url, refresh_next_sla
from prioritization.access import Action, scope_for
from prioritization.services.notifications import Notifier

BATCH = 500


@dataclass
class SweepResult:
    reminders: int = 0
    escalations: int = 0


class _Recipients:
    """Who hears about an event; decision makers are looked up once per segment per sweep."""

    def __init__(self):
        self._deciders: dict = {}
        self._bu_vps: dict = {}
        self._bg_vps: dict = {}
        self._visible: dict[int, set[int]] = {}

    def deciders(self, inquiry):
        key = (inquiry.unit_id, inquiry.segment_id)
        if key not in self._deciders:
            self._deciders[key] = decision_makers(inquiry)
        return self._deciders[key]

    def above_deciders(self, inquiry):
        """The next level above whoever decides: the BU VP, or the BG VP when the BU VP decides."""
        if inquiry.unit_id not in self._bu_vps:
            self._bu_vps[inquiry.unit_id] = bu_vps(inquiry.unit_id)
        vps = self._bu_vps[inquiry.unit_id]
        deciders = {u.pk for u in self.deciders(inquiry)}
        if vps and not deciders.issuperset(u.pk for u in vps):
            return vps
        group_id = inquiry.unit.group_id
        if group_id not in self._bg_vps:
            self._bg_vps[group_id] = bg_vps(group_id)
        return self._bg_vps[group_id]

    def prefetch(self, rows: list[Inquiry]) -> None:
        """Which of this batch's rows each named person (logger, account manager) may see: one
        scoped query per person and batch instead of one per row."""
        ids = [row.pk for row in rows]
        people = {u.pk: u for row in rows for u in (row.logged_by, row.account_manager) if u is not None}
        self._visible = {
            pk: set(
                scope_for(user)
                .filter(Inquiry.objects.filter(pk__in=ids), Action.VIEW)
                .values_list("pk", flat=True)
            )
            for pk, user in people.items()
        }

    def in_scope(self, user, inquiry):
        """A person named on the row (logger, account manager) hears only while they may see it."""
        if user is None or not user.is_active:
            return []
        visible = self._visible.get(user.pk)
        if visible is None:
            visible = {inquiry.pk} if scope_for(user).can(Action.VIEW, inquiry) else set()
        return [user] if inquiry.pk in visible else []

    def for_event(self, inquiry, clock: str, event: str):
        if event == sla.Event.REMINDER:
            if clock == sla.ClockName.LOG:
                return self.in_scope(inquiry.logged_by, inquiry) or self.deciders(inquiry)
            if clock == sla.ClockName.REPLY:
                return self.deciders(inquiry)
            return self.in_scope(inquiry.account_manager, inquiry) or self.deciders(inquiry)
        # Escalation to the next level: logging and follow-up → the decision makers of the
        # segment; an unanswered inquiry → above the decision makers.
        if clock == sla.ClockName.REPLY:
            return self.above_deciders(inquiry)
        return self.deciders(inquiry)


def _process(
    inquiry: Inquiry, now: datetime, recipients: _Recipients, result: SweepResult, notifier: Notifier,
    breaches: list[SlaBreach],
) -> tuple[str, ...]:  # fmt: skip
    """Queue what `inquiry` owes at `now`; returns the names of the bookkeeping fields it set to
    `now` (no query here: the caller writes the batch in bulk)."""
    changed: set[str] = set()
    for clock in inquiry.clocks():
        for event in sla.events_due(clock, now):
            notifier.add(
                recipients=recipients.for_event(inquiry, clock.name, event),
                key=f"inquiry:{inquiry.pk}:{clock.name}-{event}",
                template=f"emails/inquiries/{clock.name}_{event}.txt",
                context={"inquiry": inquiry, "due_at": clock.due_at, "now": now},
                url=inquiry_url(inquiry),
            )
            reminded, escalated = f"{clock.name}_reminded_at", f"{clock.name}_escalated_at"
            if event == sla.Event.REMINDER:
                changed.add(reminded)
                result.reminders += 1
            else:
                changed.add(escalated)
                if getattr(inquiry, reminded) is None:  # skipped: the escalation says more
                    changed.add(reminded)
                breaches.append(
                    SlaBreach(inquiry=inquiry, clock=clock.name, due_at=clock.due_at, detected_at=now)
                )
                result.escalations += 1
    for field in changed:
        setattr(inquiry, field, now)
    refresh_next_sla(inquiry)
    return tuple(sorted(changed))


def _write_bookkeeping(rows: list[tuple[Inquiry, tuple[str, ...]]], now: datetime) -> None:
    """One UPDATE per set of fields stamped (usually one or two per batch): the stamps are all
    `now`; each row's next check goes in a CASE. Bookkeeping of the engine, not a change of the
    record: a plain UPDATE (no history row)."""
    groups: dict[tuple[str, ...], list[Inquiry]] = defaultdict(list)
    for inquiry, stamped in rows:
        groups[stamped].append(inquiry)
    for stamped, inquiries in groups.items():
        next_checks = {inquiry.next_sla_at for inquiry in inquiries}
        if len(next_checks) == 1:
            next_sla_at = next_checks.pop()
        else:
            next_sla_at = Case(
                *(When(pk=inquiry.pk, then=Value(inquiry.next_sla_at)) for inquiry in inquiries),
                output_field=DateTimeField(),
            )
        Inquiry.objects.filter(pk__in=[inquiry.pk for inquiry in inquiries]).update(
            next_sla_at=next_sla_at, **dict.fromkeys(stamped, now)
        )


def sla_sweep(*, now: datetime | None = None, batch: int = BATCH) -> SweepResult:
    """One pass of the engine as of `now`. Each batch is its own transaction, with a fixed number
    of queries whatever its size: read the due rows, check the named people's scope, record the
    notifications and e-mails in bulk, record the breaches in bulk, stamp the rows in bulk."""
    now = now or timezone.now()
    result = SweepResult()
    recipients = _Recipients()
    skip_locked = connection.features.has_select_for_update_skip_locked
    seen: set[int] = set()
    while True:
        with transaction.atomic():
            qs = Inquiry.objects.filter(next_sla_at__lte=now).order_by("next_sla_at", "pk")
            if skip_locked:
                qs = qs.select_for_update(skip_locked=True)
            # The few units, segments and people of a batch are read once each and shared by its
            # rows (a join would build them again for every row).
            rows = list(qs[:batch])
            prefetch_related_objects(rows, "unit", "segment", "logged_by", "account_manager")
            fresh = [row for row in rows if row.pk not in seen]
            recipients.prefetch(fresh)
            notifier = Notifier()
            breaches: list[SlaBreach] = []
            stamped = []
            for inquiry in fresh:
                seen.add(inquiry.pk)
                stamped.append((inquiry, _process(inquiry, now, recipients, result, notifier, breaches)))
            notifier.flush()
            if breaches:  # a breach already recorded (met late meanwhile) stays as it is
                SlaBreach.objects.bulk_create(breaches, ignore_conflicts=True)
            _write_bookkeeping(stamped, now)
        # A processed row's next check lies after `now`, so it drops out; a batch of rows already
        # seen means nothing more can be done in this pass.
        if len(rows) < batch or not fresh:
            return result
