"""This year next to next year's draft: goals, criteria weights and thresholds, tier principles and
the customer list (continuing, new, dropped) — what carrying forward changed, with the reasons."""

from __future__ import annotations

from criteria.models import BusinessUnitGoals, CriteriaVersion, Dimension
from criteria.selectors import active_version_for
from prioritization.access import Action, scope_for
from prioritization.tiers import Tier
from prospects.models import Customer
from reviews.models import ChangeKind

LIST_SAMPLE = 50


def next_version_for(review):
    carried = getattr(review, "carry_forward", None)
    if carried is not None and carried.version_id:
        return carried.version
    return (
        CriteriaVersion.objects.filter(unit_id=review.unit_id, year=review.next_year)
        .order_by("-number")
        .first()
    )


def _criteria_rows(this, nxt, reasons):
    this_c = {c.name: c for c in this.criteria.all()} if this else {}
    next_c = {c.name: c for c in nxt.criteria.all()} if nxt else {}
    names = list(this_c) + [n for n in next_c if n not in this_c]
    rows = []
    for name in names:
        a, b = this_c.get(name), next_c.get(name)
        rows.append(
            {
                "name": name,
                "dimension": (a or b).get_dimension_display(),
                "this": a.weight if a else None,
                "next": b.weight if b else None,
                "changed": (a.weight if a else None) != (b.weight if b else None),
                "reason": reasons.get(("weight", name), ""),
            }
        )
    return rows


def compare_years(review, *, user) -> dict:
    this = active_version_for(unit=review.unit, year=review.year)
    nxt = next_version_for(review)
    reasons = {}
    for change in review.changes.select_related("criterion"):
        if change.kind == ChangeKind.WEIGHT and change.criterion_id:
            reasons[("weight", change.criterion.name)] = change.reason
        elif change.kind == ChangeKind.THRESHOLD:
            reasons[("threshold", change.dimension)] = change.reason
        else:
            reasons[(change.kind, change.tier)] = change.reason
    thresholds = [
        {
            "dimension": dim, "label": Dimension(dim).label,
            "this": getattr(this, f"{dim}_threshold", None) if this else None,
            "next": getattr(nxt, f"{dim}_threshold", None) if nxt else None,
            "reason": reasons.get(("threshold", dim), ""),
        }
        for dim in ("attractiveness", "feasibility")
    ]  # fmt: skip
    this_p = {p.tier: p for p in this.principles.all()} if this else {}
    next_p = {p.tier: p for p in nxt.principles.all()} if nxt else {}
    principles = [
        {
            "tier": tier, "label": tier.label, "this": this_p.get(tier), "next": next_p.get(tier),
            "reason": "；".join(r for r in (reasons.get(("cadence", tier.value)), reasons.get(("principle", tier.value))) if r),
        }
        for tier in Tier
    ]  # fmt: skip
    goals = {
        "this": BusinessUnitGoals.objects.filter(unit_id=review.unit_id, year=review.year).first(),
        "next": BusinessUnitGoals.objects.filter(unit_id=review.unit_id, year=review.next_year).first(),
    }
    visible = scope_for(user).filter(Customer.objects.filter(unit_id=review.unit_id), Action.VIEW)
    this_ids = set(visible.filter(list_entries__year=review.year).values_list("pk", flat=True))
    next_ids = set(visible.filter(list_entries__year=review.next_year).values_list("pk", flat=True))
    new_ids, dropped_ids = next_ids - this_ids, this_ids - next_ids

    def sample(ids):
        return list(
            Customer.objects.filter(pk__in=list(ids)[: LIST_SAMPLE * 4]).order_by("number")[:LIST_SAMPLE]
        )

    return {
        "this_version": this,
        "next_version": nxt,
        "criteria": _criteria_rows(this, nxt, reasons),
        "thresholds": thresholds,
        "principles": principles,
        "goals": goals,
        "lists": {
            "this": len(this_ids), "next": len(next_ids), "continuing": len(this_ids & next_ids),
            "new": len(new_ids), "dropped": len(dropped_ids),
            "new_sample": sample(new_ids), "dropped_sample": sample(dropped_ids),
        },
    }  # fmt: skip
