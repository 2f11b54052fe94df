"""Reads of a customer's place in the year's tiering. `current_tier` is a CONTRACT used by other
stages (inquiries show the tier, owners and tier principle of a known company). The other readers
apply the user's scope once and fetch related rows in bulk."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from prioritization import listcache
from prioritization.access import ACCOUNT_SCOPED_ROLES, CAPABILITIES, Action, scope_for
from prioritization.models import ContactLog, Target
from prioritization.selectors.cadence import approval_dates, cadence_start, cadence_start_sql
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


def target_visibility(user) -> Q | None:
    """Targets stay owned-only for account managers (the access decision of issue 4) although they
    may read their segment's customer database: for a user who sees customers only as an account
    manager, the Q (on Customer) of the customers they own; None for everyone else."""
    scope = scope_for(user)
    if scope.is_admin:
        return None
    viewing = [m for m in scope.memberships if Action.VIEW in CAPABILITIES[m.role]]
    if viewing and all(m.role in ACCOUNT_SCOPED_ROLES for m in viewing):
        return Q(overall_owner=user) | Q(daily_owner=user)
    return None


def target_customers(
    *, user, unit, year: int, segment=None, size="", ownership="", tier="", action: str = Action.VIEW
):
    """The listed customers of the BU-year in the user's scope as a queryset, joined to the year's
    Target under the alias `t` (`t__rank`, `t__tier`, …; no target = NULLs), filtered and ranked in
    SQL: segment code, rank (unranked last), name. Pages paginate it; aggregates group it; nothing
    reads the whole list into Python. `tier` is a Tier value (decided, else proposed) or
    "incomplete" (no target, or a target missing a score)."""
    customers = listed_customers(user=user, unit=unit, year=year, segment=segment, action=action).annotate(
        t=FilteredRelation("targets", condition=Q(targets__year=year))
    )
    owned = target_visibility(user)
    if owned is not None:
        customers = customers.filter(owned)
    if size:
        customers = customers.filter(size_class=size)
    if ownership:
        customers = customers.filter(ownership=ownership)
    if tier == "incomplete":
        customers = customers.filter(Q(t__isnull=True) | Q(t__incomplete=True))
    elif tier:
        customers = customers.filter(Q(t__tier=tier) | Q(t__tier="", t__proposed_tier=tier))
    return customers.order_by(*RANKED)


RANKED = (
    F("segment__code").asc(nulls_first=True),
    F("t__rank").asc(nulls_last=True),
    F("name").asc(),
    F("pk").asc(),
)
TARGET_TIERS = (Tier.TIER1, Tier.TIER2, Tier.TIER3)


def page_of(customers, number, per_page: int = 50, *, count: int | None = None, unit_id=None):
    """A Paginator page of a ranked customer queryset: the ranking runs on ids alone (narrow rows
    sort several times faster than whole customers with their relations), then the page's
    customers are read by id with the queryset's annotations and relations, in ranked order.
    With `unit_id` (a queryset of that BU's customers) the count and the page's ids come from the
    list cache while the BU has not changed; the customers are always read fresh."""
    ranked = customers.values_list("pk", flat=True)
    paginator = Paginator(ranked, per_page)
    if count is not None:
        paginator.count = count  # already counted by the caller
    elif unit_id is not None:
        paginator.count = listcache.cached(unit_id, "count", ranked, ranked.count)
    page = paginator.get_page(number)
    sliced = page.object_list
    ids = list(sliced) if unit_id is None else listcache.cached(unit_id, "ids", sliced, lambda: list(sliced))
    by_id = {c.pk: c for c in customers.order_by().filter(pk__in=ids)} if ids else {}
    page.object_list = [by_id[pk] for pk in ids if pk in by_id]
    return page


def with_targets(customers, *, year: int) -> list[tuple]:
    """(customer, target | None) for the given customers (a page), in their order. One query."""
    customers = list(customers)
    targets = {
        t.customer_id: t
        for t in Target.objects.filter(year=year, customer_id__in=[c.pk for c in customers]).select_related(
            "decided_by"
        )
    }
    return [(c, targets.get(c.pk)) for c in customers]


def target_rows(*, user, unit, year: int, segment=None, size="", ownership="", tier=""):
    """Every (customer, target | None) row of the BU-year in the user's scope, ranked — for the
    exports, which must be complete (pages paginate `target_customers` instead). Read in chunks of
    2,000 customers, two queries per chunk."""
    customers = target_customers(
        user=user, unit=unit, year=year, segment=segment, size=size, ownership=ownership, tier=tier
    )
    rows = []
    chunk = []
    for customer in customers.iterator(chunk_size=2000):
        chunk.append(customer)
        if len(chunk) == 2000:
            rows += with_targets(chunk, year=year)
            chunk = []
    rows += with_targets(chunk, year=year)
    return rows


def decided_tier_counts(customers, *, unit_id=None) -> dict[str, int]:
    """Decided tiers of a `target_customers` queryset, counted in SQL: {tier: n} for every tier.
    Grouped over the rows that have a tier (an inner join), apart from the list's total: one pass
    counting both would outer-join every listed customer to its target. With `unit_id`: through
    the list cache."""
    counts = dict.fromkeys(Tier.values, 0)
    grouped = (
        customers.filter(t__tier__in=Tier.values).order_by().values_list("t__tier").annotate(n=Count("pk"))
    )
    rows = (
        list(grouped)
        if unit_id is None
        else listcache.cached(unit_id, "tiers", grouped, lambda: list(grouped))
    )
    for tier, n in rows:
        counts[tier] = n
    return counts


def bu_tier_counts(*, unit, year: int) -> dict[str, int]:
    """Decided tiers of the BU's whole list for `year`, {tier: n} for every tier: the figure the
    tier capacities are set for (capacity is a BU-wide figure), the same for every viewer and page
    filter. Counts only — no customer is read. Through the list cache."""
    counts = dict.fromkeys(Tier.values, 0)
    grouped = (
        Target.objects.filter(
            year=year,
            customer__unit=unit,
            customer_id__in=ListEntry.objects.filter(year=year).values("customer_id"),
            tier__in=Tier.values,
        )
        .order_by()
        .values_list("tier")
        .annotate(n=Count("pk"))
    )
    unit_id = getattr(unit, "pk", unit)
    for tier, n in listcache.cached(unit_id, "bu-tiers", grouped, lambda: list(grouped)):
        counts[tier] = n
    return counts


def tier_capacity_warnings(*, unit, year: int, version) -> list[dict]:
    """The tier page's capacity warnings, {"tier": label, "count", "capacity"} per tier of the BU's
    whole list for `year` holding more customers than `version` (its criteria version in force)
    allows. BU-wide whatever the page's filter and the viewer's scope: everyone deciding tiers sees
    that the BU is over capacity. Warnings only: people decide."""
    from prioritization import scoring

    if version is None:
        return []
    capacities = {tier: version.capacity_for(tier) for tier in TARGET_TIERS}
    if all(capacity is None for capacity in capacities.values()):
        return []
    labels = dict(Tier.choices)
    return [
        {"tier": labels[w.tier], "count": w.count, "capacity": w.capacity}
        for w in scoring.capacity_warnings(bu_tier_counts(unit=unit, year=year), capacities)
    ]


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


def history_of(target) -> list:
    """The tier decisions of a target, newest first (who, when, tier, reason)."""
    if target is None:
        return []
    return list(target.history.select_related("history_user").order_by("-history_date")[:20])


MAX_PERIODS = 60


def contact_status(customer, *, year: int, today=None) -> dict:
    """The customer's contact log against its tier's cadence for `year`: every contact, the last
    one, when the next is due (overdue or not; from when by `selectors.cadence`), and per cadence
    period since the year (or the relationship) began whether a contact was kept — "kept vs due"."""
    from datetime import date

    today = today or timezone.localdate()
    target = Target.objects.filter(customer=customer, year=year).first()
    tier = target.tier if target and target.tier else ""
    principle = _principle(customer.unit, year, tier) if tier and tier != Tier.NO else None
    cadence = principle.contact_cadence_days if principle else None
    logs = list(customer.contact_logs.select_related("logged_by").order_by("-contacted_on", "-pk"))
    last = logs[0].contacted_on if logs else None
    due_on = None
    if cadence:
        start = cadence_start(
            year=year,
            last_contact=last,
            relationship_started_on=customer.relationship_started_on,
            decided_on=timezone.localdate(target.decided_at) if target.decided_at else None,
            approved_on=approval_dates(year=year, unit=customer.unit_id).get(customer.unit_id),
        )
        due_on = start + timedelta(days=cadence)
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


# --- contact cadence in SQL --------------------------------------------------------------------------


class _AddDays(Func):
    """A date plus a number of days, in SQL (PostgreSQL: date + integer; SQLite: date(d, '+n days'))."""

    arity = 2
    output_field = DateField()
    template = "(%(expressions)s)"
    arg_joiner = " + "

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="date(%(expressions)s || ' days')", arg_joiner=", '+' || ", **extra
        )


def _cadence(year: int, unit=None):
    """The contact cadence (days) of a customer's decided tier for `year`, as a SQL expression over
    a `target_customers` queryset (NULL: no cadence — tier 不考虑, none, or no principle in force)."""
    from criteria.models import TierPrinciple
    from criteria.models.versions import IN_FORCE

    principles = TierPrinciple.objects.filter(
        version__year=year, version__status__in=IN_FORCE, contact_cadence_days__gt=0, tier__in=TARGET_TIERS
    )
    if unit is not None:
        principles = principles.filter(version__unit=unit)
    whens = [
        When(unit_id=unit_id, t__tier=tier, then=Value(days))
        for unit_id, tier, days in principles.values_list("version__unit_id", "tier", "contact_cadence_days")
    ]
    if not whens:
        return Value(None, output_field=IntegerField())
    return Case(*whens, default=None, output_field=IntegerField())


def with_due(customers, *, year: int, today=None, unit=None):
    """Annotate a `target_customers` queryset with `cadence`, `last_contact` and `due_on` (the
    cadence clock's start by `selectors.cadence` — last contact, relationship start, tier decision,
    BU list approval, else 1 January — plus the cadence; NULL without a cadence), ordered overdue
    first: by due date (none last), then name. The due date does not depend on `today`."""
    last = (
        ContactLog.objects.filter(customer_id=OuterRef("pk"))
        .order_by("-contacted_on")
        .values("contacted_on")[:1]
    )
    return (
        customers.annotate(
            cadence=_cadence(year, unit), last_contact=Subquery(last, output_field=DateField())
        )
        .annotate(
            due_on=Case(
                When(cadence__isnull=True, then=Value(None, output_field=DateField())),
                default=_AddDays(cadence_start_sql(year=year, unit=unit), F("cadence")),
                output_field=DateField(),
            )
        )
        .order_by(F("due_on").asc(nulls_last=True), "name", "pk")
    )


def due_rows(customers, *, year: int, today) -> list[dict]:
    """Row dicts for customers annotated by `with_due` (a page of them): customer, target,
    principle, cadence, last contact, due date, overdue/due. Two queries."""
    pairs = with_targets(customers, year=year)
    principles = cadences((c.unit_id, year, t.tier) for c, t in pairs if t is not None)
    return [
        {
            "customer": customer,
            "target": target,
            "principle": principles.get((customer.unit_id, year, target.tier)) if target else None,
            "cadence": customer.cadence,
            "last_contact": customer.last_contact,
            "due_on": customer.due_on,
            "overdue": bool(customer.due_on and customer.due_on < today),
            "due": bool(customer.due_on and customer.due_on <= today),
        }
        for customer, target in pairs
    ]


def owned_customers(*, user, year: int, today):
    """The target customers (decided tier 1–3 for `year`) `user` owns, overall or daily, in any BU
    of their scope, annotated and ordered by `with_due`."""
    customers = (
        scope_for(user)
        .filter(Customer.objects.filter(Q(overall_owner=user) | Q(daily_owner=user)), Action.VIEW)
        .annotate(t=FilteredRelation("targets", condition=Q(targets__year=year)))
        .filter(t__tier__in=TARGET_TIERS)
        .select_related("unit", "segment")
    )
    return with_due(customers, year=year, today=today)


def my_customers(*, user, year: int, today=None) -> list[dict]:
    """The target customers `user` owns (overall or daily) for `year`, with tier, principle,
    cadence, last contact and when the next contact is due (overdue first)."""
    today = today or timezone.localdate()
    return due_rows(owned_customers(user=user, year=year, today=today), year=year, today=today)


def contact_customers(*, user, unit, year: int, segment=None, owner=None, today=None):
    """The target customers (decided tier 1–3) of the BU-year in the user's scope — optionally only
    those `owner` owns — annotated and ordered by `with_due` (overdue first)."""
    today = today or timezone.localdate()
    customers = target_customers(user=user, unit=unit, year=year, segment=segment).filter(
        t__tier__in=TARGET_TIERS
    )
    if owner is not None:
        customers = customers.filter(Q(overall_owner=owner) | Q(daily_owner=owner))
    return with_due(customers, year=year, today=today, unit=unit)


def contact_rows(*, user, unit, year: int, segment=None, owner=None, today=None) -> list[dict]:
    """Every row of `contact_customers` as dicts (`due_rows`); pages paginate the queryset."""
    today = today or timezone.localdate()
    return due_rows(
        contact_customers(user=user, unit=unit, year=year, segment=segment, owner=owner, today=today),
        year=year,
        today=today,
    )


def overdue_customers(*, unit, year: int, today):
    """The target customers (decided tier 1–3 for `year`) of the BU whose next contact was due
    before `today`, with owners, annotated by `with_due`, by name. NOT scoped: for the weekly
    reminder, which keeps for each recipient only the customers in their own scope."""
    customers = (
        Customer.objects.filter(unit=unit)
        .annotate(t=FilteredRelation("targets", condition=Q(targets__year=year)))
        .annotate(target_tier=F("t__tier"))
        .filter(t__tier__in=TARGET_TIERS)
        .select_related("unit", "segment", "overall_owner", "daily_owner")
    )
    return with_due(customers, year=year, unit=unit).filter(due_on__lt=today).order_by("name", "pk")


def due_contacts(*, user, year: int, today=None) -> list[dict]:
    today = today or timezone.localdate()
    customers = owned_customers(user=user, year=year, today=today).filter(due_on__lte=today)
    return due_rows(customers, year=year, today=today)


# --- development pipeline --------------------------------------------------------------------------

PIPELINE_CARDS = 20


def pipeline_customers(*, user, unit, year: int, segment=None, status=None):
    """The customers of the development board: decided tier 1–3, or already in the pipeline;
    optionally one column (`status`, "" = 未开始). A `target_customers` queryset (ranked)."""
    customers = target_customers(user=user, unit=unit, year=year, segment=segment).filter(
        Q(t__tier__in=TARGET_TIERS) | ~Q(development_status="")
    )
    if status is not None:
        customers = customers.filter(development_status=status)
    return customers


def last_status_changes(customer_ids) -> dict:
    """customer id → its latest DevelopmentStatusChange (with who made it)."""
    from prioritization.models import DevelopmentStatusChange

    last = {}
    for change in (
        DevelopmentStatusChange.objects.filter(customer_id__in=list(customer_ids))
        .order_by("customer_id", "changed_on", "pk")
        .select_related("changed_by")
    ):
        last[change.customer_id] = change
    return last


def pipeline_board(*, user, unit, year: int, segment=None, cards: int = PIPELINE_CARDS) -> list[dict]:
    """Per segment, the board's columns of the development status (未开始, 初次接触 → … → 项目结束):
    each with its count and its first `cards` customers by rank (`more` when there are others).
    Four queries whatever the list size: counts, the first cards (a window per column), their
    targets, their last recorded steps."""
    from prospects.models import DevelopmentStatus

    customers = pipeline_customers(user=user, unit=unit, year=year, segment=segment)
    grouped = customers.order_by().values_list("segment_id", "development_status").annotate(n=Count("pk"))
    counts = {
        (segment_id, status): n
        for segment_id, status, n in listcache.cached(unit.pk, "columns", grouped, lambda: list(grouped))
    }
    if not counts:
        return []
    first = (
        customers.annotate(
            column_rank=Window(
                RowNumber(),
                partition_by=[F("segment_id"), F("development_status")],
                order_by=list(RANKED[1:]),
            )
        )
        .filter(column_rank__lte=cards)
        .values_list("pk", flat=True)
    )
    # The cards' ids from the list cache (the window ranks every customer of the board); the
    # cards themselves are read fresh.
    ids = listcache.cached(unit.pk, "cards", first, lambda: list(first))
    by_id = {c.pk: c for c in customers.order_by().filter(pk__in=ids)}
    rows = with_targets([by_id[pk] for pk in ids if pk in by_id], year=year)
    last = last_status_changes(c.pk for c, _t in rows)
    boards = {}
    for customer, target in rows:
        board = boards.setdefault(
            customer.segment_id,
            {
                "segment": customer.segment,
                "columns": [
                    {
                        "status": value,
                        "label": label,
                        "cards": [],
                        "count": counts.get((customer.segment_id, value), 0),
                    }
                    for value, label in DevelopmentStatus.choices
                ],
            },
        )
        index = DevelopmentStatus.values.index(customer.development_status or "")
        board["columns"][index]["cards"].append(
            {"customer": customer, "target": target, "last": last.get(customer.pk)}
        )
    for board in boards.values():
        for column in board["columns"]:
            column["more"] = column["count"] > len(column["cards"])
    return sorted(boards.values(), key=lambda b: b["segment"].code if b["segment"] else "")


# --- counts: relationship view, BU merge -------------------------------------------------------------


def _tier_or_proposed():
    return Case(
        When(t__tier__in=Tier.values, then=F("t__tier")),
        When(t__proposed_tier__in=Tier.values, then=F("t__proposed_tier")),
        default=Value("none"),
    )


def relationship_table(*, user, unit, year: int, segment=None) -> dict:
    """Per segment: size × ownership × existing/new → tier counts (PROCESS.md §2.3.3 item 5), counted
    in SQL. A customer is "existing" when it bought from us in the year before (purchases > 0) or
    has a relationship start date; its tier is the decided one, else the proposed one, else "none".
    {segment | None: {(size | "-", ownership | "-", "existing" | "new"): {tier | "none": n}}}."""
    from prioritization.models import Segment
    from prospects.models import CustomerFinancials

    # IN (…) rather than a correlated EXISTS: PostgreSQL hashes it once instead of probing per row.
    bought = CustomerFinancials.objects.filter(year=year - 1, purchases_from_us__gt=0).values("customer_id")
    grouped = list(
        target_customers(user=user, unit=unit, year=year, segment=segment)
        .order_by()
        .annotate(
            existing=Case(
                When(relationship_started_on__isnull=False, then=Value(1)),
                When(pk__in=bought, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            tier_key=_tier_or_proposed(),
        )
        .values_list("segment_id", "size_class", "ownership", "existing", "tier_key")
        .annotate(n=Count("pk"))
    )
    segments = Segment.objects.in_bulk({row[0] for row in grouped if row[0] is not None})
    table = defaultdict(lambda: defaultdict(lambda: dict.fromkeys([*Tier.values, "none"], 0)))
    for segment_id, size, ownership, existing, tier, n in grouped:
        key = (size or "-", ownership or "-", "existing" if existing else "new")
        table[segments.get(segment_id)][key][tier] += n
    return table


def segment_tier_counts(*, user, unit, year: int) -> list[tuple]:
    """[(segment | None, {tier | "none": n})] of the BU-year's decided tiers, by segment code."""
    from prioritization.models import Segment

    grouped = list(
        target_customers(user=user, unit=unit, year=year)
        .order_by()
        .annotate(tier_key=Case(When(t__tier__in=Tier.values, then=F("t__tier")), default=Value("none")))
        .values_list("segment_id", "tier_key")
        .annotate(n=Count("pk"))
    )
    segments = Segment.objects.in_bulk({row[0] for row in grouped if row[0] is not None})
    per_segment = {}
    for segment_id, tier, n in grouped:
        per_segment.setdefault(segments.get(segment_id), dict.fromkeys([*Tier.values, "none"], 0))[tier] += n
    return sorted(per_segment.items(), key=lambda kv: kv[0].code if kv[0] else "")


__all__ = [
    "bu_tier_counts",
    "contact_customers",
    "contact_rows",
    "contact_status",
    "current_tier",
    "decided_tier_counts",
    "due_contacts",
    "due_rows",
    "history_of",
    "last_contacts",
    "last_status_changes",
    "listed_customers",
    "my_customers",
    "overdue_customers",
    "owned_customers",
    "page_of",
    "pipeline_board",
    "pipeline_customers",
    "relationship_table",
    "segment_tier_counts",
    "target_customers",
    "target_rows",
    "target_visibility",
    "tier_capacity_warnings",
    "with_due",
    "with_targets",
]


def customers_with_tier(queryset, *, tier: str, year: int | None = None):
    """Narrow a (scoped) customer queryset to those whose decided tier for the planning year is
    `tier` (the customer list's tier filter). Defaults to the current planning year."""
    year = year or timezone.localdate().year
    return queryset.filter(pk__in=Target.objects.filter(year=year, tier=tier).values("customer_id"))


def tier_stability(*, customer_ids, version, specs, thresholds) -> dict[int, int]:
    """Stability (whole percent) of each complete customer in `customer_ids` under `version`.

    The figure is a pure function of the customer's scores, the criteria and the thresholds, and
    1,000 draws per customer cost tens of milliseconds a page, so it is cached under a key made of
    exactly those inputs: a changed score, weight or threshold is a new key, never a stale figure."""
    from prioritization import scoring
    from prioritization.models import Scorecard

    per_customer: dict[int, dict] = {}
    rows = Scorecard.objects.filter(customer_id__in=list(customer_ids), criterion__version=version)
    for customer_id, criterion_id, value in rows.values_list("customer_id", "criterion_id", "score_tenths"):
        per_customer.setdefault(customer_id, {}).setdefault(criterion_id, []).append(value)
    if not per_customer:
        return {}
    setting = repr(
        ([(s.key, s.dimension, s.weight) for s in specs], thresholds.attractiveness, thresholds.feasibility)
    )
    keys = {}
    for customer_id, scores in per_customer.items():
        inputs = repr(sorted((k, sorted(v)) for k, v in scores.items()))
        digest = hashlib.sha256(f"{setting}|{inputs}".encode()).hexdigest()
        keys[customer_id] = f"stability:{scoring.DEFAULT_DRAWS}:{digest}"
    cached = cache.get_many(list(keys.values()))
    result, fresh, vectors = {}, {}, None
    for customer_id, key in keys.items():
        if key in cached:
            if cached[key] is not None:
                result[customer_id] = cached[key]
            continue
        vectors = vectors if vectors is not None else scoring.weight_draws(specs)
        decimals = {k: [Decimal(v) / 10 for v in values] for k, values in per_customer[customer_id].items()}
        share = scoring.stability(decimals, specs, thresholds, vectors=vectors)
        fresh[key] = None if share is None else int(share * 100)
        if fresh[key] is not None:
            result[customer_id] = fresh[key]
    if fresh:
        cache.set_many(fresh, timeout=24 * 3600)
    return result
