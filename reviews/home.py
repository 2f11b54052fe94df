"""Role dashboard panels on the home page: tier counts with a matrix thumbnail, the pipeline funnel,
the inquiry SLA compliance trend, stale customer data and my due items. A panel appears only when
its data exists for the user; every figure goes through the user's scope."""

from __future__ import annotations

from datetime import timedelta

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

MATRIX_POINTS = 300
LIST_ITEMS = 5


def tier_panel(scope, year: int) -> dict | None:
    targets = scope.filter(Target.objects.filter(year=year), Action.VIEW)
    counts = dict(targets.exclude(tier="").values_list("tier").annotate(n=Count("pk")))
    if not counts:
        return None
    points = [
        (t["attractiveness"], t["feasibility"], t["customer__name"], t["tier"])
        for t in targets.filter(attractiveness__isnull=False, feasibility__isnull=False)
        .values("attractiveness", "feasibility", "customer__name", "tier")
        .order_by("rank")[:MATRIX_POINTS]
    ]
    return {
        "counts": [{"tier": t.value, "label": t.label, "count": counts.get(t.value, 0)} for t in Tier],
        "chart": charts.scatter("home-matrix", _("评估矩阵"), points),
    }


def funnel_panel(scope, year: int) -> dict | None:
    statuses = list(
        scope.filter(
            Customer.objects.filter(
                targets__year=year, targets__tier__in=[Tier.TIER1, Tier.TIER2, Tier.TIER3]
            ),
            Action.VIEW,
        ).values_list("development_status", flat=True)
    )
    if not statuses:
        return None
    labels = dict(DevelopmentStatus.choices)
    counts = metrics.funnel(statuses)
    return {
        "chart": charts.bar(
            "home-funnel",
            _("目标客户发展漏斗"),
            [labels[s] for s in metrics.PIPELINE],
            counts,
            horizontal=True,
        )
    }


def sla_panel(user, scope, now) -> dict | None:
    if not (scope.allows(Action.INQUIRY_REPORTS) or scope.allows(Action.DECIDE_INQUIRY)):
        return None
    from reviews.selectors.inquiries import inquiry_figures

    months = []
    for year in (now.year - 1, now.year):
        figures = inquiry_figures(user=user, unit=None, year=year, now=now)
        months += figures["by_month"] if figures else []
    months = [m for m in months if m["due"]][-6:]
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
    total = stale.count()
    if not total:
        return None
    return {
        "total": total,
        "items": list(stale.select_related("segment").order_by("last_verified_at", "number")[:LIST_ITEMS]),
    }


def due_panel(user, scope, year: int, today) -> dict | None:
    """Target customers of mine whose tier's contact cadence has run out, and reviews waiting for me."""
    from criteria.models.versions import DEFAULT_CADENCE_DAYS

    mine = (
        Target.objects.filter(
            year=year, tier__in=[Tier.TIER1, Tier.TIER2, Tier.TIER3], customer__daily_owner=user
        )
        .select_related("customer")
        .annotate(last_contact=Max("customer__contact_logs__contacted_on"))
    )
    contacts = []
    for target in mine:
        cadence = DEFAULT_CADENCE_DAYS.get(target.tier)
        if cadence and (target.last_contact is None or target.last_contact < today - timedelta(days=cadence)):
            contacts.append(
                {"customer": target.customer, "tier": target.get_tier_display(), "last": target.last_contact}
            )
    reviews = []
    visible = scope.filter(Review.objects.select_related("unit"), Action.REVIEW)
    if scope.allows(Action.CONFIRM_REVIEW):
        reviews += list(
            scope.filter(Review.objects.select_related("unit"), Action.CONFIRM_REVIEW).filter(
                status=ReviewStatus.SUBMITTED
            )
        )
    if scope.allows(Action.SUBMIT_REVIEW):
        for r in scope.filter(Review.objects.select_related("unit"), Action.SUBMIT_REVIEW).filter(
            status__in=[ReviewStatus.DRAFT, ReviewStatus.CONFIRMED], carry_forward__isnull=True
        ):
            reviews.append(r)
    elif scope.allows(Action.REVIEW):
        reviews += list(visible.filter(status=ReviewStatus.DRAFT))
    if not contacts and not reviews:
        return None
    return {
        "contacts": contacts[:LIST_ITEMS],
        "contacts_total": len(contacts),
        "reviews": reviews[:LIST_ITEMS],
    }


def widgets(request) -> list[tuple[str, dict]]:
    user = request.user
    if not user.is_authenticated:
        return []
    scope = scope_for(request)
    now = timezone.now()
    year = timezone.localdate().year
    panels = {
        "tiers": tier_panel(scope, year),
        "funnel": funnel_panel(scope, year),
        "sla": sla_panel(user, scope, now),
        "stale": stale_panel(scope, now),
        "due": due_panel(user, scope, year, timezone.localdate()),
    }
    panels = {k: v for k, v in panels.items() if v}
    if not panels:
        return []
    chart_specs = [p["chart"] for p in panels.values() if "chart" in p]
    return [("reviews/home_dashboard.html", {"year": year, "charts": chart_specs, **panels})]
