"""Pages of stage 2.3.3 after tiering, per target customer: owners (one customer and in bulk), the
development pipeline, the contact log against the tier's cadence and the promotion plans. Views parse
input, call a selector or a service and render; access goes through Scope (out of scope = 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from criteria.models import CriteriaVersion
from criteria.models.versions import IN_FORCE
from prioritization.access import Action, scope_for
from prioritization.forms import (
    BulkOwnersForm,
    ContactForm,
    OwnersForm,
    PromotionPlanForm,
    StatusForm,
    SupportFormSet,
)
from prioritization.models import DevelopmentStatusChange, PromotionPlan, Target
from prioritization.selectors.targets import (
    contact_customers,
    contact_status,
    due_rows,
    last_status_changes,
    page_of,
    pipeline_board,
    pipeline_customers,
    target_visibility,
    with_targets,
)
from prioritization.services import targets as services
from prioritization.tiers import TIER_MEANING
from prioritization.views.targets import _back, _errors, _place, _place_context
from prospects.models import Customer
from prospects.services.customers import ConcurrentUpdate


def _customer(request, pk, action=Action.VIEW, shows_target=False) -> Customer:
    customers = Customer.objects.select_related("unit", "segment", "overall_owner", "daily_owner")
    # Reading a customer's target pages: an account manager only for owned customers (others do
    # not exist for them, 404); what they try to change is refused by the action's check (403).
    # Every method but POST reads (HEAD, PUT, … render the page as GET does).
    owned = target_visibility(request.user) if shows_target and request.method != "POST" else None
    if owned is not None:
        customers = customers.filter(owned)
    return scope_for(request).get_or_404(customers, action, pk=pk)


def _year(request, customer) -> int:
    """The planning year of a customer page: ?year=, else the BU's latest year in force."""
    raw = request.GET.get("year") or request.POST.get("year")
    if raw:
        try:
            return int(raw)
        except ValueError as exc:
            raise Http404 from exc
    return (
        CriteriaVersion.objects.filter(unit=customer.unit, status__in=IN_FORCE)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    ) or timezone.localdate().year


def _posted_version(request, customer) -> int:
    """The version the form showed; a missing or forged value counts as stale (never a 500)."""
    try:
        return int(request.POST.get("version") or customer.version)
    except (TypeError, ValueError):
        return -1


def _next(request, default: str) -> str:
    url = request.POST.get("next") or ""
    # Only a path of this site: a bare word would be taken for a view name by redirect() (a 500).
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, {request.get_host()}, request.is_secure()
    ):
        return url
    return default


def _customer_context(request, customer, year, active) -> dict:
    scope = scope_for(request)
    target = Target.objects.filter(customer=customer, year=year).first()
    return {
        "customer": customer,
        "year": year,
        "target": target,
        "meaning": TIER_MEANING.get(target.tier) if target and target.tier else None,
        "active": active,
        "can_assign": scope.can(Action.ASSIGN_OWNER, customer),
        "can_change": scope.can(Action.CHANGE, customer),
    }


def _url(name, customer, year, *args) -> str:
    return f"{reverse(name, args=[customer.pk, *args])}?year={year}"


# --- owners --------------------------------------------------------------------------------------


@login_required
def customer_owners(request, pk):
    """Name the overall owner and the daily relationship owner of one customer, and the date the
    relationship started."""
    customer = _customer(request, pk, Action.ASSIGN_OWNER)
    year = _year(request, customer)
    form = OwnersForm(
        request.POST or None,
        unit=customer.unit,
        customer=customer,
        initial={
            "overall_owner": customer.overall_owner,
            "daily_owner": customer.daily_owner,
            "relationship_started_on": customer.relationship_started_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.owners_assign(
                actor=request.user,
                customer=customer,
                expected_version=_posted_version(request, customer),
                **form.cleaned_data,
            )
            messages.success(request, _("已保存 %(customer)s 的负责人。") % {"customer": customer.name})
            return redirect(_next(request, _url("prioritization:customer_owners", customer, year)))
        except services.ListLocked as exc:
            form.add_error(None, str(exc))
        except ConcurrentUpdate as exc:
            form.add_error(None, _errors(exc))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    return render(
        request,
        "prioritization/targets/customer_owners.html",
        {
            **_customer_context(request, customer, year, "owners"),
            "form": form,
            "locked": services.owners_locked(actor=request.user, customer=customer),
        },
    )


@login_required
@require_POST
def owners_bulk(request):
    """The same owners for the customers ticked on the owner list (all or nothing)."""
    place = _place(request)
    scope = scope_for(request)
    ids = {int(i) for i in request.POST.getlist("customer") if i.isdigit()}
    visible = list(
        scope.filter(Customer.objects.filter(pk__in=ids, unit=place.unit), Action.VIEW).select_related(
            "overall_owner", "daily_owner"
        )
    )
    if len(visible) != len(ids):
        raise Http404
    if ids and scope.filter(Customer.objects.filter(pk__in=ids), Action.ASSIGN_OWNER).count() != len(ids):
        raise PermissionDenied
    if not scope.allows(Action.ASSIGN_OWNER):
        raise PermissionDenied
    form = BulkOwnersForm(
        request.POST,
        unit=place.unit,
        segment=place.segment or services.ANY_SEGMENT,
        customer_ids=sorted(ids),
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back(place, "prioritization:owners"))
    data = form.cleaned_data
    try:
        n = services.owners_assign_bulk(
            actor=request.user,
            customers=visible,
            overall_owner=data["overall_owner"] or services.UNCHANGED,
            daily_owner=data["daily_owner"] or services.UNCHANGED,
            relationship_started_on=data["relationship_started_on"] or services.UNCHANGED,
        )
        messages.success(request, _("已为 %(n)s 个客户指定负责人。") % {"n": n})
    except services.ListLocked as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(_back(place, "prioritization:owners"))


# --- development pipeline ------------------------------------------------------------------------


@login_required
def pipeline(request):
    """The development-status board per segment: 未开始 → 初次接触 → 已举办研讨会 → 正起草项目建议 →
    项目建议已发出，谈判中 → 项目结束; each move is recorded with its date and who made it. Each column
    shows its count and its first cards by rank; `?status=` lists one column in full (paginated)."""
    from prospects.models import DevelopmentStatus

    place = _place(request)
    raw_status = request.GET.get("status")
    status = "" if raw_status == "none" else raw_status
    column = None
    if status is not None and status in DevelopmentStatus.values:
        customers = pipeline_customers(
            user=request.user, unit=place.unit, year=place.year, segment=place.segment, status=status
        )
        page = page_of(customers, request.GET.get("page"), unit_id=place.unit.pk)
        rows = with_targets(page.object_list, year=place.year)
        last = last_status_changes(c.pk for c, _t in rows)
        column = {
            "status": status or "none",
            "label": dict(DevelopmentStatus.choices)[status],
            "page": page,
            "cards": [{"customer": c, "target": t, "last": last.get(c.pk)} for c, t in rows],
        }
        boards = []
    else:
        boards = pipeline_board(user=request.user, unit=place.unit, year=place.year, segment=place.segment)
    return render(
        request,
        "prioritization/targets/pipeline.html",
        {
            **_place_context(place),
            "boards": boards,
            "column": column,
            "page": column["page"] if column else None,
            "may_change": scope_for(request).allows(Action.CHANGE),
            "status_form": StatusForm(),
            "here": request.get_full_path() if column else f"{request.path}?{place.query}",
        },
    )


@login_required
def customer_status(request, pk):
    """One customer's development status: the dated steps so far and the form for the next one."""
    customer = _customer(request, pk, shows_target=True)
    year = _year(request, customer)
    context = _customer_context(request, customer, year, "status")
    form = StatusForm(
        request.POST or None,
        initial={
            "status": customer.development_status or "first_contact",
            "seminars_held": customer.seminars_held,
        },
    )
    if request.method == "POST":
        if not context["can_change"]:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.development_status_set(
                    actor=request.user,
                    customer=customer,
                    status=data["status"],
                    seminars_held=data["seminars_held"],
                    on=data["on"],
                    note=data["note"],
                    **_seen_step(request),
                )
                messages.success(
                    request,
                    _("%(customer)s 的发展状态已记录为“%(status)s”。")
                    % {"customer": customer.name, "status": customer.get_development_status_display()},
                )
                return redirect(_next(request, _url("prioritization:customer_status", customer, year)))
            except ConcurrentUpdate as exc:
                form.add_error(None, exc.messages)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        if request.POST.get("next"):  # from the board: report there
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, f"{customer.name}：{error}")
            return redirect(_next(request, _url("prioritization:customer_status", customer, year)))
    changes = list(DevelopmentStatusChange.objects.filter(customer=customer).select_related("changed_by"))
    return render(
        request,
        "prioritization/targets/customer_status.html",
        # The form carries the latest step it was shown with: a step recorded meanwhile by someone
        # else refuses it (after a refusal the page shows that step and carries it).
        {**context, "form": form, "changes": changes, "last_step": changes[0] if changes else None},
    )


def _seen_step(request) -> dict:
    """The latest step the status form showed (`last_step`: its id, "" for none); a forged value
    never matches. A post without the field is not checked."""
    if "last_step" not in request.POST:
        return {}
    raw = request.POST["last_step"].strip()
    if not raw:
        return {"expected_last_step": None}
    return {"expected_last_step": int(raw) if raw.isdigit() else -1}


# --- contacts ------------------------------------------------------------------------------------


@login_required
def customer_contacts(request, pk):
    """The customer's contact log against its tier's cadence: contacts kept vs due, and a new entry."""
    customer = _customer(request, pk, shows_target=True)
    year = _year(request, customer)
    context = _customer_context(request, customer, year, "contacts")
    form = ContactForm(request.POST or None, initial={"contacted_on": timezone.localdate()})
    if request.method == "POST":
        if not context["can_change"]:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.contact_log(actor=request.user, customer=customer, **form.cleaned_data)
                messages.success(request, _("已记录与 %(customer)s 的接触。") % {"customer": customer.name})
                return redirect(_url("prioritization:customer_contacts", customer, year))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
    status = contact_status(customer, year=year)
    from django.contrib.auth import get_user_model

    from prioritization.services.contacts import contact_changes, contact_editable_ids

    editors = get_user_model().objects.in_bulk({log.edited_by_id for log in status["logs"]} - {None})
    for log in status["logs"]:
        log.edited_by = editors.get(log.edited_by_id)  # one query for every "edited by", not one per entry
    editable = contact_editable_ids(actor=request.user, customer=customer, logs=status["logs"])
    return render(
        request,
        "prioritization/targets/customer_contacts.html",
        {
            **context,
            "form": form,
            "status": status,
            "editable": editable,
            "changes": contact_changes(customer),
        },
    )


@login_required
def contacts_due(request):
    """Target customers of the BU-year whose next contact is due by their tier's cadence (overdue
    first); "mine" narrows to the customers the user owns. Ordered, counted and paginated in SQL."""
    place = _place(request)
    mine = request.GET.get("mine") == "1"
    today = timezone.localdate()
    customers = contact_customers(
        user=request.user,
        unit=place.unit,
        year=place.year,
        segment=place.segment,
        owner=request.user if mine else None,
        today=today,
    )
    page = page_of(customers, request.GET.get("page"))
    return render(
        request,
        "prioritization/targets/contacts_due.html",
        {
            **_place_context(place),
            "page": page,
            "rows": due_rows(page.object_list, year=place.year, today=today),
            "mine": mine,
            "overdue": customers.filter(due_on__lt=today).count(),
        },
    )


# --- promotion plans -----------------------------------------------------------------------------


@login_required
def plan_list(request):
    """Every promotion-plan activity of the BU-year (segment) in the user's scope."""
    place = _place(request)
    plans = scope_for(request).filter(
        PromotionPlan.objects.filter(customer__unit=place.unit, year=place.year), Action.VIEW
    )
    if place.segment is not None:
        plans = plans.filter(customer__segment=place.segment)
    plans = plans.select_related("customer__segment").order_by("done", "planned_on", "customer__name", "pk")
    page = Paginator(plans, 50).get_page(request.GET.get("page"))
    from django.db.models import prefetch_related_objects

    shown = list(page.object_list)
    prefetch_related_objects(shown, "supports")
    return render(
        request,
        "prioritization/targets/plan_list.html",
        {**_place_context(place), "page": page, "plans": shown},
    )


@login_required
def customer_plans(request, pk):
    customer = _customer(request, pk, shows_target=True)
    year = _year(request, customer)
    plans = customer.promotion_plans.filter(year=year).prefetch_related("supports")
    return render(
        request,
        "prioritization/targets/customer_plans.html",
        {
            **_customer_context(request, customer, year, "plans"),
            "plans": plans,
            "plan_refusal": services.plan_refusal(customer=customer, year=year),
        },
    )


def _supports(formset) -> list[dict]:
    return [
        {"who": f.cleaned_data["who"].strip(), "responsibility": f.cleaned_data["responsibility"].strip(),
         "due_on": f.cleaned_data.get("due_on")}
        for f in formset.forms
        if f.cleaned_data.get("who")
    ]  # fmt: skip


def _plan_form(request, customer, year, plan=None):
    """Create (plan None) or edit one plan activity. Planning fields and support rows belong to
    those who assign owners; the owners record done, result and lessons."""
    context = _customer_context(request, customer, year, "plans")
    may_plan = context["can_assign"]
    if plan is None and not may_plan:
        raise PermissionDenied
    refusal = services.plan_refusal(customer=customer, year=year) if plan is None else ""
    if refusal:  # 不考虑: no new plan (those made before stay editable)
        messages.error(request, refusal)
        return redirect(_url("prioritization:customer_plans", customer, year))
    if plan is not None and not (may_plan or context["can_change"]):
        raise PermissionDenied
    form = PromotionPlanForm(request.POST or None, instance=plan, may_plan=may_plan)
    initial = [
        {"who": s.who, "responsibility": s.responsibility, "due_on": s.due_on}
        for s in (plan.supports.all() if plan else [])
    ]
    formset = SupportFormSet(request.POST or None, initial=initial, prefix="support")
    if request.method == "POST" and form.is_valid() and (not may_plan or formset.is_valid()):
        fields = {
            name: form.cleaned_data[name]
            for name in form.fields
            if may_plan or name not in {"objective", "products", "success_measure", "decision_makers",
                                        "format", "planned_on"}
        }  # fmt: skip
        try:
            saved = services.promotion_plan_save(
                actor=request.user,
                customer=customer,
                year=year,
                plan=plan,
                supports=_supports(formset) if may_plan else None,
                **fields,
            )
            messages.success(request, _("已保存推广计划。"))
            return redirect(_url("prioritization:plan_edit", customer, year, saved.pk))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    return render(
        request,
        "prioritization/targets/plan_form.html",
        {**context, "form": form, "formset": formset, "plan": plan, "may_plan": may_plan},
    )


@login_required
def plan_create(request, pk):
    customer = _customer(request, pk)
    return _plan_form(request, customer, _year(request, customer))


@login_required
def plan_edit(request, pk, plan_pk):
    customer = _customer(request, pk)
    plan = customer.promotion_plans.filter(pk=plan_pk).first()
    if plan is None:
        raise Http404
    return _plan_form(request, customer, plan.year, plan)


@login_required
@require_POST
def plan_delete(request, pk, plan_pk):
    customer = _customer(request, pk)
    plan = customer.promotion_plans.filter(pk=plan_pk).first()
    if plan is None:
        raise Http404
    services.promotion_plan_delete(actor=request.user, plan=plan)
    messages.success(request, _("已删除推广计划。"))
    return redirect(_url("prioritization:customer_plans", customer, plan.year))
