"""Large workbook imports and exports as background jobs (WorkbookJob): created by the views above
settings.WORKBOOK_SYNC_MAX_ROWS rows, run by prospects.tasks.workbook_job, idempotent (a finished job
is never run again), acting as the job's user through Scope."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from prospects.excel.reader import WorkbookError
from prospects.models import WorkbookJob, WorkbookUpload

JOB_DIR = "prospect_jobs"
logger = logging.getLogger(__name__)


def _job_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / JOB_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def workbook_job_create(*, kind: str, user, unit, year: int, total: int, upload: WorkbookUpload | None = None,
                        params: dict | None = None) -> WorkbookJob:  # fmt: skip
    """Record a queued job and enqueue its task once the surrounding transaction commits."""
    from prospects.tasks import workbook_job

    job = WorkbookJob.objects.create(kind=kind, user=user, unit=unit, year=year, total=total, upload=upload,
                                     params=params or {})  # fmt: skip

    def enqueue():
        try:
            workbook_job.delay(job.pk)
        except Exception:  # the queue (Redis) is unreachable: say so now rather than wait forever
            logger.warning("could not enqueue workbook job %s", job.pk, exc_info=True)
            WorkbookJob.objects.filter(pk=job.pk, status=WorkbookJob.Status.QUEUED).update(
                status=WorkbookJob.Status.FAILED,
                message=_("后台任务服务暂时不可用，任务没有开始，也没有写入任何数据。请稍后重新提交。"),
                finished_at=timezone.now(),
            )

    transaction.on_commit(enqueue)
    return job


def _progress(job: WorkbookJob, done: int, total: int | None = None) -> None:
    fields = {"done": done}
    if total is not None:
        fields["total"] = total
    WorkbookJob.objects.filter(pk=job.pk).update(**fields)


def _run_import(job: WorkbookJob) -> None:
    from prospects.services.exports import rejected_rows_write
    from prospects.services.imports import customers_import

    upload = job.upload
    result = customers_import(actor=job.user, path=upload.path, unit=upload.unit, segment=upload.segment,
                              year=upload.year, partial=bool(job.params.get("partial")), keep_outcomes=True,
                              progress=lambda done, total: _progress(job, done, total))  # fmt: skip
    job.result = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                  "errors": result.errors, "applied": result.applied}  # fmt: skip
    if result.applied:
        upload.applied_at = timezone.now()
        upload.save(update_fields=["applied_at"])
        if result.rejected:
            target = _job_dir() / f"job-{job.pk}-rejected.xlsx"
            rejected_rows_write(target=target, result=result, unit=upload.unit)
            job.output_path = str(target)
    else:
        job.message = _("有 %(n)s 行出错，没有写入任何数据。请修改后重新上传，或只导入正确的行。") % {
            "n": result.errors
        }


def _run_export(job: WorkbookJob) -> None:
    from prospects.filters import CustomerFilter
    from prospects.selectors.customers import customer_list_page_queryset
    from prospects.services.exports import customers_export

    query = QueryDict(job.params.get("query", ""))
    filterset = CustomerFilter(
        query or None, queryset=customer_list_page_queryset(user=job.user), request=job.user
    )
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    target = _job_dir() / f"job-{job.pk}-export.xlsx"
    count = customers_export(actor=job.user, target=target, unit=job.unit, year=job.year,
                             queryset=queryset.filter(unit=job.unit).order_by(),
                             progress=lambda done: _progress(job, done))  # fmt: skip
    job.result = {"rows": count}
    job.output_path = str(target)


def workbook_job_run(job_id: int) -> WorkbookJob | None:
    """Run a queued (or interrupted) job; a job already done or failed is left alone."""
    with transaction.atomic():
        job = WorkbookJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return job
        job.status = WorkbookJob.Status.RUNNING
        job.save(update_fields=["status"])
    job = WorkbookJob.objects.select_related("user", "unit", "upload__unit", "upload__segment").get(pk=job_id)
    try:
        (_run_import if job.kind == WorkbookJob.Kind.IMPORT else _run_export)(job)
    except (WorkbookError, PermissionDenied) as exc:
        job.status = WorkbookJob.Status.FAILED
        job.message = str(exc) or _("您无权执行此操作。")
    else:
        job.status = WorkbookJob.Status.DONE
        job.done = job.result.get("rows", job.total) if job.kind == WorkbookJob.Kind.EXPORT else job.total
        job.total = max(job.total, job.done)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result", "output_path", "done", "total", "finished_at"])
    return job
