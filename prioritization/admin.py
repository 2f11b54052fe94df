"""The admin console: organisation, users and role memberships — scoped like everything else.

A superuser (system administrator) sees everything. A staff BG VP or BU VP sees and manages only the
units, segments and memberships inside their scope (Action.MANAGE_ORG)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from prioritization.access import Action, scope_for
from prioritization.models import (
    AuditEvent,
    BusinessGroup,
    BusinessUnit,
    Membership,
    Notification,
    OutboundEmail,
    Profile,
    Segment,
)
from prioritization.services.organization import membership_grant, membership_revoke, membership_validate

admin.site.site_header = _("客户重要性排序工作台 · 管理后台")
admin.site.site_title = _("管理后台")
admin.site.index_title = _("组织、用户与配置")


class ScopedAdminMixin:
    """Filters the change list by the user's scope and refuses objects outside it (404 in admin)."""

    scope_action = Action.MANAGE_ORG

    def get_queryset(self, request):
        return scope_for(request).filter(super().get_queryset(request), self.scope_action)

    def _in_scope(self, request, obj):
        return obj is None or scope_for(request).can(self.scope_action, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = scope_for(request)
        if db_field.related_model is BusinessGroup:
            kwargs["queryset"] = scope.filter(BusinessGroup.objects.all(), Action.VIEW)
        elif db_field.related_model in (BusinessUnit, Segment):
            kwargs["queryset"] = scope.filter(db_field.related_model.objects.all(), self.scope_action)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(BusinessGroup)
class BusinessGroupAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("code", "name", "name_en", "is_active")
    search_fields = ("code", "name", "name_en")

    def has_add_permission(self, request):
        return request.user.is_superuser


class SegmentInline(admin.TabularInline):
    model = Segment
    extra = 0
    fields = ("code", "name", "name_en", "industry", "is_active")


@admin.register(BusinessUnit)
class BusinessUnitAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("code", "name", "group", "is_active")
    list_filter = ("group", "is_active")
    search_fields = ("code", "name", "name_en")
    inlines = [SegmentInline]

    def has_add_permission(self, request):
        scope = scope_for(request)
        return super().has_add_permission(request) and (
            scope.is_admin or any(m.role == "bg_vp" for m in scope.memberships)
        )


@admin.register(Segment)
class SegmentAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ("code", "name", "unit", "industry", "is_active")
    list_filter = ("unit", "is_active")
    search_fields = ("code", "name", "name_en")


class MembershipAdminForm(admin.options.forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "role", "group", "unit", "segment")

    def clean(self):
        data = super().clean()
        place = data.get("segment") or data.get("unit") or data.get("group")
        if place is None or not data.get("role"):
            raise ValidationError(_("请选择角色以及任命所在的业务群、业务单元或细分市场。"))
        request = getattr(self, "request", None)
        if request is not None and isinstance(place, BusinessGroup) and not request.user.is_superuser:
            raise ValidationError(_("只有系统管理员可以任命业务群层级的角色。"))
        # The most specific place chosen decides; the levels above it follow from it.
        for key, value in membership_validate(role=data["role"], place=place).items():
            data[key] = value
            setattr(self.instance, key, value)
        return data


@admin.register(Membership)
class MembershipAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    form = MembershipAdminForm
    list_display = ("user", "role", "group", "unit", "segment")
    list_filter = ("role", "group", "unit")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and scope_for(request).allows(Action.MANAGE_ORG)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.request = request
        return form

    def save_model(self, request, obj, form, change):
        place = obj.segment or obj.unit or obj.group
        if change:
            membership_revoke(actor=request.user, membership=Membership.objects.get(pk=obj.pk))
        saved = membership_grant(actor=request.user, user=obj.user, role=obj.role, place=place)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        membership_revoke(actor=request.user, membership=obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    form = MembershipAdminForm
    extra = 0
    fields = ("role", "group", "unit", "segment")


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users are created and given roles by the system administrator."""

    inlines = [ProfileInline, MembershipInline]
    list_display = ("username", "email", "first_name", "last_name", "is_active", "is_staff")

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        # A unit manager sees the people who hold a role inside their scope (to appoint them).
        visible = scope_for(request).filter(Membership.objects.all(), Action.MANAGE_ORG)
        return qs.filter(pk__in=visible.values("user_id"))


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Operational records only a system administrator looks at."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(SuperuserOnlyAdmin):
    list_display = ("created_at", "recipient", "subject", "read_at")
    list_filter = ("read_at",)
    search_fields = ("subject", "recipient__username", "key")


from prioritization.models.notifications import OutboundAttachment  # noqa: E402


class OutboundAttachmentInline(admin.TabularInline):
    """The files sent with an e-mail (each rendered for its one recipient), downloadable."""

    model = OutboundAttachment
    fields = ("filename", "content_type", "size", "download")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description=_("下载"))
    def download(self, attachment):
        from django.urls import reverse
        from django.utils.html import format_html

        url = reverse("admin:prioritization_outboundemail_attachment", args=[attachment.email_id, attachment.pk])
        return format_html('<a href="{}">{}</a>', url, _("下载"))


@admin.register(OutboundEmail)
class OutboundEmailAdmin(SuperuserOnlyAdmin):
    """E-mails whose fate is unknown (the SMTP server stopped answering mid-way) wait here for an
    administrator: check the recipient's mailbox, then resend or leave them. Attachments (e.g. the
    monthly report workbook) are listed on each e-mail and can be downloaded."""

    list_display = (
        "created_at", "to_address", "subject", "status", "attempts", "attachment_count", "sent_at",
    )  # fmt: skip
    list_filter = ("status",)
    search_fields = ("to_address", "subject")
    actions = ["resend"]
    inlines = [OutboundAttachmentInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(attachment_total=Count("attachments"))

    @admin.display(description=_("附件"), ordering="attachment_total")
    def attachment_count(self, email):
        return email.attachment_total or ""

    def get_urls(self):
        from django.urls import path

        return [
            path(
                "<int:email_id>/attachments/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_download),
                name="prioritization_outboundemail_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_download(self, request, email_id, attachment_id):
        """The file exactly as it was sent (or will be), for an administrator only."""
        from django.http import Http404, HttpResponse
        from django.utils.http import content_disposition_header

        if not self.has_view_permission(request):
            raise Http404
        attachment = OutboundAttachment.objects.filter(email_id=email_id, pk=attachment_id).first()
        if attachment is None:
            raise Http404
        response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
        response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @admin.action(description=_("重新发送所选邮件（仅限状态不明或失败的邮件）"))
    def resend(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(
            status__in=[OutboundEmail.Status.UNKNOWN, OutboundEmail.Status.FAILED]
        ).update(status=OutboundEmail.Status.PENDING, next_attempt_at=timezone.now(), attempts=0)
        self.message_user(request, _("%(n)d 封邮件将由发送队列重新发送。") % {"n": count})


@admin.register(AuditEvent)
class AuditEventAdmin(SuperuserOnlyAdmin):
    """Security-relevant events (logins, failed logins, role changes, exports, imports, tier overrides)."""

    list_display = ("at", "kind", "username", "unit", "target", "ip_address")
    list_filter = ("kind", "unit")
    search_fields = ("username", "target")
    date_hierarchy = "at"
    readonly_fields = ("at", "kind", "actor", "username", "unit", "target", "detail", "ip_address")

    def has_delete_permission(self, request, obj=None):
        return False

from prioritization import admin_scoring  # noqa: E402,F401
