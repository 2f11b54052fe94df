"""The monthly inquiry report e-mail carries the workbook, rendered for each recipient's scope: a BU
VP's file holds the inquiries of their BU and not one row of another BU's (asserted on the cells of
the attachment as it left, through the outbox and the mailer)."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from openpyxl import load_workbook

from inquiries.services.inquiries import inquiry_log
from inquiries.services.reports import XLSX, monthly_report_attachment, monthly_report_send
from prioritization.models import OutboundEmail, Profile, Role
from prioritization.models.notifications import OutboundAttachment
from tests.factories import UserFactory, grant
from tests.inquiries.conftest import T0

pytestmark = pytest.mark.django_db
APRIL_FIRST = T0.replace(month=4, day=1, hour=8)


def _cells(content: bytes) -> set:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return {value for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for value in row}


@pytest.fixture
def month_of_inquiries(org, pr, outsider, log):
    log(pr, company_name="苏州恒达")
    log(pr, segment=org.elec, company_name="无锡电子", call_at=T0 + timedelta(days=3))
    inquiry_log(actor=outsider, unit=org.other_unit, segment=org.other_segment, call_at=T0,
                company_name="外部唯一公司", phone="010-1", now=T0)  # fmt: skip
    log(pr, company_name="下月公司", call_at=T0.replace(month=4, day=2))  # not in March


def test_each_bu_vp_gets_the_workbook_of_their_own_bu_only(
    org, buvp, outsider, month_of_inquiries, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert monthly_report_send(now=APRIL_FIRST) == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {buvp.email, outsider.email}

    ours = by_recipient[buvp.email]
    [(filename, content, mimetype)] = ours.attachments
    assert filename == "inquiry-report-MFG-2025-03.xlsx" and mimetype == XLSX
    cells = _cells(content)
    assert {"苏州恒达", "无锡电子"} <= cells
    assert "外部唯一公司" not in cells and "下月公司" not in cells

    theirs = by_recipient[outsider.email]
    [(filename, content, _mimetype)] = theirs.attachments
    assert filename == "inquiry-report-OTHBU-2025-03.xlsx"
    cells = _cells(content)
    assert "外部唯一公司" in cells
    assert not cells & {"苏州恒达", "无锡电子", "下月公司"}
    assert "inquiry-report-MFG-2025-03.xlsx" in ours.body


def test_two_bu_vps_each_get_their_own_copy_once_in_their_language(
    org, buvp, month_of_inquiries, django_capture_on_commit_callbacks
):
    second = UserFactory(username="buvp-two")
    grant(second, Role.BU_VP, org.unit)
    Profile.objects.update_or_create(user=second, defaults={"language": "en"})
    with django_capture_on_commit_callbacks(execute=True):
        monthly_report_send(now=APRIL_FIRST)
    with django_capture_on_commit_callbacks(execute=True):
        assert monthly_report_send(now=APRIL_FIRST + timedelta(hours=1)) == 0
    rows = OutboundAttachment.objects.filter(email__to_address__in=[buvp.email, second.email])
    assert rows.count() == 2  # one file per recipient, none added by the second run
    assert len({row.email_id for row in rows}) == 2
    sheets = {
        row.email.to_address: load_workbook(io.BytesIO(bytes(row.content)), read_only=True).sheetnames
        for row in rows
    }
    assert "汇总" in sheets[buvp.email]
    assert "汇总" not in sheets[second.email]  # the English recipient's workbook is in English
    assert all(row.size == len(bytes(row.content)) for row in rows)
    assert OutboundEmail.objects.filter(to_address=second.email, status="sent").count() == 1


def test_the_attachment_follows_the_recipients_scope(org, pr, segmgr, outsider, month_of_inquiries):
    month = T0.date().replace(day=1)
    [pr_file] = monthly_report_attachment(recipient=pr, unit=org.unit, month=month, now=APRIL_FIRST)
    cells = _cells(pr_file.content)
    assert {"苏州恒达", "无锡电子"} <= cells and "外部唯一公司" not in cells
    # No report right on the unit (a segment manager) or out of scope (another BU's VP): no file.
    assert monthly_report_attachment(recipient=segmgr, unit=org.unit, month=month, now=APRIL_FIRST) == []
    assert monthly_report_attachment(recipient=outsider, unit=org.unit, month=month, now=APRIL_FIRST) == []
