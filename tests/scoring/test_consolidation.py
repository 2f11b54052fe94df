"""BG arbitration between BUs, the BU and BG list workbooks, and the weekly overdue-contact reminder."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from prioritization.models import ContactLog, Notification, OutboundEmail, Target, UnitArbitration
from prioritization.services import consolidation
from prioritization.services.contacts import overdue_contacts_remind
from prioritization.tiers import Tier
from tests.factories import CustomerFactory, Role, SegmentFactory, UnitFactory, UserFactory, grant
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def overlap(ctx, bgvp):
    """中国一汽 is a tier-1 target of MFG and a tier-2 target of a second BU (SVC) of the same BG."""
    svc = UnitFactory(code="SVC", group=ctx.org.group, name="服务业务单元")
    twin = CustomerFactory(segment=SegmentFactory(unit=svc, code="S1"), name="中国一汽")
    Target.objects.create(customer=ctx.customers.auto, year=YEAR, tier=Tier.TIER1, incomplete=False)
    Target.objects.create(customer=twin, year=YEAR, tier=Tier.TIER2, incomplete=False)
    Target.objects.create(customer=ctx.customers.elec, year=YEAR, tier=Tier.TIER3, incomplete=False)
    ctx.svc, ctx.twin, ctx.bgvp = svc, twin, bgvp
    return ctx


def test_bg_vp_arbitrates_a_company_two_bus_hold_and_the_decision_is_kept(overlap, client):
    overlaps = consolidation.bg_overlaps(group=overlap.org.group, year=YEAR)
    assert [o["name"] for o in overlaps] == ["中国一汽"] and overlaps[0]["arbitration"] is None
    key = overlaps[0]["name_key"]
    with pytest.raises(PermissionDenied):
        consolidation.unit_arbitrate(
            actor=overlap.buvp,
            group=overlap.org.group,
            year=YEAR,
            name_key=key,
            primary_unit=overlap.svc,
            reason="x",
        )
    with pytest.raises(ValidationError):
        consolidation.unit_arbitrate(
            actor=overlap.bgvp,
            group=overlap.org.group,
            year=YEAR,
            name_key=key,
            primary_unit=overlap.svc,
            reason=" ",
        )
    with pytest.raises(ValidationError):  # a BU that does not hold the company
        consolidation.unit_arbitrate(
            actor=overlap.bgvp,
            group=overlap.org.group,
            year=YEAR,
            name_key=key,
            primary_unit=overlap.org.other_unit,
            reason="x",
        )
    client.force_login(overlap.bgvp)
    page = client.get(reverse("prioritization:bg_list") + f"?bg=ITS&year={YEAR}")
    assert "中国一汽" in page.content.decode() and 'data-testid="arbitration"' not in page.content.decode()
    response = client.post(
        reverse("prioritization:unit_arbitrate"),
        {
            "bg": "ITS",
            "year": YEAR,
            "name_key": key,
            "primary_unit": overlap.svc.pk,
            "reason": "服务单元已有合同",
        },
    )
    assert response.status_code == 302
    decision = UnitArbitration.objects.get()
    assert (decision.primary_unit, decision.decided_by, decision.reason) == (
        overlap.svc,
        overlap.bgvp,
        "服务单元已有合同",
    )
    page = client.get(reverse("prioritization:bg_list") + f"?bg=ITS&year={YEAR}")
    assert 'data-testid="arbitration"' in page.content.decode()


def test_bg_list_workbook_lists_every_bu_with_arbitration_and_text_never_formulas(
    overlap, client, django_assert_max_num_queries
):
    overlap.customers.elec.name = "=HYPERLINK(1)"
    overlap.customers.elec.save()
    key = consolidation.bg_overlaps(group=overlap.org.group, year=YEAR)[0]["name_key"]
    consolidation.unit_arbitrate(
        actor=overlap.bgvp,
        group=overlap.org.group,
        year=YEAR,
        name_key=key,
        primary_unit=overlap.svc,
        reason="合同",
    )
    client.force_login(overlap.bgvp)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("prioritization:bg_list_export") + f"?bg=ITS&year={YEAR}")
    ws = load_workbook(io.BytesIO(response.content))[consolidation.BG_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:4] == ("业务单元", "名单状态", "客户编号", "公司名称") and rows[0][-1] == "业务群裁定"
    by_name = {(r[0], r[3]): r for r in rows[1:]}
    assert by_name[("制造业业务单元", "中国一汽")][-1].startswith("已裁定归属 服务业务单元")
    assert by_name[("服务业务单元", "中国一汽")][-1].startswith("归属本业务单元")
    formula_cell = next(c for row in ws.iter_rows(min_row=2) for c in row if c.value == "=HYPERLINK(1)")
    assert formula_cell.data_type == "s"
    assert client.get(reverse("prioritization:bg_list_export") + f"?year={YEAR}").status_code == 200


def test_bu_merged_list_workbook_is_for_the_bu_vp(overlap, client):
    client.force_login(overlap.segmgr)
    assert client.get(reverse("prioritization:bu_list_export") + f"?bu=MFG&year={YEAR}").status_code == 403
    from prospects.models import ListEntry

    for customer in (overlap.customers.auto, overlap.customers.elec):
        ListEntry.objects.get_or_create(customer=customer, year=YEAR)
    client.force_login(overlap.buvp)
    response = client.get(reverse("prioritization:bu_list_export") + f"?bu=MFG&year={YEAR}")
    ws = load_workbook(io.BytesIO(response.content))[consolidation.BU_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][-1] == "重叠裁定" and {r[1] for r in rows[1:]} >= {"中国一汽", "华为"}


@pytest.fixture
def overdue(ctx):
    """上海大众 (tier 1, cadence 30 days, owned by am and segmgr) last contacted on Jan 2."""
    from criteria.models import TierPrinciple

    TierPrinciple.objects.filter(version=ctx.version, tier="tier1").update(contact_cadence_days=30)
    owned = ctx.customers.owned
    owned.overall_owner = ctx.segmgr
    owned.save()
    Target.objects.create(customer=owned, year=YEAR, tier=Tier.TIER1, incomplete=False)
    Target.objects.create(customer=ctx.customers.auto, year=YEAR, tier=Tier.NO, incomplete=False)
    ContactLog.objects.create(customer=owned, contacted_on=date(YEAR, 1, 2), kind="call")
    return ctx


def test_weekly_reminder_goes_to_each_owner_once_a_week(overdue, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    monday_early = datetime(YEAR, 3, 3, 7, 0, tzinfo=SHANGHAI)
    assert overdue_contacts_remind(now=monday_early) == 0  # Monday's goes out from 08:00
    monday = datetime(YEAR, 3, 3, 9, 0, tzinfo=SHANGHAI)
    assert overdue_contacts_remind(now=monday) == 2  # am (daily) and segmgr (overall)
    assert overdue_contacts_remind(now=datetime(YEAR, 3, 5, 9, 0, tzinfo=SHANGHAI)) == 0  # same week
    note = Notification.objects.get(recipient=overdue.am)
    assert "上海大众" in note.body and "2025-02-01" in note.body and "mine=1" in note.url
    assert "中国一汽" not in note.body  # "say no" customers have no cadence
    assert OutboundEmail.objects.filter(notification__recipient=overdue.am).exists() == bool(overdue.am.email)
    assert overdue_contacts_remind(now=datetime(YEAR, 3, 10, 9, 0, tzinfo=SHANGHAI)) == 2  # next week


def test_no_reminder_when_the_contact_was_kept_or_the_owner_is_out_of_scope(overdue, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    ContactLog.objects.create(customer=overdue.customers.owned, contacted_on=date(YEAR, 2, 25), kind="visit")
    assert overdue_contacts_remind(now=datetime(YEAR, 3, 4, 9, 0, tzinfo=SHANGHAI)) == 0
    ContactLog.objects.all().delete()
    stranger = UserFactory(username="stranger")
    grant(stranger, Role.ACCOUNT_MANAGER, overdue.org.other_segment)
    owned = overdue.customers.owned
    owned.daily_owner, owned.overall_owner = stranger, None
    owned.save()
    assert overdue_contacts_remind(now=datetime(YEAR, 3, 4, 9, 0, tzinfo=SHANGHAI)) == 0
    assert not Notification.objects.exists()


@time_machine.travel(datetime(YEAR, 3, 4, 10, 0, tzinfo=SHANGHAI))
def test_the_beat_task_runs_the_sweep(overdue, settings):
    from django.conf import settings as django_settings

    from prioritization.tasks_scoring import overdue_contacts_weekly

    entry = django_settings.CELERY_BEAT_SCHEDULE["prioritization-overdue-contacts"]
    assert entry["task"] == overdue_contacts_weekly.name
    settings.TIME_ZONE = "Asia/Shanghai"
    assert overdue_contacts_weekly.delay().get() == 2
