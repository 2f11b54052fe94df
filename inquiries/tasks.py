"""Celery tasks of the inquiry stage: thin wrappers over the services, run by beat (never one task
per inquiry — the sweep reads what is due from indexed deadline columns)."""

from celery import shared_task

from inquiries.services import reports, sweep


@shared_task(
    name="inquiries.sla_sweep",
    ignore_result=True,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def sla_sweep():
    result = sweep.sla_sweep()
    return {"reminders": result.reminders, "escalations": result.escalations}


@shared_task(name="inquiries.daily_report", ignore_result=True, acks_late=True, autoretry_for=(Exception,),
             retry_backoff=True, max_retries=5)  # fmt: skip
def daily_report():
    return reports.daily_report_send()


@shared_task(name="inquiries.monthly_report", ignore_result=True, acks_late=True, autoretry_for=(Exception,),
             retry_backoff=True, max_retries=5)  # fmt: skip
def monthly_report():
    return reports.monthly_report_send()
