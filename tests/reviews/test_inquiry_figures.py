"""Inquiry figures of the review on a seeded year with known answers (now = 2026-01-01 12:00)."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from inquiries.models import Decision, Importance, Inquiry
from reviews.selectors.inquiries import clock_outcome, inquiry_figures

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 1, 1, 12, tzinfo=TZ)
H = timedelta(hours=1)
M = timedelta(minutes=1)


def _inquiry(
    unit, call_at, *, completed=None, replied=None, reply_hours=24, followup_due=None, followed=None, **fields
):
    return Inquiry.objects.create(
        unit=unit, call_at=call_at, created_at=call_at, company_name=fields.pop("company_name", "来电公司"),
        phone="010-1", log_remind_at=call_at + 20 * M, log_due_at=call_at + 30 * M, completed_at=completed,
        reply_remind_at=call_at + (reply_hours - 4) * H, reply_due_at=call_at + reply_hours * H, replied_at=replied,
        followup_due_at=followup_due, followup_remind_at=followup_due, followed_up_at=followed, **fields,
    )  # fmt: skip


@pytest.fixture
def inquiries(seeded):
    org = seeded.org
    t1 = datetime(2025, 3, 10, 10, tzinfo=TZ)
    _inquiry(
        org.unit,
        t1,
        completed=t1 + 20 * M,
        replied=t1 + 30 * H,
        importance=Importance.IMPORTANT,
        decision=Decision.TARGET,
        customer=seeded.c6,
        logged_by=seeded.pr,
        decided_by=seeded.segmgr,
        segment=org.auto,
    )
    t2 = datetime(2025, 3, 20, 10, tzinfo=TZ)
    _inquiry(
        org.unit,
        t2,
        completed=t2 + 40 * M,
        replied=t2 + 10 * H,
        reply_hours=48,
        importance=Importance.SECONDARY,
        decision=Decision.TARGET,
        customer=seeded.c1,
        logged_by=seeded.am,
        decided_by=seeded.segmgr,
        account_manager=seeded.am,
        followup_due=t2 + timedelta(days=7),
        followed=t2 + timedelta(days=3),
        segment=org.auto,
    )
    t3 = datetime(2025, 6, 1, 10, tzinfo=TZ)
    _inquiry(
        org.unit,
        t3,
        completed=t3 + 10 * M,
        reply_hours=48,
        importance=Importance.SECONDARY,
        decision=Decision.DECLINE,
        logged_by=seeded.pr,
        segment=org.auto,
    )
    t4 = datetime(2025, 12, 31, 23, tzinfo=TZ)
    _inquiry(org.unit, t4, completed=t4 + 5 * M, reply_hours=48, logged_by=seeded.pr, segment=org.elec)
    t0 = datetime(2024, 12, 31, 10, tzinfo=TZ)
    _inquiry(org.unit, t0, completed=t0 + 5 * M, logged_by=seeded.pr)
    _inquiry(org.other_unit, t1, completed=t1 + 5 * M)
    return seeded


def test_clock_outcome():
    due = NOW
    assert clock_outcome(due, due - M, NOW + H) is True
    assert clock_outcome(due, due + M, NOW + H) is False
    assert clock_outcome(due, None, NOW + H) is False
    assert clock_outcome(due + H, None, NOW) is None
    assert clock_outcome(None, None, NOW) is None


def test_volumes_conversions_and_declines(inquiries):
    f = inquiry_figures(user=inquiries.buvp, unit=inquiries.org.unit, year=2025, now=NOW)
    assert f["figures"] == {
        "total": 4,
        "important": 1,
        "secondary": 2,
        "declined": 1,
        "to_prospects": 2,
        "to_targets": 1,
    }
    rates = {t["key"]: t["value"] for t in f["totals"]}
    assert (rates["prospect_rate"], rates["target_rate"]) == (Decimal("50.0"), Decimal("25.0"))


def test_sla_compliance_per_clock(inquiries):
    f = inquiry_figures(user=inquiries.buvp, unit=inquiries.org.unit, year=2025, now=NOW)
    clocks = {c["clock"]: (c["due"], c["on_time"], c["pct"]) for c in f["by_clock"]}
    assert clocks == {
        "log": (4, 3, Decimal("75.0")),
        "reply": (3, 1, Decimal("33.3")),
        "followup": (1, 1, Decimal("100.0")),
    }


def test_sla_compliance_per_person_and_month(inquiries):
    f = inquiry_figures(user=inquiries.buvp, unit=inquiries.org.unit, year=2025, now=NOW)
    people = {(p["person"], p["clock"]): (p["due"], p["on_time"]) for p in f["by_person"]}
    assert people == {
        ("pr", "log"): (3, 3),
        ("am1", "log"): (1, 0),
        ("am1", "followup"): (1, 1),
        ("segmgr", "reply"): (2, 1),
        ("未指定", "reply"): (1, 0),
    }
    months = {m["month"]: (m["inquiries"], m["due"], m["on_time"], m["on_time_pct"]) for m in f["by_month"]}
    assert months == {
        "2025-03": (2, 5, 3, Decimal("60.0")),
        "2025-06": (1, 2, 1, Decimal("50.0")),
        "2025-12": (1, 1, 1, Decimal("100.0")),
    }


def test_inquiry_figures_follow_the_viewers_scope(inquiries):
    assert inquiry_figures(user=inquiries.am, unit=inquiries.org.unit, year=2025, now=NOW)["total"] == 1
    assert inquiry_figures(user=inquiries.segmgr, unit=inquiries.org.unit, year=2025, now=NOW)["total"] == 3
