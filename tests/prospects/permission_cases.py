"""Prospects pages and actions × every role × objects in and out of scope.

Access decisions (documented): everyone of a BU sees its customers; segment managers see and change
their segments; account managers read their segment's customers (its lists) read-only and change
only the customers they own (access.py's SEGMENT_READABLE_BY_ACCOUNT_MANAGERS); the PR owner reads the BU; the BG VP reads the whole BG. Editing, verifying,
contacts and figures need CHANGE; adding and importing need IMPORT (researchers, segment managers,
BU VP). Out of scope is 404, visible but not allowed is 403."""

import tempfile

from django.urls import reverse

from prospects.models import Contact, Customer, WorkbookJob, WorkbookUpload
from tests.permissions import Case, everyone

AUTO_VIEWERS = {
    "admin_user": 200, "bgvp": 200, "buvp": 200, "segmgr": 200, "am": 200, "researcher": 200, "pr": 200,
}  # fmt: skip
AUTO_CHANGE = everyone(404, admin_user=200, bgvp=403, buvp=200, segmgr=200, am=403, researcher=200, pr=403)
IMPORTERS = {"admin_user": 200, "buvp": 200, "segmgr": 200, "researcher": 200}


def _unchanged(attr):
    def check(ctx, response, role):
        customer = getattr(ctx.customers, attr)
        if response.status_code != 302:
            assert Customer.objects.get(pk=customer.pk).last_verified_at == customer.last_verified_at

    return check


def _contacts(ctx):
    ctx.auto_contact = Contact.objects.create(customer=ctx.customers.auto, name="张工")
    ctx.foreign_contact = Contact.objects.create(customer=ctx.customers.foreign, name="外部联系人")


def _others_upload(ctx):
    """An upload of the outsider's: its token is nobody else's (found by token AND uploader)."""
    ctx.upload = WorkbookUpload.objects.create(
        token="someone-elses-token", uploaded_by=ctx.outsider, unit=ctx.org.other_unit, year=2002,
        original_name="a.xlsx", path="/nonexistent/a.xlsx",
    )  # fmt: skip


def _researchers_job(ctx):
    """A finished export job of the researcher's (MFG), with its file: only the researcher sees it."""
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as handle:
        handle.write(b"PK")
    ctx.job = WorkbookJob.objects.create(
        kind="export", user=ctx.researcher, unit=ctx.org.unit, year=2002, status="done", done=1, total=1,
        result={"rows": 1}, output_path=handle.name,
    )  # fmt: skip


def _contact_kept(ctx, response, role):
    if response.status_code in (403, 404):
        assert Contact.objects.filter(pk=ctx.auto_contact.pk).exists()


CASES = [
    Case("customer-list", lambda c: reverse("prospects:customer_list"), everyone(200)),
    Case(
        "customer-detail-auto",
        lambda c: reverse("prospects:customer_detail", args=[c.customers.auto.pk]),
        everyone(404, **AUTO_VIEWERS),
    ),
    Case(
        "customer-detail-owned-by-am",
        lambda c: reverse("prospects:customer_detail", args=[c.customers.owned.pk]),
        everyone(404, **AUTO_VIEWERS),
    ),
    Case(
        "customer-detail-elec",
        lambda c: reverse("prospects:customer_detail", args=[c.customers.elec.pk]),
        everyone(404, admin_user=200, bgvp=200, buvp=200, researcher=200, pr=200),
    ),
    Case(
        "customer-detail-foreign",
        lambda c: reverse("prospects:customer_detail", args=[c.customers.foreign.pk]),
        everyone(404, admin_user=200, outsider=200),
    ),
    Case(
        "customer-edit-auto",
        lambda c: reverse("prospects:customer_edit", args=[c.customers.auto.pk]),
        AUTO_CHANGE,
    ),
    Case(
        "customer-edit-owned",
        lambda c: reverse("prospects:customer_edit", args=[c.customers.owned.pk]),
        {**AUTO_CHANGE, "am": 200},
    ),
    Case(
        "customer-edit-foreign",
        lambda c: reverse("prospects:customer_edit", args=[c.customers.foreign.pk]),
        everyone(404, admin_user=200, outsider=200),
    ),
    Case(
        "customer-verify-auto",
        lambda c: reverse("prospects:customer_verify", args=[c.customers.auto.pk]),
        {k: (302 if v == 200 else v) for k, v in AUTO_CHANGE.items()},
        method="post",
        check=_unchanged("auto"),
    ),
    Case(
        "customer-financials-elec",
        lambda c: reverse("prospects:financials_edit", args=[c.customers.elec.pk]),
        everyone(404, admin_user=200, bgvp=403, buvp=200, researcher=200, pr=403),
    ),
    Case(
        "contact-add-foreign",
        lambda c: reverse("prospects:contact_add", args=[c.customers.foreign.pk]),
        everyone(404, admin_user=200, outsider=200),
    ),
    Case(
        "customer-add", lambda c: reverse("prospects:customer_add"), everyone(403, outsider=200, **IMPORTERS)
    ),
    Case(
        "import-upload",
        lambda c: reverse("prospects:import_upload"),
        everyone(403, outsider=200, **IMPORTERS),
    ),
    Case(
        "template-download",
        lambda c: reverse("prospects:template_download"),
        everyone(404, outsider=200, **IMPORTERS),
    ),
    Case(
        "export-download",
        lambda c: reverse("prospects:export_download"),
        everyone(200, nobody=404),  # each exports only what they may see (see test_views)
    ),
    Case("segment-progress", lambda c: reverse("prospects:segment_progress"), everyone(200, nobody=404)),
    Case(
        "import-preview-unknown-token",
        lambda c: reverse("prospects:import_preview", args=["nope"]),
        everyone(404),
    ),
    Case(
        "contact-edit-auto",
        lambda c: reverse("prospects:contact_edit", args=[c.customers.auto.pk, c.auto_contact.pk]),
        AUTO_CHANGE,
        setup=_contacts,
    ),
    Case(
        "contact-edit-foreign",
        lambda c: reverse("prospects:contact_edit", args=[c.customers.foreign.pk, c.foreign_contact.pk]),
        everyone(404, admin_user=200, outsider=200),
        setup=_contacts,
    ),
    Case(
        "contact-delete-auto",
        lambda c: reverse("prospects:contact_delete", args=[c.customers.auto.pk, c.auto_contact.pk]),
        {k: (302 if v == 200 else v) for k, v in AUTO_CHANGE.items()},
        method="post",
        setup=_contacts,
        check=_contact_kept,
    ),
    Case(
        "import-apply-someone-elses-upload",
        lambda c: reverse("prospects:import_apply", args=[c.upload.token]),
        everyone(404, outsider=302),
        method="post",
        setup=_others_upload,
    ),
    Case(
        "import-rejected-someone-elses-upload",
        lambda c: reverse("prospects:import_rejected", args=[c.upload.token]),
        everyone(404),
        setup=_others_upload,
    ),
    Case(
        "job-detail-researchers-job",
        lambda c: reverse("prospects:job_detail", args=[c.job.pk]),
        everyone(404, researcher=200),
        setup=_researchers_job,
    ),
    Case(
        "job-download-researchers-job",
        lambda c: reverse("prospects:job_download", args=[c.job.pk]),
        everyone(404, researcher=200),
        setup=_researchers_job,
    ),
    Case("job-detail-unknown", lambda c: reverse("prospects:job_detail", args=[999999]), everyone(404)),
]
