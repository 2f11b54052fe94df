"""Pages of a BU's criteria versions: list and create, view, edit (criteria, tiers, segments),
lifecycle, history, compare, xlsx export and import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from criteria import history as version_history
from criteria.compare import compare_versions
from criteria.excel import WorkbookUnusable, version_workbook
from criteria.forms import (
    CriterionFormSet,
    ImportForm,
    SizeBandsForm,
    TargetSegmentFormSet,
    TierPrincipleFormSet,
    VersionCreateForm,
    VersionSettingsForm,
    rule_as_text,
)
from criteria.models import Dimension
from criteria.selectors import criteria_by_dimension, version_get_visible, version_list_visible
from criteria.services.revisions import (
    PAGE_CRITERIA,
    PAGE_SEGMENTS,
    PAGE_TIERS,
    version_page_revision,
)
from criteria.services.versions import (
    PRINCIPLE_FIELDS,
    VersionNotEditable,
    not_editable_message,
    target_segment_warnings,
    version_activate,
    version_activation_errors,
    version_copy_last_year,
    version_create,
    version_criteria_set,
    version_delete,
    version_import,
    version_revise,
    version_segments_save,
    version_tiers_save,
)
from prioritization.access import Action, scope_for
from prioritization.models import AuditEvent
from prioritization.services.audit import audit_record
from prioritization.tiers import TIER_MEANING, Tier


def _default_year():
    # Criteria are set in Oct–Nov for the next planning year.
    today = timezone.localdate()
    return today.year + 1 if today.month >= 10 else today.year


def _int_param(request, name):
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


@login_required
def version_list(request):
    scope = scope_for(request)
    year = _int_param(request, "year")
    versions = version_list_visible(user=request.user, year=year)
    manageable_units = scope.units(Action.MANAGE_CRITERIA)
    form = None
    if manageable_units.exists():
        form = VersionCreateForm(units=manageable_units, initial={"year": _default_year()})
    return render(
        request,
        "criteria/version_list.html",
        {"versions": versions, "form": form, "year": year},
    )


@login_required
@require_POST
def version_create_view(request):
    scope = scope_for(request)
    units = scope.units(Action.MANAGE_CRITERIA)
    if not units.exists():
        raise PermissionDenied
    form = VersionCreateForm(request.POST, units=units)
    if not form.is_valid():
        versions = version_list_visible(user=request.user)
        return render(request, "criteria/version_list.html", {"versions": versions, "form": form}, status=400)
    data = form.cleaned_data
    try:
        if data["source"] == VersionCreateForm.SOURCE_LAST_YEAR:
            version = version_copy_last_year(actor=request.user, unit=data["unit"], year=data["year"])
        else:
            version = version_create(
                actor=request.user, unit=data["unit"], year=data["year"], template=data["template"]
            )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("criteria:version_list")
    messages.success(
        request, _("已创建草稿 %(version)s，请检查标准和权重后使其生效。") % {"version": version}
    )
    return redirect("criteria:version_detail", pk=version.pk)


def _version_for_manage(request, pk):
    version = version_get_visible(user=request.user, pk=pk)
    if not scope_for(request).can(Action.MANAGE_CRITERIA, version):
        raise PermissionDenied
    return version


@login_required
def version_detail(request, pk):
    version = version_get_visible(user=request.user, pk=pk)
    scope = scope_for(request)
    can_manage = scope.can(Action.MANAGE_CRITERIA, version)
    grouped = criteria_by_dimension(version)
    others = version_list_visible(user=request.user, unit=version.unit).exclude(pk=version.pk)
    principles = sorted(version.principles.all(), key=lambda p: list(Tier).index(p.tier))
    return render(
        request,
        "criteria/version_detail.html",
        {
            "version": version,
            "dimension_rows": [
                (d, grouped[d.value], sum(c.weight for c in grouped[d.value])) for d in Dimension
            ],
            "principles": [(p, TIER_MEANING[p.tier]) for p in principles],
            "targets": version.target_segments.all(),
            "segment_warnings": target_segment_warnings(len(version.target_segments.all())),
            "can_manage": can_manage,
            "activation_errors": version_activation_errors(version)
            if can_manage and version.is_editable
            else [],
            "others": others,
        },
    )


def _not_editable(request, version):
    version.refresh_from_db(fields=["status"])
    messages.warning(request, not_editable_message(version))
    return redirect("criteria:version_detail", pk=version.pk)


def _posted_revision(request) -> str | None:
    """The revision the edit page showed (hidden field "revision"); None when the post has none."""
    value = (request.POST.get("revision") or "").strip()
    return value[:64] or None


def _criterion_initial(criteria):
    return [
        {
            "id": c.pk, "name": c.name, "name_en": c.name_en, "description": c.description,
            "guidance": c.guidance, "weight": c.weight, "rule": rule_as_text(c.rule),
        }
        for c in criteria
    ]  # fmt: skip


@login_required
def version_edit(request, pk):
    version = _version_for_manage(request, pk)
    if not version.is_editable:
        return _not_editable(request, version)
    grouped = criteria_by_dimension(version)
    errors = []
    revision = version_page_revision(version, PAGE_CRITERIA)
    if request.method == "POST":
        # A refused form keeps the revision it was typed against: saving it again is refused too.
        revision = _posted_revision(request) or revision
        formsets = {d: CriterionFormSet(request.POST, prefix=d.value) for d in Dimension}
        if all(fs.is_valid() for fs in formsets.values()):
            rows = [row for d, fs in formsets.items() for row in fs.rows(d.value)]
            try:
                version_criteria_set(
                    actor=request.user,
                    version=version,
                    criteria=rows,
                    expected_revision=_posted_revision(request),
                )
            except VersionNotEditable:
                return _not_editable(request, version)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("评估标准和权重已保存。"))
                return redirect("criteria:version_detail", pk=version.pk)
    else:
        formsets = {
            d: CriterionFormSet(prefix=d.value, initial=_criterion_initial(grouped[d.value]))
            for d in Dimension
        }
    return render(
        request,
        "criteria/version_edit.html",
        {
            "version": version,
            "formsets": [(d, formsets[d]) for d in Dimension],
            "errors": errors,
            "revision": revision,
        },
        status=400 if errors or request.method == "POST" else 200,
    )


@login_required
def version_tiers(request, pk):
    version = _version_for_manage(request, pk)
    if not version.is_editable:
        return _not_editable(request, version)
    principles = sorted(version.principles.all(), key=lambda p: list(Tier).index(p.tier))
    initial = [{"tier": p.tier, **{f: getattr(p, f) for f in PRINCIPLE_FIELDS}} for p in principles]
    have = {p.tier for p in principles}
    initial += [{"tier": t.value, "name": t.label} for t in Tier if t.value not in have]
    errors = []
    revision = version_page_revision(version, PAGE_TIERS)
    if request.method == "POST":
        revision = _posted_revision(request) or revision
        form = VersionSettingsForm(request.POST, instance=version)
        formset = TierPrincipleFormSet(request.POST, prefix="principles", initial=initial)
        if form.is_valid() and formset.is_valid():
            try:
                version_tiers_save(
                    actor=request.user,
                    version=version,
                    settings={f: form.cleaned_data[f] for f in VersionSettingsForm.Meta.fields},
                    principles={
                        f.cleaned_data["tier"]: {k: f.cleaned_data[k] for k in PRINCIPLE_FIELDS}
                        for f in formset.forms
                    },
                    expected_revision=_posted_revision(request),
                )
            except VersionNotEditable:
                return _not_editable(request, version)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("阈值和分级客户管理原则已保存。"))
                return redirect("criteria:version_detail", pk=version.pk)
    else:
        form = VersionSettingsForm(instance=version)
        formset = TierPrincipleFormSet(prefix="principles", initial=initial)
    tier_labels = {t.value: (t.label, TIER_MEANING[t]) for t in Tier}
    return render(
        request,
        "criteria/version_tiers.html",
        {
            "version": version,
            "form": form,
            "principle_forms": [(f, tier_labels.get(f["tier"].value())) for f in formset.forms],
            "formset": formset,
            "errors": errors,
            "revision": revision,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def version_segments(request, pk):
    version = _version_for_manage(request, pk)
    if not version.is_editable:
        return _not_editable(request, version)
    segments = version.unit.segments.filter(is_active=True)
    initial = [{"segment": t.segment, **t.quotas} for t in version.target_segments.all()]
    initial = [
        {
            "segment": i["segment"],
            "quota_large": i["large"],
            "quota_medium": i["medium"],
            "quota_small": i["small"],
        }
        for i in initial
    ]
    errors = []
    revision = version_page_revision(version, PAGE_SEGMENTS)
    if request.method == "POST":
        revision = _posted_revision(request) or revision
        form = SizeBandsForm(request.POST, instance=version)
        formset = TargetSegmentFormSet(request.POST, prefix="targets", segments=segments)
        if form.is_valid() and formset.is_valid():
            try:
                warnings = version_segments_save(
                    actor=request.user,
                    version=version,
                    large_min=form.cleaned_data["large_min"],
                    medium_min=form.cleaned_data["medium_min"],
                    rows=formset.rows(),
                    expected_revision=_posted_revision(request),
                )
            except VersionNotEditable:
                return _not_editable(request, version)
            except ValidationError as exc:
                errors = exc.messages
            else:
                for warning in warnings:
                    messages.warning(request, warning)
                messages.success(request, _("重点细分市场、收集配额和规模划分已保存。"))
                return redirect("criteria:version_detail", pk=version.pk)
    else:
        form = SizeBandsForm(instance=version)
        formset = TargetSegmentFormSet(prefix="targets", segments=segments, initial=initial)
    return render(
        request,
        "criteria/version_segments.html",
        {"version": version, "form": form, "formset": formset, "errors": errors, "revision": revision},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def version_activate_view(request, pk):
    version = _version_for_manage(request, pk)
    try:
        version_activate(actor=request.user, version=version)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("版本 %(version)s 已生效。") % {"version": version})
    return redirect("criteria:version_detail", pk=version.pk)


@login_required
@require_POST
def version_revise_view(request, pk):
    version = _version_for_manage(request, pk)
    revised = version_revise(actor=request.user, version=version)
    messages.success(request, _("已创建修订草稿 %(version)s。") % {"version": revised})
    return redirect("criteria:version_detail", pk=revised.pk)


@login_required
@require_POST
def version_delete_view(request, pk):
    version = _version_for_manage(request, pk)
    try:
        version_delete(actor=request.user, version=version)
    except VersionNotEditable:
        return _not_editable(request, version)
    messages.success(request, _("草稿已删除。"))
    return redirect("criteria:version_list")


@login_required
def version_history_view(request, pk):
    version = version_get_visible(user=request.user, pk=pk)
    return render(
        request,
        "criteria/version_history.html",
        {"version": version, "entries": version_history.entries_for(version)},
    )


@login_required
def version_compare(request):
    left_pk, right_pk = _int_param(request, "a"), _int_param(request, "b")
    left = version_get_visible(user=request.user, pk=left_pk)
    right = version_get_visible(user=request.user, pk=right_pk)
    return render(
        request,
        "criteria/version_compare.html",
        {"left": left, "right": right, "sections": compare_versions(left, right)},
    )


@login_required
def version_export(request, pk):
    version = version_get_visible(user=request.user, pk=pk)
    audit_record(
        kind=AuditEvent.Kind.EXPORT, request=request, unit=version.unit, target=f"criteria {version}"
    )
    response = HttpResponse(
        version_workbook(version),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="criteria-{version.unit.code}-{version.year}-v{version.number}.xlsx"'
    )
    return response


@login_required
def version_import_view(request, pk):
    version = _version_for_manage(request, pk)
    if not version.is_editable:
        return _not_editable(request, version)
    errors = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            warnings = version_import(
                actor=request.user, version=version, data=form.cleaned_data["file"].read()
            )
        except WorkbookUnusable as exc:
            errors = [str(exc)]
        except VersionNotEditable:
            return _not_editable(request, version)
        except ValidationError as exc:
            errors = exc.messages
        else:
            for warning in warnings:
                messages.warning(request, warning)
            messages.success(request, _("已从 Excel 导入版本内容。"))
            return redirect("criteria:version_detail", pk=version.pk)
    return render(
        request,
        "criteria/version_import.html",
        {"version": version, "form": form, "errors": errors},
        status=400 if request.method == "POST" else 200,
    )
