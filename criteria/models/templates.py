"""Criteria templates a version can start from; the default one is shipped as data (migration) and
editable by the system administrator in the admin console. Templates are organisation-wide
configuration, not BU data, so they declare no scope paths and only the admin console edits them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from criteria.models.versions import Dimension


class CriteriaTemplate(models.Model):
    name = models.CharField(_("模板名称"), max_length=100, unique=True)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    is_default = models.BooleanField(_("默认模板"), default=False)

    class Meta:
        verbose_name = _("选择标准模板")
        verbose_name_plural = _("选择标准模板")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_criteria_template",
            )
        ]

    def __str__(self):
        return self.name


class TemplateCriterion(models.Model):
    template = models.ForeignKey(
        CriteriaTemplate, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("模板")
    )
    dimension = models.CharField(_("维度"), max_length=20, choices=Dimension.choices)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("标准名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)
    guidance = models.TextField(_("评判方法"), blank=True)
    weight = models.PositiveSmallIntegerField(_("权重（%）"))
    rule = models.JSONField(_("量化规则"), null=True, blank=True)

    class Meta:
        verbose_name = _("模板评估标准")
        verbose_name_plural = _("模板评估标准")
        ordering = ["template", "dimension", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "name"], name="template_criterion_name_unique")
        ]

    def __str__(self):
        return f"{self.name} {self.weight}%"
