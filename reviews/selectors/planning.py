"""Which planning year a BU is in, for the home panels and the data-quality snapshots.

A BU's planning year is the year of its criteria version in force (active, or frozen once scoring
started), not the calendar year:

- `current`: the year being carried out — the latest year up to this calendar year with a version in
  force (a BU that has not set up this year yet keeps working on last year's list); the calendar
  year when the BU has no version in force at all.
- `next`: next calendar year, when its version is already in force (step 2.3.1 runs in Oct–Nov: a
  BU may already plan next year while it still carries out this one).

The panels that follow work being done (pipeline funnel, due contacts with the version's tier
cadences, data quality) show `current`; the tier panel shows `current` and, when the BU already
plans next year, next year's tier counts as well. Every panel names the year(s) it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from criteria.models import CriteriaVersion, TierPrinciple
from criteria.models.versions import DEFAULT_CADENCE_DAYS, IN_FORCE


@dataclass(frozen=True)
class PlanningYear:
    unit_id: int
    current: int
    next: int | None = None


def planning_years(units, today: date) -> dict[int, PlanningYear]:
    """{unit id: PlanningYear} for `units` (a queryset or iterable of BusinessUnit or ids); one query
    (plus the units' own when given a queryset)."""
    unit_ids = [getattr(u, "pk", u) for u in units]
    found: dict[int, set[int]] = {pk: set() for pk in unit_ids}
    for unit_id, year in (
        CriteriaVersion.objects.filter(unit_id__in=unit_ids, status__in=IN_FORCE, year__lte=today.year + 1)
        .values_list("unit_id", "year")
        .distinct()
    ):
        found[unit_id].add(year)
    result = {}
    for unit_id, years in found.items():
        past = [y for y in years if y <= today.year]
        result[unit_id] = PlanningYear(
            unit_id=unit_id,
            current=max(past) if past else today.year,
            next=today.year + 1 if today.year + 1 in years else None,
        )
    return result


def years_label(years) -> str:
    """'2026' or '2025/2026' when the user's BUs are in different years."""
    return "/".join(str(y) for y in sorted(set(years)))


def unit_year_q(years: dict[int, PlanningYear], *, unit_path: str, year_path: str, which="current") -> Q:
    """Rows of each unit's planning year: Q(unit=u1, year=y1) | Q(unit=u2, year=y2) …"""
    q = Q(pk__in=[])
    for py in years.values():
        year = getattr(py, which)
        if year is not None:
            q |= Q(**{f"{unit_path}_id": py.unit_id, year_path: year})
    return q


def contact_cadences(years: dict[int, PlanningYear]) -> dict[int, dict[str, int | None]]:
    """{unit id: {tier: days}} from the tier principles of each unit's current version in force; a
    unit without a version in force (or a tier without a principle) keeps the default cadence. One
    query."""
    cadences = {unit_id: dict(DEFAULT_CADENCE_DAYS) for unit_id in years}
    wanted = Q(pk__in=[])
    for py in years.values():
        wanted |= Q(version__unit_id=py.unit_id, version__year=py.current)
    for unit_id, tier, days in TierPrinciple.objects.filter(wanted, version__status__in=IN_FORCE).values_list(
        "version__unit_id", "tier", "contact_cadence_days"
    ):
        cadences[unit_id][tier] = days
    return cadences
