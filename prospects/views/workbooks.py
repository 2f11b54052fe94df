"""Excel in the browser: template download, export of the filtered list, upload → preview (dry
run) → apply all, or apply the valid rows and download the rejected ones."""

import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prioritization.access import Action, scope_for
from prioritization.models import BusinessUnit
from prospects.excel.reader import WorkbookError, open_basic_info
from prospects.filters import CustomerFilter
from prospects.forms import UploadForm
from prospects.models import WorkbookJob, WorkbookUpload
from prospects.selectors.customers import customer_list_page_queryset
from prospects.services.exports import customers_export, rejected_rows_write, template_write
from prospects.services.imports import ERROR, customers_import
from prospects.services.jobs import workbook_job_create

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 500
UPLOAD_DIR = "prospect_imports"


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year
    return year if 1950 <= year <= 2200 else timezone.localdate().year


def _unit(request, action):
    """The BU the user names with ?unit=CODE, else their only (or first) BU for `action`."""
    units = scope_for(request).units(action)
    code = request.GET.get("unit")
    unit = units.filter(code=code).first() if code else units.order_by("code").first()
    if unit is None:
        raise Http404
    return unit


def _xlsx_response(path_or_file, filename):
    return FileResponse(open(path_or_file, "rb"), as_attachment=True, filename=filename, content_type=XLSX)


@login_required
def template_download(request):
    unit = _unit(request, Action.IMPORT)
    year = _year(request)
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        template_write(target=handle.name, unit=unit, year=year)
    return _xlsx_response(handle.name, f"客户基本信息表-{unit.code}-{year}.xlsx")


@login_required
def export_download(request):
    """The filtered customer list of one BU, in the basic-info layout (round-trips unchanged)."""
    unit = _unit(request, Action.VIEW)
    filterset = CustomerFilter(request.GET or None, queryset=customer_list_page_queryset(user=request.user),
                               request=request)  # fmt: skip
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    year = _year(request)
    total = queryset.filter(unit=unit).count()
    if total > settings.WORKBOOK_SYNC_MAX_ROWS:
        job = workbook_job_create(kind=WorkbookJob.Kind.EXPORT, user=request.user, unit=unit, year=year,
                                  total=total, params={"query": request.GET.urlencode()})  # fmt: skip
        return redirect("prospects:job_detail", pk=job.pk)
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        customers_export(actor=request.user, target=handle.name, unit=unit, year=year,
                         queryset=queryset.filter(unit=unit).order_by())  # fmt: skip
    return _xlsx_response(handle.name, f"客户基本信息表-{unit.code}-{year}.xlsx")


def _upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def _importable(request):
    scope = scope_for(request)
    units = scope.units(Action.IMPORT)
    segments = scope.segments(Action.IMPORT).filter(is_active=True)
    if not units.exists() and not segments.exists():
        raise PermissionDenied
    if not units.exists():  # a segment-level role: the BUs of its segments
        units = BusinessUnit.objects.filter(pk__in=segments.values("unit_id"))
    return units, segments


@login_required
def import_upload(request):
    units, segments = _importable(request)
    form = UploadForm(request.POST or None, request.FILES or None, units=units, segments=segments,
                      initial={"year": _year(request)})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        unit, segment = form.cleaned_data["unit"], form.cleaned_data["segment"]
        if not scope_for(request).can_in(Action.IMPORT, unit=unit, segment=segment):
            form.add_error("segment", _("您无权向这里导入客户，请选择您负责的细分市场。"))
        else:
            token = secrets.token_urlsafe(24)
            path = _upload_dir() / f"{token}.xlsx"
            with path.open("wb") as out:
                for chunk in form.cleaned_data["file"].chunks():
                    out.write(chunk)
            WorkbookUpload.objects.create(
                token=token, uploaded_by=request.user, unit=unit, segment=segment, year=form.cleaned_data["year"],
                original_name=form.cleaned_data["file"].name[:255], path=str(path),
            )  # fmt: skip
            return redirect("prospects:import_preview", token=token)
    return render(request, "prospects/import_upload.html", {"form": form})


def _upload_for(request, token) -> WorkbookUpload:
    upload = get_object_or_404(WorkbookUpload.objects.select_related("unit", "segment"), token=token,
                               uploaded_by=request.user)  # fmt: skip
    if not scope_for(request).can_in(Action.IMPORT, unit=upload.unit, segment=upload.segment):
        raise Http404
    return upload


def _run(request, upload, **options):
    try:
        return customers_import(actor=request.user, path=upload.path, unit=upload.unit, segment=upload.segment,
                                year=upload.year, **options), None  # fmt: skip
    except WorkbookError as exc:
        return None, str(exc)
    except PermissionDenied:
        raise Http404 from None


@login_required
def import_preview(request, token):
    upload = _upload_for(request, token)
    result, problem = _run(request, upload, dry_run=True)
    shown = []
    if result:
        interesting = [o for o in result.outcomes if o.status != "unchanged" or o.warnings]
        shown = interesting[:PREVIEW_ROWS]
    return render(
        request,
        "prospects/import_preview.html",
        {
            "upload": upload,
            "result": result,
            "problem": problem,
            "shown": shown,
            "preview_rows": PREVIEW_ROWS,
        },
    )


@login_required
@require_POST
def import_apply(request, token):
    upload = _upload_for(request, token)
    partial = request.POST.get("mode") == "partial"
    try:
        rows = open_basic_info(upload.path).data_rows
    except WorkbookError:
        rows = 0  # the synchronous run below reports the problem
    if rows > settings.WORKBOOK_SYNC_MAX_ROWS:
        job = workbook_job_create(kind=WorkbookJob.Kind.IMPORT, user=request.user, unit=upload.unit,
                                  year=upload.year, total=rows, upload=upload, params={"partial": partial})  # fmt: skip
        return redirect("prospects:job_detail", pk=job.pk)
    result, problem = _run(request, upload, partial=partial, keep_outcomes=True)
    if problem:
        messages.error(request, problem)
        return redirect("prospects:import_upload")
    rejected = False
    if result.applied:
        upload.applied_at = timezone.now()
        upload.save(update_fields=["applied_at"])
        if result.rejected:
            rejected_rows_write(target=_rejected_path(upload), result=result, unit=upload.unit)
            rejected = True
        messages.success(request, _("导入完成：新增 %(c)s，更新 %(u)s，未变化 %(n)s，出错 %(e)s。")
                         % {"c": result.created, "u": result.updated, "n": result.unchanged, "e": result.errors})  # fmt: skip
    else:
        messages.error(
            request,
            _("有 %(n)s 行出错，没有写入任何数据。请修改后重新上传，或只导入正确的行。")
            % {"n": result.errors},
        )
        return redirect("prospects:import_preview", token=token)
    return render(request, "prospects/import_done.html", {"upload": upload, "result": result, "rejected": rejected,
                                                         "errors": [o for o in result.outcomes if o.status == ERROR][:PREVIEW_ROWS]})  # fmt: skip


def _rejected_path(upload) -> Path:
    return _upload_dir() / f"{upload.token}-rejected.xlsx"


@login_required
def import_rejected(request, token):
    upload = _upload_for(request, token)
    path = _rejected_path(upload)
    if not path.exists():
        raise Http404
    return _xlsx_response(path, f"被拒绝的行-{Path(upload.original_name).stem}.xlsx")


def _job_for(request, pk) -> WorkbookJob:
    """Only the job's owner, and only while the job's BU is still in their scope; 404 otherwise."""
    job = get_object_or_404(WorkbookJob.objects.select_related("unit", "upload"), pk=pk, user=request.user)
    if not scope_for(request).filter(WorkbookJob.objects.filter(pk=job.pk), Action.VIEW).exists():
        raise Http404
    return job


@login_required
def job_detail(request, pk):
    job = _job_for(request, pk)
    template = (
        "prospects/_job_status.html" if request.headers.get("HX-Request") else "prospects/job_detail.html"
    )
    return render(request, template, {"job": job})


@login_required
def job_download(request, pk):
    job = _job_for(request, pk)
    if job.status != WorkbookJob.Status.DONE or not job.output_path or not Path(job.output_path).exists():
        raise Http404
    if job.kind == WorkbookJob.Kind.EXPORT:
        name = f"客户基本信息表-{job.unit.code}-{job.year}.xlsx"
    else:
        name = f"被拒绝的行-{Path(job.upload.original_name).stem}.xlsx"
    return _xlsx_response(job.output_path, name)
