"""The customer database every stage shares (2.3.2 preliminary list, 2.3.4 customer database)."""

import unicodedata

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from prioritization.models import BusinessUnit, Segment
from prioritization.scopepaths import ScopePaths


def normalize_name(name: str) -> str:
    """The key a company name is matched by within a BU: NFKC (full-width → half-width), trimmed,
    inner white space removed, case folded. "上海大众 " and "上海　大众" are the same company."""
    text = unicodedata.normalize("NFKC", name or "")
    return "".join(text.split()).casefold()


class SizeClass(models.TextChoices):
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")


class Ownership(models.TextChoices):
    STATE = "state", _("国有")
    JOINT_VENTURE = "jv", _("合资")
    PRIVATE = "private", _("民营")
    FOREIGN = "foreign", _("外资")
    OTHER = "other", _("其他")


class Attitude(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class DevelopmentStatus(models.TextChoices):
    NONE = "", _("未开始")
    FIRST_CONTACT = "first_contact", _("初次接触")
    SEMINARS = "seminars", _("已举办研讨会")
    DRAFTING = "drafting", _("正起草项目建议")
    NEGOTIATING = "negotiating", _("项目建议已发出，谈判中")
    CLOSED = "closed", _("项目结束")


class Customer(models.Model):
    """A company in a BU's customer database: prospect, target or existing customer."""

    unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, related_name="customers", verbose_name=_("业务单元")
    )
    segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("细分市场"),
    )
    number = models.CharField(_("客户编号"), max_length=30, editable=False)
    name = models.CharField(_("公司名称"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    size_class = models.CharField(_("规模"), max_length=10, choices=SizeClass.choices, blank=True)
    location = models.CharField(_("公司地点"), max_length=200, blank=True)
    competitors = models.TextField(_("竞争对手信息"), blank=True)
    attitude = models.CharField(
        _("管理层对我司IT服务的积极态度"), max_length=10, choices=Attitude.choices, blank=True
    )
    brand_rank = models.PositiveIntegerField(
        _("公司品牌排名"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    ownership = models.CharField(_("所有权结构"), max_length=10, choices=Ownership.choices, blank=True)
    employees = models.PositiveIntegerField(_("员工人数"), null=True, blank=True)
    disclosures = models.TextField(_("公司重大相关信息披露"), blank=True)
    it_staff = models.PositiveIntegerField(_("IT部门人数"), null=True, blank=True)
    source = models.CharField(_("信息来源"), max_length=300, blank=True)

    overall_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers_overall",
        verbose_name=_("总负责人"),
    )
    daily_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers_daily",
        verbose_name=_("日常关系负责人"),
    )
    relationship_started_on = models.DateField(_("关系开始日期"), null=True, blank=True)
    development_status = models.CharField(
        _("客户发展状态"), max_length=20, choices=DevelopmentStatus.choices, blank=True, default=""
    )
    seminars_held = models.PositiveIntegerField(_("已举办研讨会次数"), default=0)

    last_verified_at = models.DateTimeField(_("最近核实时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Optimistic lock: every write through the service bumps it; a stale form is a conflict.
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["name_key", "updated_at"])
    scope_paths = ScopePaths(
        group="unit__group", unit="unit", segment="segment", owners=("overall_owner", "daily_owner")
    )

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["unit__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "number"], name="customer_number_unique_in_unit"),
            models.UniqueConstraint(fields=["unit", "name_key"], name="customer_name_unique_in_unit"),
        ]
        indexes = [
            models.Index(fields=["unit", "segment"]),
            models.Index(fields=["last_verified_at"]),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"


class CustomerFinancials(models.Model):
    """A year's figures for a customer, in 万元 (10,000 RMB). The basic-info table of planning year
    Y reads and writes year Y-1."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="financials", verbose_name=_("客户")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    revenue = models.DecimalField(_("营业额（万元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    profit = models.DecimalField(_("利润（万元）"), max_digits=16, decimal_places=2, null=True, blank=True)
    it_spend = models.DecimalField(
        _("IT产品/服务支出或预算（万元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    purchases_from_us = models.DecimalField(
        _("购买我司产品金额（万元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    history = HistoricalRecords()
    scope_paths = ScopePaths.through("customer", Customer.scope_paths)

    class Meta:
        verbose_name = _("客户财务数据")
        verbose_name_plural = _("客户财务数据")
        ordering = ["customer", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "year"], name="financials_one_row_per_year"),
        ]

    def __str__(self):
        return f"{self.customer} {self.year}"


class ListEntry(models.Model):
    """A customer on its BU's prospect list for a planning year (2.3.2). Scoring, tiers and the
    score sheet of a year cover the customers on that year's list."""

    class Origin(models.TextChoices):
        MANUAL = "manual", _("手工添加")
        IMPORT = "import", _("Excel 导入")
        INQUIRY = "inquiry", _("来自客户查询")
        CARRIED = "carried", _("从上一年度延续")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="list_entries", verbose_name=_("客户")
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    origin = models.CharField(_("来源"), max_length=10, choices=Origin.choices, default=Origin.MANUAL)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(_("加入时间"), auto_now_add=True)
    history = HistoricalRecords()
    scope_paths = ScopePaths.through("customer", Customer.scope_paths)

    class Meta:
        verbose_name = _("年度客户名单条目")
        verbose_name_plural = _("年度客户名单")
        ordering = ["year", "customer"]
        constraints = [models.UniqueConstraint(fields=["customer", "year"], name="list_entry_once_per_year")]
        indexes = [models.Index(fields=["year", "customer"])]

    def __str__(self):
        return f"{self.year} · {self.customer}"
