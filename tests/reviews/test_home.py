"""Dashboard panels on the home page: present only with data, scoped, and rendered without inline script."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template.loader import render_to_string
from django.test import RequestFactory

from reviews import home
from reviews.models import Review, ReviewStatus


def _widgets(user):
    request = RequestFactory().get("/")
    request.user = user
    return home.widgets(request)


@pytest.fixture
def in_2025():
    with time_machine.travel(datetime(2025, 12, 31, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def test_nobody_gets_no_panel(nobody):
    assert _widgets(nobody) == []


def test_bu_vp_sees_tiers_funnel_stale_and_due(seeded, in_2025, django_assert_max_num_queries):
    Review.objects.create(unit=seeded.org.unit, year=2025)
    with django_assert_max_num_queries(25):
        [(template, context)] = _widgets(seeded.buvp)
    counts = {c["tier"]: c["count"] for c in context["tiers"]["counts"]}
    assert counts == {"tier1": 2, "tier2": 1, "tier3": 1, "no": 1}
    assert len(context["tiers"]["chart"]["points"]) == 5
    # Current statuses of the 4 targets: negotiating, first_contact, closed, first_contact.
    assert context["funnel"]["chart"]["values"] == [4.0, 4.0, 2.0, 2.0, 2.0, 1.0]
    # Stale as of 2025-12-31: never verified (乙, 己, 名单外), 戊 (2024-12) and 丙 (2025-03).
    assert context["stale"]["total"] == 5
    assert [r.year for r in context["due"]["reviews"]] == [2025]
    html = render_to_string(template, {"widget": context})
    assert 'data-testid="home-tiers"' in html and 'id="charts-home"' in html
    assert "<script>" not in html


def test_account_manager_sees_only_own_customers_and_due_contacts(seeded, in_2025):
    [(_template, context)] = _widgets(seeded.am)
    counts = {c["tier"]: c["count"] for c in context["tiers"]["counts"]}
    assert counts == {"tier1": 2, "tier2": 0, "tier3": 0, "no": 0}
    # 甲 last contacted 2025-02-15, 乙 never: both past the 30-day cadence.
    assert {i["customer"].name for i in context["due"]["contacts"]} == {"甲公司", "乙公司"}


def test_bg_vp_is_told_of_submitted_reviews(seeded, in_2025):
    Review.objects.create(unit=seeded.org.unit, year=2025, status=ReviewStatus.SUBMITTED)
    [(_template, context)] = _widgets(seeded.bgvp)
    assert [r.status for r in context["due"]["reviews"]] == ["submitted"]
    assert "stale" not in context  # the BG VP keeps no customer data up to date
