"""Reads of inquiries, always through the user's scope."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from inquiries.models import Inquiry
from prioritization.access import Action, scope_for
from prioritization.models import Target
from prioritization.tiers import Tier
from prospects.models import Customer, normalize_name
from prospects.selectors.customers import customer_list_visible

RELATED = ("unit", "segment", "logged_by", "account_manager", "decided_by", "customer")


def inquiry_list_visible(*, user, action: str = Action.VIEW):
    return scope_for(user).filter(Inquiry.objects.all(), action).select_related(*RELATED)


def inquiry_get_visible(*, user, pk, action: str = Action.VIEW) -> Inquiry:
    return scope_for(user).get_or_404(Inquiry.objects.select_related(*RELATED), action, pk=pk)


def overdue_q(now: datetime) -> Q:
    """Some clock is past its deadline and not met (closed inquiries owe nothing)."""
    return Q(closed_at__isnull=True) & (
        Q(completed_at__isnull=True, log_due_at__lte=now)
        | Q(replied_at__isnull=True, reply_due_at__lte=now)
        | Q(followed_up_at__isnull=True, followup_due_at__lte=now)
    )


def at_risk_q(now: datetime) -> Q:
    """Some clock is past its reminder, before its deadline, and not met."""
    return Q(closed_at__isnull=True) & (
        Q(completed_at__isnull=True, log_remind_at__lte=now, log_due_at__gt=now)
        | Q(replied_at__isnull=True, reply_remind_at__lte=now, reply_due_at__gt=now)
        | Q(followed_up_at__isnull=True, followup_remind_at__lte=now, followup_due_at__gt=now)
    )


def open_q() -> Q:
    return Q(closed_at__isnull=True)


def my_work(*, user, now: datetime | None = None, limit: int = 10) -> list[Inquiry]:
    """What this person owes now: records they logged and must complete, inquiries they decide and
    must answer, follow-ups assigned to them. Earliest deadline first."""
    now = now or timezone.now()
    scope = scope_for(user)
    owes = Q(logged_by=user, completed_at__isnull=True)
    owes |= Q(account_manager=user, followed_up_at__isnull=True, material_sent_at__isnull=False)
    owes |= Q(account_manager=user, material_sent_at__isnull=True, replied_at__isnull=False)
    if scope.allows(Action.DECIDE_INQUIRY):
        owes |= scope.q_for(Inquiry, Action.DECIDE_INQUIRY) & Q(replied_at__isnull=True)
    rows = scope.filter(Inquiry.objects.filter(owes, closed_at__isnull=True), Action.VIEW).select_related(
        *RELATED
    )
    items = list(rows.order_by("reply_due_at", "pk")[: limit * 3])
    items.sort(key=lambda i: _next_due(i) or i.reply_due_at)
    return items[:limit]


def _next_due(inquiry: Inquiry):
    dues = [
        s.due_at for s in inquiry.clock_states(timezone.now()) if s.due_at is not None and s.met_at is None
    ]
    return min(dues) if dues else None


def company_suggestions(*, user, term: str, limit: int = 8):
    """Customers in the user's scope whose name or number contains `term` (autocomplete)."""
    term = (term or "").strip()[:100]
    if len(term) < 1:
        return []
    return list(customer_list_visible(user=user, search=term).order_by("name")[:limit])


def visible_customers(*, user):
    return scope_for(user).filter(Customer.objects.all(), Action.VIEW)


def not_pursued_ids(inquiries, *, customers) -> set[int]:
    """The pks of `inquiries` whose company is a customer decided "not pursued" (不考虑发展, say
    "no") for the year of the call: the linked customer, else the customer of that name in the
    inquiry's BU among `customers` (the reader's) — the company the inquiry page shows. At most two
    queries, whatever the number of inquiries."""
    inquiries = list(inquiries)
    customer_of = {i.pk: i.customer_id for i in inquiries if i.customer_id}
    unlinked = [i for i in inquiries if not i.customer_id]
    if unlinked:
        same_name = customers.filter(
            unit_id__in={i.unit_id for i in unlinked},
            name_key__in={normalize_name(i.company_name) for i in unlinked},
        ).values_list("unit_id", "name_key", "pk")
        by_name = {(unit_id, key): pk for unit_id, key, pk in same_name}
        for i in unlinked:
            pk = by_name.get((i.unit_id, normalize_name(i.company_name)))
            if pk is not None:
                customer_of[i.pk] = pk
    if not customer_of:
        return set()
    said_no = set(
        Target.objects.filter(customer_id__in=set(customer_of.values()), tier=Tier.NO).values_list(
            "customer_id", "year"
        )
    )
    return {i.pk for i in inquiries if (customer_of.get(i.pk), timezone.localtime(i.call_at).year) in said_no}
