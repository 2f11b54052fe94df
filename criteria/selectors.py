"""Reads of the year's criteria set-up.

`size_bands_for`, `target_segments_for` and `active_version_for` are a contract between stages
(prospects use the size bands and quotas, scoring uses the version in force) — keep the signatures.
They are not scoped: the caller has already checked the user's access to the BU. The
`*_visible` selectors apply the user's scope."""

from decimal import Decimal

from django.db.models import Prefetch, Q
from django.http import Http404

from criteria.models import (
    BusinessGroupGoals,
    BusinessUnitGoals,
    CriteriaVersion,
    Criterion,
    TargetSegment,
)
from criteria.models.versions import IN_FORCE
from prioritization.access import Action, scope_for

# INTERFACES.md: 大型 revenue ≥ 200000 万元; 中型 ≥ 10000 万元; 小型 below. Configurable per BU-year.
DEFAULT_SIZE_BANDS = (Decimal("200000"), Decimal("10000"))
DEFAULT_QUOTAS = {"large": 30, "medium": 50, "small": 20}


def _criteria_prefetch():
    return Prefetch("criteria", queryset=Criterion.objects.order_by("dimension", "order", "pk"))


def active_version_for(*, unit, year: int):
    """The criteria version in force for (BU, year) — active, or frozen once scoring started — with
    its criteria (ordered: attractiveness first, then by order), tier principles and target
    segments prefetched; None when the BU has none for that year."""
    return (
        CriteriaVersion.objects.filter(unit=unit, year=year, status__in=IN_FORCE)
        .select_related("unit")
        .prefetch_related(
            _criteria_prefetch(),
            "principles",
            Prefetch("target_segments", queryset=TargetSegment.objects.select_related("segment")),
        )
        .first()
    )


def size_bands_for(*, unit, year: int) -> tuple[Decimal, Decimal]:
    """(large_min, medium_min) in 万元 of revenue for the BU's planning year: those of the version
    in force, else the defaults."""
    row = (
        CriteriaVersion.objects.filter(unit=unit, year=year, status__in=IN_FORCE)
        .values_list("large_min", "medium_min")
        .first()
    )
    return (row[0], row[1]) if row else DEFAULT_SIZE_BANDS


def target_segments_for(*, unit, year: int) -> list[dict]:
    """The BU's target segments for the year: [{"segment": Segment, "quotas": {"large": n, …}}],
    from the version in force; without one (or when it names no segment), every active segment of
    the BU with the default quotas."""
    targets = list(
        TargetSegment.objects.filter(
            version__unit=unit, version__year=year, version__status__in=IN_FORCE
        ).select_related("segment")
    )
    if targets:
        return [{"segment": t.segment, "quotas": t.quotas} for t in targets]
    return [{"segment": s, "quotas": dict(DEFAULT_QUOTAS)} for s in unit.segments.filter(is_active=True)]


# --- scoped reads --------------------------------------------------------------------------------
def version_visibility_q(scope) -> Q:
    """Who sees which versions: those who manage criteria in the BU and the BG VP (holder of
    SET_BG_GOALS for the BU's group) see every version; every other holder of VIEW_CRITERIA in
    the BU sees only the version in force (and the ones it replaced)."""
    if scope.is_admin:
        return Q()  # (Q() | x is x: an empty Q must not be combined)
    full = scope.q_for(CriteriaVersion, Action.MANAGE_CRITERIA) | scope.q_for(
        CriteriaVersion, Action.SET_BG_GOALS
    )
    readers = scope.q_for(CriteriaVersion, Action.VIEW_CRITERIA) & ~Q(status="draft")
    return full | readers


def version_list_visible(*, user, unit=None, year=None):
    scope = scope_for(user)
    qs = CriteriaVersion.objects.filter(version_visibility_q(scope)).select_related(
        "unit", "created_by", "activated_by"
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("unit__code", "-year", "-number")


def version_get_visible(*, user, pk) -> CriteriaVersion:
    """The version with its children prefetched, or 404 when the user may not see it."""
    scope = scope_for(user)
    try:
        return (
            CriteriaVersion.objects.filter(version_visibility_q(scope))
            .select_related("unit__group", "based_on", "created_by", "activated_by")
            .prefetch_related(
                _criteria_prefetch(),
                "principles",
                Prefetch("target_segments", queryset=TargetSegment.objects.select_related("segment")),
            )
            .get(pk=pk)
        )
    except (CriteriaVersion.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def criteria_by_dimension(version) -> dict[str, list]:
    grouped = {"attractiveness": [], "feasibility": []}
    for criterion in version.criteria.all():
        grouped.setdefault(criterion.dimension, []).append(criterion)
    return grouped


def group_goals_visible(*, user, group, year):
    scope = scope_for(user)
    return scope.filter(BusinessGroupGoals.objects.filter(group=group, year=year), Action.VIEW).first()


def unit_goals_list_visible(*, user, year):
    scope = scope_for(user)
    return scope.filter(
        BusinessUnitGoals.objects.filter(year=year).select_related("unit", "group_goals", "updated_by"),
        Action.VIEW_CRITERIA,
    ).order_by("unit__code")
