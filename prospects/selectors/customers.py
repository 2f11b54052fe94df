"""Reads of customers, always through the user's scope."""

from django.db.models import Q

from prioritization.access import Action, scope_for
from prospects.models import Customer


def customer_list_visible(*, user, search: str = "", action: str = Action.VIEW):
    qs = scope_for(user).filter(Customer.objects.all(), action)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(number__icontains=search) | Q(location__icontains=search)
        )
    return qs.select_related("unit", "segment", "overall_owner", "daily_owner")


def customer_get_visible(*, user, pk, action: str = Action.VIEW) -> Customer:
    qs = Customer.objects.select_related("unit", "segment", "overall_owner", "daily_owner")
    return scope_for(user).get_or_404(qs, action, pk=pk)
