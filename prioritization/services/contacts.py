"""The weekly reminder to owners of target customers whose next contact is overdue by their tier's
cadence (PROCESS.md §2.3.3 item 4). Sent once per owner per ISO week, whatever how often the beat
sweep runs; recipients see only customers within their own scope."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from prioritization.access import Action, scope_for
from prioritization.models import Target
from prioritization.selectors.targets import cadences, last_contacts
from prioritization.services.notifications import Notifier
from prioritization.tiers import Tier
from prospects.models import Customer

TEMPLATE = "emails/prioritization/overdue_contacts.txt"
SEND_FROM_HOUR = 8  # Monday's reminder goes out from 08:00 local time
MAX_LISTED = 50


def week_key(today) -> str:
    iso = today.isocalendar()
    return f"contacts-overdue:{iso.year}-W{iso.week:02d}"


def overdue_by_owner(*, year: int, today) -> dict:
    """owner → overdue rows (customer, tier label, due date, last contact) of tier 1–3 customers."""
    targets = (
        Target.objects.filter(year=year, tier__in=[Tier.TIER1, Tier.TIER2, Tier.TIER3])
        .select_related("customer__overall_owner", "customer__daily_owner", "customer__segment")
        .order_by("customer__name")
    )
    targets = list(targets)
    principles = cadences((t.customer.unit_id, year, t.tier) for t in targets)
    contacts = last_contacts(t.customer_id for t in targets)
    labels = dict(Tier.choices)
    result = defaultdict(list)
    for target in targets:
        customer = target.customer
        principle = principles.get((customer.unit_id, year, target.tier))
        if principle is None or not principle.contact_cadence_days:
            continue
        last = contacts.get(customer.pk)
        start = last or customer.relationship_started_on
        due = start + timedelta(days=principle.contact_cadence_days) if start else today
        if due >= today:
            continue
        row = {"customer": customer, "tier_label": labels[target.tier], "due_on": due, "last_contact": last}
        for owner in {customer.overall_owner, customer.daily_owner} - {None}:
            if owner.is_active:
                result[owner].append(row)
    return result


def overdue_contacts_remind(*, now=None, year: int | None = None) -> int:
    """Tell each owner, once this ISO week, which of their target customers are overdue for
    contact. Returns the number of reminders recorded now (0 on a repeat run in the same week)."""
    now = timezone.localtime(now or timezone.now())
    if now.weekday() == 0 and now.hour < SEND_FROM_HOUR:
        return 0
    today = now.date()
    year = year or today.year
    key = week_key(today)
    notifier = Notifier()
    for owner, rows in overdue_by_owner(year=year, today=today).items():
        visible = set(
            scope_for(owner)
            .filter(Customer.objects.filter(pk__in=[r["customer"].pk for r in rows]), Action.VIEW)
            .values_list("pk", flat=True)
        )
        rows = [r for r in rows if r["customer"].pk in visible]
        if not rows:
            continue
        unit = rows[0]["customer"].unit
        notifier.add(
            recipients=[owner],
            key=key,
            template=TEMPLATE,
            context={"rows": rows[:MAX_LISTED], "count": len(rows), "year": year},
            url=f"{reverse('prioritization:contacts_due')}?bu={unit.code}&year={year}&mine=1",
        )
    with transaction.atomic():
        return len(notifier.flush())
