"""When a target customer's contact-cadence clock starts (PROCESS.md §2.3.3 item 4: tier 1 monthly,
tier 2 quarterly, tier 3 every quarter or half year). The ONE rule, in Python (`cadence_start`, for
one customer) and in SQL (`cadence_start_sql`, for lists); the next contact is due one cadence
period after the start, and is overdue the day after:

1. the last contact;
2. else the date the relationship started (Customer.relationship_started_on);
3. else the date the customer's tier for the year was decided (Target.decided_at, local date);
4. else the date the BU approved its list for the year;
5. else 1 January of the planning year (a tier without a recorded decision, e.g. loaded by
   hand): the year's cadence periods start then, as on the customer's contact log page.

So a target customer nobody has contacted yet becomes overdue one cadence period after it became
a target, instead of being "due today" every day for ever."""

from __future__ import annotations

from datetime import date

from django.db.models import Case, DateField, F, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone


def cadence_start(
    *, year: int, last_contact=None, relationship_started_on=None, decided_on=None, approved_on=None
) -> date:
    return last_contact or relationship_started_on or decided_on or approved_on or date(year, 1, 1)


def approval_dates(*, year: int, unit=None) -> dict[int, date]:
    """{unit id: the local date the BU approved its list for `year`} (optionally of one BU)."""
    from prioritization.models import ListApproval

    approvals = ListApproval.objects.filter(year=year, unit__isnull=False)
    if unit is not None:
        approvals = approvals.filter(unit=unit)
    return {
        unit_id: timezone.localdate(approved_at)
        for unit_id, approved_at in approvals.values_list("unit_id", "approved_at")
    }


def cadence_start_sql(*, year: int, unit=None, last_contact="last_contact"):
    """`cadence_start` as a SQL expression over a customer queryset joined to the year's Target
    under the alias `t` and annotated with the last contact date (`last_contact`)."""
    approved = approval_dates(year=year, unit=unit)
    approved_on = (
        Case(
            *[When(unit_id=unit_id, then=Value(day)) for unit_id, day in approved.items()],
            default=Value(None),
            output_field=DateField(),
        )
        if approved
        else Value(None, output_field=DateField())
    )
    return Coalesce(
        F(last_contact),
        F("relationship_started_on"),
        TruncDate("t__decided_at", tzinfo=timezone.get_current_timezone()),
        approved_on,
        Value(date(year, 1, 1)),
        output_field=DateField(),
    )
