"""Stage 2.3.3 records: scorecards, the customer's tier for a year, development status, contacts,
promotion plans, segment claims and the BU/BG list approvals. Every record sits under a customer (or
a BU/BG) and is scoped through it."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from prioritization.scopepaths import ScopePaths
from prioritization.tiers import Tier
from prospects.models import Customer, DevelopmentStatus

CUSTOMER_PATHS = ScopePaths.through("customer", Customer.scope_paths)


class Scorecard(models.Model):
    """One evaluator's score of one customer on one criterion (客户吸引力和服务可行性纪录表).

    The score is kept as whole tenths (10–100 = 1.0–10.0) so sums stay exact on every database."""

    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="scorecards",
        verbose_name=_("评估人"),
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="scorecards", verbose_name=_("客户")
    )
    criterion = models.ForeignKey(
        "criteria.Criterion", on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("评估标准")
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    score_tenths = models.PositiveSmallIntegerField(
        _("得分（十分之一）"), validators=[MinValueValidator(10), MaxValueValidator(100)]
    )
    suggested_tenths = models.PositiveSmallIntegerField(_("规则建议得分（十分之一）"), null=True, blank=True)
    override_reason = models.CharField(_("偏离建议的理由"), max_length=300, blank=True)
    comment = models.CharField(_("评语"), max_length=500, blank=True)
    scored_on = models.DateField(_("评估日期"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords()
    scope_paths = CUSTOMER_PATHS

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        ordering = ["customer", "criterion", "evaluator"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluator", "customer", "criterion"], name="scorecard_once_per_evaluator"
            ),
            models.CheckConstraint(
                condition=Q(score_tenths__gte=10, score_tenths__lte=100), name="scorecard_score_1_to_10"
            ),
        ]
        indexes = [models.Index(fields=["year", "customer"])]

    def __str__(self):
        return f"{self.customer} · {self.criterion_id} · {self.score}"

    @property
    def score(self) -> Decimal:
        return Decimal(self.score_tenths) / 10

    @property
    def suggested(self) -> Decimal | None:
        return None if self.suggested_tenths is None else Decimal(self.suggested_tenths) / 10


class Target(models.Model):
    """A customer's place in the year's tiering: the cached scores and proposal (rewritten by the
    `score` service) and the decided tier (kept across re-scoring; a manual tier carries its reason)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="targets", verbose_name=_("客户")
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    attractiveness = models.DecimalField(
        _("吸引力得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    feasibility = models.DecimalField(_("可行性得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("综合排名"), null=True, blank=True)
    incomplete = models.BooleanField(_("评分不完整"), default=True)
    proposed_tier = models.CharField(_("建议级别"), max_length=10, choices=Tier.choices, blank=True)
    scored_at = models.DateTimeField(_("计算时间"), null=True, blank=True)

    tier = models.CharField(_("级别"), max_length=10, choices=Tier.choices, blank=True)
    manual_reason = models.CharField(_("人工定级理由"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("定级人"),
    )
    decided_at = models.DateTimeField(_("定级时间"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["attractiveness", "feasibility", "rank", "scored_at"])
    scope_paths = CUSTOMER_PATHS

    class Meta:
        verbose_name = _("目标客户分级")
        verbose_name_plural = _("目标客户分级")
        ordering = ["year", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "year"], name="target_once_per_year"),
            models.CheckConstraint(
                condition=~Q(tier="") | Q(manual_reason=""), name="target_reason_only_with_tier"
            ),
        ]
        indexes = [models.Index(fields=["year", "customer"])]

    def __str__(self):
        return f"{self.year} · {self.customer} · {self.get_tier_display() or '-'}"

    @property
    def is_manual(self) -> bool:
        return bool(self.manual_reason)

    @property
    def says_no(self) -> bool:
        return self.tier == Tier.NO


class DevelopmentStatusChange(models.Model):
    """A dated step of the customer's development pipeline (初次接触 → … → 项目结束)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("客户")
    )
    from_status = models.CharField(_("原状态"), max_length=20, choices=DevelopmentStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=DevelopmentStatus.choices, blank=True)
    seminars_held = models.PositiveIntegerField(_("已举办研讨会次数"), default=0)
    changed_on = models.DateField(_("日期"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    scope_paths = CUSTOMER_PATHS

    class Meta:
        verbose_name = _("客户发展状态变更")
        verbose_name_plural = _("客户发展状态变更")
        ordering = ["customer", "-changed_on", "-pk"]

    def __str__(self):
        return f"{self.customer} {self.changed_on} {self.get_to_status_display()}"


class ContactLog(models.Model):
    """A dated contact with the customer; the tier principle's cadence makes the next one due."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("小型会议")
        SEMINAR = "seminar", _("研讨会")
        VISIT = "visit", _("拜访")
        CALL = "call", _("电话")
        HOSPITALITY = "hospitality", _("招待")
        # The briefing formats the tier principles name (PROCESS.md §2.3.3 item 4): experience
        # briefings for tier 1 (the value of PromotionPlan.Format.BRIEFING), new-product and
        # success-case briefings for tier 3.
        BRIEFING = "briefing", _("经验介绍会")
        PRODUCT_BRIEFING = "product_briefing", _("新产品/成功案例介绍会")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contact_logs", verbose_name=_("客户")
    )
    contacted_on = models.DateField(_("接触日期"))
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices)
    decision_makers = models.CharField(_("接触的决策者"), max_length=300, blank=True)
    notes = models.TextField(_("记录"), blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("记录人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # Optimistic lock: an edit or delete carries the version it showed and is refused when the
    # entry changed since (prospects' Customer.version does the same).
    version = models.PositiveIntegerField(_("版本"), default=1)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    edited_at = models.DateTimeField(_("修改时间"), null=True, blank=True)
    history = HistoricalRecords()
    scope_paths = CUSTOMER_PATHS

    class Meta:
        verbose_name = _("客户接触记录")
        verbose_name_plural = _("客户接触记录")
        ordering = ["customer", "-contacted_on"]
        indexes = [models.Index(fields=["customer", "contacted_on"])]

    def __str__(self):
        return f"{self.customer} {self.contacted_on} {self.get_kind_display()}"


class PromotionPlan(models.Model):
    """业务推广计划: one activity of a target customer's plan for the year, and its outcome."""

    class Format(models.TextChoices):
        SEMINAR = "seminar", _("研讨会")
        VISIT = "visit", _("拜访")
        MEETING = "meeting", _("小型会议")
        BRIEFING = "briefing", _("经验介绍会")
        HOSPITALITY = "hospitality", _("招待")
        OTHER = "other", _("其他")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="promotion_plans", verbose_name=_("客户")
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    objective = models.TextField(_("目的"))
    products = models.CharField(_("推广的产品/服务"), max_length=300, blank=True)
    success_measure = models.CharField(_("成功衡量标准"), max_length=300, blank=True)
    decision_makers = models.CharField(_("目标决策者"), max_length=300, help_text=_("例如：CIO、采购主管"))
    format = models.CharField(_("形式"), max_length=20, choices=Format.choices)
    planned_on = models.DateField(_("计划日期"), null=True, blank=True)
    done = models.BooleanField(_("已完成"), default=False)
    result = models.TextField(_("结果评估"), blank=True)
    cause_analysis = models.TextField(_("原因分析"), blank=True)
    lessons = models.TextField(_("经验分享"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("制定人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()
    scope_paths = CUSTOMER_PATHS

    class Meta:
        verbose_name = _("业务推广计划")
        verbose_name_plural = _("业务推广计划")
        ordering = ["customer", "year", "planned_on", "pk"]

    def __str__(self):
        return f"{self.customer} {self.year} {self.get_format_display()}"


class PromotionSupport(models.Model):
    """Internal support a plan needs: which department or person, what responsibility, by when."""

    plan = models.ForeignKey(PromotionPlan, on_delete=models.CASCADE, related_name="supports")
    who = models.CharField(_("部门或人员"), max_length=100)
    responsibility = models.CharField(_("职责"), max_length=300)
    due_on = models.DateField(_("时间"), null=True, blank=True)
    scope_paths = ScopePaths.through("plan", CUSTOMER_PATHS)

    class Meta:
        verbose_name = _("内部支持")
        verbose_name_plural = _("内部支持")
        ordering = ["plan", "due_on", "pk"]

    def __str__(self):
        return f"{self.who}: {self.responsibility}"


class ClaimResolution(models.Model):
    """The BU VP's decision on a customer two segments claim (prospects.SegmentClaim): one primary
    segment and overall owner for the year, with the reason."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="claim_resolutions", verbose_name=_("客户")
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    primary_segment = models.ForeignKey(
        "prioritization.Segment", on_delete=models.PROTECT, related_name="+", verbose_name=_("主细分市场")
    )
    overall_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("总负责人"),
    )
    reason = models.CharField(_("裁定理由"), max_length=500)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("裁定人"),
    )
    resolved_at = models.DateTimeField(_("裁定时间"))
    history = HistoricalRecords()
    scope_paths = CUSTOMER_PATHS

    class Meta:
        verbose_name = _("细分市场重叠裁定")
        verbose_name_plural = _("细分市场重叠裁定")
        ordering = ["customer", "year"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "year"], name="claim_resolved_once_per_year")
        ]

    def __str__(self):
        return f"{self.year} · {self.customer} → {self.primary_segment}"


class ListApproval(models.Model):
    """The BU VP's approval of the BU's tiered list (unit set), or the BG VP's of the BG list
    (unit empty). An approved BU list is locked: only the BU VP changes tiers afterwards."""

    group = models.ForeignKey(
        "prioritization.BusinessGroup", on_delete=models.CASCADE, related_name="+", verbose_name=_("业务群")
    )
    unit = models.ForeignKey(
        "prioritization.BusinessUnit",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("业务单元"),
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("批准人"),
    )
    approved_at = models.DateTimeField(_("批准时间"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    counts = models.JSONField(_("各级数量"), default=dict)
    history = HistoricalRecords()
    scope_paths = ScopePaths(group="group", unit="unit")

    class Meta:
        verbose_name = _("名单批准")
        verbose_name_plural = _("名单批准")
        ordering = ["-year", "group", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year"], condition=Q(unit__isnull=False), name="approval_once_per_bu_year"
            ),
            models.UniqueConstraint(
                fields=["group", "year"], condition=Q(unit__isnull=True), name="approval_once_per_bg_year"
            ),
        ]

    def __str__(self):
        return f"{self.unit or self.group} {self.year}"


class UnitArbitration(models.Model):
    """The BG VP's decision on a company that two BUs of the group both hold on their lists for the
    year (the same normalised name): which BU owns it, with the reason (PROCESS.md §2.3.3 item 8)."""

    group = models.ForeignKey(
        "prioritization.BusinessGroup", on_delete=models.CASCADE, related_name="+", verbose_name=_("业务群")
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    name_key = models.CharField(_("规范化名称"), max_length=200)
    name = models.CharField(_("公司名称"), max_length=200)
    primary_unit = models.ForeignKey(
        "prioritization.BusinessUnit",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("归属业务单元"),
    )
    reason = models.CharField(_("裁定理由"), max_length=500)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("裁定人"),
    )
    decided_at = models.DateTimeField(_("裁定时间"))
    history = HistoricalRecords()
    scope_paths = ScopePaths(group="group")

    class Meta:
        verbose_name = _("业务单元间重叠裁定")
        verbose_name_plural = _("业务单元间重叠裁定")
        ordering = ["group", "-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "year", "name_key"], name="unit_arbitration_once_per_company_year"
            )
        ]

    def __str__(self):
        return f"{self.year} · {self.name} → {self.primary_unit}"
