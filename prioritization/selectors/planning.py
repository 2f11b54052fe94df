"""Which planning year of a BU is in force for the work on its target customers (contacts due, the
weekly overdue-contact reminder)."""

from __future__ import annotations

from django.db.models import Max


def planning_years_in_force(units=None) -> dict[int, int]:
    """{unit id: planning year in force} for `units` (BusinessUnits or ids; every BU when None):
    the latest year for which the BU has a criteria version in force (active, or frozen once
    scoring started) — the rule of the home page's panels (`prioritization.home`), so the weekly
    reminder speaks of the list the home page shows: a list still in force in January before next
    year's is set up, and next year's list as soon as its version is in force. A BU without a
    version in force has no tier cadence and is absent. One query."""
    from criteria.models import CriteriaVersion
    from criteria.models.versions import IN_FORCE

    versions = CriteriaVersion.objects.filter(status__in=IN_FORCE)
    if units is not None:
        versions = versions.filter(unit_id__in=[getattr(u, "pk", u) for u in units])
    return dict(
        versions.order_by().values("unit_id").annotate(year=Max("year")).values_list("unit_id", "year")
    )
