"""Tasks of the prospects app: thin wrappers over services."""

from celery import shared_task

from prospects.services.upkeep import stale_digest_send


@shared_task(name="prospects.stale_digest", ignore_result=True, acks_late=True)
def stale_digest():
    """Beat runs this hourly; the digest goes out once per researcher per ISO week."""
    stale_digest_send()
