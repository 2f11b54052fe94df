"""The prospects panel on the home page: customers the user keeps up to date that went stale."""

from prioritization.access import Action, scope_for
from prospects.selectors.customers import customer_stale_for

SHOWN = 8


def widgets(request) -> list[tuple[str, dict]]:
    scope = scope_for(request)
    if not scope.allows(Action.CHANGE) or scope.is_admin:
        return []
    stale = customer_stale_for(user=request.user)
    customers = list(stale[:SHOWN])
    count = len(customers) if len(customers) < SHOWN else stale.count()
    return [("prospects/home/stale_widget.html", {"customers": customers, "count": count})]
