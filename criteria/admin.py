"""Admin console for 2.3.1: the criteria templates (system administrator), and a read-only,
scoped view of versions and goals — versions are edited in the browser pages, through the services,
and never once they are no longer drafts."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from criteria.models import (
    BusinessGroupGoals,
    BusinessUnitGoals,
    CriteriaTemplate,
    CriteriaVersion,
    Criterion,
    TargetSegment,
    TemplateCriterion,
    TierPrinciple,
)
from criteria.selectors import version_visibility_q
from criteria.validation import criteria_errors
from prioritization.access import Action, scope_for


class TemplateCriterionFormSet(BaseInlineFormSet):
    """A template obeys the rules of a version (whole-percent weights > 0 summing to 100 in each
    dimension, unique names): a version is created from it as it stands."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        rows = [
            {
                "dimension": form.cleaned_data.get("dimension"),
                "name": form.cleaned_data.get("name"),
                "weight": form.cleaned_data.get("weight"),
            }
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        errors = criteria_errors(rows)
        if errors:
            raise ValidationError(errors)


class TemplateCriterionInline(admin.TabularInline):
    model = TemplateCriterion
    formset = TemplateCriterionFormSet
    extra = 0
    fields = ("dimension", "order", "name", "name_en", "weight", "description", "guidance", "rule")


@admin.register(CriteriaTemplate)
class CriteriaTemplateAdmin(admin.ModelAdmin):
    """Organisation-wide configuration: only the system administrator (superuser) edits it."""

    list_display = ("name", "name_en", "is_default")
    inlines = [TemplateCriterionInline]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: request.user.is_active and request.user.is_superuser
    )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CriterionInline(ReadOnlyInline):
    model = Criterion
    fields = ("dimension", "order", "name", "name_en", "weight", "guidance", "rule")


class TierPrincipleInline(ReadOnlyInline):
    model = TierPrinciple
    fields = ("tier", "name", "service_principle", "contact_cadence_days", "expected_actions")


class TargetSegmentInline(ReadOnlyInline):
    model = TargetSegment
    fields = ("segment", "quota_large", "quota_medium", "quota_small")


class ReadOnlyScopedAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CriteriaVersion)
class CriteriaVersionAdmin(ReadOnlyScopedAdmin):
    """Read-only: drafts are edited on the browser pages (services validate weights and keep the
    history); active, frozen and retired versions are not edited at all."""

    list_display = ("__str__", "unit", "year", "number", "status", "activated_at", "edit_link")
    list_filter = ("status", "year", "unit")
    inlines = [CriterionInline, TierPrincipleInline, TargetSegmentInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(version_visibility_q(scope_for(request)))

    @admin.display(description=_("页面"))
    def edit_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("criteria:version_detail", args=[obj.pk]), _("打开")
        )


@admin.register(BusinessGroupGoals)
class BusinessGroupGoalsAdmin(ReadOnlyScopedAdmin):
    list_display = ("group", "year", "updated_by", "updated_at")

    def get_queryset(self, request):
        return scope_for(request).filter(super().get_queryset(request), Action.VIEW)


@admin.register(BusinessUnitGoals)
class BusinessUnitGoalsAdmin(ReadOnlyScopedAdmin):
    list_display = ("unit", "year", "group_goals", "updated_by", "updated_at")

    def get_queryset(self, request):
        return scope_for(request).filter(super().get_queryset(request), Action.VIEW_CRITERIA)
