"""The year's figures of a BU's review, computed from the other stages' records (read-only ORM
queries, always narrowed to what the viewer may see), then handed to `reviews.metrics`.

The customers of the year are those on the BU's list for the planning year (prospects.ListEntry).
A customer's development status at a date is read from its dated status changes; the year runs
from 1 January to 31 December of the planning year (or to `as_of` when that is earlier)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Avg
from django.utils import timezone

from criteria.models.versions import DEFAULT_CADENCE_DAYS
from criteria.selectors import active_version_for
from prioritization.access import Action, scope_for
from prioritization.models import ContactLog, DevelopmentStatusChange, PromotionPlan, Scorecard, Target
from prioritization.tiers import Tier
from prospects.completeness import is_stale
from prospects.models import Customer, DevelopmentStatus
from reviews import metrics

TIER_ORDER = [Tier.TIER1, Tier.TIER2, Tier.TIER3, Tier.NO]
UNTIERED = ""
COMPLETE_ENOUGH = 80  # % of the basic-info fields: "complete" in the data-quality section


@dataclass
class Period:
    start: date
    end: date  # inclusive
    year_end: date

    @classmethod
    def of(cls, year: int, as_of: date | None = None) -> Period:
        year_end = date(year, 12, 31)
        end = min(year_end, as_of) if as_of else year_end
        return cls(start=date(year, 1, 1), end=end, year_end=year_end)


@dataclass
class CustomerYear:
    """One customer's year, as the review sees it."""

    pk: int
    number: str
    name: str
    segment_id: int | None
    segment: str
    owner_id: int | None
    owner: str
    tier: str
    attractiveness: object
    feasibility: object
    start_status: str
    end_status: str
    proposal_sent: bool
    closed: bool
    contacts_due: int
    contacts_made: int
    plans: int
    plans_done: int
    plans_with_result: int
    completeness: int
    stale_at_year_end: bool
    verified_in_year: bool
    scores: dict = field(default_factory=dict)  # criterion id → mean score

    @property
    def progress(self) -> int:
        return metrics.progress(self.start_status, self.end_status)

    @property
    def end_stage(self) -> int:
        return metrics.stage(self.end_status)


def _status_at(changes: list[dict], when: date, current: str) -> str:
    before = [c for c in changes if c["changed_on"] <= when]
    if before:
        return before[-1]["to_status"]
    if changes:
        return changes[0]["from_status"]
    return current


def _name(user_first, user_last, username) -> str:
    full = f"{user_last or ''}{user_first or ''}".strip()
    return full or (username or "")


def year_customers_queryset(*, user, unit, year: int, segment=None):
    """The customers on the BU's list for `year` that `user` may see."""
    qs = Customer.objects.filter(unit=unit, list_entries__year=year)
    if segment is not None:
        qs = qs.filter(segment=segment)
    return scope_for(user).filter(qs, Action.VIEW)


def year_customers(*, user, unit, year: int, segment=None, as_of: date | None = None) -> list[CustomerYear]:
    """Every visible customer of the year with its figures; a fixed number of queries."""
    period = Period.of(year, as_of)
    customers = list(
        year_customers_queryset(user=user, unit=unit, year=year, segment=segment)
        .values(
            "pk", "number", "name", "segment_id", "segment__name", "daily_owner_id",
            "daily_owner__first_name", "daily_owner__last_name", "daily_owner__username",
            "development_status", "completeness", "last_verified_at",
        )
        .order_by("number")
    )  # fmt: skip
    ids = [c["pk"] for c in customers]
    targets = {
        t["customer_id"]: t
        for t in Target.objects.filter(year=year, customer_id__in=ids).values(
            "customer_id", "tier", "attractiveness", "feasibility"
        )
    }
    changes: dict[int, list[dict]] = defaultdict(list)
    for change in (
        DevelopmentStatusChange.objects.filter(customer_id__in=ids)
        .order_by("customer_id", "changed_on", "pk")
        .values("customer_id", "from_status", "to_status", "changed_on")
    ):
        changes[change["customer_id"]].append(change)
    contacts: dict[int, list[date]] = defaultdict(list)
    for row in ContactLog.objects.filter(
        customer_id__in=ids, contacted_on__gte=period.start, contacted_on__lte=period.end
    ).values("customer_id", "contacted_on"):
        contacts[row["customer_id"]].append(row["contacted_on"])
    plans: dict[int, list[dict]] = defaultdict(list)
    for row in PromotionPlan.objects.filter(year=year, customer_id__in=ids).values(
        "customer_id", "done", "result"
    ):
        plans[row["customer_id"]].append(row)
    version = active_version_for(unit=unit, year=year)
    cadence = dict(DEFAULT_CADENCE_DAYS)
    scores: dict[int, dict] = defaultdict(dict)
    if version is not None:
        for principle in version.principles.all():
            cadence[principle.tier] = principle.contact_cadence_days
        for row in (
            Scorecard.objects.filter(year=year, customer_id__in=ids, criterion__version=version)
            .values("customer_id", "criterion_id")
            .annotate(mean=Avg("score_tenths"))
        ):
            scores[row["customer_id"]][row["criterion_id"]] = round(float(row["mean"]) / 10, 2)

    tz = timezone.get_current_timezone()
    year_end_at = datetime.combine(period.year_end, time.max, tzinfo=tz)
    year_start_at = datetime.combine(period.start, time.min, tzinfo=tz)
    rows = []
    for c in customers:
        history = changes.get(c["pk"], [])
        target = targets.get(c["pk"], {})
        tier = target.get("tier") or UNTIERED
        due, made = (
            metrics.cadence_kept(
                contacts.get(c["pk"], []), start=period.start, end=period.end, cadence_days=cadence.get(tier)
            )
            if tier
            else (0, 0)
        )
        in_year = [ch for ch in history if period.start <= ch["changed_on"] <= period.year_end]
        customer_plans = plans.get(c["pk"], [])
        verified = c["last_verified_at"]
        rows.append(
            CustomerYear(
                pk=c["pk"],
                number=c["number"],
                name=c["name"],
                segment_id=c["segment_id"],
                segment=c["segment__name"] or "",
                owner_id=c["daily_owner_id"],
                owner=_name(
                    c["daily_owner__first_name"], c["daily_owner__last_name"], c["daily_owner__username"]
                ),
                tier=tier,
                attractiveness=target.get("attractiveness"),
                feasibility=target.get("feasibility"),
                start_status=_status_at(history, period.start - timedelta(days=1), c["development_status"]),
                end_status=_status_at(history, period.year_end, c["development_status"]),
                proposal_sent=any(ch["to_status"] == DevelopmentStatus.NEGOTIATING for ch in in_year),
                closed=any(ch["to_status"] == DevelopmentStatus.CLOSED for ch in in_year),
                contacts_due=due,
                contacts_made=made,
                plans=len(customer_plans),
                plans_done=sum(1 for p in customer_plans if p["done"]),
                plans_with_result=sum(1 for p in customer_plans if p["done"] and p["result"].strip()),
                completeness=c["completeness"],
                stale_at_year_end=is_stale(verified, year_end_at),
                verified_in_year=verified is not None and year_start_at <= verified <= year_end_at,
                scores=scores.get(c["pk"], {}),
            )
        )
    return rows


# --- sections ------------------------------------------------------------------------------------
def _group_figures(rows: list[CustomerYear]) -> dict:
    due = sum(r.contacts_due for r in rows)
    made = sum(r.contacts_made for r in rows)
    plans = sum(r.plans for r in rows)
    done = sum(r.plans_done for r in rows)
    return {
        "customers": len(rows),
        "moved": sum(1 for r in rows if r.progress > 0),
        "steps": sum(max(r.progress, 0) for r in rows),
        "mean_steps": metrics.mean(r.progress for r in rows),
        "proposals": sum(1 for r in rows if r.proposal_sent),
        "closed": sum(1 for r in rows if r.closed),
        "contacts_due": due,
        "contacts_made": made,
        "cadence_kept": metrics.percent(made, due),
        "plans": plans,
        "plans_done": done,
        "plans_with_result": sum(r.plans_with_result for r in rows),
        "plans_done_pct": metrics.percent(done, plans),
        "conversion": metrics.percent(
            sum(1 for r in rows if r.end_stage >= metrics.PROPOSAL_SENT), len(rows)
        ),
    }


def _tier_label(tier: str) -> str:
    from django.utils.translation import gettext as _

    return str(Tier(tier).label) if tier else _("未分级")


def key_customers(rows: list[CustomerYear]) -> dict:
    """Per tier, per segment and per owner: movement along the pipeline, proposals, closed projects,
    cadence kept, promotion plans; plus the funnel of where the year ended."""
    by_tier = []
    for tier in [*TIER_ORDER, UNTIERED]:
        group = [r for r in rows if r.tier == tier]
        if group or tier != UNTIERED:
            by_tier.append({"tier": tier, "label": _tier_label(tier), **_group_figures(group)})
    segments: dict = {}
    for r in rows:
        segments.setdefault((r.segment, r.segment_id), []).append(r)
    by_segment = [
        {"segment": name, "segment_id": pk, **_group_figures(group)}
        for (name, pk), group in sorted(segments.items(), key=lambda kv: kv[0][0])
    ]
    owners: dict = {}
    for r in rows:
        if r.tier and r.tier != Tier.NO:
            owners.setdefault((r.owner, r.owner_id), []).append(r)
    by_owner = [
        {"owner": name, "owner_id": pk, **_group_figures(group)}
        for (name, pk), group in sorted(owners.items(), key=lambda kv: kv[0][0])
    ]
    targets = [r for r in rows if r.tier and r.tier != Tier.NO]
    return {
        "total": _group_figures(rows),
        "targets": _group_figures(targets),
        "by_tier": by_tier,
        "by_segment": by_segment,
        "by_owner": by_owner,
        "funnel": funnel(targets),
    }


def funnel(rows: list[CustomerYear]) -> list[dict]:
    counts = metrics.funnel(r.end_status for r in rows)
    labels = dict(DevelopmentStatus.choices)
    return [
        {"status": s, "label": str(labels[s]), "count": n}
        for s, n in zip(metrics.PIPELINE, counts, strict=True)
    ]


def criteria_analysis(rows: list[CustomerYear], version) -> dict:
    """How each criterion's scores relate to the year's pipeline progress (Spearman ρ), tier
    conversion (share that reached 'proposal sent' or beyond), and the tier calls that proved wrong."""
    criteria = []
    if version is not None:
        for criterion in version.criteria.all():
            pairs = [(r.scores[criterion.pk], r.progress) for r in rows if criterion.pk in r.scores]
            rho = metrics.spearman([p[0] for p in pairs], [p[1] for p in pairs]) if pairs else None
            criteria.append(
                {
                    "criterion": criterion,
                    "scored": len(pairs),
                    "mean_score": metrics.mean(p[0] for p in pairs),
                    "rho": rho,
                    "separated_nothing": metrics.separated_nothing(rho),
                }
            )
    dimensions = []
    for name in ("attractiveness", "feasibility"):
        pairs = [(getattr(r, name), r.progress) for r in rows if getattr(r, name) is not None]
        dimensions.append(
            {
                "dimension": name,
                "scored": len(pairs),
                "rho": metrics.spearman([float(p[0]) for p in pairs], [p[1] for p in pairs])
                if pairs
                else None,
            }
        )
    conversion = {
        tier: metrics.percent(
            sum(1 for r in rows if r.tier == tier and r.end_stage >= metrics.PROPOSAL_SENT),
            sum(1 for r in rows if r.tier == tier),
        )
        for tier in TIER_ORDER
    }
    return {
        "criteria": criteria,
        "dimensions": dimensions,
        "conversion": [{"tier": t, "label": _tier_label(t), "rate": conversion[t]} for t in TIER_ORDER],
        "tier1_vs_tier3": (conversion[Tier.TIER1], conversion[Tier.TIER3]),
        "flagged": [c for c in criteria if c["separated_nothing"]],
        "say_no_became_projects": [
            r for r in rows if r.tier == Tier.NO and r.end_stage >= metrics.PROPOSAL_SENT
        ],
        "tier1_no_progress": [r for r in rows if r.tier == Tier.TIER1 and r.progress <= 0],
    }


def data_quality(rows: list[CustomerYear]) -> dict:
    n = len(rows)
    return {
        "customers": n,
        "mean_completeness": metrics.mean(r.completeness for r in rows),
        "complete": sum(1 for r in rows if r.completeness >= COMPLETE_ENOUGH),
        "complete_pct": metrics.percent(sum(1 for r in rows if r.completeness >= COMPLETE_ENOUGH), n),
        "stale": sum(1 for r in rows if r.stale_at_year_end),
        "stale_pct": metrics.percent(sum(1 for r in rows if r.stale_at_year_end), n),
        "verified_in_year": sum(1 for r in rows if r.verified_in_year),
        "complete_threshold": COMPLETE_ENOUGH,
    }


def year_report(*, user, unit, year: int, as_of: date | None = None) -> dict:
    """Every computed section of the review, for what `user` may see."""
    from reviews.selectors.inquiries import inquiry_figures
    from reviews.selectors.quality import quality_trend

    rows = year_customers(user=user, unit=unit, year=year, as_of=as_of)
    version = active_version_for(unit=unit, year=year)
    return {
        "rows": rows,
        "version": version,
        "key_customers": key_customers(rows),
        "criteria": criteria_analysis(rows, version),
        "data_quality": data_quality(rows),
        "quality_trend": quality_trend(user=user, unit=unit, year=year),
        "inquiries": inquiry_figures(user=user, unit=unit, year=year),
    }
