"""The customer database every stage shares (2.3.2 preliminary list, 2.3.4 customer database)."""

import unicodedata

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from prioritization.models import BusinessUnit, Segment
from prioritization.scopepaths import ScopePaths
from prospects.text import strip_invisible


def normalize_name(name: str) -> str:
    """The key a company name is matched by within a BU: NFKC (full-width → half-width), trimmed,
    inner white space and invisible characters removed, case folded. "上海大众 ", "上海　大众" and
    "上海大众" followed by a zero-width space are the same company."""
    text = unicodedata.normalize("NFKC", strip_invisible(name or ""))
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

    # The target-customer info table (2.3.4) beyond the basic-info table.
    industry = models.CharField(_("所属行业"), max_length=100, blank=True)
    company_type = models.CharField(_("公司类型"), max_length=100, blank=True)
    partners = models.TextField(_("主要合作伙伴"), blank=True)
    products = models.TextField(_("主要产品和服务"), blank=True)
    phone = models.CharField(_("总机电话"), max_length=50, blank=True)
    fax = models.CharField(_("传真"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    strategy = models.TextField(_("目标和战略目标"), blank=True)
    market_position = models.TextField(_("在中国的市场地位"), blank=True)
    latest_developments = models.TextField(_("最新动态"), blank=True)
    it_strategy = models.TextField(_("IT产品/服务战略及使用情况"), blank=True)
    it_vendors = models.TextField(_("正在使用的IT供应商"), blank=True)
    # Percentage of the fields the basic-info table and the criteria rules need that are filled;
    # kept up to date by every write service so lists can filter and sort on it in SQL.
    completeness = models.PositiveSmallIntegerField(_("资料完整度（%）"), default=0, db_index=True)

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


class Contact(models.Model):
    """A person at the customer (several per customer, one primary)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("客户")
    )
    name = models.CharField(_("联系人"), max_length=100)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=50, blank=True)
    fax = models.CharField(_("传真"), max_length=50, blank=True)
    email = models.EmailField(_("电子邮件"), blank=True)
    is_primary = models.BooleanField(_("主要联系人"), default=False)
    history = HistoricalRecords()
    scope_paths = ScopePaths.through("customer", Customer.scope_paths)

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["customer", "-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(is_primary=True), name="contact_one_primary"
            )
        ]

    def __str__(self):
        return f"{self.name} {self.title}".strip()


class SegmentClaim(models.Model):
    """A segment that wants a customer on its list for a year although the customer belongs to
    another segment: both keep it, and the BU VP sees the overlap (the tiering stage resolves it)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="segment_claims", verbose_name=_("客户")
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="customer_claims", verbose_name=_("细分市场")
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(_("申报时间"), auto_now_add=True)
    scope_paths = ScopePaths.through("customer", Customer.scope_paths)

    class Meta:
        verbose_name = _("细分市场重叠申报")
        verbose_name_plural = _("细分市场重叠申报")
        constraints = [
            models.UniqueConstraint(fields=["customer", "segment", "year"], name="segment_claim_once")
        ]

    def __str__(self):
        return f"{self.year} · {self.segment} · {self.customer}"


class WorkbookUpload(models.Model):
    """An uploaded basic-info workbook kept between the preview (dry run) and the confirmation.
    The file lives under MEDIA_ROOT; it is found by a random token AND its uploader, never by the
    client sending the rows back."""

    token = models.CharField(max_length=64, unique=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="+")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    year = models.PositiveSmallIntegerField(_("规划年度"))
    original_name = models.CharField(max_length=255)
    path = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("上传的工作簿")
        verbose_name_plural = _("上传的工作簿")

    def __str__(self):
        return self.original_name


class WorkbookJob(models.Model):
    """A large import or export run in the background (Celery): progress for the job page, the result
    counts and, for an export (or rejected rows), the file served only to its owner."""

    class Kind(models.TextChoices):
        IMPORT = "import", _("导入")
        EXPORT = "export", _("导出")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, related_name="+")
    upload = models.ForeignKey(
        WorkbookUpload, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    params = models.JSONField(default=dict, blank=True)  # import: {"partial": bool}; export: the filter query
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    output_path = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope_paths = ScopePaths(group="unit__group", unit="unit", owners=("user",))

    class Meta:
        verbose_name = _("后台工作簿任务")
        verbose_name_plural = _("后台工作簿任务")

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
