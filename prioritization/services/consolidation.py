"""BU and BG consolidation (PROCESS.md §2.3.3 item 8): the BU's merged list and the BG's list as
workbooks, the overlaps between BUs and the BG VP's arbitration of a company two BUs both hold."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from prioritization.access import Action, scope_for
from prioritization.models import (
    AuditEvent,
    BusinessGroup,
    ClaimResolution,
    ListApproval,
    Target,
    UnitArbitration,
)
from prioritization.selectors.targets import target_rows
from prioritization.services.audit import audit_record
from prioritization.services.workbooks import TIER_HEADERS, TIER_SHEET
from prioritization.tiers import Tier

BU_SHEET = "业务单元汇总名单"
BG_SHEET = "业务群分级名单"


def may_approve_bg(actor, group) -> bool:
    scope = scope_for(actor)
    return (
        scope.is_admin
        or scope.filter(BusinessGroup.objects.filter(pk=group.pk), Action.APPROVE_BG_LIST).exists()
    )


def bg_overlaps(*, group, year: int) -> list[dict]:
    """Companies (same normalised name) that two or more BUs of the group hold as decided targets
    (tier 1–3) for the year, with the BG VP's arbitration when there is one. Two queries."""
    targets = (
        Target.objects.filter(year=year, customer__unit__group=group)
        .exclude(tier="")
        .exclude(tier=Tier.NO)
        .select_related("customer__unit", "customer__overall_owner")
        .order_by("customer__name_key", "customer__unit__code")
    )
    by_name = defaultdict(list)
    for target in targets:
        by_name[target.customer.name_key].append(target)
    decided = {
        a.name_key: a
        for a in UnitArbitration.objects.filter(group=group, year=year).select_related(
            "primary_unit", "decided_by"
        )
    }
    return [
        {"name_key": key, "name": rows[0].customer.name, "targets": rows, "arbitration": decided.get(key)}
        for key, rows in by_name.items()
        if len({t.customer.unit_id for t in rows}) > 1
    ]


@transaction.atomic
def unit_arbitrate(
    *, actor, group, year: int, name_key: str, primary_unit, reason: str, now=None
) -> UnitArbitration:
    """The BG VP decides which BU owns a company two BUs both hold, with the reason; kept with who
    and when (a later decision replaces it, its history stays)."""
    if not may_approve_bg(actor, group):
        raise PermissionDenied
    overlap = next((o for o in bg_overlaps(group=group, year=year) if o["name_key"] == name_key), None)
    if overlap is None:
        raise ValidationError({"name_key": _("该公司不是两个业务单元共同的目标客户。")})
    if primary_unit.pk not in {t.customer.unit_id for t in overlap["targets"]}:
        raise ValidationError({"primary_unit": _("请选择持有该客户的业务单元之一。")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写裁定理由。")})
    arbitration = UnitArbitration.objects.filter(group=group, year=year, name_key=name_key).first()
    arbitration = arbitration or UnitArbitration(group=group, year=year, name_key=name_key)
    arbitration.name = overlap["name"]
    arbitration.primary_unit = primary_unit
    arbitration.reason = reason[:500]
    arbitration.decided_by = actor
    arbitration.decided_at = now or timezone.now()
    arbitration._history_user = actor
    arbitration.save()
    return arbitration


# --- workbooks -----------------------------------------------------------------------------------


def _text(ws, value):
    """A text cell stays text: a value beginning with = + - @ or a tab never becomes a formula."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value:
        cell.data_type = "s"
    return cell


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _status(customer) -> str:
    status = str(customer.get_development_status_display()) if customer.development_status else ""
    if customer.development_status == "seminars":
        status = f"{status}（{customer.seminars_held}）"
    return status


def _tier_cells(ws, customer, target, labels):
    def number(value):
        return float(value) if value is not None else None

    return [
        _text(ws, customer.number),
        _text(ws, customer.name),
        _text(ws, customer.segment.name if customer.segment else ""),
        number(target.attractiveness) if target else None,
        number(target.feasibility) if target else None,
        target.rank if target else None,
        _text(ws, str(labels.get(target.proposed_tier, "")) if target else ""),
        _text(ws, str(labels.get(target.tier, "")) if target else ""),
        _text(ws, _person(customer.overall_owner)),
        _text(ws, _person(customer.daily_owner)),
        _text(ws, _status(customer)),
    ]


def bu_list_write(out, *, actor, unit, year: int) -> int:
    """The BU's merged list: every segment's customers with scores and tiers, plus the BU VP's
    decision on customers two segments claimed (sheet 业务单元汇总名单, tier-list columns first)."""
    if not scope_for(actor).can_in(Action.MERGE_BU_LIST, unit=unit):
        raise PermissionDenied
    rows = target_rows(user=actor, unit=unit, year=year)
    resolutions = {
        r.customer_id: r
        for r in ClaimResolution.objects.filter(year=year, customer__unit=unit).select_related(
            "primary_segment"
        )
    }
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(BU_SHEET)
    ws.append([_text(ws, h) for h in [*TIER_HEADERS, "重叠裁定"]])
    labels = dict(Tier.choices)
    for customer, target in rows:
        resolution = resolutions.get(customer.pk)
        note = f"{resolution.primary_segment.name}：{resolution.reason}" if resolution else ""
        ws.append([*_tier_cells(ws, customer, target, labels), _text(ws, note)])
    wb.save(out)
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        actor=actor,
        unit=unit,
        target=f"bu list {year}",
        detail={"rows": len(rows)},
    )
    return len(rows)


def bg_list_write(out, *, actor, group, year: int) -> int:
    """The BG list: every BU's decided targets with its approval state and the BG VP's arbitration
    of companies two BUs hold (sheet 业务群分级名单). Three queries whatever the size."""
    if not may_approve_bg(actor, group):
        raise PermissionDenied
    targets = (
        Target.objects.filter(year=year, customer__unit__group=group)
        .exclude(tier="")
        .select_related(
            "customer__unit", "customer__segment", "customer__overall_owner", "customer__daily_owner"
        )
        .order_by("customer__unit__code", "customer__segment__code", "rank", "customer__name")
    )
    approved = set(
        ListApproval.objects.filter(group=group, year=year, unit__isnull=False).values_list(
            "unit_id", flat=True
        )
    )
    arbitrations = {
        a.name_key: a
        for a in UnitArbitration.objects.filter(group=group, year=year).select_related("primary_unit")
    }
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(BG_SHEET)
    ws.append([_text(ws, h) for h in ["业务单元", "名单状态", *TIER_HEADERS, "业务群裁定"]])
    labels = dict(Tier.choices)
    n = 0
    for target in targets:
        customer = target.customer
        arbitration = arbitrations.get(customer.name_key)
        if arbitration is None:
            note = ""
        elif arbitration.primary_unit_id == customer.unit_id:
            note = _("归属本业务单元：%(reason)s") % {"reason": arbitration.reason}
        else:
            note = _("已裁定归属 %(unit)s：%(reason)s") % {
                "unit": arbitration.primary_unit.name,
                "reason": arbitration.reason,
            }
        ws.append(
            [
                _text(ws, customer.unit.name),
                _text(ws, str(_("已批准") if customer.unit_id in approved else _("未批准"))),
                *_tier_cells(ws, customer, target, labels),
                _text(ws, note),
            ]
        )
        n += 1
    wb.save(out)
    audit_record(
        kind=AuditEvent.Kind.EXPORT, actor=actor, target=f"bg list {group.code} {year}", detail={"rows": n}
    )
    return n


__all__ = [
    "BG_SHEET",
    "BU_SHEET",
    "TIER_SHEET",
    "bg_list_write",
    "bg_overlaps",
    "bu_list_write",
    "unit_arbitrate",
]
