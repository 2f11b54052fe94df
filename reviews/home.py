"""Role dashboard panels on the home page: tier counts with a matrix thumbnail, the pipeline funnel,
the inquiry SLA compliance trend, stale customer data and my due items. A panel appears only when
its data exists for the user; every figure goes through the user's scope.

Years: each BU's planning year in force (`reviews.selectors.planning`), not the calendar year —
the funnel and the due contacts (with the tier cadences of that year's version in force) show the
year being carried out; the tier panel shows it too and, once a BU already plans next year, next
year's tier counts beside it; the SLA trend is the last six months with owed clocks whatever the
year; stale data is as of today. Every panel names its year.

Speed: a fixed number of queries whatever the data size — counts and groupings in SQL, lists cut
with LIMIT, capped counts ("1000+") where the exact figure of a huge set does not matter; the SLA
trend, the one costly aggregate, is cached for a minute per scope."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from prioritization.access import Action, scope_for
from prioritization.models import Target
from prioritization.tiers import Tier
from prospects.completeness import STALE_AFTER
from prospects.models import Customer, DevelopmentStatus
from reviews import charts, metrics
from reviews.models import Review, ReviewStatus
from reviews.selectors.planning import contact_cadences, planning_years, unit_year_q, years_label

MATRIX_POINTS = 300
LIST_ITEMS = 5
COUNT_CAP = 1000  # counts above this show as "1000+": counting 100,000 rows exactly buys nothing here
SLA_MONTHS = 6
CACHE_SECONDS = 60
TARGET_TIERS = [Tier.TIER1, Tier.TIER2, Tier.TIER3]


def _scope_key(scope) -> str:
    """The user and their memberships (an owner-scoped role sees rows by user, so no sharing between
    users); a role change gives a new key at once."""
    parts = sorted(f"{m.role}:{m.group_id}:{m.unit_id}:{m.segment_id}" for m in scope.memberships)
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
    return f"{scope.user.pk}:{int(scope.is_admin)}:{digest}"


def cached_aggregate(name: str, scope, extra: str, compute):
    """An aggregate over a whole BU-year (costly at 100,000 customers), kept CACHE_SECONDS per scope."""
    key = f"reviews:home:{name}:{_scope_key(scope)}:{extra}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


def capped_count(queryset, cap: int | None = None) -> tuple[int, bool]:
    """(count, more): SELECT COUNT(*) FROM (… LIMIT cap+1), so the cost stays bounded."""
    cap = COUNT_CAP if cap is None else cap
    n = queryset[: cap + 1].count()
    return min(n, cap), n > cap


def tier_panel(scope, years) -> dict | None:
    current = unit_year_q(years, unit_path="customer__unit", year_path="year")
    upcoming = unit_year_q(years, unit_path="customer__unit", year_path="year", which="next")
    targets = scope.filter(Target.objects.all(), Action.VIEW)
    signature = ",".join(f"{py.unit_id}:{py.current}:{py.next}" for py in years.values())
    rows = cached_aggregate(
        "tiers",
        scope,
        signature,
        lambda: list(
            targets.filter(current | upcoming)
            .exclude(tier="")
            .values_list("customer__unit_id", "year", "tier")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    )
    current_years = {py.current for py in years.values()}
    now_counts: dict = {}
    next_counts: dict = {}
    for unit_id, year, tier, n in rows:
        bucket = now_counts if year == years[unit_id].current else next_counts
        bucket[tier] = bucket.get(tier, 0) + n
    if not now_counts and not next_counts:
        return None
    points = [
        (t["attractiveness"], t["feasibility"], t["customer__name"], t["tier"])
        for t in targets.filter(current, attractiveness__isnull=False, feasibility__isnull=False)
        .values("attractiveness", "feasibility", "customer__name", "tier")
        .order_by("rank")[:MATRIX_POINTS]
    ]
    next_years = [py.next for py in years.values() if py.next]

    def as_list(counts):
        return [{"tier": t.value, "label": t.label, "count": counts.get(t.value, 0)} for t in Tier]

    return {
        "year": years_label(current_years),
        "counts": as_list(now_counts),
        "next_year": years_label(next_years) if next_counts else None,
        "next_counts": as_list(next_counts) if next_counts else None,
        "chart": charts.scatter("home-matrix", _("评估矩阵"), points),
    }


def funnel_panel(scope, years) -> dict | None:
    signature = ",".join(f"{py.unit_id}:{py.current}" for py in years.values())
    rows = cached_aggregate(
        "funnel",
        scope,
        signature,
        lambda: dict(
            scope.filter(
                Customer.objects.filter(
                    unit_year_q(years, unit_path="unit", year_path="targets__year"),
                    targets__tier__in=TARGET_TIERS,
                ),
                Action.VIEW,
            )
            .values_list("development_status")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    )
    if not rows:
        return None
    labels = dict(DevelopmentStatus.choices)
    return {
        "year": years_label(py.current for py in years.values()),
        "chart": charts.bar(
            "home-funnel",
            _("目标客户发展漏斗"),
            [labels[s] for s in metrics.PIPELINE],
            metrics.funnel_from_counts(rows),
            horizontal=True,
        ),
    }


def sla_panel(user, scope, now) -> dict | None:
    if not (scope.allows(Action.INQUIRY_REPORTS) or scope.allows(Action.DECIDE_INQUIRY)):
        return None
    from reviews.selectors.inquiries import monthly_compliance

    # This month and the six before: the last six of them with owed clocks.
    local = timezone.localtime(now)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _i in range(SLA_MONTHS):
        start = (start - timedelta(days=1)).replace(day=1)
    months = cached_aggregate(
        "sla",
        scope,
        f"{local:%Y-%m-%d}",
        lambda: [m for m in monthly_compliance(user=user, since=start, now=now) if m["due"]][-SLA_MONTHS:],
    )
    if not months:
        return None
    return {
        "months": months,
        "chart": charts.line(
            "home-sla",
            _("查询时限达成率"),
            [m["month"] for m in months],
            [m["on_time_pct"] for m in months],
            unit="%",
        ),
    }


def stale_panel(scope, now) -> dict | None:
    stale = scope.filter(
        Customer.objects.filter(Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=now - STALE_AFTER)),
        Action.CHANGE,
    )
    total, more = capped_count(stale)
    if not total:
        return None
    return {
        "total": total,
        "more": more,
        "items": list(stale.select_related("segment").order_by("last_verified_at", "number")[:LIST_ITEMS]),
    }


def _due_contacts_q(years, cadences, today) -> Q:
    """Targets of each unit's current year whose tier cadence (from the version in force) has run out."""
    q = Q(pk__in=[])
    for py in years.values():
        for tier in TARGET_TIERS:
            days = cadences[py.unit_id].get(tier)
            if not days:
                continue
            q |= Q(customer__unit_id=py.unit_id, year=py.current, tier=tier) & (
                Q(last_contact__isnull=True) | Q(last_contact__lt=today - timedelta(days=days))
            )
    return q


def due_panel(user, scope, years, today) -> dict | None:
    """Target customers of mine whose tier's contact cadence has run out, and reviews waiting for me."""
    mine = (
        scope.filter(  # through the scope: an owner who lost the role no longer sees the customer
            Target.objects.filter(
                unit_year_q(years, unit_path="customer__unit", year_path="year"),
                tier__in=TARGET_TIERS,
                customer__daily_owner=user,
            ),
            Action.VIEW,
        )
        .annotate(last_contact=Max("customer__contact_logs__contacted_on"))
        .filter(_due_contacts_q(years, contact_cadences(years), today))
    )
    contacts = [
        {"customer": t.customer, "tier": t.get_tier_display(), "last": t.last_contact}
        for t in mine.select_related("customer").order_by("last_contact", "customer__number")[:LIST_ITEMS]
    ]
    contacts_total = len(contacts) if len(contacts) < LIST_ITEMS else capped_count(mine)[0]
    reviews = []
    reviews_qs = Review.objects.select_related("unit").order_by("-year", "unit__code")
    if scope.allows(Action.CONFIRM_REVIEW):
        reviews += list(
            scope.filter(reviews_qs, Action.CONFIRM_REVIEW).filter(status=ReviewStatus.SUBMITTED)[:LIST_ITEMS]
        )
    if scope.allows(Action.SUBMIT_REVIEW):
        reviews += list(
            scope.filter(reviews_qs, Action.SUBMIT_REVIEW).filter(
                status__in=[ReviewStatus.DRAFT, ReviewStatus.CONFIRMED], carry_forward__isnull=True
            )[:LIST_ITEMS]
        )
    elif scope.allows(Action.REVIEW):
        reviews += list(
            scope.filter(reviews_qs, Action.REVIEW).filter(status=ReviewStatus.DRAFT)[:LIST_ITEMS]
        )
    if not contacts and not reviews:
        return None
    return {
        "year": years_label(py.current for py in years.values()),
        "contacts": contacts,
        "contacts_total": contacts_total,
        "reviews": reviews[:LIST_ITEMS],
    }


def widgets(request) -> list[tuple[str, dict]]:
    user = request.user
    if not user.is_authenticated:
        return []
    scope = scope_for(request)
    now = timezone.now()
    today = timezone.localdate()
    years = planning_years(scope.units(Action.VIEW).values_list("pk", flat=True), today)
    panels = {
        "tiers": tier_panel(scope, years) if years else None,
        "funnel": funnel_panel(scope, years) if years else None,
        "sla": sla_panel(user, scope, now),
        "stale": stale_panel(scope, now),
        "due": due_panel(user, scope, years, today),
    }
    panels = {k: v for k, v in panels.items() if v}
    if not panels:
        return []
    chart_specs = [p["chart"] for p in panels.values() if "chart" in p]
    year = years_label(py.current for py in years.values()) if years else str(today.year)
    return [("reviews/home_dashboard.html", {"year": year, "charts": chart_specs, **panels})]
