"""Goals of 2.3.1: the BG's mission and annual goals, and each BU's goals linked to them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from prioritization.models import BusinessGroup, BusinessUnit
from prioritization.scopepaths import ScopePaths


class BusinessGroupGoals(models.Model):
    group = models.ForeignKey(
        BusinessGroup, on_delete=models.PROTECT, related_name="goals", verbose_name=_("业务群")
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    mission = models.TextField(_("使命"), blank=True)
    strategic_goal = models.TextField(_("年度战略目标"), blank=True)
    development_goals = models.TextField(_("客户发展目标"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])
    scope_paths = ScopePaths(group="group")

    class Meta:
        verbose_name = _("业务群目标")
        verbose_name_plural = _("业务群目标")
        ordering = ["group__code", "-year"]
        constraints = [models.UniqueConstraint(fields=["group", "year"], name="bg_goals_once_per_year")]

    def __str__(self):
        return f"{self.group.code} {self.year}"


class BusinessUnitGoals(models.Model):
    unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, related_name="goals", verbose_name=_("业务单元")
    )
    year = models.PositiveSmallIntegerField(_("规划年度"))
    group_goals = models.ForeignKey(
        BusinessGroupGoals,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="unit_goals",
        verbose_name=_("对应的业务群目标"),
    )
    strategic_goal = models.TextField(_("业务单元目标"), blank=True)
    development_goals = models.TextField(_("客户发展目标"), blank=True)
    customer_service_goal = models.TextField(_("年度客户服务目标"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])
    scope_paths = ScopePaths(group="unit__group", unit="unit")

    class Meta:
        verbose_name = _("业务单元目标")
        verbose_name_plural = _("业务单元目标")
        ordering = ["unit__code", "-year"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="bu_goals_once_per_year")]

    def __str__(self):
        return f"{self.unit.code} {self.year}"
