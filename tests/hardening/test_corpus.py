"""A generated corpus of broken basic-info workbooks through the customer import — the service
(dry run, apply, apply --partial) and the browser upload (upload → preview → apply). For every
file: either nothing is written or exactly the rows the dry run previewed as valid are; every error
names its Excel row and a column; nothing escapes as an exception or a 500."""

import time

import pytest
from django.db import transaction
from django.urls import reverse

from prospects.excel.columns import COLUMNS, normalize_header
from prospects.excel.reader import WorkbookError
from prospects.models import Customer, ListEntry
from prospects.services.imports import ERROR, NEW, UPDATE, customers_import
from tests.hardening.corpus import corpus

YEAR = 2002


@pytest.fixture
def files(customers):
    numbers = {}
    for key in ("auto", "elec", "foreign", "owned"):
        customer = getattr(customers, key)
        numbers[key], numbers[f"{key}_name"] = customer.number, customer.name
    return corpus(numbers)


def state():
    return {
        pk: (version, name) for pk, version, name in Customer.objects.values_list("pk", "version", "name")
    }


def check_errors_name_row_and_column(result, label):
    known = {normalize_header(h) for h in result.headers if h} | {normalize_header(c.header) for c in COLUMNS}
    for outcome in result.outcomes:
        if outcome.status != ERROR:
            continue
        assert isinstance(outcome.row, int) and outcome.row > result.header_row, (label, outcome)
        assert outcome.errors, (label, outcome)
        for column, message in outcome.errors:
            assert message, (label, outcome)
            assert normalize_header(column) in known or any(
                normalize_header(column).startswith(normalize_header(c.header.split("(")[0])) for c in COLUMNS
            ), (label, column)


def check_applied_exactly_the_preview(before, preview, result, label):
    after = state()
    created = {pk for pk in after if pk not in before}
    changed = {pk for pk in before if pk in after and after[pk] != before[pk]}
    assert set(before) <= set(after), label  # nothing deleted
    if not result.applied:
        assert not created and not changed, label
        return
    assert {after[pk][1] for pk in created} == {o.name for o in preview.outcomes if o.status == NEW}, label
    assert changed == {o.customer_id for o in preview.outcomes if o.status == UPDATE}, label
    assert (result.created, result.updated) == (preview.created, preview.updated), label
    valid_ids = {o.customer_id for o in result.outcomes if o.status != ERROR}
    assert set(ListEntry.objects.filter(year=YEAR).values_list("customer_id", flat=True)) <= valid_ids | set(
        ListEntry.objects.filter(year=YEAR, customer_id__in=before).values_list("customer_id", flat=True)
    ), label


def test_every_broken_workbook_through_the_import_service(org, researcher, segmgr, files, tmp_path):
    assert len(files) >= 200
    started, refused, partial_writes = time.monotonic(), 0, 0
    for index, (label, build) in enumerate(files):
        path = build(tmp_path / f"{index}.xlsx")
        actor, segment = (researcher, None) if index % 2 else (segmgr, org.auto)

        def run(actor=actor, path=path, segment=segment, **options):
            return customers_import(
                actor=actor, path=path, unit=org.unit, segment=segment, year=YEAR, **options
            )

        before = state()
        try:
            preview = run(dry_run=True)
        except WorkbookError as exc:
            assert str(exc), label
            refused += 1
            for options in ({}, {"partial": True}):
                with pytest.raises(WorkbookError):
                    run(**options)
            assert state() == before, label
            continue
        assert state() == before, label
        check_errors_name_row_and_column(preview, label)
        for options in ({}, {"partial": True}):
            with transaction.atomic():
                result = run(**options)
                assert result.applied == (not preview.errors or bool(options)), label
                check_errors_name_row_and_column(result, label)
                check_applied_exactly_the_preview(before, preview, result, label)
                partial_writes += bool(options and preview.errors and result.applied)
                transaction.set_rollback(True)
            assert state() == before, label
    print(f"{len(files)} files, {refused} refused as unusable, {partial_writes} partial applies, "
          f"{time.monotonic() - started:.1f} s")  # fmt: skip
    assert 0 < refused < len(files) and partial_writes > 0


def test_every_broken_workbook_through_the_browser_upload(
    as_user, org, researcher, files, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = as_user(researcher)
    for index, (label, build) in enumerate(files):
        path = build(tmp_path / f"{index}.xlsx")
        before = state()
        with transaction.atomic():
            with path.open("rb") as handle:
                response = client.post(reverse("prospects:import_upload"),
                                       {"unit": org.unit.pk, "segment": org.auto.pk, "year": YEAR, "file": handle})  # fmt: skip
            assert response.status_code == 302, (label, response.status_code)
            preview = client.get(response["Location"])
            assert preview.status_code == 200, label
            applied = client.post(
                response["Location"] + "apply/", {"mode": "partial" if index % 2 else "all"}
            )
            assert applied.status_code in (200, 302), (label, applied.status_code)
            if preview.context["result"] is None or applied.status_code == 302:
                assert state() == before, label
            transaction.set_rollback(True)
