"""Forms of stage 2.3.3 pages: they validate input only; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prioritization.models import ContactLog, PromotionPlan
from prioritization.services.targets import (
    ANY_SEGMENT,
    DAILY_OWNER_ROLES,
    OVERALL_OWNER_ROLES,
    PIPELINE,
    eligible_owners,
)
from prospects.models import DevelopmentStatus

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d")
SELECT = {"class": "form-select form-select-sm"}
TEXT = {"class": "form-control form-control-sm"}


def _person(user) -> str:
    return user.get_full_name() or user.username


class _OwnerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _person(obj)


class OwnersForm(forms.Form):
    """The overall and daily relationship owner of one customer: users with fitting roles on the
    customer's segment or on its whole BU (those who see it once they own it). Without a customer
    (the owner list's bulk form), those of `segment`, or of any segment of the BU."""

    overall_owner = _OwnerChoice(
        queryset=None, required=False, label=_("总负责人"), widget=forms.Select(attrs=SELECT)
    )
    daily_owner = _OwnerChoice(
        queryset=None, required=False, label=_("日常关系负责人"), widget=forms.Select(attrs=SELECT)
    )
    relationship_started_on = forms.DateField(required=False, label=_("关系开始日期"), widget=DATE)

    def __init__(self, *args, unit, customer=None, segment=ANY_SEGMENT, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        users = get_user_model().objects
        if customer is not None:
            segment = customer.segment
        for name, roles in (("overall_owner", OVERALL_OWNER_ROLES), ("daily_owner", DAILY_OWNER_ROLES)):
            ids = {u.pk for u in eligible_owners(unit=unit, roles=roles, segment=segment)}
            current = getattr(customer, f"{name}_id", None) if customer is not None else None
            if current:  # an owner named earlier stays shown (and may be kept) until replaced
                ids.add(current)
            self.fields[name].queryset = users.filter(pk__in=ids).order_by("username")

    def clean_relationship_started_on(self):
        value = self.cleaned_data.get("relationship_started_on")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("关系开始日期不能晚于今天。"))
        return value


class BulkOwnersForm(OwnersForm):
    """The same owners for the customers ticked on the owner list; an empty field keeps each
    customer's own value."""

    customer = forms.TypedMultipleChoiceField(coerce=int, choices=(), label=_("客户"))

    def __init__(self, *args, customer_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [(pk, pk) for pk in customer_ids]
        self.fields["customer"].error_messages["required"] = _("请先勾选客户。")

    def clean(self):
        data = super().clean()
        if not (data.get("overall_owner") or data.get("daily_owner") or data.get("relationship_started_on")):
            raise forms.ValidationError(
                _("请至少选择一项要设置的内容（总负责人、日常关系负责人或关系开始日期）。")
            )
        return data


class StatusForm(forms.Form):
    """One step of the development pipeline, dated, with the seminar count where it applies."""

    status = forms.ChoiceField(
        label=_("客户发展状态"),
        choices=[(v, label) for v, label in DevelopmentStatus.choices if v in PIPELINE],
        widget=forms.Select(attrs=SELECT),
    )
    seminars_held = forms.IntegerField(
        label=_("已举办研讨会次数"), min_value=0, required=False, widget=forms.NumberInput(attrs=TEXT)
    )
    on = forms.DateField(label=_("日期"), widget=DATE, initial=timezone.localdate)
    note = forms.CharField(
        label=_("说明"),
        max_length=300,
        required=False,
        help_text=_("退回到较早的状态时必填，写明原因。"),
        widget=forms.TextInput(attrs=TEXT),
    )

    def clean_on(self):
        value = self.cleaned_data["on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天。"))
        return value


class ContactForm(forms.ModelForm):
    class Meta:
        model = ContactLog
        fields = ["contacted_on", "kind", "decision_makers", "notes"]
        widgets = {
            "contacted_on": DATE,
            "kind": forms.Select(attrs=SELECT),
            "decision_makers": forms.TextInput(attrs={**TEXT, "placeholder": _("例如：CIO、采购主管")}),
            "notes": forms.Textarea(attrs={**TEXT, "rows": 2}),
        }

    def clean_contacted_on(self):
        value = self.cleaned_data["contacted_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("接触日期不能晚于今天。"))
        return value


PLANNING_FIELDS = ["objective", "products", "success_measure", "decision_makers", "format", "planned_on"]
OUTCOME_FIELDS = ["done", "result", "cause_analysis", "lessons"]


class PromotionPlanForm(forms.ModelForm):
    """业务推广计划: objective, decision makers, format and date (planned by the owners' managers);
    done, result and lessons (recorded by whoever carries it out)."""

    class Meta:
        model = PromotionPlan
        fields = [*PLANNING_FIELDS, *OUTCOME_FIELDS]
        widgets = {
            "objective": forms.Textarea(attrs={**TEXT, "rows": 2}),
            "products": forms.TextInput(attrs=TEXT),
            "success_measure": forms.TextInput(attrs=TEXT),
            "decision_makers": forms.TextInput(attrs=TEXT),
            "format": forms.Select(attrs=SELECT),
            "planned_on": DATE,
            "done": forms.CheckboxInput(attrs={"class": "form-check-input"}),
            "result": forms.Textarea(attrs={**TEXT, "rows": 2}),
            "cause_analysis": forms.Textarea(attrs={**TEXT, "rows": 2}),
            "lessons": forms.Textarea(attrs={**TEXT, "rows": 2}),
        }

    def __init__(self, *args, may_plan: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_plan:
            for name in PLANNING_FIELDS:
                self.fields[name].disabled = True


class SupportForm(forms.Form):
    """One internal-support row of a plan: department or person, responsibility, when."""

    who = forms.CharField(
        label=_("部门或人员"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    responsibility = forms.CharField(
        label=_("职责"), max_length=300, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    due_on = forms.DateField(label=_("时间"), required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("who") and not data.get("responsibility"):
            self.add_error("responsibility", _("请填写该部门或人员的职责。"))
        if not data.get("who") and (data.get("responsibility") or data.get("due_on")):
            self.add_error("who", _("请填写提供支持的部门或人员。"))
        return data


SupportFormSet = forms.formset_factory(SupportForm, extra=2, max_num=20)
