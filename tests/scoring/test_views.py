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
