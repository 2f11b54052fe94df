"""Celery tasks of the review stage: thin wrappers over the services, run by beat."""

from celery import shared_task

from reviews.services import quality


@shared_task(name="reviews.snapshot_data_quality", ignore_result=True, acks_late=True, autoretry_for=(Exception,),
             retry_backoff=True, max_retries=5)  # fmt: skip
def snapshot_data_quality():
    return quality.data_quality_snapshot_take()
