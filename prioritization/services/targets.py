"""Writes of stage 2.3.3 after scoring: tier decisions, owners, development status, contacts,
promotion plans, the BU merge of segment lists and the BU/BG approvals."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from prioritization import listcache
from prioritization.access import Action, scope_for
from prioritization.models import (
    AuditEvent,
    BusinessUnit,
    ClaimResolution,
    ContactLog,
    DevelopmentStatusChange,
    ListApproval,
    PromotionPlan,
    PromotionSupport,
    Role,
    Target,
)
from prioritization.services.audit import audit_record
from prioritization.tiers import Tier
from prospects.models import Customer, DevelopmentStatus
from prospects.services.customers import ConcurrentUpdate, customer_update

# `tier_set(expected_decided_at=UNCHECKED)`: the caller does not say which decision it saw.
UNCHECKED = object()

# Which roles may hold which ownership (PROCESS.md §2.3.3 item 6).
OVERALL_OWNER_ROLES = (Role.SEGMENT_MANAGER, Role.BU_VP)
DAILY_OWNER_ROLES = (Role.ACCOUNT_MANAGER, Role.SEGMENT_MANAGER)


class ListLocked(PermissionDenied):
    """The BU's list of the year is approved: only the BU VP changes tiers now."""


def bu_list_approval(*, unit, year: int) -> ListApproval | None:
    return ListApproval.objects.filter(unit=unit, year=year).first()


def _check_unlocked(scope, unit, year):
    if bu_list_approval(unit=unit, year=year) and not scope.can_in(Action.MERGE_BU_LIST, unit=unit):
        raise ListLocked(
            _("%(year)s 年度名单已由业务单元批准；如需调整请联系业务单元营销副总。") % {"year": year}
        )


def _stamp(target, actor, now):
    target.decided_by = actor
    target.decided_at = now
    target._history_user = actor


@transaction.atomic
def tiers_accept_proposals(*, actor, unit, year: int, customer_ids=None, segment=None, now=None) -> int:
    """Take the proposed tier as the decided tier for every complete customer in the actor's scope
    (optionally only `customer_ids` / one segment) whose tier is not set by hand. Returns the count."""
    scope = scope_for(actor)
    _check_unlocked(scope, unit, year)
    now = now or timezone.now()
    qs = scope.filter(
        Target.objects.filter(year=year, customer__unit=unit, incomplete=False).exclude(proposed_tier=""),
        Action.DECIDE_TIER,
    ).filter(manual_reason="")
    if segment is not None:
        qs = qs.filter(customer__segment=segment)
    if customer_ids is not None:
        qs = qs.filter(customer_id__in=list(customer_ids))
    changed = []
    for target in qs.select_for_update():
        if target.tier == target.proposed_tier:
            continue
        target.tier = target.proposed_tier
        _stamp(target, actor, now)
        changed.append(target)
    if changed:
        bulk_update_with_history(
            changed, Target, ["tier", "decided_by", "decided_at"], default_user=actor, batch_size=500
        )
        listcache.bump(unit.pk)  # a bulk update sends no model signal
    return len(changed)


@transaction.atomic
def tier_set(
    *,
    actor,
    customer: Customer,
    year: int,
    tier: str,
    reason: str = "",
    now=None,
    expected_decided_at=UNCHECKED,
) -> Target:
    """Set a customer's tier by hand. Departing from the proposal (or tiering an incomplete customer)
    needs a reason, which is kept and shown wherever the tier is. With `expected_decided_at` (the
    decision's time the form showed, None for none) a save over someone else's newer decision is
    refused with ConcurrentUpdate naming them."""
    scope = scope_for(actor)
    if not scope.can(Action.DECIDE_TIER, customer):
        raise PermissionDenied
    _check_unlocked(scope, customer.unit, year)
    if tier not in Tier.values:
        raise ValidationError({"tier": _("未知的级别。")})
    target, _created = Target.objects.select_for_update().get_or_create(customer=customer, year=year)
    if expected_decided_at is not UNCHECKED and target.decided_at != expected_decided_at:
        raise ConcurrentUpdate(
            _("%(who)s 已在您打开之后将 %(customer)s 定为“%(tier)s”（%(when)s）。请核对后再保存。")
            % {
                "who": target.decided_by or _("其他用户"),
                "customer": customer.name,
                "tier": target.get_tier_display() or _("未定级"),
                "when": timezone.localtime(target.decided_at).strftime("%Y-%m-%d %H:%M:%S")
                if target.decided_at
                else "",
            }
        )
    reason = (reason or "").strip()
    if tier != target.proposed_tier and not reason:
        raise ValidationError({"reason": _("人工定级（与建议级别不同）必须填写理由。")})
    target.tier = tier
    target.manual_reason = reason[:500] if tier != target.proposed_tier else ""
    _stamp(target, actor, now or timezone.now())
    target.save()
    audit_record(kind=AuditEvent.Kind.TIER_OVERRIDE, actor=actor, unit=customer.unit, target=customer.number,
                 detail={"year": year, "tier": tier, "proposed": target.proposed_tier, "reason": target.manual_reason})  # fmt: skip
    return target


@transaction.atomic
def tier_clear(*, actor, customer: Customer, year: int) -> Target | None:
    scope = scope_for(actor)
    if not scope.can(Action.DECIDE_TIER, customer):
        raise PermissionDenied
    _check_unlocked(scope, customer.unit, year)
    target = Target.objects.filter(customer=customer, year=year).first()
    if target and target.tier:
        target.tier, target.manual_reason = "", ""
        _stamp(target, actor, timezone.now())
        target.save()
    return target


def eligible_owners(*, unit, roles) -> list:
    user_model = get_user_model()
    return list(
        user_model.objects.filter(is_active=True, memberships__unit=unit, memberships__role__in=roles)
        .distinct()
        .order_by("username")
    )


@transaction.atomic
def owners_assign(
    *,
    actor,
    customer: Customer,
    overall_owner=None,
    daily_owner=None,
    relationship_started_on=None,
    expected_version: int | None = None,
) -> Customer:
    """Name the overall owner (segment manager or BU VP of the BU) and the daily relationship owner
    (an account manager or segment manager of the BU), and the relationship start date."""
    if not scope_for(actor).can(Action.ASSIGN_OWNER, customer):
        raise PermissionDenied
    errors = {}
    if overall_owner is not None and overall_owner not in eligible_owners(
        unit=customer.unit, roles=OVERALL_OWNER_ROLES
    ):
        errors["overall_owner"] = _("总负责人须为该业务单元的细分市场经理或营销副总。")
    if daily_owner is not None and daily_owner not in eligible_owners(
        unit=customer.unit, roles=DAILY_OWNER_ROLES
    ):
        errors["daily_owner"] = _("日常关系负责人须为该业务单元的客户经理或细分市场经理。")
    if errors:
        raise ValidationError(errors)
    return customer_update(
        actor=actor,
        customer=customer,
        expected_version=expected_version,
        overall_owner=overall_owner,
        daily_owner=daily_owner,
        relationship_started_on=relationship_started_on,
    )


_UNCHANGED = object()


@transaction.atomic
def owners_assign_bulk(
    *, actor, customers, overall_owner=_UNCHANGED, daily_owner=_UNCHANGED, relationship_started_on=_UNCHANGED
) -> int:
    """Name the same owners (and/or start date) for several customers at once, from the owner list.
    A field left `_UNCHANGED` keeps each customer's own value. All or nothing: one customer out of
    the actor's reach refuses the whole batch. Returns the number of customers updated."""
    customers = list(customers)
    if not customers:
        return 0
    for customer in customers:
        owners_assign(
            actor=actor,
            customer=customer,
            overall_owner=customer.overall_owner if overall_owner is _UNCHANGED else overall_owner,
            daily_owner=customer.daily_owner if daily_owner is _UNCHANGED else daily_owner,
            relationship_started_on=customer.relationship_started_on
            if relationship_started_on is _UNCHANGED
            else relationship_started_on,
        )
    return len(customers)


UNCHANGED = _UNCHANGED

PIPELINE = [s for s in DevelopmentStatus.values if s]


@transaction.atomic
def development_status_set(
    *, actor, customer: Customer, status: str, seminars_held: int | None = None, on=None, note: str = ""
) -> DevelopmentStatusChange:
    """Move the customer along 初次接触 → 已举办研讨会 (count) → 正起草项目建议 → 项目建议已发出，谈判中 →
    项目结束, keeping a dated record of each step."""
    if not scope_for(actor).can(Action.CHANGE, customer):
        raise PermissionDenied
    if status not in DevelopmentStatus.values:
        raise ValidationError({"status": _("未知的客户发展状态。")})
    seminars = customer.seminars_held if seminars_held is None else int(seminars_held)
    if seminars < 0:
        raise ValidationError({"seminars_held": _("研讨会次数不能为负数。")})
    if status == DevelopmentStatus.SEMINARS and seminars < 1:
        raise ValidationError({"seminars_held": _("“已举办研讨会”需要至少 1 次研讨会。")})
    change = DevelopmentStatusChange.objects.create(
        customer=customer,
        from_status=customer.development_status,
        to_status=status,
        seminars_held=seminars,
        changed_on=on or timezone.localdate(),
        changed_by=actor,
        note=(note or "")[:300],
    )
    updated = customer_update(
        actor=actor, customer=customer, development_status=status, seminars_held=seminars
    )
    customer.development_status, customer.seminars_held, customer.version = (
        updated.development_status,
        updated.seminars_held,
        updated.version,
    )
    return change


@transaction.atomic
def contact_log(
    *, actor, customer: Customer, contacted_on, kind: str, decision_makers: str = "", notes: str = ""
) -> ContactLog:
    if not scope_for(actor).can(Action.CHANGE, customer):
        raise PermissionDenied
    if kind not in ContactLog.Kind.values:
        raise ValidationError({"kind": _("未知的接触方式。")})
    if contacted_on > timezone.localdate():
        raise ValidationError({"contacted_on": _("接触日期不能晚于今天。")})
    return ContactLog.objects.create(
        customer=customer,
        contacted_on=contacted_on,
        kind=kind,
        decision_makers=decision_makers[:300],
        notes=notes,
        logged_by=actor,
    )


@transaction.atomic
def promotion_plan_save(
    *, actor, customer: Customer, year: int, plan: PromotionPlan | None = None, supports=None, **fields
):
    """Create or update one promotion-plan activity. Planning it (objective, decision makers, format,
    support) belongs to those who assign owners; the owners and account managers record the outcome
    (done, result, lessons)."""
    scope = scope_for(actor)
    planning = {"objective", "products", "success_measure", "decision_makers", "format", "planned_on"}
    may_plan = scope.can(Action.ASSIGN_OWNER, customer)
    if not (may_plan or scope.can(Action.CHANGE, customer)):
        raise PermissionDenied
    if not may_plan and (plan is None or planning & fields.keys() or supports is not None):
        raise PermissionDenied
    if plan is None:
        plan = PromotionPlan(customer=customer, year=year, created_by=actor)
    elif plan.customer_id != customer.pk:
        raise PermissionDenied
    for name, value in fields.items():
        setattr(plan, name, value)
    plan._history_user = actor
    plan.full_clean(exclude=["customer", "created_by"])
    plan.save()
    if supports is not None and may_plan:
        plan.supports.all().delete()
        PromotionSupport.objects.bulk_create(
            [
                PromotionSupport(
                    plan=plan, who=s["who"], responsibility=s["responsibility"], due_on=s.get("due_on")
                )
                for s in supports
                if s.get("who")
            ]
        )
    return plan


@transaction.atomic
def promotion_plan_delete(*, actor, plan: PromotionPlan) -> None:
    """Remove a plan activity (and its support rows); only those who plan may. Its history stays."""
    if not scope_for(actor).can(Action.ASSIGN_OWNER, plan.customer):
        raise PermissionDenied
    plan._history_user = actor
    plan.delete()


# --- BU and BG consolidation ----------------------------------------------------------------------


@transaction.atomic
def claim_resolve(
    *, actor, customer: Customer, year: int, primary_segment, overall_owner=None, reason: str, now=None
) -> ClaimResolution:
    """The BU VP decides which segment owns a customer two segments claim, and its overall owner."""
    scope = scope_for(actor)
    if not scope.can(Action.MERGE_BU_LIST, customer):
        raise PermissionDenied
    if primary_segment.unit_id != customer.unit_id:
        raise ValidationError({"primary_segment": _("细分市场不属于该业务单元。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写裁定理由。")})
    resolution, _created = ClaimResolution.objects.update_or_create(
        customer=customer,
        year=year,
        defaults={
            "primary_segment": primary_segment,
            "overall_owner": overall_owner,
            "reason": reason.strip()[:500],
            "resolved_by": actor,
            "resolved_at": now or timezone.now(),
        },
    )
    changes = {"segment": primary_segment}
    if overall_owner is not None:
        changes["overall_owner"] = overall_owner
    customer_update(actor=actor, customer=customer, **changes)
    return resolution


def _tier_counts(qs) -> dict:
    counts = dict.fromkeys(Tier.values, 0)
    for tier in qs.exclude(tier="").values_list("tier", flat=True):
        counts[tier] += 1
    return counts


@transaction.atomic
def bu_list_approve(*, actor, unit: BusinessUnit, year: int, note: str = "", now=None) -> ListApproval:
    """Approve (and lock) the BU's tiered list: every complete customer must have a decided tier."""
    if not scope_for(actor).can_in(Action.MERGE_BU_LIST, unit=unit):
        raise PermissionDenied
    targets = Target.objects.filter(year=year, customer__unit=unit)
    undecided = targets.filter(incomplete=False, tier="").count()
    if undecided:
        raise ValidationError(_("还有 %(n)s 个已评分客户没有确定级别。") % {"n": undecided})
    if not targets.exclude(tier="").exists():
        raise ValidationError(_("名单上还没有已定级的客户。"))
    approval, _created = ListApproval.objects.update_or_create(
        unit=unit,
        year=year,
        defaults={
            "group": unit.group,
            "approved_by": actor,
            "approved_at": now or timezone.now(),
            "note": note[:500],
            "counts": _tier_counts(targets),
        },
    )
    return approval


@transaction.atomic
def bg_list_approve(*, actor, group, year: int, note: str = "", now=None) -> ListApproval:
    """The BG VP approves the merged BG list once every active BU of the group approved its own."""
    scope = scope_for(actor)
    if not (
        scope.is_admin
        or scope.filter(type(group).objects.filter(pk=group.pk), Action.APPROVE_BG_LIST).exists()
    ):
        raise PermissionDenied
    units = BusinessUnit.objects.filter(group=group, is_active=True)
    approved = set(ListApproval.objects.filter(unit__in=units, year=year).values_list("unit_id", flat=True))
    missing = [u.code for u in units if u.pk not in approved]
    if missing:
        raise ValidationError(_("以下业务单元尚未批准名单：%(units)s") % {"units": "、".join(missing)})
    return ListApproval.objects.update_or_create(
        group=group,
        unit=None,
        year=year,
        defaults={
            "approved_by": actor,
            "approved_at": now or timezone.now(),
            "note": note[:500],
            "counts": _tier_counts(Target.objects.filter(year=year, customer__unit__group=group)),
        },
    )[0]
