"""Pages of stage 2.3.3: scoring, the evaluation matrix, tiers, owners and the BU/BG lists.
Views parse input, call a selector or a service and render; access goes through Scope."""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, DecimalField, F, IntegerField, Q, Value
from django.db.models.functions import Floor, Round
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from criteria.models import CriteriaVersion
from criteria.models.versions import IN_FORCE
from prioritization import listcache, scoring
from prioritization.access import Action, scope_for
from prioritization.models import BusinessUnit, Segment, Target
from prioritization.selectors.targets import (
    TARGET_TIERS,
    decided_tier_counts,
    history_of,
    listed_customers,
    page_of,
    relationship_table,
    segment_tier_counts,
    target_customers,
    target_visibility,
    tier_capacity_warnings,
    tier_stability,
    with_targets,
)
from prioritization.services import targets as tier_services
from prioritization.services.scoring import (
    NoCriteriaVersion,
    ScoreInput,
    criterion_specs,
    scorecard_record,
    scorecard_revision,
    scorecard_revisions,
    suggestions_for,
    thresholds_of,
)
from prioritization.services.workbooks import UnusableFile, scores_import, scoresheet_write, tiers_write
from prioritization.tiers import TIER_MEANING, Tier
from prospects.models import Customer, Ownership, SizeClass
from prospects.services.customers import ConcurrentUpdate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- place: BU, segment and year of a page -------------------------------------------------------


class Place:
    def __init__(self, request, unit, segment, year, version):
        self.request, self.unit, self.segment, self.year, self.version = request, unit, segment, year, version

    @property
    def query(self) -> str:
        seg = f"&segment={self.segment.code}" if self.segment else ""
        return f"bu={self.unit.code}&year={self.year}{seg}"


def _place(request) -> Place:
    scope = scope_for(request)
    units = scope.units(Action.VIEW)
    code = request.GET.get("bu") or request.POST.get("bu")
    unit = units.filter(code=code).first() if code else units.order_by("code").first()
    if unit is None:
        raise Http404
    segment = None
    seg_code = request.GET.get("segment") or request.POST.get("segment")
    if seg_code:
        segment = scope.segments(Action.VIEW).filter(unit=unit, code=seg_code).first()
        if segment is None:
            raise Http404
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError as exc:
        raise Http404 from exc
    if not year:
        year = (
            CriteriaVersion.objects.filter(unit=unit, status__in=IN_FORCE)
            .order_by("-year")
            .values_list("year", flat=True)
            .first()
        ) or timezone.localdate().year
    from criteria.selectors import active_version_for

    return Place(request, unit, segment, year, active_version_for(unit=unit, year=year))


def _place_context(place: Place) -> dict:
    scope = scope_for(place.request)
    return {
        "place": place,
        # The BU list tab only for those who may merge this BU's list (others get 403 there).
        "may_merge_bu_list": scope.can_in(Action.MERGE_BU_LIST, unit=place.unit),
        "units": scope.units(Action.VIEW).order_by("code"),
        "segments": scope.segments(Action.VIEW).filter(unit=place.unit).order_by("code"),
        "years": sorted(
            set(
                CriteriaVersion.objects.filter(unit=place.unit, status__in=IN_FORCE).values_list(
                    "year", flat=True
                )
            )
            | {place.year},
            reverse=True,
        ),
    }


def _back(place: Place, name: str, **extra) -> str:
    url = f"{reverse(name)}?{place.query}"
    for key, value in extra.items():
        url += f"&{key}={value}"
    return url


def _errors(exc: ValidationError) -> str:
    return "；".join(str(m) for m in exc.messages)


# --- scoring -------------------------------------------------------------------------------------


@login_required
def scoring_overview(request):
    """The customers of the list to score, with how far each one's scorecards are."""
    place = _place(request)
    scope = scope_for(request)
    customers = listed_customers(user=request.user, unit=place.unit, year=place.year, segment=place.segment)
    may_score = scope.allows(Action.SCORE)
    # Paginate the customers first, ranking ids only: a BU list of 100,000 must not be read and
    # checked row by row (or sorted as whole rows) to show 50 of them.
    ordered = (
        customers.order_by("segment__code", "number", "pk") if place.version is not None else customers.none()
    )
    page = page_of(ordered, request.GET.get("page"), unit_id=place.unit.pk)
    if place.version is not None:
        specs = criterion_specs(place.version)
        from django.db.models import Count

        from prioritization.models import Scorecard

        shown = list(page.object_list)
        ids = [c.pk for c in shown]
        counted = dict(
            Scorecard.objects.filter(
                customer_id__in=ids, criterion__version=place.version, evaluator=request.user
            )
            .values("customer_id")
            .annotate(n=Count("id"))
            .values_list("customer_id", "n")
        )
        targets = {t.customer_id: t for t in Target.objects.filter(year=place.year, customer_id__in=ids)}
        # One scoped query for the page instead of a scope check per row.
        scorable = (
            set(scope.filter(Customer.objects.filter(pk__in=ids), Action.SCORE).values_list("pk", flat=True))
            if may_score
            else set()
        )
        page.object_list = [
            {
                "customer": customer,
                "mine": counted.get(customer.pk, 0),
                "total": len(specs),
                "target": targets.get(customer.pk),
                "can_score": customer.pk in scorable,
            }
            for customer in shown
        ]
    return render(
        request,
        "prioritization/targets/scoring.html",
        {**_place_context(place), "page": page, "may_score": may_score},
    )


def _score_form_rows(customer, version, evaluator, suggestions, posted=None, errors=None):
    """The rows of the scorecard form. `posted`: the values of a refused save, shown again instead
    of the saved ones (nothing typed is lost); `errors`: the refusals by criterion id."""
    from prioritization.models import Scorecard

    mine = {s.criterion_id: s for s in Scorecard.objects.filter(customer=customer, evaluator=evaluator)}
    others = {}
    for card in Scorecard.objects.filter(customer=customer, criterion__version=version).select_related(
        "evaluator"
    ):
        others.setdefault(card.criterion_id, []).append(card)
    rows = []
    for criterion in sorted(version.criteria.all(), key=lambda c: (c.dimension != "attractiveness", c.order)):
        cards = others.get(criterion.pk, [])
        values = [c.score for c in cards]
        spread = (max(values) - min(values)) if len(values) > 1 else None
        card = mine.get(criterion.pk)
        if posted is not None:
            shown = {
                "score": posted.get(f"score_{criterion.pk}", ""),
                "comment": posted.get(f"comment_{criterion.pk}", ""),
                "reason": posted.get(f"reason_{criterion.pk}", ""),
            }
        else:
            shown = {
                "score": card.score if card else "",
                "comment": card.comment if card else "",
                "reason": card.override_reason if card else "",
            }
        rows.append(
            {
                "criterion": criterion,
                "mine": card,
                "shown": shown,
                "invalid": bool(errors and str(criterion.pk) in errors),
                "suggested": suggestions.get((customer.pk, criterion.pk)),
                "cards": cards,
                "mean": scoring.shown(scoring.mean(values)) if values else None,
                "spread": spread,
                "disagree": spread is not None and spread >= 3,
            }
        )
    return rows


@login_required
def scorecard(request, pk):
    """One customer's scorecard for the signed-in evaluator: how to judge, the rule's suggestion, a
    score and comment per criterion; the other evaluators' scores, their mean and spread."""
    scope = scope_for(request)
    customers = Customer.objects.select_related("unit", "segment", "overall_owner", "daily_owner")
    # Reading: an account manager sees the scorecards of owned customers only (others 404); a save
    # on another customer is refused below (403). Every method but POST reads (HEAD, PUT, … render
    # the page as GET does).
    owned = target_visibility(request.user) if request.method != "POST" else None
    if owned is not None:
        customers = customers.filter(owned)
    customer = scope.get_or_404(customers, Action.VIEW, pk=pk)
    year = int(request.GET.get("year") or request.POST.get("year") or 0) or None
    from criteria.selectors import active_version_for

    if year is None:
        year = (
            CriteriaVersion.objects.filter(unit=customer.unit, status__in=IN_FORCE)
            .order_by("-year")
            .values_list("year", flat=True)
            .first()
        )
    version = active_version_for(unit=customer.unit, year=year) if year else None
    if version is None:
        raise Http404
    suggestions = suggestions_for(customers=[customer], version=version)
    can_score = scope.can(Action.SCORE, customer)
    errors = {}  # criterion id (or "__all__") → list of messages
    keep_posted = False  # a refused save shows what was typed again, with the errors
    if request.method == "POST":
        if not can_score:
            raise PermissionDenied
        entries = []
        for criterion in version.criteria.all():
            raw = request.POST.get(f"score_{criterion.pk}", "").strip()
            try:
                value = Decimal(raw.replace("，", ".")) if raw else None
            except InvalidOperation:
                errors[str(criterion.pk)] = [_("%(name)s：得分必须是数字。") % {"name": criterion.name}]
                continue
            entries.append(
                ScoreInput(
                    criterion_id=criterion.pk,
                    score=value,
                    comment=request.POST.get(f"comment_{criterion.pk}", ""),
                    override_reason=request.POST.get(f"reason_{criterion.pk}", ""),
                )
            )
        revision = request.POST.get("revision", "")
        if not errors:
            try:
                scorecard_record(
                    actor=request.user,
                    customer=customer,
                    version=version,
                    entries=entries,
                    suggestions=suggestions,
                    expected_revision=int(revision) if revision.isdigit() else None,
                )
                messages.success(request, _("已保存 %(customer)s 的评分。") % {"customer": customer.name})
                return redirect(f"{reverse('prioritization:scorecard', args=[customer.pk])}?year={year}")
            except ConcurrentUpdate as exc:
                errors = {"__all__": exc.messages}  # the page below shows the other person's scores
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
                keep_posted = True
        else:
            keep_posted = True
    target = Target.objects.filter(customer=customer, year=year).select_related("decided_by").first()
    # The tier form shows the decision as saved, or the one just refused (kept by tier_decide).
    tier_shown = _tier_draft_pop(request, customer, year) if request.method == "GET" else None
    if tier_shown is None and target is not None:
        tier_shown = {"tier": target.tier or target.proposed_tier, "reason": target.manual_reason}
    return render(
        request,
        "prioritization/targets/scorecard.html",
        {
            "customer": customer,
            "version": version,
            "year": year,
            "rows": _score_form_rows(
                customer, version, request.user, suggestions, request.POST if keep_posted else None, errors
            ),
            # A refused save keeps the revision it was typed against: saving it again over a newer
            # save is still refused.
            "revision": request.POST["revision"]
            if keep_posted and request.POST.get("revision", "").isdigit()
            else scorecard_revision(evaluator=request.user, customer=customer),
            "can_score": can_score,
            "can_assign": scope.can(Action.ASSIGN_OWNER, customer),
            "errors": errors,
            "target": target,
            "tier_shown": tier_shown,
            "history": history_of(target),
            "meaning": TIER_MEANING.get(target.tier) if target and target.tier else None,
            "tier_choices": Tier.choices,
        },
    )


@login_required
def scoring_grid(request):
    """Many customers × criteria on one page; each row saves on its own (htmx) with one reason for
    any departure from the rules' suggestions."""
    place = _place(request)
    if place.version is None:
        raise Http404
    scope = scope_for(request)
    customers = listed_customers(
        user=request.user, unit=place.unit, year=place.year, segment=place.segment, action=Action.SCORE
    ).order_by("number")
    page = Paginator(customers, 25).get_page(request.GET.get("page"))
    specs = criterion_specs(place.version)
    suggestions = suggestions_for(customers=list(page.object_list), version=place.version)
    from prioritization.models import Scorecard

    mine = {}
    for card in Scorecard.objects.filter(
        evaluator=request.user, customer__in=list(page.object_list), criterion__version=place.version
    ):
        mine[(card.customer_id, card.criterion_id)] = card.score
    # Each row's form carries the revision of the user's scores it shows: a save over a newer save
    # (another person, another tab) is refused and names it.
    revisions = scorecard_revisions(evaluator=request.user, customer_ids=[c.pk for c in page.object_list])
    rows = [
        {
            "customer": c,
            "revision": revisions.get(c.pk, 0),
            "cells": [
                {"spec": s, "value": mine.get((c.pk, s.key)), "suggested": suggestions.get((c.pk, s.key))}
                for s in specs
            ],
        }
        for c in page.object_list
    ]
    if not scope.allows(Action.SCORE):
        raise PermissionDenied
    return render(
        request,
        "prioritization/targets/grid.html",
        {**_place_context(place), "page": page, "rows": rows, "specs": specs},
    )


@login_required
@require_POST
def scoring_grid_row(request, pk):
    """Save one grid row (htmx). The answer replaces the row's status and revision; when someone
    saved these scores after the page was opened, nothing is written and the message names who,
    when and what they changed."""
    scope = scope_for(request)
    customer = scope.get_or_404(Customer.objects.select_related("unit"), Action.SCORE, pk=pk)
    from criteria.selectors import active_version_for

    try:
        year = int(request.POST.get("year", ""))
    except ValueError as exc:
        raise Http404 from exc
    version = active_version_for(unit=customer.unit, year=year)
    if version is None:
        raise Http404
    reason = request.POST.get("reason", "")
    raw_revision = request.POST.get("revision", "")
    expected = int(raw_revision) if raw_revision.isdigit() and len(raw_revision) < 19 else None
    if raw_revision and expected is None:
        expected = -1  # a forged value is stale, never a 500
    entries = []
    error = ""
    for criterion in version.criteria.all():
        raw = request.POST.get(f"score_{criterion.pk}", "").strip()
        if not raw:
            continue
        try:
            entries.append(ScoreInput(criterion.pk, Decimal(raw), override_reason=reason))
        except InvalidOperation:
            error = _("得分必须是数字。")
    saved = conflict = False
    if not error:
        try:
            scorecard_record(
                actor=request.user,
                customer=customer,
                version=version,
                entries=entries,
                expected_revision=expected,
                conflict_hint=_("请刷新页面，核对最新评分后再修改。"),
            )
            saved = True
        except ConcurrentUpdate as exc:
            error, conflict = _errors(exc), True
        except ValidationError as exc:
            error = _errors(exc)
    target = Target.objects.filter(customer=customer, year=year).first()
    return render(
        request,
        "prioritization/targets/_grid_status.html",
        {
            "saved": saved,
            "error": error,
            "conflict": conflict,
            "target": target,
            "customer": customer,
            "year": year,
            # Refused: the row keeps the revision it showed, so every further change of it is refused
            # too until the page is reloaded with the other person's scores.
            "revision": scorecard_revision(evaluator=request.user, customer=customer)
            if saved
            else raw_revision,
        },
    )


@login_required
def scoresheet_export(request):
    place = _place(request)
    if place.segment is None:
        raise Http404
    buffer = io.BytesIO()
    try:
        scoresheet_write(buffer, actor=request.user, unit=place.unit, segment=place.segment, year=place.year)
    except NoCriteriaVersion as exc:
        raise Http404 from exc
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="scoresheet-{place.segment.code}-{place.year}.xlsx"'
    )
    return response


@login_required
def scoresheet_import(request):
    """Upload a filled score sheet: preview (dry run) first, then record it."""
    place = _place(request)
    scope = scope_for(request)
    if not scope.allows(Action.SCORE) or not (
        scope.can_in(Action.SCORE, unit=place.unit)
        or scope.segments(Action.SCORE).filter(unit=place.unit).exists()
    ):
        raise PermissionDenied
    result = None
    error = ""
    if request.method == "POST" and request.FILES.get("file"):
        dry_run = request.POST.get("apply") != "1"
        try:
            result = scores_import(
                actor=request.user,
                evaluator=request.user,
                unit=place.unit,
                year=place.year,
                file=request.FILES["file"],
                dry_run=dry_run,
                partial=request.POST.get("partial") == "1",
            )
            if result.written:
                messages.success(request, _("已导入 %(n)s 个客户的评分。") % {"n": result.scored})
                return redirect(_back(place, "prioritization:scoring"))
        except (UnusableFile, NoCriteriaVersion) as exc:
            error = _errors(exc)
    return render(
        request,
        "prioritization/targets/scoresheet_import.html",
        {**_place_context(place), "result": result, "error": error},
    )


# --- scores, matrix and what-if ------------------------------------------------------------------


def _filters(request):
    return {
        "size": request.GET.get("size", "") if request.GET.get("size", "") in SizeClass.values else "",
        "ownership": request.GET.get("ownership", "")
        if request.GET.get("ownership", "") in Ownership.values
        else "",
    }


# A chart of more customers than this shows score cells (count per cell) instead of one point each.
MATRIX_POINT_CAP = 5000
# Width of a score cell on both axes, in hundredths; cells start at the thresholds, so each cell lies
# in one tier region.
CELL_HUNDREDTHS = 25
TIER_CODES = ["", *Tier.values]


def _cell_index(field: str, threshold: Decimal):
    """Which score cell a score falls in (…, -1 just below the threshold, 0 from the threshold up to
    one cell width, …), in SQL on whole hundredths so both databases agree exactly."""
    hundredths = Round(F(field) * 100, output_field=DecimalField(max_digits=8, decimal_places=0))
    return Floor(
        (hundredths - int(threshold * 100)) / Value(CELL_HUNDREDTHS),
        output_field=IntegerField(),
    )


def _with_cells(customers, thresholds):
    return customers.annotate(
        a_cell=_cell_index("t__attractiveness", thresholds.attractiveness),
        f_cell=_cell_index("t__feasibility", thresholds.feasibility),
    )


def _parse_cell(raw: str):
    try:
        a, f = (int(x) for x in raw.split(":"))
    except ValueError:
        return None
    return (a, f) if -40 <= a <= 40 and -40 <= f <= 40 else None


def _cell_bounds(index: int, threshold: Decimal) -> tuple[Decimal, Decimal]:
    low = threshold + Decimal(index * CELL_HUNDREDTHS) / 100
    return max(low, Decimal(1)), min(low + Decimal(CELL_HUNDREDTHS) / 100, Decimal(10))


def _matrix_points(scored) -> tuple[list, list]:
    """Compact points, one array per customer: [id, number, name, attractiveness, feasibility,
    rank, tier index, proposed tier index, segment index] (indexes into TIER_CODES and the returned
    segment names). Read with values_list: no model instances."""
    segments, points = [], []
    seen = {}
    for pk, number, name, a, f, rank, tier, proposed, segment in scored.values_list(
        "pk",
        "number",
        "name",
        "t__attractiveness",
        "t__feasibility",
        "t__rank",
        "t__tier",
        "t__proposed_tier",
        "segment__name",
    ):
        if segment not in seen:
            seen[segment] = len(segments)
            segments.append(segment or "")
        points.append(
            [
                pk,
                number,
                name,
                float(a),
                float(f),
                rank,
                TIER_CODES.index(tier) if tier in TIER_CODES else 0,
                TIER_CODES.index(proposed) if proposed in TIER_CODES else 0,
                seen[segment],
            ]
        )
    return points, segments


def _matrix_cells(scored, thresholds) -> list:
    """Score cells of the chart, counted in SQL: [attractiveness cell, feasibility cell, count,
    attractiveness from, to, feasibility from, to] each."""
    cells = []
    for a_cell, f_cell, n in (
        _with_cells(scored.order_by(), thresholds)
        .values_list("a_cell", "f_cell")
        .annotate(n=Count("pk"))
        .order_by("a_cell", "f_cell")
    ):
        a_cell, f_cell = int(a_cell), int(f_cell)
        a_low, a_high = _cell_bounds(a_cell, thresholds.attractiveness)
        f_low, f_high = _cell_bounds(f_cell, thresholds.feasibility)
        cells.append([a_cell, f_cell, n, float(a_low), float(a_high), float(f_low), float(f_high)])
    return cells


@login_required
def matrix(request):
    """评估矩阵: every scored customer of the filter on attractiveness × feasibility, thresholds and
    four tier regions; the same data as a (paginated) table; the what-if panel. Above
    MATRIX_POINT_CAP customers the chart shows score cells sized by their count; a click on a cell
    narrows the table to it."""
    place = _place(request)
    filters = _filters(request)
    customers = target_customers(
        user=request.user, unit=place.unit, year=place.year, segment=place.segment, **filters
    )
    thresholds = thresholds_of(place.version) if place.version else scoring.Thresholds()
    unit_id = place.unit.pk
    totals = listcache.cached(
        unit_id,
        "matrix-totals",
        customers,
        lambda: customers.order_by().aggregate(
            scored=Count("pk", filter=Q(t__incomplete=False)),
            incomplete=Count("pk", filter=Q(t__isnull=True) | Q(t__incomplete=True)),
        ),
    )
    scored = customers.filter(t__incomplete=False)
    query = place.query + "".join(f"&{k}={v}" for k, v in filters.items() if v)
    if totals["scored"] > MATRIX_POINT_CAP:
        mode, points, segments = "cells", [], []
        # (the thresholds are part of the cached statement: the cells are counted around them)
        cells = listcache.cached(
            unit_id,
            "matrix-cells",
            _with_cells(scored, thresholds),
            lambda: _matrix_cells(scored, thresholds),
        )
    else:
        mode, cells = "points", []
        points, segments = _matrix_points(scored)
    cell = _parse_cell(request.GET.get("cell", ""))
    table = scored
    if cell is not None:
        table = _with_cells(scored, thresholds).filter(a_cell=cell[0], f_cell=cell[1])
    page = page_of(
        table, request.GET.get("page"), count=totals["scored"] if cell is None else None, unit_id=unit_id
    )
    rows = with_targets(page.object_list, year=place.year)
    data = {
        "mode": mode,
        "points": points,
        "segments": segments,
        "cells": cells,
        "cell_size": CELL_HUNDREDTHS / 100,
        "tiers": TIER_CODES,
        "tier_labels": ["", *(str(label) for label in Tier.labels)],
        "url": reverse("prioritization:scorecard", args=[0]).replace("/0/", "/{id}/") + f"?year={place.year}",
        "cell_url": f"{reverse('prioritization:matrix')}?{query}&cell={{a}}:{{f}}#matrix-table",
        "thresholds": {"a": str(thresholds.attractiveness), "f": str(thresholds.feasibility)},
        "labels": {
            "tier1": str(Tier.TIER1.label),
            "tier2": str(Tier.TIER2.label),
            "tier3": str(Tier.TIER3.label),
            "no": str(Tier.NO.label),
            "attractiveness": _("吸引力"),
            "feasibility": _("可行性"),
            "save": _("导出 PNG"),
            "customers": _("个客户"),
            "open_cell": _("点击查看这些客户"),
        },
    }
    cell_bounds = None
    if cell is not None:
        a_low, a_high = _cell_bounds(cell[0], thresholds.attractiveness)
        f_low, f_high = _cell_bounds(cell[1], thresholds.feasibility)
        cell_bounds = {"a_low": a_low, "a_high": a_high, "f_low": f_low, "f_high": f_high}
    return render(
        request,
        "prioritization/targets/matrix.html",
        {
            **_place_context(place),
            "data": data,
            "mode": mode,
            "scored": totals["scored"],
            "cap": MATRIX_POINT_CAP,
            "page": page,
            "rows": rows,
            "cell": cell_bounds,
            "clear_cell": f"{reverse('prioritization:matrix')}?{query}#matrix-table",
            "incomplete": totals["incomplete"],
            "filters": filters,
            "sizes": SizeClass.choices,
            "ownerships": Ownership.choices,
            "criteria": criterion_specs(place.version) if place.version else [],
            "thresholds": thresholds,
        },
    )


@login_required
@require_POST
def what_if(request):
    """Which customers would change tier with other thresholds or weights; nothing is saved."""
    place = _place(request)
    if place.version is None:
        raise Http404
    specs = criterion_specs(place.version)
    error = ""
    try:
        new_thresholds = scoring.Thresholds(
            scoring.parse_score(request.POST.get("threshold_a") or place.version.attractiveness_threshold),
            scoring.parse_score(request.POST.get("threshold_f") or place.version.feasibility_threshold),
        )
        weights = {s.key: int(request.POST.get(f"weight_{s.key}") or s.weight) for s in specs}
        if any(w < 0 or w > 100 for w in weights.values()):
            raise ValueError
    except (scoring.ScoreError, ValueError):
        error = _("阈值须为 1 到 10 之间、最多一位小数的数字；权重须为 0 到 100 的整数。")
        return render(request, "prioritization/targets/_what_if.html", {"error": error})
    customers = listed_customers(user=request.user, unit=place.unit, year=place.year, segment=place.segment)
    names = dict(customers.values_list("pk", "name"))
    from prioritization.models import Scorecard

    per_customer = {}
    for customer_id, criterion_id, value in Scorecard.objects.filter(
        customer_id__in=list(names), criterion__version=place.version
    ).values_list("customer_id", "criterion_id", "score_tenths"):
        per_customer.setdefault(customer_id, {}).setdefault(criterion_id, []).append(Decimal(value) / 10)
    items = [scoring.CustomerScores(cid, names[cid], scores) for cid, scores in per_customer.items()]
    changes = scoring.what_if(
        items, specs, thresholds_of(place.version), weights=weights, new_thresholds=new_thresholds
    )
    labels = dict(Tier.choices)
    shown = [
        {"name": c.name, "before": labels.get(c.before, "—"), "after": labels.get(c.after, "—")}
        for c in changes
    ]
    return render(request, "prioritization/targets/_what_if.html", {"changes": shown, "checked": len(items)})


# --- tiers ---------------------------------------------------------------------------------------


@login_required
def tiers(request):
    """Scores, ranking, proposed and decided tiers with data completeness and stability; bulk
    acceptance, manual tiers with a reason, capacity warnings, BU approval. The list is filtered,
    ranked, counted and paginated in SQL (a BU-year may list 100,000 customers)."""
    place = _place(request)
    scope = scope_for(request)
    tier_filter = request.GET.get("tier", "")
    customers = target_customers(
        user=request.user,
        unit=place.unit,
        year=place.year,
        segment=place.segment,
        tier=tier_filter if tier_filter in [*Tier.values, "incomplete"] else "",
        **_filters(request),
    )
    counts = decided_tier_counts(customers, unit_id=place.unit.pk)
    page = page_of(customers, request.GET.get("page"), unit_id=place.unit.pk)
    rows = with_targets(page.object_list, year=place.year)
    stability = {}
    warnings = []
    if place.version is not None:
        specs = criterion_specs(place.version)
        thresholds = thresholds_of(place.version)
        shown_ids = [c.pk for c, t in rows if t is not None and not t.incomplete]
        stability = tier_stability(
            customer_ids=shown_ids, version=place.version, specs=specs, thresholds=thresholds
        )
        # Capacity is the BU's figure: the whole list, whatever this page's filter and the viewer.
        warnings = tier_capacity_warnings(unit=place.unit, year=place.year, version=place.version)
    approval = tier_services.bu_list_approval(unit=place.unit, year=place.year)
    since_approval = tier_services.approval_changes(approval) if approval else None
    # A tier decision just refused (kept by tier_decide) shows again in its row.
    draft = request.session.get(TIER_DRAFT)
    if draft and draft.get("year") == place.year and any(c.pk == draft.get("customer") for c, _t in rows):
        del request.session[TIER_DRAFT]
    else:
        draft = None

    def tier_form(customer, target) -> dict:
        if draft and draft["customer"] == customer.pk:
            return {"chosen": draft["tier"], "reason": draft["reason"]}
        return {"chosen": (target.tier or target.proposed_tier) if target else "", "reason": ""}

    table = [
        {"customer": c, "target": t, "stability": stability.get(c.pk), "can_decide": None, **tier_form(c, t)}
        for c, t in rows
    ]
    return render(
        request,
        "prioritization/targets/tiers.html",
        {
            **_place_context(place),
            "page": page,
            "table": table,
            "counts": counts,
            "warnings": warnings,
            "tier_choices": Tier.choices,
            "tier_filter": tier_filter,
            "approval": approval,
            "since_approval": since_approval,
            "may_decide": scope.allows(Action.DECIDE_TIER),
            "may_approve": scope.can_in(Action.MERGE_BU_LIST, unit=place.unit),
            "meaning": TIER_MEANING,
            "labels": dict(Tier.choices),
        },
    )


@login_required
@require_POST
def tiers_accept(request):
    place = _place(request)
    if not scope_for(request).allows(Action.DECIDE_TIER):
        raise PermissionDenied
    ids = (
        None if request.POST.get("all") else [int(i) for i in request.POST.getlist("customer") if i.isdigit()]
    )
    if ids == []:
        messages.info(request, _("请先勾选客户。"))
        return redirect(_back(place, "prioritization:tiers"))
    try:
        n = tier_services.tiers_accept_proposals(
            actor=request.user, unit=place.unit, year=place.year, segment=place.segment, customer_ids=ids
        )
        messages.success(request, _("已接受 %(n)s 个客户的建议级别。") % {"n": n})
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("无权操作。"))
    return redirect(_back(place, "prioritization:tiers"))


@login_required
@require_POST
def tier_decide(request, pk):
    scope = scope_for(request)
    customer = scope.get_or_404(Customer.objects.select_related("unit"), Action.DECIDE_TIER, pk=pk)
    try:
        year = int(request.POST.get("year", ""))
    except ValueError as exc:
        raise Http404 from exc
    seen = {}
    if "decided_at" in request.POST:  # the decision the form showed ("" for none)
        raw = request.POST["decided_at"].strip()
        try:
            seen["expected_decided_at"] = parse_datetime(raw) if raw else None
        except ValueError:
            seen["expected_decided_at"] = None
    try:
        target = tier_services.tier_set(
            actor=request.user,
            customer=customer,
            year=year,
            tier=request.POST.get("tier", ""),
            reason=request.POST.get("reason", ""),
            **seen,
        )
        messages.success(
            request,
            _("%(customer)s 定为%(tier)s。") % {"customer": customer.name, "tier": target.get_tier_display()},
        )
    except tier_services.ListLocked as exc:
        messages.error(request, str(exc))
        _tier_draft_keep(request, customer, year)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        _tier_draft_keep(request, customer, year)
    return redirect(_safe_next(request) or f"{reverse('prioritization:scorecard', args=[pk])}?year={year}")


TIER_DRAFT = "tier_draft"


def _tier_draft_keep(request, customer, year) -> None:
    """A refused tier decision: the page it returns to shows the posted tier and reason again."""
    request.session[TIER_DRAFT] = {
        "customer": customer.pk,
        "year": year,
        "tier": request.POST.get("tier", "")[:20],
        "reason": request.POST.get("reason", "")[:500],
    }


def _tier_draft_pop(request, customer, year) -> dict | None:
    """The refused tier decision of this customer and year, once (None when there is none)."""
    draft = request.session.get(TIER_DRAFT)
    if not draft or draft.get("customer") != customer.pk or draft.get("year") != year:
        return None
    del request.session[TIER_DRAFT]
    return draft


def _safe_next(request) -> str:
    """The posted `next` only when it is a URL of this site (not a view name — redirect() would try to
    reverse it and fail with a 500 — nor another host)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
@require_POST
def bu_approve(request):
    place = _place(request)
    try:
        tier_services.bu_list_approve(
            actor=request.user, unit=place.unit, year=place.year, note=request.POST.get("note", "")
        )
        messages.success(
            request,
            _("已批准 %(unit)s %(year)s 年度分级名单。") % {"unit": place.unit.name, "year": place.year},
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(_back(place, "prioritization:tiers"))


@login_required
def tiers_export(request):
    place = _place(request)
    buffer = io.BytesIO()
    tiers_write(buffer, actor=request.user, unit=place.unit, year=place.year, segment=place.segment)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="tiers-{place.unit.code}-{place.year}.xlsx"'
    return response


# --- relationship view, owners, BG list ----------------------------------------------------------


@login_required
def relationship(request):
    """Per segment: size × ownership × existing/new customer, with tier counts."""
    place = _place(request)
    table = relationship_table(user=request.user, unit=place.unit, year=place.year, segment=place.segment)
    sizes, owners = dict(SizeClass.choices), dict(Ownership.choices)
    segments = []
    for segment, cells in sorted(table.items(), key=lambda kv: kv[0].code if kv[0] else ""):
        lines = []
        for (size, ownership, kind), counts in sorted(cells.items()):
            lines.append(
                {
                    "size": sizes.get(size, "—"),
                    "ownership": owners.get(ownership, "—"),
                    "existing": kind == "existing",
                    "counts": [counts[t] for t in Tier.values] + [counts["none"]],
                }
            )
        segments.append({"segment": segment, "lines": lines})
    return render(
        request,
        "prioritization/targets/relationship.html",
        {**_place_context(place), "segments_table": segments, "tier_labels": [*Tier.labels, _("未定级")]},
    )


@login_required
def owners(request):
    """The owner list: tier, overall and daily owner, relationship start, development status."""
    place = _place(request)
    customers = target_customers(
        user=request.user, unit=place.unit, year=place.year, segment=place.segment
    ).filter(t__tier__in=TARGET_TIERS)
    page = page_of(customers, request.GET.get("page"), unit_id=place.unit.pk)
    rows = with_targets(page.object_list, year=place.year)
    from prioritization.forms import BulkOwnersForm

    return render(
        request,
        "prioritization/targets/owners.html",
        {
            **_place_context(place),
            "page": page,
            "rows": rows,
            "may_assign": scope_for(request).allows(Action.ASSIGN_OWNER),
            "bulk_form": BulkOwnersForm(unit=place.unit, segment=place.segment or tier_services.ANY_SEGMENT),
            # Once the BU list is approved only the BU VP changes owners: say so before anyone tries.
            "locked": tier_services.bu_list_approval(unit=place.unit, year=place.year)
            if not scope_for(request).can_in(Action.MERGE_BU_LIST, unit=place.unit)
            else None,
        },
    )


@login_required
def bg_list(request):
    """The BG VP's merged list: every BU's approval and tier counts, cross-BU overlaps (the same
    company name in two BUs), and the BG approval."""
    scope = scope_for(request)
    if not scope.allows(Action.APPROVE_BG_LIST):
        raise PermissionDenied
    from prioritization.models import BusinessGroup, ListApproval

    groups = scope.filter(BusinessGroup.objects.all(), Action.APPROVE_BG_LIST)
    group = (
        groups.filter(code=request.GET.get("bg") or request.POST.get("bg") or "").first() or groups.first()
    )
    if group is None:
        raise Http404
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError as exc:
        raise Http404 from exc
    if request.method == "POST":
        try:
            tier_services.bg_list_approve(
                actor=request.user, group=group, year=year, note=request.POST.get("note", "")
            )
            messages.success(request, _("已批准业务群 %(year)s 年度分级名单。") % {"year": year})
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        return redirect(f"{reverse('prioritization:bg_list')}?bg={group.code}&year={year}")
    units = BusinessUnit.objects.filter(group=group, is_active=True).order_by("code")
    approvals = {
        a.unit_id: a
        for a in ListApproval.objects.filter(group=group, year=year).select_related("approved_by")
    }
    from prioritization.services.consolidation import bg_overlaps

    # The approvals keep the counts they approved; what changed since is computed live.
    since = {key: tier_services.approval_changes(a) for key, a in approvals.items()}
    overlaps = bg_overlaps(group=group, year=year)
    return render(
        request,
        "prioritization/targets/bg_list.html",
        {
            "group": group,
            "year": year,
            "units": [
                {
                    "unit": u,
                    "approval": approvals.get(u.pk),
                    "counts": [
                        (label, (approvals[u.pk].counts or {}).get(value, 0)) for value, label in Tier.choices
                    ]
                    if u.pk in approvals
                    else [],
                    "since": since.get(u.pk),
                }
                for u in units
            ],
            "bg_approval": approvals.get(None),
            "bg_since": since.get(None),
            "overlaps": overlaps,
            "open_overlaps": [o for o in overlaps if o["arbitration"] is None],
            "labels": dict(Tier.choices),
        },
    )


@login_required
def bu_merge(request):
    """The BU VP's merged view of the segment lists and the customers two segments claim."""
    place = _place(request)
    scope = scope_for(request)
    if not scope.can_in(Action.MERGE_BU_LIST, unit=place.unit):
        raise PermissionDenied
    from prioritization.models import ClaimResolution

    try:
        from prospects.models import SegmentClaim
    except ImportError:  # the prospects stage adds segment claims
        SegmentClaim = None
    if request.method == "POST":
        customer = scope.get_or_404(
            Customer.objects.select_related("unit"), Action.MERGE_BU_LIST, pk=request.POST.get("customer")
        )
        segment = Segment.objects.filter(unit=place.unit, pk=request.POST.get("primary_segment") or 0).first()
        from django.contrib.auth import get_user_model

        owner = get_user_model().objects.filter(pk=request.POST.get("overall_owner") or 0).first()
        if segment is None:
            messages.error(request, _("请选择主细分市场。"))
        else:
            try:
                resolution = tier_services.claim_resolve(
                    actor=request.user,
                    customer=customer,
                    year=place.year,
                    primary_segment=segment,
                    overall_owner=owner,
                    reason=request.POST.get("reason", ""),
                )
                messages.success(
                    request, _("已裁定 %(customer)s 的主细分市场。") % {"customer": customer.name}
                )
                for cleared in resolution.cleared:
                    messages.warning(
                        request,
                        _("%(user)s 不负责 %(segment)s，已不再担任 %(customer)s 的%(role)s，请重新指定。")
                        % {
                            "user": cleared["user"].get_full_name() or cleared["user"].username,
                            "segment": segment.name,
                            "customer": customer.name,
                            "role": cleared["role"],
                        },
                    )
            except ValidationError as exc:
                messages.error(request, _errors(exc))
        return redirect(_back(place, "prioritization:bu_merge"))
    claims = []
    if SegmentClaim is not None:
        resolved = dict(
            ClaimResolution.objects.filter(year=place.year, customer__unit=place.unit).values_list(
                "customer_id", "reason"
            )
        )
        by_customer = {}
        for claim in SegmentClaim.objects.filter(year=place.year, customer__unit=place.unit).select_related(
            "customer__segment", "segment"
        ):
            by_customer.setdefault(claim.customer, []).append(claim.segment)
        eligible = {}  # segment → who may be the overall owner there (one query per segment)

        def owners_for(segments):
            chosen = {}
            for s in segments:
                if s not in eligible:
                    eligible[s] = tier_services.eligible_owners(
                        unit=place.unit, roles=tier_services.OVERALL_OWNER_ROLES, segment=s
                    )
                chosen.update({u.pk: u for u in eligible[s]})
            return sorted(chosen.values(), key=lambda u: u.username)

        claims = [
            {
                "customer": c,
                "segments": [c.segment, *segs],
                "resolved": resolved.get(c.pk),
                "owners": owners_for([s for s in [c.segment, *segs] if s is not None]),
            }
            for c, segs in by_customer.items()
        ]
    per_segment = segment_tier_counts(user=request.user, unit=place.unit, year=place.year)
    approval = tier_services.bu_list_approval(unit=place.unit, year=place.year)
    return render(
        request,
        "prioritization/targets/bu_merge.html",
        {
            **_place_context(place),
            "claims": claims,
            "per_segment": [(s, [c[t] for t in [*Tier.values, "none"]]) for s, c in per_segment],
            "tier_labels": [*Tier.labels, _("未定级")],
            "all_segments": Segment.objects.filter(unit=place.unit),
            "approval": approval,
            "since_approval": tier_services.approval_changes(approval) if approval else None,
            "unresolved": sum(1 for claim in claims if claim["resolved"] is None),
        },
    )
