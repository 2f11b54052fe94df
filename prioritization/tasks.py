"""Tasks of the core app. Tasks are thin: they take ids and call one service."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone


@shared_task(name="prioritization.heartbeat", ignore_result=True)
def heartbeat():
    """Beat's minute tick: lets the smoke test and operators see that beat and a worker are alive."""
    cache.set("workbench:heartbeat", timezone.now().isoformat(), timeout=3600)
