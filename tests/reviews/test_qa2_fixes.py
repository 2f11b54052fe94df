"""QA round 2 on the annual review: proposals checked against the version they will be applied to
(at submit, at confirm, at carry-forward; a confirmed review is never stuck), numbers a proposal
may hold, carrying forward onto next year's agreed version, stale saves of a section refused, and
the doubled 已 of the "not editable" message."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from criteria.models import CriteriaVersion
from criteria.services.versions import (
    version_activate,
    version_copy,
    version_criteria_set,
    version_revise,
    version_settings_update,
    version_target_segments_set,
)
from prioritization.models import Role
from prospects.services.customers import ConcurrentUpdate
from reviews.models import CarryForward, ProposedChange, ReviewStatus, ReviewSummary, SummaryKind
from reviews.services import carry_forward as cf
from reviews.services import reviews as svc
from tests.factories import UserFactory, grant


@pytest.fixture
def review(seeded):
    return svc.review_start(actor=seeded.buvp, unit=seeded.org.unit, year=2025)


def _ready(seeded, review):
    svc.summary_save(actor=seeded.buvp, review=review, kind=SummaryKind.OVERALL, text="全年总结")
    svc.next_goals_save(actor=seeded.buvp, review=review, next_development_goals="发展目标")


def _rows(version, weights=None):
    weights = weights or {}
    return [
        {
            **{f: getattr(c, f) for f in ("dimension", "name", "name_en", "description", "guidance", "rule")},
            "id": c.pk,
            "weight": weights.get(c.name, c.weight),
        }
        for c in version.criteria.all()
    ]


def _flash(response) -> list[str]:
    found = re.findall(
        r'<div class="alert alert-[a-z]+[^"]*"[^>]*>(.*?)</div>', response.content.decode(), re.S
    )
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", x)).split()) for x in found]


# --- 2. proposals are checked against the version they will be applied to --------------------------
def test_submit_checks_the_proposal_against_a_revised_version_in_force(seeded, review):
    _ready(seeded, review)
    svc.change_propose(
        actor=seeded.buvp, review=review, kind="weight", criterion=seeded.criteria["财务业绩"],
        value="50", reason="更看重财务",
    )  # fmt: skip
    revised = version_revise(actor=seeded.buvp, version=seeded.version)  # e.g. a typo fixed
    version_activate(actor=seeded.buvp, version=revised)
    errors = svc.submission_errors(review)
    assert "按建议修订后，吸引力维度的权重合计为 110%，必须为 100%。" in errors
    with pytest.raises(ValidationError):
        svc.review_submit(actor=seeded.buvp, review=review)


def _submit_a_fitting_proposal(seeded, review):
    _ready(seeded, review)
    for name, value in (("财务业绩", 30), ("地理位置", 20)):
        svc.change_propose(
            actor=seeded.buvp, review=review, kind="weight", criterion=seeded.criteria[name],
            value=value, reason="调整",
        )  # fmt: skip
    svc.review_submit(actor=seeded.buvp, review=review)


def _revise_weights(seeded, year, weights):
    """A revision of the year's version in force with other weights, activated."""
    source = CriteriaVersion.objects.get(unit=seeded.org.unit, year=year, status__in=["active", "frozen"])
    revised = version_revise(actor=seeded.buvp, version=source)
    version_criteria_set(actor=seeded.buvp, version=revised, criteria=_rows(revised, weights))
    return version_activate(actor=seeded.buvp, version=revised)


def test_confirm_is_refused_when_the_proposals_no_longer_fit_and_it_can_be_sent_back(seeded, review):
    _submit_a_fitting_proposal(seeded, review)
    revised = _revise_weights(seeded, 2025, {"财务业绩": 35, "IT支出": 25, "声誉和内部管理": 30})
    with pytest.raises(ValidationError) as refused:
        svc.review_confirm(actor=seeded.bgvp, review=review)
    assert f"建议修订无法应用到 {revised}" in refused.value.messages[0]
    assert "按建议修订后，吸引力维度的权重合计为 105%，必须为 100%。" in refused.value.messages
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED
    svc.review_return(actor=seeded.bgvp, review=review, text="请按新版本调整权重")
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT


def test_a_confirmed_review_whose_carry_forward_fails_can_be_sent_back(seeded, review, client):
    _submit_a_fitting_proposal(seeded, review)
    svc.review_confirm(actor=seeded.bgvp, review=review)
    # after the confirmation the BU VP agrees next year's version with other weights
    next_year = version_copy(actor=seeded.buvp, source=seeded.version, year=2026)
    version_criteria_set(
        actor=seeded.buvp, version=next_year, criteria=_rows(next_year, {"财务业绩": 50, "IT支出": 20})
    )
    version_activate(actor=seeded.buvp, version=next_year)

    client.force_login(seeded.buvp)
    response = client.post(reverse("reviews:review_carry_forward", args=[review.pk]), follow=True)
    messages = _flash(response)
    assert any(f"建议修订无法应用到 {next_year}，未结转" in m for m in messages)
    assert not CarryForward.objects.filter(review=review).exists()
    assert CriteriaVersion.objects.filter(unit=seeded.org.unit, year=2026).count() == 1

    client.force_login(seeded.bgvp)
    page = client.get(reverse("reviews:review_detail", args=[review.pk])).content.decode()
    assert 'data-testid="return-review"' in page
    client.post(reverse("reviews:review_return", args=[review.pk]), {"text": "按 2026 年版本调整"})
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT and review.confirmed_at is None
    # no dead end: the BU VP withdraws a proposal, resubmits, and it is confirmed and carried forward
    svc.change_withdraw(
        actor=seeded.buvp, review=review, change=review.changes.get(criterion__name="财务业绩")
    )
    svc.change_propose(
        actor=seeded.buvp, review=review, kind="weight", criterion=seeded.criteria["财务业绩"],
        value=40, reason="调整",
    )  # fmt: skip
    svc.review_submit(actor=seeded.buvp, review=review)
    svc.review_confirm(actor=seeded.bgvp, review=review)
    record = cf.review_carry_forward(actor=seeded.buvp, review=review)
    weights = dict(record.version.criteria.values_list("name", "weight"))
    assert (weights["财务业绩"], weights["IT支出"], weights["地理位置"]) == (40, 20, 20)
    with pytest.raises(ValidationError):  # carried forward: no more sending back
        svc.review_return(actor=seeded.bgvp, review=review, text="x")


def test_a_proposal_on_a_criterion_missing_from_the_target_version_is_named(seeded, review):
    _submit_a_fitting_proposal(seeded, review)
    revised = version_revise(actor=seeded.buvp, version=seeded.version)
    rows = [dict(r, name="区位" if r["name"] == "地理位置" else r["name"]) for r in _rows(revised)]
    version_criteria_set(actor=seeded.buvp, version=revised, criteria=rows)
    version_activate(actor=seeded.buvp, version=revised)
    with pytest.raises(ValidationError) as refused:
        svc.review_confirm(actor=seeded.bgvp, review=review)
    assert f"建议修订的评估标准“地理位置”在 {revised} 中不存在，无法应用；请撤回这项修订。" in (
        refused.value.messages
    )


# --- 3. numbers a proposal may hold --------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("threshold", "dimension", "NaN"),
        ("threshold", "dimension", "Infinity"),
        ("threshold", "dimension", "-inf"),
        ("threshold", "dimension", "5.555"),
        ("weight", "criterion", "NaN"),
        ("cadence", "tier", "99999"),
        ("cadence", "tier", "3651"),
        ("cadence", "tier", "sNaN"),
    ],
)
def test_bad_numbers_are_refused_in_words_and_pages_keep_working(seeded, review, client, kind, field, value):
    target = {
        "dimension": "attractiveness",
        "criterion": seeded.criteria["财务业绩"].pk,
        "tier": "tier3",
    }[field]
    data = {"criterion": "", "dimension": "", "tier": "", "text": "", "reason": "测试"}
    client.force_login(seeded.buvp)
    response = client.post(
        reverse("reviews:change_add", args=[review.pk]),
        {**data, "kind": kind, field: target, "value": value},
        follow=True,
    )
    assert response.status_code == 200
    messages = _flash(response)
    assert any(
        m in ("请输入数字。", "阈值最多保留两位小数。", "联系频率必须是 1–3650 之间的整数天数。")
        for m in messages
    )
    assert not ProposedChange.objects.filter(review=review).exists()
    for user in (seeded.buvp, seeded.bgvp, seeded.segmgr):
        client.force_login(user)
        assert client.get(reverse("reviews:review_detail", args=[review.pk])).status_code == 200
        assert client.get(reverse("reviews:review_print", args=[review.pk])).status_code == 200


def test_cadence_and_threshold_within_limits_are_kept(seeded, review):
    change = svc.change_propose(
        actor=seeded.buvp, review=review, kind="cadence", tier="tier3", value="3650", reason="r"
    )
    assert change.proposed_value == Decimal("3650")
    change = svc.change_propose(
        actor=seeded.buvp, review=review, kind="threshold", dimension="feasibility", value="6.25", reason="r"
    )
    change.refresh_from_db()
    assert change.proposed_value == Decimal("6.25")


# --- 7. carry forward onto next year's agreed version ----------------------------------------------
def test_carry_forward_applies_the_changes_on_top_of_next_years_version_in_force(seeded, review):
    agreed = version_copy(actor=seeded.buvp, source=seeded.version, year=2026)
    version_settings_update(actor=seeded.buvp, version=agreed, attractiveness_threshold=Decimal("6.5"))
    version_target_segments_set(
        actor=seeded.buvp, version=agreed,
        rows=[{"segment": seeded.org.auto, "quota_large": 10, "quota_medium": 10, "quota_small": 10}],
    )  # fmt: skip
    version_activate(actor=seeded.buvp, version=agreed)
    _ready(seeded, review)
    svc.change_propose(
        actor=seeded.buvp, review=review, kind="threshold", dimension="feasibility", value="6",
        reason="提高可行性门槛",
    )  # fmt: skip
    svc.review_submit(actor=seeded.buvp, review=review)
    svc.review_confirm(actor=seeded.bgvp, review=review)
    record = cf.review_carry_forward(actor=seeded.buvp, review=review)
    draft = record.version
    assert (draft.year, draft.number, draft.based_on_id) == (2026, 2, agreed.pk)
    assert draft.attractiveness_threshold == Decimal("6.50")
    assert draft.feasibility_threshold == Decimal("6.00")
    assert [(t.segment.code, t.quota_total) for t in draft.target_segments.all()] == [("AUTO", 30)]
    assert "可行性 阈值：5.5 → 6（理由：提高可行性门槛）" in draft.note


def test_without_next_years_version_carry_forward_copies_this_years(seeded, review):
    _ready(seeded, review)
    svc.review_submit(actor=seeded.buvp, review=review)
    svc.review_confirm(actor=seeded.bgvp, review=review)
    record = cf.review_carry_forward(actor=seeded.buvp, review=review)
    assert (record.version.year, record.version.based_on_id) == (2026, seeded.version.pk)


# --- 8. a stale save of a section is refused --------------------------------------------------------
def _summary_form(html, kind):
    block = html.split(f'data-testid="summary-form-{kind}"', 1)[1].split("</form>", 1)[0]
    return {
        "kind": kind,
        "revision": re.search(r'name="revision" value="(\d+)"', block).group(1),
    }


def test_a_stale_section_save_is_refused_naming_who_saved_it(seeded, review, client):
    url = reverse("reviews:summary_save", args=[review.pk])
    client.force_login(seeded.buvp)
    stale = _summary_form(
        client.get(reverse("reviews:review_detail", args=[review.pk])).content.decode(), "inquiries"
    )
    assert stale["revision"] == "0"
    client.force_login(seeded.pr)
    client.post(url, {"kind": "inquiries", "text": "PR：全年查询 120 个"})

    client.force_login(seeded.buvp)
    response = client.post(url, {**stale, "text": "BU VP：查询量同比增长"})
    assert response.status_code == 409
    html = unescape(response.content.decode())
    assert "pr 已在您打开本页之后修改了“年度查询总结”" in html
    assert "BU VP：查询量同比增长" in html  # the refused text is kept in the form
    summary = ReviewSummary.objects.get(review=review, kind="inquiries")
    assert (summary.author, summary.text) == (seeded.pr, "PR：全年查询 120 个")
    # a post without a revision does not replace someone else's section either
    assert client.post(url, {"kind": "inquiries", "text": "BU VP"}).status_code == 409
    # from the refreshed page (it shows the PR owner's text) the BU VP may save on purpose
    fresh = _summary_form(html, "inquiries")
    assert client.post(url, {**fresh, "text": "BU VP：合并后的总结"}).status_code == 302
    summary.refresh_from_db()
    assert (summary.author, summary.text) == (seeded.buvp, "BU VP：合并后的总结")


def test_summary_service_checks_the_revision(seeded, review):
    svc.summary_save(actor=seeded.pr, review=review, kind="inquiries", text="PR 的总结", expected_revision=0)
    with pytest.raises(ConcurrentUpdate, match="pr"):
        svc.summary_save(actor=seeded.buvp, review=review, kind="inquiries", text="覆盖", expected_revision=0)
    current = svc.summary_revisions(review)[ReviewSummary.objects.get(review=review).pk]
    svc.summary_save(
        actor=seeded.buvp, review=review, kind="inquiries", text="核对后修改", expected_revision=current
    )
    assert ReviewSummary.objects.get(review=review).text == "核对后修改"


def test_a_stale_goals_save_is_refused(seeded, review, client):
    # a forged revision for goals never written is a refusal, not an error page
    client.force_login(seeded.buvp)
    response = client.post(
        reverse("reviews:goals_save", args=[review.pk]),
        {"revision": "999", "next_development_goals": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert any("已在您打开本页之后修改了下一年度目标" in m for m in _flash(response))
    other = UserFactory(username="buvp_b")
    grant(other, Role.BU_VP, seeded.org.unit)
    opened = svc.goals_revision(review)
    svc.next_goals_save(
        actor=seeded.buvp, review=review, expected_revision=opened, next_development_goals="A 的目标"
    )
    with pytest.raises(ConcurrentUpdate, match="buvp"):
        svc.next_goals_save(
            actor=other, review=review, expected_revision=opened, next_development_goals="B 的目标"
        )
    review.refresh_from_db()
    assert review.next_development_goals == "A 的目标"
    svc.next_goals_save(
        actor=other, review=review, expected_revision=svc.goals_revision(review),
        next_development_goals="B 核对后的目标",
    )  # fmt: skip
    review.refresh_from_db()
    assert review.next_development_goals == "B 核对后的目标"


# --- 11. no doubled 已 ----------------------------------------------------------------------------
def test_not_editable_message_quotes_the_status(seeded, review, client):
    _ready(seeded, review)
    svc.review_submit(actor=seeded.buvp, review=review)
    client.force_login(seeded.buvp)
    response = client.post(
        reverse("reviews:summary_save", args=[review.pk]), {"kind": "overall", "text": "改"}, follow=True
    )
    messages = _flash(response)
    assert "年度评估的状态为“已提交，待业务群确认”，不能再修改。" in messages
    assert not any("已已" in m for m in messages)
