"""The outbox against a real SMTP server on a loopback port (tests/faults/smtp_server.py) that fails
on purpose: a conversation broken after the message's end leaves the e-mail "unknown" — shown to an
administrator, never resent by the sweep — while a failure before it and a 4xx refusal are retried
with backoff until the server accepts, and the message arrives once."""

import smtplib
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
from django.utils import timezone

from inquiries.services.reports import XLSX
from prioritization.models import OutboundEmail
from prioritization.services.notifications import (
    SENDING_STALE_AFTER,
    Attachment,
    email_send,
    notify,
    outbox_flush,
)
from tests.faults.smtp_server import SmtpServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 1},
            }
        }
        yield server


def _queued(user, key="faults:1") -> OutboundEmail:
    notify(recipients=[user], key=key, template="emails/notice.txt",
           context={"subject": "提醒", "body": "内容"}, url="/x/")  # fmt: skip
    return OutboundEmail.objects.get(notification__key=key)


def _message_ids(smtp) -> list[str]:
    return [
        line.split(b":", 1)[1].strip().decode()
        for received in smtp.log.received
        for line in received.data.splitlines()
        if line.lower().startswith(b"message-id:")
    ]


def test_an_accepting_server_gets_the_message_once_with_a_stable_message_id(smtp, segmgr):
    row = _queued(segmgr)
    assert email_send(row.pk) == OutboundEmail.Status.SENT
    assert email_send(row.pk) == OutboundEmail.Status.SENT  # a second delivery of the task sends nothing
    assert outbox_flush(now=timezone.now() + timedelta(days=1))["due"] == 0
    assert len(smtp.log.accepted) == 1
    assert smtp.log.accepted[0].rcpt_to == [f"<{segmgr.email}>"]
    assert _message_ids(smtp) == [f"<outbox-{row.pk}.{row.created_at:%Y%m%d%H%M%S}@localhost>"]


@pytest.mark.parametrize("behaviour", ["drop-after-data", "hang-after-data"])
def test_a_conversation_broken_after_data_is_unknown_and_never_resent(smtp, segmgr, behaviour):
    smtp.plan = [behaviour, "accept", "accept"]
    row = _queued(segmgr)
    assert email_send(row.pk) == OutboundEmail.Status.UNKNOWN
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.UNKNOWN and row.attempts == 1
    assert row.last_error  # the administrator sees why
    # The sweep, however late and however often, does not send it again.
    for hours in (0, 1, 24):
        assert outbox_flush(now=timezone.now() + timedelta(hours=hours))["due"] == 0
    assert email_send(row.pk) == OutboundEmail.Status.UNKNOWN
    assert smtp.log.connections == [behaviour]
    assert len(smtp.log.received) == 1  # the server did get the whole message once


def test_unknown_emails_are_listed_for_the_administrator_by_status(smtp, segmgr, buvp, admin_user, client):
    smtp.plan = ["drop-after-data", "accept"]
    unknown = _queued(segmgr, key="faults:unknown")
    sent = _queued(buvp, key="faults:sent")
    assert email_send(unknown.pk) == OutboundEmail.Status.UNKNOWN
    assert email_send(sent.pk) == OutboundEmail.Status.SENT
    client.force_login(admin_user)
    page = client.get("/admin/prioritization/outboundemail/", {"status__exact": "unknown"})
    assert page.status_code == 200
    html = page.content.decode()
    assert segmgr.email in html and buvp.email not in html
    assert "状态不明（需管理员确认）" in html  # the status filter and the row's status
    everything = client.get("/admin/prioritization/outboundemail/").content.decode()
    assert segmgr.email in everything and buvp.email in everything


@pytest.mark.parametrize(
    "behaviour",
    ["hang-before-greeting", "drop-before-greeting", "drop-at-data-command", "refuse-mail", "refuse"],
)
def test_a_failure_before_the_message_was_handed_over_is_retried_not_unknown(smtp, segmgr, behaviour):
    """A timeout while connecting or a dropped connection before the message's end cannot have
    delivered it: the row goes back to the queue with backoff (unlike a break after DATA)."""
    smtp.plan = [behaviour]
    row = _queued(segmgr)
    now = timezone.now()
    assert email_send(row.pk, now=now) == OutboundEmail.Status.PENDING
    row.refresh_from_db()
    assert row.attempts == 1 and row.next_attempt_at == now + timedelta(seconds=30)
    assert outbox_flush(now=now + timedelta(seconds=31))["sent"] == 1
    assert len(smtp.log.accepted) == 1
    assert smtp.log.connections == [behaviour, "accept"]


def test_a_connection_refused_is_retried(settings, segmgr):
    with SmtpServer() as server:
        port = server.port  # closed again at once: nothing listens there any more
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 1},
        }
    }
    row = _queued(segmgr)
    assert email_send(row.pk) == OutboundEmail.Status.PENDING
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.PENDING and "Connection refused" in row.last_error


def test_a_refusing_server_is_retried_with_backoff_and_the_message_sent_once_it_accepts(smtp, segmgr):
    smtp.plan = ["refuse", "refuse", "refuse-mail"]  # then it accepts
    row = _queued(segmgr)
    start = timezone.now()
    assert outbox_flush(now=start)["due"] == 1
    waits = []
    at = start
    for _attempt in range(3):
        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.PENDING and "451" in row.last_error
        waits.append(row.next_attempt_at - at)
        # Not before its time ...
        assert outbox_flush(now=row.next_attempt_at - timedelta(seconds=1))["due"] == 0
        # ... and at its time.
        at = row.next_attempt_at
        outbox_flush(now=at)
    assert waits == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT and row.attempts == 4
    assert smtp.log.connections == ["refuse", "refuse", "refuse-mail", "accept"]
    assert len(smtp.log.accepted) == 1
    assert outbox_flush(now=at + timedelta(days=1))["due"] == 0
    assert len(smtp.log.accepted) == 1


def test_the_attachment_reaches_the_server_intact(smtp, segmgr):
    workbook = bytes(range(256)) * 40  # binary, as an xlsx is
    notify(recipients=[segmgr], key="faults:attached", template="emails/notice.txt",
           context={"subject": "月报", "body": "见附件"}, attachments=[Attachment("月报.xlsx", workbook, XLSX)])  # fmt: skip
    row = OutboundEmail.objects.get(notification__key="faults:attached")
    assert email_send(row.pk) == OutboundEmail.Status.SENT
    [received] = smtp.log.accepted
    message = BytesParser(policy=policy.default).parsebytes(received.data)
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "月报.xlsx" and part.get_content_type() == XLSX
    assert part.get_content() == workbook


def _killed_during(monkeypatch, method: str):
    """The worker is killed (SystemExit stands in for SIGKILL) right after smtplib's `method` ran."""
    original = getattr(smtplib.SMTP, method)

    def then_die(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise SystemExit("killed")

    monkeypatch.setattr(smtplib.SMTP, method, then_die)


def test_a_worker_killed_before_the_message_left_is_retried_automatically(smtp, segmgr, monkeypatch):
    row = _queued(segmgr)
    _killed_during(monkeypatch, "rcpt")  # MAIL and RCPT done, the message not yet handed over
    with pytest.raises(SystemExit):
        email_send(row.pk)
    monkeypatch.undo()
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENDING and row.data_started_at is None
    result = outbox_flush(now=timezone.now() + SENDING_STALE_AFTER + timedelta(seconds=1))
    assert result["retried"] == 1 and result["sent"] == 1
    assert len(smtp.log.received) == 1  # the one message, sent by the retry


def test_a_worker_killed_after_the_message_left_stays_unknown(smtp, segmgr, monkeypatch):
    row = _queued(segmgr)
    _killed_during(monkeypatch, "data")  # the server accepted it; the worker died before recording it
    with pytest.raises(SystemExit):
        email_send(row.pk)
    monkeypatch.undo()
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENDING and row.data_started_at is not None
    result = outbox_flush(now=timezone.now() + SENDING_STALE_AFTER + timedelta(seconds=1))
    assert result["stale"] == 1 and result["retried"] == 0 and result["due"] == 0
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.UNKNOWN
    assert len(smtp.log.accepted) == 1  # arrived once; never resent by the product
