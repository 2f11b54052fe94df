"""Inquiry pages and actions × roles × objects in and out of scope."""

from django.urls import reverse
from django.utils import timezone

from inquiries.models import Inquiry
from inquiries.services.inquiries import inquiry_decide, inquiry_log
from tests.permissions import Case, everyone

FULL = {"contact_name": "王", "request_type": "outline", "description": "MES"}


def _setup(ctx):
    now = timezone.now()
    ctx.auto_inquiry = inquiry_log(
        actor=ctx.pr, unit=ctx.org.unit, segment=ctx.org.auto, call_at=now, company_name="苏州恒达",
        phone="1", **FULL,
    )  # fmt: skip
    assigned = inquiry_log(
        actor=ctx.pr, unit=ctx.org.unit, segment=ctx.org.auto, call_at=now, company_name="宁波新宏",
        phone="2", **FULL,
    )  # fmt: skip
    ctx.assigned = inquiry_decide(
        actor=ctx.segmgr, inquiry=assigned, importance="important", reply="x", decision="allocate",
        account_manager=ctx.am,
    )  # fmt: skip
    ctx.elec_inquiry = inquiry_log(
        actor=ctx.pr, unit=ctx.org.unit, segment=ctx.org.elec, call_at=now, company_name="深圳光明", phone="3"
    )
    ctx.foreign_inquiry = inquiry_log(
        actor=ctx.outsider, unit=ctx.org.other_unit, segment=ctx.org.other_segment, call_at=now,
        company_name="外部来电", phone="4",
    )  # fmt: skip


def _unchanged_unless_allowed(field):
    def check(ctx, response, role):
        if response.status_code in (403, 404):
            target = ctx.auto_inquiry if field != "material_sent_at" else ctx.assigned
            assert getattr(Inquiry.objects.get(pk=target.pk), field) is None

    return check


VIEWERS = {"admin_user": 200, "bgvp": 200, "buvp": 200, "segmgr": 200, "researcher": 200, "pr": 200}
LOGGERS = {"admin_user": 200, "buvp": 200, "segmgr": 200, "am": 200, "pr": 200, "outsider": 200}
REPORTERS = {"admin_user": 200, "bgvp": 200, "buvp": 200, "pr": 200, "outsider": 200}

CASES = [
    Case("inquiry-board", lambda c: reverse("inquiries:board"), everyone(200), setup=_setup),
    Case("inquiry-quick-log", lambda c: reverse("inquiries:quick_log"), everyone(403, **LOGGERS)),
    Case(
        "inquiry-company-autocomplete",
        lambda c: reverse("inquiries:company_autocomplete") + "?company_name=上海",
        everyone(403, **LOGGERS),
    ),
    Case(
        "inquiry-detail-auto",
        lambda c: reverse("inquiries:detail", args=[c.auto_inquiry.pk]),
        everyone(404, **VIEWERS),
        setup=_setup,
    ),
    Case(
        "inquiry-detail-assigned-to-am",
        lambda c: reverse("inquiries:detail", args=[c.assigned.pk]),
        everyone(404, am=200, **VIEWERS),
        setup=_setup,
    ),
    Case(
        "inquiry-detail-elec",
        lambda c: reverse("inquiries:detail", args=[c.elec_inquiry.pk]),
        everyone(404, admin_user=200, bgvp=200, buvp=200, researcher=200, pr=200),
        setup=_setup,
    ),
    Case(
        "inquiry-detail-foreign",
        lambda c: reverse("inquiries:detail", args=[c.foreign_inquiry.pk]),
        everyone(404, admin_user=200, outsider=200),
        setup=_setup,
    ),
    Case(
        "inquiry-complete-auto",
        lambda c: reverse("inquiries:complete", args=[c.auto_inquiry.pk]),
        everyone(404, admin_user=200, bgvp=403, buvp=200, segmgr=200, researcher=403, pr=200),
        setup=_setup,
    ),
    Case(
        "inquiry-decide-auto",
        lambda c: reverse("inquiries:decide", args=[c.auto_inquiry.pk]),
        everyone(404, admin_user=302, bgvp=403, buvp=302, segmgr=302, researcher=403, pr=403),
        method="post",
        data=lambda c: {"importance": "important", "reply": "答复", "decision": "no_resources"},
        setup=_setup,
        check=_unchanged_unless_allowed("replied_at"),
    ),
    Case(
        "inquiry-decide-foreign",
        lambda c: reverse("inquiries:decide", args=[c.foreign_inquiry.pk]),
        everyone(404, admin_user=302, outsider=302),
        method="post",
        data=lambda c: {"importance": "important", "reply": "答复", "decision": "no_resources"},
        setup=_setup,
    ),
    Case(
        "inquiry-list-target-auto",
        lambda c: reverse("inquiries:list_target", args=[c.auto_inquiry.pk]),
        everyone(404, admin_user=302, bgvp=403, buvp=302, segmgr=302, researcher=403, pr=403),
        method="post",
        setup=_setup,
        check=_unchanged_unless_allowed("customer_id"),
    ),
    Case(
        "inquiry-material-sent-assigned",
        lambda c: reverse("inquiries:material_sent", args=[c.assigned.pk]),
        everyone(404, admin_user=302, am=302, bgvp=403, buvp=403, segmgr=403, researcher=403, pr=403),
        method="post",
        setup=_setup,
        check=_unchanged_unless_allowed("material_sent_at"),
    ),
    Case("inquiry-monthly-report", lambda c: reverse("inquiries:monthly_report"), everyone(403, **REPORTERS)),
    Case(
        "inquiry-monthly-report-mfg",
        lambda c: reverse("inquiries:monthly_report") + f"?unit={c.org.unit.pk}&month=2025-03",
        everyone(403, admin_user=200, bgvp=200, buvp=200, pr=200, outsider=404),
    ),
    Case(
        "inquiry-monthly-report-download-mfg",
        lambda c: reverse("inquiries:monthly_report") + f"?unit={c.org.unit.pk}&month=2025-03&download=1",
        everyone(403, admin_user=200, bgvp=200, buvp=200, pr=200, outsider=404),
    ),
    Case(
        "inquiry-classify-auto",
        lambda c: reverse("inquiries:classify", args=[c.auto_inquiry.pk]),
        everyone(404, admin_user=302, bgvp=403, buvp=302, segmgr=302, researcher=403, pr=403),
        method="post",
        data=lambda c: {"importance": "important"},
        setup=_setup,
        check=_unchanged_unless_allowed("replied_at"),
    ),
    Case(
        "inquiry-classify-foreign",
        lambda c: reverse("inquiries:classify", args=[c.foreign_inquiry.pk]),
        everyone(404, admin_user=302, outsider=302),
        method="post",
        data=lambda c: {"importance": "important"},
        setup=_setup,
    ),
    Case(
        "inquiry-follow-up-assigned",
        lambda c: reverse("inquiries:follow_up", args=[c.assigned.pk]),
        everyone(404, admin_user=302, am=302, bgvp=403, buvp=403, segmgr=403, researcher=403, pr=403),
        method="post",
        data=lambda c: {"feedback": "客户满意"},
        setup=_setup,
    ),
    Case(
        "inquiry-close-foreign",
        lambda c: reverse("inquiries:close", args=[c.foreign_inquiry.pk]),
        everyone(404, admin_user=302, outsider=302),
        method="post",
        setup=_setup,
    ),
    Case(
        "inquiry-close-auto",
        lambda c: reverse("inquiries:close", args=[c.auto_inquiry.pk]),
        everyone(404, admin_user=302, bgvp=403, buvp=302, segmgr=302, researcher=403, pr=403),
        method="post",
        setup=_setup,
        check=_unchanged_unless_allowed("closed_at"),
    ),
]
