"""The customer selectors beyond the plain list: the search box (name, number or location, within
the user's scope), the change history (newest first, capped, no-op saves left out, the creation
shown only when the whole history fits), overlapping segment claims by customer and year, and
the six-month staleness mark."""

from datetime import timedelta

import pytest
from django.utils import timezone

from prioritization.access import Action
from prospects.models import Customer, SegmentClaim
from prospects.selectors.customers import (
    customer_history,
    customer_list_page_queryset,
    customer_list_visible,
    customer_stale_for,
    overlapping_claims,
)
from prospects.services.customers import customer_update
from tests.factories import CustomerFactory, SegmentFactory

pytestmark = pytest.mark.django_db


def _names(queryset):
    return sorted(c.name for c in queryset)


# --- search ----------------------------------------------------------------------------------------
@pytest.fixture
def located(customers):
    for customer, location in [
        (customers.owned, "Shanghai Anting"),
        (customers.auto, "吉林长春"),
        (customers.elec, "广东深圳"),
        (customers.foreign, "上海浦东"),
    ]:
        Customer.objects.filter(pk=customer.pk).update(location=location)
    return customers


def test_search_matches_part_of_the_name_the_number_or_the_location(buvp, located):
    assert _names(customer_list_visible(user=buvp, search="一汽")) == ["中国一汽"]
    assert _names(customer_list_visible(user=buvp, search=located.elec.number)) == ["华为"]
    assert _names(customer_list_visible(user=buvp, search="深圳")) == ["华为"]
    assert _names(customer_list_visible(user=buvp, search="anting")) == ["上海大众"]  # any letter case
    assert _names(customer_list_visible(user=buvp, search="")) == ["上海大众", "中国一汽", "华为"]
    assert list(customer_list_visible(user=buvp, search="不存在的公司")) == []


def test_search_never_reaches_outside_the_users_scope(buvp, segmgr, outsider, located):
    # "上海" is the foreign customer's location and part of an in-scope customer's name
    assert _names(customer_list_visible(user=buvp, search="上海")) == ["上海大众"]
    assert _names(customer_list_visible(user=outsider, search="上海")) == ["外部公司"]
    # the AUTO segment manager does not find the ELEC customer by its number
    assert list(customer_list_visible(user=segmgr, search=located.elec.number)) == []
    assert _names(customer_list_visible(user=segmgr, search="T-")) == ["上海大众", "中国一汽"]


# --- history ---------------------------------------------------------------------------------------
def test_history_lists_changes_newest_first_with_labels_and_the_creation_last(buvp, customers):
    customer = customers.auto
    customer_update(actor=buvp, customer=customer, location="长春")
    customer_update(actor=buvp, customer=customer, location="长春市", employees=1200)
    changes = customer_history(customer)
    assert [c["created"] for c in changes] == [False, False, True]
    newest = {f["label"]: (f["old"], f["new"]) for f in changes[0]["fields"]}
    assert newest == {"公司地点": ("长春", "长春市"), "员工人数": (None, 1200)}
    assert [(f["label"], f["new"]) for f in changes[1]["fields"]] == [("公司地点", "长春")]
    assert changes[0]["record"].history_user == buvp
    assert changes[2]["fields"] == []


def test_a_save_that_changes_no_visible_field_is_left_out_of_the_history(buvp, customers):
    customer = customers.auto
    customer_update(actor=buvp, customer=customer, location="长春")
    customer_update(actor=buvp, customer=customer, location="长春")  # bumps the version only
    assert customer.history.count() == 3
    changes = customer_history(customer)
    assert len(changes) == 2
    assert [f["new"] for f in changes[0]["fields"]] == ["长春"] and changes[1]["created"]


def test_history_is_capped_at_the_limit_newest_first(buvp, customers):
    customer = customers.auto
    for n in range(1, 5):
        customer_update(actor=buvp, customer=customer, employees=n * 100)
    changes = customer_history(customer, limit=2)
    assert [[f["new"] for f in c["fields"]] for c in changes] == [[400], [300]]
    assert not any(c["created"] for c in changes)


def test_the_creation_shows_when_a_no_op_save_left_room_in_the_list(buvp, customers):
    """Only limit + 1 records are read: the oldest of them is shown as the creation when it is
    one, even if a save that changed nothing visible took a place in the records read."""
    customer = customers.auto
    customer_update(actor=buvp, customer=customer, employees=100)
    customer_update(actor=buvp, customer=customer, employees=100)  # no visible change
    changes = customer_history(customer, limit=2)
    assert [([f["new"] for f in c["fields"]], c["created"]) for c in changes] == [([100], False), ([], True)]
    changes = customer_history(customer, limit=1)
    assert [([f["new"] for f in c["fields"]], c["created"]) for c in changes] == []  # only the no-op save read
    customer_update(actor=buvp, customer=customer, employees=200)
    changes = customer_history(customer, limit=2)
    # three records read (200, the no-op, 100): the oldest is no creation and has nothing to diff
    assert [([f["new"] for f in c["fields"]], c["created"]) for c in changes] == [([200], False)]


def test_a_customer_written_in_bulk_without_history_has_an_empty_history(org):
    customer = CustomerFactory(segment=org.auto, name="批量公司")
    customer.history.all().delete()
    assert customer_history(customer) == []


# --- overlapping claims ----------------------------------------------------------------------------
@pytest.fixture
def claims(org, customers):
    other = SegmentFactory(unit=org.other_unit, code="OSEG2", name="其他细分市场二")
    return {
        "auto_2025": SegmentClaim.objects.create(customer=customers.auto, segment=org.elec, year=2025),
        "auto_2024": SegmentClaim.objects.create(customer=customers.auto, segment=org.elec, year=2024),
        "elec_2025": SegmentClaim.objects.create(customer=customers.elec, segment=org.auto, year=2025),
        "foreign_2025": SegmentClaim.objects.create(customer=customers.foreign, segment=other, year=2025),
    }


def _keys(queryset, claims):
    ids = {claim.pk: key for key, claim in claims.items()}
    return sorted(ids[c.pk] for c in queryset)


def test_claims_are_filtered_by_year_within_the_scope(buvp, claims):
    assert _keys(overlapping_claims(user=buvp), claims) == ["auto_2024", "auto_2025", "elec_2025"]
    assert _keys(overlapping_claims(user=buvp, year=2025), claims) == ["auto_2025", "elec_2025"]
    assert _keys(overlapping_claims(user=buvp, year=2023), claims) == []


def test_claims_are_filtered_by_customer_and_year(buvp, customers, claims):
    by_customer = overlapping_claims(user=buvp, customer=customers.auto)
    assert _keys(by_customer, claims) == ["auto_2024", "auto_2025"]
    assert _keys(overlapping_claims(user=buvp, customer=customers.auto, year=2024), claims) == ["auto_2024"]
    assert _keys(overlapping_claims(user=buvp, customer=customers.elec, year=2024), claims) == []


def test_claims_on_customers_outside_the_scope_are_not_seen(outsider, segmgr, customers, claims):
    assert _keys(overlapping_claims(user=outsider, year=2025), claims) == ["foreign_2025"]
    assert _keys(overlapping_claims(user=outsider, customer=customers.auto), claims) == []
    # the AUTO segment manager sees the claims on AUTO's customers, not those on ELEC's
    assert _keys(overlapping_claims(user=segmgr, year=2025), claims) == ["auto_2025"]


# --- the list page ---------------------------------------------------------------------------------
def test_list_page_marks_customers_unverified_for_six_months_as_stale(buvp, customers):
    now = timezone.now()
    Customer.objects.filter(pk=customers.owned.pk).update(last_verified_at=now - timedelta(days=10))
    Customer.objects.filter(pk=customers.auto.pk).update(last_verified_at=now - timedelta(days=200))
    stale = {c.name: c.is_stale for c in customer_list_page_queryset(user=buvp, now=now)}
    assert stale == {"上海大众": False, "中国一汽": True, "华为": True}  # 华为 was never verified
    later = {
        c.name: c.is_stale for c in customer_list_page_queryset(user=buvp, now=now + timedelta(days=180))
    }
    assert later["上海大众"] is True


def test_stale_customers_to_update_are_those_the_user_may_change_oldest_first(am, buvp, customers):
    now = timezone.now()
    for customer, days in [(customers.owned, 300), (customers.auto, 400), (customers.elec, 30)]:
        Customer.objects.filter(pk=customer.pk).update(last_verified_at=now - timedelta(days=days))
    assert [c.name for c in customer_stale_for(user=buvp, now=now)] == ["中国一汽", "上海大众"]
    assert [c.name for c in customer_stale_for(user=am, now=now)] == ["上海大众"]
    assert [c.name for c in customer_stale_for(user=am, now=now, action=Action.VIEW)] == [
        "中国一汽",
        "上海大众",
    ]
