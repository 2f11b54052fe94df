"""Forms validate input only; the services write."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from prospects.models import Contact, Customer

INFO_FORM_FIELDS = [
    "name", "segment", "industry", "company_type", "size_class", "ownership", "location", "address",
    "phone", "fax", "employees", "it_staff", "brand_rank", "attitude", "partners", "products",
    "strategy", "market_position", "competitors", "latest_developments", "disclosures", "it_strategy",
    "it_vendors", "source",
]  # fmt: skip
LONG_TEXT = ["partners", "products", "strategy", "market_position", "competitors", "latest_developments",
             "disclosures", "it_strategy", "it_vendors"]  # fmt: skip


def _amount_field(label):
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
    )


class CustomerInfoForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    major_change = forms.CharField(
        label=_("重大变化说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("填写后，将通过邮件和站内通知告知该客户的负责人和细分市场经理。"),
    )

    class Meta:
        model = Customer
        fields = INFO_FORM_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in LONG_TEXT}

    def __init__(self, *args, segments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = (
            segments if segments is not None else self.fields["segment"].queryset
        )
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def changed_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.changed_data if name in INFO_FORM_FIELDS}


class FinancialsForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=1950, max_value=2200)
    revenue = _amount_field(_("营业额（万元）"))
    profit = forms.DecimalField(label=_("利润（万元）"), required=False, max_digits=16, decimal_places=2)
    it_spend = _amount_field(_("IT产品/服务支出或预算（万元）"))
    purchases_from_us = _amount_field(_("购买我司产品金额（万元）"))


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "fax", "email", "is_primary"]


class ProspectAddForm(forms.Form):
    segment = forms.ModelChoiceField(queryset=None, label=_("细分市场"))
    name = forms.CharField(label=_("公司名称"), max_length=200)
    size_class = forms.ChoiceField(
        label=_("规模"), required=False, choices=[("", "—"), *Customer._meta.get_field("size_class").choices]
    )
    ownership = forms.ChoiceField(
        label=_("所有权结构"),
        required=False,
        choices=[("", "—"), *Customer._meta.get_field("ownership").choices],
    )
    location = forms.CharField(label=_("公司地点"), max_length=200, required=False)
    attitude = forms.ChoiceField(
        label=_("管理层对我司IT服务的积极态度"),
        required=False,
        choices=[("", "—"), *Customer._meta.get_field("attitude").choices],
    )
    revenue = _amount_field(_("公司营业额（万元，上一年度）"))
    it_spend = _amount_field(_("IT产品/服务支出或预算（万元，上一年度）"))
    purchases_from_us = _amount_field(_("购买我司产品金额（万元，上一年度）"))
    source = forms.CharField(label=_("信息来源"), max_length=300, required=False,
                             help_text=_("例如：公司网站、行业年鉴、工商登记、行业协会、现有用户数据库"))  # fmt: skip

    def __init__(self, *args, segments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = segments


class UploadForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, label=_("业务单元"))
    segment = forms.ModelChoiceField(queryset=None, label=_("默认细分市场"), required=False,
                                     help_text=_("「细分市场」列为空的行归入此细分市场"))  # fmt: skip
    year = forms.IntegerField(label=_("规划年度"), min_value=1950, max_value=2200)
    file = forms.FileField(label=_("客户基本信息表（.xlsx）"))

    def __init__(self, *args, units, segments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["segment"].queryset = segments
        if units.count() == 1:
            self.initial.setdefault("unit", units.first())

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 工作簿。"))
        if upload.size > settings.WORKBOOK_MAX_BYTES:
            raise forms.ValidationError(
                _("文件太大，上限为 %(limit)s MB。") % {"limit": settings.WORKBOOK_MAX_BYTES // 1048576}
            )
        return upload

    def clean(self):
        data = super().clean()
        unit, segment = data.get("unit"), data.get("segment")
        if unit and segment and segment.unit_id != unit.pk:
            self.add_error("segment", _("细分市场不属于该业务单元。"))
        return data
