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


def test_panels_use_the_bu_planning_year_in_force_not_the_calendar_year(seeded):
    """In February 2026 MFG still has only its 2025 version in force: the panels show 2025."""
    with time_machine.travel(datetime(2026, 2, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        [(template, context)] = _widgets(seeded.buvp)
        html = render_to_string(template, {"widget": context})
    assert context["tiers"]["year"] == "2025"
    assert {c["tier"]: c["count"] for c in context["tiers"]["counts"]}["tier1"] == 2
    assert context["funnel"]["year"] == "2025"
    assert "2025 年度分级" in html and "2025 年度目标客户发展漏斗" in html


def test_in_november_a_bu_planning_next_year_shows_both_years(seeded):
    from criteria.services.versions import version_activate, version_create
    from prioritization.models import Target

    version_activate(
        actor=seeded.buvp, version=version_create(actor=seeded.buvp, unit=seeded.org.unit, year=2026)
    )
    Target.objects.create(
        customer=seeded.c3, year=2026, tier="tier1", proposed_tier="tier1", incomplete=False
    )
    with time_machine.travel(datetime(2025, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        [(template, context)] = _widgets(seeded.buvp)
        html = render_to_string(template, {"widget": context})
    assert context["tiers"]["year"] == "2025" and context["tiers"]["next_year"] == "2026"
    assert {c["tier"]: c["count"] for c in context["tiers"]["next_counts"]} == {
        "tier1": 1, "tier2": 0, "tier3": 0, "no": 0,
    }  # fmt: skip
    assert {c["tier"]: c["count"] for c in context["tiers"]["counts"]}["tier1"] == 2  # 2025 still
    assert 'data-testid="home-tiers-next"' in html and "已开始规划 2026 年度" in html


def test_due_contacts_follow_the_tier_cadence_of_the_version_in_force(seeded, in_2025):
    """Tier 1 contact every 365 days in MFG's 2025 principles: 甲 (last 2025-02-15) is not due; 乙
    (never contacted) still is."""
    seeded.version.principles.filter(tier="tier1").update(contact_cadence_days=365)
    [(_template, context)] = _widgets(seeded.am)
    assert [i["customer"].name for i in context["due"]["contacts"]] == ["乙公司"]
    assert context["due"]["contacts_total"] == 1 and context["due"]["year"] == "2025"
    seeded.version.principles.filter(tier="tier1").update(contact_cadence_days=None)
    from django.core.cache import cache

    cache.clear()
    assert "due" not in _widgets(seeded.am)[0][1]  # no cadence: nothing is owed


def test_a_bu_without_a_version_in_force_uses_the_calendar_year(org, buvp):
    from reviews.selectors.planning import planning_years

    years = planning_years([org.unit], datetime(2025, 5, 1).date())
    assert years[org.unit.pk].current == 2025 and years[org.unit.pk].next is None


def test_stale_count_is_capped(seeded, in_2025, monkeypatch):
    monkeypatch.setattr(home, "COUNT_CAP", 3)
    [(template, context)] = _widgets(seeded.buvp)
    assert context["stale"]["total"] == 3 and context["stale"]["more"] is True
    assert "超过 6 个月未更新的客户：3+" in render_to_string(template, {"widget": context})


def test_an_owner_who_lost_the_role_no_longer_sees_the_customers_as_due(seeded, in_2025):
    from prioritization.access import scope_forget
    from prioritization.models import Membership, Role
    from tests.factories import grant

    Membership.objects.filter(user=seeded.am).delete()
    grant(seeded.am, Role.ACCOUNT_MANAGER, seeded.org.elec)  # moved to another segment of the BU
    scope_forget(seeded.am)
    panels = [context for _template, context in _widgets(seeded.am)]
    assert all(not p.get("due", {}).get("contacts") for p in panels)
