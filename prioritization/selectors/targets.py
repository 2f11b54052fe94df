"""Reads of a customer's place in the year's tiering. `current_tier` is a CONTRACT used by other
stages (inquiries show the tier, owners and tier principle of a known company). The other readers
apply the user's scope once and fetch related rows in bulk."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Max
from django.utils import timezone

from prioritization.access import Action, scope_for
from prioritization.models import ContactLog, Target
from prioritization.tiers import Tier
from prospects.models import Customer, ListEntry


def _principle(unit, year, tier):
    from criteria.models import TierPrinciple
    from criteria.models.versions import IN_FORCE

    return (
        TierPrinciple.objects.filter(
            version__unit=unit, version__year=year, version__status__in=IN_FORCE, tier=tier
        ).first()
        if tier
        else None
    )


def current_tier(customer, *, year: int) -> dict | None:
    """The customer's decided tier for the planning year, or None when it has none:
    {"tier": Tier, "proposed": Tier | None, "manual_reason": str, "overall_owner": User | None,
     "daily_owner": User | None, "principle": criteria TierPrinciple | None}."""
    target = Target.objects.filter(customer=customer, year=year).exclude(tier="").first()
    if target is None:
        return None
    return {
        "tier": Tier(target.tier),
        "proposed": Tier(target.proposed_tier) if target.proposed_tier else None,
        "manual_reason": target.manual_reason,
        "overall_owner": customer.overall_owner,
        "daily_owner": customer.daily_owner,
        "principle": _principle(customer.unit, year, target.tier),
    }


def listed_customers(*, user, unit, year: int, segment=None, action: str = Action.VIEW):
    """Customers on the BU's list for `year` the user may `action`, with unit/segment/owners."""
    qs = scope_for(user).filter(
        Customer.objects.filter(unit=unit, pk__in=ListEntry.objects.filter(year=year).values("customer_id")),
        action,
    )
    if segment is not None:
        qs = qs.filter(segment=segment)
    return qs.select_related("unit", "segment", "overall_owner", "daily_owner")


def target_rows(*, user, unit, year: int, segment=None, size="", ownership="", tier=""):
    """(customer, target | None) rows of the BU-year in the user's scope, ranked: the scores table,
    the matrix and the owner list all read this. Two queries."""
    customers = listed_customers(user=user, unit=unit, year=year, segment=segment)
    if size:
        customers = customers.filter(size_class=size)
    if ownership:
        customers = customers.filter(ownership=ownership)
    customers = list(customers)
    targets = {
        t.customer_id: t
        for t in Target.objects.filter(year=year, customer_id__in=[c.pk for c in customers]).select_related(
            "decided_by"
        )
    }
    rows = [(c, targets.get(c.pk)) for c in customers]
    if tier == "incomplete":
        rows = [r for r in rows if r[1] is None or r[1].incomplete]
    elif tier:
        rows = [r for r in rows if r[1] is not None and (r[1].tier or r[1].proposed_tier) == tier]

    def order(row):
        customer, target = row
        rank = target.rank if target is not None and target.rank is not None else 10**9
        return (customer.segment.code if customer.segment else "", rank, customer.name)

    return sorted(rows, key=order)


def last_contacts(customer_ids) -> dict[int, object]:
    return dict(
        ContactLog.objects.filter(customer_id__in=list(customer_ids))
        .values("customer_id")
        .annotate(last=Max("contacted_on"))
        .values_list("customer_id", "last")
    )


def cadences(unit_year_pairs) -> dict:
    """(unit id, year, tier) → (principle, cadence days) for the versions in force."""
    from criteria.models import TierPrinciple
    from criteria.models.versions import IN_FORCE

    result = {}
    pairs = set(unit_year_pairs)
    if not pairs:
        return result
    units = {p[0] for p in pairs}
    years = {p[1] for p in pairs}
    for principle in TierPrinciple.objects.filter(
        version__unit_id__in=units, version__year__in=years, version__status__in=IN_FORCE
    ).select_related("version"):
        result[(principle.version.unit_id, principle.version.year, principle.tier)] = principle
    return result


def my_customers(*, user, year: int, today=None) -> list[dict]:
    """The target customers `user` owns (overall or daily) for `year`, with tier, principle,
    cadence, last contact and when the next contact is due (overdue first)."""
    today = today or timezone.localdate()
    targets = list(
        scope_for(user)
        .filter(Target.objects.filter(year=year).exclude(tier="").exclude(tier=Tier.NO), Action.VIEW)
        .filter(
            customer__in=Customer.objects.filter(overall_owner=user)
            | Customer.objects.filter(daily_owner=user)
        )
        .select_related("customer__segment", "customer__unit")
    )
    principles = cadences((t.customer.unit_id, year, t.tier) for t in targets)
    contacts = last_contacts(t.customer_id for t in targets)
    rows = []
    for target in targets:
        principle = principles.get((target.customer.unit_id, year, target.tier))
        cadence = principle.contact_cadence_days if principle else None
        last = contacts.get(target.customer_id)
        start = last or target.customer.relationship_started_on
        due = start + timedelta(days=cadence) if cadence and start else (today if cadence else None)
        rows.append(
            {
                "target": target,
                "customer": target.customer,
                "principle": principle,
                "cadence": cadence,
                "last_contact": last,
                "due_on": due,
                "overdue": bool(due and due < today),
                "due": bool(due and due <= today),
            }
        )
    rows.sort(
        key=lambda r: (not r["overdue"], r["due_on"] or today + timedelta(days=3650), r["customer"].name)
    )
    return rows


def relationship_counts(rows) -> dict:
    """Per segment: size × ownership × existing/new → tier counts (PROCESS.md §2.3.3 item 5). A
    customer is "existing" when it bought from us (purchases > 0) or has a relationship start date."""
    table = defaultdict(lambda: defaultdict(lambda: dict.fromkeys([*Tier.values, "none"], 0)))
    for customer, target, existing in rows:
        tier = (target.tier or target.proposed_tier) if target else ""
        key = (customer.size_class or "-", customer.ownership or "-", "existing" if existing else "new")
        table[customer.segment][key][tier or "none"] += 1
    return table


def history_of(target) -> list:
    """The tier decisions of a target, newest first (who, when, tier, reason)."""
    if target is None:
        return []
    return list(target.history.select_related("history_user").order_by("-history_date")[:20])


def due_contacts(*, user, year: int, today=None) -> list[dict]:
    return [r for r in my_customers(user=user, year=year, today=today) if r["due"]]


def contact_rows(*, user, unit, year: int, segment=None, owner=None, today=None) -> list[dict]:
    """Every target customer (tier 1–3) of the BU-year in the user's scope — optionally only those
    `owner` owns — with its cadence, last contact and due date; overdue first. Four queries."""
    today = today or timezone.localdate()
    rows = [
        (c, t)
        for c, t in target_rows(user=user, unit=unit, year=year, segment=segment)
        if t is not None and t.tier and t.tier != Tier.NO
    ]
    if owner is not None:
        rows = [(c, t) for c, t in rows if owner.pk in (c.overall_owner_id, c.daily_owner_id)]
    principles = cadences((unit.pk, year, t.tier) for _c, t in rows)
    contacts = last_contacts(c.pk for c, _t in rows)
    result = []
    for customer, target in rows:
        principle = principles.get((unit.pk, year, target.tier))
        cadence = principle.contact_cadence_days if principle else None
        last = contacts.get(customer.pk)
        start = last or customer.relationship_started_on
        due = (start + timedelta(days=cadence) if start else today) if cadence else None
        result.append(
            {
                "customer": customer,
                "target": target,
                "principle": principle,
                "cadence": cadence,
                "last_contact": last,
                "due_on": due,
                "overdue": bool(due and due < today),
                "due": bool(due and due <= today),
            }
        )
    result.sort(
        key=lambda r: (not r["overdue"], r["due_on"] or today + timedelta(days=3650), r["customer"].name)
    )
    return result


MAX_PERIODS = 60


def contact_status(customer, *, year: int, today=None) -> dict:
    """The customer's contact log against its tier's cadence for `year`: every contact, the last
    one, when the next is due (overdue or not), and per cadence period since the year (or the
    relationship) began whether a contact was kept — "kept vs due"."""
    from datetime import date

    today = today or timezone.localdate()
    target = Target.objects.filter(customer=customer, year=year).first()
    tier = target.tier if target and target.tier else ""
    principle = _principle(customer.unit, year, tier) if tier and tier != Tier.NO else None
    cadence = principle.contact_cadence_days if principle else None
    logs = list(customer.contact_logs.select_related("logged_by").order_by("-contacted_on", "-pk"))
    last = logs[0].contacted_on if logs else None
    start = last or customer.relationship_started_on
    due_on = (start + timedelta(days=cadence) if start else today) if cadence else None
    periods = []
    if cadence:
        begin = max(date(year, 1, 1), customer.relationship_started_on or date(year, 1, 1))
        end = min(today, date(year, 12, 31))
        dates = sorted(log.contacted_on for log in logs)
        while begin <= end and len(periods) < MAX_PERIODS:
            stop = min(begin + timedelta(days=cadence - 1), date(year, 12, 31))
            kept = sum(1 for d in dates if begin <= d <= stop)
            periods.append({"start": begin, "end": stop, "kept": kept, "open": stop >= today})
            begin = stop + timedelta(days=1)
    closed = [p for p in periods if not p["open"]]
    return {
        "target": target,
        "tier": tier,
        "principle": principle,
        "cadence": cadence,
        "logs": logs,
        "last_contact": last,
        "due_on": due_on,
        "overdue": bool(due_on and due_on < today),
        "periods": periods,
        "kept": sum(1 for p in closed if p["kept"]),
        "due": len(closed),
    }


def pipeline_board(*, user, unit, year: int, segment=None) -> list[dict]:
    """Per segment, the target customers (decided tier 1–3, or already in the pipeline) in columns
    of the development status (未开始, 初次接触 → … → 项目结束), with their last recorded step."""
    from prioritization.models import DevelopmentStatusChange
    from prospects.models import DevelopmentStatus

    rows = [
        (c, t)
        for c, t in target_rows(user=user, unit=unit, year=year, segment=segment)
        if (t is not None and t.tier and t.tier != Tier.NO) or c.development_status
    ]
    last_change = {}
    for change in (
        DevelopmentStatusChange.objects.filter(customer_id__in=[c.pk for c, _t in rows])
        .order_by("customer_id", "changed_on", "pk")
        .select_related("changed_by")
    ):
        last_change[change.customer_id] = change
    boards = {}
    for customer, target in rows:
        board = boards.setdefault(
            customer.segment_id,
            {
                "segment": customer.segment,
                "columns": [
                    {"status": value, "label": label, "cards": []}
                    for value, label in DevelopmentStatus.choices
                ],
            },
        )
        index = DevelopmentStatus.values.index(customer.development_status or "")
        board["columns"][index]["cards"].append(
            {"customer": customer, "target": target, "last": last_change.get(customer.pk)}
        )
    return sorted(boards.values(), key=lambda b: b["segment"].code if b["segment"] else "")


__all__ = [
    "contact_rows",
    "contact_status",
    "current_tier",
    "due_contacts",
    "history_of",
    "last_contacts",
    "listed_customers",
    "my_customers",
    "pipeline_board",
    "relationship_counts",
    "target_rows",
]


def customers_with_tier(queryset, *, tier: str, year: int | None = None):
    """Narrow a (scoped) customer queryset to those whose decided tier for the planning year is
    `tier` (the customer list's tier filter). Defaults to the current planning year."""
    year = year or timezone.localdate().year
    return queryset.filter(pk__in=Target.objects.filter(year=year, tier=tier).values("customer_id"))
