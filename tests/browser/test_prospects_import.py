"""A researcher uploads a basic-info workbook, sees the preview per row, confirms, and finds the
customers in the list; a file with an invalid row is applied partially and the rejects downloaded."""

import pytest

from prospects.models import Customer, ListEntry
from tests.prospects.workbooks import row, workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(page, path, org):
    page.goto("/customers/import/")
    page.select_option("select[name=unit]", str(org.unit.pk))
    page.select_option("select[name=segment]", str(org.auto.pk))
    page.fill("input[name=year]", "2002")
    page.set_input_files("input[name=file]", str(path))
    page.click("[data-testid=upload-submit]")
    page.wait_for_selector("[data-testid=preview-summary]")


def test_upload_preview_confirm(page_for, login, org, researcher, media, tmp_path):
    path = workbook(tmp_path / "list.xlsx", [row("上海大众", revenue="12,000,000"), row("中国一汽", revenue=30000000)],
                    title_rows=[["2002 年汽车制造业初步名单"]])  # fmt: skip
    page = page_for()
    login(page, "researcher")
    _upload(page, path, org)
    assert page.inner_text("[data-testid=count-new]") == "2"
    assert page.locator("[data-testid=outcome-new]").count() == 2
    assert not Customer.objects.exists()  # the preview wrote nothing
    page.click("[data-testid=confirm-import]")
    page.wait_for_selector("[data-testid=import-done]")
    assert set(Customer.objects.values_list("name", flat=True)) == {"上海大众", "中国一汽"}
    assert ListEntry.objects.filter(year=2002).count() == 2
    page.goto("/customers/")
    assert page.locator("[data-testid=customer-row]").count() == 2


def test_invalid_row_is_shown_with_row_column_and_reason_then_partial_apply(page_for, login, org, researcher, media, tmp_path):
    path = workbook(tmp_path / "bad.xlsx", [row("上海大众"), row("坏公司", revenue="1.234")])
    page = page_for()
    login(page, "researcher")
    _upload(page, path, org)
    error = page.locator("[data-testid=outcome-error]")
    assert error.count() == 1
    text = error.inner_text()
    assert "3" in text and "公司营业额(2001)" in text and "歧义" in text
    assert page.locator("[data-testid=confirm-import]").count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=apply-valid]")
    page.wait_for_selector("[data-testid=import-done]")
    assert list(Customer.objects.values_list("name", flat=True)) == ["上海大众"]
    with page.expect_download() as download:
        page.click("[data-testid=download-rejected]")
    assert download.value.suggested_filename.endswith(".xlsx")
