"""Writes of the annual review: start, the roles' summaries, proposed changes, next year's goals,
submit (BU VP) → comment / return / confirm (BG VP). Carrying forward is in `carry_forward.py`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.models import CriteriaVersion, Criterion, Dimension
from criteria.validation import CADENCE_DAYS_MAX, CADENCE_DAYS_MIN
from prioritization.access import Action, scope_for
from prioritization.models import BusinessUnit, Role, Segment
from prioritization.services.notifications import notify
from prioritization.tiers import Tier
from prospects.services.customers import ConcurrentUpdate
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
        # The status labels carry their own wording (已提交，待业务群确认 / 已确认): quote them.
        raise ValidationError(
            _("年度评估的状态为“%(status)s”，不能再修改。") % {"status": current.get_status_display()}
        )
    return current


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


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
def _summary_lookup(review, actor, kind, segment) -> dict:
    """The one summary a slot holds: per segment, per account manager, or one per review."""
    lookup = {"review": review, "kind": kind}
    if kind == SummaryKind.SEGMENT:
        lookup["segment"] = segment
    elif kind == SummaryKind.ACCOUNTS:
        lookup["author"] = actor
    return lookup


def summary_revisions(review: Review) -> dict[int, int]:
    """summary id → its latest history id: the revision a summary form carries (0: none yet)."""
    rows = (
        ReviewSummary.history.filter(review_id=review.pk)
        .order_by()
        .values("id")
        .annotate(latest=Max("history_id"))
        .values_list("id", "latest")
    )
    return dict(rows)


@transaction.atomic
def summary_save(
    *,
    actor,
    review: Review,
    kind: str,
    text: str,
    segment: Segment | None = None,
    expected_revision: int | None = None,
) -> ReviewSummary:
    """Write the actor's summary of a slot. With `expected_revision` (the slot's revision when the
    page was opened; 0 for a slot with no summary yet) a save over someone else's newer save of the
    same section is refused with ConcurrentUpdate naming who saved it and when."""
    slots = summary_slots_for(actor, review)
    segment_id = segment.pk if segment else None
    _require(any(k == kind and (s.pk if s else None) == segment_id for k, s in slots))
    review = _locked_draft(review)  # the review's row lock serialises the saves of its sections
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("总结不能为空。")})
    lookup = _summary_lookup(review, actor, kind, segment)
    summary = ReviewSummary.objects.filter(**lookup).select_related("author").first()
    if expected_revision is not None:
        current = summary_revisions(review).get(summary.pk, 0) if summary else 0
        if current != expected_revision:
            raise ConcurrentUpdate(
                _(
                    "%(who)s 已在您打开本页之后修改了“%(section)s”（%(when)s）。您的内容未保存；上方是最新内容，请核对后再保存。"
                )
                % {
                    "who": summary.author if summary else _("其他用户"),
                    "section": SummaryKind(kind).label
                    + (f" · {segment.name}" if kind == SummaryKind.SEGMENT and segment else ""),
                    "when": _when(summary.updated_at if summary else None),
                }
            )
    if summary is None:
        summary = ReviewSummary(**lookup)
    summary.author = actor
    summary.text = text
    summary._history_user = actor
    summary.save()
    return summary


# --- next year's goals ---------------------------------------------------------------------------
def _last_goals_change(review: Review):
    """The review's last history row that changed next year's goals (None: never written)."""
    latest, previous = None, None
    for row in review.history.select_related("history_user").order_by("history_id"):
        if any(getattr(row, f) != (getattr(previous, f) if previous else "") for f in GOAL_FIELDS):
            latest = row
        previous = row
    return latest


def goals_revision(review: Review) -> int:
    """The revision the goals form carries: the history id of the last change of the goals."""
    latest = _last_goals_change(review)
    return latest.history_id if latest else 0


@transaction.atomic
def next_goals_save(*, actor, review: Review, expected_revision: int | None = None, **goals) -> Review:
    """The BU VP proposes next year's goals while the review is a draft. With `expected_revision`
    (`goals_revision` when the form was opened) a save over another BU VP's newer save is refused."""
    _require(can_submit(actor, review))
    review = _locked_draft(review)
    if expected_revision is not None:
        latest = _last_goals_change(review)
        if (latest.history_id if latest else 0) != expected_revision:
            raise ConcurrentUpdate(
                _(
                    "%(who)s 已在您打开本页之后修改了下一年度目标（%(when)s）。您的内容未保存；页面现显示最新的目标，请核对后再保存。"
                )
                % {
                    "who": (latest.history_user if latest else None) or _("其他用户"),
                    "when": _when(latest.history_date if latest else None),
                }
            )
    for name in GOAL_FIELDS:
        if name in goals:
            setattr(review, name, (goals[name] or "").strip())
    review._history_user = actor
    review.save()
    return review


# --- proposed changes ----------------------------------------------------------------------------
def _decimal(value, field):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("请输入数字。")}) from exc
    if not number.is_finite():  # "NaN", "Infinity": not numbers a person means
        raise ValidationError({field: _("请输入数字。")})
    return number


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
        weight = weight.to_integral_value()
        fields.update(criterion=criterion, current_value=Decimal(criterion.weight), proposed_value=weight)
        lookup = {"kind": kind, "criterion": criterion}
    elif kind == ChangeKind.THRESHOLD:
        if dimension not in Dimension.values:
            raise ValidationError({"dimension": _("请选择维度。")})
        threshold = _decimal(value, "value")
        if not Decimal("1") <= threshold <= Decimal("10"):
            raise ValidationError({"value": _("阈值必须在 1–10 之间。")})
        if threshold != threshold.quantize(Decimal("0.01")):
            raise ValidationError({"value": _("阈值最多保留两位小数。")})
        threshold = threshold.quantize(Decimal("0.01"))
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
            if days != days.to_integral_value() or not CADENCE_DAYS_MIN <= days <= CADENCE_DAYS_MAX:
                raise ValidationError(
                    {
                        "value": _("联系频率必须是 %(min)s–%(max)s 之间的整数天数。")
                        % {"min": CADENCE_DAYS_MIN, "max": CADENCE_DAYS_MAX}
                    }
                )
            days = days.to_integral_value()
            current = principle.contact_cadence_days if principle else None
            if current is not None and current > CADENCE_DAYS_MAX:
                current = None  # a value from before the limit: not one the review can hold
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


def carry_forward_base(review: Review) -> CriteriaVersion | None:
    """The criteria version the review's changes will be applied to when it is carried forward:
    next year's version in force when the BU has already agreed one (2.3.1 runs in Oct–Nov, before
    the year-end review), else this year's version (the one in force, else the latest)."""
    from criteria.models.versions import IN_FORCE
    from criteria.services.versions import version_to_copy_forward

    agreed = CriteriaVersion.objects.filter(
        unit_id=review.unit_id, year=review.next_year, status__in=IN_FORCE
    ).first()
    return agreed or version_to_copy_forward(unit=review.unit, year=review.next_year)


def _weight_changes(review: Review) -> list[ProposedChange]:
    return [
        c
        for c in review.changes.select_related("criterion")
        if c.kind == ChangeKind.WEIGHT and c.criterion_id
    ]


def _weight_sums(weight_changes, criteria) -> dict[str, int]:
    proposed = {c.criterion.name: int(c.proposed_value) for c in weight_changes}
    sums: dict[str, int] = {}
    for criterion in criteria:
        sums[criterion.dimension] = sums.get(criterion.dimension, 0) + proposed.get(
            criterion.name, criterion.weight
        )
    return sums


def weight_sums_after(review: Review, version) -> dict[str, int]:
    """Each dimension's weight total in `version` once the proposed weight changes are applied. A
    change names a criterion of this year's version; it applies to the criterion of that name."""
    return _weight_sums(_weight_changes(review), version.criteria.all())


def proposal_errors(review: Review, version) -> list[str]:
    """Why the review's changes cannot be applied to `version` (the carry-forward base): a weight
    change whose criterion the version does not have, or weight totals other than 100%."""
    if version is None:
        return []
    criteria = list(version.criteria.all())
    changes = _weight_changes(review)
    names = {c.name for c in criteria}
    errors = [
        _("建议修订的评估标准“%(name)s”在 %(version)s 中不存在，无法应用；请撤回这项修订。")
        % {"name": c.criterion.name, "version": version}
        for c in changes
        if c.criterion.name not in names
    ]
    for dimension, total in _weight_sums(changes, criteria).items():
        if total != 100:
            errors.append(
                _("按建议修订后，%(dimension)s维度的权重合计为 %(total)s%%，必须为 100%%。")
                % {"dimension": Dimension(dimension).label, "total": total}
            )
    return errors


_BASE_UNKNOWN = object()


def submission_errors(review: Review, base=_BASE_UNKNOWN) -> list[str]:
    """Why the review cannot be submitted yet; `base`: its carry_forward_base, when known."""
    errors = []
    if not review.summaries.filter(kind=SummaryKind.OVERALL).exists():
        errors.append(_("请先撰写业务单元总结。"))
    if not review.next_development_goals.strip():
        errors.append(_("请填写下一年度客户发展目标。"))
    if base is _BASE_UNKNOWN:
        base = carry_forward_base(review)
    errors.extend(proposal_errors(review, base))
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
    """The BG VP sends a submitted review back to the BU for rework, saying why; also a confirmed
    one that has not been carried forward (e.g. its changes no longer fit the criteria version they
    would be applied to), so that a confirmed review is never stuck."""
    _require(can_confirm(actor, review))
    review = _locked(review)
    if review.status == ReviewStatus.CONFIRMED and review.is_carried_forward:
        raise ValidationError(_("年度评估已结转到下一年度，不能再退回。"))
    if review.status not in (ReviewStatus.SUBMITTED, ReviewStatus.CONFIRMED):
        raise ValidationError(_("只有已提交的年度评估可以退回。"))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("退回时请写明原因。")})
    comment = ReviewComment.objects.create(review=review, author=actor, text=text, returned=True)
    review.status = ReviewStatus.DRAFT
    review.confirmed_by = review.confirmed_at = None
    review._history_user = actor
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
    base = carry_forward_base(review)
    errors = proposal_errors(review, base)
    if errors:
        raise ValidationError(
            [
                _(
                    "建议修订无法应用到 %(version)s（将据此结转下一年度的选择标准），不能确认；请退回业务单元修改："
                )
                % {"version": base},
                *errors,
            ]
        )
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
