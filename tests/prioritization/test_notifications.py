from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from prioritization.models import Notification, OutboundEmail, Profile
from prioritization.models.notifications import OutboundAttachment
from prioritization.services.notifications import Attachment, email_send, notify, outbox_flush

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


class DyingWorkerBackend(BaseEmailBackend):
    """The worker is killed (SystemExit stands in for SIGKILL) while its mailer holds the message."""

    def send_messages(self, messages):
        raise SystemExit("killed")


def _died_while_sending(row, *, data_started: bool):
    started = timezone.now()
    OutboundEmail.objects.filter(pk=row.pk).update(
        status="sending",
        sending_started_at=started,
        attempts=1,
        data_started_at=started if data_started else None,
    )
    return started


def test_a_send_killed_after_the_message_was_handed_over_becomes_unknown(segmgr, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.prioritization.test_notifications.DyingWorkerBackend"}}
    _notify([segmgr])
    row = OutboundEmail.objects.get()
    with pytest.raises(SystemExit):
        email_send(row.pk)
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENDING and row.data_started_at is not None
    with time_machine.travel(row.sending_started_at + timedelta(minutes=11), tick=False):
        result = outbox_flush()
    assert result["stale"] == 1 and result["retried"] == 0 and result["due"] == 0
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.UNKNOWN


def test_a_send_killed_before_the_message_was_handed_over_is_retried(segmgr):
    _notify([segmgr])
    row = OutboundEmail.objects.get()
    started = _died_while_sending(row, data_started=False)
    with time_machine.travel(started + timedelta(minutes=9), tick=False):
        assert outbox_flush()["retried"] == 0  # maybe still talking to the server: leave it
    with time_machine.travel(started + timedelta(minutes=11), tick=False):
        result = outbox_flush()
    assert result == {"sent": 1, "stale": 0, "retried": 1, "due": 1}
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT and row.attempts == 2
    assert len(mail.outbox) == 1


def test_a_send_killed_before_the_message_on_its_last_attempt_is_given_up(segmgr):
    _notify([segmgr])
    row = OutboundEmail.objects.get()
    started = _died_while_sending(row, data_started=False)
    OutboundEmail.objects.filter(pk=row.pk).update(attempts=6)
    with time_machine.travel(started + timedelta(minutes=11), tick=False):
        result = outbox_flush()
    assert result["stale"] == 1 and result["due"] == 0
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.FAILED


def test_attachments_are_stored_with_the_email_and_sent(segmgr, django_capture_on_commit_callbacks):
    report = Attachment("报告.xlsx", b"PK\x03\x04 workbook bytes", "application/vnd.ms-excel")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[segmgr], key="att:1", template=TEMPLATE, context={"subject": "s", "body": "b"},
               attachments=[report])  # fmt: skip
    [stored] = OutboundAttachment.objects.all()
    assert (stored.filename, bytes(stored.content), stored.size) == (
        "报告.xlsx",
        report.content,
        len(report.content),
    )
    [message] = mail.outbox
    assert message.attachments == [("报告.xlsx", report.content, "application/vnd.ms-excel")]


def test_each_recipient_gets_the_file_rendered_for_them_once(
    segmgr, buvp, django_capture_on_commit_callbacks
):
    calls = []

    def per_recipient(user):
        calls.append(user.username)
        return [Attachment(f"{user.username}.bin", f"only for {user.username}".encode())]

    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[segmgr, buvp], key="att:2", template=TEMPLATE, context={"subject": "s", "body": "b"},
               attachments=per_recipient)  # fmt: skip
        notify(recipients=[segmgr, buvp], key="att:2", template=TEMPLATE, context={"subject": "s", "body": "b"},
               attachments=per_recipient)  # fmt: skip
    assert sorted(calls) == ["buvp", "segmgr"]  # not rendered again for an e-mail already queued
    received = {m.to[0]: m.attachments for m in mail.outbox}
    assert received == {
        segmgr.email: [("segmgr.bin", b"only for segmgr", "application/octet-stream")],
        buvp.email: [("buvp.bin", b"only for buvp", "application/octet-stream")],
    }


def test_no_file_is_rendered_for_a_recipient_without_email(segmgr):
    segmgr.email = ""
    segmgr.save()
    notify(recipients=[segmgr], key="att:3", template=TEMPLATE, context={"subject": "s", "body": "b"},
           attachments=lambda user: pytest.fail("rendered for nobody"))  # fmt: skip
    assert Notification.objects.filter(recipient=segmgr).count() == 1


def test_an_attachment_over_the_size_limit_is_left_out_and_the_email_still_goes(
    segmgr, django_capture_on_commit_callbacks, caplog
):
    huge = Attachment("huge.bin", b"x" * (OutboundAttachment.MAX_BYTES + 1))
    small = Attachment("small.txt", b"ok", "text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[segmgr], key="att:4", template=TEMPLATE, context={"subject": "s", "body": "b"},
               attachments=[huge, small])  # fmt: skip
    assert list(OutboundAttachment.objects.values_list("filename", flat=True)) == ["small.txt"]
    assert [name for name, *_rest in mail.outbox[0].attachments] == ["small.txt"]
    assert "huge.bin" in caplog.text


def test_the_administrator_sees_and_downloads_an_attachment_and_no_one_else_does(
    client, admin_user, buvp, segmgr
):
    notify(recipients=[segmgr], key="att:5", template=TEMPLATE, context={"subject": "s", "body": "b"},
           attachments=[Attachment("月报.xlsx", b"workbook", "application/octet-stream")])  # fmt: skip
    row = OutboundEmail.objects.get()
    attachment = OutboundAttachment.objects.get()
    download = f"/admin/prioritization/outboundemail/{row.pk}/attachments/{attachment.pk}/"
    client.force_login(admin_user)
    listing = client.get("/admin/prioritization/outboundemail/")
    assert listing.status_code == 200
    page = client.get(f"/admin/prioritization/outboundemail/{row.pk}/change/")
    assert page.status_code == 200 and "月报.xlsx" in page.text and download in page.text
    response = client.get(download)
    assert response.status_code == 200 and response.content == b"workbook"
    assert "attachment" in response["Content-Disposition"]
    assert (
        client.get(
            f"/admin/prioritization/outboundemail/{row.pk + 1}/attachments/{attachment.pk}/"
        ).status_code
        == 404
    )
    buvp.is_staff = True
    buvp.save()
    client.force_login(buvp)
    assert client.get(download).status_code == 404


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


def test_a_sweep_racing_another_that_recorded_one_first_records_only_the_rest(
    segmgr, buvp, monkeypatch, django_capture_on_commit_callbacks
):
    from prioritization.services import notifications as service

    render = service._render

    def racing(template, context):  # the other sweep commits segmgr's reminder meanwhile
        if not Notification.objects.filter(key="k:race").exists():
            Notification.objects.create(recipient=segmgr, key="k:race", subject="先到", body="", url="")
        return render(template, context)

    monkeypatch.setattr(service, "_render", racing)
    with django_capture_on_commit_callbacks(execute=True):
        created = _notify([segmgr, buvp], key="k:race")
    assert [n.recipient for n in created] == [buvp]
    assert Notification.objects.filter(key="k:race").count() == 2
    assert [m.to for m in mail.outbox] == [[buvp.email]]  # segmgr's e-mail is the other sweep's


def test_the_email_is_plain_text_not_html_escaped(segmgr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = _notify([segmgr], subject="A&B <公司> 的提醒", body="客户「A&B」说 \"好\"")
    assert mail.outbox[0].subject == "A&B <公司> 的提醒"
    assert '客户「A&B」说 "好"' in mail.outbox[0].body
    assert created[0].subject == "A&B <公司> 的提醒"
