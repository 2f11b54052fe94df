"""The heart of the review: summaries, proposals, submit → comment/return → confirm → carry forward."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from criteria.models import BusinessUnitGoals, CriteriaVersion
from prioritization.models import Notification
from prospects.models import ListEntry
from reviews.models import CarryForward, ReviewStatus, SummaryKind
from reviews.services import carry_forward as cf
from reviews.services import reviews as svc


@pytest.fixture
def review(seeded):
    return svc.review_start(actor=seeded.buvp, unit=seeded.org.unit, year=2025)


def _ready(seeded, review):
    svc.summary_save(actor=seeded.buvp, review=review, kind=SummaryKind.OVERALL, text="全年总结")
    svc.next_goals_save(
        actor=seeded.buvp, review=review, next_development_goals="发展 12 个一级客户",
        next_strategic_goal="成为主要供应商", next_customer_service_goal="满意度 90%",
    )  # fmt: skip


def test_review_start_is_for_the_bu_vp_and_idempotent(seeded, review):
    assert svc.review_start(actor=seeded.buvp, unit=seeded.org.unit, year=2025) == review
    for user in (seeded.segmgr, seeded.bgvp, seeded.am, seeded.pr):
        with pytest.raises(PermissionDenied):
            svc.review_start(actor=user, unit=seeded.org.unit, year=2026)


def test_each_role_writes_its_own_summary(seeded, review):
    slots = svc.summary_slots_for(seeded.segmgr, review)
    assert slots == [(SummaryKind.SEGMENT, seeded.org.auto)]
    svc.summary_save(
        actor=seeded.segmgr, review=review, kind=SummaryKind.SEGMENT, segment=seeded.org.auto, text="汽车总结"
    )
    with pytest.raises(PermissionDenied):
        svc.summary_save(
            actor=seeded.segmgr, review=review, kind=SummaryKind.SEGMENT, segment=seeded.org.elec, text="x"
        )
    with pytest.raises(PermissionDenied):
        svc.summary_save(actor=seeded.segmgr, review=review, kind=SummaryKind.OVERALL, text="x")
    svc.summary_save(actor=seeded.am, review=review, kind=SummaryKind.ACCOUNTS, text="我的客户")
    svc.summary_save(actor=seeded.pr, review=review, kind=SummaryKind.INQUIRIES, text="查询总结")
    with pytest.raises(PermissionDenied):
        svc.summary_save(actor=seeded.pr, review=review, kind=SummaryKind.ACCOUNTS, text="x")
    # Writing again replaces the text, it does not add a second summary.
    svc.summary_save(
        actor=seeded.segmgr, review=review, kind=SummaryKind.SEGMENT, segment=seeded.org.auto, text="修改后"
    )
    texts = sorted(review.summaries.values_list("kind", "text"))
    assert texts == [("accounts", "我的客户"), ("inquiries", "查询总结"), ("segment", "修改后")]
    with pytest.raises(ValidationError):
        svc.summary_save(actor=seeded.am, review=review, kind=SummaryKind.ACCOUNTS, text="  ")


def test_bg_vp_and_outsiders_cannot_write_summaries(seeded, review, outsider, researcher):
    assert svc.summary_slots_for(seeded.bgvp, review) == []
    assert svc.summary_slots_for(outsider, review) == []
    assert svc.summary_slots_for(researcher, review) == []


def test_submission_needs_the_overall_summary_goals_and_weights_summing_to_100(seeded, review):
    with pytest.raises(ValidationError) as err:
        svc.review_submit(actor=seeded.buvp, review=review)
    assert len(err.value.messages) == 2
    _ready(seeded, review)
    svc.change_propose(
        actor=seeded.buvp,
        review=review,
        kind="weight",
        criterion=seeded.criteria["财务业绩"],
        value=30,
        reason="财务数据区分度低",
    )
    with pytest.raises(ValidationError) as err:
        svc.review_submit(actor=seeded.buvp, review=review)
    assert "90%" in err.value.messages[0]
    svc.change_propose(
        actor=seeded.buvp,
        review=review,
        kind="weight",
        criterion=seeded.criteria["地理位置"],
        value=20,
        reason="地理位置影响实施",
    )
    svc.review_submit(actor=seeded.buvp, review=review)
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED and review.submitted_by == seeded.buvp
    assert Notification.objects.filter(recipient=seeded.bgvp, key__startswith="review-submitted").count() == 1


def test_a_change_needs_a_reason_and_a_valid_value(seeded, review):
    with pytest.raises(ValidationError):
        svc.change_propose(
            actor=seeded.buvp,
            review=review,
            kind="weight",
            criterion=seeded.criteria["财务业绩"],
            value=30,
            reason=" ",
        )
    with pytest.raises(ValidationError):
        svc.change_propose(
            actor=seeded.buvp,
            review=review,
            kind="weight",
            criterion=seeded.criteria["财务业绩"],
            value="12.5",
            reason="r",
        )
    with pytest.raises(ValidationError):
        svc.change_propose(
            actor=seeded.buvp,
            review=review,
            kind="threshold",
            dimension="attractiveness",
            value=11,
            reason="r",
        )
    with pytest.raises(ValidationError):
        svc.change_propose(
            actor=seeded.buvp, review=review, kind="cadence", tier="tier1", value=0, reason="r"
        )
    with pytest.raises(PermissionDenied):
        svc.change_propose(
            actor=seeded.segmgr,
            review=review,
            kind="threshold",
            dimension="attractiveness",
            value=6,
            reason="r",
        )
    change = svc.change_propose(
        actor=seeded.buvp,
        review=review,
        kind="threshold",
        dimension="attractiveness",
        value="6.0",
        reason="一级太多",
    )
    assert change.current_value == Decimal("5.50")
    again = svc.change_propose(
        actor=seeded.buvp,
        review=review,
        kind="threshold",
        dimension="attractiveness",
        value="6.5",
        reason="更严",
    )
    assert again.pk == change.pk and review.changes.count() == 1
    svc.change_withdraw(actor=seeded.buvp, review=review, change=again)
    assert review.changes.count() == 0


def test_submitted_review_is_read_only_until_returned(seeded, review):
    _ready(seeded, review)
    svc.review_submit(actor=seeded.buvp, review=review)
    with pytest.raises(ValidationError):
        svc.summary_save(actor=seeded.buvp, review=review, kind=SummaryKind.OVERALL, text="改")
    with pytest.raises(PermissionDenied):
        svc.review_return(actor=seeded.buvp, review=review, text="x")
    svc.review_return(actor=seeded.bgvp, review=review, text="请补充细分市场总结")
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT
    assert review.comments.get().returned
    assert Notification.objects.filter(recipient=seeded.buvp, key__startswith="review-returned").exists()
    svc.summary_save(actor=seeded.buvp, review=review, kind=SummaryKind.OVERALL, text="改")


def test_only_the_bg_vp_comments_and_confirms_a_submitted_review(seeded, review, outsider):
    _ready(seeded, review)
    with pytest.raises(ValidationError):
        svc.review_confirm(actor=seeded.bgvp, review=review)
    svc.review_submit(actor=seeded.buvp, review=review)
    for user in (seeded.buvp, seeded.segmgr, outsider):
        with pytest.raises(PermissionDenied):
            svc.review_confirm(actor=user, review=review)
        with pytest.raises(PermissionDenied):
            svc.review_comment(actor=user, review=review, text="x")
    svc.review_comment(actor=seeded.bgvp, review=review, text="一级客户进展不足")
    svc.review_confirm(actor=seeded.bgvp, review=review, next_development_goals="发展 10 个一级客户")
    review.refresh_from_db()
    assert review.status == ReviewStatus.CONFIRMED and review.confirmed_by == seeded.bgvp
    assert review.next_development_goals == "发展 10 个一级客户"
    assert review.next_strategic_goal == "成为主要供应商"
    assert Notification.objects.filter(recipient=seeded.buvp, key=f"review-confirmed-{review.pk}").exists()


def test_carry_forward_in_one_step(seeded, review):
    _ready(seeded, review)
    svc.change_propose(
        actor=seeded.buvp,
        review=review,
        kind="weight",
        criterion=seeded.criteria["财务业绩"],
        value=30,
        reason="财务数据区分度低",
    )
    svc.change_propose(
        actor=seeded.buvp,
        review=review,
        kind="weight",
        criterion=seeded.criteria["地理位置"],
        value=20,
        reason="地理位置影响实施",
    )
    svc.change_propose(
        actor=seeded.buvp,
        review=review,
        kind="threshold",
        dimension="attractiveness",
        value="6",
        reason="一级客户过多",
    )
    svc.change_propose(
        actor=seeded.buvp, review=review, kind="cadence", tier="tier1", value=45, reason="每月接触难以做到"
    )
    svc.change_propose(
        actor=seeded.buvp,
        review=review,
        kind="principle",
        tier="tier3",
        text="先投资方案能力",
        reason="三级转化为零",
    )
    with pytest.raises(ValidationError):  # not confirmed yet
        cf.review_carry_forward(actor=seeded.buvp, review=review)
    svc.review_submit(actor=seeded.buvp, review=review)
    svc.review_confirm(actor=seeded.bgvp, review=review)
    with pytest.raises(PermissionDenied):
        cf.review_carry_forward(actor=seeded.bgvp, review=review)

    record = cf.review_carry_forward(actor=seeded.buvp, review=review, drop_customer_ids=[seeded.c2.pk])

    assert (record.customers_carried, record.changes_applied) == (3, 5)
    version = record.version
    assert (version.year, version.status, version.based_on_id) == (2026, "draft", seeded.version.pk)
    weights = dict(version.criteria.values_list("name", "weight"))
    assert (weights["财务业绩"], weights["地理位置"], weights["IT支出"]) == (30, 20, 30)
    assert version.attractiveness_threshold == Decimal("6.00")
    assert version.feasibility_threshold == Decimal("5.50")
    principles = {p.tier: p for p in version.principles.all()}
    assert principles["tier1"].contact_cadence_days == 45
    assert principles["tier3"].service_principle == "先投资方案能力"
    assert principles["tier2"].contact_cadence_days == 90
    for reason in (
        "财务数据区分度低",
        "地理位置影响实施",
        "一级客户过多",
        "每月接触难以做到",
        "三级转化为零",
    ):
        assert reason in version.note
    # This year's version is untouched.
    seeded.version.refresh_from_db()
    assert dict(seeded.version.criteria.values_list("name", "weight"))["财务业绩"] == 40
    goals = BusinessUnitGoals.objects.get(unit=seeded.org.unit, year=2026)
    assert goals.development_goals == "发展 12 个一级客户" and record.goals == goals
    carried = ListEntry.objects.filter(year=2026).order_by("customer__name")
    assert {e.customer.name for e in carried} == {"甲公司", "丙公司", "丁公司"}
    assert {e.origin for e in carried} == {"carried"}
    with pytest.raises(ValidationError):
        cf.review_carry_forward(actor=seeded.buvp, review=review)
    assert CarryForward.objects.count() == 1
    assert CriteriaVersion.objects.filter(unit=seeded.org.unit, year=2026).count() == 1
