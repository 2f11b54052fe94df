"""The import and export services against the database."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from prospects.excel.reader import WorkbookError
from prospects.models import Customer, CustomerFinancials, ListEntry, SegmentClaim
from prospects.services.customers import customer_create
from prospects.services.exports import customers_export, rejected_rows_write
from prospects.services.imports import customers_import
from tests.factories import CustomerFactory
from tests.prospects.workbooks import row, workbook


def run(actor, path, org, segment="auto", **kw):
    return customers_import(actor=actor, path=path, unit=org.unit, segment=getattr(org, segment) if segment else None,
                            year=2002, **kw)  # fmt: skip


def test_import_creates_customers_on_the_years_list_with_figures_and_source(org, researcher, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [
        row("上海大众", revenue="12,000,000", it_spend=36000, purchases=2200, attitude="高", ownership="合资",
            location="上海", source="公司网站"),
        row("一汽金杯", revenue=9000, segment="ELEC"),
    ])  # fmt: skip
    result = run(researcher, path, org)
    assert result.summary == "created=2 updated=0 unchanged=0 errors=0"
    vw = Customer.objects.get(name="上海大众")
    assert (vw.number, vw.segment, vw.size_class, vw.source, vw.attitude) == (
        "MFG-00001",
        org.auto,
        "large",
        "公司网站",
        "high",
    )
    assert Customer.objects.get(name="一汽金杯").segment == org.elec
    assert Customer.objects.get(name="一汽金杯").size_class == "small"
    figures = CustomerFinancials.objects.get(customer=vw, year=2001)
    assert (figures.revenue, figures.it_spend, figures.purchases_from_us) == (
        Decimal(12000000),
        Decimal(36000),
        Decimal(2200),
    )
    assert set(ListEntry.objects.filter(year=2002).values_list("customer__name", flat=True)) == {
        "上海大众",
        "一汽金杯",
    }
    assert vw.completeness > 0 and vw.history.count() == 1
    created = vw.history.get()
    assert (created.history_type, created.history_user, created.name, created.number, created.location) == (
        "+",
        researcher,
        "上海大众",
        "MFG-00001",
        "上海",
    )


def test_reimporting_the_same_file_never_duplicates(org, researcher, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [row("上海大众", revenue=100), row("中国一汽")])
    run(researcher, path, org)
    again = run(researcher, path, org)
    assert again.summary == "created=0 updated=0 unchanged=2 errors=0"
    assert Customer.objects.count() == 2


def test_update_by_name_reports_changed_fields_and_bumps_version(org, researcher, tmp_path):
    customer = customer_create(
        actor=researcher, unit=org.unit, segment=org.auto, name="上海大众", location="上海"
    )
    path = workbook(tmp_path / "a.xlsx", [row(" 上海　大众", location="安亭", revenue=500)])
    result = run(researcher, path, org, dry_run=True)
    outcome = result.outcomes[0]
    assert (outcome.status, outcome.changes) == ("update", ["公司地点", "规模", "公司营业额(2001)"])
    customer.refresh_from_db()
    assert customer.location == "上海"  # dry run wrote nothing
    result = run(researcher, path, org)
    customer.refresh_from_db()
    assert (result.updated, customer.location, customer.version) == (1, "安亭", 2)
    newest = customer.history.order_by("-history_id").first()
    assert (newest.history_type, newest.location, newest.version, newest.history_user) == (
        "~",
        "安亭",
        2,
        researcher,
    )
    assert customer.history.count() == 2  # created by the form, changed by the import


def test_match_by_number_renames_and_unknown_number_is_an_error(org, researcher, tmp_path):
    customer = customer_create(actor=researcher, unit=org.unit, segment=org.auto, name="上海大众")
    path = workbook(
        tmp_path / "a.xlsx", [row("上汽大众", number=customer.number), row("X", number="MFG-99999")]
    )
    result = run(researcher, path, org, partial=True)
    assert result.summary == "created=0 updated=1 unchanged=0 errors=1"
    customer.refresh_from_db()
    assert customer.name == "上汽大众"
    assert result.rejected[0][0] == 3 and "MFG-99999" in result.rejected[0][2]


def test_a_later_row_matching_the_same_customer_names_the_earlier_row(org, researcher, tmp_path):
    existing = customer_create(actor=researcher, unit=org.unit, segment=org.auto, name="上海大众")
    path = workbook(tmp_path / "a.xlsx", [
        row("中国一汽"), row("上海大众"), row("中国 一汽"), row("别名", number=existing.number),
    ])  # fmt: skip
    result = run(researcher, path, org)
    assert result.errors == 2
    errors = {o.row: o.errors for o in result.outcomes if o.status == "error"}
    assert "第 2 行" in errors[4][0][1]
    assert "第 3 行" in errors[5][0][1]
    assert not Customer.objects.filter(name="中国一汽").exists()  # all or nothing


def test_all_or_nothing_unless_partial(org, researcher, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [row("好公司"), row("坏公司", revenue="1.234")])
    result = run(researcher, path, org)
    assert (result.applied, result.errors, Customer.objects.count()) == (False, 1, 0)
    result = run(researcher, path, org, partial=True)
    assert (result.applied, result.created, Customer.objects.count()) == (True, 1, 1)
    out = tmp_path / "rejected.xlsx"
    rejected_rows_write(target=out, result=result, unit=org.unit)
    sheet = load_workbook(out)["客户基本信息表"]
    values = [c.value for c in sheet[2]]
    assert values[1] == "坏公司" and values[4] == "1.234"
    assert "第 3 行" in values[-1] and "歧义" in values[-1]
    assert sheet.cell(row=1, column=17).value == "错误原因"


def test_errors_are_found_across_chunks_and_nothing_is_written(org, researcher, tmp_path, monkeypatch):
    monkeypatch.setattr("prospects.services.imports.CHUNK", 3)
    rows = [row(f"公司{i}") for i in range(10)] + [row("公司3")]
    result = run(researcher, workbook(tmp_path / "a.xlsx", rows), org)
    assert result.errors == 1 and "第 5 行" in result.rejected[0][2]
    assert Customer.objects.count() == 0


def test_import_outside_scope_is_refused(org, segmgr, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [row("华为")])
    with pytest.raises(PermissionDenied):
        run(segmgr, path, org, segment="elec")
    with pytest.raises(PermissionDenied):
        customers_import(actor=segmgr, path=path, unit=org.other_unit, year=2002)


def test_segment_manager_rows_naming_another_segment_are_errors(org, segmgr, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [row("华为", segment="ELEC"), row("上海大众")])
    result = run(segmgr, path, org, partial=True)
    assert (result.created, result.errors) == (1, 1)
    assert "无权" in result.rejected[0][2]


def test_customer_of_another_segment_is_recorded_as_an_overlap_claim(org, segmgr, tmp_path):
    other = CustomerFactory(unit=org.unit, segment=org.elec, name="华为", location="深圳")
    path = workbook(tmp_path / "a.xlsx", [row("华为", location="北京")])
    result = run(segmgr, path, org)
    assert result.summary == "created=0 updated=0 unchanged=1 errors=0"
    assert "重叠" in result.outcomes[0].warnings[0]
    other.refresh_from_db()
    assert other.location == "深圳"  # not changed by someone outside its segment
    assert SegmentClaim.objects.filter(customer=other, segment=org.auto, year=2002).exists()
    assert ListEntry.objects.filter(customer=other, year=2002).exists()


def test_header_year_differing_is_warned_and_stored_for_that_year(org, researcher, tmp_path):
    headers = ["公司名称", "公司营业额(1999)", "备注"]
    path = workbook(tmp_path / "a.xlsx", [["上海大众", 500, "x"]], headers=headers)
    result = run(researcher, path, org)
    assert any("1999" in w for w in result.warnings)
    assert any("备注" in w for w in result.warnings)
    assert CustomerFinancials.objects.get(customer__name="上海大众").year == 1999


def test_unusable_file_raises_workbook_error(org, researcher, tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(WorkbookError):
        run(researcher, path, org)


def test_export_then_import_changes_nothing(org, researcher, tmp_path):
    path = workbook(tmp_path / "a.xlsx", [
        row("上海大众", revenue="12,000,000.5", it_spend=36000, purchases=0, attitude="高", ownership="合资",
            location="上海", competitors="=IBM+HP", rank=3, employees=5000, disclosures="@新工厂", it_staff=40,
            source="-年鉴"),
        row("华为", segment="ELEC", size="中型"),
    ])  # fmt: skip
    run(researcher, path, org)
    out = tmp_path / "export.xlsx"
    assert customers_export(actor=researcher, target=out, unit=org.unit, year=2002) == 2
    again = run(researcher, out, org, segment=None)
    assert again.summary == "created=0 updated=0 unchanged=2 errors=0", again.outcomes
    assert Customer.objects.get(name="上海大众").competitors == "=IBM+HP"


def test_export_only_covers_the_users_scope(org, segmgr, researcher, tmp_path):
    for name, segment in (("上海大众", "AUTO"), ("华为", "ELEC")):
        run(researcher, workbook(tmp_path / f"{name}.xlsx", [row(name, segment=segment)]), org, segment=None)
    out = tmp_path / "export.xlsx"
    assert customers_export(actor=segmgr, target=out, unit=org.unit, year=2002) == 1
    assert load_workbook(out)["客户基本信息表"].cell(row=2, column=2).value == "上海大众"


def test_a_large_import_refreshes_the_planner_statistics_after_commit(
    org, researcher, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import connection

    from prospects.services import imports

    monkeypatch.setattr(imports, "ANALYZE_AFTER_ROWS", 2)
    with django_capture_on_commit_callbacks() as small:
        run(researcher, workbook(tmp_path / "one.xlsx", [row("上海大众")]), org)
    assert imports._refresh_statistics not in small  # under the threshold: autovacuum's business
    path = workbook(tmp_path / "two.xlsx", [row("中国一汽"), row("东风汽车"), row("长安汽车")])
    with django_capture_on_commit_callbacks(execute=True) as large:
        run(researcher, path, org)
    assert large.count(imports._refresh_statistics) == 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'prospects_customer'")
            assert cursor.fetchone()[0] >= 4  # analysed, this transaction's rows counted
