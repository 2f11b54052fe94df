from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from prioritization.models import Notification, OutboundEmail, Profile
from prioritization.services.notifications import email_send, notify, outbox_flush

TEMPLATE = "emails/notice.txt"


def _notify(users, key="k:1", subject="提醒", body="内容"):
    return notify(
        recipients=users, key=key, template=TEMPLATE, context={"subject": subject, "body": body}, url="/x/"
    )


def test_a_notification_is_recorded_and_emailed_once_per_key(
    segmgr, buvp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = _notify([segmgr, buvp, segmgr])
    assert len(created) == 2
    assert sorted(m.to[0] for m in mail.outbox) == [buvp.email, segmgr.email]
    with django_capture_on_commit_callbacks(execute=True):
        again = _notify([segmgr, buvp])
    assert again == []
    assert len(mail.outbox) == 2
    assert OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).count() == 2


def test_the_email_carries_the_link_to_the_page(segmgr, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):
        _notify([segmgr])
    assert mail.outbox[0].subject == "提醒"
    assert f"{settings.SITE_URL}/x/" in mail.outbox[0].body


def test_recipient_gets_the_text_in_their_own_language(segmgr, buvp, django_capture_on_commit_callbacks):
    Profile.objects.update_or_create(user=buvp, defaults={"language": "en"})
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[segmgr, buvp], key="lang", template="registration/password_reset_subject.txt",
               context={"site_name": "W"})  # fmt: skip
    subjects = {n.recipient.username: n.subject for n in Notification.objects.all()}
    assert "重设" in subjects["segmgr"]
    assert "重设" not in subjects["buvp"] and "W" in subjects["buvp"]


def test_inactive_users_and_users_without_email_get_no_mail(segmgr, buvp, django_capture_on_commit_callbacks):
    buvp.is_active = False
    buvp.save()
    segmgr.email = ""
    segmgr.save()
    with django_capture_on_commit_callbacks(execute=True):
        created = _notify([segmgr, buvp])
    assert [n.recipient for n in created] == [segmgr]
    assert mail.outbox == []


def test_a_rolled_back_transaction_enqueues_nothing(segmgr, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        _notify([segmgr])
        raise RuntimeError
    assert callbacks == []
    assert not OutboundEmail.objects.exists()


def test_a_refusing_server_is_retried_with_backoff(segmgr, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.fake_mail.RefusingBackend"}}
    _notify([segmgr])
    row = OutboundEmail.objects.get()
    now = timezone.now()
    assert email_send(row.pk, now=now) == OutboundEmail.Status.PENDING
    row.refresh_from_db()
    assert row.attempts == 1 and row.next_attempt_at == now + timedelta(seconds=30)
    assert outbox_flush(now=now)["due"] == 0  # not yet due
    assert outbox_flush(now=now + timedelta(seconds=31))["due"] == 1
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at > now + timedelta(seconds=60)


def test_a_server_that_keeps_refusing_is_given_up_after_max_attempts(segmgr, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.fake_mail.RefusingBackend"}}
    _notify([segmgr])
    row = OutboundEmail.objects.get()
    for _ in range(6):
        OutboundEmail.objects.filter(pk=row.pk, status="pending").update(next_attempt_at=timezone.now())
        email_send(row.pk)
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.FAILED and "451" in row.last_error


def test_a_timeout_after_data_is_unknown_and_not_resent(segmgr, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.fake_mail.TimeoutAfterDataBackend"}}
    _notify([segmgr])
    row = OutboundEmail.objects.get()
    assert email_send(row.pk) == OutboundEmail.Status.UNKNOWN
    assert outbox_flush(now=timezone.now() + timedelta(days=1))["due"] == 0
    assert email_send(row.pk) == OutboundEmail.Status.UNKNOWN  # never sent twice


def test_a_send_interrupted_by_a_dead_worker_becomes_unknown(segmgr):
    _notify([segmgr])
    row = OutboundEmail.objects.get()
    started = timezone.now()
    OutboundEmail.objects.filter(pk=row.pk).update(status="sending", sending_started_at=started)
    with time_machine.travel(started + timedelta(minutes=11), tick=False):
        result = outbox_flush()
    assert result["stale"] == 1
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.UNKNOWN


def test_resend_from_admin_puts_unknown_mail_back_in_the_queue(client, admin_user, segmgr):
    _notify([segmgr])
    row = OutboundEmail.objects.get()
    OutboundEmail.objects.filter(pk=row.pk).update(status="unknown")
    client.force_login(admin_user)
    response = client.post(
        "/admin/prioritization/outboundemail/", {"action": "resend", "_selected_action": [row.pk]}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.PENDING
