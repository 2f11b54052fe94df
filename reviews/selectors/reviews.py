"""Reads of reviews, through the user's scope: who holds REVIEW in a BU sees its reviews; the BG VP
sees every BU of the BG."""

from __future__ import annotations

from django.db.models import Prefetch

from prioritization.access import Action, scope_for
from prioritization.models import BusinessUnit
from reviews.models import ProposedChange, Review, ReviewComment, ReviewSummary


def units_for_review(*, user):
    return scope_for(user).units(Action.REVIEW).filter(is_active=True).order_by("group__code", "code")


def review_list_visible(*, user, year: int | None = None):
    qs = scope_for(user).filter(
        Review.objects.select_related("unit__group", "submitted_by", "confirmed_by"), Action.REVIEW
    )
    if year is not None:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "unit__code")


def review_board(*, user, year: int) -> list[dict]:
    """One row per BU the user may review: the BU and its review of `year` (or None)."""
    reviews = {r.unit_id: r for r in review_list_visible(user=user, year=year)}
    return [{"unit": unit, "review": reviews.get(unit.pk)} for unit in units_for_review(user=user)]


def review_get_visible(*, user, pk, action: str = Action.REVIEW) -> Review:
    qs = Review.objects.select_related(
        "unit__group", "created_by", "submitted_by", "confirmed_by", "carry_forward__version",
        "carry_forward__goals", "carry_forward__carried_by",
    ).prefetch_related(
        Prefetch("summaries", queryset=ReviewSummary.objects.select_related("segment", "author")),
        Prefetch("comments", queryset=ReviewComment.objects.select_related("author")),
        Prefetch("changes", queryset=ProposedChange.objects.select_related("criterion", "proposed_by")),
    )  # fmt: skip
    scope = scope_for(user)
    review = scope.get_or_404(scope.filter(qs, Action.REVIEW), Action.VIEW, pk=pk)
    if action != Action.REVIEW and action != Action.VIEW:
        from django.core.exceptions import PermissionDenied

        if not scope.can(action, review):
            raise PermissionDenied
    return review


def group_reviews(*, user, group, year: int) -> list[dict]:
    """The BG VP's side-by-side: every BU of the group the user may review, with its review."""
    units = units_for_review(user=user).filter(group=group)
    reviews = {
        r.unit_id: r
        for r in review_list_visible(user=user, year=year)
        .filter(unit__group=group)
        .prefetch_related("summaries")
    }
    return [{"unit": u, "review": reviews.get(u.pk)} for u in units]


def unit_get_for_review(*, user, pk) -> BusinessUnit:
    scope = scope_for(user)
    return scope.get_or_404(scope.units(Action.REVIEW), Action.VIEW, pk=pk)
