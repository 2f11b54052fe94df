"""The PR owner's reports: the daily analysis report (all inquiries of the last 24 hours, per segment,
to the segment's decision makers each morning) and the monthly report to the BU VP (figures and a
workbook). Beat runs the senders every hour; each report is sent once per period (notification
keys), so a beat that was down catches up on its next run."""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Font

from inquiries import sla
from inquiries.models import Decision, Importance, Inquiry
from inquiries.services.inquiries import bu_vps, decision_makers
from prioritization.access import Action, scope_for
from prioritization.models import AuditEvent, BusinessUnit
from prioritization.services.audit import audit_record
from prioritization.services.notifications import Attachment, notify

DAILY_REPORT_HOUR = 8  # local time: the report covers the 24 hours before 08:00
MONTHLY_REPORT_DAY = 1


# --- daily -------------------------------------------------------------------------------------
def daily_window(now: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(now)
    cutoff = datetime.combine(local.date(), time(DAILY_REPORT_HOUR), tzinfo=local.tzinfo)
    if local < cutoff:
        cutoff -= timedelta(days=1)
    return cutoff - timedelta(hours=24), cutoff


def daily_report_send(*, now: datetime | None = None) -> int:
    """Send each segment's daily report for the latest 08:00 cut-off; returns reports sent now."""
    now = now or timezone.now()
    start, end = daily_window(now)
    rows = (
        Inquiry.objects.filter(call_at__gte=start, call_at__lt=end)
        .select_related("unit", "segment", "logged_by")
        .order_by("unit_id", "segment_id", "call_at")
    )
    groups: dict[tuple, list[Inquiry]] = defaultdict(list)
    for inquiry in rows:
        groups[(inquiry.unit_id, inquiry.segment_id)].append(inquiry)
    sent = 0
    for (unit_id, segment_id), inquiries in groups.items():
        first = inquiries[0]
        recipients = decision_makers(first)
        by_type = Counter(i.get_request_type_display() or _("未填写") for i in inquiries)
        created = notify(
            recipients=recipients,
            key=f"inquiry-daily:{unit_id}:{segment_id or 0}:{end.date().isoformat()}",
            template="emails/inquiries/daily_report.txt",
            context={
                "unit": first.unit,
                "segment": first.segment,
                "inquiries": inquiries,
                "start": start,
                "end": end,
                "by_type": sorted(by_type.items()),
                "incomplete": sum(1 for i in inquiries if i.completed_at is None),
                "now": now,
            },
            url=reverse("inquiries:board") + (f"?segment={segment_id}" if segment_id else f"?unit={unit_id}"),
        )
        sent += 1 if created else 0
    return sent


# --- monthly -----------------------------------------------------------------------------------
def month_bounds(month: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time(0), tzinfo=tz), datetime.combine(following, time(0), tzinfo=tz)


# Exactly YYYY-MM in ASCII digits (`\d` would take full-width and other Unicode digits).
MONTH_PATTERN = r"[0-9]{4}-(0[1-9]|1[0-2])"


def parse_month(text: str) -> date:
    """ "2025-03" → date(2025, 3, 1); ValueError for anything that is not exactly YYYY-MM (no
    sign, space, single or third month digit, other digits), as the report form requires."""
    if not isinstance(text, str) or not re.fullmatch(MONTH_PATTERN, text):
        raise ValueError(text)
    return date(int(text[:4]), int(text[5:]), 1)


@dataclass
class ClockFigures:
    """One clock over the month: met (on time or late) and breached still unmet. Compliance counts
    both: an inquiry never answered is a miss, not an absence."""

    name: str
    measured: int = 0  # met, on time or late
    on_time: int = 0
    open_breached: int = 0  # past the deadline and never met (still open, or closed after the miss)

    @property
    def late(self) -> int:
        return self.measured - self.on_time

    @property
    def owed(self) -> int:
        return self.measured + self.open_breached

    @property
    def rate(self) -> float | None:
        return sla.compliance(self.on_time, self.owed)


def monthly_report_rows(*, actor, unit: BusinessUnit, month: date):
    scope = scope_for(actor)
    if not scope.can_in(Action.INQUIRY_REPORTS, unit=unit):
        raise PermissionDenied
    start, end = month_bounds(month)
    return (
        scope.filter(Inquiry.objects.all(), Action.VIEW)
        .filter(unit=unit, call_at__gte=start, call_at__lt=end)
        .select_related("unit", "segment", "logged_by", "decided_by", "account_manager", "customer")
        .order_by("call_at", "pk")
    )


def _person(user):
    return (user.get_full_name() or user.username) if user else _("（无）")


def monthly_figures(rows, *, now: datetime) -> dict:
    rows = list(rows)
    by_segment = Counter(r.segment.name if r.segment else _("未指定细分市场") for r in rows)
    by_type = Counter(r.get_request_type_display() if r.request_type else _("未填写") for r in rows)
    by_week = Counter(
        f"{timezone.localtime(r.call_at).isocalendar().year}-W{timezone.localtime(r.call_at).isocalendar().week:02d}"
        for r in rows
    )
    clocks = {name: ClockFigures(name) for name in sla.ClockName}
    response = Counter()
    decisions = Counter()
    people: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        # The same states as the board and the inquiry page show (a clock stopped by the close
        # before its deadline is neither met nor missed).
        states = {state.name: state for state in r.clock_states(now)}
        late = {name: state.state == sla.State.BREACHED for name, state in states.items()}
        for state in states.values():
            figures = clocks[state.name]
            if state.met_at is not None:
                figures.measured += 1
                figures.on_time += state.state == sla.State.MET
            elif state.state == sla.State.BREACHED:
                figures.open_breached += 1
        if r.replied_at:
            response[sla.response_bucket(r.replied_at - r.call_at)] += 1
        decisions[r.get_decision_display() if r.decision else _("待决定")] += 1
        logger = people[_person(r.logged_by)]
        logger["logged"] += 1
        logger["logged_late"] += late[sla.ClockName.LOG]
        if r.decided_by_id:
            decider = people[_person(r.decided_by)]
            decider["decided"] += 1
            decider["replied_late"] += late[sla.ClockName.REPLY]
        if r.account_manager_id:
            am = people[_person(r.account_manager)]
            am["assigned"] += 1
            am["followed_up"] += r.followed_up_at is not None
            am["followup_late"] += late[sla.ClockName.FOLLOWUP]
    order = [label for _limit, label in sla.RESPONSE_BUCKETS] + [sla.OVER_LAST_BUCKET]
    return {
        "total": len(rows),
        "by_segment": sorted(by_segment.items()),
        "by_type": sorted(by_type.items()),
        "by_week": sorted(by_week.items()),
        "clocks": list(clocks.values()),
        "response": [(label, response.get(label, 0)) for label in order],
        "decisions": sorted(decisions.items()),
        "conversions": sum(1 for r in rows if r.decision == Decision.TARGET and r.customer_id),
        "important": sum(1 for r in rows if r.importance == Importance.IMPORTANT),
        "people": sorted(people.items()),
        "rows": rows,
    }


CLOCK_LABELS = {
    sla.ClockName.LOG: gettext_noop("记录（30 分钟）"),
    sla.ClockName.REPLY: gettext_noop("答复（24/48 小时）"),
    sla.ClockName.FOLLOWUP: gettext_noop("回访（7 天）"),
}


def clock_label(name: str) -> str:
    return _(CLOCK_LABELS[name])


def _write(ws, values, *, bold=False):
    """Append a row; text is always text (a leading = + - @ never becomes a formula)."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        if bold:
            cell.font = Font(bold=True)


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def monthly_report_workbook(*, actor, unit: BusinessUnit, month: date, now: datetime | None = None):
    """The monthly workbook as bytes, and the number of inquiries in it."""
    now = now or timezone.now()
    figures = monthly_figures(monthly_report_rows(actor=actor, unit=unit, month=month), now=now)
    wb = Workbook()
    ws = wb.active
    ws.title = _("汇总")
    _write(ws, [_("客户查询月度报告"), f"{unit.code} {unit.name}", month.strftime("%Y-%m")], bold=True)
    _write(ws, [_("查询总数"), figures["total"]])
    _write(ws, [_("重要查询"), figures["important"]])
    _write(ws, [_("转为目标客户"), figures["conversions"]])
    _write(ws, [])
    _write(
        ws, [_("时限"), _("已完成"), _("按时完成"), _("超时完成"), _("超时未完成"), _("达标率")], bold=True
    )
    for c in figures["clocks"]:
        _write(ws, [clock_label(c.name), c.measured, c.on_time, c.late, c.open_breached,
                    round(c.rate, 4) if c.rate is not None else None])  # fmt: skip
    sheets = [
        (_("按细分市场"), [_("细分市场"), _("查询数")], figures["by_segment"]),
        (_("按查询类型"), [_("查询类型"), _("查询数")], figures["by_type"]),
        (_("按周"), [_("周"), _("查询数")], figures["by_week"]),
        (_("答复时间分布"), [_("答复用时"), _("查询数")], figures["response"]),
        (_("决定与转化"), [_("决定"), _("查询数")], figures["decisions"]),
    ]
    for title, header, items in sheets:
        sheet = wb.create_sheet(title)
        _write(sheet, header, bold=True)
        for item in items:
            _write(sheet, list(item))
    people = wb.create_sheet(_("按人员"))
    keys = ["logged", "logged_late", "decided", "replied_late", "assigned", "followed_up", "followup_late"]
    _write(people, [_("人员"), _("记录"), _("记录超时"), _("决定"), _("答复超时"), _("分派跟进"),
                    _("已回访"), _("回访超时")], bold=True)  # fmt: skip
    for name, counts in figures["people"]:
        _write(people, [name, *(counts.get(k, 0) for k in keys)])
    detail = wb.create_sheet(_("明细"))
    _write(detail, [_("编号"), _("来电时间"), _("公司名称"), _("细分市场"), _("联系人"), _("电话"),
                    _("查询类型"), _("重要程度"), _("决定"), _("状态"), _("记录人"), _("记录完成时间"),
                    _("答复时间"), _("跟进客户经理"), _("回访时间")], bold=True)  # fmt: skip
    for r in figures["rows"]:
        _write(detail, [
            r.pk, _local(r.call_at), r.company_name, r.segment.name if r.segment else "", r.contact_name,
            r.phone, r.get_request_type_display() if r.request_type else "",
            r.get_importance_display() if r.importance else "", r.get_decision_display() if r.decision else "",
            r.get_status_display(), _person(r.logged_by), _local(r.completed_at), _local(r.replied_at),
            _person(r.account_manager) if r.account_manager_id else "", _local(r.followed_up_at),
        ])  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    audit_record(kind=AuditEvent.Kind.EXPORT, actor=actor, unit=unit, target=f"inquiries {month:%Y-%m}")
    return out.getvalue(), figures["total"]


def previous_month(now: datetime) -> date:
    local = timezone.localtime(now).date()
    return (local.replace(day=1) - timedelta(days=1)).replace(day=1)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def monthly_report_filename(unit: BusinessUnit, month: date) -> str:
    return f"inquiry-report-{unit.code}-{month:%Y-%m}.xlsx"


def monthly_report_attachment(
    *, recipient, unit: BusinessUnit, month: date, now: datetime
) -> list[Attachment]:
    """The workbook as this recipient may see it: built with their own scope (and language), so
    it holds no inquiry outside it; nothing for someone without the report right on the unit."""
    try:
        content, _count = monthly_report_workbook(actor=recipient, unit=unit, month=month, now=now)
    except PermissionDenied:
        return []
    return [Attachment(monthly_report_filename(unit, month), content, XLSX)]


def monthly_report_send(*, now: datetime | None = None) -> int:
    """On or after the 1st: send each BU VP last month's report, the workbook attached (rendered
    for each recipient's scope) and the link to the report page. Once per BU and month."""
    now = now or timezone.now()
    month = previous_month(now)
    start, end = month_bounds(month)
    sent = 0
    counts = Counter(
        Inquiry.objects.filter(call_at__gte=start, call_at__lt=end).values_list("unit_id", flat=True)
    )
    for unit in BusinessUnit.objects.filter(pk__in=counts.keys()).select_related("group"):
        created = notify(
            recipients=bu_vps(unit.pk),
            key=f"inquiry-monthly:{unit.pk}:{month:%Y-%m}",
            template="emails/inquiries/monthly_report.txt",
            context={"unit": unit, "month": month, "total": counts[unit.pk]},
            url=reverse("inquiries:monthly_report") + f"?unit={unit.pk}&month={month:%Y-%m}",
            attachments=lambda user, unit=unit: monthly_report_attachment(
                recipient=user, unit=unit, month=month, now=now
            ),
        )
        sent += 1 if created else 0
    return sent
