"""Stage 2.3.3 pages and actions in the permission matrix (tests/test_permission_matrix.py)."""

from django.urls import reverse

from tests.permissions import Case, everyone

YEAR = 2025
Q = f"?bu=MFG&year={YEAR}"
IN_ORG = {"admin_user": 200, "bgvp": 200, "buvp": 200, "segmgr": 200, "am": 200, "researcher": 200, "pr": 200}


def with_version(ctx):
    from criteria.services.versions import version_activate, version_create
    from prospects.models import ListEntry

    version = version_create(actor=ctx.admin_user, unit=ctx.org.unit, year=YEAR)
    version_activate(actor=ctx.admin_user, version=version)
    for customer in (ctx.customers.owned, ctx.customers.auto, ctx.customers.elec):
        ListEntry.objects.get_or_create(customer=customer, year=YEAR)


def nothing_scored(ctx, response, role):
    from prioritization.models import Scorecard

    if response.status_code in (403, 404):
        assert not Scorecard.objects.exists()


def tier_unchanged_unless_allowed(ctx, response, role):
    from prioritization.models import Target

    if response.status_code in (403, 404):
        assert not Target.objects.exclude(tier="").exists()


def export_only_own_customers(ctx, response, role):
    if role != "am" or response.status_code != 200:
        return
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(response.content))["目标客户分级名单"]
    assert [row[1] for row in ws.iter_rows(min_row=2, values_only=True)] == ["上海大众"]


def scorecard_url(ctx):
    return reverse("prioritization:scorecard", args=[ctx.customers.auto.pk]) + f"?year={YEAR}"


CASES = [
    Case(
        "scoring-overview",
        lambda c: reverse("prioritization:scoring") + Q,
        everyone(404, **IN_ORG),
        setup=with_version,
    ),
    Case(
        "evaluation-matrix",
        lambda c: reverse("prioritization:matrix") + Q,
        everyone(404, **IN_ORG),
        setup=with_version,
    ),
    Case(
        "tiers-page",
        lambda c: reverse("prioritization:tiers") + Q,
        everyone(404, **IN_ORG),
        setup=with_version,
    ),
    Case(
        "owner-list",
        lambda c: reverse("prioritization:owners") + Q,
        everyone(404, **IN_ORG),
        setup=with_version,
    ),
    Case(
        "relationship-view",
        lambda c: reverse("prioritization:relationship") + Q,
        everyone(404, **IN_ORG),
        setup=with_version,
    ),
    Case(
        "tier-list-export",
        lambda c: reverse("prioritization:tiers_export") + Q,
        everyone(404, **IN_ORG),
        setup=with_version,
        check=export_only_own_customers,
    ),
    Case(
        "scorecard-auto",
        scorecard_url,
        everyone(404, admin_user=200, bgvp=200, buvp=200, segmgr=200, researcher=200, pr=200),
        setup=with_version,
    ),
    Case(
        "scorecard-foreign",
        lambda c: reverse("prioritization:scorecard", args=[c.customers.foreign.pk]) + f"?year={YEAR}",
        everyone(404),
        setup=with_version,
    ),
    Case(
        "scorecard-save-auto",
        scorecard_url,
        everyone(404, admin_user=302, buvp=302, segmgr=302, bgvp=403, researcher=403, pr=403),
        method="post",
        data=lambda c: {"year": YEAR},
        setup=with_version,
        check=nothing_scored,
    ),
    Case(
        "scoresheet-export-auto",
        lambda c: reverse("prioritization:scoresheet_export") + Q + "&segment=AUTO",
        everyone(404, admin_user=200, buvp=200, segmgr=200, bgvp=403, am=403, researcher=403, pr=403),
        setup=with_version,
    ),
    Case(
        "tier-decide-auto",
        lambda c: reverse("prioritization:tier_decide", args=[c.customers.auto.pk]),
        everyone(404, admin_user=302, buvp=302, segmgr=302, bgvp=403, researcher=403, pr=403),
        method="post",
        data=lambda c: {"year": YEAR, "tier": "tier1", "reason": "测试"},
        setup=with_version,
        check=tier_unchanged_unless_allowed,
    ),
    Case(
        "tier-decide-elec",
        lambda c: reverse("prioritization:tier_decide", args=[c.customers.elec.pk]),
        everyone(404, admin_user=302, buvp=302, bgvp=403, researcher=403, pr=403),
        method="post",
        data=lambda c: {"year": YEAR, "tier": "tier1", "reason": "测试"},
        setup=with_version,
        check=tier_unchanged_unless_allowed,
    ),
    Case(
        "bu-list-approve",
        lambda c: reverse("prioritization:bu_approve") + Q,
        everyone(404, admin_user=302, buvp=302, bgvp=403, segmgr=403, am=403, researcher=403, pr=403),
        method="post",
        setup=with_version,
    ),
    Case(
        "bu-merge",
        lambda c: reverse("prioritization:bu_merge") + Q,
        everyone(404, admin_user=200, buvp=200, bgvp=403, segmgr=403, am=403, researcher=403, pr=403),
        setup=with_version,
    ),
    Case(
        "bg-list",
        lambda c: reverse("prioritization:bg_list") + f"?year={YEAR}",
        everyone(403, admin_user=200, bgvp=200),
        setup=with_version,
    ),
]
