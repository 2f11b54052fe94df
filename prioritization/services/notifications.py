"""Tell people things: an in-app notification and an e-mail, each once per (recipient, key), in the
recipient's own language. E-mails go through the outbox (OutboundEmail) and are sent after commit
by a task; a beat sweep picks up anything whose enqueue was lost."""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone, translation

from prioritization.models import Notification, OutboundEmail, Profile
from prioritization.models.notifications import OutboundAttachment

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
# A send that started this long ago and never finished (worker killed mid-send) is not retried
# blindly: the message may have left. An administrator decides.
SENDING_STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Attachment:
    """A file to send with an e-mail."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


# Attachments for one recipient: a fixed list, or a function of the recipient that renders the file
# for what that person may see (called once per e-mail actually queued, in their language).
Attachments = list[Attachment] | Callable[[object], list[Attachment] | None] | None


def _attachments_for(attachments: Attachments, user) -> tuple[list[Attachment], list[str]]:
    """(the files to attach, the names of those left out because they are over the size limit)."""
    files = attachments(user) if callable(attachments) else attachments
    kept, omitted = [], []
    for item in files or []:
        if len(item.content) > OutboundAttachment.MAX_BYTES:
            logger.warning("attachment %s for %s is over the size limit; not attached", item.filename, user)
            omitted.append(item.filename)
        else:
            kept.append(item)
    return kept, omitted


def _render(template: str, context: dict) -> tuple[str, str]:
    """A template renders the subject on its first line and the body below it. Plain text: nothing
    is HTML-escaped ("A&B 公司" stays as written; pages escape the body when they show it)."""
    text = get_template(template).template.render(Context(context, autoescape=False)).strip()
    subject, _sep, body = text.partition("\n")
    return subject.strip()[:300], body.strip()


class Notifier:
    """Collects notifications and records them in bulk: one query for the keys already recorded,
    one for the recipients' languages, one insert for the notifications and one for the e-mails —
    however many there are (the SLA sweep sends hundreds in one pass).

        notifier = Notifier()
        notifier.add(recipients=[...], key="inquiry:7:reply-reminder", template=..., context=..., url=...)
        notifier.flush()  # inside the business transaction
    """

    # Above this many e-mails one outbox sweep is enqueued instead of one task per e-mail.
    ENQUEUE_EACH_UP_TO = 20

    def __init__(self):
        self._pending: list[tuple] = []

    def add(self, *, recipients: Iterable, key: str, template: str, context: dict | None = None,
            url: str = "", email: bool = True, attachments: Attachments = None) -> None:  # fmt: skip
        """`attachments`: files for the e-mail, or a function of the recipient returning that
        person's files (rendered only for e-mails actually queued; the template sees their names
        as `attachments` and those over the size limit as `attachments_omitted`)."""
        seen = set()
        for user in recipients:
            if user is None or user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            self._pending.append((user, key, template, context or {}, url, email, attachments))

    def flush(self) -> list[Notification]:
        pending, self._pending = self._pending, []
        if not pending:
            return []
        keys = {key for _user, key, *_rest in pending}
        user_ids = {user.pk for user, *_rest in pending}
        existing = set(
            Notification.objects.filter(key__in=keys, recipient_id__in=user_ids).values_list(
                "recipient_id", "key"
            )
        )
        languages = dict(Profile.objects.filter(user_id__in=user_ids).values_list("user_id", "language"))
        fresh, wanted = [], []  # wanted: per notification, None (no e-mail) or its attachments
        for user, key, template, context, url, email, attachments in pending:
            if (user.pk, key) in existing:
                continue
            existing.add((user.pk, key))
            send = bool(email and user.email)
            with translation.override(languages.get(user.pk) or settings.LANGUAGE_CODE):
                files, omitted = _attachments_for(attachments, user) if send else ([], [])
                subject, body = _render(template, {
                    **context, "recipient": user, "url": url,
                    "attachments": [f.filename for f in files], "attachments_omitted": omitted,
                })  # fmt: skip
            fresh.append(Notification(recipient=user, key=key, subject=subject, body=body, url=url))
            wanted.append(files if send else None)
        if not fresh:
            return []
        try:
            with transaction.atomic():
                created = Notification.objects.bulk_create(fresh)
        except IntegrityError:  # a concurrent sweep recorded some of them first: go one by one
            created, kept = [], []
            for notification, send in zip(fresh, wanted, strict=True):
                try:
                    with transaction.atomic():
                        notification.save()
                except IntegrityError:
                    continue
                created.append(notification)
                kept.append(send)
            wanted = kept
        if created and created[0].pk is None:  # a backend that cannot return ids from bulk inserts
            pairs = {(n.recipient_id, n.key) for n in created}
            by_pair = {
                (n.recipient_id, n.key): n
                for n in Notification.objects.filter(key__in=keys, recipient_id__in=user_ids)
                if (n.recipient_id, n.key) in pairs
            }
            created = [by_pair[(n.recipient_id, n.key)] for n in created]
        now = timezone.now()
        queued = [(n, files) for n, files in zip(created, wanted, strict=True) if files is not None]
        emails = OutboundEmail.objects.bulk_create(
            [
                OutboundEmail(
                    notification=n,
                    to_address=n.recipient.email,
                    subject=n.subject,
                    body=n.body + (f"\n\n{settings.SITE_URL}{n.url}" if n.url else ""),
                    next_attempt_at=now,
                )
                for n, _files in queued
            ]
        )
        if any(files for _n, files in queued):
            if emails[0].pk is None:  # a backend that cannot return ids from bulk inserts
                ids = dict(
                    OutboundEmail.objects.filter(notification__in=[n for n, _f in queued]).values_list(
                        "notification_id", "pk"
                    )
                )
                for outbound in emails:
                    outbound.pk = ids[outbound.notification.pk]
            OutboundAttachment.objects.bulk_create(
                [
                    OutboundAttachment(
                        email=outbound,
                        filename=f.filename,
                        content_type=f.content_type,
                        content=f.content,
                        size=len(f.content),
                    )
                    for outbound, (_n, files) in zip(emails, queued, strict=True)
                    for f in files
                ]
            )
        if emails:
            if len(emails) <= self.ENQUEUE_EACH_UP_TO and emails[0].pk is not None:
                for outbound in emails:
                    transaction.on_commit(lambda pk=outbound.pk: _enqueue(pk))
            else:
                transaction.on_commit(_enqueue_flush)
        return created


def notify(
    *,
    recipients: Iterable,
    key: str,
    template: str,
    context: dict | None = None,
    url: str = "",
    email: bool = True,
    attachments: Attachments = None,
) -> list[Notification]:
    """Record a notification for each recipient (skipping those who already have `key`) and queue
    its e-mail, with `attachments` (see Notifier.add). Returns the notifications created now. Call
    inside the business transaction."""
    notifier = Notifier()
    notifier.add(recipients=recipients, key=key, template=template, context=context, url=url, email=email,
                 attachments=attachments)  # fmt: skip
    return notifier.flush()


def _enqueue_flush() -> None:
    from prioritization.tasks import flush_outbox

    try:
        flush_outbox.delay()
    except Exception:  # broker down: beat runs the same sweep every minute
        logger.warning("could not enqueue the outbox sweep; beat will run it")


def _enqueue(outbound_id: int) -> None:
    from prioritization.tasks import send_email

    try:
        send_email.delay(outbound_id)
    except Exception:  # broker down: the outbox sweep sends it later
        logger.warning("could not enqueue e-mail %s; the outbox sweep will send it", outbound_id)


class TemporaryFailure(Exception):
    pass


class _SmtpConversation:
    """Watches one smtplib conversation for the only moment a message's fate is in doubt: the end
    of its DATA (CRLF.CRLF) has been handed to the network and the server's reply to it has not been
    read. A failure before that (connecting, greeting, MAIL, RCPT, the DATA command, a partial
    body) cannot have delivered the message: it is safe to retry. A failure after it may have."""

    def __init__(self, connection: smtplib.SMTP, before_message: Callable[[], None]):
        self.awaiting_final_reply = False
        send, getreply = connection.send, connection.getreply

        def watched_send(data):
            is_message = isinstance(data, bytes | bytearray) and data.endswith(b"\r\n.\r\n")
            if is_message:  # recorded (committed) before any byte of the message leaves
                before_message()
            send(data)  # raises before the terminator is handed over if the socket fails mid-way
            if is_message:
                self.awaiting_final_reply = True

        def watched_getreply():
            reply = getreply()
            self.awaiting_final_reply = False
            return reply

        connection.send = watched_send
        connection.getreply = watched_getreply


# What a send attempt came to.
_DELIVERED, _RETRY, _UNKNOWN = "delivered", "retry", "unknown"


def _deliver(message: EmailMessage, before_message: Callable[[], None]) -> tuple[str, str]:
    """Hand one message to the configured mailer. Returns (outcome, error). `before_message` runs
    just before the message itself leaves (the "about to send" marker)."""
    mailer = mailers.default
    try:
        mailer.open()  # connect, greeting, TLS, login: nothing of the message has left yet
    except (smtplib.SMTPException, OSError) as exc:
        return _RETRY, repr(exc)
    connection = getattr(mailer, "connection", None)
    conversation = None
    if isinstance(connection, smtplib.SMTP):
        conversation = _SmtpConversation(connection, before_message)
    else:  # a back-end we cannot watch (files, memory): the message may leave at any moment now
        before_message()
    try:
        mailer.send_messages([message])
    except (smtplib.SMTPException, OSError) as exc:
        if conversation is not None:
            return (_UNKNOWN if conversation.awaiting_final_reply else _RETRY), repr(exc)
        # A back-end whose conversation we cannot watch: a dropped connection or a timeout may
        # have come after the message was accepted, so do not resend it automatically.
        if isinstance(exc, smtplib.SMTPServerDisconnected | TimeoutError):
            return _UNKNOWN, repr(exc)
        return _RETRY, repr(exc)
    finally:
        with contextlib.suppress(Exception):  # QUIT after an accepted message changes nothing
            mailer.close()
    return _DELIVERED, ""


def _message_id(row: OutboundEmail) -> str:
    """A stable Message-ID per outbox row: an administrator deciding about an "unknown" e-mail can
    search the mail server's log or the mailbox for it, and receiving servers see one message."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return f"<outbox-{row.pk}.{row.created_at:%Y%m%d%H%M%S}@{domain}>"


def email_send(outbound_id: int, *, now=None) -> str:
    """Send one outbox row. Returns its new status. Never sends a row twice: the row is claimed
    (pending → sending) in its own transaction before the SMTP conversation starts, and marked
    (`data_started_at`) just before the message itself is handed to the server; a conversation that
    broke after that leaves the row "unknown" for an administrator, one that broke before is retried."""
    now = now or timezone.now()
    with transaction.atomic():
        row = OutboundEmail.objects.select_for_update().filter(pk=outbound_id).first()
        if row is None or row.status != OutboundEmail.Status.PENDING:
            return row.status if row else "missing"
        row.status = OutboundEmail.Status.SENDING
        row.sending_started_at = now
        row.data_started_at = None
        row.attempts += 1
        row.save(update_fields=["status", "sending_started_at", "data_started_at", "attempts"])
    message = EmailMessage(
        row.subject,
        row.body,
        settings.DEFAULT_FROM_EMAIL,
        [row.to_address],
        headers={"Message-ID": _message_id(row)},
    )
    for filename, content_type, content in row.attachments.values_list("filename", "content_type", "content"):
        message.attach(filename, bytes(content), content_type)

    def about_to_send():
        OutboundEmail.objects.filter(pk=row.pk).update(data_started_at=timezone.now())

    outcome, error = _deliver(message, about_to_send)
    if outcome == _UNKNOWN:
        # The server may have accepted the message before the connection died: do not resend.
        return _finish(row, OutboundEmail.Status.UNKNOWN, error=error)
    if outcome == _RETRY:
        if row.attempts >= MAX_ATTEMPTS:
            return _finish(row, OutboundEmail.Status.FAILED, error=error)
        backoff = timedelta(seconds=30 * 2 ** (row.attempts - 1))
        return _finish(row, OutboundEmail.Status.PENDING, error=error, next_attempt_at=now + backoff)
    return _finish(row, OutboundEmail.Status.SENT, sent_at=timezone.now())


def _finish(row, status, *, error="", next_attempt_at=None, sent_at=None) -> str:
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=status, last_error=error[:2000], next_attempt_at=next_attempt_at, sent_at=sent_at
    )
    return status


def outbox_flush(*, now=None, limit: int = 200) -> dict:
    """The beat sweep: send due pending rows. A send stuck mid-way (its worker died) is retried when
    it stopped before the message was handed over, and marked unknown when it stopped after."""
    now = now or timezone.now()
    stuck = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, sending_started_at__lt=now - SENDING_STALE_AFTER
    )
    stale = stuck.filter(data_started_at__isnull=False).update(
        status=OutboundEmail.Status.UNKNOWN,
        last_error="worker stopped while the message was being handed over",
    )
    stale += stuck.filter(data_started_at__isnull=True, attempts__gte=MAX_ATTEMPTS).update(
        status=OutboundEmail.Status.FAILED, last_error="worker stopped before the message was handed over"
    )
    retried = stuck.filter(data_started_at__isnull=True).update(
        status=OutboundEmail.Status.PENDING,
        next_attempt_at=now,
        last_error="worker stopped before the message was handed over; retried",
    )
    due = list(
        OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    results = [email_send(pk, now=now) for pk in due]
    return {
        "sent": results.count(OutboundEmail.Status.SENT),
        "stale": stale,
        "retried": retried,
        "due": len(due),
    }


def notification_mark_read(*, user, notification_id: int) -> None:
    Notification.objects.filter(recipient=user, pk=notification_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
