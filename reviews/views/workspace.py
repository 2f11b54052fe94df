"""Pages of the annual review: the list of BUs' reviews, the workspace of one review (computed
sections, summaries, proposed changes, next year's goals, the submit → confirm → carry-forward
actions), the BG VP's side-by-side of all BUs, and this year vs next year's draft."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from criteria.models import Criterion
from prioritization.access import Action, scope_for
from prioritization.models import AuditEvent, BusinessGroup, Role, Segment
from prioritization.services.audit import audit_record
from prospects.services.customers import ConcurrentUpdate
from reviews.charts import review_charts
from reviews.compare import compare_years
from reviews.excel import review_workbook
from reviews.forms import ChangeForm, CommentForm, GoalsForm, SummaryForm
from reviews.models import ProposedChange, ReviewStatus, SummaryKind
from reviews.selectors.reviews import group_reviews, review_board, review_get_visible, unit_get_for_review
from reviews.selectors.year import year_report
from reviews.services import carry_forward as cf
from reviews.services import reviews as svc


def default_year() -> int:
    """The review is written at year end; until the summer the one to work on is last year's."""
    today = timezone.localdate()
    return today.year if today.month >= 7 else today.year - 1


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else default_year()


@login_required
def review_list(request):
    scope = scope_for(request)
    year = _year(request)
    rows = review_board(user=request.user, year=year)
    for row in rows:
        row["can_start"] = row["review"] is None and scope.can_in(Action.SUBMIT_REVIEW, unit=row["unit"])
    groups = list(BusinessGroup.objects.filter(pk__in={r["unit"].group_id for r in rows}))
    groups = [
        g
        for g in groups
        if scope.is_admin or any(m.role == Role.BG_VP and m.group_id == g.pk for m in scope.memberships)
    ]
    return render(
        request,
        "reviews/review_list.html",
        {
            "rows": rows,
            "year": year,
            "years": range(default_year() + 1, default_year() - 5, -1),
            "groups": groups,
        },
    )


@login_required
@require_POST
def review_start(request):
    unit = unit_get_for_review(user=request.user, pk=request.POST.get("unit"))
    review = svc.review_start(actor=request.user, unit=unit, year=_year(request))
    return redirect("reviews:review_detail", pk=review.pk)


def _summaries_for(request, review, kept_texts=None):
    """The summaries as shown: every written one, plus an editable form per slot of the user, which
    carries the revision of the summary it shows (`kept_texts`: (kind, segment id) → the text the
    user typed, kept after a refused save)."""
    slots = svc.summary_slots_for(request.user, review) if review.is_draft else []
    written = list(review.summaries.all())
    revisions = svc.summary_revisions(review) if slots else {}
    kept_texts = kept_texts or {}

    def existing(kind, segment):
        for s in written:
            if s.kind != kind:
                continue
            if kind == SummaryKind.SEGMENT and s.segment_id != segment.pk:
                continue
            if kind == SummaryKind.ACCOUNTS and s.author_id != request.user.pk:
                continue
            return s
        return None

    forms = []
    for kind, segment in slots:
        current = existing(kind, segment)
        text = current.text if current else ""
        forms.append(
            {
                "kind": kind,
                "label": SummaryKind(kind).label,
                "segment": segment,
                "revision": revisions.get(current.pk, 0) if current else 0,
                "form": SummaryForm(
                    initial={
                        "kind": kind,
                        "segment": segment.pk if segment else None,
                        "text": kept_texts.get((kind, segment.pk if segment else None), text),
                    }
                ),
            }
        )
    return written, forms


def _workspace_context(request, review, kept_texts=None, **extra):
    scope = scope_for(request)
    report = year_report(user=request.user, unit=review.unit, year=review.year)
    written, summary_forms = _summaries_for(request, review, kept_texts)
    can_submit = scope.can(Action.SUBMIT_REVIEW, review)
    can_confirm = scope.can(Action.CONFIRM_REVIEW, review)
    version = report["version"]
    # The weight totals the proposals lead to in the version they will be applied to (usually the
    # year's version in force, whose criteria the report has already read).
    target_version = svc.carry_forward_base(review) if not review.is_carried_forward else None
    if target_version is not None and version is not None and target_version.pk == version.pk:
        target_version = version
    weight_sums = svc.weight_sums_after(review, target_version) if target_version else {}
    context = {
        "review": review,
        "report": report,
        "summaries": written,
        "summary_forms": summary_forms,
        "can_submit": can_submit,
        "can_confirm": can_confirm,
        "can_edit": can_submit and review.is_draft,
        "goals_form": GoalsForm(initial={f: getattr(review, f) for f in svc.GOAL_FIELDS}),
        "goals_revision": svc.goals_revision(review) if can_submit and review.is_draft else 0,
        "target_version": target_version,
        "can_return": can_confirm
        and (
            review.status == ReviewStatus.SUBMITTED
            or (review.status == ReviewStatus.CONFIRMED and not review.is_carried_forward)
        ),
        "change_form": ChangeForm(),
        "comment_form": CommentForm(),
        "criteria": list(version.criteria.all()) if version else [],
        "weight_sums": weight_sums,
        "submission_errors": svc.submission_errors(review, target_version)
        if can_submit and review.is_draft
        else [],
        "continuing": list(cf.continuing_customers(review))
        if can_submit and review.status == ReviewStatus.CONFIRMED and not review.is_carried_forward
        else [],
        "charts": review_charts(report),
    }
    context.update(extra)
    return context


@login_required
def review_detail(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    return render(request, "reviews/review_detail.html", _workspace_context(request, review))


@login_required
def review_print(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    return render(request, "reviews/review_print.html", _workspace_context(request, review, printable=True))


def _posted_revision(request) -> int | None:
    """The revision a section's form showed (hidden field "revision"); None when it has none."""
    raw = request.POST.get("revision", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _act(request, pk, action, fn, success):
    """Run one service on the checked review; a refusal of the rules is shown, not raised."""
    review = review_get_visible(user=request.user, pk=pk, action=action)
    try:
        fn(review)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("reviews:review_detail", pk=review.pk)


@login_required
@require_POST
def summary_save(request, pk):
    form = SummaryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("总结不能为空。"))
        return redirect("reviews:review_detail", pk=pk)

    review = review_get_visible(user=request.user, pk=pk, action=Action.REVIEW)
    segment = None
    if form.cleaned_data["segment"]:
        segment = get_object_or_404(Segment, pk=form.cleaned_data["segment"], unit_id=review.unit_id)
    # A post without the section's revision was not typed over any saved summary (revision 0): it
    # may start a section, never silently replace one someone else wrote.
    revision = _posted_revision(request)
    try:
        svc.summary_save(
            actor=request.user, review=review, kind=form.cleaned_data["kind"], segment=segment,
            text=form.cleaned_data["text"], expected_revision=0 if revision is None else revision,
        )  # fmt: skip
    except ConcurrentUpdate as exc:
        # Someone saved this section after the page was opened: show theirs, keep the user's text.
        messages.error(request, exc.messages[0])
        kept = {(form.cleaned_data["kind"], segment.pk if segment else None): form.cleaned_data["text"]}
        return render(
            request, "reviews/review_detail.html", _workspace_context(request, review, kept), status=409
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("总结已保存。"))
    return redirect("reviews:review_detail", pk=review.pk)


@login_required
@require_POST
def goals_save(request, pk):
    form = GoalsForm(request.POST)
    form.is_valid()
    return _act(
        request, pk, Action.SUBMIT_REVIEW,
        lambda review: svc.next_goals_save(
            actor=request.user, review=review, expected_revision=_posted_revision(request), **form.cleaned_data
        ),
        _("下一年度目标已保存。"),
    )  # fmt: skip


@login_required
@require_POST
def change_add(request, pk):
    form = ChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("每项修订都必须写明理由。"))
        return redirect("reviews:review_detail", pk=pk)
    data = form.cleaned_data

    def add(review):
        criterion = None
        if data["criterion"]:
            criterion = Criterion.objects.filter(
                pk=data["criterion"], version__unit_id=review.unit_id
            ).first()
        svc.change_propose(
            actor=request.user, review=review, kind=data["kind"], criterion=criterion,
            dimension=data["dimension"], tier=data["tier"], value=data["value"], text=data["text"],
            reason=data["reason"],
        )  # fmt: skip

    return _act(request, pk, Action.SUBMIT_REVIEW, add, _("建议修订已记录。"))


@login_required
@require_POST
def change_delete(request, pk, change_pk):
    def delete(review):
        change = get_object_or_404(ProposedChange, pk=change_pk, review=review)
        svc.change_withdraw(actor=request.user, review=review, change=change)

    return _act(request, pk, Action.SUBMIT_REVIEW, delete, _("建议修订已撤回。"))


@login_required
@require_POST
def review_submit(request, pk):
    return _act(
        request, pk, Action.SUBMIT_REVIEW,
        lambda review: svc.review_submit(actor=request.user, review=review),
        _("年度评估已提交给业务群营销副总。"),
    )  # fmt: skip


@login_required
@require_POST
def review_comment(request, pk):
    return _act(
        request, pk, Action.CONFIRM_REVIEW,
        lambda review: svc.review_comment(actor=request.user, review=review, text=request.POST.get("text", "")),
        _("意见已发送。"),
    )  # fmt: skip


@login_required
@require_POST
def review_return(request, pk):
    return _act(
        request, pk, Action.CONFIRM_REVIEW,
        lambda review: svc.review_return(actor=request.user, review=review, text=request.POST.get("text", "")),
        _("年度评估已退回业务单元修改。"),
    )  # fmt: skip


@login_required
@require_POST
def review_confirm(request, pk):
    goals = {f: request.POST[f] for f in svc.GOAL_FIELDS if f in request.POST}
    return _act(
        request, pk, Action.CONFIRM_REVIEW,
        lambda review: svc.review_confirm(actor=request.user, review=review, **goals),
        _("已确认下一年度客户发展目标。"),
    )  # fmt: skip


@login_required
@require_POST
def review_carry_forward(request, pk):
    keep = {int(v) for v in request.POST.getlist("keep") if v.isdigit()}

    def carry(review):
        listed = {c.pk for c in cf.continuing_customers(review)}
        drop = listed - keep if request.POST.get("choose") else set()
        cf.review_carry_forward(actor=request.user, review=review, drop_customer_ids=drop)

    return _act(request, pk, Action.SUBMIT_REVIEW, carry, _("已结转到下一年度。"))


@login_required
def review_compare(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    return render(
        request,
        "reviews/review_compare.html",
        {"review": review, "compare": compare_years(review, user=request.user)},
    )


@login_required
def group_overview(request, group_pk):
    scope = scope_for(request)
    group = get_object_or_404(BusinessGroup, pk=group_pk)
    if not (
        scope.is_admin or any(m.role == Role.BG_VP and m.group_id == group.pk for m in scope.memberships)
    ):
        if scope.filter(BusinessGroup.objects.filter(pk=group.pk)).exists():
            raise PermissionDenied
        raise Http404
    year = _year(request)
    rows = group_reviews(user=request.user, group=group, year=year)
    for row in rows:
        report = year_report(user=request.user, unit=row["unit"], year=year)
        row["key"] = report["key_customers"]
        row["criteria"] = report["criteria"]
        row["quality"] = report["data_quality"]
        row["inquiries"] = report["inquiries"]
        row["overall"] = next(
            (
                s
                for s in (row["review"].summaries.all() if row["review"] else [])
                if s.kind == SummaryKind.OVERALL
            ),
            None,
        )
    return render(request, "reviews/group_overview.html", {"group": group, "year": year, "rows": rows})


@login_required
def review_export(request, pk):
    review = review_get_visible(user=request.user, pk=pk)
    report = year_report(user=request.user, unit=review.unit, year=review.year)
    audit_record(
        kind=AuditEvent.Kind.EXPORT, request=request, unit=review.unit, target=f"review {review.year}"
    )
    response = HttpResponse(
        review_workbook(review, report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="review-{review.unit.code}-{review.year}.xlsx"'
    return response
