"""Writes to the organisation: units, segments and role memberships."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from prioritization.access import Action, scope_for, scope_forget
from prioritization.models import (
    ROLE_LEVELS,
    AuditEvent,
    BusinessGroup,
    BusinessUnit,
    Membership,
    Role,
    Segment,
)
from prioritization.services.audit import audit_record


def _place_fields(place) -> dict:
    if isinstance(place, Segment):
        return {"group": place.unit.group, "unit": place.unit, "segment": place}
    if isinstance(place, BusinessUnit):
        return {"group": place.group, "unit": place, "segment": None}
    if isinstance(place, BusinessGroup):
        return {"group": place, "unit": None, "segment": None}
    raise ValidationError(_("角色必须任命在业务群、业务单元或细分市场上。"))


def _level(place) -> str:
    return {Segment: "segment", BusinessUnit: "unit", BusinessGroup: "group"}[type(place)]


def membership_validate(*, role: str, place) -> dict:
    fields = _place_fields(place)
    if _level(place) not in ROLE_LEVELS[Role(role)]:
        levels = {"group": _("业务群"), "unit": _("业务单元"), "segment": _("细分市场")}
        allowed = "、".join(str(levels[lv]) for lv in sorted(ROLE_LEVELS[Role(role)]))
        raise ValidationError(
            _("“%(role)s”只能任命在%(levels)s上。") % {"role": Role(role).label, "levels": allowed}
        )
    return fields


@transaction.atomic
def membership_grant(*, actor, user, role: str, place) -> Membership:
    """Give `user` the `role` on `place` (a BG, BU or segment). Idempotent."""
    fields = membership_validate(role=role, place=place)
    unit = fields.get("unit")
    scope = scope_for(actor)
    allowed = (
        scope.is_admin
        if unit is None
        else scope.can_in(Action.MANAGE_ORG, unit=unit, segment=fields.get("segment"))
    )
    if not allowed:
        raise PermissionDenied
    membership, created = Membership.objects.get_or_create(user=user, role=role, **fields)
    scope_forget(user)
    if created:
        audit_record(
            kind=AuditEvent.Kind.ROLE_GRANTED, actor=actor, unit=unit, target=membership,
            detail={"user": user.get_username(), "role": role, "place": str(place)},
        )  # fmt: skip
    return membership


@transaction.atomic
def membership_revoke(*, actor, membership: Membership) -> None:
    if not scope_for(actor).can(Action.MANAGE_ORG, membership):
        raise PermissionDenied
    audit_record(
        kind=AuditEvent.Kind.ROLE_REVOKED, actor=actor, unit=membership.unit, target=membership,
        detail={"user": membership.user.get_username(), "role": membership.role, "place": str(membership.place)},
    )  # fmt: skip
    membership.delete()
    scope_forget(membership.user)


def segment_decision_makers(segment: Segment) -> list:
    """Who decides for a segment: its segment managers, or — in a BU without one — the BU VPs."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    managers = list(
        user_model.objects.filter(
            is_active=True, memberships__role=Role.SEGMENT_MANAGER, memberships__segment=segment
        ).distinct()
    )
    if managers:
        return managers
    return list(
        user_model.objects.filter(
            is_active=True,
            memberships__role=Role.BU_VP,
            memberships__unit_id=segment.unit_id,
            memberships__segment__isnull=True,
        ).distinct()
    )


ORG_MANAGER_PERMISSIONS = [
    "view_businessgroup", "view_businessunit", "change_businessunit",
    "view_segment", "add_segment", "change_segment",
    "view_membership", "add_membership", "change_membership", "delete_membership",
]  # fmt: skip


def org_manager_permissions_grant(user) -> None:
    """Let a staff BG/BU VP use the admin console for the units, segments and memberships of their
    scope (the console filters by scope; these permissions only open its pages)."""
    from django.contrib.auth.models import Permission

    perms = Permission.objects.filter(
        content_type__app_label="prioritization", codename__in=ORG_MANAGER_PERMISSIONS
    )
    user.user_permissions.add(*perms)
    user.user_permissions.add(
        *Permission.objects.filter(codename="view_user", content_type__app_label="auth")
    )
