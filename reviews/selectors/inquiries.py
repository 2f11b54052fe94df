"""Inquiry figures of the review (2.3.5 over the planning year): volumes, service-level compliance
per clock, per person and per month, conversions to prospects and to targets, and the "no"s.

Read from the inquiry stage's model (read-only, narrowed by the viewer's scope). A clock counts once
it is owed: met (on time or late) or past its deadline unmet as of `now`; one not yet due is left out."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from inquiries.models import Decision, Importance, Inquiry
from prioritization.access import Action, scope_for
from prioritization.models import Target
from prioritization.tiers import Tier
from reviews import metrics

CLOCKS = (
    # name, deadline field, done field, who answers for it
    ("log", "log_due_at", "completed_at", "logged_by"),
    ("reply", "reply_due_at", "replied_at", "decided_by"),
    ("followup", "followup_due_at", "followed_up_at", "account_manager"),
)


def clock_labels() -> dict[str, str]:
    return {
        "log": _("记录（30 分钟）"),
        "reply": _("答复（24/48 小时）"),
        "followup": _("回访（7 天）"),
    }


def clock_outcome(due_at, done_at, now) -> bool | None:
    """True on time, False late (met late, or unmet past the deadline), None not owed yet."""
    if due_at is None:
        return None
    if done_at is not None:
        return metrics.on_time(done_at, due_at)
    return False if due_at < now else None


def _person(first, last, username) -> str:
    return f"{last or ''}{first or ''}".strip() or (username or "")


def inquiry_figures(*, user, unit, year: int, now: datetime | None = None) -> dict | None:
    """The year's figures of one BU (or, with unit=None, of every BU the user sees)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    start = datetime(year, 1, 1, tzinfo=tz)
    end = datetime.combine(datetime(year, 12, 31).date(), time.max, tzinfo=tz)
    person_fields = []
    for _name, _due, _done, who in CLOCKS:
        person_fields += [f"{who}_id", f"{who}__first_name", f"{who}__last_name", f"{who}__username"]
    rows = list(
        scope_for(user)
        .filter(
            Inquiry.objects.filter(call_at__gte=start, call_at__lte=end, **({"unit": unit} if unit else {})),
            Action.VIEW,
        )
        .values(
            "pk", "call_at", "importance", "decision", "customer_id",
            *[c[1] for c in CLOCKS], *[c[2] for c in CLOCKS], *person_fields,
        )
    )  # fmt: skip
    linked = {r["customer_id"] for r in rows if r["customer_id"]}
    targeted = set(
        Target.objects.filter(
            customer_id__in=linked, year__gte=year, tier__in=[Tier.TIER1, Tier.TIER2, Tier.TIER3]
        ).values_list("customer_id", flat=True)
    )
    labels = clock_labels()
    by_clock = {name: {"clock": name, "label": labels[name], "due": 0, "on_time": 0} for name, *_ in CLOCKS}
    by_person: dict = defaultdict(lambda: {"due": 0, "on_time": 0})
    by_month: dict = defaultdict(lambda: {"inquiries": 0, "due": 0, "on_time": 0})
    for r in rows:
        month = timezone.localtime(r["call_at"], tz).strftime("%Y-%m")
        by_month[month]["inquiries"] += 1
        for name, due_field, done_field, who in CLOCKS:
            outcome = clock_outcome(r[due_field], r[done_field], now)
            if outcome is None:
                continue
            for bucket in (
                by_clock[name],
                by_month[month],
                by_person[
                    (_person(r[f"{who}__first_name"], r[f"{who}__last_name"], r[f"{who}__username"]), name)
                ],
            ):
                bucket["due"] += 1
                bucket["on_time"] += int(outcome)
    totals = {
        "total": len(rows),
        "important": sum(1 for r in rows if r["importance"] == Importance.IMPORTANT),
        "secondary": sum(1 for r in rows if r["importance"] == Importance.SECONDARY),
        "declined": sum(1 for r in rows if r["decision"] == Decision.DECLINE),
        "to_prospects": sum(1 for r in rows if r["decision"] == Decision.TARGET and r["customer_id"]),
        "to_targets": sum(
            1 for r in rows if r["customer_id"] in targeted and r["decision"] == Decision.TARGET
        ),
    }
    total_labels = {
        "total": _("查询总数"),
        "important": _("重要查询"),
        "secondary": _("次要查询"),
        "declined": _("说“不”（婉拒）"),
        "to_prospects": _("转为名单客户"),
        "to_targets": _("转为目标客户（一至三级）"),
    }
    return {
        "total": totals["total"],
        "figures": totals,
        "totals": [{"key": k, "label": total_labels[k], "value": v} for k, v in totals.items()]
        + [
            {
                "key": "prospect_rate",
                "label": _("转为名单客户比例（%）"),
                "value": metrics.percent(totals["to_prospects"], totals["total"]),
            },
            {
                "key": "target_rate",
                "label": _("转为目标客户比例（%）"),
                "value": metrics.percent(totals["to_targets"], totals["total"]),
            },
        ],
        "by_clock": [{**c, "pct": metrics.percent(c["on_time"], c["due"])} for c in by_clock.values()],
        "by_person": [
            {
                "person": person or _("未指定"),
                "clock": name,
                "label": labels[name],
                **v,
                "pct": metrics.percent(v["on_time"], v["due"]),
            }
            for (person, name), v in sorted(by_person.items())
        ],
        "by_month": [
            {"month": m, **v, "on_time_pct": metrics.percent(v["on_time"], v["due"])}
            for m, v in sorted(by_month.items())
        ],
    }


def monthly_compliance(*, user, since: datetime, now: datetime | None = None) -> list[dict]:
    """Per month of the call since `since`, across every BU the user sees: inquiries, clocks owed and
    clocks met on time — aggregated in SQL (one query, whatever the number of inquiries), with the
    same rule as `clock_outcome`."""
    from django.db.models import Count, F, Q
    from django.db.models.functions import TruncMonth

    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    aggregates = {"inquiries": Count("pk")}
    for name, due_field, done_field, _who in CLOCKS:
        owed = Q(**{f"{due_field}__isnull": False}) & (
            Q(**{f"{done_field}__isnull": False}) | Q(**{f"{due_field}__lt": now})
        )
        aggregates[f"{name}_due"] = Count("pk", filter=owed)
        aggregates[f"{name}_on_time"] = Count(
            "pk", filter=Q(**{f"{due_field}__isnull": False, f"{done_field}__lte": F(due_field)})
        )
    rows = (
        scope_for(user)
        .filter(Inquiry.objects.filter(call_at__gte=since), Action.VIEW)
        .annotate(month=TruncMonth("call_at", tzinfo=tz))
        .values("month")
        .annotate(**aggregates)
        .order_by("month")
    )
    months = []
    for r in rows:
        due = sum(r[f"{name}_due"] for name, *_ in CLOCKS)
        on_time = sum(r[f"{name}_on_time"] for name, *_ in CLOCKS)
        month = r["month"]
        label = month.strftime("%Y-%m") if hasattr(month, "strftime") else str(month)[:7]
        months.append(
            {
                "month": label,
                "inquiries": r["inquiries"],
                "due": due,
                "on_time": on_time,
                "on_time_pct": metrics.percent(on_time, due),
            }
        )
    return months
