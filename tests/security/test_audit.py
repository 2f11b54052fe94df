"""Exports, imports and manual tier decisions leave an AuditEvent naming the actor and the BU, on
every path (service shared by view and command, or the view when the view is the only path)."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from criteria.excel import version_workbook
from criteria.services.versions import version_create
from inquiries.services.reports import monthly_report_workbook
from prioritization.models import AuditEvent
from prioritization.services.consolidation import bg_list_write, bu_list_write
from prioritization.services.targets import tier_set
from prioritization.services.workbooks import scores_import, scoresheet_write, tiers_write
from prospects.models import Customer
from prospects.services.exports import customers_export
from prospects.services.imports import customers_import
from reviews.models import Review
from tests.prospects.workbooks import row, workbook
from tests.scoring.conftest import YEAR, listed, version  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
Kind = AuditEvent.Kind


def _only(kind, actor, unit):
    events = list(AuditEvent.objects.filter(kind=kind))
    assert len(events) == 1, events
    event = events[0]
    assert event.actor == actor and event.username == actor.username
    assert event.unit == unit
    return event


def test_customer_export_service_and_command(org, buvp, customers, tmp_path):
    customers_export(actor=buvp, target=str(tmp_path / "a.xlsx"), unit=org.unit, year=2002)
    _only(Kind.EXPORT, buvp, org.unit)
    AuditEvent.objects.all().delete()
    call_command("export_customers", str(tmp_path / "b.xlsx"), "--bu", org.unit.code, "--year", "2002",
                 "--as", buvp.username, stdout=io.StringIO())  # fmt: skip
    _only(Kind.EXPORT, buvp, org.unit)


def test_customer_export_view(client, org, buvp, customers):
    client.force_login(buvp)
    response = client.get(reverse("prospects:export_download"), {"unit": org.unit.code, "year": 2002})
    assert response.status_code == 200
    event = _only(Kind.EXPORT, buvp, org.unit)
    assert event.ip_address is None or event.ip_address == "127.0.0.1"


def test_customer_import_applied_is_recorded_dry_run_is_not(org, researcher, tmp_path):
    path = workbook(tmp_path / "in.xlsx", [row("审计测试有限公司", segment="AUTO")])
    customers_import(actor=researcher, path=path, unit=org.unit, year=2002, dry_run=True)
    assert not AuditEvent.objects.filter(kind=Kind.IMPORT).exists()
    result = customers_import(actor=researcher, path=path, unit=org.unit, year=2002)
    assert result.applied and Customer.objects.filter(name="审计测试有限公司").exists()
    _only(Kind.IMPORT, researcher, org.unit)


def test_scoresheet_export_and_import(org, segmgr, version, listed):  # noqa: F811
    out = io.BytesIO()
    scoresheet_write(out, actor=segmgr, unit=org.unit, segment=org.auto, year=YEAR)
    _only(Kind.EXPORT, segmgr, org.unit)
    out.seek(0)
    scores_import(actor=segmgr, evaluator=segmgr, unit=org.unit, year=YEAR, file=out, partial=True)
    _only(Kind.IMPORT, segmgr, org.unit)


def test_tier_list_bu_and_bg_lists(org, buvp, bgvp, version, listed):  # noqa: F811
    tiers_write(io.BytesIO(), actor=buvp, unit=org.unit, year=YEAR)
    bu_list_write(io.BytesIO(), actor=buvp, unit=org.unit, year=YEAR)
    assert AuditEvent.objects.filter(kind=Kind.EXPORT, actor=buvp, unit=org.unit).count() == 2
    bg_list_write(io.BytesIO(), actor=bgvp, group=org.group, year=YEAR)
    assert AuditEvent.objects.filter(kind=Kind.EXPORT, actor=bgvp).count() == 1


def test_criteria_version_export_view_and_import(client, org, buvp, version):  # noqa: F811
    client.force_login(buvp)
    assert client.get(reverse("criteria:version_export", args=[version.pk])).status_code == 200
    _only(Kind.EXPORT, buvp, org.unit)
    from criteria.services.versions import version_import

    draft = version_create(actor=buvp, unit=org.unit, year=YEAR + 1)
    version_import(actor=buvp, version=draft, data=version_workbook(version))
    _only(Kind.IMPORT, buvp, org.unit)


def test_inquiry_monthly_report_and_review_export(client, org, buvp):
    monthly_report_workbook(actor=buvp, unit=org.unit, month=date(2025, 3, 1))
    _only(Kind.EXPORT, buvp, org.unit)
    AuditEvent.objects.all().delete()
    review = Review.objects.create(unit=org.unit, year=2025)
    client.force_login(buvp)
    assert client.get(reverse("reviews:review_export", args=[review.pk])).status_code == 200
    _only(Kind.EXPORT, buvp, org.unit)


def test_manual_tier_decision(org, buvp, customers, version, listed):  # noqa: F811
    tier_set(actor=buvp, customer=customers.auto, year=YEAR, tier="tier1", reason="战略客户")
    event = _only(Kind.TIER_OVERRIDE, buvp, org.unit)
    assert event.target == customers.auto.number and event.detail["tier"] == "tier1"
