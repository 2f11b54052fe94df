"""Admin console: reviews are read and corrected by administrators; every list goes through Scope."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from prioritization.access import Action, scope_for
from reviews.models import CarryForward, ProposedChange, Review, ReviewComment, ReviewSummary


class ScopedAdmin(SimpleHistoryAdmin):
    def get_queryset(self, request):
        return scope_for(request).filter(super().get_queryset(request), Action.REVIEW)


class SummaryInline(admin.TabularInline):
    model = ReviewSummary
    extra = 0
    raw_id_fields = ["author", "segment"]


class CommentInline(admin.TabularInline):
    model = ReviewComment
    extra = 0
    raw_id_fields = ["author"]


class ChangeInline(admin.TabularInline):
    model = ProposedChange
    extra = 0
    raw_id_fields = ["criterion", "proposed_by"]


@admin.register(Review)
class ReviewAdmin(ScopedAdmin):
    list_display = ["unit", "year", "status", "submitted_at", "confirmed_at"]
    list_filter = ["status", "year"]
    search_fields = ["unit__code", "unit__name"]
    raw_id_fields = ["unit", "created_by", "submitted_by", "confirmed_by"]
    inlines = [SummaryInline, ChangeInline, CommentInline]


@admin.register(CarryForward)
class CarryForwardAdmin(admin.ModelAdmin):
    list_display = ["review", "version", "customers_carried", "changes_applied", "carried_by", "carried_at"]
    raw_id_fields = ["review", "version", "goals", "carried_by"]

    def get_queryset(self, request):
        return scope_for(request).filter(super().get_queryset(request), Action.REVIEW)
