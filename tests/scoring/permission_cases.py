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
        everyone(404, admin_user=302, buvp=302, segmgr=302, bgvp=403, researcher=403, pr=403, am=403),
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
        everyone(404, admin_user=302, buvp=302, segmgr=302, bgvp=403, researcher=403, pr=403, am=403),
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


# --- owners, pipeline, contacts, promotion plans (per customer) -----------------------------------
# The account manager reads the AUTO customer (their segment's list, read-only): visible, not allowed.
ASSIGNERS_GET = everyone(404, admin_user=200, buvp=200, segmgr=200, bgvp=403, researcher=403, pr=403, am=403)
ASSIGNERS_POST = everyone(404, admin_user=302, buvp=302, segmgr=302, bgvp=403, researcher=403, pr=403, am=403)
VIEW_AUTO = everyone(404, admin_user=200, bgvp=200, buvp=200, segmgr=200, researcher=200, pr=200)


def customer_url(name, which="auto", *extra):
    return lambda c: (
        reverse(f"prioritization:{name}", args=[getattr(c.customers, which).pk, *extra]) + (f"?year={YEAR}")
    )


def owners_unchanged_unless_allowed(ctx, response, role):
    from prospects.models import Customer

    if response.status_code in (403, 404):
        assert not Customer.objects.filter(overall_owner__isnull=False).exists()


def status_unchanged_unless_allowed(ctx, response, role):
    from prioritization.models import DevelopmentStatusChange

    if response.status_code in (403, 404):
        assert not DevelopmentStatusChange.objects.exists()


def contact_logged_only_when_allowed(ctx, response, role):
    from prioritization.models import ContactLog

    assert ContactLog.objects.exists() == (response.status_code == 302 and role != "anon")


def with_contact_entries(ctx):
    """An entry of the owned customer's log written by its account manager, and one of the foreign
    customer's written by the foreign BU VP."""
    from prioritization.models import ContactLog

    with_version(ctx)
    ContactLog.objects.create(
        customer=ctx.customers.owned, contacted_on="2025-01-02", kind="call", logged_by=ctx.users["am"]
    )
    ContactLog.objects.create(
        customer=ctx.customers.foreign,
        contacted_on="2025-01-02",
        kind="call",
        logged_by=ctx.users["outsider"],
    )


def contact_entry_url(name, which="owned"):
    def url(ctx):
        from prioritization.models import ContactLog

        entry = ContactLog.objects.get(customer=getattr(ctx.customers, which))
        return reverse(f"prioritization:{name}", args=[entry.customer_id, entry.pk]) + f"?year={YEAR}"

    return url


def contact_entry_changed_only_when_allowed(ctx, response, role):
    from prioritization.models import ContactLog

    changed = ContactLog.objects.filter(kind="call", version=1).count() != 2
    assert changed == (response.status_code == 302 and role != "anon")


EDIT_OWNED_CONTACT = everyone(
    404, admin_user=200, buvp=200, am=200, segmgr=403, researcher=403, bgvp=403, pr=403
)


def with_plan(ctx):
    from prioritization.models import PromotionPlan

    with_version(ctx)
    PromotionPlan.objects.create(
        customer=ctx.customers.auto, year=YEAR, objective="目标", decision_makers="CIO", format="visit"
    )


def plan_kept_unless_allowed(ctx, response, role):
    from prioritization.models import PromotionPlan

    assert PromotionPlan.objects.exists() == (response.status_code != 302 or role == "anon")


def plan_url(name):
    def url(ctx):
        from prioritization.models import PromotionPlan

        return reverse(f"prioritization:{name}", args=[ctx.customers.auto.pk, PromotionPlan.objects.get().pk])

    return url


def nothing_arbitrated(ctx, response, role):
    from prioritization.models import UnitArbitration

    assert not UnitArbitration.objects.exists()  # no overlap in the fixtures: refused or invalid


CASES += [
    Case("customer-owners-auto", customer_url("customer_owners"), ASSIGNERS_GET, setup=with_version),
    Case(
        "customer-owners-foreign",
        customer_url("customer_owners", "foreign"),
        everyone(404, admin_user=200, outsider=200),
    ),
    Case(
        "customer-owners-save-auto",
        customer_url("customer_owners"),
        ASSIGNERS_POST,
        method="post",
        data=lambda c: {"overall_owner": c.segmgr.pk, "year": YEAR},
        setup=with_version,
        check=owners_unchanged_unless_allowed,
    ),
    Case(
        "owners-bulk-auto",
        lambda c: reverse("prioritization:owners_bulk"),
        ASSIGNERS_POST,
        method="post",
        data=lambda c: {
            "bu": "MFG",
            "year": YEAR,
            "customer": [c.customers.auto.pk],
            "overall_owner": c.segmgr.pk,
        },
        setup=with_version,
        check=owners_unchanged_unless_allowed,
    ),
    Case(
        "owners-bulk-foreign",
        lambda c: reverse("prioritization:owners_bulk"),
        everyone(404),  # not a customer of MFG: 404 even for the administrator
        method="post",
        data=lambda c: {
            "bu": "MFG",
            "year": YEAR,
            "customer": [c.customers.foreign.pk],
            "overall_owner": c.segmgr.pk,
        },
        setup=with_version,
    ),
    Case(
        "pipeline-board",
        lambda c: reverse("prioritization:pipeline") + Q,
        everyone(404, **IN_ORG),
        setup=with_version,
    ),
    Case("customer-status-auto", customer_url("customer_status"), VIEW_AUTO, setup=with_version),
    Case(
        "customer-status-save-auto",
        customer_url("customer_status"),
        everyone(404, admin_user=302, buvp=302, segmgr=302, researcher=302, bgvp=403, pr=403, am=403),
        method="post",
        data=lambda c: {"status": "first_contact", "on": "2025-01-02", "year": YEAR},
        setup=with_version,
        check=status_unchanged_unless_allowed,
    ),
    Case(
        "customer-status-foreign",
        customer_url("customer_status", "foreign"),
        everyone(404, admin_user=200, outsider=200),
    ),
    Case(
        "contacts-due",
        lambda c: reverse("prioritization:contacts_due") + Q,
        everyone(404, **IN_ORG),
        setup=with_version,
    ),
    Case(
        "customer-contacts-owned",
        customer_url("customer_contacts", "owned"),
        everyone(404, **IN_ORG),
        setup=with_version,
    ),
    Case(
        "customer-contacts-log-owned",
        customer_url("customer_contacts", "owned"),
        everyone(404, admin_user=302, buvp=302, segmgr=302, am=302, researcher=302, bgvp=403, pr=403),
        method="post",
        data=lambda c: {"contacted_on": "2025-01-02", "kind": "call", "year": YEAR},
        setup=with_version,
        check=contact_logged_only_when_allowed,
    ),
    Case(
        "customer-contacts-foreign",
        customer_url("customer_contacts", "foreign"),
        everyone(404, admin_user=200, outsider=200),
    ),
    Case(
        "contact-edit-owned",
        contact_entry_url("customer_contact_edit"),
        EDIT_OWNED_CONTACT,
        setup=with_contact_entries,
    ),
    Case(
        "contact-edit-save-owned",
        contact_entry_url("customer_contact_edit"),
        {k: 302 if v == 200 else v for k, v in EDIT_OWNED_CONTACT.items()},
        method="post",
        data=lambda c: {"contacted_on": "2025-01-03", "kind": "visit", "version": 1, "year": YEAR},
        setup=with_contact_entries,
        check=contact_entry_changed_only_when_allowed,
    ),
    Case(
        "contact-delete-owned",
        contact_entry_url("customer_contact_delete"),
        {k: 302 if v == 200 else v for k, v in EDIT_OWNED_CONTACT.items()},
        method="post",
        data=lambda c: {"version": 1, "year": YEAR},
        setup=with_contact_entries,
        check=contact_entry_changed_only_when_allowed,
    ),
    Case(
        "contact-edit-foreign",
        contact_entry_url("customer_contact_edit", "foreign"),
        everyone(404, admin_user=200, outsider=200),
        setup=with_contact_entries,
    ),
    Case(
        "contact-delete-foreign",
        contact_entry_url("customer_contact_delete", "foreign"),
        everyone(404, admin_user=302, outsider=302),
        method="post",
        data=lambda c: {"version": 1, "year": YEAR},
        setup=with_contact_entries,
        check=contact_entry_changed_only_when_allowed,
    ),
    Case(
        "plan-list",
        lambda c: reverse("prioritization:plan_list") + Q,
        everyone(404, **IN_ORG),
        setup=with_version,
    ),
    Case("customer-plans-auto", customer_url("customer_plans"), VIEW_AUTO, setup=with_version),
    Case("plan-create-auto", customer_url("plan_create"), ASSIGNERS_GET, setup=with_version),
    Case(
        "plan-create-foreign",
        customer_url("plan_create", "foreign"),
        everyone(404, admin_user=200, outsider=200),
    ),
    Case(
        "plan-edit-auto",
        plan_url("plan_edit"),
        everyone(404, admin_user=200, buvp=200, segmgr=200, researcher=200, bgvp=403, pr=403, am=403),
        setup=with_plan,
    ),
    Case(
        "plan-delete-auto",
        plan_url("plan_delete"),
        ASSIGNERS_POST,
        method="post",
        setup=with_plan,
        check=plan_kept_unless_allowed,
    ),
    # BU / BG consolidation workbooks and the BG VP's arbitration
    Case(
        "bu-list-export",
        lambda c: reverse("prioritization:bu_list_export") + Q,
        everyone(404, admin_user=200, buvp=200, bgvp=403, segmgr=403, am=403, researcher=403, pr=403),
        setup=with_version,
    ),
    Case(
        "bg-list-export",
        lambda c: reverse("prioritization:bg_list_export") + f"?year={YEAR}",
        everyone(403, admin_user=200, bgvp=200),
        setup=with_version,
    ),
    Case(
        "bg-arbitrate",
        lambda c: reverse("prioritization:unit_arbitrate"),
        everyone(403, admin_user=302, bgvp=302),
        method="post",
        data=lambda c: {
            "bg": "ITS",
            "year": YEAR,
            "name_key": "x",
            "primary_unit": c.org.unit.pk,
            "reason": "r",
        },
        setup=with_version,
        check=nothing_arbitrated,
    ),
    Case(
        "scoring-grid-auto",
        lambda c: reverse("prioritization:scoring_grid") + Q + "&segment=AUTO",
        everyone(404, admin_user=200, buvp=200, segmgr=200, bgvp=403, am=403, researcher=403, pr=403),
        setup=with_version,
    ),
    Case(
        "scoring-grid-row-auto",
        lambda c: reverse("prioritization:scoring_grid_row", args=[c.customers.auto.pk]) + Q,
        everyone(404, admin_user=200, buvp=200, segmgr=200, bgvp=403, researcher=403, pr=403, am=403),
        method="post",
        data=lambda c: {"year": YEAR},
        setup=with_version,
        check=nothing_scored,
    ),
    Case(
        "scoresheet-import-auto",
        lambda c: reverse("prioritization:scoresheet_import") + Q + "&segment=AUTO",
        everyone(404, admin_user=200, buvp=200, segmgr=200, bgvp=403, am=403, researcher=403, pr=403),
        setup=with_version,
    ),
    Case(
        "tiers-accept",
        lambda c: reverse("prioritization:tiers_accept") + Q,
        everyone(404, admin_user=302, buvp=302, segmgr=302, bgvp=403, am=403, researcher=403, pr=403),
        method="post",
        data=lambda c: {"year": YEAR},
        setup=with_version,
        check=tier_unchanged_unless_allowed,
    ),
    Case(
        "what-if",
        lambda c: reverse("prioritization:what_if") + Q,
        everyone(404, **IN_ORG),
        method="post",
        data=lambda c: {"year": YEAR},
        setup=with_version,
    ),
]


# --- the contact log of a customer the account manager does not own (QA: it was readable) --------
# Like the scorecard, status and plans of the same customer: an account manager reads the target
# pages of owned customers only (404 otherwise); a write they attempt is refused (403).
SECRET_NOTE = "只给负责人看的接触记录"


def with_auto_contact_entry(ctx):
    """An entry of the AUTO customer's log (the customer has no owner), written by its segment
    manager."""
    from prioritization.models import ContactLog

    with_version(ctx)
    ContactLog.objects.create(
        customer=ctx.customers.auto,
        contacted_on="2025-01-02",
        kind="call",
        notes=SECRET_NOTE,
        logged_by=ctx.users["segmgr"],
    )


def auto_entry_url(name):
    def url(ctx):
        from prioritization.models import ContactLog

        entry = ContactLog.objects.get(customer=ctx.customers.auto)
        return reverse(f"prioritization:{name}", args=[entry.customer_id, entry.pk]) + f"?year={YEAR}"

    return url


def log_not_shown_unless_allowed(ctx, response, role):
    if response.status_code != 200:
        assert SECRET_NOTE not in response.content.decode()


def auto_entry_changed_only_when_allowed(ctx, response, role):
    from prioritization.models import ContactLog

    changed = not ContactLog.objects.filter(customer=ctx.customers.auto, kind="call", version=1).exists()
    assert changed == (response.status_code == 302 and role != "anon")


# The entry's author (the segment manager), the BU VP and the administrator may edit it.
EDIT_AUTO_CONTACT = everyone(
    404, admin_user=200, buvp=200, segmgr=200, researcher=403, bgvp=403, pr=403, am=404
)
SAVE_AUTO_CONTACT = everyone(
    404, admin_user=302, buvp=302, segmgr=302, researcher=403, bgvp=403, pr=403, am=403
)

CASES += [
    Case(
        "customer-contacts-auto",
        customer_url("customer_contacts"),
        VIEW_AUTO,
        setup=with_auto_contact_entry,
        check=log_not_shown_unless_allowed,
    ),
    Case(
        "customer-contacts-log-auto",
        customer_url("customer_contacts"),
        everyone(404, admin_user=302, buvp=302, segmgr=302, researcher=302, bgvp=403, pr=403, am=403),
        method="post",
        data=lambda c: {"contacted_on": "2025-01-02", "kind": "call", "year": YEAR},
        setup=with_version,
        check=contact_logged_only_when_allowed,
    ),
    Case(
        "contact-log-entry-edit-auto",
        auto_entry_url("customer_contact_edit"),
        EDIT_AUTO_CONTACT,
        setup=with_auto_contact_entry,
        check=log_not_shown_unless_allowed,
    ),
    Case(
        "contact-log-entry-edit-save-auto",
        auto_entry_url("customer_contact_edit"),
        SAVE_AUTO_CONTACT,
        method="post",
        data=lambda c: {"contacted_on": "2025-01-03", "kind": "visit", "version": 1, "year": YEAR},
        setup=with_auto_contact_entry,
        check=auto_entry_changed_only_when_allowed,
    ),
    Case(
        "contact-log-entry-delete-auto",
        auto_entry_url("customer_contact_delete"),
        SAVE_AUTO_CONTACT,
        method="post",
        data=lambda c: {"version": 1, "year": YEAR},
        setup=with_auto_contact_entry,
        check=auto_entry_changed_only_when_allowed,
    ),
]
