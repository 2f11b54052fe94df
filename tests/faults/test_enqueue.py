"""How work reaches Celery: never a task scheduled far ahead (timers are deadline columns swept by
beat, not ETA tasks that Redis would redeliver after its visibility timeout or lose with a restart),
and never a task for work that was rolled back (enqueueing happens on commit)."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from celery.signals import task_prerun
from django.core import mail
from django.db import transaction
from django.utils import timezone

from inquiries.services.inquiries import inquiry_log
from inquiries.services.sweep import sla_sweep
from prioritization.models import Notification, OutboundEmail
from prioritization.services.notifications import Notifier, notify
from prospects.services.customers import customer_update
from prospects.services.upkeep import stale_digest_send
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCT = ("prioritization", "criteria", "prospects", "inquiries", "reviews", "scripts")
LIMIT = 300  # seconds: five minutes
# Celery's defaults when a task decorator does not say.
CELERY_DEFAULTS = {"retry_backoff_max": 600, "max_retries": 3, "default_retry_delay": 180}


def _number(node):
    """A literal number (or bool, for retry_backoff=True); None for anything we cannot bound."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    return None


def _is_task_decorator(node) -> bool:
    func = node.func if isinstance(node, ast.Call) else node
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("shared_task", "task")


def far_schedules(source: str, where: str) -> list[str]:
    """Every way `source` can put a task more than LIMIT seconds ahead, or a way we cannot bound:
    countdown=/eta= on any call (apply_async, retry, signature options), and task options whose
    retries wait longer (retry_backoff/retry_backoff_max/max_retries, default_retry_delay)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        line = f"{where}:{node.lineno}"
        if "eta" in keywords:
            found.append(f"{line}: eta= (an absolute time cannot be bounded)")
        if "countdown" in keywords:
            seconds = _number(keywords["countdown"])
            if seconds is None or seconds > LIMIT:
                found.append(f"{line}: countdown={ast.unparse(keywords['countdown'])}")
        if _is_task_decorator(node):
            delay = _number(
                keywords.get("default_retry_delay", ast.Constant(CELERY_DEFAULTS["default_retry_delay"]))
            )
            if delay is None or delay > LIMIT:
                found.append(f"{line}: default_retry_delay={delay}")
            backoff = _number(keywords.get("retry_backoff", ast.Constant(False)))
            if backoff:
                factor = 1 if backoff is True else backoff
                cap = _number(
                    keywords.get("retry_backoff_max", ast.Constant(CELERY_DEFAULTS["retry_backoff_max"]))
                )
                retries = _number(keywords.get("max_retries", ast.Constant(CELERY_DEFAULTS["max_retries"])))
                if cap is None or retries is None:
                    found.append(f"{line}: retry backoff that cannot be bounded")
                    continue
                longest = min(cap, factor * 2 ** max(retries - 1, 0))
                if longest > LIMIT:
                    found.append(f"{line}: retry backoff up to {longest} s")
    return found


def test_the_scanner_finds_every_kind_of_far_schedule():
    sample = """
send.apply_async((1,), countdown=600)
send.apply_async((1,), countdown=delay)
send.apply_async((1,), eta=tomorrow)
self.retry(countdown=301)
send.apply_async((1,), countdown=60)
@shared_task(retry_backoff=True, retry_backoff_max=900, max_retries=12)
def a(): pass
@shared_task(default_retry_delay=3600)
def b(): pass
@app.task(retry_backoff=True, max_retries=5)
def c(): pass
@shared_task(retry_backoff=60, max_retries=5)
def d(): pass
"""
    found = far_schedules(sample, "sample")
    assert [f.split(":")[1] for f in found] == ["2", "3", "4", "5", "7", "9", "13"]


def test_no_task_is_ever_scheduled_more_than_five_minutes_ahead():
    files = [p for d in PRODUCT for p in (ROOT / d).rglob("*.py") if "migrations" not in p.parts]
    assert len(files) > 50
    found = [f for path in files for f in far_schedules(path.read_text(), str(path.relative_to(ROOT)))]
    assert found == []
    # And the beat schedule itself: the sweeps run at least every five minutes by default.
    from django.conf import settings

    sweeps = ("flush-outbox", "inquiries-sla-sweep")
    assert all(settings.CELERY_BEAT_SCHEDULE[name]["schedule"] <= LIMIT for name in sweeps)


# --- a rolled-back transaction enqueues nothing -------------------------------------------------
class Boom(Exception):
    pass


@pytest.fixture
def rolled_back(django_capture_on_commit_callbacks):
    """Run `work` inside a transaction that then fails; return the on-commit callbacks it left.
    No task may have run meanwhile either (tests run Celery eagerly: a task enqueued directly
    inside the transaction would run at once and send its mail, which no rollback takes back)."""

    def run(work):
        ran = []

        def record(sender=None, **kwargs):
            ran.append(sender.name)

        task_prerun.connect(record, weak=False)
        try:
            with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Boom), transaction.atomic():
                work()
                assert Notification.objects.exists()  # the work did queue something inside
                raise Boom
        finally:
            task_prerun.disconnect(record)
        assert not Notification.objects.exists() and not OutboundEmail.objects.exists()
        assert ran == [] and mail.outbox == []
        return callbacks

    return run


def test_core_notify_and_a_bulk_batch_enqueue_nothing_when_rolled_back(rolled_back, segmgr, org):
    assert rolled_back(lambda: notify(recipients=[segmgr], key="k", template="emails/notice.txt")) == []
    people = [UserFactory(username=f"bulk{n}") for n in range(Notifier.ENQUEUE_EACH_UP_TO + 5)]

    def bulk():
        notifier = Notifier()
        notifier.add(recipients=people, key="bulk", template="emails/notice.txt")
        notifier.flush()

    assert rolled_back(bulk) == []


def test_inquiries_logging_and_the_sla_sweep_enqueue_nothing_when_rolled_back(rolled_back, org, pr, segmgr):
    now = timezone.now()
    assert (
        rolled_back(
            lambda: inquiry_log(
                actor=pr, unit=org.unit, segment=org.auto, call_at=now, company_name="甲公司", phone="1"
            )
        )
        == []
    )
    with transaction.atomic():
        inquiry_log(actor=pr, unit=org.unit, segment=org.auto, call_at=now, company_name="乙公司", phone="2")
    Notification.objects.all().delete()
    assert rolled_back(lambda: sla_sweep(now=now + timedelta(hours=30))) == []


def test_prospects_major_change_and_stale_digest_enqueue_nothing_when_rolled_back(
    rolled_back, customers, researcher, segmgr
):
    customer = customers.auto
    assert rolled_back(
        lambda: customer_update(
            actor=researcher, customer=customer, expected_version=customer.version,
            major_change="并购", location="长春",
        )
    ) == []  # fmt: skip
    assert rolled_back(lambda: stale_digest_send(now=timezone.now() + timedelta(days=400))) == []


def test_reviews_comment_enqueues_nothing_when_rolled_back(rolled_back, org, bgvp, buvp):
    from reviews.models import Review, ReviewStatus
    from reviews.services.reviews import review_comment

    review = Review.objects.create(unit=org.unit, year=2025, status=ReviewStatus.SUBMITTED)
    assert rolled_back(lambda: review_comment(actor=bgvp, review=review, text="一级客户进展不足")) == []
