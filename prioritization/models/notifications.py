"""In-app notifications and the e-mail outbox.

Every notification has a `key` that is unique per recipient (e.g. "inquiry:42:reply-reminder"), so
the same reminder is recorded — and e-mailed — once, however often a sweep runs or a worker dies."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("接收人"),
    )
    key = models.CharField(_("去重键"), max_length=200)
    subject = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key")]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.subject


class OutboundEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败（已放弃重试）")
        UNKNOWN = "unknown", _("状态不明（需管理员确认）")

    notification = models.OneToOneField(
        Notification, on_delete=models.CASCADE, related_name="email", verbose_name=_("站内通知")
    )
    to_address = models.EmailField(_("收件地址"))
    subject = models.CharField(_("主题"), max_length=300)
    body = models.TextField(_("正文"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    sending_started_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    # Set just before the message itself is handed to the server: a send that stopped before this
    # cannot have delivered anything (retried automatically); one that stopped after may have.
    data_started_at = models.DateTimeField(_("开始传输正文时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("外发邮件")
        verbose_name_plural = _("外发邮件")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.to_address}: {self.subject}"


class OutboundAttachment(models.Model):
    """A file sent with an outbox e-mail (e.g. the monthly report workbook), rendered for that one
    recipient's scope. Kept in the database with its e-mail: written in the same transaction, sent
    by whichever worker sends the e-mail, downloadable by an administrator from the outbox."""

    MAX_BYTES = 10 * 1024 * 1024  # per file; mail servers commonly refuse messages over ~20 MB

    email = models.ForeignKey(
        OutboundEmail, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("外发邮件")
    )
    filename = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    content = models.BinaryField(_("文件内容"))
    size = models.PositiveIntegerField(_("大小（字节）"))

    class Meta:
        verbose_name = _("邮件附件")
        verbose_name_plural = _("邮件附件")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(size__lte=10 * 1024 * 1024), name="outbound_attachment_max_size"
            )
        ]

    def __str__(self):
        return self.filename
