"""The list cache behind the BU-wide pages (tiers, matrix, scoring, pipeline, segments): counts and
ranked ids are reused while the BU is unchanged, every change of its lists shows on the next
request, one user's cached figures never answer another's scope, and without a cache the figures
are computed each time."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prioritization import listcache
from prioritization.models import Target
from prioritization.services.scoring import scores_recompute
from prioritization.services.targets import tier_set, tiers_accept_proposals
from prioritization.tiers import Tier
from prospects.models import Customer, ListEntry
from tests.scoring.conftest import YEAR
from tests.scoring.test_page_scale import add_customers

pytestmark = pytest.mark.django_db
Q = f"?bu=MFG&year={YEAR}"


def get(client, name, query=Q):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(f"prioritization:{name}") + query)
    assert response.status_code == 200
    return response, len(captured)


def test_an_unchanged_bu_answers_the_tiers_page_from_the_cache(ctx, client):
    add_customers(ctx.org, 60)
    client.force_login(ctx.buvp)
    first, cold = get(client, "tiers")
    again, warm = get(client, "tiers")
    assert warm <= cold - 3  # count, the page's ids and the tier counts
    assert again.context["page"].paginator.count == first.context["page"].paginator.count == 63
    assert [r["customer"].pk for r in again.context["table"]] == [
        r["customer"].pk for r in first.context["table"]
    ]


def test_a_change_through_the_product_shows_on_the_next_request(ctx, client):
    add_customers(ctx.org, 60)
    client.force_login(ctx.buvp)
    get(client, "tiers")
    # a manual tier (model save)
    tier_set(
        actor=ctx.buvp,
        customer=Customer.objects.get(name="规模公司0001"),
        year=YEAR,
        tier=Tier.TIER2,
        reason="x",
    )
    response, _ = get(client, "tiers")
    assert response.context["counts"]["tier2"] == 1
    # bulk acceptance (a bulk update: no model signal)
    accepted = tiers_accept_proposals(actor=ctx.buvp, unit=ctx.org.unit, year=YEAR)
    assert accepted > 0
    response, _ = get(client, "tiers")
    assert sum(response.context["counts"].values()) == accepted + 1
    # a new listed customer
    add_customers(ctx.org, 1, start=60)
    response, _ = get(client, "tiers")
    assert response.context["page"].paginator.count == 64


def test_the_score_recomputation_outdates_the_cached_ranking(ctx, client, score_all):
    client.force_login(ctx.buvp)
    score_all(ctx.segmgr, ctx.customers.auto, ctx.version, {"attractiveness": 8, "feasibility": 8})
    response, _ = get(client, "tiers")
    shown = {r["customer"].pk: r["target"] for r in response.context["table"]}
    assert shown[ctx.customers.auto.pk].proposed_tier == Tier.TIER1
    # score rows written in SQL, then the SQL recomputation (no model signal for the targets)
    from prioritization.models import Scorecard

    Scorecard.objects.filter(customer=ctx.customers.auto).update(score_tenths=20)
    scores_recompute(unit=ctx.org.unit, year=YEAR)
    response, _ = get(client, "tiers", Q + "&tier=no")
    assert ctx.customers.auto.pk in [r["customer"].pk for r in response.context["table"]]
    response, _ = get(client, "tiers", Q + "&tier=tier1")
    assert ctx.customers.auto.pk not in [r["customer"].pk for r in response.context["table"]]


def test_cached_figures_follow_the_users_scope(ctx, client):
    add_customers(ctx.org, 5, owner=ctx.am)
    add_customers(ctx.org, 7, start=5)
    client.force_login(ctx.buvp)
    everyone, _ = get(client, "tiers")
    client.force_login(ctx.am)
    own, _ = get(client, "tiers")
    assert everyone.context["page"].paginator.count > own.context["page"].paginator.count
    assert {r["customer"].pk for r in own.context["table"]} <= set(
        Customer.objects.filter(daily_owner=ctx.am).values_list("pk", flat=True)
    ) | set(Customer.objects.filter(overall_owner=ctx.am).values_list("pk", flat=True))


def test_the_pipeline_board_and_matrix_follow_changes(ctx, client):
    add_customers(ctx.org, 12, tier=Tier.TIER1)
    client.force_login(ctx.buvp)
    board, _ = get(client, "pipeline")
    counts = {c["status"]: c["count"] for b in board.context["boards"] for c in b["columns"]}
    assert counts["first_contact"] == 12
    moved = Customer.objects.get(name="规模公司0003")
    moved.development_status = "seminars"
    moved.save()
    board, _ = get(client, "pipeline")
    counts = {c["status"]: c["count"] for b in board.context["boards"] for c in b["columns"]}
    assert counts["first_contact"] == 11 and counts["seminars"] == 1
    matrix, _ = get(client, "matrix")
    scored = matrix.context["scored"]
    Target.objects.get(customer=moved, year=YEAR).delete()
    matrix, _ = get(client, "matrix")
    assert matrix.context["scored"] == scored - 1


def test_segment_progress_counts_follow_new_list_entries(ctx, client):
    client.force_login(ctx.buvp)
    url = reverse("prospects:segment_progress") + f"?unit=MFG&year={YEAR}"
    before = client.get(url).context["segments"]
    added = add_customers(ctx.org, 2)
    assert ListEntry.objects.filter(customer__in=added).count() == 2
    after = client.get(url).context["segments"]
    total = {s["segment"].code: s["total"] for s in after}
    assert total["AUTO"] == {s["segment"].code: s["total"] for s in before}["AUTO"] + 2


def test_the_stamp_is_renewed_again_when_the_transaction_commits(ctx, django_capture_on_commit_callbacks):
    stamp = listcache.generation(ctx.org.unit.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        listcache.bump(ctx.org.unit.pk)
    now = listcache.generation(ctx.org.unit.pk)
    assert now != stamp and len(callbacks) == 1
    callbacks[0]()
    assert listcache.generation(ctx.org.unit.pk) != now
    other = listcache.generation(ctx.org.other_unit.pk)
    listcache.bump_all()
    assert listcache.generation("*") is not None and listcache.generation(ctx.org.other_unit.pk) == other


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "prioritization.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens: every call fails at once
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
)
def test_without_a_cache_every_request_computes_its_figures(ctx, client):
    add_customers(ctx.org, 8)
    client.force_login(ctx.buvp)
    assert listcache.generation(ctx.org.unit.pk) is None
    first, _ = get(client, "tiers")
    assert first.context["counts"]["tier3"] == 0
    # a write no model signal reports: only a figure computed afresh can show it
    Target.objects.filter(customer__name="规模公司0001").update(tier=Tier.TIER3, manual_reason="x")
    again, _ = get(client, "tiers")
    assert again.context["counts"]["tier3"] == 1
