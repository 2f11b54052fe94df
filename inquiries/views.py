"""Pages of stage 2.3.5: quick log (phone), board, inquiry page with the decision and follow-up
forms, company autocomplete (htmx) and the monthly report. Views parse → call a service → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from inquiries import selectors, sla
from inquiries.forms import (
    ClassifyForm,
    CompleteForm,
    DecideForm,
    FollowUpForm,
    InquiryFilter,
    MaterialSentForm,
    MonthlyReportForm,
    QuickLogForm,
)
from inquiries.models import Decision
from inquiries.services import inquiries as services
from inquiries.services import reports
from prioritization.access import Action, scope_for
from prioritization.selectors.targets import current_tier
from prioritization.tiers import TIER_MEANING, Tier
from prospects.models import Customer, normalize_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
@require_GET
def board(request):
    now = timezone.now()
    qs = selectors.inquiry_list_visible(user=request.user).order_by("-call_at", "-pk")
    filters = InquiryFilter(request.GET or None, queryset=qs, user=request.user, now=now)
    page = Paginator(filters.qs, 30).get_page(request.GET.get("page"))
    rows = [(i, sla.worst_state(i.clock_states(now))) for i in page.object_list]
    said_no = selectors.not_pursued_ids(
        page.object_list, customers=selectors.visible_customers(user=request.user)
    )
    scope = scope_for(request)
    return render(
        request,
        "inquiries/board.html",
        {
            "filter": filters,
            "page": page,
            "rows": rows,
            "said_no": said_no,  # rows whose company is rated "not pursued" (不考虑)
            "can_log": scope.allows(Action.LOG_INQUIRY),
            "can_report": scope.allows(Action.INQUIRY_REPORTS),
        },
    )


@login_required
def quick_log(request):
    if not scope_for(request).allows(Action.LOG_INQUIRY):
        raise PermissionDenied
    form = QuickLogForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit = form.unit()
        details = {k: data[k] for k in services.DETAIL_FIELDS}
        try:
            inquiry = services.inquiry_log(
                actor=request.user,
                unit=unit,
                segment=data["segment"],
                customer=data["customer"],
                call_at=data["call_at"],
                company_name=data["company_name"],
                phone=data["phone"],
                **details,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        except PermissionDenied:
            form.add_error("segment", _("您不能在该细分市场记录客户查询。"))
        else:
            if inquiry.completed_at:
                messages.success(request, _("查询已记录，已通知细分市场经理。"))
            else:
                messages.warning(
                    request,
                    _("来电已登记，记录时限从来电时间起算 30 分钟（%(due)s 前）；请尽快补全记录。")
                    # the date too: a call logged after midnight is due on another day
                    % {"due": dateformat.format(timezone.localtime(inquiry.log_due_at), _("n月j日 H:i"))},
                )
            return redirect("inquiries:detail", pk=inquiry.pk)
    return render(request, "inquiries/quick_log.html", {"form": form})


@login_required
@require_GET
def company_autocomplete(request):
    """htmx: customers in the user's scope matching what was typed (never outside the scope)."""
    if not scope_for(request).allows(Action.LOG_INQUIRY):
        raise PermissionDenied
    term = request.GET.get("company_name", "")
    customers = selectors.company_suggestions(user=request.user, term=term)
    return render(request, "inquiries/_company_suggestions.html", {"customers": customers, "term": term})


def _known_customer(user, inquiry) -> Customer | None:
    if inquiry.customer_id:
        return inquiry.customer
    qs = selectors.visible_customers(user=user)
    return qs.filter(unit_id=inquiry.unit_id, name_key=normalize_name(inquiry.company_name)).first()


@login_required
@require_GET
def detail(request, pk):
    inquiry = selectors.inquiry_get_visible(user=request.user, pk=pk)
    scope = scope_for(request)
    now = timezone.now()
    customer = _known_customer(request.user, inquiry)
    tier = current_tier(customer, year=timezone.localtime(inquiry.call_at).year) if customer else None
    open_ = not inquiry.is_closed
    can_decide = open_ and scope.can(Action.DECIDE_INQUIRY, inquiry)
    is_assignee = inquiry.account_manager_id == request.user.pk or scope.is_admin
    can_follow = open_ and is_assignee and inquiry.account_manager_id and scope.can(Action.FOLLOW_UP, inquiry)
    decide_initial = {
        "importance": inquiry.importance or "important",
        "reply": inquiry.reply,
        "decision": inquiry.decision or (Decision.DECLINE if tier and tier["tier"] == Tier.NO else ""),
        "decision_reason": inquiry.decision_reason,
        "account_manager": inquiry.account_manager_id,
    }
    context = {
        "inquiry": inquiry,
        "clocks": inquiry.clock_states(now),
        "breaches": list(inquiry.breaches.all()),
        "customer": customer,
        "tier": tier,
        "tier_meaning": TIER_MEANING.get(tier["tier"]) if tier else None,
        "say_no": bool(tier and tier["tier"] == Tier.NO),
        "can_complete": open_ and inquiry.completed_at is None and scope.can(Action.LOG_INQUIRY, inquiry),
        "can_decide": can_decide,
        "can_list_target": can_decide and not inquiry.customer_id and inquiry.decision != Decision.DECLINE,
        "can_follow": bool(can_follow),
        # The account manager closes only once the follow-up is recorded (as the service checks).
        "can_close": open_
        and inquiry.replied_at is not None
        and (can_decide or (can_follow and inquiry.followed_up_at is not None)),
        "classify_form": ClassifyForm(initial={"importance": inquiry.importance or "important"}),
        "decide_form": DecideForm(initial=decide_initial, inquiry=inquiry) if can_decide else None,
        "material_form": MaterialSentForm(),
        "followup_form": FollowUpForm(initial={"feedback": inquiry.feedback}),
    }
    return render(request, "inquiries/inquiry_detail.html", context)


@login_required
def complete(request, pk):
    inquiry = selectors.inquiry_get_visible(user=request.user, pk=pk, action=Action.LOG_INQUIRY)
    form = CompleteForm(request.POST or None, instance=inquiry)
    if request.method == "POST" and form.is_valid():
        changes = {f: form.cleaned_data[f] for f in CompleteForm.Meta.fields}
        try:
            inquiry = services.inquiry_complete(actor=request.user, inquiry=inquiry, **changes)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            if inquiry.completed_at:
                messages.success(request, _("记录已完成。"))
            else:
                messages.warning(request, _("已保存；联系人、查询类型和内容描述填写完整后记录才算完成。"))
            return redirect("inquiries:detail", pk=inquiry.pk)
    return render(request, "inquiries/inquiry_form.html", {"form": form, "inquiry": inquiry})


def _post_action(request, pk, action, handle):
    """Shared shape of the POST-only actions: fetch in scope (404/403), run, report, go back."""
    inquiry = selectors.inquiry_get_visible(user=request.user, pk=pk, action=action)
    try:
        message = handle(inquiry)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, message)
    return redirect("inquiries:detail", pk=inquiry.pk)


@login_required
@require_POST
def classify(request, pk):
    form = ClassifyForm(request.POST)

    def handle(inquiry):
        if not form.is_valid():
            raise ValidationError(_("请选择重要程度。"))
        now = timezone.now()
        moves = sla.reply_deadline_may_move(
            due_at=inquiry.reply_due_at, replied_at=inquiry.replied_at, now=now
        )
        services.inquiry_classify(
            actor=request.user, inquiry=inquiry, importance=form.cleaned_data["importance"], now=now
        )
        if not moves:
            return _("重要程度已保存；答复截止时间已过（或已答复），截止时间保持不变，超时照常记录。")
        return _("重要程度已保存，答复时限已更新。")

    return _post_action(request, pk, Action.DECIDE_INQUIRY, handle)


@login_required
@require_POST
def decide(request, pk):
    def handle(inquiry):
        form = DecideForm(request.POST, inquiry=inquiry)
        if not form.is_valid():
            raise ValidationError([f"{form.fields[f].label if f in form.fields else ''}: {e}"
                                   for f, errs in form.errors.items() for e in errs])  # fmt: skip
        services.inquiry_decide(actor=request.user, inquiry=inquiry, **form.cleaned_data)
        return _("决定已保存。")

    return _post_action(request, pk, Action.DECIDE_INQUIRY, handle)


@login_required
@require_POST
def list_target(request, pk):
    def handle(inquiry):
        customer = services.inquiry_list_as_target(actor=request.user, inquiry=inquiry)
        return _("%(name)s 已列为目标客户（%(number)s），加入本年度名单。") % {
            "name": customer.name,
            "number": customer.number,
        }

    return _post_action(request, pk, Action.DECIDE_INQUIRY, handle)


@login_required
@require_POST
def material_sent(request, pk):
    form = MaterialSentForm(request.POST)

    def handle(inquiry):
        if not form.is_valid():
            raise ValidationError(_("发送时间格式不正确。"))
        services.inquiry_material_sent(
            actor=request.user, inquiry=inquiry, sent_at=form.cleaned_data["material_sent_at"]
        )
        return _("已记录资料发送；请在 7 天内回访客户。")

    return _post_action(request, pk, Action.FOLLOW_UP, handle)


@login_required
@require_POST
def follow_up(request, pk):
    form = FollowUpForm(request.POST)

    def handle(inquiry):
        if not form.is_valid():
            raise ValidationError(_("请填写客户反馈。"))
        services.inquiry_follow_up(
            actor=request.user, inquiry=inquiry, feedback=form.cleaned_data["feedback"]
        )
        return _("回访已记录。")

    return _post_action(request, pk, Action.FOLLOW_UP, handle)


@login_required
@require_POST
def close(request, pk):
    def handle(inquiry):
        services.inquiry_close(actor=request.user, inquiry=inquiry)
        return _("查询已关闭。")

    return _post_action(request, pk, Action.VIEW, handle)


@login_required
@require_GET
def monthly_report(request):
    scope = scope_for(request)
    if not scope.allows(Action.INQUIRY_REPORTS):
        raise PermissionDenied
    units = scope.units(Action.INQUIRY_REPORTS)
    initial = {"month": reports.previous_month(timezone.now()).strftime("%Y-%m")}
    if len(units) == 1:
        initial["unit"] = units[0].pk
    form = MonthlyReportForm(request.GET or None, user=request.user, initial=initial)
    figures = unit = month = None
    unit_param = request.GET.get("unit", "")
    if unit_param and not (unit_param.isdigit() and units.filter(pk=unit_param).exists()):
        raise Http404  # a BU outside the user's reporting scope does not exist for them
    if unit_param and request.GET.get("month") and form.is_valid():
        unit, month = form.cleaned_data["unit"], reports.parse_month(form.cleaned_data["month"])
        if request.GET.get("download"):
            content, _count = reports.monthly_report_workbook(actor=request.user, unit=unit, month=month)
            response = HttpResponse(content, content_type=XLSX)
            filename = f"inquiries-{unit.code}-{month:%Y-%m}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        rows = reports.monthly_report_rows(actor=request.user, unit=unit, month=month)
        figures = reports.monthly_figures(rows, now=timezone.now())
        figures["clock_rows"] = [(reports.clock_label(c.name), c) for c in figures["clocks"]]
    return render(
        request,
        "inquiries/monthly_report.html",
        {"form": form, "figures": figures, "unit": unit, "month": month},
    )
