"""Large workbooks (more rows than WORKBOOK_SYNC_MAX_ROWS) run as background jobs: the browser is
sent to a progress page that reaches "done" (Celery runs eagerly in tests), then offers the counts and
the file — the rejected rows of an import, the workbook of an export — to the job's owner only."""

import io

import pytest
from openpyxl import load_workbook

from prospects.excel.columns import SHEET_NAME
from prospects.models import Customer, ListEntry, WorkbookJob
from tests.factories import CustomerFactory
from tests.prospects.workbooks import row, workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def small_sync_limit(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WORKBOOK_SYNC_MAX_ROWS = 3


def _upload(page, path, org):
    page.goto("/customers/import/")
    page.select_option("select[name=unit]", str(org.unit.pk))
    page.select_option("select[name=segment]", str(org.auto.pk))
    page.fill("input[name=year]", "2002")
    page.set_input_files("input[name=file]", str(path))
    page.click("[data-testid=upload-submit]")
    page.wait_for_selector("[data-testid=preview-summary]")


def _downloaded(download):
    with open(download.value.path(), "rb") as handle:  # Playwright's file has no .xlsx suffix
        return load_workbook(io.BytesIO(handle.read()))[SHEET_NAME]


def _wait_until_done(page):
    page.wait_for_url("**/customers/jobs/*/")
    page.wait_for_selector("[data-testid=job-download], [data-testid=job-counts]")
    assert page.inner_text("[data-testid=job-state]") == "已完成"


def test_large_import_previews_then_runs_in_the_background(
    page_for, login, org, researcher, small_sync_limit, tmp_path
):
    names = [f"后台公司{i}" for i in range(5)]
    path = workbook(tmp_path / "big.xlsx", [row(name, revenue=1000 + i) for i, name in enumerate(names)])
    page = page_for()
    login(page, "researcher")
    _upload(page, path, org)
    assert page.inner_text("[data-testid=count-new]") == "5"
    assert not Customer.objects.exists()  # the preview wrote nothing
    page.click("[data-testid=confirm-import]")
    _wait_until_done(page)
    assert "新增 5" in page.inner_text("[data-testid=job-counts]")
    assert page.locator("[data-testid=job-download]").count() == 0  # nothing rejected
    assert page.locator(".progress-bar").inner_text() == "100%"
    assert set(Customer.objects.values_list("name", flat=True)) == set(names)
    assert ListEntry.objects.filter(year=2002).count() == 5
    job = WorkbookJob.objects.get()
    assert (job.kind, job.status, job.user, job.done, job.total) == ("import", "done", researcher, 5, 5)


def test_large_partial_import_offers_the_rejected_rows_to_its_owner_only(
    page_for, login, org, researcher, buvp, small_sync_limit, tmp_path
):
    rows = [row(f"好公司{i}") for i in range(4)] + [row("坏公司", revenue="1.234")]
    page = page_for()
    login(page, "researcher")
    _upload(page, workbook(tmp_path / "mixed.xlsx", rows), org)
    assert page.locator("[data-testid=outcome-error]").count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=apply-valid]")
    _wait_until_done(page)
    assert "新增 4" in page.inner_text("[data-testid=job-counts]")
    assert "出错 1" in page.inner_text("[data-testid=job-counts]")
    with page.expect_download() as download:
        page.click("[data-testid=job-download]")
    rejected = _downloaded(download)
    data = [r for r in rejected.iter_rows(min_row=2, values_only=True) if any(r)]
    assert len(data) == 1 and data[0][1] == "坏公司" and "第 6 行" in data[0][-1]
    assert Customer.objects.count() == 4
    job_url = page.url
    other = page_for()
    login(other, "buvp")
    response = other.goto(job_url)
    assert response.status == 404
    assert other.goto(job_url + "download.xlsx").status == 404


def test_large_export_becomes_a_job_with_a_download_link(page_for, login, org, researcher, small_sync_limit):
    for i in range(5):
        ListEntry.objects.create(customer=CustomerFactory(segment=org.auto, name=f"导出公司{i}"), year=2002)
    page = page_for()
    login(page, "researcher")
    page.goto("/customers/?year=2002")
    page.click("[data-testid=export-link]")
    _wait_until_done(page)
    assert "已导出 5 个客户" in page.inner_text("[data-testid=job-counts]")
    with page.expect_download() as download:
        page.click("[data-testid=job-download]")
    assert download.value.suggested_filename == "客户基本信息表-MFG-2002.xlsx"
    sheet = _downloaded(download)
    assert {r[1] for r in sheet.iter_rows(min_row=2, values_only=True)} == {f"导出公司{i}" for i in range(5)}
