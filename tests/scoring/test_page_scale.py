"""The target pages at scale: the same number of queries whatever the list size, filters, ranking,
counts and pagination done in SQL, the matrix's score cells above the point cap, the pipeline's
capped columns, and bulk acceptance beyond the visible page."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prioritization.models import Target
from prioritization.services.targets import tier_set
from prioritization.tiers import Tier
from prospects.models import Customer, ListEntry
from tests.factories import CustomerFactory
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db
Q = f"?bu=MFG&year={YEAR}"
PAGES = ["matrix", "tiers", "owners", "pipeline", "contacts_due", "plan_list", "relationship", "bu_merge"]


def add_customers(org, n, *, start=0, scored=True, tier="", owner=None, segment=None):
    """n listed customers of MFG with a Target for YEAR (complete unless scored=False)."""
    made = []
    for i in range(start, start + n):
        customer = CustomerFactory(
            segment=segment or org.auto, unit=org.unit, name=f"规模公司{i:04d}", daily_owner=owner,
            size_class="large" if i % 2 else "small", ownership="state" if i % 3 else "private",
            development_status="first_contact" if tier else "",
        )  # fmt: skip
        ListEntry.objects.create(customer=customer, year=YEAR)
        a, f = D(3 + i % 7), D(2 + (i * 3) % 8)
        Target.objects.create(
            customer=customer, year=YEAR, attractiveness=a if scored else None,
            feasibility=f if scored else None, rank=(i + 1) if scored else None, incomplete=not scored,
            proposed_tier=(Tier.TIER1 if a >= D("5.5") and f >= D("5.5") else Tier.NO) if scored else "",
            tier=tier,
        )  # fmt: skip
        made.append(customer)
    return made


def queries_of(client, name, query=Q):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"prioritization:{name}") + query)
    assert response.status_code == 200, name
    return len(captured)


def test_every_target_page_runs_the_same_queries_for_10_and_for_120_customers(
    ctx, client, django_assert_max_num_queries
):
    add_customers(ctx.org, 10, tier=Tier.TIER1, owner=ctx.buvp)
    client.force_login(ctx.buvp)
    small = {name: queries_of(client, name) for name in PAGES}
    small["contacts_mine"] = queries_of(client, "contacts_due", Q + "&mine=1")
    add_customers(ctx.org, 110, start=10, tier=Tier.TIER1, owner=ctx.buvp)
    for name in PAGES:
        with django_assert_max_num_queries(small[name]):
            client.get(reverse(f"prioritization:{name}") + Q)
    assert queries_of(client, "contacts_due", Q + "&mine=1") <= small["contacts_mine"]
    assert max(small.values()) <= 25


def test_tiers_page_ranks_filters_counts_and_paginates_in_sql(ctx, client):
    add_customers(ctx.org, 60)
    add_customers(ctx.org, 3, start=60, scored=False)
    client.force_login(ctx.buvp)
    first = client.get(reverse("prioritization:tiers") + Q)
    ranks = [row["target"].rank for row in first.context["table"]]
    assert len(ranks) == 50 and ranks == sorted(ranks) and ranks[0] == 1
    assert first.context["page"].paginator.count == 63 + 3  # and the fixture's three customers
    second = client.get(reverse("prioritization:tiers") + Q + "&page=2")
    # within AUTO the unranked come after every ranked one, by name
    names = [
        row["customer"].name for row in second.context["table"] if row["customer"].segment == ctx.org.auto
    ]
    assert names[-3:] == ["规模公司0060", "规模公司0061", "规模公司0062"]
    incomplete = client.get(reverse("prioritization:tiers") + Q + "&tier=incomplete")
    shown = {row["customer"].name for row in incomplete.context["table"]}
    assert {"规模公司0060", "规模公司0061", "规模公司0062"} <= shown
    assert all(row["target"] is None or row["target"].incomplete for row in incomplete.context["table"])
    tier_set(
        actor=ctx.buvp, customer=Customer.objects.get(name="规模公司0001"), year=YEAR, tier=Tier.TIER2, reason="测试"
    )
    counted = client.get(reverse("prioritization:tiers") + Q)
    assert counted.context["counts"] == {"tier1": 0, "tier2": 1, "tier3": 0, "no": 0}
    only_tier2 = client.get(reverse("prioritization:tiers") + Q + "&tier=tier2")
    assert [row["customer"].name for row in only_tier2.context["table"]] == ["规模公司0001"]


def test_accepting_all_proposals_applies_to_customers_beyond_the_visible_page(ctx, client):
    add_customers(ctx.org, 70)
    client.force_login(ctx.segmgr)
    client.post(reverse("prioritization:tiers_accept") + Q, {"all": "1"})
    assert (
        Target.objects.filter(year=YEAR, customer__name__startswith="规模公司").exclude(tier="").count() == 70
    )


def test_matrix_above_the_cap_shows_score_cells_and_a_cell_narrows_the_table(ctx, client, monkeypatch):
    from prioritization.views import targets as views

    add_customers(ctx.org, 30)
    client.force_login(ctx.buvp)
    page = client.get(reverse("prioritization:matrix") + Q)
    assert page.context["data"]["mode"] == "points" and len(page.context["data"]["points"]) == 30
    monkeypatch.setattr(views, "MATRIX_POINT_CAP", 10)
    page = client.get(reverse("prioritization:matrix") + Q)
    data = page.context["data"]
    assert (
        data["mode"] == "cells"
        and data["points"] == []
        and 'data-testid="matrix-cells-note"' in page.content.decode()
    )
    assert sum(cell[2] for cell in data["cells"]) == 30
    # every cell lies in one tier region: attractiveness 7.00 is in the cell starting at the 5.50 threshold + 6×0.25
    a_cell, f_cell, n, a_low, a_high, f_low, f_high = max(data["cells"], key=lambda c: c[2])
    narrowed = client.get(reverse("prioritization:matrix") + Q + f"&cell={a_cell}:{f_cell}")
    rows = narrowed.context["rows"]
    assert len(rows) == n and narrowed.context["page"].paginator.count == n
    assert all(a_low <= t.attractiveness < a_high or t.attractiveness == a_high == 10 for _c, t in rows)
    assert all(f_low <= t.feasibility < f_high or t.feasibility == f_high == 10 for _c, t in rows)
    threshold = client.get(reverse("prioritization:matrix") + Q + "&cell=0:0")
    assert all(
        t.attractiveness >= D("5.5") and t.feasibility >= D("5.5") for _c, t in threshold.context["rows"]
    )


def test_matrix_cells_put_a_score_at_the_threshold_above_it(ctx, client, monkeypatch):
    from prioritization.views import targets as views

    customers = add_customers(ctx.org, 3)
    Target.objects.filter(customer=customers[0]).update(attractiveness=D("5.50"), feasibility=D("5.49"))
    monkeypatch.setattr(views, "MATRIX_POINT_CAP", 1)
    client.force_login(ctx.buvp)
    cells = client.get(reverse("prioritization:matrix") + Q).context["data"]["cells"]
    assert [0, -1] in [c[:2] for c in cells]
    rows = client.get(reverse("prioritization:matrix") + Q + "&cell=0:-1").context["rows"]
    assert customers[0] in [c for c, _t in rows]


def test_pipeline_columns_show_their_count_the_first_cards_and_a_full_list(ctx, client, monkeypatch):
    from prioritization.selectors import targets as selectors

    add_customers(ctx.org, 7, tier=Tier.TIER1)
    monkeypatch.setitem(selectors.pipeline_board.__kwdefaults__, "cards", 3)
    client.force_login(ctx.buvp)
    board = client.get(reverse("prioritization:pipeline") + Q)
    column = next(
        col for b in board.context["boards"] for col in b["columns"] if col["status"] == "first_contact"
    )
    assert column["count"] == 7 and len(column["cards"]) == 3 and column["more"]
    assert [c["customer"].name for c in column["cards"]] == ["规模公司0000", "规模公司0001", "规模公司0002"]
    assert 'data-testid="pipeline-more"' in board.content.decode()
    full = client.get(reverse("prioritization:pipeline") + Q + "&segment=AUTO&status=first_contact")
    assert len(full.context["column"]["cards"]) == 7 and full.context["boards"] == []


def test_contacts_due_orders_overdue_first_and_counts_in_sql(ctx, client):
    from criteria.models import TierPrinciple

    TierPrinciple.objects.filter(version=ctx.version, tier="tier1").update(contact_cadence_days=30)
    made = add_customers(ctx.org, 4, tier=Tier.TIER1, owner=ctx.buvp)
    Customer.objects.filter(pk=made[1].pk).update(relationship_started_on=date(2025, 1, 1))
    Customer.objects.filter(pk=made[2].pk).update(relationship_started_on=date(2099, 1, 1))
    Target.objects.filter(customer=made[0], year=YEAR).update(decided_at=timezone.now())
    client.force_login(ctx.buvp)
    response = client.get(reverse("prioritization:contacts_due") + Q)
    rows = response.context["rows"]
    assert rows[0]["customer"] == made[1] and rows[0]["overdue"] and rows[0]["due_on"] == date(2025, 1, 31)
    assert rows[-1]["customer"] == made[2] and rows[-1]["due_on"] == date(2099, 1, 31)
    # made[3] (no contact, start or decision date) from 1 January; made[0] from its decision, today
    assert [r["customer"] for r in rows] == [made[1], made[3], made[0], made[2]]
    assert rows[2]["due_on"] == timezone.localdate() + timedelta(days=30)
    assert response.context["overdue"] == 2
    assert [r["due"] for r in rows] == [True, True, False, False]


def test_home_panels_count_every_owned_customer_and_show_fifteen(ctx, client):
    from prioritization.home import widgets

    add_customers(ctx.org, 20, tier=Tier.TIER1, owner=ctx.am)
    request = type("R", (), {"user": ctx.am})()
    (mine_template, mine), (due_template, due) = widgets(request)
    assert mine_template.endswith("home_my_customers.html") and due_template.endswith(
        "home_due_contacts.html"
    )
    assert mine["count"] == 20 and len(mine["rows"]) == 15
    assert due["count"] == 20 and len(due["rows"]) == 15  # no cadence known: due today
