"""Cached BU-wide figures of the list pages (tiers, matrix, scoring, pipeline, segments): the
counts and the ranked ids of a page, which PostgreSQL computes by joining and sorting every listed
customer of the BU-year (0.1–0.3 s each at 100,000 customers). The page's rows themselves are
always read fresh, by id.

A cached value is keyed by the exact SQL it stands for (so by the user's scope and filters) and by
the BU's *generation*: a stamp in the cache that every change of the BU's customers, list entries,
targets, segments or claims replaces once its transaction commits (model signals, and the bulk
writes — imports, the score recomputation, bulk tier decisions — call `bump`). A new stamp makes
every older value unreachable; values also expire after `TIMEOUT` as a safety net. When the cache
is unavailable nothing is cached and the figures are computed each time.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

TIMEOUT = 300  # seconds


def _database() -> str:
    # Two databases behind one Redis (a benchmark's next to a development one) share no values.
    return hashlib.sha256(str(connection.settings_dict.get("NAME")).encode()).hexdigest()[:12]


def _generation_key(unit_id) -> str:
    return f"listgen:{_database()}:{unit_id}"


_unavailable_until = 0.0  # (monotonic) after a failed cache: compute without asking it for a while
RETRY_AFTER = 10.0  # seconds


def generation(unit_id) -> int | None:
    """The BU's current stamp (created on first use), or None when the cache is unavailable — then
    it is not asked again for RETRY_AFTER seconds, so a Redis outage costs a page one timeout, not
    one per figure."""
    global _unavailable_until
    if time.monotonic() < _unavailable_until:
        return None
    key = _generation_key(unit_id)
    value = cache.get(key)
    if value is None:
        cache.add(key, time.time_ns(), timeout=None)
        value = cache.get(key)
        if value is None:
            _unavailable_until = time.monotonic() + RETRY_AFTER
    return value


def _renew(key) -> None:
    cache.set(key, time.time_ns(), timeout=None)


def bump(unit_id) -> None:
    """Every value cached for the BU is outdated: now, and again once the current transaction
    commits (until then other requests still read the old rows, and may cache them under the
    stamp of now)."""
    _renew_twice(_generation_key(unit_id))


def bump_all() -> None:
    """After writes that no BU can be named for."""
    _renew_twice(_generation_key("*"))


def _renew_twice(key) -> None:
    _renew(key)
    transaction.on_commit(lambda: _renew(key), robust=True)


def cached(unit_id, name: str, queryset, compute):
    """`compute()` (the figure `name` of `queryset`), from the cache when the BU has not changed
    since it was stored."""
    unit_stamp, all_stamp = generation(unit_id), generation("*")
    if unit_stamp is None or all_stamp is None:
        return compute()
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return compute()
    digest = hashlib.sha256(f"{name}\n{sql}\n{params!r}".encode()).hexdigest()
    key = f"list:{_database()}:{unit_id}:{unit_stamp}:{all_stamp}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


# --- what changes a BU's lists --------------------------------------------------------------------


def _unit_of(instance) -> int | None:
    unit_id = getattr(instance, "unit_id", None)
    if unit_id is not None:
        return unit_id
    customer_id = getattr(instance, "customer_id", None)
    if customer_id is None:
        return None
    from prospects.models import Customer

    field = type(instance).customer
    if field.is_cached(instance) and instance.customer is not None:
        return instance.customer.unit_id
    return Customer.objects.filter(pk=customer_id).values_list("unit_id", flat=True).first()


def _changed(sender, instance, **kwargs):
    unit_id = _unit_of(instance)
    if unit_id is None:
        bump_all()
    else:
        bump(unit_id)


def connect() -> None:
    from prioritization.models import Segment, Target
    from prospects.models import Customer, ListEntry, SegmentClaim

    for model in (Customer, ListEntry, Target, Segment, SegmentClaim):
        label = model._meta.label_lower
        post_save.connect(_changed, sender=model, dispatch_uid=f"listcache-save-{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"listcache-delete-{label}")
