"""Forms validate input only; the services decide."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inquiries.models import CustomerCategory, Decision, Importance, Inquiry, RequestType, Status
from inquiries.services.reports import MONTH_PATTERN
from prioritization.access import Action, scope_for
from prioritization.models import Role, Segment
from prospects.models import Customer

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_INPUT, **kwargs)


def _segments_for(user, action):
    return scope_for(user).segments(action).filter(is_active=True).order_by("unit__code", "code")


class QuickLogForm(forms.Form):
    """The phone form: company and phone start the clock; everything else may follow later."""

    call_at = forms.DateTimeField(
        label=_("来电时间"), widget=LocalDateTimeInput(), input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M"]
    )
    company_name = forms.CharField(label=_("公司名称"), max_length=200)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    phone = forms.CharField(label=_("电话"), max_length=40, widget=forms.TextInput(attrs={"type": "tel"}))
    segment = forms.ModelChoiceField(
        label=_("细分市场"), queryset=Segment.objects.none(), required=False, empty_label=_("（不确定）")
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=100, required=False)
    contact_title = forms.CharField(label=_("职务"), max_length=100, required=False)
    email = forms.EmailField(label=_("电子邮件"), required=False)
    industry = forms.CharField(label=_("行业"), max_length=100, required=False)
    customer_category = forms.ChoiceField(
        label=_("客户类别"), choices=[("", "—"), *CustomerCategory.choices], required=False
    )
    request_type = forms.ChoiceField(
        label=_("查询类型"), choices=[("", "—"), *RequestType.choices], required=False
    )
    description = forms.CharField(
        label=_("查询内容描述"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    first_handling = forms.CharField(
        label=_("初步处理"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        segments = _segments_for(user, Action.LOG_INQUIRY)
        self.fields["segment"].queryset = segments
        if len(segments) == 1:
            self.fields["segment"].initial = segments[0].pk
        self.fields["call_at"].initial = timezone.localtime().strftime(DATETIME_INPUT)
        # htmx autocomplete over the customers in the user's scope (the endpoint is scoped too).
        self.fields["company_name"].widget.attrs.update({
            "hx-get": reverse("inquiries:company_autocomplete"),
            "hx-trigger": "input changed delay:250ms",
            "hx-target": "#company-suggestions",
            "hx-sync": "this:replace",
            "autocomplete": "off",
        })  # fmt: skip

    def clean_customer(self):
        pk = self.cleaned_data.get("customer")
        if not pk:
            return None
        customer = scope_for(self.user).filter(Customer.objects.select_related("segment"), Action.VIEW)
        customer = customer.filter(pk=pk).first()
        if customer is None:
            raise forms.ValidationError(_("所选客户不存在或不在您的权限范围内。"))
        return customer

    def clean(self):
        data = super().clean()
        segment, customer = data.get("segment"), data.get("customer")
        if customer is not None and customer.name != data.get("company_name", "").strip():
            data["customer"] = customer = None  # the name was edited after picking: a new company
        if segment is None and customer is not None:
            data["segment"] = customer.segment
        if data.get("segment") is None:
            units = {s.unit_id for s in self.fields["segment"].queryset}
            if len(units) != 1:
                self.add_error("segment", _("请选择细分市场。"))
        return data

    def unit(self):
        data = self.cleaned_data
        if data.get("segment") is not None:
            return data["segment"].unit
        if data.get("customer") is not None:
            return data["customer"].unit
        return self.fields["segment"].queryset[0].unit


class CompleteForm(forms.ModelForm):
    class Meta:
        model = Inquiry
        fields = [
            "company_name", "phone", "contact_name", "contact_title", "email", "industry",
            "customer_category", "request_type", "description", "first_handling",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "first_handling": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"type": "tel"}),
        }


class ClassifyForm(forms.Form):
    importance = forms.ChoiceField(label=_("重要程度"), choices=Importance.choices, widget=forms.RadioSelect)


class DecideForm(forms.Form):
    importance = forms.ChoiceField(label=_("重要程度"), choices=Importance.choices, widget=forms.RadioSelect)
    reply = forms.CharField(label=_("答复"), widget=forms.Textarea(attrs={"rows": 3}))
    decision = forms.ChoiceField(label=_("决定"), choices=Decision.choices, widget=forms.RadioSelect)
    decision_reason = forms.CharField(
        label=_("决定理由"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    account_manager = forms.ModelChoiceField(
        label=_("跟进客户经理"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("（暂不指定）"),
    )

    def __init__(self, *args, inquiry: Inquiry, **kwargs):
        super().__init__(*args, **kwargs)
        at_unit = Q(
            memberships__role=Role.ACCOUNT_MANAGER,
            memberships__unit_id=inquiry.unit_id,
            memberships__segment__isnull=True,
        )
        at_segment = Q(memberships__role=Role.ACCOUNT_MANAGER, memberships__segment_id=inquiry.segment_id)
        users = get_user_model().objects.filter(
            (at_unit | at_segment) if inquiry.segment_id else at_unit, is_active=True
        )
        self.fields["account_manager"].queryset = users.distinct().order_by("username")
        self.fields["account_manager"].label_from_instance = lambda u: u.get_full_name() or u.username


class MaterialSentForm(forms.Form):
    material_sent_at = forms.DateTimeField(
        label=_("资料发送时间"), widget=LocalDateTimeInput(), input_formats=[DATETIME_INPUT], required=False
    )


class FollowUpForm(forms.Form):
    feedback = forms.CharField(label=_("客户反馈"), widget=forms.Textarea(attrs={"rows": 3}))


class MonthlyReportForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("业务单元"), queryset=None)
    month = forms.RegexField(
        label=_("月份"), regex=rf"\A{MONTH_PATTERN}\Z", widget=forms.TextInput(attrs={"type": "month"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = scope_for(user).units(Action.INQUIRY_REPORTS)


SLA_FILTERS = [("overdue", _("已超时")), ("at_risk", _("即将超时")), ("open", _("未关闭"))]


class InquiryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("公司或联系人"), method="search")
    unit = django_filters.NumberFilter(field_name="unit_id", widget=forms.HiddenInput)
    segment = django_filters.ModelChoiceFilter(label=_("细分市场"), queryset=Segment.objects.none())
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Status.choices)
    importance = django_filters.ChoiceFilter(label=_("重要程度"), choices=Importance.choices)
    request_type = django_filters.ChoiceFilter(label=_("查询类型"), choices=RequestType.choices)
    sla = django_filters.ChoiceFilter(label=_("时限"), choices=SLA_FILTERS, method="by_sla")
    since = django_filters.DateFilter(
        label=_("来电日期自"), field_name="call_at", lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    until = django_filters.DateFilter(
        label=_("至"),
        field_name="call_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Inquiry
        fields = ["q", "unit", "segment", "status", "importance", "request_type", "sla", "since", "until"]

    def __init__(self, *args, user, now, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now
        self.filters["segment"].queryset = _segments_for(user, Action.VIEW)
        for field in self.form.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )

    def search(self, queryset, name, value):
        return queryset.filter(Q(company_name__icontains=value) | Q(contact_name__icontains=value))

    def by_sla(self, queryset, name, value):
        from inquiries.selectors import at_risk_q, open_q, overdue_q

        q = {"overdue": overdue_q, "at_risk": at_risk_q}.get(value)
        return queryset.filter(q(self.now) if q else open_q())
