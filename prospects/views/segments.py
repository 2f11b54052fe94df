"""The researcher's segment progress (2.3.2): the year's target segments, quotas per size class and
how many customers are on the list against each."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from criteria.selectors import target_segments_for
from prioritization import listcache
from prioritization.access import Action, scope_for
from prospects.models import Customer, ListEntry, SegmentClaim, SizeClass


@login_required
def segment_progress(request):
    scope = scope_for(request)
    units = list(scope.units(Action.VIEW).order_by("code"))
    if not units:
        segs = scope.segments(Action.VIEW)
        units = sorted({s.unit for s in segs}, key=lambda u: u.code)
    if not units:
        raise Http404
    code = request.GET.get("unit")
    unit = next((u for u in units if u.code == code), units[0])
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    targets = target_segments_for(unit=unit, year=year)
    entries = scope.filter(ListEntry.objects.filter(year=year, customer__unit=unit), Action.VIEW)
    listed = entries.values_list("customer__segment_id", "customer__size_class").annotate(n=Count("id"))
    claims = scope.filter(SegmentClaim.objects.filter(year=year, customer__unit=unit), Action.VIEW)
    claimed = claims.values_list("segment_id", "customer__size_class").annotate(n=Count("id"))
    # Counted over the BU's whole list: through the list cache while the BU has not changed.
    counts = {}
    for rows in (
        listcache.cached(unit.pk, "segment-sizes", listed, lambda: list(listed)),
        listcache.cached(unit.pk, "segment-claims", claimed, lambda: list(claimed)),
    ):
        for segment_id, size, n in rows:
            counts[(segment_id, size)] = counts.get((segment_id, size), 0) + n
    segments = []
    for target in targets:
        segment = target["segment"]
        if not scope.can(Action.VIEW, segment) and not scope.can_in(Action.VIEW, unit=unit, segment=segment):
            continue
        quotas = target.get("quotas") or {}
        sizes = []
        for size in SizeClass:
            have, quota = counts.get((segment.pk, size.value), 0), quotas.get(size.value, 0)
            sizes.append({"size": size, "have": have, "quota": quota,
                          "percent": min(100, round(100 * have / quota)) if quota else 0})  # fmt: skip
        unsized = counts.get((segment.pk, ""), 0)
        total_quota = sum(quotas.values())
        total = sum(s["have"] for s in sizes) + unsized
        segments.append({
            "segment": segment, "sizes": sizes, "unsized": unsized, "total": total, "total_quota": total_quota,
            "can_add": scope.can_in(Action.IMPORT, unit=unit, segment=segment),
        })  # fmt: skip
    return render(
        request,
        "prospects/segment_progress.html",
        {"unit": unit, "units": units, "year": year, "segments": segments,
         "customers_in_unit": scope.filter(Customer.objects.filter(unit=unit), Action.VIEW).count()},
    )  # fmt: skip
