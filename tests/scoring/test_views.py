"""The stage 2.3.3 pages: what they show and what their forms do."""

import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from prioritization.models import Scorecard, Target
from prioritization.tiers import Tier
from tests.scoring.conftest import YEAR

pytestmark = pytest.mark.django_db
Q = f"?bu=MFG&year={YEAR}"


@pytest.fixture
def scored(ctx, score_all):
    c = ctx.customers
    score_all(ctx.segmgr, c.owned, ctx.version, {"attractiveness": D("7"), "feasibility": D("4")})
    score_all(ctx.segmgr, c.auto, ctx.version, {"attractiveness": D("8"), "feasibility": D("8")})
    return ctx


def test_scorecard_form_records_scores_and_requires_reasons_for_departures(ctx, client, specs):
    from prospects.models import CustomerFinancials

    CustomerFinancials.objects.create(customer=ctx.customers.auto, year=YEAR - 1, it_spend=D("6000"))
    client.force_login(ctx.segmgr)
    url = reverse("prioritization:scorecard", args=[ctx.customers.auto.pk]) + f"?year={YEAR}"
    page = client.get(url)
    assert page.status_code == 200 and "年度支出超过一定金额" in page.content.decode()  # how to judge
    data = {"year": YEAR, **{f"score_{s.key}": "6" for s in specs}}
    response = client.post(url, data)
    assert response.status_code == 200 and "理由" in response.content.decode()
    assert not Scorecard.objects.exists()
    it_spend = next(s for s in specs if s.name == "IT支出")
    data[f"reason_{it_spend.key}"] = "预算已冻结"
    response = client.post(url, data)
    assert response.status_code == 302
    assert Scorecard.objects.get(criterion_id=it_spend.key).override_reason == "预算已冻结"
    assert Target.objects.get(customer=ctx.customers.auto).proposed_tier == Tier.TIER1


def test_matrix_passes_points_as_json_and_lists_the_same_data(scored, client, django_assert_max_num_queries):
    client.force_login(scored.segmgr)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("prioritization:matrix") + Q)
    html = page.content.decode()
    assert "<script>" not in html.replace("<script src", "")  # no inline script
    data = page.context["data"]
    # compact points: [id, number, name, attractiveness, feasibility, rank, tier, proposed, segment]
    assert {p[2] for p in data["points"]} == {"上海大众", "中国一汽"}
    assert data["mode"] == "points" and {p[3] for p in data["points"]} == {7.0, 8.0}
    assert data["thresholds"] == {"a": "5.50", "f": "5.50"}
    assert 'id="matrix-data"' in html and "echarts.min.js" in html and "matrix.js" in html
    assert html.count('data-testid="matrix-table"') == 1 and "中国一汽" in html
    filtered = client.get(reverse("prioritization:matrix") + Q + "&ownership=state")
    assert filtered.context["data"]["points"] == []


def test_what_if_shows_tier_changes_without_saving(scored, client):
    client.force_login(scored.segmgr)
    response = client.post(
        reverse("prioritization:what_if"),
        {"bu": "MFG", "year": YEAR, "threshold_a": "7.5", "threshold_f": "5.5"},
    )
    html = response.content.decode()
    assert "上海大众" in html and "不考虑" in html and "中国一汽" not in html  # 7 < 7.5: 三级 → 不考虑
    assert [c["name"] for c in response.context["changes"]] == ["上海大众"]
    assert Target.objects.get(customer=scored.customers.owned).proposed_tier == Tier.TIER3


def test_tiers_page_accepts_in_bulk_and_manual_tier_needs_reason(
    scored, client, django_assert_max_num_queries
):
    client.force_login(scored.segmgr)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("prioritization:tiers") + Q)
    assert page.status_code == 200
    stabilities = {row["customer"].name: row["stability"] for row in page.context["table"]}
    assert stabilities["中国一汽"] == 100
    client.post(reverse("prioritization:tiers_accept") + Q, {"all": "1"})
    assert Target.objects.get(customer=scored.customers.auto).tier == Tier.TIER1
    url = reverse("prioritization:tier_decide", args=[scored.customers.auto.pk])
    client.post(url, {"year": YEAR, "tier": Tier.NO, "reason": ""})
    assert Target.objects.get(customer=scored.customers.auto).tier == Tier.TIER1
    client.post(url, {"year": YEAR, "tier": Tier.NO, "reason": "价格战风险"})
    target = Target.objects.get(customer=scored.customers.auto)
    assert (target.tier, target.manual_reason) == (Tier.NO, "价格战风险")
    card = client.get(reverse("prioritization:scorecard", args=[scored.customers.auto.pk]) + f"?year={YEAR}")
    html = card.content.decode()
    assert "价格战风险" in html and 'data-testid="say-no"' in html


def test_scoresheet_download_and_upload_preview_then_apply(scored, client):
    client.force_login(scored.segmgr)
    response = client.get(reverse("prioritization:scoresheet_export") + Q + "&segment=AUTO")
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["评分表"]
    for col in range(3, 11):
        ws.cell(row=2, column=col, value=9)
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = reverse("prioritization:scoresheet_import") + Q
    buffer.seek(0)
    buffer.name = "s.xlsx"
    preview = client.post(upload, {"file": buffer, "apply": "0"})
    assert preview.context["result"].scored == 1 and not preview.context["result"].written
    buffer.seek(0)
    applied = client.post(upload, {"file": buffer, "apply": "1"})
    assert applied.status_code == 302
    assert Target.objects.get(customer__number=ws.cell(row=2, column=1).value).attractiveness == D("9.00")


def test_owner_relationship_merge_and_bg_pages_render(scored, client, buvp, bgvp):
    client.force_login(buvp)
    for name in ("owners", "relationship", "bu_merge", "tiers", "scoring", "scoring_grid"):
        assert client.get(reverse(f"prioritization:{name}") + Q).status_code == 200, name
    client.force_login(bgvp)
    assert client.get(reverse("prioritization:bg_list") + f"?year={YEAR}").status_code == 200


def test_grid_row_saves_over_htmx(scored, client, specs):
    client.force_login(scored.segmgr)
    url = reverse("prioritization:scoring_grid_row", args=[scored.customers.auto.pk])
    response = client.post(url, {"year": YEAR, f"score_{specs[0].key}": "2"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="row-saved"' in response.content.decode()
    response = client.post(url, {"year": YEAR, f"score_{specs[0].key}": "12"})
    assert 'data-testid="row-error"' in response.content.decode()


def _scorecard_url(customer):
    return reverse("prioritization:scorecard", args=[customer.pk]) + f"?year={YEAR}"


def test_a_refused_scorecard_save_shows_what_was_typed_again(ctx, client, specs):
    """QA: every typed score and comment was lost when the save was refused."""
    from prospects.models import CustomerFinancials

    CustomerFinancials.objects.create(customer=ctx.customers.auto, year=YEAR - 1, it_spend=D("6000"))
    it_spend = next(s for s in specs if s.name == "IT支出")  # the rule suggests 10
    last = specs[-1]
    client.force_login(ctx.segmgr)
    data = {
        "year": YEAR,
        **{f"score_{s.key}": "6" for s in specs},
        **{f"comment_{s.key}": f"评语{s.key}" for s in specs},
    }
    # a departure from the suggestion without a reason
    response = client.post(_scorecard_url(ctx.customers.auto), data)
    assert response.status_code == 200 and not Scorecard.objects.exists()
    html = response.content.decode()
    assert "<div>IT支出：得分 6.0 与规则建议 10 不同，请填写理由。</div>" in html
    assert all(f'name="score_{s.key}" value="6"' in html for s in specs)
    assert all(f'name="comment_{s.key}" value="评语{s.key}"' in html for s in specs)
    # with the reason, an out-of-range score: the reason is kept as well
    data.update({f"reason_{it_spend.key}": "预算已冻结", f"score_{last.key}": "12"})
    response = client.post(_scorecard_url(ctx.customers.auto), data)
    assert response.status_code == 200 and not Scorecard.objects.exists()
    html = response.content.decode()
    assert f'name="score_{last.key}" value="12"' in html
    assert f'name="reason_{it_spend.key}" value="预算已冻结"' in html
    assert all(f'name="comment_{s.key}" value="评语{s.key}"' in html for s in specs)
    # nothing was saved: a fresh page shows empty boxes
    assert all(
        row["shown"]["score"] == "" for row in client.get(_scorecard_url(ctx.customers.auto)).context["rows"]
    )


def test_a_scorecard_save_refused_after_saving_once_shows_the_posted_not_the_saved_values(ctx, client, specs):
    client.force_login(ctx.segmgr)
    url = _scorecard_url(ctx.customers.owned)
    saved = {
        "year": YEAR,
        **{f"score_{s.key}": "5" for s in specs},
        **{f"reason_{s.key}": "理由" for s in specs},
    }
    assert client.post(url, saved).status_code == 302
    retyped = {**saved, **{f"score_{s.key}": "8" for s in specs}, f"score_{specs[1].key}": "0"}
    response = client.post(url, retyped)
    assert response.status_code == 200
    shown = [row["shown"]["score"] for row in response.context["rows"]]
    assert sorted(shown) == sorted(["8"] * (len(specs) - 1) + ["0"])
    assert {c.score for c in Scorecard.objects.all()} == {D("5")}


def test_a_non_numeric_score_is_one_error_line_naming_the_criterion(ctx, client, specs):
    """QA: the message came out one character per line (a string iterated as a list)."""
    client.force_login(ctx.segmgr)
    financial = next(s for s in specs if s.name == "财务业绩")
    response = client.post(
        _scorecard_url(ctx.customers.auto), {"year": YEAR, f"score_{financial.key}": "很好"}
    )
    html = response.content.decode()
    errors = html.split('data-testid="score-errors">', 1)[1].split("</div></div>", 1)[0] + "</div>"
    assert errors == "<div>财务业绩：得分必须是数字。</div>"
    assert f'name="score_{financial.key}" value="很好"' in html and "is-invalid" in html


def test_a_refused_tier_decision_keeps_the_chosen_tier_and_reason(scored, client):
    """QA: after "二级 without a reason" was refused the select jumped back to the old tier."""
    auto = scored.customers.auto
    client.force_login(scored.segmgr)
    page = client.get(_scorecard_url(auto))
    assert page.context["tier_shown"]["tier"] == Tier.TIER1  # the proposal
    decide = reverse("prioritization:tier_decide", args=[auto.pk])
    response = client.post(decide, {"year": YEAR, "tier": Tier.TIER2, "reason": ""}, follow=True)
    html = response.content.decode()
    assert Target.objects.get(customer=auto).tier == ""
    assert f'<option value="{Tier.TIER2}" selected>' in html
    assert f'<option value="{Tier.TIER1}" selected>' not in html
    # shown once: reloading shows the decision as saved
    assert client.get(_scorecard_url(auto)).context["tier_shown"]["tier"] == Tier.TIER1
    # from the tiers page: the row keeps the chosen tier too
    tiers = reverse("prioritization:tiers") + Q
    response = client.post(
        decide, {"year": YEAR, "tier": Tier.NO, "reason": "", "next": tiers, "decided_at": ""}, follow=True
    )
    row = next(r for r in response.context["table"] if r["customer"].pk == auto.pk)
    assert row["chosen"] == Tier.NO


def test_saying_no_asks_for_confirmation_in_the_browser(scored, client):
    auto = scored.customers.auto
    client.force_login(scored.segmgr)
    html = client.get(_scorecard_url(auto)).content.decode()
    assert f'<option value="{Tier.NO}" data-confirm="' in html
    tiers = client.get(reverse("prioritization:tiers") + Q).content.decode()
    assert f'<option value="{Tier.NO}" data-confirm="' in tiers
    with open("static/js/workbench.js", encoding="utf-8") as script:
        assert "option[data-confirm]:checked" in script.read()
    client.post(
        reverse("prioritization:tier_decide", args=[auto.pk]),
        {"year": YEAR, "tier": Tier.NO, "reason": "价格战"},
    )
    html = client.get(_scorecard_url(auto)).content.decode()  # already "no": nothing to confirm
    assert f'<option value="{Tier.NO}" selected>' in html


@pytest.mark.parametrize("role", ["admin_user", "bgvp", "buvp", "segmgr", "am", "researcher", "pr"])
def test_tabs_show_only_pages_the_user_may_open(scored, client, request, role):
    """The 业务单元汇总 tab only where /targets/bu-merge/ is not 403; the 负责人 tab of a customer
    only for those who may assign its owners."""
    user = request.getfixturevalue(role)
    client.force_login(user)
    tiers = client.get(reverse("prioritization:tiers") + Q).content.decode()
    merge = client.get(reverse("prioritization:bu_merge") + Q).status_code
    assert merge in (200, 403)
    assert ('data-testid="tab-bu-merge"' in tiers) == (merge == 200)
    customer = scored.customers.owned  # the account manager's own customer: everyone reads it
    card = client.get(_scorecard_url(customer))
    assert card.status_code == 200
    owners = client.get(reverse("prioritization:customer_owners", args=[customer.pk]) + f"?year={YEAR}")
    assert ('data-testid="tab-owners"' in card.content.decode()) == (owners.status_code == 200)
