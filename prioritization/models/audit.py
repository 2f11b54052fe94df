"""The audit log of security-relevant events: logins (and failures), role changes, exports, imports
and tier overrides. Written by `prioritization.services.audit.audit_record`; read by administrators."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prioritization.scopepaths import ScopePaths


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出登录")
        ROLE_GRANTED = "role_granted", _("任命角色")
        ROLE_REVOKED = "role_revoked", _("撤销角色")
        EXPORT = "export", _("导出")
        IMPORT = "import", _("导入")
        TIER_OVERRIDE = "tier_override", _("手工调整级别")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    unit = models.ForeignKey(
        "prioritization.BusinessUnit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("业务单元"),
    )  # fmt: skip
    target = models.CharField(_("对象"), max_length=300, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    scope_paths = ScopePaths(group="unit__group", unit="unit")

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"
