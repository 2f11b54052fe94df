"""Tasks of the prospects app: thin wrappers over services."""

from celery import shared_task

from prospects.services.upkeep import stale_digest_send


@shared_task(name="prospects.stale_digest", ignore_result=True, acks_late=True)
def stale_digest():
    """Beat runs this hourly; the digest goes out once per researcher per ISO week."""
    stale_digest_send()


@shared_task(name="prospects.workbook_job", ignore_result=True, acks_late=True)
def workbook_job(job_id: int):
    """A large import/export (WorkbookJob); a job already finished is not run again."""
    from prospects.services.jobs import workbook_job_run

    workbook_job_run(job_id)
