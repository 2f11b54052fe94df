"""Writes of the annual review: start, the roles' summaries, proposed changes, next year's goals,
submit (BU VP) → comment / return / confirm (BG VP). Carrying forward is in `carry_forward.py`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.models import Criterion, Dimension
from prioritization.access import Action, scope_for
from prioritization.models import BusinessUnit, Role, Segment
from prioritization.services.notifications import notify
from prioritization.tiers import Tier
from reviews.models import (
    ChangeKind,
    ProposedChange,
    Review,
    ReviewComment,
    ReviewStatus,
    ReviewSummary,
    SummaryKind,
)

GOAL_FIELDS = ("next_strategic_goal", "next_development_goals", "next_customer_service_goal")


# --- who may do what -----------------------------------------------------------------------------
def can_submit(actor, review: Review) -> bool:
    return scope_for(actor).can(Action.SUBMIT_REVIEW, review)


def can_confirm(actor, review: Review) -> bool:
    return scope_for(actor).can(Action.CONFIRM_REVIEW, review)


def summary_slots_for(actor, review: Review) -> list[tuple[str, Segment | None]]:
    """The summaries `actor` may write on this review: (kind, segment) pairs. The BU VP may write
    every segment's and the inquiry summary too (a small BU has no segment manager or PR owner)."""
    scope = scope_for(actor)
    if not scope.can(Action.REVIEW, review):
        return []
    leader = scope.can(Action.SUBMIT_REVIEW, review)
    slots: list[tuple[str, Segment | None]] = []
    segments = list(Segment.objects.filter(unit_id=review.unit_id, is_active=True).order_by("code"))
    managed = {
        m.segment_id
        for m in scope.memberships
        if m.role == Role.SEGMENT_MANAGER and m.unit_id == review.unit_id
    }
    for segment in segments:
        if leader or segment.pk in managed:
            slots.append((SummaryKind.SEGMENT, segment))
    roles_here = {m.role for m in scope.memberships if m.unit_id == review.unit_id}
    if Role.ACCOUNT_MANAGER in roles_here:
        slots.append((SummaryKind.ACCOUNTS, None))
    if leader or Role.PR_OWNER in roles_here:
        slots.append((SummaryKind.INQUIRIES, None))
    if leader:
        slots.append((SummaryKind.OVERALL, None))
    return slots


def _require(condition: bool):
    if not condition:
        raise PermissionDenied


def _locked(review: Review) -> Review:
    return Review.objects.select_for_update().select_related("unit__group").get(pk=review.pk)


def _locked_draft(review: Review) -> Review:
    current = _locked(review)
    if current.status != ReviewStatus.DRAFT:
        raise ValidationError(
            _("年度评估已%(status)s，不能再修改。") % {"status": current.get_status_display()}
        )
    return current


def _url(review) -> str:
    return reverse("reviews:review_detail", args=[review.pk])


def _bg_vps(review):
    return (
        get_user_model()
        .objects.filter(
            is_active=True, memberships__role=Role.BG_VP, memberships__group_id=review.unit.group_id
        )
        .distinct()
    )


def _bu_vps(review):
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Role.BU_VP, memberships__unit_id=review.unit_id)
        .distinct()
    )


# --- start ---------------------------------------------------------------------------------------
@transaction.atomic
def review_start(*, actor, unit: BusinessUnit, year: int) -> Review:
    """The BU's review of `year` (created as a draft the first time; idempotent)."""
    _require(scope_for(actor).can_in(Action.SUBMIT_REVIEW, unit=unit))
    review, _created = Review.objects.get_or_create(unit=unit, year=year, defaults={"created_by": actor})
    return review


# --- summaries -----------------------------------------------------------------------------------
@transaction.atomic
def summary_save(
    *, actor, review: Review, kind: str, text: str, segment: Segment | None = None
) -> ReviewSummary:
    slots = summary_slots_for(actor, review)
    segment_id = segment.pk if segment else None
    _require(any(k == kind and (s.pk if s else None) == segment_id for k, s in slots))
    review = _locked_draft(review)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("总结不能为空。")})
    lookup = {"review": review, "kind": kind}
    if kind == SummaryKind.SEGMENT:
        lookup["segment"] = segment
    elif kind == SummaryKind.ACCOUNTS:
        lookup["author"] = actor
    summary = ReviewSummary.objects.filter(**lookup).first()
    if summary is None:
        summary = ReviewSummary(**lookup)
    summary.author = actor
    summary.text = text
    summary.save()
    return summary


# --- next year's goals ---------------------------------------------------------------------------
@transaction.atomic
def next_goals_save(*, actor, review: Review, **goals) -> Review:
    """The BU VP proposes next year's goals while the review is a draft."""
    _require(can_submit(actor, review))
    review = _locked_draft(review)
    for name in GOAL_FIELDS:
        if name in goals:
            setattr(review, name, (goals[name] or "").strip())
    review.save()
    return review


# --- proposed changes ----------------------------------------------------------------------------
def _decimal(value, field):
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("请输入数字。")}) from exc


@transaction.atomic
def change_propose(
    *,
    actor,
    review: Review,
    kind: str,
    reason: str,
    criterion: Criterion | None = None,
    dimension: str = "",
    tier: str = "",
    value=None,
    text: str = "",
) -> ProposedChange:
    """Propose (or replace) one change to next year's criteria or principles, with its reason.
    A weight is a whole percentage 1–100 of a criterion of this year's version in force; a threshold
    1–10 per dimension; a cadence a number of days ≥ 1 per tier; a principle a text per tier."""
    from criteria.selectors import active_version_for

    _require(can_submit(actor, review))
    review = _locked_draft(review)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("每项修订都必须写明理由。")})
    version = active_version_for(unit=review.unit, year=review.year)
    fields: dict = {"criterion": None, "dimension": "", "tier": ""}
    if kind == ChangeKind.WEIGHT:
        if criterion is None or version is None or criterion.version_id != version.pk:
            raise ValidationError({"criterion": _("请选择本年度生效版本中的评估标准。")})
        weight = _decimal(value, "value")
        if weight != weight.to_integral_value() or not 1 <= weight <= 100:
            raise ValidationError({"value": _("权重必须是 1–100 的整数百分比。")})
        fields.update(criterion=criterion, current_value=Decimal(criterion.weight), proposed_value=weight)
        lookup = {"kind": kind, "criterion": criterion}
    elif kind == ChangeKind.THRESHOLD:
        if dimension not in Dimension.values:
            raise ValidationError({"dimension": _("请选择维度。")})
        threshold = _decimal(value, "value")
        if not Decimal("1") <= threshold <= Decimal("10"):
            raise ValidationError({"value": _("阈值必须在 1–10 之间。")})
        current = getattr(version, f"{dimension}_threshold", None) if version else None
        fields.update(dimension=dimension, current_value=current, proposed_value=threshold)
        lookup = {"kind": kind, "dimension": dimension}
    elif kind in (ChangeKind.CADENCE, ChangeKind.PRINCIPLE):
        if tier not in Tier.values:
            raise ValidationError({"tier": _("请选择级别。")})
        principle = version.principles.filter(tier=tier).first() if version else None
        fields["tier"] = tier
        if kind == ChangeKind.CADENCE:
            days = _decimal(value, "value")
            if days != days.to_integral_value() or days < 1:
                raise ValidationError({"value": _("联系频率必须是至少 1 天的整数。")})
            current = principle.contact_cadence_days if principle else None
            fields.update(current_value=current, proposed_value=days)
        else:
            text = (text or "").strip()
            if not text:
                raise ValidationError({"text": _("请填写新的服务原则。")})
            fields.update(proposed_text=text)
        lookup = {"kind": kind, "tier": tier}
    else:
        raise ValidationError({"kind": _("未知的修订类型。")})
    change = ProposedChange.objects.filter(review=review, **lookup).first() or ProposedChange(review=review)
    for name, value_ in {**fields, "kind": kind, "reason": reason, "proposed_by": actor}.items():
        setattr(change, name, value_)
    change.save()
    return change


@transaction.atomic
def change_withdraw(*, actor, review: Review, change: ProposedChange) -> None:
    _require(can_submit(actor, review))
    review = _locked_draft(review)
    if change.review_id != review.pk:
        raise PermissionDenied
    change.delete()


def weight_sums_after(review: Review, version) -> dict[str, int]:
    """Each dimension's weight total once the proposed weight changes are applied."""
    proposed = {
        c.criterion_id: int(c.proposed_value)
        for c in review.changes.all()
        if c.kind == ChangeKind.WEIGHT and c.criterion_id
    }
    sums: dict[str, int] = {}
    for criterion in version.criteria.all():
        sums[criterion.dimension] = sums.get(criterion.dimension, 0) + proposed.get(
            criterion.pk, criterion.weight
        )
    return sums


def submission_errors(review: Review) -> list[str]:
    from criteria.selectors import active_version_for

    errors = []
    if not review.summaries.filter(kind=SummaryKind.OVERALL).exists():
        errors.append(_("请先撰写业务单元总结。"))
    if not review.next_development_goals.strip():
        errors.append(_("请填写下一年度客户发展目标。"))
    version = active_version_for(unit=review.unit, year=review.year)
    if version is not None:
        for dimension, total in weight_sums_after(review, version).items():
            if total != 100:
                errors.append(
                    _("按建议修订后，%(dimension)s维度的权重合计为 %(total)s%%，必须为 100%%。")
                    % {"dimension": Dimension(dimension).label, "total": total}
                )
    return errors


# --- submit → comment / return / confirm ---------------------------------------------------------
@transaction.atomic
def review_submit(*, actor, review: Review, now=None) -> Review:
    _require(can_submit(actor, review))
    review = _locked_draft(review)
    errors = submission_errors(review)
    if errors:
        raise ValidationError(errors)
    review.status = ReviewStatus.SUBMITTED
    review.submitted_by = actor
    review.submitted_at = now or timezone.now()
    review.save()
    notify(
        recipients=_bg_vps(review),
        key=f"review-submitted-{review.pk}-{review.submitted_at.isoformat()}",
        template="emails/reviews/submitted.txt",
        context={"review": review, "actor": actor},
        url=_url(review),
    )
    return review


@transaction.atomic
def review_comment(*, actor, review: Review, text: str) -> ReviewComment:
    """The BG VP comments on a submitted (or confirmed) review; the BU VP is told."""
    _require(can_confirm(actor, review))
    review = _locked(review)
    if review.status == ReviewStatus.DRAFT:
        raise ValidationError(_("年度评估尚未提交。"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("意见不能为空。")})
    comment = ReviewComment.objects.create(review=review, author=actor, text=text)
    notify(
        recipients=_bu_vps(review),
        key=f"review-comment-{comment.pk}",
        template="emails/reviews/commented.txt",
        context={"review": review, "actor": actor, "comment": comment},
        url=_url(review),
    )
    return comment


@transaction.atomic
def review_return(*, actor, review: Review, text: str) -> Review:
    """The BG VP sends a submitted review back to the BU for rework, saying why."""
    _require(can_confirm(actor, review))
    review = _locked(review)
    if review.status != ReviewStatus.SUBMITTED:
        raise ValidationError(_("只有已提交的年度评估可以退回。"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("退回时请写明原因。")})
    comment = ReviewComment.objects.create(review=review, author=actor, text=text, returned=True)
    review.status = ReviewStatus.DRAFT
    review.save()
    notify(
        recipients=_bu_vps(review),
        key=f"review-returned-{comment.pk}",
        template="emails/reviews/returned.txt",
        context={"review": review, "actor": actor, "comment": comment},
        url=_url(review),
    )
    return review


@transaction.atomic
def review_confirm(*, actor, review: Review, now=None, **goals) -> Review:
    """The BG VP confirms next year's customer-development goals (as proposed, or reworded)."""
    _require(can_confirm(actor, review))
    review = _locked(review)
    if review.status != ReviewStatus.SUBMITTED:
        raise ValidationError(_("只有已提交的年度评估可以确认。"))
    for name in GOAL_FIELDS:
        if goals.get(name) is not None:
            setattr(review, name, goals[name].strip())
    if not review.next_development_goals:
        raise ValidationError({"next_development_goals": _("请确认下一年度客户发展目标。")})
    review.status = ReviewStatus.CONFIRMED
    review.confirmed_by = actor
    review.confirmed_at = now or timezone.now()
    review.save()
    notify(
        recipients=_bu_vps(review),
        key=f"review-confirmed-{review.pk}",
        template="emails/reviews/confirmed.txt",
        context={"review": review, "actor": actor},
        url=_url(review),
    )
    return review
