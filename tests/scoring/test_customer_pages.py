"""Owners, the development pipeline, the contact log and promotion plans: pages and their forms."""

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.urls import reverse

from prioritization.models import ContactLog, DevelopmentStatusChange, PromotionPlan, PromotionSupport
from prioritization.services.targets import tiers_accept_proposals
from prospects.models import Customer
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db
Q = f"?bu=MFG&year={YEAR}"


@pytest.fixture
def tiered(ctx, score_all):
    c = ctx.customers
    score_all(ctx.segmgr, c.owned, ctx.version, {"attractiveness": D("8"), "feasibility": D("8")})
    score_all(ctx.segmgr, c.auto, ctx.version, {"attractiveness": D("7"), "feasibility": D("3")})
    tiers_accept_proposals(actor=ctx.segmgr, unit=ctx.org.unit, year=YEAR)
    return ctx


def test_owner_page_assigns_owners_of_fitting_roles_and_rejects_others(tiered, client):
    c = tiered.customers
    client.force_login(tiered.segmgr)
    url = reverse("prioritization:customer_owners", args=[c.auto.pk]) + f"?year={YEAR}"
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="owners-form"' in page.content.decode()
    # an account manager cannot be the overall owner: not offered, and refused when posted
    response = client.post(url, {"overall_owner": tiered.am.pk, "daily_owner": tiered.am.pk, "year": YEAR})
    assert response.status_code == 200 and 'data-testid="field-error"' in response.content.decode()
    assert Customer.objects.get(pk=c.auto.pk).overall_owner is None
    response = client.post(
        url,
        {
            "overall_owner": tiered.segmgr.pk,
            "daily_owner": tiered.am.pk,
            "relationship_started_on": "2024-03-01",
            "year": YEAR,
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(pk=c.auto.pk)
    assert (customer.overall_owner, customer.daily_owner) == (tiered.segmgr, tiered.am)
    assert customer.relationship_started_on == date(2024, 3, 1)


def test_owner_page_refuses_a_stale_version(tiered, client):
    client.force_login(tiered.segmgr)
    url = reverse("prioritization:customer_owners", args=[tiered.customers.auto.pk]) + f"?year={YEAR}"
    stale = Customer.objects.get(pk=tiered.customers.auto.pk).version - 1
    response = client.post(url, {"overall_owner": tiered.segmgr.pk, "version": stale, "year": YEAR})
    assert response.status_code == 200 and "已在您打开之后修改了此客户" in response.content.decode()


def test_bulk_owner_assignment_sets_only_the_chosen_fields(tiered, client):
    c = tiered.customers
    client.force_login(tiered.buvp)
    page = client.get(reverse("prioritization:owners") + Q)
    assert 'data-testid="owners-bulk-form"' in page.content.decode()
    response = client.post(
        reverse("prioritization:owners_bulk"),
        {"bu": "MFG", "year": YEAR, "customer": [c.owned.pk, c.auto.pk], "overall_owner": tiered.buvp.pk},
    )
    assert response.status_code == 302
    owned, auto = Customer.objects.get(pk=c.owned.pk), Customer.objects.get(pk=c.auto.pk)
    assert owned.overall_owner == auto.overall_owner == tiered.buvp
    assert owned.daily_owner == tiered.am  # kept
    # nothing chosen: a message, nothing written
    response = client.post(
        reverse("prioritization:owners_bulk"),
        {"bu": "MFG", "year": YEAR, "customer": [c.auto.pk]},
        follow=True,
    )
    assert "请至少选择一项" in response.content.decode()


def test_bulk_owner_assignment_with_a_customer_out_of_scope_is_404(tiered, client):
    c = tiered.customers
    client.force_login(tiered.segmgr)  # AUTO only: the ELEC customer is out of scope
    response = client.post(
        reverse("prioritization:owners_bulk"),
        {"bu": "MFG", "year": YEAR, "customer": [c.auto.pk, c.elec.pk], "overall_owner": tiered.segmgr.pk},
    )
    assert response.status_code == 404
    assert Customer.objects.get(pk=c.auto.pk).overall_owner is None


def test_pipeline_board_moves_a_customer_and_keeps_the_dated_step(tiered, client):
    c = tiered.customers
    client.force_login(tiered.am)
    board = client.get(reverse("prioritization:pipeline") + Q)
    html = board.content.decode()
    assert board.status_code == 200 and "上海大众" in html and "中国一汽" not in html  # am sees own only
    url = reverse("prioritization:customer_status", args=[c.owned.pk])
    here = reverse("prioritization:pipeline") + Q
    response = client.post(
        url, {"year": YEAR, "status": "seminars", "seminars_held": "0", "on": "2025-02-01", "next": here}
    )
    assert response.status_code == 302 and response["Location"] == here
    assert not DevelopmentStatusChange.objects.exists()  # seminars need a count ≥ 1
    response = client.post(
        url, {"year": YEAR, "status": "seminars", "seminars_held": "2", "on": "2025-02-01", "next": here}
    )
    change = DevelopmentStatusChange.objects.get()
    assert (change.to_status, change.seminars_held, change.changed_by) == ("seminars", 2, tiered.am)
    assert change.changed_on == date(2025, 2, 1)
    page = client.get(url + f"?year={YEAR}")
    assert 'data-testid="status-history"' in page.content.decode()


def test_status_page_shows_how_to_start_when_empty(tiered, client):
    client.force_login(tiered.segmgr)
    page = client.get(
        reverse("prioritization:customer_status", args=[tiered.customers.auto.pk]) + f"?year={YEAR}"
    )
    assert 'data-testid="empty-state"' in page.content.decode()


@time_machine.travel(date(2025, 5, 20))
def test_contact_log_shows_kept_vs_due_by_the_tier_cadence(tiered, client):
    from criteria.models import TierPrinciple

    TierPrinciple.objects.filter(version=tiered.version, tier="tier1").update(contact_cadence_days=30)
    c = tiered.customers
    client.force_login(tiered.am)
    url = reverse("prioritization:customer_contacts", args=[c.owned.pk]) + f"?year={YEAR}"
    page = client.get(url)
    assert "每 30 天" in page.content.decode() and 'data-testid="empty-state"' in page.content.decode()
    response = client.post(url, {"contacted_on": "2025-06-01", "kind": "visit", "year": YEAR})
    assert response.status_code == 200 and "接触日期不能晚于今天" in response.content.decode()
    client.post(url, {"contacted_on": "2025-01-10", "kind": "visit", "decision_makers": "CIO", "year": YEAR})
    client.post(url, {"contacted_on": "2025-03-15", "kind": "seminar", "year": YEAR})
    assert ContactLog.objects.filter(customer=c.owned).count() == 2
    status = client.get(url).context["status"]
    assert status["last_contact"] == date(2025, 3, 15)
    assert status["due_on"] == date(2025, 4, 14) and status["overdue"]
    # periods of 30 days from Jan 1: Jan 1–30 kept, Jan 31–Mar 1 missed, Mar 2–31 kept, Apr 1–30 missed
    assert (status["kept"], status["due"]) == (2, 4)
    due = client.get(reverse("prioritization:contacts_due") + Q + "&mine=1")
    assert [r["customer"].name for r in due.context["rows"]] == ["上海大众"] and due.context["overdue"] == 1


def test_promotion_plan_create_edit_list_and_delete(tiered, client):
    c = tiered.customers
    client.force_login(tiered.segmgr)
    new = reverse("prioritization:plan_create", args=[c.auto.pk]) + f"?year={YEAR}"
    empty = client.post(new, {"year": YEAR, "support-TOTAL_FORMS": 2, "support-INITIAL_FORMS": 0})
    assert empty.status_code == 200 and 'data-testid="form-errors"' in empty.content.decode()
    data = {
        "year": YEAR,
        "objective": "打开制造执行系统项目机会",
        "products": "MES 实施服务",
        "success_measure": "收到需求建议书",
        "decision_makers": "CIO、采购主管",
        "format": "seminar",
        "planned_on": "2025-04-10",
        "support-TOTAL_FORMS": 2,
        "support-INITIAL_FORMS": 0,
        "support-0-who": "解决方案部",
        "support-0-responsibility": "准备成功案例",
        "support-0-due_on": "2025-04-01",
        "support-1-who": "",
        "support-1-responsibility": "没有人",
    }
    response = client.post(new, data)
    assert response.status_code == 200 and "请填写提供支持的部门或人员" in response.content.decode()
    data["support-1-responsibility"] = ""
    response = client.post(new, data)
    assert response.status_code == 302
    plan = PromotionPlan.objects.get()
    assert (plan.products, plan.success_measure, plan.created_by) == (
        "MES 实施服务",
        "收到需求建议书",
        tiered.segmgr,
    )
    assert list(plan.supports.values_list("who", "responsibility")) == [("解决方案部", "准备成功案例")]
    edit = reverse("prioritization:plan_edit", args=[c.auto.pk, plan.pk]) + f"?year={YEAR}"
    data.update(
        {
            "support-INITIAL_FORMS": 1,
            "done": "on",
            "result": "客户同意试点",
            "cause_analysis": "案例贴近客户",
            "lessons": "先讲同行案例",
        }
    )
    assert client.post(edit, data).status_code == 302
    plan.refresh_from_db()
    assert plan.done and plan.cause_analysis == "案例贴近客户"
    listing = client.get(reverse("prioritization:plan_list") + Q)
    assert "打开制造执行系统项目机会" in listing.content.decode()
    page = client.get(edit)
    assert "data-confirm" in page.content.decode()
    delete = reverse("prioritization:plan_delete", args=[c.auto.pk, plan.pk])
    assert client.post(delete).status_code == 302
    assert not PromotionPlan.objects.exists() and not PromotionSupport.objects.exists()


def test_account_manager_records_the_outcome_but_cannot_replan(tiered, client):
    c = tiered.customers
    plan = PromotionPlan.objects.create(
        customer=c.owned, year=YEAR, objective="原目标", decision_makers="CIO", format="visit"
    )
    PromotionSupport.objects.create(plan=plan, who="售前", responsibility="演示")
    client.force_login(tiered.am)
    assert client.get(reverse("prioritization:plan_create", args=[c.owned.pk])).status_code == 403
    edit = reverse("prioritization:plan_edit", args=[c.owned.pk, plan.pk]) + f"?year={YEAR}"
    response = client.post(
        edit,
        {
            "objective": "改掉目标",
            "format": "visit",
            "decision_makers": "CIO",
            "done": "on",
            "result": "已拜访",
            "support-TOTAL_FORMS": 0,
            "support-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.objective == "原目标" and plan.done and plan.result == "已拜访"
    assert plan.supports.count() == 1  # the planners' support rows stay
    assert client.post(reverse("prioritization:plan_delete", args=[c.owned.pk, plan.pk])).status_code == 403
    # another customer's plan through this customer's URL does not exist
    other = PromotionPlan.objects.create(
        customer=c.auto, year=YEAR, objective="x", decision_makers="y", format="visit"
    )
    assert client.get(reverse("prioritization:plan_edit", args=[c.owned.pk, other.pk])).status_code == 404


def test_list_pages_explain_how_to_fill_them_when_empty(ctx, client, django_assert_max_num_queries):
    client.force_login(ctx.buvp)
    for name in ("owners", "pipeline", "contacts_due", "plan_list"):
        with django_assert_max_num_queries(25):
            page = client.get(reverse(f"prioritization:{name}") + Q)
        html = page.content.decode()
        assert page.status_code == 200 and 'data-testid="empty-state"' in html, name
        assert 'class="process-hint' in html or "bi-signpost-split" in html, name


@pytest.mark.parametrize("method", ["get", "head", "put", "patch", "delete", "options"])
def test_account_manager_reads_no_target_page_of_a_customer_they_do_not_own(tiered, client, method):
    """The contact log was readable like this (QA); any method but POST reads like GET, so none may
    show the page of a customer the account manager does not own (POST is refused by its action)."""
    c = tiered.customers
    ContactLog.objects.create(customer=c.auto, contacted_on=date(2025, 1, 2), kind="call", notes="机密")
    PromotionPlan.objects.create(customer=c.auto, year=YEAR, objective="目标", format="visit")
    client.force_login(tiered.am)
    entry = ContactLog.objects.get(customer=c.auto)
    for name, args in (
        ("scorecard", [c.auto.pk]),
        ("customer_status", [c.auto.pk]),
        ("customer_contacts", [c.auto.pk]),
        ("customer_contact_edit", [c.auto.pk, entry.pk]),
        ("customer_plans", [c.auto.pk]),
    ):
        url = reverse(f"prioritization:{name}", args=args) + f"?year={YEAR}"
        response = getattr(client, method)(url)
        assert response.status_code == 404, (name, method, response.status_code)
        assert "机密" not in response.content.decode()
    # the customers they own stay readable
    owned = reverse("prioritization:customer_contacts", args=[c.owned.pk]) + f"?year={YEAR}"
    assert client.get(owned).status_code == 200


def test_who_deleted_an_entry_is_not_told_to_those_who_cannot_keep_the_log(tiered, client):
    c = tiered.customers
    entry = ContactLog.objects.create(
        customer=c.auto, contacted_on=date(2025, 1, 2), kind="call", logged_by=tiered.segmgr
    )
    client.force_login(tiered.segmgr)
    delete = reverse("prioritization:customer_contact_delete", args=[c.auto.pk, entry.pk])
    assert client.post(delete, {"version": 1, "year": YEAR}).status_code == 302
    assert not ContactLog.objects.exists()
    client.force_login(tiered.am)  # reads AUTO's customer record, not its contact log
    response = client.post(delete, {"version": 1, "year": YEAR}, follow=True)
    assert response.status_code == 404 and "segmgr" not in response.content.decode()
