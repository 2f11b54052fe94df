"""Customer services outside the happy path: other segments, blank names, contacts of another
customer, the primary contact's successor, unknown figures."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from prospects.models import Contact, CustomerFinancials, ListEntry
from prospects.services.customers import (
    contact_delete,
    contact_save,
    customer_create,
    customer_financials_set,
    customer_mark_verified,
    customer_update,
    prospect_list_add,
)

pytestmark = pytest.mark.django_db


def test_a_blank_name_or_a_foreign_segment_is_refused_with_the_field(org, researcher):
    with pytest.raises(ValidationError) as blank:
        customer_create(actor=researcher, unit=org.unit, segment=org.auto, name=" \u3000 ")
    assert "name" in blank.value.message_dict
    customer = customer_create(actor=researcher, unit=org.unit, segment=org.auto, name="上海大众")
    with pytest.raises(ValidationError) as foreign:
        customer_update(actor=researcher, customer=customer, segment=org.other_segment)
    assert "segment" in foreign.value.message_dict
    customer.refresh_from_db()
    assert customer.segment == org.auto


def test_a_segment_manager_cannot_touch_another_segments_customer(customers, segmgr):
    elec = customers.elec
    with pytest.raises(PermissionDenied):
        customer_mark_verified(actor=segmgr, customer=elec)
    with pytest.raises(PermissionDenied):
        customer_financials_set(actor=segmgr, customer=elec, year=2024, revenue=1)
    with pytest.raises(PermissionDenied):
        contact_save(actor=segmgr, customer=elec, name="王经理")
    with pytest.raises(PermissionDenied):
        prospect_list_add(actor=segmgr, customer=elec, year=2025)
    assert not CustomerFinancials.objects.filter(customer=elec).exists()
    assert not ListEntry.objects.filter(customer=elec).exists()


def test_contacts_belong_to_their_customer_and_the_primary_has_a_successor(customers, researcher):
    owned, auto = customers.owned, customers.auto
    first = contact_save(actor=researcher, customer=owned, name="张总", is_primary=True)
    second = contact_save(actor=researcher, customer=owned, name="李经理")
    with pytest.raises(PermissionDenied):  # a contact reached through another customer
        contact_save(actor=researcher, customer=auto, contact=first, name="改名")
    with pytest.raises(PermissionDenied):
        contact_delete(actor=researcher, customer=auto, contact=first)
    contact_delete(actor=researcher, customer=owned, contact=first)
    second.refresh_from_db()
    assert second.is_primary and list(Contact.objects.filter(customer=owned)) == [second]


def test_unknown_figures_are_a_programming_error(customers, researcher):
    with pytest.raises(TypeError):
        customer_financials_set(actor=researcher, customer=customers.owned, year=2024, turnover=5)
