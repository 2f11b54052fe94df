"""The organisation: business groups (BG) → business units (BU) → market segments, and who holds
which role where. Scope questions are answered by `prioritization.access`, not here."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from prioritization.scopepaths import ScopePaths


class BusinessGroup(models.Model):
    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()
    scope_paths = ScopePaths(group="self")

    class Meta:
        verbose_name = _("业务群")
        verbose_name_plural = _("业务群")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class BusinessUnit(models.Model):
    group = models.ForeignKey(
        BusinessGroup, on_delete=models.PROTECT, related_name="units", verbose_name=_("业务群")
    )
    code = models.CharField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    # The next sequence number of 客户编号 in this BU; advanced under a row lock.
    next_customer_seq = models.PositiveIntegerField(default=1, editable=False)
    history = HistoricalRecords(excluded_fields=["next_customer_seq"])
    scope_paths = ScopePaths(group="group", unit="self")

    class Meta:
        verbose_name = _("业务单元")
        verbose_name_plural = _("业务单元")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Segment(models.Model):
    unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, related_name="segments", verbose_name=_("业务单元")
    )
    code = models.CharField(_("代码"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    industry = models.CharField(
        _("行业大类"), max_length=100, blank=True, help_text=_("例如：组装制造业、工艺制造业")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    history = HistoricalRecords()
    scope_paths = ScopePaths(group="unit__group", unit="unit", segment="self")

    class Meta:
        verbose_name = _("细分市场")
        verbose_name_plural = _("细分市场")
        ordering = ["unit__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "code"], name="segment_code_unique_in_unit"),
            models.UniqueConstraint(fields=["unit", "name"], name="segment_name_unique_in_unit"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Role(models.TextChoices):
    BG_VP = "bg_vp", _("业务群营销副总")
    BU_VP = "bu_vp", _("业务单元营销副总/总经理")
    SEGMENT_MANAGER = "segment_manager", _("细分市场经理")
    ACCOUNT_MANAGER = "account_manager", _("客户经理/销售人员")
    RESEARCHER = "researcher", _("调研人员")
    PR_OWNER = "pr_owner", _("对外关系负责人")


# Where each role may be held: BG VP on a BG, BU VP on a BU, segment manager on a segment, the
# others on a BU or one of its segments.
ROLE_LEVELS = {
    Role.BG_VP: {"group"},
    Role.BU_VP: {"unit"},
    Role.SEGMENT_MANAGER: {"segment"},
    Role.ACCOUNT_MANAGER: {"unit", "segment"},
    Role.RESEARCHER: {"unit", "segment"},
    Role.PR_OWNER: {"unit", "segment"},
}


class Membership(models.Model):
    """A user holds `role` on exactly one organisational unit.

    `group` is set for every membership and `unit` for every membership below BG level (both
    denormalised from the segment/unit by the service) so that scope filters are plain joins."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("用户"),
    )
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    group = models.ForeignKey(
        BusinessGroup, on_delete=models.CASCADE, related_name="+", verbose_name=_("业务群")
    )
    unit = models.ForeignKey(
        BusinessUnit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("业务单元"),
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("细分市场")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()
    scope_paths = ScopePaths(group="group", unit="unit", segment="segment")

    class Meta:
        verbose_name = _("角色任命")
        verbose_name_plural = _("角色任命")
        ordering = ["user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "group"],
                condition=Q(unit__isnull=True),
                name="membership_unique_on_group",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(unit__isnull=False, segment__isnull=True),
                name="membership_unique_on_unit",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "segment"],
                condition=Q(segment__isnull=False),
                name="membership_unique_on_segment",
            ),
            models.CheckConstraint(
                name="membership_level_fits_role",
                condition=(
                    (Q(role="bg_vp") & Q(unit__isnull=True) & Q(segment__isnull=True))
                    | (Q(role="bu_vp") & Q(unit__isnull=False) & Q(segment__isnull=True))
                    | (Q(role="segment_manager") & Q(unit__isnull=False) & Q(segment__isnull=False))
                    | (Q(role__in=["account_manager", "researcher", "pr_owner"]) & Q(unit__isnull=False))
                ),
            ),
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.place}"

    @property
    def place(self):
        return self.segment or self.unit or self.group


class Profile(models.Model):
    """Per-user preferences the product needs: language of the UI and of e-mails sent to them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(_("语言"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    phone = models.CharField(_("电话"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("用户设置")
        verbose_name_plural = _("用户设置")

    def __str__(self):
        return str(self.user)
