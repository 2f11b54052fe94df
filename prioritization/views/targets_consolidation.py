"""BU and BG consolidation downloads and the BG VP's arbitration between BUs."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prioritization.access import Action, scope_for
from prioritization.models import BusinessGroup, BusinessUnit
from prioritization.services import consolidation
from prioritization.views.targets import XLSX, _errors, _place


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def bu_list_export(request):
    """The BU VP's merged list of every segment, as a workbook."""
    place = _place(request)
    if not scope_for(request).can_in(Action.MERGE_BU_LIST, unit=place.unit):
        raise PermissionDenied
    buffer = io.BytesIO()
    consolidation.bu_list_write(buffer, actor=request.user, unit=place.unit, year=place.year)
    return _xlsx(buffer.getvalue(), f"bu-list-{place.unit.code}-{place.year}.xlsx")


def _group_and_year(request):
    scope = scope_for(request)
    if not scope.allows(Action.APPROVE_BG_LIST):
        raise PermissionDenied
    groups = scope.filter(BusinessGroup.objects.all(), Action.APPROVE_BG_LIST)
    code = request.GET.get("bg") or request.POST.get("bg")
    group = groups.filter(code=code).first() if code else groups.order_by("code").first()
    if group is None:
        raise Http404
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError as exc:
        raise Http404 from exc
    return group, year


@login_required
def bg_list_export(request):
    """The BG list (every BU's decided targets, approvals and arbitrations) as a workbook."""
    group, year = _group_and_year(request)
    buffer = io.BytesIO()
    consolidation.bg_list_write(buffer, actor=request.user, group=group, year=year)
    return _xlsx(buffer.getvalue(), f"bg-list-{group.code}-{year}.xlsx")


@login_required
@require_POST
def unit_arbitrate(request):
    """The BG VP records which BU owns a company two BUs both hold, with the reason."""
    group, year = _group_and_year(request)
    unit = BusinessUnit.objects.filter(group=group, pk=request.POST.get("primary_unit") or 0).first()
    if unit is None:
        messages.error(request, _("请选择归属的业务单元。"))
    else:
        try:
            arbitration = consolidation.unit_arbitrate(
                actor=request.user,
                group=group,
                year=year,
                name_key=request.POST.get("name_key", ""),
                primary_unit=unit,
                reason=request.POST.get("reason", ""),
            )
            messages.success(
                request,
                _("已裁定 %(name)s 归属 %(unit)s。") % {"name": arbitration.name, "unit": unit.name},
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    return redirect(f"{reverse('prioritization:bg_list')}?bg={group.code}&year={year}")
