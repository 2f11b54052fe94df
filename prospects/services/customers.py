"""Writes to customers. Every path that creates or changes a customer (forms, admin, Excel import,
commands, inquiries) goes through here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prioritization.access import Action, scope_for
from prioritization.models import BusinessUnit, Segment
from prospects.models import Customer, normalize_name


class ConcurrentUpdate(ValidationError):
    """Someone else saved the record after this user loaded it."""


def customer_number_allocate(*, unit: BusinessUnit, count: int = 1) -> list[str]:
    """Reserve `count` consecutive 客户编号 of the BU (e.g. MFG-00012), under a row lock."""
    locked = BusinessUnit.objects.select_for_update().get(pk=unit.pk)
    first = locked.next_customer_seq
    BusinessUnit.objects.filter(pk=unit.pk).update(next_customer_seq=first + count)
    return [f"{unit.code}-{seq:05d}" for seq in range(first, first + count)]


def _check_name(unit, name, exclude_pk=None):
    key = normalize_name(name)
    if not key:
        raise ValidationError({"name": _("公司名称不能为空。")})
    clash = Customer.objects.filter(unit=unit, name_key=key).exclude(pk=exclude_pk).first()
    if clash:
        raise ValidationError(
            {
                "name": _("本业务单元已有同名客户：%(number)s %(name)s。")
                % {"number": clash.number, "name": clash.name}
            }
        )
    return key


@transaction.atomic
def customer_create(
    *, actor, unit: BusinessUnit, segment: Segment | None = None, name: str, **fields
) -> Customer:
    if segment is not None and segment.unit_id != unit.pk:
        raise ValidationError({"segment": _("细分市场不属于该业务单元。")})
    if not scope_for(actor).can_in(Action.IMPORT, unit=unit, segment=segment):
        raise PermissionDenied
    key = _check_name(unit, name)
    (number,) = customer_number_allocate(unit=unit)
    customer = Customer(
        unit=unit,
        segment=segment,
        number=number,
        name=name.strip(),
        name_key=key,
        created_by=actor,
        updated_by=actor,
        last_verified_at=timezone.now(),
        **fields,
    )
    customer.full_clean(exclude=["number", "name_key"])
    customer.save()
    return customer


@transaction.atomic
def customer_update(*, actor, customer: Customer, expected_version: int | None = None, **changes) -> Customer:
    """Apply `changes`; with `expected_version` a save over someone else's newer save is refused."""
    scope = scope_for(actor)
    if not scope.can(Action.CHANGE, customer):
        raise PermissionDenied
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentUpdate(
            _("%(who)s 已在您打开之后修改了此客户（%(when)s）。请重新打开后再保存。")
            % {
                "who": current.updated_by or _("其他用户"),
                "when": timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
    if "name" in changes:
        changes["name_key"] = _check_name(current.unit, changes["name"], exclude_pk=current.pk)
        changes["name"] = changes["name"].strip()
    if (
        "segment" in changes
        and changes["segment"] is not None
        and changes["segment"].unit_id != current.unit_id
    ):
        raise ValidationError({"segment": _("细分市场不属于该业务单元。")})
    for field, value in changes.items():
        setattr(current, field, value)
    current.updated_by = actor
    current.version += 1
    current.full_clean(exclude=["number", "name_key"])
    current.save()
    return current


@transaction.atomic
def prospect_list_add(*, actor, customer: Customer, year: int, origin: str = "manual"):
    """Put a customer on its BU's list for `year` (idempotent)."""
    from prospects.models import ListEntry

    if not scope_for(actor).can(Action.IMPORT, customer):
        raise PermissionDenied
    entry, _created = ListEntry.objects.get_or_create(
        customer=customer, year=year, defaults={"origin": origin, "added_by": actor}
    )
    return entry
