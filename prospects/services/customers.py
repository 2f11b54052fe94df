"""Writes to customers. Every path that creates or changes a customer (forms, admin, Excel import,
commands, inquiries) goes through here."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from prioritization.access import Action, scope_for
from prioritization.models import BusinessUnit, Segment
from prioritization.services.notifications import notify
from prioritization.services.organization import segment_decision_makers
from prospects.completeness import CUSTOMER_FIELDS, FINANCIAL_FIELDS, completeness_percent
from prospects.models import Contact, Customer, CustomerFinancials, normalize_name
from prospects.text import clean_name, clean_text

# Changing any of these is an update of the customer's information: it counts as verified now.
# (Owners, development status and seminars are the tiering stage's business, not information upkeep.)
INFO_FIELDS = frozenset(
    {
        "name", "segment", "size_class", "location", "competitors", "attitude", "brand_rank", "ownership",
        "employees", "disclosures", "it_staff", "source", "industry", "company_type", "partners",
        "products", "phone", "fax", "address", "strategy", "market_position", "latest_developments",
        "it_strategy", "it_vendors",
    }
)  # fmt: skip


def latest_financials(customer_id) -> dict | None:
    return (
        CustomerFinancials.objects.filter(customer_id=customer_id)
        .order_by("-year")
        .values(*FINANCIAL_FIELDS)
        .first()
    )


def completeness_of(customer: Customer, financials: dict | None) -> int:
    return completeness_percent({f: getattr(customer, f) for f in CUSTOMER_FIELDS}, financials)


def customer_completeness_refresh(customer: Customer) -> int:
    value = completeness_of(customer, latest_financials(customer.pk))
    if value != customer.completeness:
        Customer.objects.filter(pk=customer.pk).update(completeness=value)
        customer.completeness = value
    return value


class ConcurrentUpdate(ValidationError):
    """Someone else saved the record after this user loaded it."""


def customer_number_allocate(*, unit: BusinessUnit, count: int = 1) -> list[str]:
    """Reserve `count` consecutive 客户编号 of the BU (e.g. MFG-00012), under a row lock."""
    locked = BusinessUnit.objects.select_for_update().get(pk=unit.pk)
    first = locked.next_customer_seq
    BusinessUnit.objects.filter(pk=unit.pk).update(next_customer_seq=first + count)
    return [f"{unit.code}-{seq:05d}" for seq in range(first, first + count)]


def _check_name(unit, name, exclude_pk=None, actor=None):
    key = normalize_name(name)
    if not key:
        raise ValidationError({"name": _("公司名称不能为空。")})
    clash = Customer.objects.filter(unit=unit, name_key=key).exclude(pk=exclude_pk).first()
    if clash:
        if actor is not None and not scope_for(actor).can(Action.VIEW, clash):
            # Outside the user's scope: say that it exists, not which record it is.
            raise ValidationError(
                {"name": _("本业务单元已有同名客户（不在您的查看范围内），请联系业务单元负责人。")}
            )
        raise ValidationError(
            {
                "name": _("本业务单元已有同名客户：%(number)s %(name)s。")
                % {"number": clash.number, "name": clash.name}
            }
        )
    return key


def _clean_texts(fields: dict) -> dict:
    """Text as stored everywhere (prospects.text): a name on one line, other text with LF line
    breaks and no invisible characters, so that an exported value imported back is the same."""
    return {
        name: (clean_name(value) if name == "name" else clean_text(value))
        if isinstance(value, str)
        else value
        for name, value in fields.items()
    }


def _derived_size(customer: Customer, financials: dict | None) -> str:
    """规模 from the latest revenue and the BU's bands when none is set (the import's rule, so that
    a customer edited here and exported imports back unchanged)."""
    if customer.size_class or not financials or financials.get("revenue") is None:
        return customer.size_class
    from criteria.selectors import size_bands_for
    from prospects.excel.validator import size_class_for

    year = (
        CustomerFinancials.objects.filter(customer_id=customer.pk)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    bands = size_bands_for(unit=customer.unit, year=(year or timezone.now().year) + 1)
    return size_class_for(financials["revenue"], bands)


@transaction.atomic
def customer_create(
    *, actor, unit: BusinessUnit, segment: Segment | None = None, name: str, **fields
) -> Customer:
    if segment is not None and segment.unit_id != unit.pk:
        raise ValidationError({"segment": _("细分市场不属于该业务单元。")})
    if not scope_for(actor).can_in(Action.IMPORT, unit=unit, segment=segment):
        raise PermissionDenied
    name = clean_name(name)
    fields = _clean_texts(fields)
    key = _check_name(unit, name, actor=actor)
    (number,) = customer_number_allocate(unit=unit)
    customer = Customer(
        unit=unit,
        segment=segment,
        number=number,
        name=name,
        name_key=key,
        created_by=actor,
        updated_by=actor,
        last_verified_at=timezone.now(),
        **fields,
    )
    customer.completeness = completeness_of(customer, None)
    customer._history_user = actor
    customer.full_clean(exclude=["number", "name_key"])
    customer.save()
    return customer


@transaction.atomic
def customer_update(
    *, actor, customer: Customer, expected_version: int | None = None, major_change: str = "", **changes
) -> Customer:
    """Apply `changes`; with `expected_version` a save over someone else's newer save is refused.
    A non-empty `major_change` (what happened) tells the customer's owners and the segment's
    decision makers, by e-mail and in-app (2.3.2: "report major customer news")."""
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
    changes = _clean_texts(changes)
    if "name" in changes:
        changes["name_key"] = _check_name(current.unit, changes["name"], exclude_pk=current.pk, actor=actor)
    if (
        "segment" in changes
        and changes["segment"] is not None
        and changes["segment"].unit_id != current.unit_id
    ):
        raise ValidationError({"segment": _("细分市场不属于该业务单元。")})
    before = {field: getattr(current, field) for field in changes}
    for field, value in changes.items():
        setattr(current, field, value)
    changed = [field for field in changes if before[field] != getattr(current, field)]
    current.updated_by = actor
    current.version += 1
    if INFO_FIELDS.intersection(changes):
        current.last_verified_at = timezone.now()
    financials = latest_financials(current.pk)
    current.size_class = _derived_size(current, financials)
    current.completeness = completeness_of(current, financials)
    current.full_clean(exclude=["number", "name_key"])
    current._change_reason = major_change[:100] if major_change else None
    current._history_user = actor  # also outside a request (commands, tasks)
    current.save()
    if major_change.strip():
        _notify_major_change(actor=actor, customer=current, note=major_change.strip(), changed=changed)
    return current


def _notify_major_change(*, actor, customer: Customer, note: str, changed: list[str]) -> None:
    recipients = [customer.overall_owner, customer.daily_owner]
    if customer.segment_id:
        recipients += segment_decision_makers(customer.segment)
    labels = [str(Customer._meta.get_field(f).verbose_name) for f in changed if f != "name_key"]
    notify(
        recipients=[u for u in recipients if u is not None and u.pk != actor.pk],
        key=f"customer-major-change:{customer.pk}:{customer.version}",
        template="emails/prospects/major_change.txt",
        context={"customer": customer, "actor": actor, "note": note, "fields": labels},
        url=reverse("prospects:customer_detail", args=[customer.pk]),
    )


@transaction.atomic
def customer_mark_verified(*, actor, customer: Customer, now=None) -> Customer:
    """The researcher checked the record and it is still right (2.3.4: every six months)."""
    if not scope_for(actor).can(Action.CHANGE, customer):
        raise PermissionDenied
    now = now or timezone.now()
    Customer.objects.filter(pk=customer.pk).update(last_verified_at=now, updated_by=actor)
    customer.last_verified_at = now
    return customer


@transaction.atomic
def customer_financials_set(*, actor, customer: Customer, year: int, **figures) -> CustomerFinancials:
    """Record a year's revenue, profit, IT spend and purchases from us (万元)."""
    if not scope_for(actor).can(Action.CHANGE, customer):
        raise PermissionDenied
    unknown = set(figures) - {"revenue", "profit", "it_spend", "purchases_from_us"}
    if unknown:
        raise TypeError(f"unknown figures: {sorted(unknown)}")
    row, _created = CustomerFinancials.objects.get_or_create(customer=customer, year=year)
    for name, value in figures.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    Customer.objects.filter(pk=customer.pk).update(last_verified_at=timezone.now(), updated_by=actor)
    current = Customer.objects.get(pk=customer.pk)
    size = _derived_size(current, latest_financials(customer.pk))
    if size != current.size_class:  # kept in the customer's history like any change
        current.size_class = customer.size_class = size
        current._history_user = actor
        current._change_reason = _("按营业额划分规模")
        current.save(update_fields=["size_class", "updated_at"])
    customer_completeness_refresh(customer)
    return row


@transaction.atomic
def contact_save(*, actor, customer: Customer, contact: Contact | None = None, **fields) -> Contact:
    """Create or change a contact person; making one primary makes the others not primary."""
    if not scope_for(actor).can(Action.CHANGE, customer):
        raise PermissionDenied
    if contact is not None and contact.customer_id != customer.pk:
        raise PermissionDenied
    contact = contact or Contact(customer=customer)
    for name, value in fields.items():
        setattr(contact, name, value)
    if not customer.contacts.exclude(pk=contact.pk).exists():
        contact.is_primary = True  # the only contact is the primary one
    if contact.is_primary:
        customer.contacts.exclude(pk=contact.pk).filter(is_primary=True).update(is_primary=False)
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, actor, customer: Customer, contact: Contact) -> None:
    if not scope_for(actor).can(Action.CHANGE, customer) or contact.customer_id != customer.pk:
        raise PermissionDenied
    was_primary = contact.is_primary
    contact.delete()
    if was_primary:
        successor = customer.contacts.order_by("pk").first()
        if successor:
            successor.is_primary = True
            successor.save(update_fields=["is_primary"])


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


@transaction.atomic
def prospect_add(
    *,
    actor,
    unit: BusinessUnit,
    segment: Segment,
    year: int,
    name: str,
    figures: dict | None = None,
    **fields,
) -> Customer:
    """The researcher's add-customer form (2.3.2): a new customer on the segment's list for the
    planning `year`, with the figures of `year - 1` (万元)."""
    customer = customer_create(actor=actor, unit=unit, segment=segment, name=name, **fields)
    figures = {k: v for k, v in (figures or {}).items() if v is not None}
    if figures:
        CustomerFinancials.objects.create(customer=customer, year=year - 1, **figures)
        customer_completeness_refresh(customer)
    prospect_list_add(actor=actor, customer=customer, year=year, origin="manual")
    return customer
