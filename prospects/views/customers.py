from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from prospects.selectors.customers import customer_get_visible, customer_list_visible


@login_required
def customer_list(request):
    search = request.GET.get("q", "").strip()[:100]
    customers = customer_list_visible(user=request.user, search=search).order_by("unit__code", "number")
    page = Paginator(customers, 50).get_page(request.GET.get("page"))
    return render(request, "prospects/customer_list.html", {"page": page, "search": search})


@login_required
def customer_detail(request, pk):
    customer = customer_get_visible(user=request.user, pk=pk)
    financials = customer.financials.order_by("-year")[:3]
    return render(request, "prospects/customer_detail.html", {"customer": customer, "financials": financials})
