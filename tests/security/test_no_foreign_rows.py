"""Exports, report e-mails and autocomplete show no row of another BU: a uniquely named customer and
inquiry of the foreign BU never appear in what any role of the conftest BU downloads or receives."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from criteria.services.versions import version_activate, version_create
from inquiries.services.inquiries import inquiry_log
from inquiries.services.reports import daily_report_send
from prioritization.services.contacts import overdue_contacts_remind
from prioritization.services.notifications import outbox_flush
from prospects.models import Customer, ListEntry
from prospects.services.upkeep import stale_digest_send
from reviews.models import Review
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SECRET = "外部机密公司"
YEAR = 2025
IN_SCOPE = ["admin_user", "bgvp", "buvp", "segmgr", "am", "researcher", "pr"]


@pytest.fixture
def seeded(org, customers, admin_user, outsider):
    long_ago = timezone.now() - timedelta(days=400)
    foreign = CustomerFactory(
        unit=org.other_unit, segment=org.other_segment, name=SECRET, number="OTHBU-77777"
    )
    Customer.objects.filter(pk=foreign.pk).update(last_verified_at=long_ago, updated_at=long_ago)
    ListEntry.objects.get_or_create(customer=foreign, year=YEAR)
    for customer in (customers.owned, customers.auto, customers.elec):
        ListEntry.objects.get_or_create(customer=customer, year=YEAR)
    for unit, actor in ((org.unit, admin_user), (org.other_unit, admin_user)):
        version_activate(actor=actor, version=version_create(actor=actor, unit=unit, year=YEAR))
    yesterday = timezone.now() - timedelta(hours=20)
    inquiry_log(actor=outsider, unit=org.other_unit, segment=org.other_segment, call_at=yesterday,
                company_name=SECRET, phone="1", customer=foreign)  # fmt: skip
    return foreign


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        assert zipfile.is_zipfile(io.BytesIO(content))
        book = load_workbook(io.BytesIO(content))
        return "\n".join(
            str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
        )
    return content.decode()


def _downloads(org):
    q = f"?bu={org.unit.code}&year={YEAR}"
    review = Review.objects.get_or_create(unit=org.unit, year=YEAR)[0]
    from criteria.models import CriteriaVersion

    version = CriteriaVersion.objects.get(unit=org.unit, year=YEAR)
    return [
        reverse("prospects:export_download") + f"?unit={org.unit.code}&year={YEAR}",
        reverse("prospects:export_download"),
        reverse("prioritization:tiers_export") + q,
        reverse("prioritization:owners") + q,
        reverse("prioritization:bu_list_export") + q,
        reverse("prioritization:bg_list_export") + f"?year={YEAR}",
        reverse("prioritization:scoresheet_export") + q + "&segment=AUTO",
        reverse("criteria:version_export", args=[version.pk]),
        reverse("inquiries:monthly_report")
        + f"?unit={org.unit.pk}&month={timezone.localdate():%Y-%m}&download=1",
        reverse("reviews:review_export", args=[review.pk]),
        reverse("inquiries:company_autocomplete") + "?company_name=外部",
        reverse("inquiries:company_autocomplete") + "?company_name=机密",
        reverse("prospects:customer_list") + "?q=机密",
    ]


@pytest.mark.parametrize("role", IN_SCOPE)
def test_downloads_and_autocomplete_hold_no_foreign_row(role, request, client, org, seeded):
    user = request.getfixturevalue(role)
    client.force_login(user)
    seen = 0
    for url in _downloads(org):
        response = client.get(url)
        if response.status_code != 200:
            continue
        seen += 1
        if role == "admin_user":
            continue  # the administrator sees every BU; checked below that the seed is visible to them
        assert SECRET not in _text(response), f"{role} saw the foreign customer in {url}"
    assert seen >= 2, f"{role} could open almost nothing; the test would prove nothing"


def test_the_seed_is_visible_where_it_belongs(client, org, seeded, outsider):
    client.force_login(outsider)
    response = client.get(reverse("inquiries:company_autocomplete") + "?company_name=机密")
    assert response.status_code == 200 and SECRET in _text(response)


def test_report_emails_hold_no_foreign_row(
    org, seeded, customers, outsider, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        daily_report_send()
        stale_digest_send()
        overdue_contacts_remind(year=YEAR)
    outbox_flush()  # whatever the after-commit hook did not send yet
    foreign_addresses = {outsider.email}
    mine = [m for m in mail.outbox if not set(m.to) & foreign_addresses]
    for message in mine:
        assert SECRET not in message.subject + message.body, f"{message.to} got the foreign customer"
    theirs = [m for m in mail.outbox if set(m.to) & foreign_addresses]
    assert any(SECRET in m.body for m in theirs), "the foreign BU's own report names it (the seed is real)"
