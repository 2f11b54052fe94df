"""The data-quality trend of a BU's planning year, read from the monthly snapshots
(`reviews.services.quality`), narrowed to the segments the viewer may see."""

from __future__ import annotations

from django.db.models import Count, Max, Min, Q, Sum

from prioritization.access import Action, scope_for
from reviews import metrics
from reviews.models import DataQualitySnapshot, SnapshotSource


def quality_trend(*, user, unit, year: int) -> dict:
    """{"months": [{month, listed, complete_avg, complete_pct, stale, stale_pct, from_history}],
    "since": the first day a snapshot was taken (not rebuilt from history) or None,
    "backfilled": whether some months were rebuilt from the change history}. Two queries."""
    visible = scope_for(user).filter(DataQualitySnapshot.objects.filter(unit=unit, year=year), Action.VIEW)
    rows = (
        visible.values("month")
        .annotate(
            listed=Sum("listed"),
            completeness_sum=Sum("completeness_sum"),
            complete=Sum("complete_count"),
            stale=Sum("stale_count"),
            rebuilt=Count("pk", filter=Q(source=SnapshotSource.HISTORY)),
            taken_on=Max("taken_on"),
        )
        .order_by("month")
    )
    months = [
        {
            "month": f"{r['month']:%Y-%m}",
            "listed": r["listed"],
            "complete_avg": round(r["completeness_sum"] / r["listed"], 1) if r["listed"] else None,
            "complete": r["complete"],
            "complete_pct": metrics.percent(r["complete"], r["listed"]),
            "stale": r["stale"],
            "stale_pct": metrics.percent(r["stale"], r["listed"]),
            "from_history": bool(r["rebuilt"]),
            "taken_on": r["taken_on"],
        }
        for r in rows
    ]
    since = visible.filter(source=SnapshotSource.SNAPSHOT).aggregate(first=Min("taken_on"))["first"]
    return {"months": months, "since": since, "backfilled": any(m["from_history"] for m in months)}
