"""The 2.3.1 goals page: the BG's mission and goals (BG VP) and each BU's goals (BU VP) for a year."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from criteria.forms import GroupGoalsForm, UnitGoalsForm
from criteria.models import BusinessGroupGoals, BusinessUnitGoals
from criteria.services.goals import (
    GROUP_FIELDS,
    UNIT_FIELDS,
    can_set_group_goals,
    group_goals_save,
    unit_goals_save,
)
from criteria.views.versions import _default_year, _int_param
from prioritization.access import Action, scope_for
from prioritization.models import BusinessGroup


@login_required
def goals(request):
    scope = scope_for(request)
    year = _int_param(request, "year") or _default_year()
    if not 2000 <= year <= 2100:
        year = _default_year()
    units = list(scope.units(Action.VIEW_CRITERIA))
    manageable = set(scope.units(Action.MANAGE_CRITERIA).values_list("pk", flat=True))
    groups = {u.group_id: u.group for u in units}
    for group in scope.filter(BusinessGroup.objects.all(), Action.SET_BG_GOALS):
        groups.setdefault(group.pk, group)
    group_goals = {g.group_id: g for g in BusinessGroupGoals.objects.filter(group__in=groups, year=year)}
    unit_goals = {g.unit_id: g for g in BusinessUnitGoals.objects.filter(unit__in=units, year=year)}

    if request.method == "POST":
        kind, target = request.POST.get("kind"), request.POST.get("target")
        if kind == "group":
            group = next((g for g in groups.values() if str(g.pk) == target), None)
            if group is None:
                raise Http404
            if not can_set_group_goals(request.user, group):
                raise PermissionDenied
            form = GroupGoalsForm(request.POST, prefix=f"g{group.pk}")
            if form.is_valid():
                group_goals_save(
                    actor=request.user,
                    group=group,
                    year=year,
                    **{f: form.cleaned_data[f] for f in GROUP_FIELDS},
                )
                messages.success(request, _("业务群目标已保存。"))
                return redirect(f"{reverse('criteria:goals')}?year={year}")
        elif kind == "unit":
            unit = next((u for u in units if str(u.pk) == target), None)
            if unit is None:
                raise Http404
            if unit.pk not in manageable:
                raise PermissionDenied
            form = UnitGoalsForm(request.POST, prefix=f"u{unit.pk}")
            if form.is_valid():
                unit_goals_save(
                    actor=request.user, unit=unit, year=year, **{f: form.cleaned_data[f] for f in UNIT_FIELDS}
                )
                messages.success(request, _("业务单元目标已保存。"))
                return redirect(f"{reverse('criteria:goals')}?year={year}")
        else:
            raise Http404

    group_panels = []
    for group in sorted(groups.values(), key=lambda g: g.code):
        goals_row = group_goals.get(group.pk)
        editable = can_set_group_goals(request.user, group)
        group_panels.append(
            {
                "group": group,
                "goals": goals_row,
                "form": GroupGoalsForm(instance=goals_row, prefix=f"g{group.pk}") if editable else None,
                "units": [
                    {
                        "unit": u,
                        "goals": unit_goals.get(u.pk),
                        "form": UnitGoalsForm(instance=unit_goals.get(u.pk), prefix=f"u{u.pk}")
                        if u.pk in manageable
                        else None,
                    }
                    for u in units
                    if u.group_id == group.pk
                ],
            }
        )
    return render(
        request,
        "criteria/goals.html",
        {"year": year, "panels": group_panels, "years": range(year - 2, year + 2)},
    )
