import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from prospects.models import Customer, normalize_name
from prospects.services.customers import ConcurrentUpdate, customer_create, customer_update


def test_normalized_name_folds_width_and_space():
    assert normalize_name(" 上海　大众 ") == normalize_name("上海大众")
    assert normalize_name("ＡＢＣ Motors") == normalize_name("abcmotors")


def test_create_assigns_sequential_numbers_per_bu(org, researcher, admin_user):
    first = customer_create(actor=researcher, unit=org.unit, segment=org.auto, name="上海大众")
    second = customer_create(actor=researcher, unit=org.unit, segment=org.elec, name="华为")
    other = customer_create(actor=admin_user, unit=org.other_unit, name="外部公司")
    assert (first.number, second.number, other.number) == ("MFG-00001", "MFG-00002", "OTHBU-00001")


def test_duplicate_name_in_bu_is_refused_with_the_existing_number(org, researcher):
    customer_create(actor=researcher, unit=org.unit, segment=org.auto, name="上海大众")
    with pytest.raises(ValidationError, match="MFG-00001"):
        customer_create(actor=researcher, unit=org.unit, segment=org.auto, name=" 上海　大众")


def test_create_outside_scope_is_refused(org, segmgr):
    with pytest.raises(PermissionDenied):
        customer_create(actor=segmgr, unit=org.unit, segment=org.elec, name="华为")
    assert not Customer.objects.exists()


def test_segment_of_another_bu_is_refused(org, admin_user):
    with pytest.raises(ValidationError):
        customer_create(actor=admin_user, unit=org.unit, segment=org.other_segment, name="X")


def test_update_bumps_version_and_refuses_a_stale_save(org, researcher, buvp):
    customer = customer_create(actor=researcher, unit=org.unit, segment=org.auto, name="上海大众")
    loaded_version = customer.version
    customer_update(actor=buvp, customer=customer, expected_version=loaded_version, location="上海")
    with pytest.raises(ConcurrentUpdate, match="buvp"):
        customer_update(actor=researcher, customer=customer, expected_version=loaded_version, location="北京")
    customer.refresh_from_db()
    assert (customer.location, customer.version) == ("上海", 2)


def test_update_is_scoped(org, pr, customers):
    with pytest.raises(PermissionDenied):
        customer_update(actor=pr, customer=customers.auto, location="x")


def test_history_records_who_changed_what(org, researcher, buvp):
    customer = customer_create(actor=researcher, unit=org.unit, segment=org.auto, name="上海大众")
    customer_update(actor=buvp, customer=customer, location="上海")
    latest = customer.history.first()
    assert latest.location == "上海"
    assert latest.updated_by == buvp
