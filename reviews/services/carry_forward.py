"""Carry a confirmed review forward to the next planning year, in one step (one transaction):

1. next year's BU goals (as the BG VP confirmed them), through the criteria stage's goals service;
2. a draft criteria version for next year copied (the criteria stage's own copy service) from next
   year's version in force when the BU has already agreed one, else from this year's, with the
   review's proposed weight, threshold, cadence and principle changes applied and every change's
   reason written into the version's revision note;
3. the continuing customer list: this year's target customers (tiers 1–3) put on next year's list
   with origin "carried", except those the BU VP chose to drop;
4. a CarryForward record of what was produced.

Everything goes through the owning stages' services, so their permission checks and validation
apply: the actor must be able to manage the BU's criteria and add customers to its list (the BU VP)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.services.goals import unit_goals_save
from criteria.services.versions import (
    CRITERION_FIELDS,
    PRINCIPLE_FIELDS,
    version_copy,
    version_criteria_set,
    version_principles_set,
    version_settings_update,
)
from prioritization.access import Action, scope_for
from prioritization.models import Target
from prioritization.tiers import Tier
from prospects.models import Customer, ListEntry
from prospects.services.customers import prospect_list_add
from reviews.models import CarryForward, ChangeKind, Review, ReviewStatus
from reviews.services.reviews import carry_forward_base, proposal_errors

CONTINUING_TIERS = (Tier.TIER1, Tier.TIER2, Tier.TIER3)


def continuing_customers(review: Review):
    """This year's target customers (decided tiers 1–3 on this year's list), in customer order."""
    listed = ListEntry.objects.filter(year=review.year, customer__unit_id=review.unit_id).values(
        "customer_id"
    )
    targets = Target.objects.filter(year=review.year, tier__in=CONTINUING_TIERS, customer_id__in=listed)
    return (
        Customer.objects.filter(pk__in=targets.values("customer_id"))
        .select_related("segment")
        .order_by("segment__code", "number")
    )


_AS_SEEN = object()


def change_note(change, current=_AS_SEEN) -> str:
    """The change in words for the revision note; `current`: the value in the version it is
    applied to (default: the value the review saw)."""
    if current is _AS_SEEN:
        current = change.current_value
    if change.kind in (ChangeKind.WEIGHT, ChangeKind.THRESHOLD, ChangeKind.CADENCE):
        what = _("%(subject)s %(kind)s：%(old)s → %(new)s") % {
            "subject": change.subject,
            "kind": change.get_kind_display(),
            "old": _fmt(None if current is None else Decimal(current)),
            "new": _fmt(change.proposed_value),
        }
    else:
        what = _("%(subject)s %(kind)s：%(new)s") % {
            "subject": change.subject,
            "kind": change.get_kind_display(),
            "new": change.proposed_text,
        }
    return _("%(what)s（理由：%(reason)s）") % {"what": what, "reason": change.reason}


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}"


def _current_value(version, change):
    """The value `change` replaces in `version` (None: it has none)."""
    if change.kind == ChangeKind.WEIGHT:
        return next((c.weight for c in version.criteria.all() if c.name == change.criterion.name), None)
    if change.kind == ChangeKind.THRESHOLD:
        return getattr(version, f"{change.dimension}_threshold", None)
    if change.kind == ChangeKind.CADENCE:
        principle = next((p for p in version.principles.all() if p.tier == change.tier), None)
        return principle.contact_cadence_days if principle else None
    return None


def _apply_changes(*, actor, version, changes) -> None:
    notes = [change_note(c, _current_value(version, c)) for c in changes]
    weights = {c.criterion.name: int(c.proposed_value) for c in changes if c.kind == ChangeKind.WEIGHT}
    if weights:
        rows = []
        for criterion in version.criteria.order_by("dimension", "order", "pk"):
            row = {f: getattr(criterion, f) for f in CRITERION_FIELDS}
            row["id"] = criterion.pk
            row["weight"] = weights.get(criterion.name, criterion.weight)
            rows.append(row)
        version_criteria_set(actor=actor, version=version, criteria=rows)
    settings = {
        f"{c.dimension}_threshold": c.proposed_value for c in changes if c.kind == ChangeKind.THRESHOLD
    }
    head = version.note
    settings["note"] = "\n".join([head, *notes]) if head else "\n".join(notes)
    version_settings_update(actor=actor, version=version, **settings)
    principles: dict[str, dict] = {}
    existing = {p.tier: p for p in version.principles.all()}
    for change in changes:
        if change.kind not in (ChangeKind.CADENCE, ChangeKind.PRINCIPLE):
            continue
        current = existing.get(change.tier)
        values = principles.setdefault(
            change.tier,
            {f: getattr(current, f) for f in PRINCIPLE_FIELDS}
            if current
            else {"name": str(Tier(change.tier).label), "service_principle": "", "expected_actions": ""},
        )
        if change.kind == ChangeKind.CADENCE:
            values["contact_cadence_days"] = int(change.proposed_value)
        else:
            values["service_principle"] = change.proposed_text
    if principles:
        version_principles_set(actor=actor, version=version, principles=principles)


@transaction.atomic
def review_carry_forward(
    *, actor, review: Review, drop_customer_ids: Iterable[int] = (), now=None
) -> CarryForward:
    scope = scope_for(actor)
    if not scope.can(Action.SUBMIT_REVIEW, review):
        raise PermissionDenied
    review = Review.objects.select_for_update().select_related("unit__group").get(pk=review.pk)
    if review.status != ReviewStatus.CONFIRMED:
        raise ValidationError(_("年度评估经业务群营销副总确认后才能结转到下一年度。"))
    if CarryForward.objects.filter(review=review).exists():
        raise ValidationError(_("本年度评估已经结转过。"))
    next_year = review.next_year

    goals = unit_goals_save(
        actor=actor,
        unit=review.unit,
        year=next_year,
        strategic_goal=review.next_strategic_goal,
        development_goals=review.next_development_goals,
        customer_service_goal=review.next_customer_service_goal,
    )

    source = carry_forward_base(review)
    if source is None:
        raise ValidationError(
            _("%(unit)s 在 %(year)s 年没有选择标准版本，无法复制到下一年度。")
            % {"unit": review.unit, "year": review.year}
        )
    errors = proposal_errors(review, source)
    if errors:
        # Checked before anything is written; the BG VP can send the confirmed review back.
        raise ValidationError(
            [
                _("建议修订无法应用到 %(version)s，未结转；业务群营销副总可将本评估退回修改：")
                % {"version": source},
                *errors,
            ]
        )
    version = version_copy(
        actor=actor,
        source=source,
        year=next_year,
        note=_("由 %(year)s 年度评估结转，复制自 %(source)s") % {"year": review.year, "source": source},
    )
    changes = list(review.changes.select_related("criterion").order_by("kind", "dimension", "tier", "pk"))
    # A weight change names a criterion of the version the review looked at; it applies to the
    # criterion of that name in the copy (proposal_errors above made sure there is one).
    _apply_changes(actor=actor, version=version, changes=changes)
    version.refresh_from_db()

    dropped = set(drop_customer_ids)
    carried = 0
    for customer in continuing_customers(review):
        if customer.pk in dropped:
            continue
        prospect_list_add(actor=actor, customer=customer, year=next_year, origin=ListEntry.Origin.CARRIED)
        carried += 1

    return CarryForward.objects.create(
        review=review,
        version=version,
        goals=goals,
        customers_carried=carried,
        changes_applied=len(changes),
        carried_by=actor,
        carried_at=now or timezone.now(),
    )
