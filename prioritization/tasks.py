"""Tasks of the core app. Tasks are thin: they take ids and call one service."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from prioritization.services import notifications


@shared_task(name="prioritization.heartbeat", ignore_result=True)
def heartbeat():
    """Beat's tick: lets the smoke test and operators see that beat and a worker are alive."""
    cache.set("workbench:heartbeat", timezone.now().isoformat(), timeout=3600)


@shared_task(name="prioritization.send_email", ignore_result=True, acks_late=True)
def send_email(outbound_id: int):
    notifications.email_send(outbound_id)


@shared_task(name="prioritization.flush_outbox", ignore_result=True, acks_late=True)
def flush_outbox():
    notifications.outbox_flush()


@shared_task(name="prioritization.runtime_facts")
def runtime_facts():
    """What a worker process runs with (checked by the smoke test): XML parsing protection."""
    import openpyxl.xml

    return {"defusedxml": bool(openpyxl.xml.DEFUSEDXML)}

# Stage 2.3.3 tasks (the weekly overdue-contact reminder) live in their own module.
from prioritization import tasks_scoring  # noqa: E402,F401
