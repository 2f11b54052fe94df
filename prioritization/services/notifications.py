"""Tell people things: an in-app notification and an e-mail, each once per (recipient, key), in the
recipient's own language. E-mails go through the outbox (OutboundEmail) and are sent after commit
by a task; a beat sweep picks up anything whose enqueue was lost."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from prioritization.models import Notification, OutboundEmail, Profile

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
# A send that started this long ago and never finished (worker killed mid-send) is not retried
# blindly: the message may have left. An administrator decides.
SENDING_STALE_AFTER = timedelta(minutes=10)


def language_of(user) -> str:
    profile = Profile.objects.filter(user=user).only("language").first()
    return profile.language if profile and profile.language else settings.LANGUAGE_CODE


def _render(template: str, context: dict) -> tuple[str, str]:
    """A template renders the subject on its first line and the body below it."""
    text = render_to_string(template, context).strip()
    subject, _sep, body = text.partition("\n")
    return subject.strip()[:300], body.strip()


def notify(
    *,
    recipients: Iterable,
    key: str,
    template: str,
    context: dict | None = None,
    url: str = "",
    email: bool = True,
) -> list[Notification]:
    """Record a notification for each recipient (skipping those who already have `key`) and queue
    its e-mail. Returns the notifications created now. Call inside the business transaction."""
    created = []
    seen = set()
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        if Notification.objects.filter(recipient=user, key=key).exists():
            continue
        with translation.override(language_of(user)):
            subject, body = _render(template, {**(context or {}), "recipient": user, "url": url})
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=user, key=key, subject=subject, body=body, url=url
                )
        except IntegrityError:  # a concurrent sweep recorded it first
            continue
        if email and user.email:
            outbound = OutboundEmail.objects.create(
                notification=notification,
                to_address=user.email,
                subject=subject,
                body=body + (f"\n\n{settings.SITE_URL}{url}" if url else ""),
                next_attempt_at=timezone.now(),
            )
            transaction.on_commit(lambda pk=outbound.pk: _enqueue(pk))
        created.append(notification)
    return created


def _enqueue(outbound_id: int) -> None:
    from prioritization.tasks import send_email

    try:
        send_email.delay(outbound_id)
    except Exception:  # broker down: the outbox sweep sends it later
        logger.warning("could not enqueue e-mail %s; the outbox sweep will send it", outbound_id)


class TemporaryFailure(Exception):
    pass


def email_send(outbound_id: int, *, now=None) -> str:
    """Send one outbox row. Returns its new status. Never sends a row twice: the row is claimed
    (pending → sending) in its own transaction before the SMTP conversation starts."""
    now = now or timezone.now()
    with transaction.atomic():
        row = OutboundEmail.objects.select_for_update().filter(pk=outbound_id).first()
        if row is None or row.status != OutboundEmail.Status.PENDING:
            return row.status if row else "missing"
        row.status = OutboundEmail.Status.SENDING
        row.sending_started_at = now
        row.attempts += 1
        row.save(update_fields=["status", "sending_started_at", "attempts"])
    message = EmailMessage(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.to_address])
    try:
        message.send()
    except (smtplib.SMTPServerDisconnected, TimeoutError) as exc:
        # The server may have accepted the message before the connection died: do not resend.
        return _finish(row, OutboundEmail.Status.UNKNOWN, error=repr(exc))
    except (smtplib.SMTPException, ConnectionError, OSError) as exc:
        if row.attempts >= MAX_ATTEMPTS:
            return _finish(row, OutboundEmail.Status.FAILED, error=repr(exc))
        backoff = timedelta(seconds=30 * 2 ** (row.attempts - 1))
        return _finish(row, OutboundEmail.Status.PENDING, error=repr(exc), next_attempt_at=now + backoff)
    return _finish(row, OutboundEmail.Status.SENT, sent_at=timezone.now())


def _finish(row, status, *, error="", next_attempt_at=None, sent_at=None) -> str:
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=status, last_error=error[:2000], next_attempt_at=next_attempt_at, sent_at=sent_at
    )
    return status


def outbox_flush(*, now=None, limit: int = 200) -> dict:
    """The beat sweep: send due pending rows; mark sends stuck mid-way as unknown."""
    now = now or timezone.now()
    stale = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, sending_started_at__lt=now - SENDING_STALE_AFTER
    ).update(status=OutboundEmail.Status.UNKNOWN, last_error="worker stopped during the SMTP conversation")
    due = list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    results = [email_send(pk, now=now) for pk in due]
    return {"sent": results.count(OutboundEmail.Status.SENT), "stale": stale, "due": len(due)}


def notification_mark_read(*, user, notification_id: int) -> None:
    Notification.objects.filter(recipient=user, pk=notification_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
