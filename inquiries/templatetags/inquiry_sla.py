"""Presentation of SLA clock states: labels, colours and durations (no business rules here)."""

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inquiries import sla

register = template.Library()

LABELS = {
    sla.State.NOT_STARTED: gettext_lazy("未开始"),
    sla.State.DUE: gettext_lazy("进行中"),
    sla.State.AT_RISK: gettext_lazy("即将超时"),
    sla.State.BREACHED: gettext_lazy("已超时"),
    sla.State.MET: gettext_lazy("已达标"),
    sla.State.STOPPED: gettext_lazy("已停止"),
}
CLASSES = {
    sla.State.NOT_STARTED: "text-bg-light border",
    sla.State.DUE: "text-bg-info",
    sla.State.AT_RISK: "text-bg-warning",
    sla.State.BREACHED: "text-bg-danger",
    sla.State.MET: "text-bg-success",
    sla.State.STOPPED: "text-bg-secondary",
}
CLOCKS = {
    sla.ClockName.LOG: gettext_lazy("记录（30 分钟）"),
    sla.ClockName.REPLY: gettext_lazy("答复（24/48 小时）"),
    sla.ClockName.FOLLOWUP: gettext_lazy("回访（7 天）"),
}


@register.filter
def sla_label(state):
    return LABELS.get(state, state)


@register.filter
def sla_class(state):
    return CLASSES.get(state, "text-bg-light")


@register.filter
def clock_label(name):
    return CLOCKS.get(name, name)


@register.filter
def span(value):
    """A duration as "1天2小时" / "35分钟"."""
    if not isinstance(value, timedelta):
        return ""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d天") % {"n": days})
    if hours:
        parts.append(_("%(n)d小时") % {"n": hours})
    if mins or not parts:
        parts.append(_("%(n)d分钟") % {"n": mins})
    return "".join(parts[:2])


@register.filter
def person(user):
    """A user's full name, else username; "—" for nobody."""
    if not user:
        return "—"
    return user.get_full_name() or user.username
