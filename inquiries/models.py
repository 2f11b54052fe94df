"""Inbound inquiries (电话档案记录, PROCESS.md §2.3.5) and their service-level clocks.

Every deadline is a column on the row, indexed; `next_sla_at` is the earliest instant at which the
SLA sweep owes this row a reminder or an escalation (NULL when nothing more is owed), so one sweep
reads only the rows that are due — never the open backlog."""

from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inquiries import sla
from prioritization.models import BusinessUnit, Segment
from prioritization.scopepaths import ScopePaths


class RequestType(models.TextChoices):
    GENERAL = "general", _("了解我司服务的一般信息")
    OUTLINE = "outline", _("项目概要")
    RFP = "rfp", _("项目建议书邀请")
    OTHER = "other", _("其他")


class CustomerCategory(models.TextChoices):
    EXISTING = "existing", _("现有客户")
    TARGET = "target", _("目标客户")
    NEW = "new", _("新客户")
    OTHER = "other", _("其他")


class Importance(models.TextChoices):
    IMPORTANT = "important", _("重要（24 小时内答复）")
    SECONDARY = "secondary", _("次要（48 小时内答复）")


class Decision(models.TextChoices):
    TARGET = "target", _("列为目标客户")
    ALLOCATE = "allocate", _("分配资源跟进（暂不列为目标客户）")
    NO_RESOURCES = "no_resources", _("仅答复，不分配资源")
    DECLINE = "decline", _("说“不”（婉拒）")


class Status(models.TextChoices):
    CAPTURED = "captured", _("来电已登记，待补全")
    LOGGED = "logged", _("待决定")
    DECIDED = "decided", _("已决定")
    MATERIAL_SENT = "material_sent", _("已发资料，待回访")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("已关闭")


class Inquiry(models.Model):
    unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, related_name="inquiries", verbose_name=_("业务单元")
    )
    segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("细分市场"),
    )
    customer = models.ForeignKey(
        "prospects.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("客户"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.CAPTURED)

    # --- the record (电话档案记录) ---
    call_at = models.DateTimeField(_("来电时间"))
    company_name = models.CharField(_("公司名称"), max_length=200)
    industry = models.CharField(_("行业"), max_length=100, blank=True)
    customer_category = models.CharField(
        _("客户类别"), max_length=20, choices=CustomerCategory.choices, blank=True
    )
    contact_name = models.CharField(_("联系人"), max_length=100, blank=True)
    contact_title = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=40)
    email = models.EmailField(_("电子邮件"), blank=True)
    request_type = models.CharField(_("查询类型"), max_length=20, choices=RequestType.choices, blank=True)
    description = models.TextField(_("查询内容描述"), blank=True)
    first_handling = models.TextField(_("初步处理"), blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="inquiries_logged",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(_("登记时间"))
    completed_at = models.DateTimeField(_("记录完成时间"), null=True, blank=True)

    # --- the segment manager's decision ---
    importance = models.CharField(_("重要程度"), max_length=20, choices=Importance.choices, blank=True)
    reply = models.TextField(_("答复"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries_decided",
        verbose_name=_("决定人"),
    )
    decision = models.CharField(_("决定"), max_length=20, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries_assigned",
        verbose_name=_("跟进客户经理"),
    )

    # --- the account manager's follow-up ---
    material_sent_at = models.DateTimeField(_("资料发送时间"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    feedback = models.TextField(_("客户反馈"), blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)

    # --- service-level clocks: deadlines and reminder instants (all indexed) ---
    log_remind_at = models.DateTimeField(_("记录提醒时间"), db_index=True)
    log_due_at = models.DateTimeField(_("记录截止时间"), db_index=True)
    reply_remind_at = models.DateTimeField(_("答复提醒时间"), db_index=True)
    reply_due_at = models.DateTimeField(_("答复截止时间"), db_index=True)
    followup_remind_at = models.DateTimeField(_("回访提醒时间"), null=True, blank=True, db_index=True)
    followup_due_at = models.DateTimeField(_("回访截止时间"), null=True, blank=True, db_index=True)
    log_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    log_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    reply_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    reply_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    followup_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    followup_escalated_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_sla_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    history = HistoricalRecords(
        excluded_fields=[
            "next_sla_at", "log_reminded_at", "reply_reminded_at", "followup_reminded_at",
        ]
    )  # fmt: skip
    scope_paths = ScopePaths(
        group="unit__group", unit="unit", segment="segment", owners=("account_manager", "logged_by")
    )

    class Meta:
        verbose_name = _("客户查询")
        verbose_name_plural = _("客户查询")
        ordering = ["-call_at", "-pk"]
        indexes = [models.Index(fields=["unit", "call_at"]), models.Index(fields=["segment", "call_at"])]

    def __str__(self):
        return f"#{self.pk} {self.company_name}"

    # --- SLA views of the row (plain values for inquiries.sla) ---
    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def clocks(self) -> list[sla.Clock]:
        closed, closed_at = self.is_closed, self.closed_at
        return [
            sla.Clock(
                sla.ClockName.LOG, self.log_due_at, self.log_remind_at, self.completed_at,
                self.log_reminded_at is not None, self.log_escalated_at is not None, closed, closed_at,
            ),
            sla.Clock(
                sla.ClockName.REPLY, self.reply_due_at, self.reply_remind_at, self.replied_at,
                self.reply_reminded_at is not None, self.reply_escalated_at is not None, closed, closed_at,
            ),
            sla.Clock(
                sla.ClockName.FOLLOWUP, self.followup_due_at, self.followup_remind_at, self.followed_up_at,
                self.followup_reminded_at is not None, self.followup_escalated_at is not None, closed,
                closed_at,
            ),
        ]  # fmt: skip

    def clock_states(self, now) -> list[sla.ClockState]:
        return [sla.clock_state(c, now) for c in self.clocks()]


class SlaBreach(models.Model):
    """A clock that was not met by its deadline, with its lateness once it is met."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="breaches")
    clock = models.CharField(_("时限"), max_length=10, choices=[(c.value, c.value) for c in sla.ClockName])
    due_at = models.DateTimeField(_("截止时间"))
    detected_at = models.DateTimeField(_("发现时间"))
    met_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    lateness = models.DurationField(_("超时"), null=True, blank=True)
    scope_paths = ScopePaths.through("inquiry", Inquiry.scope_paths)

    class Meta:
        verbose_name = _("超时记录")
        verbose_name_plural = _("超时记录")
        ordering = ["-detected_at"]
        constraints = [models.UniqueConstraint(fields=["inquiry", "clock"], name="breach_once_per_clock")]

    def __str__(self):
        return f"{self.inquiry} {self.clock}"


class BusinessCalendar(models.Model):
    """Optional per-BU working calendar: when enabled, SLA clocks count working time only."""

    unit = models.OneToOneField(
        BusinessUnit, on_delete=models.CASCADE, related_name="inquiry_calendar", verbose_name=_("业务单元")
    )
    enabled = models.BooleanField(_("按工作时间计算时限"), default=False)
    day_start = models.TimeField(_("上班时间"), default=time(9))
    day_end = models.TimeField(_("下班时间"), default=time(18))
    workdays = models.CharField(
        _("工作日"), max_length=7, default="01234", help_text=_("星期一为 0，例如 01234 表示周一至周五")
    )
    holidays = models.TextField(_("公共假日"), blank=True, help_text=_("每行一个日期，格式 YYYY-MM-DD"))
    scope_paths = ScopePaths(group="unit__group", unit="unit")

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")

    def __str__(self):
        return str(self.unit)

    def to_sla(self) -> sla.BusinessCalendar | None:
        if not self.enabled:
            return None
        from datetime import date

        from django.utils import timezone

        holidays = set()
        for line in self.holidays.split():
            try:
                holidays.add(date.fromisoformat(line.strip()))
            except ValueError:
                continue
        return sla.BusinessCalendar(
            tz=timezone.get_default_timezone(),
            day_start=self.day_start,
            day_end=self.day_end,
            workdays=frozenset(int(ch) for ch in self.workdays if ch.isdigit() and int(ch) < 7),
            holidays=frozenset(holidays),
        )
