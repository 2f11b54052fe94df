"""Keeping the customer database fresh (2.3.4): the weekly digest of stale customers for researchers."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from prioritization.models import Role
from prioritization.services.notifications import notify
from prospects.selectors.customers import customer_stale_for

DIGEST_LIMIT = 30


def stale_digest_send(*, now=None) -> int:
    """One digest per researcher per ISO week (safe to run as often as beat likes): the customers in
    their scope not verified or updated for six months. Returns the number of digests recorded."""
    now = now or timezone.now()
    year, week, _day = timezone.localtime(now).isocalendar()
    researchers = (
        get_user_model().objects.filter(is_active=True, memberships__role=Role.RESEARCHER).distinct()
    )
    sent = 0
    for user in researchers:
        stale = customer_stale_for(user=user, now=now)
        customers = list(stale[:DIGEST_LIMIT])
        if not customers:
            continue
        with transaction.atomic():
            created = notify(
                recipients=[user],
                key=f"prospects-stale-digest:{year}-W{week:02d}",
                template="emails/prospects/stale_digest.txt",
                context={
                    "customers": customers,
                    "count": stale.count(),
                    "more": len(customers) == DIGEST_LIMIT,
                },
                url=reverse("prospects:customer_list") + "?stale=yes&sort=verified",
            )
        sent += len(created)
    return sent
