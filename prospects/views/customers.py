"""Customer list, detail, edit, verify, contacts, figures and the add-customer form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from prioritization.access import Action, scope_for
from prospects.completeness import CUSTOMER_FIELDS, FINANCIAL_FIELDS, is_stale, missing_fields
from prospects.filters import CustomerFilter
from prospects.forms import ContactForm, CustomerInfoForm, FinancialsForm, ProspectAddForm
from prospects.models import Contact, Customer
from prospects.selectors.customers import (
    customer_get_visible,
    customer_history,
    customer_list_page_queryset,
    overlapping_claims,
)
from prospects.services.customers import (
    ConcurrentUpdate,
    contact_delete,
    contact_save,
    customer_financials_set,
    customer_mark_verified,
    customer_update,
    prospect_add,
)

PAGE_SIZES = (25, 50, 100, 200)


def _page_size(request):
    try:
        size = int(request.GET.get("size", 50))
    except ValueError:
        return 50
    return size if size in PAGE_SIZES else 50


@login_required
def customer_list(request):
    scope = scope_for(request)
    filterset = CustomerFilter(request.GET or None, queryset=customer_list_page_queryset(user=request.user),
                               request=request)  # fmt: skip
    customers = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(customers, _page_size(request)).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "prospects/customer_list.html",
        {
            "page": page,
            "filter": filterset,
            "search": request.GET.get("q", ""),
            "query": query.urlencode(),
            "page_sizes": PAGE_SIZES,
            "can_import": scope.allows(Action.IMPORT),
        },
    )


@login_required
def customer_detail(request, pk):
    customer = customer_get_visible(user=request.user, pk=pk)
    scope = scope_for(request)
    financials = list(customer.financials.order_by("-year")[:3])
    latest = financials[0] if financials else None
    values = {f: getattr(customer, f) for f in CUSTOMER_FIELDS}
    figures = {f: getattr(latest, f) for f in FINANCIAL_FIELDS} if latest else None
    missing = [
        Customer._meta.get_field(f.removesuffix("_id")).verbose_name
        if f in CUSTOMER_FIELDS
        else _FINANCIAL_LABELS[f]
        for f in missing_fields(values, figures)
    ]
    return render(
        request,
        "prospects/customer_detail.html",
        {
            "customer": customer,
            "financials": financials,
            "contacts": list(customer.contacts.all()),
            "history": customer_history(customer),
            "claims": list(overlapping_claims(user=request.user, customer=customer)),
            "list_years": list(customer.list_entries.order_by("-year").values_list("year", flat=True)),
            "missing": missing,
            "is_stale": is_stale(customer.last_verified_at, timezone.now()),
            "can_change": scope.can(Action.CHANGE, customer),
        },
    )


_FINANCIAL_LABELS = {
    "revenue": gettext_lazy("营业额"),
    "it_spend": gettext_lazy("IT产品/服务支出"),
    "purchases_from_us": gettext_lazy("购买我司产品金额"),
}


@login_required
def customer_edit(request, pk):
    customer = customer_get_visible(user=request.user, pk=pk, action=Action.CHANGE)
    segments = scope_for(request).segments(Action.CHANGE).filter(unit=customer.unit)
    form = CustomerInfoForm(request.POST or None, instance=customer, segments=segments)
    if request.method == "POST" and form.is_valid():
        try:
            customer_update(
                actor=request.user,
                customer=customer,
                expected_version=form.cleaned_data["version"],
                major_change=form.cleaned_data["major_change"],
                **form.changed_values(),
            )
        except ConcurrentUpdate as exc:
            form.add_error(None, exc.messages[0])
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("客户信息已保存。"))
            return redirect("prospects:customer_detail", pk=customer.pk)
    return render(request, "prospects/customer_form.html", {"customer": customer, "form": form})


@login_required
@require_POST
def customer_verify(request, pk):
    customer = customer_get_visible(user=request.user, pk=pk, action=Action.CHANGE)
    customer_mark_verified(actor=request.user, customer=customer)
    messages.success(request, _("已标记为已核实。"))
    return redirect("prospects:customer_detail", pk=customer.pk)


@login_required
def financials_edit(request, pk):
    customer = customer_get_visible(user=request.user, pk=pk, action=Action.CHANGE)
    initial = {"year": request.GET.get("year") or timezone.localdate().year - 1}
    row = customer.financials.filter(year=initial["year"]).first() if str(initial["year"]).isdigit() else None
    if row:
        initial.update({f: getattr(row, f) for f in ("revenue", "profit", "it_spend", "purchases_from_us")})
    form = FinancialsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        customer_financials_set(actor=request.user, customer=customer, year=data.pop("year"), **data)
        messages.success(request, _("财务数据已保存。"))
        return redirect("prospects:customer_detail", pk=customer.pk)
    return render(request, "prospects/financials_form.html", {"customer": customer, "form": form})


@login_required
def contact_edit(request, pk, contact_pk=None):
    customer = customer_get_visible(user=request.user, pk=pk, action=Action.CHANGE)
    contact = get_object_or_404(Contact, pk=contact_pk, customer=customer) if contact_pk else None
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        contact_save(actor=request.user, customer=customer, contact=contact, **form.cleaned_data)
        messages.success(request, _("联系人已保存。"))
        return redirect("prospects:customer_detail", pk=customer.pk)
    return render(
        request, "prospects/contact_form.html", {"customer": customer, "form": form, "contact": contact}
    )


@login_required
@require_POST
def contact_remove(request, pk, contact_pk):
    customer = customer_get_visible(user=request.user, pk=pk, action=Action.CHANGE)
    contact = get_object_or_404(Contact, pk=contact_pk, customer=customer)
    contact_delete(actor=request.user, customer=customer, contact=contact)
    messages.success(request, _("联系人已删除。"))
    return redirect("prospects:customer_detail", pk=customer.pk)


@login_required
def customer_add(request):
    scope = scope_for(request)
    segments = scope.segments(Action.IMPORT).filter(is_active=True)
    segments = segments.filter(
        pk__in=[s.pk for s in segments if scope.can_in(Action.IMPORT, unit=s.unit, segment=s)]
    )
    if not segments.exists():
        raise PermissionDenied
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    form = ProspectAddForm(
        request.POST or None, segments=segments, initial={"segment": request.GET.get("segment")}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        segment = data.pop("segment")
        figures = {k: data.pop(k) for k in ("revenue", "it_spend", "purchases_from_us")}
        try:
            customer = prospect_add(actor=request.user, unit=segment.unit, segment=segment, year=year,
                                    figures=figures, **data)  # fmt: skip
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, _("已将 %(name)s 加入 %(year)s 年度名单。") % {"name": customer.name, "year": year}
            )
            return redirect("prospects:customer_detail", pk=customer.pk)
    return render(request, "prospects/customer_add.html", {"form": form, "year": year})
