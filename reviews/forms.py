"""Input forms of the review pages (validation of input only; the services decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from criteria.models import Dimension
from prioritization.tiers import Tier
from reviews.models import ChangeKind, SummaryKind

_TEXTAREA = {"rows": 4, "class": "form-control"}


class SummaryForm(forms.Form):
    kind = forms.ChoiceField(choices=SummaryKind.choices, widget=forms.HiddenInput)
    segment = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(label=_("总结"), widget=forms.Textarea(attrs=_TEXTAREA))


class GoalsForm(forms.Form):
    next_strategic_goal = forms.CharField(
        label=_("下一年度业务单元目标"), required=False, widget=forms.Textarea(attrs={**_TEXTAREA, "rows": 2})
    )
    next_development_goals = forms.CharField(
        label=_("下一年度客户发展目标"), required=False, widget=forms.Textarea(attrs={**_TEXTAREA, "rows": 3})
    )
    next_customer_service_goal = forms.CharField(
        label=_("下一年度客户服务目标"), required=False, widget=forms.Textarea(attrs={**_TEXTAREA, "rows": 2})
    )


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), choices=ChangeKind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    criterion = forms.IntegerField(label=_("评估标准"), required=False)
    dimension = forms.ChoiceField(
        label=_("维度"), choices=[("", "—"), *Dimension.choices], required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip
    tier = forms.ChoiceField(
        label=_("级别"), choices=[("", "—"), *Tier.choices], required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )  # fmt: skip
    value = forms.CharField(
        label=_("建议值"), required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    text = forms.CharField(
        label=_("建议内容"), required=False, widget=forms.Textarea(attrs={**_TEXTAREA, "rows": 2})
    )
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={**_TEXTAREA, "rows": 2}))


class CommentForm(forms.Form):
    text = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={**_TEXTAREA, "rows": 3}))
