"""Home-page panels of stage 2.3.3: an owner's customers with tier principle and contact cadence,
and the contacts that are due or overdue. Counted and cut to the first rows in SQL: an account
manager may own tens of thousands of customers."""

from django.utils import timezone

from criteria.models import CriteriaVersion
from criteria.models.versions import IN_FORCE
from prioritization.selectors.targets import due_rows, owned_customers
from prospects.models import Customer

SHOWN = 15


def _year(user):
    """The latest planning year in force of a BU where the user owns customers."""
    owned_units = Customer.objects.filter(daily_owner=user).values("unit_id")
    year = (
        CriteriaVersion.objects.filter(status__in=IN_FORCE, unit_id__in=owned_units)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    if year is None:
        owned_units = Customer.objects.filter(overall_owner=user).values("unit_id")
        year = (
            CriteriaVersion.objects.filter(status__in=IN_FORCE, unit_id__in=owned_units)
            .order_by("-year")
            .values_list("year", flat=True)
            .first()
        )
    return year or timezone.localdate().year


def widgets(request) -> list:
    user = request.user
    if not user.is_authenticated:
        return []
    year = _year(user)
    today = timezone.localdate()
    customers = owned_customers(user=user, year=year, today=today)
    rows = due_rows(customers[:SHOWN], year=year, today=today)
    if not rows:
        return []
    count = len(rows) if len(rows) < SHOWN else customers.count()
    due = customers.filter(due_on__lte=today)
    # The panel lists overdue first, so the due rows lead the first rows when there are few.
    due_shown = [r for r in rows if r["due"]]
    due_count = due.count() if len(due_shown) == len(rows) == SHOWN else len(due_shown)
    return [
        (
            "prioritization/targets/home_my_customers.html",
            {"rows": rows, "year": year, "count": count},
        ),
        (
            "prioritization/targets/home_due_contacts.html",
            {"rows": due_shown, "year": year, "count": due_count},
        ),
    ]
