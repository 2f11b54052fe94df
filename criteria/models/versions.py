"""A BU's criteria set-up for one planning year (2.3.1, tier principles of 2.3.3, target segments and
quotas of 2.3.2), kept as numbered versions: draft → active → frozen (once scoring started)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from prioritization.models import BusinessUnit, Segment
from prioritization.scopepaths import ScopePaths
from prioritization.tiers import Tier


class Dimension(models.TextChoices):
    ATTRACTIVENESS = "attractiveness", _("吸引力")
    FEASIBILITY = "feasibility", _("可行性")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    ACTIVE = "active", _("生效")
    FROZEN = "frozen", _("已冻结（评分已开始）")
    # A version that was in force and has been replaced by an activated revision.
    RETIRED = "retired", _("已被取代")


# The statuses of the one version that is in force for a BU-year.
IN_FORCE = (VersionStatus.ACTIVE, VersionStatus.FROZEN)

_SCORE_RANGE = [MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("10"))]


class CriteriaVersion(models.Model):
    unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, related_name="criteria_versions", verbose_name=_("业务单元")
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    number = models.PositiveSmallIntegerField(_("版本号"), default=1)
    status = models.CharField(
        _("状态"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    attractiveness_threshold = models.DecimalField(
        _("吸引力阈值"), max_digits=4, decimal_places=2, default=Decimal("5.5"), validators=_SCORE_RANGE
    )
    feasibility_threshold = models.DecimalField(
        _("可行性阈值"), max_digits=4, decimal_places=2, default=Decimal("5.5"), validators=_SCORE_RANGE
    )
    # Optional capacities per tier: exceeding one only warns; people decide.
    capacity_tier1 = models.PositiveIntegerField(_("一级客户容量"), null=True, blank=True)
    capacity_tier2 = models.PositiveIntegerField(_("二级客户容量"), null=True, blank=True)
    capacity_tier3 = models.PositiveIntegerField(_("三级客户容量"), null=True, blank=True)
    # Size bands by revenue of the year before, in 万元.
    large_min = models.DecimalField(
        _("大型客户营业额下限（万元）"), max_digits=16, decimal_places=2, default=Decimal("200000")
    )
    medium_min = models.DecimalField(
        _("中型客户营业额下限（万元）"), max_digits=16, decimal_places=2, default=Decimal("10000")
    )
    note = models.TextField(_("修订说明"), blank=True)
    based_on = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="derived",
        verbose_name=_("来源版本"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    activated_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("生效人"),
    )
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True)
    history = HistoricalRecords()
    scope_paths = ScopePaths(group="unit__group", unit="unit")

    class Meta:
        verbose_name = _("选择标准版本")
        verbose_name_plural = _("选择标准版本")
        ordering = ["unit__code", "-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "number"], name="criteria_version_number_unique"),
            models.UniqueConstraint(
                fields=["unit", "year"],
                condition=Q(status__in=["active", "frozen"]),
                name="criteria_one_version_in_force_per_unit_year",
            ),
            models.CheckConstraint(
                condition=Q(medium_min__lt=models.F("large_min")) & Q(medium_min__gte=0),
                name="criteria_size_bands_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.unit.code} {self.year} v{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def is_in_force(self) -> bool:
        return self.status in IN_FORCE

    def capacity_for(self, tier) -> int | None:
        return {
            Tier.TIER1: self.capacity_tier1,
            Tier.TIER2: self.capacity_tier2,
            Tier.TIER3: self.capacity_tier3,
        }.get(tier)


class Criterion(models.Model):
    version = models.ForeignKey(
        CriteriaVersion, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("版本")
    )
    dimension = models.CharField(_("维度"), max_length=20, choices=Dimension.choices)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("标准名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    guidance = models.TextField(_("评判方法"), blank=True, help_text=_("显示给评估人的评分指引"))
    weight = models.PositiveSmallIntegerField(
        _("权重（%）"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # Optional quantitative rule deriving a 1–10 suggestion (format: criteria/rules.py).
    rule = models.JSONField(_("量化规则"), null=True, blank=True)
    history = HistoricalRecords()
    scope_paths = ScopePaths.through("version", CriteriaVersion.scope_paths)

    class Meta:
        verbose_name = _("评估标准")
        verbose_name_plural = _("评估标准")
        ordering = ["version", "dimension", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="criterion_name_unique_in_version"),
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=100), name="criterion_weight_1_to_100"
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.weight}%"


# PROCESS.md §2.3.3 item 4: monthly / quarterly / half-yearly; no contact cadence for 不考虑.
DEFAULT_CADENCE_DAYS = {Tier.TIER1: 30, Tier.TIER2: 90, Tier.TIER3: 180, Tier.NO: None}


class TierPrinciple(models.Model):
    version = models.ForeignKey(
        CriteriaVersion, on_delete=models.CASCADE, related_name="principles", verbose_name=_("版本")
    )
    tier = models.CharField(_("级别"), max_length=10, choices=Tier.choices)
    name = models.CharField(_("名称"), max_length=100)
    service_principle = models.TextField(_("服务原则"), blank=True)
    contact_cadence_days = models.PositiveSmallIntegerField(
        _("联系频率（天）"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    expected_actions = models.TextField(_("预期行动"), blank=True)
    history = HistoricalRecords()
    scope_paths = ScopePaths.through("version", CriteriaVersion.scope_paths)

    class Meta:
        verbose_name = _("分级客户管理原则")
        verbose_name_plural = _("分级客户管理原则")
        ordering = ["version", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["version", "tier"], name="tier_principle_once_per_tier")
        ]

    def __str__(self):
        return f"{self.get_tier_display()} {self.name}"


class TargetSegment(models.Model):
    version = models.ForeignKey(
        CriteriaVersion, on_delete=models.CASCADE, related_name="target_segments", verbose_name=_("版本")
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="+", verbose_name=_("细分市场")
    )
    quota_large = models.PositiveIntegerField(_("大型客户配额"), default=30)
    quota_medium = models.PositiveIntegerField(_("中型客户配额"), default=50)
    quota_small = models.PositiveIntegerField(_("小型客户配额"), default=20)
    history = HistoricalRecords()
    scope_paths = ScopePaths.through("version", CriteriaVersion.scope_paths)

    class Meta:
        verbose_name = _("重点细分市场")
        verbose_name_plural = _("重点细分市场")
        ordering = ["version", "segment__code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "segment"], name="target_segment_once_per_version")
        ]

    def __str__(self):
        return str(self.segment)

    @property
    def quotas(self) -> dict[str, int]:
        return {"large": self.quota_large, "medium": self.quota_medium, "small": self.quota_small}

    @property
    def quota_total(self) -> int:
        return self.quota_large + self.quota_medium + self.quota_small
