"""The review's pages and actions for every role, with a review of the conftest BU (in scope for
the ITS roles) and one of the foreign BU (in scope only for the outsider and the admin)."""

from django.urls import reverse

from reviews.models import Review, ReviewStatus
from tests.permissions import Case, everyone

# Who holds REVIEW on the MFG BU: the BG VP, the BU VP, the segment manager, the account manager
# and the PR owner (the researcher does not write a review).
READERS = {"admin_user": 200, "bgvp": 200, "buvp": 200, "segmgr": 200, "am": 200, "pr": 200}


def _review(ctx, status=ReviewStatus.DRAFT):
    review, _ = Review.objects.get_or_create(unit=ctx.org.unit, year=2025, defaults={"status": status})
    return review


def _foreign(ctx):
    review, _ = Review.objects.get_or_create(unit=ctx.org.other_unit, year=2025)
    return review


def _submitted(ctx):
    review = _review(ctx)
    Review.objects.filter(pk=review.pk).update(status=ReviewStatus.SUBMITTED, next_development_goals="目标")
    return review


def _status_unchanged(expected):
    def check(ctx, response, role):
        if response.status_code in (403, 404):
            assert Review.objects.get(unit=ctx.org.unit, year=2025).status == expected

    return check


def _no_change_unless_allowed(ctx, response, role):
    from reviews.models import ProposedChange

    if role not in ("admin_user", "buvp"):
        assert not ProposedChange.objects.exists()


def _url(name, getter):
    return lambda c: reverse(f"reviews:{name}", args=[getter(c).pk])


CASES = [
    Case("review-list", lambda c: reverse("reviews:review_list"), everyone(200)),
    Case("review-detail", _url("review_detail", _review), everyone(404, **READERS)),
    Case(
        "review-detail-foreign", _url("review_detail", _foreign), everyone(404, admin_user=200, outsider=200)
    ),
    Case("review-print", _url("review_print", _review), everyone(404, **READERS)),
    Case("review-export", _url("review_export", _review), everyone(404, **READERS)),
    Case(
        "review-export-foreign", _url("review_export", _foreign), everyone(404, admin_user=200, outsider=200)
    ),
    Case("review-compare", _url("review_compare", _review), everyone(404, **READERS)),
    Case(
        "review-group-overview",
        lambda c: reverse("reviews:group_overview", args=[c.org.group.pk]),
        everyone(403, admin_user=200, bgvp=200, outsider=404, nobody=404),
    ),
    Case(
        "review-start",
        lambda c: reverse("reviews:review_start"),
        everyone(404, admin_user=302, buvp=302, bgvp=403, segmgr=403, am=403, pr=403),
        method="post",
        data=lambda c: {"unit": c.org.unit.pk, "year": 2025},
    ),
    Case(
        "review-summary-save",
        _url("summary_save", _review),
        everyone(404, admin_user=302, buvp=302, bgvp=403, segmgr=403, am=403, pr=403),
        method="post",
        data=lambda c: {"kind": "overall", "text": "总结"},
    ),
    Case(
        "review-submit",
        _url("review_submit", _review),
        everyone(404, admin_user=302, buvp=302, bgvp=403, segmgr=403, am=403, pr=403),
        method="post",
        check=_status_unchanged(ReviewStatus.DRAFT),
    ),
    Case(
        "review-confirm",
        _url("review_confirm", _submitted),
        everyone(404, admin_user=302, bgvp=302, buvp=403, segmgr=403, am=403, pr=403),
        method="post",
        check=_status_unchanged(ReviewStatus.SUBMITTED),
    ),
    Case(
        "review-confirm-foreign",
        _url("review_confirm", _foreign),
        everyone(404, admin_user=302, outsider=403),
        method="post",
    ),
    Case(
        "review-carry-forward",
        _url("review_carry_forward", _review),
        everyone(404, admin_user=302, buvp=302, bgvp=403, segmgr=403, am=403, pr=403),
        method="post",
    ),
    Case(
        "review-goals-save",
        _url("goals_save", _review),
        everyone(404, admin_user=302, buvp=302, bgvp=403, segmgr=403, am=403, pr=403),
        method="post",
        data=lambda c: {"next_development_goals": "目标"},
    ),
    Case(
        "review-change-add",
        _url("change_add", _review),
        everyone(404, admin_user=302, buvp=302, bgvp=403, segmgr=403, am=403, pr=403),
        method="post",
        data=lambda c: {"kind": "threshold", "tier": "tier1", "value": "20", "text": "x", "reason": "理由"},
        check=_no_change_unless_allowed,
    ),
    Case(
        "review-change-delete-foreign",
        lambda c: reverse("reviews:change_delete", args=[_foreign(c).pk, 999999]),
        everyone(404),
        method="post",
    ),
    Case(
        "review-comment",
        _url("review_comment", _submitted),
        everyone(404, admin_user=302, bgvp=302, buvp=403, segmgr=403, am=403, pr=403),
        method="post",
        data=lambda c: {"comment": "意见"},
    ),
    Case(
        "review-return",
        _url("review_return", _submitted),
        everyone(404, admin_user=302, bgvp=302, buvp=403, segmgr=403, am=403, pr=403),
        method="post",
        data=lambda c: {"comment": "请补充"},
        check=_status_unchanged(ReviewStatus.SUBMITTED),
    ),
]
