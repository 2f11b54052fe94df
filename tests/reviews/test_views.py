"""The review pages through the test client: workspace sections, the flow by POST, export, print,
compare, the BG VP's side-by-side."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reviews.models import ReviewStatus
from reviews.services import reviews as svc


@pytest.fixture
def review(seeded):
    return svc.review_start(actor=seeded.buvp, unit=seeded.org.unit, year=2025)


def test_list_shows_the_bu_and_lets_the_bu_vp_start(seeded, as_user):
    client = as_user(seeded.buvp)
    response = client.get(reverse("reviews:review_list") + "?year=2025")
    assert response.status_code == 200
    assert b'data-testid="start-review-MFG"' in response.content
    response = client.post(reverse("reviews:review_start"), {"unit": seeded.org.unit.pk, "year": 2025})
    assert response.status_code == 302
    response = client.get(reverse("reviews:review_list") + "?year=2025")
    assert b'data-testid="open-review-MFG"' in response.content


def test_segment_manager_cannot_start(seeded, as_user):
    response = as_user(seeded.segmgr).post(
        reverse("reviews:review_start"), {"unit": seeded.org.unit.pk, "year": 2025}
    )
    assert response.status_code == 403


def test_workspace_shows_the_computed_sections(seeded, review, as_user, django_assert_max_num_queries):
    client = as_user(seeded.buvp)
    with django_assert_max_num_queries(45):
        response = client.get(reverse("reviews:review_detail", args=[review.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for section in (
        "key-customers",
        "inquiries",
        "criteria",
        "data-quality",
        "summaries",
        "changes",
        "goals",
    ):
        assert f'data-testid="section-{section}"' in html
    assert 'data-testid="conversion-tier1">50.0%' in html
    assert "乙公司" in html  # tier-1 customer without progress
    assert 'id="review-charts"' in html and "<script>" not in html


def test_flow_by_post_submit_confirm_carry_forward(seeded, review, client):
    client.force_login(seeded.buvp)
    url = lambda name: reverse(f"reviews:{name}", args=[review.pk])  # noqa: E731
    client.post(url("summary_save"), {"kind": "overall", "text": "全年总结"})
    client.post(url("goals_save"), {"next_development_goals": "发展 12 个一级客户"})
    client.post(
        url("change_add"),
        {"kind": "threshold", "dimension": "feasibility", "value": "6", "reason": "可行性偏低"},
    )
    client.post(url("review_submit"))
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED
    assert client.post(url("review_confirm")).status_code == 403
    client.force_login(seeded.bgvp)
    client.post(url("review_comment"), {"text": "同意"})
    client.post(url("review_confirm"), {"next_development_goals": "发展 10 个一级客户"})
    review.refresh_from_db()
    assert review.status == ReviewStatus.CONFIRMED
    client.force_login(seeded.buvp)
    response = client.get(url("review_detail"))
    assert b'data-testid="carry-form"' in response.content
    response = client.post(url("review_carry_forward"), {"choose": "1", "keep": [seeded.c1.pk, seeded.c3.pk]})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.carry_forward.customers_carried == 2
    compare = client.get(url("review_compare"))
    html = compare.content.decode()
    assert "可行性偏低" in html and 'data-testid="next-list-count">2<' in html


def test_validation_errors_are_shown_not_raised(seeded, review, client):
    client.force_login(seeded.buvp)
    response = client.post(reverse("reviews:review_submit", args=[review.pk]), follow=True)
    assert response.status_code == 200
    assert "请先撰写业务单元总结" in response.content.decode()


def test_export_is_an_xlsx_with_every_section_and_text_never_a_formula(
    seeded, review, as_user, django_assert_max_num_queries
):
    svc.summary_save(actor=seeded.buvp, review=review, kind="overall", text='=HYPERLINK("http://x")')
    with django_assert_max_num_queries(47):
        response = as_user(seeded.buvp).get(reverse("reviews:review_export", args=[review.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    for name in ("年度评估", "重点客户", "客户明细", "评估标准分析", "数据质量", "建议修订"):
        assert name in book.sheetnames
    cells = [c for row in book["年度评估"].iter_rows() for c in row if c.value == '=HYPERLINK("http://x")']
    assert cells and cells[0].data_type == "s"
    tiers = {row[0].value: row for row in book["重点客户"].iter_rows() if row[0].value}
    assert tiers["一级"][1].value == 2 and tiers["一级"][8].value == 8.3


def test_print_page_has_print_css_and_no_scripts(seeded, review, as_user):
    response = as_user(seeded.bgvp).get(reverse("reviews:review_print", args=[review.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "reviews/print.css" in html and "<script" not in html
    assert 'data-testid="section-key-customers"' in html


def test_group_overview_side_by_side_for_the_bg_vp(seeded, review, as_user):
    response = as_user(seeded.bgvp).get(
        reverse("reviews:group_overview", args=[seeded.org.group.pk]) + "?year=2025"
    )
    assert response.status_code == 200
    assert b'data-testid="group-side-by-side"' in response.content
    assert seeded.org.unit.name in response.content.decode()


def test_inquiry_section_without_inquiries_shows_dashes_and_says_the_people_table_is_empty(
    seeded, review, as_user
):
    """QA: "转为名单客户比例（%） None" for a user with no inquiries in scope."""
    client = as_user(seeded.buvp)
    for name in ("review_detail", "review_print"):
        html = client.get(reverse(f"reviews:{name}", args=[review.pk])).content.decode()
        section = html.split('data-testid="section-inquiries"', 1)[1].split("</section>", 1)[0]
        assert "None" not in section, name
        assert 'data-testid="inq-total">0<' in section
        assert (
            'data-testid="inq-prospect_rate">—<' in section and 'data-testid="inq-target_rate">—<' in section
        )
        assert (
            'data-testid="inq-by-person-empty"' in section
            and "本年度没有需要按时限统计的客户查询。" in section
        )
