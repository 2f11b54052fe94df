"""Admin console for the stage 2.3.3 records, scoped like the organisation admin.

These records are written only through the services (scorecards, tier decisions, owners, status
steps, contacts, plans, approvals, arbitrations keep who/when and history), so the admin shows them
read-only: an administrator or a staff BU/BG VP audits what happened within their scope."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from prioritization.access import Action, scope_for
from prioritization.models import (
    ClaimResolution,
    ContactLog,
    DevelopmentStatusChange,
    ListApproval,
    PromotionPlan,
    PromotionSupport,
    Scorecard,
    Target,
    UnitArbitration,
)


class ScopedReadOnlyAdmin(SimpleHistoryAdmin):
    """Rows in the user's scope only (out of scope is a 404), and nothing written around a service."""

    scope_action = Action.VIEW

    def get_queryset(self, request):
        return scope_for(request).filter(super().get_queryset(request), self.scope_action)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            obj is None or scope_for(request).can(self.scope_action, obj)
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Scorecard)
class ScorecardAdmin(ScopedReadOnlyAdmin):
    list_display = ("customer", "criterion", "evaluator", "year", "score", "suggested", "scored_on")
    list_filter = ("year", "customer__unit", "customer__segment")
    search_fields = ("customer__name", "customer__number", "evaluator__username")
    list_select_related = ("customer", "criterion", "evaluator")


@admin.register(Target)
class TargetAdmin(ScopedReadOnlyAdmin):
    list_display = (
        "customer", "year", "attractiveness", "feasibility", "rank", "proposed_tier", "tier", "manual_reason",
        "decided_by", "decided_at",
    )  # fmt: skip
    list_filter = ("year", "tier", "proposed_tier", "incomplete", "customer__unit", "customer__segment")
    search_fields = ("customer__name", "customer__number")
    list_select_related = ("customer", "decided_by")


@admin.register(DevelopmentStatusChange)
class DevelopmentStatusChangeAdmin(ScopedReadOnlyAdmin):
    list_display = ("customer", "changed_on", "from_status", "to_status", "seminars_held", "changed_by")
    list_filter = ("to_status", "customer__unit")
    search_fields = ("customer__name",)
    list_select_related = ("customer", "changed_by")


@admin.register(ContactLog)
class ContactLogAdmin(ScopedReadOnlyAdmin):
    list_display = ("customer", "contacted_on", "kind", "decision_makers", "logged_by")
    list_filter = ("kind", "customer__unit")
    search_fields = ("customer__name", "decision_makers")
    list_select_related = ("customer", "logged_by")


class PromotionSupportInline(admin.TabularInline):
    model = PromotionSupport
    extra = 0
    fields = ("who", "responsibility", "due_on")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PromotionPlan)
class PromotionPlanAdmin(ScopedReadOnlyAdmin):
    list_display = ("customer", "year", "format", "planned_on", "done", "created_by")
    list_filter = ("year", "format", "done", "customer__unit")
    search_fields = ("customer__name", "objective")
    list_select_related = ("customer", "created_by")
    inlines = [PromotionSupportInline]


@admin.register(ClaimResolution)
class ClaimResolutionAdmin(ScopedReadOnlyAdmin):
    list_display = (
        "customer",
        "year",
        "primary_segment",
        "overall_owner",
        "reason",
        "resolved_by",
        "resolved_at",
    )
    list_filter = ("year", "customer__unit")
    list_select_related = ("customer", "primary_segment", "overall_owner", "resolved_by")


@admin.register(ListApproval)
class ListApprovalAdmin(ScopedReadOnlyAdmin):
    list_display = ("group", "unit", "year", "approved_by", "approved_at", "counts")
    list_filter = ("year", "group")
    list_select_related = ("group", "unit", "approved_by")


@admin.register(UnitArbitration)
class UnitArbitrationAdmin(ScopedReadOnlyAdmin):
    list_display = ("group", "year", "name", "primary_unit", "reason", "decided_by", "decided_at")
    list_filter = ("year", "group")
    search_fields = ("name",)
    list_select_related = ("group", "primary_unit", "decided_by")
