"""Editing and deleting an entry of a customer's contact log (its author or the BU VP). Each form
carries the entry's version: a save or delete over someone else's newer change is refused with a
message naming them. The entry is always fetched through its checked customer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from prioritization.access import Action, scope_for
from prioritization.forms import ContactForm
from prioritization.models import ContactLog
from prioritization.services.contacts import (
    EDITABLE_FIELDS,
    contact_delete,
    contact_may_edit,
    contact_update,
)
from prioritization.views.targets_customers import _customer, _customer_context, _url, _year
from prospects.services.customers import ConcurrentUpdate


def _posted_version(request) -> int:
    """The version the page showed; a missing or forged value counts as stale (never a 500)."""
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else -1


def _entry_or_gone(request, customer, year, log_pk):
    """The entry of this customer, or (None, redirect) when someone deleted it meanwhile (the
    message names who), or 404 when it never was this customer's."""
    log = customer.contact_logs.select_related("logged_by", "edited_by").filter(pk=log_pk).first()
    if log is not None:
        return log, None
    gone = (
        ContactLog.history.filter(id=log_pk, customer_id=customer.pk, history_type="-")
        .select_related("history_user")
        .order_by("-history_id")
        .first()
    )
    # Who deleted an entry is told only to those who may keep the log (others: as if it never was).
    if gone is None or not scope_for(request).can(Action.CHANGE, customer):
        raise Http404
    messages.error(
        request,
        _("%(who)s 已删除这条接触记录（%(when)s）。")
        % {
            "who": gone.history_user or _("其他用户"),
            "when": timezone.localtime(gone.history_date).strftime("%Y-%m-%d %H:%M"),
        },
    )
    return None, redirect(_url("prioritization:customer_contacts", customer, year))


@login_required
def contact_edit(request, pk, log_pk):
    customer = _customer(request, pk, shows_target=True)
    year = _year(request, customer)
    log, gone = _entry_or_gone(request, customer, year, log_pk)
    if gone:
        return gone
    if not contact_may_edit(actor=request.user, customer=customer, log=log):
        raise PermissionDenied
    form = ContactForm(request.POST or None, instance=None if request.method == "POST" else log)
    version = log.version
    if request.method == "POST" and form.is_valid():
        try:
            contact_update(
                actor=request.user,
                customer=customer,
                log=log,
                expected_version=_posted_version(request),
                **{name: form.cleaned_data[name] for name in EDITABLE_FIELDS},
            )
            messages.success(request, _("已修改与 %(customer)s 的接触记录。") % {"customer": customer.name})
            return redirect(_url("prioritization:customer_contacts", customer, year))
        except ConcurrentUpdate as exc:
            # The form keeps what this user typed; the entry as saved now is shown beside it, and
            # the form carries its version: saving again is a deliberate choice.
            form.add_error(None, exc.messages)
            log.refresh_from_db()
            version = log.version
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    return render(
        request,
        "prioritization/targets/contact_form.html",
        {
            **_customer_context(request, customer, year, "contacts"),
            "form": form,
            "log": log,
            "version": version,
            "conflict": request.method == "POST" and log.version != _posted_version(request),
        },
    )


@login_required
@require_POST
def contact_remove(request, pk, log_pk):
    customer = _customer(request, pk)
    year = _year(request, customer)
    log, gone = _entry_or_gone(request, customer, year, log_pk)
    if gone:
        return gone
    if not contact_may_edit(actor=request.user, customer=customer, log=log):
        raise PermissionDenied
    try:
        contact_delete(
            actor=request.user, customer=customer, log=log, expected_version=_posted_version(request)
        )
        messages.success(
            request,
            _("已删除 %(date)s 的接触记录。") % {"date": log.contacted_on.isoformat()},
        )
    except ConcurrentUpdate as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(_url("prioritization:customer_contacts", customer, year))
