"""The contact log of target customers (PROCESS.md §2.3.3 item 4): the weekly reminder to owners of
customers whose next contact is overdue by their tier's cadence (sent once per owner per ISO week,
whatever how often the beat sweep runs; recipients see only customers within their own scope; each
BU's planning year in force, as on the home page; the cadence clock of `selectors.cadence`), and
editing or deleting an entry (its author or the BU VP; optimistic lock; history kept)."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from prioritization.access import Action, scope_for
from prioritization.models import BusinessUnit, ContactLog
from prioritization.selectors.planning import planning_years_in_force
from prioritization.selectors.targets import overdue_customers
from prioritization.services.notifications import Notifier
from prioritization.tiers import Tier
from prospects.models import Customer
from prospects.services.customers import ConcurrentUpdate

TEMPLATE = "emails/prioritization/overdue_contacts.txt"
SEND_FROM_HOUR = 8  # Monday's reminder goes out from 08:00 local time
MAX_LISTED = 50


def week_key(today) -> str:
    iso = today.isocalendar()
    return f"contacts-overdue:{iso.year}-W{iso.week:02d}"


def overdue_by_owner(*, today, year: int | None = None) -> dict:
    """owner → overdue rows (customer, tier label, due date, last contact, year) of the target
    customers (tier 1–3) of each BU's planning year in force — or of `year` in every BU — by name.
    A fixed number of queries per BU with a version in force, whatever its number of customers."""
    if year is None:
        years = planning_years_in_force()
    else:
        years = dict.fromkeys(BusinessUnit.objects.values_list("pk", flat=True), year)
    labels = dict(Tier.choices)
    result = defaultdict(list)
    for unit_id, unit_year in sorted(years.items()):
        for customer in overdue_customers(unit=unit_id, year=unit_year, today=today):
            row = {
                "customer": customer,
                "tier_label": labels[customer.target_tier],
                "due_on": customer.due_on,
                "last_contact": customer.last_contact,
                "year": unit_year,
            }
            for owner in {customer.overall_owner, customer.daily_owner} - {None}:
                if owner.is_active:
                    result[owner].append(row)
    for rows in result.values():
        rows.sort(key=lambda r: (r["customer"].name, r["customer"].pk))
    return result


def overdue_contacts_remind(*, now=None, year: int | None = None) -> int:
    """Tell each owner, once this ISO week, which of their target customers are overdue for
    contact, in each BU's planning year in force (`year`: that year in every BU). Returns the
    number of reminders recorded now (0 on a repeat run in the same week)."""
    now = timezone.localtime(now or timezone.now())
    if now.weekday() == 0 and now.hour < SEND_FROM_HOUR:
        return 0
    today = now.date()
    key = week_key(today)
    notifier = Notifier()
    for owner, rows in overdue_by_owner(year=year, today=today).items():
        visible = set(
            scope_for(owner)
            .filter(Customer.objects.filter(pk__in=[r["customer"].pk for r in rows]), Action.VIEW)
            .values_list("pk", flat=True)
        )
        rows = [r for r in rows if r["customer"].pk in visible]
        if not rows:
            continue
        unit, unit_year = rows[0]["customer"].unit, rows[0]["year"]
        notifier.add(
            recipients=[owner],
            key=key,
            template=TEMPLATE,
            context={"rows": rows[:MAX_LISTED], "count": len(rows), "year": unit_year},
            url=f"{reverse('prioritization:contacts_due')}?bu={unit.code}&year={unit_year}&mine=1",
        )
    with transaction.atomic():
        return len(notifier.flush())


# --- editing and deleting an entry of the contact log --------------------------------------------

EDITABLE_FIELDS = ("contacted_on", "kind", "decision_makers", "notes")


def contact_may_edit(*, actor, customer: Customer, log: ContactLog) -> bool:
    """The entry's author (while they may still keep the customer's log) and the BU VP of the
    customer's BU (who holds the BU-list duty; administrators too) may edit or delete an entry."""
    return log.pk in contact_editable_ids(actor=actor, customer=customer, logs=[log])


def contact_editable_ids(*, actor, customer: Customer, logs) -> set[int]:
    """The ids of the entries among `logs` (the customer's) that `actor` may edit or delete."""
    scope = scope_for(actor)
    if not scope.can(Action.CHANGE, customer):
        return set()
    bu_vp = scope.can(Action.MERGE_BU_LIST, customer)
    return {
        log.pk for log in logs if log.customer_id == customer.pk and (bu_vp or log.logged_by_id == actor.pk)
    }


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _locked(*, actor, customer: Customer, log: ContactLog, expected_version: int) -> ContactLog:
    """The entry under a row lock, unchanged since the actor's page showed `expected_version`;
    else ConcurrentUpdate naming who changed (or deleted) it and when."""
    if not contact_may_edit(actor=actor, customer=customer, log=log):
        raise PermissionDenied
    current = ContactLog.objects.select_for_update().filter(pk=log.pk, customer=customer).first()
    if current is None:
        gone = (
            ContactLog.history.filter(id=log.pk, history_type="-")
            .select_related("history_user")
            .order_by("-history_id")
            .first()
        )
        raise ConcurrentUpdate(
            _("%(who)s 已在您打开之后删除了这条接触记录（%(when)s）。")
            % {
                "who": (gone.history_user if gone else None) or _("其他用户"),
                "when": _when(gone.history_date if gone else None),
            }
        )
    if current.version != expected_version:
        raise ConcurrentUpdate(
            _(
                "%(who)s 已在您打开之后修改了这条接触记录（%(when)s），现为：%(date)s %(kind)s。请核对后再保存。"
            )
            % {
                "who": current.edited_by or _("其他用户"),
                "when": _when(current.edited_at),
                "date": current.contacted_on.isoformat(),
                "kind": current.get_kind_display(),
            }
        )
    return current


@transaction.atomic
def contact_update(
    *, actor, customer: Customer, log: ContactLog, expected_version: int, **changes
) -> ContactLog:
    """Change an entry of the customer's contact log (date, type, decision makers met, notes).
    Refused with ConcurrentUpdate when someone changed or deleted it after the page was opened;
    the history keeps every earlier state with who changed it and when."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    current = _locked(actor=actor, customer=customer, log=log, expected_version=expected_version)
    if "kind" in changes and changes["kind"] not in ContactLog.Kind.values:
        raise ValidationError({"kind": _("未知的接触方式。")})
    if "contacted_on" in changes and changes["contacted_on"] > timezone.localdate():
        raise ValidationError({"contacted_on": _("接触日期不能晚于今天。")})
    if "decision_makers" in changes:
        changes["decision_makers"] = (changes["decision_makers"] or "")[:300]
    if all(getattr(current, name) == value for name, value in changes.items()):
        return current  # nothing changed: no new version, no history row
    for name, value in changes.items():
        setattr(current, name, value)
    current.version += 1
    current.edited_by = actor
    current.edited_at = timezone.now()
    current._history_user = actor
    current.save()
    return current


@transaction.atomic
def contact_delete(*, actor, customer: Customer, log: ContactLog, expected_version: int) -> None:
    """Delete an entry of the customer's contact log; the history keeps it with who deleted it."""
    current = _locked(actor=actor, customer=customer, log=log, expected_version=expected_version)
    current._history_user = actor
    current.delete()


def contact_changes(customer: Customer, *, limit: int = 20) -> list[dict]:
    """The latest edits and deletions of the customer's contact log (the audit shown on its page),
    newest first: who, when and, for an edit, which fields changed from what to what. One query
    over the customer's log history (a few rows per entry)."""
    rows = (
        ContactLog.history.filter(customer_id=customer.pk)
        .select_related("history_user")
        .order_by("history_id")
    )
    previous = {}  # entry id → its state before the row being read
    changes = []
    for row in rows:
        before = previous.get(row.id)
        previous[row.id] = row
        if row.history_type == "+":
            continue
        fields = []
        if row.history_type == "~" and before is not None:
            for name in EDITABLE_FIELDS:
                old, new = getattr(before, name), getattr(row, name)
                if old != new:
                    fields.append(
                        {
                            "label": ContactLog._meta.get_field(name).verbose_name,
                            "old": _shown(name, old),
                            "new": _shown(name, new),
                        }
                    )
        changes.append({"row": row, "deleted": row.history_type == "-", "fields": fields})
    return changes[::-1][:limit]


def _shown(name, value) -> str:
    if name == "kind":
        return str(dict(ContactLog.Kind.choices).get(value, value))
    if name == "contacted_on":
        return value.isoformat() if value else ""
    return str(value or "")
