"""Input validation of the criteria pages. Business rules (weights, dimensions, lifecycle) are
checked by the services and the pure `criteria.validation`; forms only parse."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from criteria.models import BusinessGroupGoals, BusinessUnitGoals, CriteriaTemplate, CriteriaVersion
from criteria.rules import RuleError, rule_validate
from criteria.validation import CADENCE_DAYS_MAX, CADENCE_DAYS_MIN, QUOTA_MAX
from prioritization.models import Segment
from prioritization.tiers import Tier


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates can render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


RULE_HELP = _(
    "可选。JSON 格式，例如："
    '{"field": "it_spend", "bands": [{"min": 5000, "score": 10}, {"min": 2000, "score": 7}], "default": 1}'
    ' 或 {"field": "attitude", "map": {"高": 9, "中": 6, "低": 3}}。'
)


class TemplateChoiceField(forms.ModelChoiceField):
    """The stored templates by name, the one marked default saying so: the empty choice ("the
    template marked as default") and that template must not read the same."""

    def label_from_instance(self, obj):
        if obj.is_default:
            return _("%(name)s（标记为默认）") % {"name": obj.name}
        return obj.name


class VersionCreateForm(BootstrapMixin, forms.Form):
    SOURCE_TEMPLATE = "template"
    SOURCE_LAST_YEAR = "last_year"

    unit = forms.ModelChoiceField(label=_("业务单元"), queryset=None)
    year = forms.IntegerField(label=_("规划年度"), min_value=2000, max_value=2100)
    source = forms.ChoiceField(
        label=_("来源"),
        choices=[(SOURCE_TEMPLATE, _("从模板创建")), (SOURCE_LAST_YEAR, _("复制上一年度的版本"))],
        initial=SOURCE_TEMPLATE,
        widget=forms.RadioSelect,
    )
    template = TemplateChoiceField(
        label=_("模板"),
        queryset=CriteriaTemplate.objects.all(),
        required=False,
        empty_label=_("自动：使用标记为默认的模板"),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if units.count() == 1:
            self.fields["unit"].initial = units.first()


class CriterionForm(BootstrapMixin, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("标准名称"), max_length=100, required=False)
    name_en = forms.CharField(label=_("英文名称"), max_length=100, required=False)
    description = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    guidance = forms.CharField(label=_("评判方法"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    weight = forms.IntegerField(label=_("权重（%）"), required=False)
    rule = forms.CharField(
        label=_("量化规则"),
        required=False,
        help_text=RULE_HELP,
        # rule_editor.js turns this into the friendly editor and writes the JSON back here
        widget=forms.Textarea(attrs={"rows": 2, "data-rule-input": ""}),
    )

    def clean_rule(self):
        text = self.cleaned_data["rule"].strip()
        if not text:
            return None
        try:
            return rule_validate(json.loads(text))
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("量化规则不是有效的 JSON：%(error)s") % {"error": exc.msg}) from exc
        except RuleError as exc:
            raise forms.ValidationError(_("量化规则无效：%(error)s") % {"error": str(exc)}) from exc

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return (
            not (data.get("name") or "").strip() and data.get("weight") in (None, "") and not data.get("id")
        )


class BaseCriterionFormSet(forms.BaseFormSet):
    def rows(self, dimension):
        """The filled, not deleted rows in their order on the page."""
        rows = []
        for form in self.forms:
            if not form.cleaned_data or form.is_blank() or form.cleaned_data.get("DELETE"):
                continue
            rows.append({**form.cleaned_data, "dimension": dimension})
        return rows


CriterionFormSet = forms.formset_factory(
    CriterionForm, formset=BaseCriterionFormSet, extra=1, can_delete=True, max_num=30, validate_max=True
)


def rule_as_text(rule) -> str:
    return json.dumps(rule, ensure_ascii=False) if rule else ""


class VersionSettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = CriteriaVersion
        fields = [
            "attractiveness_threshold",
            "feasibility_threshold",
            "capacity_tier1",
            "capacity_tier2",
            "capacity_tier3",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class SizeBandsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = CriteriaVersion
        fields = ["large_min", "medium_min"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].widget.attrs["min"] = 0

    def clean(self):
        data = super().clean()
        large, medium = data.get("large_min"), data.get("medium_min")
        for name in self.Meta.fields:
            if data.get(name) is not None and data[name] < 0:
                self.add_error(name, _("营业额下限不能为负数。"))
        if large is not None and medium is not None and medium >= large:
            raise forms.ValidationError(_("中型客户营业额下限必须低于大型客户下限。"))
        return data

    def validate_constraints(self):
        # clean() states the bands' check constraint (criteria_size_bands_ordered) in words; the
        # constraint's generic message ("约束 … 是无效的") must not show next to it.
        pass


class TierPrincipleForm(BootstrapMixin, forms.Form):
    # a ChoiceField: a forged hidden value is a form error, not a ValueError from Tier(...)
    tier = forms.ChoiceField(choices=Tier.choices, widget=forms.HiddenInput)
    name = forms.CharField(label=_("名称"), max_length=100)
    service_principle = forms.CharField(
        label=_("服务原则"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_cadence_days = forms.IntegerField(
        label=_("联系频率（天）"), required=False, min_value=CADENCE_DAYS_MIN, max_value=CADENCE_DAYS_MAX
    )
    expected_actions = forms.CharField(
        label=_("预期行动"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


# one form per tier at most: a forged TOTAL_FORMS is a formset error, not a KeyError on empty forms
TierPrincipleFormSet = forms.formset_factory(
    TierPrincipleForm, extra=0, max_num=len(Tier.choices), validate_max=True, absolute_max=len(Tier.choices)
)


class TargetSegmentForm(BootstrapMixin, forms.Form):
    segment = forms.ModelChoiceField(label=_("细分市场"), queryset=Segment.objects.none(), required=False)
    quota_large = forms.IntegerField(label=_("大型"), min_value=0, max_value=QUOTA_MAX, initial=30)
    quota_medium = forms.IntegerField(label=_("中型"), min_value=0, max_value=QUOTA_MAX, initial=50)
    quota_small = forms.IntegerField(label=_("小型"), min_value=0, max_value=QUOTA_MAX, initial=20)

    def __init__(self, *args, segments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if segments is not None:
            self.fields["segment"].queryset = segments


class BaseTargetSegmentFormSet(forms.BaseFormSet):
    def __init__(self, *args, segments, **kwargs):
        self.segments = segments
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "segments": self.segments}

    @property
    def empty_form(self):
        form = self.form(auto_id=self.auto_id, prefix=self.add_prefix("__prefix__"), segments=self.segments)
        self.add_fields(form, None)
        return form

    def rows(self):
        return [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and f.cleaned_data.get("segment") and not f.cleaned_data.get("DELETE")
        ]


TargetSegmentFormSet = forms.formset_factory(
    TargetSegmentForm, formset=BaseTargetSegmentFormSet, extra=1, can_delete=True
)


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("Excel 文件（.xlsx）"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("文件过大（最大 2 MB）。"))
        return upload


class GroupGoalsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = BusinessGroupGoals
        fields = ["mission", "strategic_goal", "development_goals"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in fields}


class UnitGoalsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = BusinessUnitGoals
        fields = ["strategic_goal", "development_goals", "customer_service_goal"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in fields}
