"""E-mail back-ends that fail the way real SMTP servers do, for the outbox tests."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    """The server refuses (e.g. 451 try again later): safe to retry."""

    def send_messages(self, messages):
        raise smtplib.SMTPDataError(451, b"try again later")


class TimeoutAfterDataBackend(BaseEmailBackend):
    """The connection dies after DATA: the message may or may not have left."""

    def send_messages(self, messages):
        raise TimeoutError("timed out waiting for the reply to DATA")
