"""The annual review of a BU's planning year (2.3.6): the written summaries of each role, the BG VP's
comments and confirmation of next year's goals, the changes to the criteria the review proposes
(each with its reason) and the record of carrying the year forward.

The figures of the review are not stored: they are computed from the year's data
(`reviews.selectors.year`) every time the review is shown or exported."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from prioritization.models import BusinessUnit, Segment
from prioritization.scopepaths import ScopePaths
from prioritization.tiers import Tier


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("起草中")
    SUBMITTED = "submitted", _("已提交，待业务群确认")
    CONFIRMED = "confirmed", _("已确认")


class Review(models.Model):
    unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("业务单元")
    )
    year = models.PositiveSmallIntegerField(_("评估年度"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )

    # Next year's goals: proposed by the BU VP, confirmed (and possibly reworded) by the BG VP.
    next_strategic_goal = models.TextField(_("下一年度业务单元目标"), blank=True)
    next_development_goals = models.TextField(_("下一年度客户发展目标"), blank=True)
    next_customer_service_goal = models.TextField(_("下一年度客户服务目标"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提交人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    history = HistoricalRecords()
    scope_paths = ScopePaths(group="unit__group", unit="unit")

    class Meta:
        verbose_name = _("年度评估")
        verbose_name_plural = _("年度评估")
        ordering = ["-year", "unit__code"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="review_once_per_unit_year")]

    def __str__(self):
        return f"{self.unit.code} {self.year}"

    @property
    def next_year(self) -> int:
        return self.year + 1

    @property
    def is_draft(self) -> bool:
        return self.status == ReviewStatus.DRAFT

    @property
    def is_carried_forward(self) -> bool:
        return hasattr(self, "carry_forward")


class SummaryKind(models.TextChoices):
    SEGMENT = "segment", _("细分市场总结")
    ACCOUNTS = "accounts", _("客户经理总结")
    INQUIRIES = "inquiries", _("年度查询总结")
    OVERALL = "overall", _("业务单元总结")


class ReviewSummary(models.Model):
    """A role's written summary: the segment manager's per segment, each account manager's on their
    customers, the PR owner's on the inquiries, the BU VP's overall one."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="summaries", verbose_name=_("年度评估")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=SummaryKind.choices)
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("细分市场")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("撰写人")
    )
    text = models.TextField(_("总结"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])
    scope_paths = ScopePaths.through("review", Review.scope_paths)

    class Meta:
        verbose_name = _("年度总结")
        verbose_name_plural = _("年度总结")
        ordering = ["review", "kind", "segment__code", "author__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "segment"], condition=Q(kind="segment"), name="summary_once_per_segment"
            ),
            models.UniqueConstraint(
                fields=["review", "author"],
                condition=Q(kind="accounts"),
                name="summary_once_per_account_manager",
            ),
            models.UniqueConstraint(
                fields=["review", "kind"],
                condition=Q(kind__in=["inquiries", "overall"]),
                name="summary_once_per_review_kind",
            ),
            models.CheckConstraint(
                condition=Q(kind="segment", segment__isnull=False)
                | (~Q(kind="segment") & Q(segment__isnull=True)),
                name="summary_segment_only_for_segment_kind",
            ),
        ]

    def __str__(self):
        return f"{self.review} {self.get_kind_display()} {self.segment or self.author}"


class ReviewComment(models.Model):
    """The BG VP's comments on a submitted review (and on sending it back)."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="comments", verbose_name=_("年度评估")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("评论人")
    )
    text = models.TextField(_("意见"))
    returned = models.BooleanField(_("退回修改"), default=False)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    scope_paths = ScopePaths.through("review", Review.scope_paths)

    class Meta:
        verbose_name = _("业务群意见")
        verbose_name_plural = _("业务群意见")
        ordering = ["review", "created_at", "pk"]

    def __str__(self):
        return f"{self.review} {self.author}"


class ChangeKind(models.TextChoices):
    WEIGHT = "weight", _("权重")
    THRESHOLD = "threshold", _("阈值")
    CADENCE = "cadence", _("联系频率")
    PRINCIPLE = "principle", _("服务原则")


class ProposedChange(models.Model):
    """One change to next year's criteria or tier principles that the review proposes, with its
    reason: a criterion's weight (`criterion` of this year's version), a dimension's threshold, a
    tier's contact cadence (days) or its service principle (text)."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="changes", verbose_name=_("年度评估")
    )
    kind = models.CharField(_("类型"), max_length=10, choices=ChangeKind.choices)
    criterion = models.ForeignKey(
        "criteria.Criterion",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评估标准"),
    )
    dimension = models.CharField(_("维度"), max_length=20, blank=True)
    tier = models.CharField(_("级别"), max_length=10, choices=Tier.choices, blank=True)
    current_value = models.DecimalField(_("当前值"), max_digits=6, decimal_places=2, null=True, blank=True)
    proposed_value = models.DecimalField(_("建议值"), max_digits=6, decimal_places=2, null=True, blank=True)
    proposed_text = models.TextField(_("建议内容"), blank=True)
    reason = models.TextField(_("理由"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("提出人"),
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    history = HistoricalRecords()
    scope_paths = ScopePaths.through("review", Review.scope_paths)

    class Meta:
        verbose_name = _("建议修订")
        verbose_name_plural = _("建议修订")
        ordering = ["review", "kind", "dimension", "tier", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion"], condition=Q(kind="weight"), name="change_once_per_criterion"
            ),
            models.UniqueConstraint(
                fields=["review", "dimension"],
                condition=Q(kind="threshold"),
                name="change_once_per_threshold",
            ),
            models.UniqueConstraint(
                fields=["review", "kind", "tier"],
                condition=Q(kind__in=["cadence", "principle"]),
                name="change_once_per_tier_and_kind",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="change_has_reason"),
        ]

    def __str__(self):
        return f"{self.review} {self.get_kind_display()} {self.subject}"

    @property
    def subject(self) -> str:
        if self.kind == ChangeKind.WEIGHT and self.criterion_id:
            return self.criterion.name
        if self.kind == ChangeKind.THRESHOLD:
            from criteria.models import Dimension

            return (
                str(Dimension(self.dimension).label) if self.dimension in Dimension.values else self.dimension
            )
        return str(Tier(self.tier).label) if self.tier else ""


class CarryForward(models.Model):
    """What carrying the review forward produced for the next planning year."""

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, related_name="carry_forward", verbose_name=_("年度评估")
    )
    version = models.ForeignKey(
        "criteria.CriteriaVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("下一年度选择标准草稿"),
    )
    goals = models.ForeignKey(
        "criteria.BusinessUnitGoals",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("下一年度目标"),
    )
    customers_carried = models.PositiveIntegerField(_("延续的客户数"), default=0)
    changes_applied = models.PositiveIntegerField(_("已应用的修订数"), default=0)
    carried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("执行人"),
    )
    carried_at = models.DateTimeField(_("执行时间"))
    scope_paths = ScopePaths.through("review", Review.scope_paths)

    class Meta:
        verbose_name = _("结转记录")
        verbose_name_plural = _("结转记录")

    def __str__(self):
        return f"{self.review} → {self.review.next_year}"


class SnapshotSource(models.TextChoices):
    SNAPSHOT = "snapshot", _("快照")
    HISTORY = "history", _("由客户变更历史回推")


class DataQualitySnapshot(models.Model):
    """Data quality of one segment's share of a BU's planning-year list, for one month: the beat
    refreshes the current month's row every day (so a past month keeps the state of its last day),
    and the months before the first snapshot are rebuilt once from the customers' change history
    where it exists (source = history). Sums rather than averages, so segments add up."""

    unit = models.ForeignKey(
        BusinessUnit, on_delete=models.CASCADE, related_name="+", verbose_name=_("业务单元")
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("细分市场")
    )
    year = models.PositiveSmallIntegerField(_("计划年度"))
    month = models.DateField(_("月份"))  # the first day of the month
    taken_on = models.DateField(_("取数日期"))
    source = models.CharField(
        _("来源"), max_length=10, choices=SnapshotSource.choices, default=SnapshotSource.SNAPSHOT
    )
    listed = models.PositiveIntegerField(_("名单客户数"), default=0)
    completeness_sum = models.PositiveIntegerField(_("资料完整度合计"), default=0)
    complete_count = models.PositiveIntegerField(_("资料完整的客户数"), default=0)
    stale_count = models.PositiveIntegerField(_("数据过期的客户数"), default=0)
    scope_paths = ScopePaths(group="unit__group", unit="unit", segment="segment")

    class Meta:
        verbose_name = _("数据质量快照")
        verbose_name_plural = _("数据质量快照")
        ordering = ["unit", "year", "month", "segment"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "month", "segment"], name="quality_snapshot_once_per_month"
            ),
            models.UniqueConstraint(
                fields=["unit", "year", "month"],
                condition=Q(segment__isnull=True),
                name="quality_snapshot_once_per_month_no_segment",
            ),
        ]

    def __str__(self):
        return f"{self.unit_id} {self.year} {self.month:%Y-%m}"
