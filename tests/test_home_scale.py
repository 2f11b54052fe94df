"""The home page costs a fixed number of queries whatever the data size, for every role (issue #8:
with 100,000 customers and 50,000 inquiries it took 2–4 s; every panel now aggregates in SQL, cuts
its lists with LIMIT and caps its counts)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from criteria.services.versions import version_activate, version_create
from inquiries.models import Inquiry
from prioritization.models import ContactLog, Target
from prospects.models import Customer, ListEntry

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 6, 16, 10, tzinfo=TZ)
ROLES = ["admin_user", "bgvp", "buvp", "segmgr", "am", "researcher", "pr"]
MAX_QUERIES = 40


def grow(org, am, *, n: int, start: int):
    """n more customers of every kind the panels read: listed, tiered, owned by the account
    manager, stale, contacted, with inquiries (logged by nobody in particular) of past months."""
    segments = [org.auto, org.elec]
    customers = Customer.objects.bulk_create(
        [
            Customer(
                unit=org.unit, segment=segments[i % 2], number=f"S-{start + i:06d}", name=f"规模公司{start + i}",
                name_key=f"规模公司{start + i}", completeness=i % 101, daily_owner=am if i % 3 == 0 else None,
                development_status=["", "first_contact", "seminars", "negotiating"][i % 4],
                last_verified_at=None if i % 2 else NOW - timedelta(days=400),
            )
            for i in range(n)
        ]
    )  # fmt: skip
    ListEntry.objects.bulk_create([ListEntry(customer=c, year=2025) for c in customers])
    tiers = ["tier1", "tier2", "tier3", "no"]
    Target.objects.bulk_create(
        [
            Target(customer=c, year=2025, tier=tiers[i % 4], proposed_tier=tiers[i % 4], incomplete=False,
                   attractiveness=i % 10 + 1, feasibility=(i * 7) % 10 + 1, rank=start + i)
            for i, c in enumerate(customers)
        ]
    )  # fmt: skip
    ContactLog.objects.bulk_create(
        [
            ContactLog(customer=c, contacted_on=date(2025, 1, 5), kind=ContactLog.Kind.VISIT)
            for c in customers[::2]
        ]
    )
    inquiries = []
    for i, c in enumerate(customers):
        call = NOW - timedelta(days=3 + i % 150)
        inquiries.append(
            Inquiry(
                unit=org.unit, segment=c.segment, customer=c, call_at=call, created_at=call,
                company_name=c.name, phone="010-1", completed_at=call + timedelta(minutes=20 + i % 30),
                replied_at=call + timedelta(hours=20 + i % 40) if i % 5 else None,
                log_remind_at=call, log_due_at=call + timedelta(minutes=30),
                reply_remind_at=call, reply_due_at=call + timedelta(hours=48), account_manager=am,
            )
        )  # fmt: skip
    Inquiry.objects.bulk_create(inquiries)


MY_PANELS = ["criteria", "prospects", "inquiries", "reviews"]


def panel_queries(user) -> dict[str, int]:
    """Queries of each panel app's `widgets(request)` with an empty cache."""
    import importlib

    from django.test import RequestFactory

    from prioritization.access import scope_forget

    cache.clear()
    counts = {}
    for app in MY_PANELS:
        request = RequestFactory().get("/")
        request.user = user
        scope_forget(user)
        with CaptureQueriesContext(connection) as queries:
            importlib.import_module(f"{app}.home").widgets(request)
        counts[app] = len(queries)
    return counts


def home_queries(client, user, limit=None) -> int:
    """Queries of one home page with an empty cache (after a first request of the session)."""
    client.force_login(user)
    client.get("/")  # first request of a session: session row, content types…
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    if limit is not None:
        with limit:
            client.get("/")  # the same page once more, counted by django_assert_max_num_queries
    return len(queries)


@pytest.fixture
def planned(org, buvp):
    version_activate(actor=buvp, version=version_create(actor=buvp, unit=org.unit, year=2025))
    return org


@pytest.mark.parametrize("role", ROLES)
def test_home_query_count_does_not_grow_with_the_data(
    role, request, client, planned, am, django_assert_max_num_queries
):
    """Sizes chosen so that every panel list is already full with the smaller data set (a panel
    counts its whole set only when its list is full)."""
    user = request.getfixturevalue(role)
    with time_machine.travel(NOW, tick=False):
        grow(planned, am, n=150, start=0)
        small = panel_queries(user)
        home_queries(client, user)
        grow(planned, am, n=450, start=1000)
        large = panel_queries(user)
        home_queries(client, user, limit=django_assert_max_num_queries(MAX_QUERIES))
    assert large == small, f"{role}: {small} queries with 150 customers, {large} with 600"


def test_home_panels_show_the_grown_data(client, planned, buvp, am):
    """The figures behind the constant query count are real: tiers, funnel, SLA trend, stale."""
    with time_machine.travel(NOW, tick=False):
        grow(planned, am, n=40, start=0)
        cache.clear()
        client.force_login(buvp)
        response = client.get("/")
    [dashboard] = [
        w["context"] for w in response.context["widgets"] if w["template"] == "reviews/home_dashboard.html"
    ]
    assert {c["tier"]: c["count"] for c in dashboard["tiers"]["counts"]} == {
        "tier1": 10, "tier2": 10, "tier3": 10, "no": 10,
    }  # fmt: skip
    assert dashboard["funnel"]["chart"]["values"][0] == 30  # the 30 tier 1–3 targets
    assert sum(m["inquiries"] for m in dashboard["sla"]["months"]) == 40
    assert dashboard["stale"]["total"] == 40  # half never verified, half verified 400 days ago
