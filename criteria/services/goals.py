"""Writes of the 2.3.1 goals: the BG's (BG VP) and each BU's, linked to the BG's (BU VP)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from criteria.models import BusinessGroupGoals, BusinessUnitGoals
from prioritization.access import Action, scope_for
from prioritization.models import BusinessGroup, BusinessUnit

GROUP_FIELDS = ("mission", "strategic_goal", "development_goals")
UNIT_FIELDS = ("strategic_goal", "development_goals", "customer_service_goal")


def can_set_group_goals(actor, group) -> bool:
    scope = scope_for(actor)
    return scope.filter(BusinessGroup.objects.filter(pk=group.pk), Action.SET_BG_GOALS).exists()


@transaction.atomic
def group_goals_save(*, actor, group: BusinessGroup, year: int, **fields) -> BusinessGroupGoals:
    if not can_set_group_goals(actor, group):
        raise PermissionDenied
    goals, _created = BusinessGroupGoals.objects.select_for_update().get_or_create(group=group, year=year)
    for name in GROUP_FIELDS:
        if name in fields:
            setattr(goals, name, fields[name])
    goals.updated_by = actor
    goals.full_clean()
    goals.save()
    BusinessUnitGoals.objects.filter(unit__group=group, year=year, group_goals__isnull=True).update(
        group_goals=goals
    )
    return goals


@transaction.atomic
def unit_goals_save(*, actor, unit: BusinessUnit, year: int, **fields) -> BusinessUnitGoals:
    """The BU's goals for the year, linked to its BG's goals of the same year when they exist."""
    if not scope_for(actor).can_in(Action.MANAGE_CRITERIA, unit=unit):
        raise PermissionDenied
    goals, _created = BusinessUnitGoals.objects.select_for_update().get_or_create(unit=unit, year=year)
    for name in UNIT_FIELDS:
        if name in fields:
            setattr(goals, name, fields[name])
    goals.group_goals = BusinessGroupGoals.objects.filter(group_id=unit.group_id, year=year).first()
    goals.updated_by = actor
    goals.full_clean()
    goals.save()
    return goals
