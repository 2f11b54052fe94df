"""The Celery application: `celery -A prioritization worker` / `celery -A prioritization beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prioritization.settings")

app = Celery("prioritization")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
