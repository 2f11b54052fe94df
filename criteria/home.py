"""The criteria panel of the home page: the versions in force of the user's BUs for the year."""

from django.utils import timezone

from criteria.selectors import version_list_visible
from prioritization.access import Action, scope_for


def widgets(request):
    scope = scope_for(request)
    if not scope.allows(Action.VIEW_CRITERIA):
        return []
    today = timezone.localdate()
    years = [today.year, today.year + 1] if today.month >= 10 else [today.year]
    versions = list(version_list_visible(user=request.user).filter(year__in=years)[:6])
    can_manage = scope.allows(Action.MANAGE_CRITERIA)
    return [("criteria/home_widget.html", {"versions": versions, "years": years, "can_manage": can_manage})]
