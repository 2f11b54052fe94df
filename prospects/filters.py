"""The customer list's filters (django-filter). Every filter narrows a queryset that is already
limited to the user's scope by the selector."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prioritization.access import scope_for
from prioritization.tiers import Tier
from prospects.completeness import STALE_AFTER
from prospects.models import Contact, Customer, ListEntry, Ownership, SizeClass


def customers_in_tier(queryset, *, tier: str, year: int | None):
    """Customers whose decided tier for the planning `year` is `tier` (the tiering stage, 2.3.3)."""
    from prioritization.selectors.targets import customers_with_tier

    return customers_with_tier(queryset, tier=tier, year=year)


COMPLETENESS_BANDS = {
    "low": (_("低于 50%"), Q(completeness__lt=50)),
    "mid": (_("50%–79%"), Q(completeness__gte=50, completeness__lt=80)),
    "high": (_("80% 及以上"), Q(completeness__gte=80)),
}


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label=_("搜索"))
    segment = django_filters.ModelChoiceFilter(
        queryset=None, label=_("细分市场"), empty_label=_("全部细分市场")
    )
    size_class = django_filters.ChoiceFilter(
        choices=SizeClass.choices, label=_("规模"), empty_label=_("全部规模")
    )
    ownership = django_filters.ChoiceFilter(
        choices=Ownership.choices, label=_("所有权结构"), empty_label=_("全部所有权")
    )
    stale = django_filters.ChoiceFilter(
        choices=[("yes", _("超过 6 个月未更新")), ("no", _("6 个月内已更新"))],
        method="filter_stale",
        label=_("更新状态"),
        empty_label=_("全部"),
    )
    completeness = django_filters.ChoiceFilter(
        choices=[(k, v[0]) for k, v in COMPLETENESS_BANDS.items()],
        method="filter_completeness",
        label=_("资料完整度"),
        empty_label=_("全部完整度"),
    )
    year = django_filters.NumberFilter(method="filter_year", label=_("在该规划年度名单上"))
    tier = django_filters.ChoiceFilter(
        choices=Tier.choices, method="filter_tier", label=_("级别"), empty_label=_("全部级别")
    )
    sort = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("name_key", "name"),
            ("segment__code", "segment"),
            ("size_class", "size"),
            ("completeness", "completeness"),
            ("last_verified_at", "verified"),
        ),
        # Our own labels: the generated ones are English field names, and "Name" would be
        # translated by another app's catalogue.
        field_labels={
            "number": _("客户编号"),
            "-number": _("客户编号（降序）"),
            "name_key": _("公司名称"),
            "-name": _("公司名称（降序）"),
            "segment__code": _("细分市场"),
            "-segment": _("细分市场（降序）"),
            "size_class": _("规模"),
            "-size": _("规模（降序）"),
            "completeness": _("资料完整度"),
            "-completeness": _("资料完整度（降序）"),
            "last_verified_at": _("最近核实"),
            "-verified": _("最近核实（降序）"),
        },
        empty_label=_("默认排序"),
        label=_("排序"),
    )

    class Meta:
        model = Customer
        fields = ["q", "segment", "size_class", "ownership", "stale", "completeness", "year", "tier"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.filters["segment"].queryset = (
            scope_for(request).segments() if request else Customer.objects.none()
        )
        self.now = timezone.now()
        for field in self.form.fields.values():
            is_select = hasattr(field.widget, "choices")
            field.widget.attrs["class"] = (
                "form-select form-select-sm" if is_select else "form-control form-control-sm"
            )

    def filter_search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        # IN (contacts matching) rather than a correlated EXISTS: the contacts are searched once and
        # hashed instead of probed for each of 100,000 customers (350 ms → a scan of the customers).
        contacts = Contact.objects.filter(name__icontains=value).values("customer_id")
        return queryset.filter(
            Q(name__icontains=value)
            | Q(number__icontains=value)
            | Q(location__icontains=value)
            | Q(pk__in=contacts)
        )

    def filter_stale(self, queryset, name, value):
        stale = Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=self.now - STALE_AFTER)
        return queryset.filter(stale) if value == "yes" else queryset.exclude(stale)

    def filter_completeness(self, queryset, name, value):
        return queryset.filter(COMPLETENESS_BANDS[value][1])

    def filter_year(self, queryset, name, value):
        return queryset.filter(pk__in=ListEntry.objects.filter(year=int(value)).values("customer_id"))

    def filter_tier(self, queryset, name, value):
        year = int(self.form.cleaned_data.get("year") or timezone.localdate().year)
        # Filter only by tiers the user may read: an account manager reads their segment's
        # customers, but the targets (tiers) of the accounts they own only.
        from prioritization.models import Target

        readable = scope_for(self.request).filter(Target.objects.filter(year=year)) if self.request else None
        if readable is not None:
            queryset = queryset.filter(pk__in=readable.values("customer_id"))
        return customers_in_tier(queryset, tier=value, year=year)
