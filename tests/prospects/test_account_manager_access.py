"""Account managers (decision of issue 4): they READ the customers of their segment's lists, read-only,
and change only the customers they own; exports hold exactly what they may read; the targets (tiers)
and background jobs of others stay out of reach."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from prioritization.access import Action, Scope
from prioritization.models import Role
from prioritization.tiers import Tier
from prospects.models import Contact, Customer, CustomerFinancials, ListEntry, WorkbookJob
from tests.factories import UserFactory, grant

pytestmark = pytest.mark.django_db


def names(user, model=Customer, action=Action.VIEW, field="name"):
    return set(Scope(user).filter(model.objects.all(), action).values_list(field, flat=True))


def test_account_manager_reads_the_segments_customers_and_changes_only_owned(am, customers):
    assert names(am) == {"上海大众", "中国一汽"}  # AUTO; not ELEC, not the foreign BU
    assert names(am, action=Action.CHANGE) == {"上海大众"}
    assert Scope(am).can(Action.VIEW, customers.auto)
    assert not Scope(am).can(Action.CHANGE, customers.auto)
    assert Scope(am).can(Action.CHANGE, customers.owned)


def test_account_manager_reads_contacts_and_figures_of_segment_customers(am, customers):
    Contact.objects.create(customer=customers.auto, name="张工")
    Contact.objects.create(customer=customers.elec, name="李工")
    CustomerFinancials.objects.create(customer=customers.auto, year=2001, revenue=100)
    assert names(am, Contact) == {"张工"}
    assert names(am, CustomerFinancials, field="customer__name") == {"中国一汽"}
    assert names(am, Contact, Action.CHANGE) == set()


def test_account_manager_without_a_segment_still_sees_only_owned(org, customers):
    user = UserFactory(username="unit-am")
    grant(user, Role.ACCOUNT_MANAGER, org.unit)
    customers.elec.overall_owner = user
    customers.elec.save()
    assert names(user) == {"华为"}


def test_targets_of_non_owned_customers_stay_hidden(am, customers):
    from prioritization.models import Target

    Target.objects.create(customer=customers.owned, year=2002, tier=Tier.TIER1, manual_reason="x")
    Target.objects.create(customer=customers.auto, year=2002, tier=Tier.TIER1, manual_reason="x")
    assert names(am, Target, field="customer__name") == {"上海大众"}


def test_other_users_jobs_stay_hidden_from_the_account_manager(am, researcher, org):
    WorkbookJob.objects.create(kind="export", user=researcher, unit=org.unit, year=2002)
    assert names(am, WorkbookJob, field="pk") == set()


def test_segment_customer_page_is_read_only_for_the_account_manager(as_user, am, customers):
    client = as_user(am)
    page = client.get(reverse("prospects:customer_detail", args=[customers.auto.pk]))
    assert page.status_code == 200
    assert "中国一汽" in page.content.decode()
    assert b'data-testid="edit-customer"' not in page.content
    assert b'data-testid="mark-verified"' not in page.content
    assert b'data-testid="read-only"' in page.content
    owned = client.get(reverse("prospects:customer_detail", args=[customers.owned.pk]))
    assert b'data-testid="edit-customer"' in owned.content
    assert b'data-testid="read-only"' not in owned.content
    assert client.get(reverse("prospects:customer_edit", args=[customers.auto.pk])).status_code == 403
    response = client.post(reverse("prospects:customer_edit", args=[customers.auto.pk]), {"name": "改名"})
    assert response.status_code == 403
    assert Customer.objects.get(pk=customers.auto.pk).name == "中国一汽"


def test_customer_list_shows_the_segment_to_the_account_manager(as_user, am, customers):
    content = as_user(am).get(reverse("prospects:customer_list")).content.decode()
    assert "上海大众" in content and "中国一汽" in content
    assert "华为" not in content and "外部公司" not in content


def test_account_managers_export_holds_what_they_read(as_user, am, customers, django_assert_max_num_queries):
    for customer in (customers.owned, customers.auto, customers.elec):
        ListEntry.objects.create(customer=customer, year=2002)
    client = as_user(am)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("prospects:export_download") + "?unit=MFG&year=2002")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["客户基本信息表"]
    exported = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert exported == {"上海大众", "中国一汽"}


def test_tier_filter_does_not_reveal_tiers_of_non_owned_customers(as_user, am, segmgr, customers):
    from prioritization.models import Target

    Target.objects.create(customer=customers.owned, year=2002, tier=Tier.TIER1, manual_reason="x")
    Target.objects.create(customer=customers.auto, year=2002, tier=Tier.TIER1, manual_reason="x")
    for customer in (customers.owned, customers.auto):
        ListEntry.objects.create(customer=customer, year=2002)
    url = reverse("prospects:customer_list") + "?tier=tier1&year=2002"
    as_am = as_user(am).get(url).content.decode()
    assert "上海大众" in as_am and "中国一汽" not in as_am
    as_manager = as_user(segmgr).get(url).content.decode()
    assert "上海大众" in as_manager and "中国一汽" in as_manager
