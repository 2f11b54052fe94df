"""Reads of customers, always through the user's scope."""

from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.utils import timezone

from prioritization.access import Action, scope_for
from prospects.completeness import STALE_AFTER
from prospects.models import Contact, Customer, SegmentClaim


def stale_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=now - STALE_AFTER)


def with_staleness(queryset, now=None):
    return queryset.annotate(is_stale=ExpressionWrapper(stale_q(now), output_field=BooleanField()))


def customer_list_visible(*, user, search: str = "", action: str = Action.VIEW):
    qs = scope_for(user).filter(Customer.objects.all(), action)
    if search:
        qs = qs.filter(
            Q(name__icontains=search) | Q(number__icontains=search) | Q(location__icontains=search)
        )
    return qs.select_related("unit", "segment", "overall_owner", "daily_owner")


def customer_list_page_queryset(*, user, now=None):
    """The customer list: scoped, with staleness, primary contact prefetched (a constant number of
    queries per page), in index order (unit, number)."""
    qs = with_staleness(customer_list_visible(user=user), now).order_by("unit_id", "number")
    return qs.prefetch_related(
        Prefetch("contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts")
    )


def customer_get_visible(*, user, pk, action: str = Action.VIEW) -> Customer:
    qs = Customer.objects.select_related("unit", "segment", "overall_owner", "daily_owner", "updated_by")
    return scope_for(user).get_or_404(qs, action, pk=pk)


def customer_stale_for(*, user, now=None, action: str = Action.CHANGE):
    """Customers the user keeps up to date that were not verified or updated for six months."""
    qs = scope_for(user).filter(Customer.objects.filter(stale_q(now)), action)
    return qs.select_related("segment").order_by("last_verified_at", "number")


def customer_history(customer: Customer, *, limit: int = 30) -> list[dict]:
    """Who changed which field when: the newest `limit` changes, each with its changed fields."""
    records = list(
        customer.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    changes = []
    if not records:  # rows written in bulk outside the services have no history
        return changes
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if len(changes) >= limit:
            break
        if older is None:
            # The oldest record read is the creation only when it is one (limit + 1 were read).
            if newer.history_type == "+":
                changes.append({"record": newer, "fields": [], "created": True})
            continue
        delta = newer.diff_against(
            older, excluded_fields=["version", "updated_by", "created_by", "completeness", "last_verified_at"]
        )
        fields = [
            {
                "label": Customer._meta.get_field(change.field).verbose_name,
                "old": change.old,
                "new": change.new,
            }
            for change in delta.changes
        ]
        if fields:
            changes.append({"record": newer, "fields": fields, "created": False})
    return changes


def overlapping_claims(*, user, customer=None, year=None):
    qs = scope_for(user).filter(SegmentClaim.objects.select_related("segment", "customer"), Action.VIEW)
    if customer is not None:
        qs = qs.filter(customer=customer)
    if year is not None:
        qs = qs.filter(year=year)
    return qs
