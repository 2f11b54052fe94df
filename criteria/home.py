"""The criteria panel of the home page: the versions of the user's BUs for their planning years.

The years are those of `reviews.selectors.planning`: each BU's planning year in force (the year of
its version in force, the calendar year when it has none) and, from October (step 2.3.1 runs in
Oct–Nov) or as soon as next year's version is in force, next year. The panel names the years."""

from django.utils import timezone

from criteria.selectors import version_list_visible
from prioritization.access import Action, scope_for
from reviews.selectors.planning import planning_years, years_label


def widgets(request):
    scope = scope_for(request)
    if not scope.allows(Action.VIEW_CRITERIA):
        return []
    today = timezone.localdate()
    planned = planning_years(scope.units(Action.VIEW_CRITERIA).values_list("pk", flat=True), today)
    years = {py.current for py in planned.values()} or {today.year}
    if today.month >= 10 or any(py.next for py in planned.values()):
        years.add(today.year + 1)
    versions = list(version_list_visible(user=request.user).filter(year__in=years)[:6])
    can_manage = scope.allows(Action.MANAGE_CRITERIA)
    return [
        (
            "criteria/home_widget.html",
            {
                "versions": versions,
                "years": sorted(years),
                "years_label": years_label(years),
                "can_manage": can_manage,
            },
        )
    ]
