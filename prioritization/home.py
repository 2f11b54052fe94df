"""Home-page panels of stage 2.3.3: an owner's customers with tier principle and contact cadence,
and the contacts that are due or overdue."""

from django.utils import timezone

from criteria.models import CriteriaVersion
from criteria.models.versions import IN_FORCE
from prioritization.selectors.targets import my_customers


def _year(user):
    year = (
        CriteriaVersion.objects.filter(status__in=IN_FORCE, unit__customers__daily_owner=user)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    ) or (
        CriteriaVersion.objects.filter(status__in=IN_FORCE, unit__customers__overall_owner=user)
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
    rows = my_customers(user=user, year=year)
    if not rows:
        return []
    due = [r for r in rows if r["due"]]
    return [
        (
            "prioritization/targets/home_my_customers.html",
            {"rows": rows[:15], "year": year, "count": len(rows)},
        ),
        (
            "prioritization/targets/home_due_contacts.html",
            {"rows": due[:15], "year": year, "count": len(due)},
        ),
    ]
