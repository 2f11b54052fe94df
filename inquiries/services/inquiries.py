"""Writes to inquiries: log, complete, classify, decide, list as target, material sent, follow-up,
close. Every path (web, commands, demo) goes through here; each takes `now=` so tests move the clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from inquiries import sla
from inquiries.models import BusinessCalendar, Decision, Inquiry, SlaBreach, Status
from prioritization.access import Action, scope_for
from prioritization.models import Role
from prioritization.services.notifications import notify
from prioritization.services.organization import segment_decision_makers
from prospects.models import Customer, ListEntry, normalize_name
from prospects.services.customers import customer_create, prospect_list_add

# A record is complete (the 30-minute logging clock is met) once these are filled.
REQUIRED_FOR_COMPLETE = ("company_name", "phone", "contact_name", "request_type", "description")
DETAIL_FIELDS = (
    "industry", "customer_category", "contact_name", "contact_title", "email", "request_type",
    "description", "first_handling",
)  # fmt: skip
# A call time a little in the future is a clock skew between phone and server, not an error.
FUTURE_TOLERANCE = timedelta(minutes=5)
# A call logged more than this long after it came in is a typing error (a wrong year), not a late
# entry: it would start clocks long overdue and count in reports as years of delay.
PAST_LIMIT = timedelta(days=30)


def calendar_for(unit) -> sla.BusinessCalendar | None:
    calendar = BusinessCalendar.objects.filter(unit=unit).first()
    return calendar.to_sla() if calendar else None


def decision_makers(inquiry: Inquiry) -> list:
    """Who decides: the segment's managers, or the BU VPs when the segment has none (or is unknown)."""
    if inquiry.segment_id is not None:
        return segment_decision_makers(inquiry.segment)
    return bu_vps(inquiry.unit_id)


def bu_vps(unit_id) -> list:
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__role=Role.BU_VP,
            memberships__unit_id=unit_id,
            memberships__segment__isnull=True,
        )
        .distinct()
    )


def bg_vps(group_id) -> list:
    return list(
        get_user_model()
        .objects.filter(is_active=True, memberships__role=Role.BG_VP, memberships__group_id=group_id)
        .distinct()
    )


def inquiry_url(inquiry: Inquiry) -> str:
    return reverse("inquiries:detail", args=[inquiry.pk])


def is_complete(values) -> bool:
    return all((getattr(values, f, "") or "").strip() for f in REQUIRED_FOR_COMPLETE)


def refresh_next_sla(inquiry: Inquiry) -> None:
    inquiry.next_sla_at = sla.next_check_at(inquiry.clocks())


def _set_reply_deadline(inquiry: Inquiry, calendar, *, now: datetime) -> bool:
    """Set the reply deadline for the inquiry's importance, unless the reply clock is no longer
    running (answered, or its deadline already missed): a deadline missed stays missed, recorded
    and counted, whatever importance is chosen later. True when the deadline was (re)set."""
    if not sla.reply_deadline_may_move(due_at=inquiry.reply_due_at, replied_at=inquiry.replied_at, now=now):
        return False
    deadline = sla.reply_deadline(inquiry.call_at, inquiry.importance or None, calendar)
    inquiry.reply_remind_at, inquiry.reply_due_at = deadline.remind_at, deadline.due_at
    return True


def _record_met(inquiry: Inquiry, clock: str, due_at: datetime, met_at: datetime) -> None:
    """A clock met late is a breach, recorded with its lateness."""
    late = sla.lateness(due_at, met_at)
    if late is None:
        return
    breach, created = SlaBreach.objects.get_or_create(
        inquiry=inquiry,
        clock=clock,
        defaults={"due_at": due_at, "detected_at": met_at, "met_at": met_at, "lateness": late},
    )
    if not created:
        SlaBreach.objects.filter(pk=breach.pk).update(met_at=met_at, lateness=late)


def _check_customer(scope, customer: Customer | None, unit) -> None:
    if customer is None:
        return
    if customer.unit_id != unit.pk or not scope.can(Action.VIEW, customer):
        raise ValidationError({"customer": _("所选客户不存在或不在您的权限范围内。")})


@transaction.atomic
def inquiry_log(
    *,
    actor,
    unit,
    segment=None,
    call_at: datetime,
    company_name: str,
    phone: str,
    customer: Customer | None = None,
    now: datetime | None = None,
    **details,
) -> Inquiry:
    """Record a call. With company and phone only, it is a quick capture that starts the 30-minute
    logging clock; with the full record it is complete at once. The segment's decision makers are
    told now (in-app and e-mail)."""
    now = now or timezone.now()
    scope = scope_for(actor)
    if segment is None and customer is not None:
        segment = customer.segment
    if segment is not None and segment.unit_id != unit.pk:
        raise ValidationError({"segment": _("细分市场不属于该业务单元。")})
    if not scope.can_in(Action.LOG_INQUIRY, unit=unit, segment=segment):
        raise PermissionDenied
    _check_customer(scope, customer, unit)
    if call_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"call_at": _("来电时间不能晚于现在。")})
    if call_at < now - PAST_LIMIT:
        raise ValidationError(
            {
                "call_at": _("来电时间不能早于 %(days)s 天前，请检查日期（特别是年份）。")
                % {"days": PAST_LIMIT.days}
            }
        )
    company_name = (company_name or "").strip() or (customer.name if customer else "")
    if not company_name:
        raise ValidationError({"company_name": _("请填写公司名称。")})
    if not (phone or "").strip():
        raise ValidationError({"phone": _("请填写电话。")})
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"unknown inquiry fields: {sorted(unknown)}")
    calendar = calendar_for(unit)
    log = sla.log_deadline(call_at, calendar)
    inquiry = Inquiry(
        unit=unit,
        segment=segment,
        customer=customer,
        call_at=call_at,
        company_name=company_name,
        phone=phone.strip(),
        logged_by=actor,
        created_at=now,
        log_remind_at=log.remind_at,
        log_due_at=log.due_at,
        **{k: (v or "").strip() if isinstance(v, str) else v for k, v in details.items()},
    )
    _set_reply_deadline(inquiry, calendar, now=now)
    if is_complete(inquiry):
        inquiry.completed_at = now
        inquiry.status = Status.LOGGED
    inquiry.full_clean(exclude=["logged_by"])
    refresh_next_sla(inquiry)
    inquiry.save()
    if inquiry.completed_at:
        _record_met(inquiry, sla.ClockName.LOG, inquiry.log_due_at, inquiry.completed_at)
    notify(
        recipients=decision_makers(inquiry),
        key=f"inquiry:{inquiry.pk}:logged",
        template="emails/inquiries/logged.txt",
        context={"inquiry": inquiry, "say_no": _said_no(inquiry)},
        url=inquiry_url(inquiry),
    )
    return inquiry


def _said_no(inquiry: Inquiry) -> bool:
    """Whether the company is a customer decided "not pursued" (不考虑发展) for the year of the call,
    looked up among the customers its decision makers see (the inquiry's segment, else its BU)."""
    from inquiries.selectors import not_pursued_ids

    customers = Customer.objects.filter(unit_id=inquiry.unit_id)
    if inquiry.segment_id is not None:
        customers = customers.filter(segment_id=inquiry.segment_id)
    return inquiry.pk in not_pursued_ids([inquiry], customers=customers)


def _locked(inquiry: Inquiry) -> Inquiry:
    return (
        Inquiry.objects.select_for_update(of=("self",)).select_related("unit", "segment").get(pk=inquiry.pk)
    )


def _require(actor, action: str, inquiry: Inquiry):
    scope = scope_for(actor)
    if not scope.can(action, inquiry):
        raise PermissionDenied
    return scope


def _require_open(inquiry: Inquiry) -> None:
    if inquiry.is_closed:
        raise ValidationError(_("该查询已关闭。"))


@transaction.atomic
def inquiry_complete(*, actor, inquiry: Inquiry, now: datetime | None = None, **changes) -> Inquiry:
    """Fill in the record after a quick capture; the logging clock stops when it is complete."""
    now = now or timezone.now()
    _require(actor, Action.LOG_INQUIRY, inquiry)
    current = _locked(inquiry)
    _require_open(current)
    allowed = {*DETAIL_FIELDS, "company_name", "phone"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"unknown inquiry fields: {sorted(unknown)}")
    for field, value in changes.items():
        setattr(current, field, value.strip() if isinstance(value, str) else value)
    if current.completed_at is None and is_complete(current):
        current.completed_at = now
        if current.status == Status.CAPTURED:
            current.status = Status.LOGGED
        _record_met(current, sla.ClockName.LOG, current.log_due_at, now)
    current.full_clean(exclude=["logged_by"])
    refresh_next_sla(current)
    current.save()
    return current


@transaction.atomic
def inquiry_classify(*, actor, inquiry: Inquiry, importance: str, now: datetime | None = None) -> Inquiry:
    """Important (reply within 24 h) or secondary (48 h), both measured from the call. Before the
    deadline this moves it; after a reply or a missed deadline only the importance is recorded."""
    now = now or timezone.now()
    _require(actor, Action.DECIDE_INQUIRY, inquiry)
    current = _locked(inquiry)
    _require_open(current)
    current.importance = importance
    current.full_clean(exclude=["logged_by"])
    _set_reply_deadline(current, calendar_for(current.unit), now=now)
    refresh_next_sla(current)
    current.save()
    return current


def _check_account_manager(current: Inquiry, account_manager) -> None:
    if account_manager is None:
        return
    if not scope_for(account_manager).can_in(Action.FOLLOW_UP, unit=current.unit, segment=current.segment):
        raise ValidationError({"account_manager": _("该用户不是本细分市场的客户经理。")})


@transaction.atomic
def inquiry_decide(
    *,
    actor,
    inquiry: Inquiry,
    importance: str,
    reply: str,
    decision: str,
    decision_reason: str = "",
    account_manager=None,
    now: datetime | None = None,
) -> Inquiry:
    """The segment manager's answer: importance, the reply given to the company, and the decision —
    list as target (the company goes on the segment's list in the same step), allocate resources or
    not, or say no with a reason — plus the account manager who follows up."""
    now = now or timezone.now()
    _require(actor, Action.DECIDE_INQUIRY, inquiry)
    current = _locked(inquiry)
    _require_open(current)
    if not (reply or "").strip():
        raise ValidationError({"reply": _("请填写给客户的答复。")})
    if decision == Decision.DECLINE and not (decision_reason or "").strip():
        raise ValidationError({"decision_reason": _("说“不”时必须写明理由。")})
    if decision == Decision.DECLINE and account_manager is not None:
        raise ValidationError({"account_manager": _("婉拒的查询不需要客户经理跟进。")})
    _check_account_manager(current, account_manager)
    current.importance = importance
    _set_reply_deadline(current, calendar_for(current.unit), now=now)
    current.reply = reply.strip()
    current.decision = decision
    current.decision_reason = (decision_reason or "").strip()
    current.decided_by = actor
    if current.replied_at is None:
        current.replied_at = now
        _record_met(current, sla.ClockName.REPLY, current.reply_due_at, now)
    newly_assigned = account_manager is not None and account_manager.pk != current.account_manager_id
    current.account_manager = account_manager
    if decision == Decision.DECLINE:
        current.status = Status.CLOSED
        current.closed_at = now
    elif current.status in (Status.CAPTURED, Status.LOGGED):
        current.status = Status.DECIDED
    if decision == Decision.TARGET:
        _list_as_target(actor, current, now=now)
    current.full_clean(exclude=["logged_by"])
    refresh_next_sla(current)
    current._history_user = actor  # the decision's author, also outside a request
    current.save()
    if newly_assigned:
        notify(
            recipients=[account_manager],
            key=f"inquiry:{current.pk}:assigned:{account_manager.pk}",
            template="emails/inquiries/assigned.txt",
            context={"inquiry": current},
            url=inquiry_url(current),
        )
    return current


def _list_as_target(actor, current: Inquiry, *, now: datetime) -> Customer:
    """Create or link the customer and put it on the year's list; links it on `current`, which the
    caller saves (so the change is in the inquiry's history)."""
    scope = scope_for(actor)
    customer = current.customer
    if customer is None:
        customer = Customer.objects.filter(
            unit=current.unit, name_key=normalize_name(current.company_name)
        ).first()
        if customer is not None and not scope.can(Action.VIEW, customer):
            raise ValidationError(
                _("本业务单元已有同名客户（%(number)s），但不在您的权限范围内；请联系业务单元营销副总。")
                % {"number": customer.number}
            )
    if customer is None:
        customer = customer_create(
            actor=actor,
            unit=current.unit,
            segment=current.segment,
            name=current.company_name,
            source=_("客户来电查询 #%(pk)s") % {"pk": current.pk},
        )
    year = timezone.localtime(current.call_at).year
    prospect_list_add(actor=actor, customer=customer, year=year, origin=ListEntry.Origin.INQUIRY)
    current.customer = customer
    return customer


@transaction.atomic
def inquiry_list_as_target(*, actor, inquiry: Inquiry, now: datetime | None = None) -> Customer:
    """One click: create or link the company as a customer and put it on the segment's list for the
    year of the call; the decision becomes "list as target", saved with the inquiry's history. Not
    on a closed inquiry, nor on a declined one (which is closed with its reason)."""
    now = now or timezone.now()
    _require(actor, Action.DECIDE_INQUIRY, inquiry)
    current = _locked(inquiry)
    if current.decision == Decision.DECLINE:
        raise ValidationError(_("已婉拒（说“不”）的查询不能列为目标客户。"))
    if current.is_closed:
        raise ValidationError(_("该查询已关闭，不能再列为目标客户。"))
    linked_before = current.customer_id
    customer = _list_as_target(actor, current, now=now)
    if current.decision != Decision.TARGET or current.customer_id != linked_before:
        if current.decision != Decision.TARGET:
            current.decision, current.decided_by = Decision.TARGET, actor
        current._history_user = actor
        current.save()
    return customer


def _require_assignee(actor, inquiry: Inquiry) -> None:
    scope = _require(actor, Action.FOLLOW_UP, inquiry)
    if not scope.is_admin and inquiry.account_manager_id != actor.pk:
        raise PermissionDenied


@transaction.atomic
def inquiry_material_sent(
    *, actor, inquiry: Inquiry, sent_at: datetime | None = None, now: datetime | None = None
) -> Inquiry:
    """Our introduction material went out: the 7-day follow-up clock starts."""
    now = now or timezone.now()
    current = _locked(inquiry)
    _require_assignee(actor, current)
    _require_open(current)
    sent_at = sent_at or now
    if sent_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"material_sent_at": _("发送时间不能晚于现在。")})
    # Material goes out after the reply (before it, after the call); the form gives whole minutes.
    earliest = current.replied_at or current.call_at
    if sent_at < earliest.replace(second=0, microsecond=0):
        when = dateformat.format(timezone.localtime(earliest), "Y-m-d H:i")
        message = (
            _("发送时间不能早于答复时间（%(at)s）。")
            if current.replied_at
            else _("发送时间不能早于来电时间（%(at)s）。")
        )
        raise ValidationError({"material_sent_at": message % {"at": when}})
    deadline = sla.followup_deadline(sent_at, calendar_for(current.unit))
    current.material_sent_at = sent_at
    current.followup_remind_at, current.followup_due_at = deadline.remind_at, deadline.due_at
    current.status = Status.MATERIAL_SENT
    refresh_next_sla(current)
    current.save()
    return current


@transaction.atomic
def inquiry_follow_up(*, actor, inquiry: Inquiry, feedback: str, now: datetime | None = None) -> Inquiry:
    """The follow-up call with the customer's feedback; stops the follow-up clock."""
    now = now or timezone.now()
    current = _locked(inquiry)
    _require_assignee(actor, current)
    _require_open(current)
    if current.material_sent_at is None:
        raise ValidationError(_("请先记录资料已发送。"))
    if not (feedback or "").strip():
        raise ValidationError({"feedback": _("请填写客户反馈。")})
    current.feedback = feedback.strip()
    if current.followed_up_at is None:
        current.followed_up_at = now
        _record_met(current, sla.ClockName.FOLLOWUP, current.followup_due_at, now)
    current.status = Status.FOLLOWED_UP
    refresh_next_sla(current)
    current.save()
    return current


@transaction.atomic
def inquiry_close(*, actor, inquiry: Inquiry, now: datetime | None = None) -> Inquiry:
    """Close: the decision maker, or the assigned account manager once the follow-up is recorded
    (closing stops the follow-up clock and its reminders, so it may not replace the call-back)."""
    now = now or timezone.now()
    scope = scope_for(actor)
    current = _locked(inquiry)
    may_decide = scope.can(Action.DECIDE_INQUIRY, current)
    is_assignee = current.account_manager_id == actor.pk and scope.can(Action.FOLLOW_UP, current)
    if not (may_decide or is_assignee):
        raise PermissionDenied
    _require_open(current)
    if current.replied_at is None:
        raise ValidationError(_("答复客户之前不能关闭查询。"))
    if not may_decide and current.followed_up_at is None:
        raise ValidationError(_("请先回访客户并记录反馈，再关闭查询。"))
    current.closed_at = now
    current.status = Status.CLOSED
    refresh_next_sla(current)
    current.save()
    return current
