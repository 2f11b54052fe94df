"""Writes of stage 2.3.3 after scoring: tier decisions, owners, development status, contacts,
promotion plans, the BU merge of segment lists and the BU/BG approvals."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
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
    Membership,
    PromotionPlan,
    PromotionSupport,
    Role,
    Target,
)
from prioritization.services.audit import audit_record
from prioritization.services.consolidation import bg_overlaps
from prioritization.tiers import Tier
from prospects.models import Customer, DevelopmentStatus, ListEntry, SegmentClaim
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


# `eligible_owners(segment=ANY_SEGMENT)`: members of any segment of the BU (a page for several).
ANY_SEGMENT = object()


def _covering(unit, segment) -> Q:
    """Memberships whose row scope covers a customer of `unit` in `segment`, as access.Scope reads
    them: a segment membership sees its segment, a BU membership the whole BU, a BG one the BG."""
    q = Q(unit=unit, segment__isnull=True) | Q(unit__isnull=True, group_id=unit.group_id)
    if segment is not None:
        q |= Q(segment=segment)
    return q


def eligible_owners(*, unit, roles, segment=ANY_SEGMENT) -> list:
    """Active users who may own a customer of `unit` in `segment` (None: a customer without a
    segment): they hold one of `roles` on that segment or on the whole BU, so they see the customer
    once they own it. `ANY_SEGMENT`: the union over the BU's segments (a choice for several)."""
    memberships = Membership.objects.filter(role__in=roles)
    memberships = (
        memberships.filter(unit=unit)
        if segment is ANY_SEGMENT
        else memberships.filter(_covering(unit, segment))
    )
    return list(
        get_user_model()
        .objects.filter(is_active=True, pk__in=memberships.values("user_id"))
        .order_by("username")
    )


def owner_eligible(user, *, unit, segment, roles) -> bool:
    return bool(
        user.is_active
        and Membership.objects.filter(user=user, role__in=roles).filter(_covering(unit, segment)).exists()
    )


def _owner_errors(customer, *, segment, overall_owner=None, daily_owner=None) -> dict:
    """Refusals, by field, of owners who would not see `customer` placed in `segment`."""
    errors = {}
    if overall_owner is not None and not owner_eligible(
        overall_owner, unit=customer.unit, segment=segment, roles=OVERALL_OWNER_ROLES
    ):
        errors["overall_owner"] = _(
            "%(user)s 不能担任 %(customer)s 的总负责人：总负责人须为负责该客户所在细分市场"
            "（或整个业务单元）的细分市场经理或营销副总。"
        ) % {"user": _name(overall_owner), "customer": customer.name}
    if daily_owner is not None and not owner_eligible(
        daily_owner, unit=customer.unit, segment=segment, roles=DAILY_OWNER_ROLES
    ):
        errors["daily_owner"] = _(
            "%(user)s 不能担任 %(customer)s 的日常关系负责人：日常关系负责人须为负责该客户所在细分市场"
            "（或整个业务单元）的客户经理或细分市场经理。"
        ) % {"user": _name(daily_owner), "customer": customer.name}
    return errors


def _name(user) -> str:
    return user.get_full_name() or user.username


def owners_list_year(customer: Customer) -> int | None:
    """The latest year the customer is on a list (listed or scored): its owners belong to that
    year's list. Owners are kept on the customer, not per year, so an older year's page must not
    open a newer approved list to changes."""
    years = [
        ListEntry.objects.filter(customer=customer).aggregate(y=Max("year"))["y"],
        Target.objects.filter(customer=customer).aggregate(y=Max("year"))["y"],
    ]
    years = [y for y in years if y is not None]
    return max(years) if years else None


def owners_locked(*, actor, customer: Customer) -> ListApproval | None:
    """The approval that keeps `actor` from changing the customer's owners (None: they may)."""
    year = owners_list_year(customer)
    if year is None:
        return None
    approval = bu_list_approval(unit=customer.unit, year=year)
    if approval and not scope_for(actor).can_in(Action.MERGE_BU_LIST, unit=customer.unit):
        return approval
    return None


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
    """Name the overall owner (a segment manager of the customer's segment or the BU VP) and the
    daily relationship owner (an account manager or segment manager of the customer's segment or
    of the whole BU), and the relationship start date. Only owners who will see the customer: a
    new owner outside its segment is refused (an owner kept as it was is not re-judged). Once the
    BU's list is approved, only the BU VP changes owners (ListLocked)."""
    scope = scope_for(actor)
    if not scope.can(Action.ASSIGN_OWNER, customer):
        raise PermissionDenied
    year = owners_list_year(customer)
    if year is not None:
        _check_unlocked(scope, customer.unit, year)
    errors = _owner_errors(
        customer,
        segment=customer.segment,
        overall_owner=overall_owner if overall_owner != customer.overall_owner else None,
        daily_owner=daily_owner if daily_owner != customer.daily_owner else None,
    )
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


# The pipeline's order; a step to an earlier status (e.g. 项目结束 → 初次接触, a new project) is a
# deliberate step back and needs a note saying why.
_PIPELINE_ORDER = {"": -1, **{status: i for i, status in enumerate(PIPELINE)}}


def last_status_step(customer) -> DevelopmentStatusChange | None:
    """The customer's latest recorded step (latest date, then latest recorded)."""
    return (
        DevelopmentStatusChange.objects.filter(customer=customer)
        .select_related("changed_by")
        .order_by("-changed_on", "-pk")
        .first()
    )


@transaction.atomic
def development_status_set(
    *,
    actor,
    customer: Customer,
    status: str,
    seminars_held: int | None = None,
    on=None,
    note: str = "",
    expected_last_step=UNCHECKED,
) -> DevelopmentStatusChange:
    """Move the customer along 初次接触 → 已举办研讨会 (count) → 正起草项目建议 → 项目建议已发出，谈判中 →
    项目结束, keeping a dated record of each step. A step is dated no earlier than the latest one,
    changes something (status or a higher seminar count), never lowers the seminar count, and a
    step back needs a note. With `expected_last_step` (the id of the latest step the form showed,
    None for none) a step over someone else's newer one is refused with ConcurrentUpdate."""
    if not scope_for(actor).can(Action.CHANGE, customer):
        raise PermissionDenied
    if status not in DevelopmentStatus.values:
        raise ValidationError({"status": _("未知的客户发展状态。")})
    current = Customer.objects.select_for_update().get(pk=customer.pk)  # one step at a time
    last = last_status_step(current)
    if expected_last_step is not UNCHECKED and (last.pk if last else None) != expected_last_step:
        raise ConcurrentUpdate(
            _(
                "%(who)s 已在您打开之后将 %(customer)s 的发展状态记录为“%(status)s”（%(when)s）。请核对后再提交。"
            )
            % {
                "who": (last.changed_by if last else None) or _("其他用户"),
                "customer": current.name,
                "status": last.get_to_status_display() if last else _("未开始"),
                "when": last.changed_on.strftime("%Y-%m-%d") if last else "",
            }
        )
    on = on or timezone.localdate()
    note = (note or "").strip()
    seminars = current.seminars_held if seminars_held is None else int(seminars_held)
    labels = dict(DevelopmentStatus.choices)
    errors = {}
    if seminars < 0:
        errors["seminars_held"] = _("研讨会次数不能为负数。")
    elif seminars < current.seminars_held:
        errors["seminars_held"] = _("研讨会次数不能减少（已记录 %(n)s 次）。") % {"n": current.seminars_held}
    elif status == DevelopmentStatus.SEMINARS and seminars < 1:
        errors["seminars_held"] = _("“已举办研讨会”需要至少 1 次研讨会。")
    if on > timezone.localdate():
        errors["on"] = _("日期不能晚于今天。")
    elif last and on < last.changed_on:
        errors["on"] = _("日期不能早于上一步的日期（%(date)s，%(status)s）。") % {
            "date": last.changed_on.strftime("%Y-%m-%d"),
            "status": last.get_to_status_display(),
        }
    if status == current.development_status and seminars == current.seminars_held:
        errors["status"] = _("客户当前已是“%(status)s”，没有变化，无需重复记录。") % {
            "status": labels[status]
        }
    elif _PIPELINE_ORDER[status] < _PIPELINE_ORDER[current.development_status] and not note:
        errors["note"] = _("从“%(from)s”退回到“%(to)s”须在说明中写明原因（例如开始一个新项目）。") % {
            "from": labels[current.development_status],
            "to": labels[status],
        }
    if errors:
        raise ValidationError(errors)
    change = DevelopmentStatusChange.objects.create(
        customer=current,
        from_status=current.development_status,
        to_status=status,
        seminars_held=seminars,
        changed_on=on,
        changed_by=actor,
        note=note[:300],
    )
    updated = customer_update(
        actor=actor, customer=current, development_status=status, seminars_held=seminars
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


def plan_refusal(*, customer: Customer, year: int) -> str:
    """Why no new promotion plan may be made for the customer this year ("" when one may): a
    customer tiered 不考虑 gets no resources (PROCESS.md §2.3.3 item 3: say "no"). Plans made before
    stay editable and closable."""
    if Target.objects.filter(customer=customer, year=year, tier=Tier.NO).exists():
        return _("%(customer)s 的级别为“不考虑”（不投入资源），不能新建推广计划。") % {
            "customer": customer.name
        }
    return ""


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
        refusal = plan_refusal(customer=customer, year=year)
        if refusal:
            raise ValidationError({NON_FIELD_ERRORS: refusal})
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
    """The BU VP decides which segment owns a customer two segments claim, and its overall owner
    (one who sees the customer in that segment). An owner who would no longer see the customer in
    the primary segment is cleared; `resolution.cleared` lists them ({"role", "user"}) to be told."""
    scope = scope_for(actor)
    if not scope.can(Action.MERGE_BU_LIST, customer):
        raise PermissionDenied
    if primary_segment.unit_id != customer.unit_id:
        raise ValidationError({"primary_segment": _("细分市场不属于该业务单元。")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写裁定理由。")})
    errors = _owner_errors(customer, segment=primary_segment, overall_owner=overall_owner)
    if errors:
        raise ValidationError(errors)
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
    cleared = []
    if overall_owner is not None:
        changes["overall_owner"] = overall_owner
    elif customer.overall_owner and _owner_errors(
        customer, segment=primary_segment, overall_owner=customer.overall_owner
    ):
        changes["overall_owner"] = None
        cleared.append({"role": _("总负责人"), "user": customer.overall_owner})
    if customer.daily_owner and _owner_errors(
        customer, segment=primary_segment, daily_owner=customer.daily_owner
    ):
        changes["daily_owner"] = None
        cleared.append({"role": _("日常关系负责人"), "user": customer.daily_owner})
    customer_update(actor=actor, customer=customer, **changes)
    resolution.cleared = cleared
    return resolution


def unresolved_claims(*, unit, year: int) -> list[Customer]:
    """Customers of the BU that a second segment claims for `year` without the BU VP's decision."""
    return list(
        Customer.objects.filter(
            unit=unit,
            pk__in=SegmentClaim.objects.filter(year=year, customer__unit=unit).values("customer_id"),
        )
        .exclude(pk__in=ClaimResolution.objects.filter(year=year).values("customer_id"))
        .order_by("name")
    )


def _names(names, limit: int = 10) -> str:
    names = list(names)
    shown = "、".join(names[:limit])
    if len(names) > limit:
        shown += _("等 %(n)s 个") % {"n": len(names)}
    return shown


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
    unresolved = unresolved_claims(unit=unit, year=year)
    if unresolved:
        raise ValidationError(
            _("以下客户被两个细分市场同时申报，尚未裁定主细分市场，请先在业务单元汇总页裁定：%(customers)s")
            % {"customers": _names(c.name for c in unresolved)}
        )
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
    open_overlaps = [o["name"] for o in bg_overlaps(group=group, year=year) if o["arbitration"] is None]
    if open_overlaps:
        raise ValidationError(
            _("以下公司同时在多个业务单元的名单上，尚未裁定归属：%(names)s")
            % {"names": _names(open_overlaps)}
        )
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


def approval_changes(approval: ListApproval) -> dict:
    """How the list moved on since `approval` (a BU's or, unit empty, the BG's): `changed`, the tier
    decisions made after it; `counts`, the tiers now (the approval's `counts` is the snapshot);
    `differs`, whether those differ from the snapshot; `by_tier`, (label, n) now. Two queries."""
    targets = Target.objects.filter(year=approval.year)
    if approval.unit_id:
        targets = targets.filter(customer__unit_id=approval.unit_id)
    else:
        targets = targets.filter(customer__unit__group_id=approval.group_id)
    counts = _tier_counts(targets)
    snapshot = {tier: (approval.counts or {}).get(tier, 0) for tier in Tier.values}
    return {
        "changed": targets.filter(decided_at__gt=approval.approved_at).count(),
        "counts": counts,
        "differs": counts != snapshot,
        "by_tier": [(label, counts[value]) for value, label in Tier.choices],
    }
