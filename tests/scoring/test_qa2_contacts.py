"""QA round 2 on the contact cadence and the tier capacity: a target customer nobody contacted yet
becomes overdue one cadence period after it became a target (home page, contacts page, customer
page and the weekly e-mail alike); the weekly e-mail follows each BU's planning year in force, as
the home page does; the tier capacity warning counts the BU's whole list; the contact log offers
the briefing formats of the tier principles."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from criteria.models import CriteriaVersion, TierPrinciple
from criteria.services.versions import version_activate, version_create
from prioritization.models import ContactLog, ListApproval, Notification, Target
from prioritization.selectors.targets import (
    bu_tier_counts,
    contact_rows,
    contact_status,
    my_customers,
    tier_capacity_warnings,
)
from prioritization.services.contacts import contact_update, overdue_by_owner, overdue_contacts_remind
from prioritization.services.targets import contact_log, tier_set
from prioritization.tiers import Tier
from prospects.models import ListEntry
from tests.factories import CustomerFactory, Role, UserFactory, grant
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def monthly(ctx):
    """上海大众 (AUTO; daily owner am, overall owner segmgr) on the 2025 list, tier 1 = every 30
    days, never contacted, no relationship start date."""
    TierPrinciple.objects.filter(version=ctx.version, tier=Tier.TIER1).update(contact_cadence_days=30)
    owned = ctx.customers.owned
    owned.overall_owner, owned.relationship_started_on = ctx.segmgr, None
    owned.save()
    return ctx


def decide_tier1(ctx, customer, when):
    return tier_set(
        actor=ctx.segmgr, customer=customer, year=YEAR, tier=Tier.TIER1, reason="重点发展", now=when
    )


def due_everywhere(ctx, customer, today) -> set:
    """The due date of `customer` by every reader: home/contacts pages (SQL) and customer page (Python)."""
    mine = {r["customer"].pk: r["due_on"] for r in my_customers(user=ctx.am, year=YEAR, today=today)}
    listed = {
        r["customer"].pk: r["due_on"]
        for r in contact_rows(user=ctx.buvp, unit=ctx.org.unit, year=YEAR, today=today)
    }
    status = contact_status(customer, year=YEAR, today=today)
    return {mine.get(customer.pk), listed.get(customer.pk), status["due_on"]}


# --- 1. the cadence clock of a customer never contacted ----------------------------------------


def test_a_never_contacted_tier1_customer_is_overdue_one_cadence_after_its_tier_was_decided(monthly, client):
    owned = monthly.customers.owned
    decide_tier1(monthly, owned, at(2025, 3, 3, 10, 0))
    with time_machine.travel(at(2025, 4, 2, 9, 0)):  # the 30th day after the decision: due, not late
        assert due_everywhere(monthly, owned, date(2025, 4, 2)) == {date(2025, 4, 2)}
        assert not contact_status(owned, year=YEAR)["overdue"]
        assert overdue_by_owner(today=date(2025, 4, 2)) == {}
        client.force_login(monthly.am)
        panel = client.get("/").content.decode().split('data-testid="home-due-contacts"')[1]
        assert "上海大众 · 今天到期 2025-04-02" in panel
    with time_machine.travel(at(2025, 4, 3, 9, 0)):
        assert contact_status(owned, year=YEAR)["overdue"]
        [row] = my_customers(user=monthly.am, year=YEAR)
        assert row["overdue"] and row["due_on"] == date(2025, 4, 2)
        overdue = overdue_by_owner(today=date(2025, 4, 3))
        assert set(overdue) == {monthly.am, monthly.segmgr}
        assert [r["customer"] for r in overdue[monthly.am]] == [owned]
        client.force_login(monthly.am)  # a day later: the session of yesterday has expired
        panel = client.get("/").content.decode().split('data-testid="home-due-contacts"')[1]
        assert "上海大众 · 已逾期 2025-04-02" in panel
    # a month later it is still overdue: the clock does not restart every day
    with time_machine.travel(at(2025, 5, 20, 9, 0)):
        assert due_everywhere(monthly, owned, date(2025, 5, 20)) == {date(2025, 4, 2)}


def test_the_weekly_email_reports_a_never_contacted_customer_once_it_is_overdue(monthly):
    decide_tier1(monthly, monthly.customers.owned, at(2025, 3, 3, 10, 0))
    assert overdue_contacts_remind(now=at(2025, 3, 31, 9, 0)) == 0  # due on Apr 2
    assert overdue_contacts_remind(now=at(2025, 4, 7, 9, 0)) == 2  # am (daily) and segmgr (overall)
    note = Notification.objects.get(recipient=monthly.am)
    assert "上海大众" in note.body and "2025-04-02" in note.body and "从未联系" in note.body


@pytest.mark.parametrize(
    ("decided", "approved", "started", "contacted", "due"),
    [
        # the decision's local date: 00:30 in Shanghai is still the previous day in UTC
        (at(2025, 3, 3, 0, 30), None, None, None, date(2025, 4, 2)),
        # no decision recorded: the BU's approval of the list
        (None, at(2025, 2, 10, 15, 0), None, None, date(2025, 3, 12)),
        (at(2025, 3, 3, 10, 0), at(2025, 2, 10, 15, 0), None, None, date(2025, 4, 2)),
        # the relationship start comes first, the last contact before everything
        (at(2025, 3, 3, 10, 0), None, date(2024, 12, 1), None, date(2024, 12, 31)),
        (at(2025, 3, 3, 10, 0), None, date(2024, 12, 1), date(2025, 3, 20), date(2025, 4, 19)),
        # nothing known (a tier set without a recorded decision): from 1 January of the year
        (None, None, None, None, date(2025, 1, 31)),
    ],
)
def test_the_cadence_clock_rule_is_the_same_in_sql_and_in_python(
    monthly, decided, approved, started, contacted, due
):
    owned = monthly.customers.owned
    owned.relationship_started_on = started
    owned.save()
    Target.objects.create(customer=owned, year=YEAR, tier=Tier.TIER1, incomplete=False, decided_at=decided)
    if approved:
        ListApproval.objects.create(
            group=monthly.org.group,
            unit=monthly.org.unit,
            year=YEAR,
            approved_by=monthly.buvp,
            approved_at=approved,
        )
    if contacted:
        ContactLog.objects.create(customer=owned, contacted_on=contacted, kind="visit")
    today = date(2025, 6, 1)
    assert due_everywhere(monthly, owned, today) == {due}
    assert overdue_by_owner(today=today)[monthly.am][0]["due_on"] == due


def test_the_approval_of_another_bu_or_year_does_not_start_the_clock(monthly):
    owned = monthly.customers.owned
    Target.objects.create(customer=owned, year=YEAR, tier=Tier.TIER1, incomplete=False)
    ListApproval.objects.create(
        group=monthly.org.other_group,
        unit=monthly.org.other_unit,
        year=YEAR,
        approved_at=at(2025, 5, 1, 9, 0),
    )
    ListApproval.objects.create(
        group=monthly.org.group, unit=monthly.org.unit, year=YEAR - 1, approved_at=at(2024, 5, 1, 9, 0)
    )
    assert due_everywhere(monthly, owned, date(2025, 6, 1)) == {date(2025, 1, 31)}


def test_the_weekly_email_reads_a_fixed_number_of_queries_per_bu(monthly, django_assert_max_num_queries):
    for i in range(30):
        customer = CustomerFactory(segment=monthly.org.auto, name=f"目标{i:02d}", daily_owner=monthly.am)
        Target.objects.create(
            customer=customer, year=YEAR, tier=Tier.TIER1, incomplete=False, decided_at=at(2025, 1, 6, 9, 0)
        )
    with django_assert_max_num_queries(8):
        overdue = overdue_by_owner(today=date(2025, 6, 1))
    assert len(overdue[monthly.am]) == 30


# --- 2. the weekly e-mail follows each BU's planning year in force ------------------------------


def activate(admin, unit, year, *, tier1_days=30):
    version = version_activate(actor=admin, version=version_create(actor=admin, unit=unit, year=year))
    TierPrinciple.objects.filter(version=version, tier=Tier.TIER1).update(contact_cadence_days=tier1_days)
    return version


def test_in_january_the_weekly_email_still_covers_the_list_in_force(monthly, client):
    decide_tier1(monthly, monthly.customers.owned, at(2025, 6, 2, 10, 0))
    monday = at(YEAR + 1, 1, 5, 9, 0)  # no 2026 version yet: 2025's list is still the one in force
    assert overdue_contacts_remind(now=monday) == 2
    note = Notification.objects.get(recipient=monthly.am)
    assert "上海大众" in note.body and f"year={YEAR}" in note.url
    with time_machine.travel(monday):  # the home page speaks of the same list
        client.force_login(monthly.am)
        panel = client.get("/").content.decode().split('data-testid="home-due-contacts"')[1]
        assert "上海大众 · 已逾期" in panel


def test_a_next_year_list_in_force_in_december_is_reminded_per_bu(monthly, admin_user):
    """MFG already has its 2026 version in force in December 2025; the foreign BU still only 2025's."""
    org, auto = monthly.org, monthly.customers.auto
    activate(admin_user, org.unit, YEAR + 1)
    auto.daily_owner = monthly.am
    auto.save()
    ListEntry.objects.create(customer=auto, year=YEAR + 1)
    Target.objects.create(
        customer=auto, year=YEAR + 1, tier=Tier.TIER1, incomplete=False, decided_at=at(2025, 11, 3, 10, 0)
    )
    activate(admin_user, org.other_unit, YEAR)
    foreign_am = UserFactory(username="foreign_am")
    grant(foreign_am, Role.ACCOUNT_MANAGER, org.other_segment)
    foreign = monthly.customers.foreign
    foreign.daily_owner = foreign_am
    foreign.save()
    Target.objects.create(
        customer=foreign, year=YEAR, tier=Tier.TIER1, incomplete=False, decided_at=at(2025, 6, 2, 10, 0)
    )

    assert overdue_contacts_remind(now=at(2025, 12, 15, 9, 0)) == 2
    mine = Notification.objects.get(recipient=monthly.am)
    assert "中国一汽" in mine.body and "2025-12-03" in mine.body and f"year={YEAR + 1}" in mine.url
    theirs = Notification.objects.get(recipient=foreign_am)
    assert "外部公司" in theirs.body and f"bu=OTHBU&year={YEAR}" in theirs.url
    assert "中国一汽" not in theirs.body and "外部公司" not in mine.body


def test_a_bu_without_a_version_in_force_has_no_cadence_and_an_explicit_year_is_kept(monthly):
    decide_tier1(monthly, monthly.customers.owned, at(2025, 1, 6, 10, 0))
    CriteriaVersion.objects.filter(pk=monthly.version.pk).update(status="retired")
    assert overdue_by_owner(today=date(2025, 6, 1)) == {}  # no version in force: no cadence
    CriteriaVersion.objects.filter(pk=monthly.version.pk).update(status="active")
    assert overdue_contacts_remind(now=at(2025, 6, 3, 9, 0), year=YEAR) == 2


# --- 3. the tier capacity is a BU-wide figure ---------------------------------------------------


@pytest.fixture
def over_capacity(monthly):
    """Tier-1 capacity 3; 4 listed tier-1 customers in MFG (2 AUTO, 2 ELEC); a tier-1 customer of
    MFG not on the list and a foreign tier-1 customer do not count."""
    CriteriaVersion.objects.filter(pk=monthly.version.pk).update(capacity_tier1=3)
    monthly.version.refresh_from_db()
    c = monthly.customers
    elec2 = CustomerFactory(segment=monthly.org.elec, name="中兴通讯")
    unlisted = CustomerFactory(segment=monthly.org.auto, name="未列入公司")
    ListEntry.objects.create(customer=elec2, year=YEAR)
    for customer in (c.owned, c.auto, c.elec, elec2, unlisted, c.foreign):
        Target.objects.create(
            customer=customer, year=YEAR, tier=Tier.TIER1, proposed_tier=Tier.TIER1, incomplete=False
        )
    ListEntry.objects.create(customer=c.foreign, year=YEAR)
    Target.objects.create(customer=CustomerFactory(segment=monthly.org.auto), year=YEAR, tier=Tier.TIER2)
    return monthly


def test_capacity_counts_cover_the_bu_list_whatever_the_viewer(over_capacity):
    unit = over_capacity.org.unit
    assert bu_tier_counts(unit=unit, year=YEAR) == {"tier1": 4, "tier2": 0, "tier3": 0, "no": 0}
    warnings = tier_capacity_warnings(unit=unit, year=YEAR, version=over_capacity.version)
    assert warnings == [{"tier": "一级", "count": 4, "capacity": 3}]
    assert tier_capacity_warnings(unit=unit, year=YEAR + 1, version=over_capacity.version) == []
    assert tier_capacity_warnings(unit=unit, year=YEAR, version=None) == []


@pytest.mark.parametrize(
    ("viewer", "query"),
    [("segmgr", ""), ("buvp", "&tier=tier2"), ("buvp", "&segment=AUTO"), ("buvp", "&segment=ELEC")],
)
def test_everyone_deciding_tiers_sees_the_bu_capacity_warning_whatever_the_filter(
    over_capacity, client, viewer, query
):
    client.force_login(getattr(over_capacity, viewer))
    page = client.get(reverse("prioritization:tiers") + f"?bu=MFG&year={YEAR}{query}").content.decode()
    assert 'data-testid="capacity-warning"' in page and "超过容量 3" in page
    if viewer == "segmgr":
        assert "中兴通讯" not in page and "华为" not in page  # counts only: no customer of ELEC


# --- 4. the briefing formats of the tier principles ----------------------------------------------


def test_the_contact_log_offers_the_briefings_of_the_tier_principles(monthly, client):
    assert ("briefing", "经验介绍会") in ContactLog.Kind.choices
    assert ("product_briefing", "新产品/成功案例介绍会") in ContactLog.Kind.choices
    owned = monthly.customers.owned
    decide_tier1(monthly, owned, at(2025, 3, 3, 10, 0))
    client.force_login(monthly.am)
    url = reverse("prioritization:customer_contacts", args=[owned.pk]) + f"?year={YEAR}"
    page = client.get(url).content.decode()
    assert '<option value="briefing">经验介绍会</option>' in page
    assert '<option value="product_briefing">新产品/成功案例介绍会</option>' in page
    client.post(url, {"contacted_on": "2025-03-10", "kind": "product_briefing", "year": YEAR})
    log = ContactLog.objects.get(customer=owned)
    assert log.get_kind_display() == "新产品/成功案例介绍会"
    log = contact_update(actor=monthly.am, customer=owned, log=log, expected_version=1, kind="briefing")
    assert log.get_kind_display() == "经验介绍会"
    entry = contact_log(actor=monthly.am, customer=owned, contacted_on=date(2025, 3, 11), kind="briefing")
    assert entry.kind == ContactLog.Kind.BRIEFING
