"""Admin console: read-mostly views of inquiries (writes go through the pages and services),
scoped like everything else; the optional per-BU business calendar is configured here."""

from django.contrib import admin

from inquiries.models import BusinessCalendar, Inquiry, SlaBreach
from prioritization.access import Action, scope_for


class ScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return scope_for(request).filter(super().get_queryset(request), Action.VIEW)


@admin.register(Inquiry)
class InquiryAdmin(ScopedAdmin):
    list_display = ["pk", "company_name", "unit", "segment", "call_at", "status", "importance", "decision"]
    list_filter = ["status", "importance", "decision", "request_type"]
    search_fields = ["company_name", "contact_name", "phone"]
    date_hierarchy = "call_at"
    list_select_related = ["unit", "segment"]
    readonly_fields = [f.name for f in Inquiry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SlaBreach)
class SlaBreachAdmin(ScopedAdmin):
    list_display = ["inquiry", "clock", "due_at", "detected_at", "met_at", "lateness"]
    list_filter = ["clock"]
    list_select_related = ["inquiry"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["unit", "enabled", "day_start", "day_end", "workdays"]

    def get_queryset(self, request):
        return scope_for(request).filter(super().get_queryset(request), Action.MANAGE_ORG)
