"""The prospects panel on the home page: customers the user keeps up to date that went stale."""

from prioritization.access import Action, scope_for
from prospects.selectors.customers import customer_stale_for

SHOWN = 8
COUNT_CAP = 1000  # above this the badge shows "1000+": an exact count of 100,000 rows buys nothing


def widgets(request) -> list[tuple[str, dict]]:
    scope = scope_for(request)
    if not scope.allows(Action.CHANGE) or scope.is_admin:
        return []
    stale = customer_stale_for(user=request.user)
    customers = list(stale[:SHOWN])
    count, more = len(customers), False
    if count >= SHOWN:
        n = stale[: COUNT_CAP + 1].count()  # SELECT COUNT(*) FROM (… LIMIT): bounded cost
        count, more = min(n, COUNT_CAP), n > COUNT_CAP
    return [("prospects/home/stale_widget.html", {"customers": customers, "count": count, "more": more})]
