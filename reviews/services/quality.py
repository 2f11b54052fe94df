"""Data quality over the year (2.3.6): the monthly series of each BU planning-year list's
completeness and staleness, kept by a daily beat (`reviews.snapshot_data_quality`).

Each run refreshes the current month's row of every active BU's planning year(s) in force
(`reviews.selectors.planning`: the current one and, once in force, next year's), per segment, from
one SQL aggregate. The first time a BU-year is snapshotted, the months of that year before it are
rebuilt from the customers' change history (simple_history) — each listed customer as it was at the
end of the month; customers written in bulk without history leave those months out, and the review
then says the series starts with the first snapshot. The list itself is today's: a customer taken
off the list is not counted in past months either."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, time

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from prioritization.models import BusinessUnit
from prospects.completeness import STALE_AFTER
from prospects.models import Customer
from reviews.models import DataQualitySnapshot, SnapshotSource
from reviews.selectors.planning import planning_years
from reviews.selectors.year import COMPLETE_ENOUGH


def _month_end(month: date) -> datetime:
    last = date(month.year, month.month, monthrange(month.year, month.month)[1])
    return datetime.combine(last, time.max, tzinfo=timezone.get_current_timezone())


def _figures(queryset, at: datetime) -> dict:
    """{segment id: figures} of a customer (or historical customer) queryset, as of `at`."""
    stale = Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=at - STALE_AFTER)
    rows = (
        queryset.values("segment_id")
        .annotate(
            listed=Count("pk"),
            completeness_sum=Sum("completeness"),
            complete_count=Count("pk", filter=Q(completeness__gte=COMPLETE_ENOUGH)),
            stale_count=Count("pk", filter=stale),
        )
        .order_by()
    )
    return {
        r["segment_id"]: {
            "listed": r["listed"],
            "completeness_sum": r["completeness_sum"] or 0,
            "complete_count": r["complete_count"],
            "stale_count": r["stale_count"],
        }
        for r in rows
    }


def _write(unit, year: int, month: date, taken_on: date, source: str, figures: dict) -> int:
    gone = DataQualitySnapshot.objects.filter(unit=unit, year=year, month=month).exclude(
        segment_id__in=[s for s in figures if s is not None]
    )
    if None in figures:
        gone = gone.exclude(segment__isnull=True)
    gone.delete()  # a segment whose customers all left the list
    for segment_id, values in figures.items():
        DataQualitySnapshot.objects.update_or_create(
            unit=unit,
            year=year,
            month=month,
            segment_id=segment_id,
            defaults={"taken_on": taken_on, "source": source, **values},
        )
    return len(figures)


def _listed(unit, year: int):
    return Customer.objects.filter(unit=unit, list_entries__year=year)


def backfill_from_history(*, unit, year: int, before: date) -> int:
    """Months of `year` before the month of `before`, rebuilt from the customers' change history.
    Returns the number of months written."""
    history = Customer.history.model
    months = 0
    month = date(year, 1, 1)
    while month < before.replace(day=1):
        end = _month_end(month)
        latest = (
            history.objects.filter(id=OuterRef("pk"), history_date__lte=end)
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        states = (
            _listed(unit, year).annotate(state=Subquery(latest)).filter(state__isnull=False).values("state")
        )
        figures = _figures(history.objects.filter(history_id__in=states).exclude(history_type="-"), end)
        if figures:
            _write(unit, year, month, end.date(), SnapshotSource.HISTORY, figures)
            months += 1
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


@transaction.atomic
def data_quality_snapshot_take(*, now: datetime | None = None) -> int:
    """One pass of the beat: refresh this month's snapshot of every active BU's planning year(s);
    idempotent (a second run the same day rewrites the same rows). Returns the rows written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    month = today.replace(day=1)
    units = {u.pk: u for u in BusinessUnit.objects.filter(is_active=True)}
    written = 0
    for unit_id, planned in planning_years(units, today).items():
        unit = units[unit_id]
        for year in filter(None, (planned.current, planned.next)):
            if not DataQualitySnapshot.objects.filter(unit=unit, year=year).exists():
                backfill_from_history(unit=unit, year=year, before=today)
            figures = _figures(_listed(unit, year), now)
            if figures:
                written += _write(unit, year, month, today, SnapshotSource.SNAPSHOT, figures)
    return written
