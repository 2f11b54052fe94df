"""Home-page panel: each person's due and overdue inquiries (scoped by the selector)."""

from django.utils import timezone

from inquiries import selectors, sla
from prioritization.access import Action, scope_for


def widgets(request) -> list[tuple[str, dict]]:
    scope = scope_for(request)
    if not (
        scope.allows(Action.LOG_INQUIRY)
        or scope.allows(Action.DECIDE_INQUIRY)
        or scope.allows(Action.FOLLOW_UP)
    ):
        return []
    now = timezone.now()
    items = [(i, sla.worst_state(i.clock_states(now))) for i in selectors.my_work(user=request.user, now=now)]
    return [("inquiries/home_widget.html", {"items": items})]
