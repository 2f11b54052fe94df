"""import_customers / export_customers: arguments, exit codes, last line."""

import pytest
from django.core.management import call_command

from prospects.models import Customer
from tests.prospects.workbooks import row, workbook


def call(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue().strip().splitlines()[-1], err.getvalue()


@pytest.fixture
def good(tmp_path):
    return str(workbook(tmp_path / "good.xlsx", [row("上海大众", revenue=100), row("华为", segment="ELEC")]))


@pytest.fixture
def bad(tmp_path):
    return str(workbook(tmp_path / "bad.xlsx", [row("上海大众"), row("坏", attitude="很高")]))


def test_import_ok_then_unchanged(org, admin_user, good):
    assert call("import_customers", good, "--bu", "MFG", "--segment", "AUTO", "--year", "2002")[:2] == (
        0, "created=2 updated=0 unchanged=0 errors=0")  # fmt: skip
    assert call("import_customers", good, "--bu", "MFG", "--segment", "AUTO", "--year", "2002")[:2] == (
        0, "created=0 updated=0 unchanged=2 errors=0")  # fmt: skip


def test_dry_run_writes_nothing(org, admin_user, good):
    code, last, err = call(
        "import_customers", good, "--bu", "MFG", "--segment", "AUTO", "--year", "2002", "--dry-run"
    )
    assert (code, last) == (0, "created=2 updated=0 unchanged=0 errors=0")
    assert "dry run" in err and not Customer.objects.exists()


def test_invalid_rows_exit_1_and_write_nothing_unless_partial(org, admin_user, bad, tmp_path):
    code, last, err = call("import_customers", bad, "--bu", "MFG", "--segment", "AUTO", "--year", "2002")
    assert (code, last) == (1, "created=1 updated=0 unchanged=0 errors=1")
    assert "row 3" in err and not Customer.objects.exists()
    out = tmp_path / "rejected.xlsx"
    code, last, _ = call("import_customers", bad, "--bu", "MFG", "--segment", "AUTO", "--year", "2002", "--partial",
                         "--errors-out", str(out))  # fmt: skip
    assert (code, last) == (1, "created=1 updated=0 unchanged=0 errors=1")
    assert Customer.objects.count() == 1 and out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["missing.xlsx", "--bu", "MFG", "--year", "2002"],
        ["{good}", "--bu", "NOPE", "--year", "2002"],
        ["{good}", "--bu", "MFG", "--segment", "NOPE", "--year", "2002"],
        ["{good}", "--bu", "MFG", "--year", "2002", "--as", "ghost"],
        ["{good}", "--bu", "OTHBU", "--year", "2002", "--as", "researcher"],
        ["{notxlsx}", "--bu", "MFG", "--year", "2002"],
        ["{noheader}", "--bu", "MFG", "--year", "2002"],
    ],
)
def test_unusable_invocations_exit_2(org, admin_user, researcher, good, tmp_path, args):
    notxlsx = tmp_path / "x.xlsx"
    notxlsx.write_text("a,b")
    noheader = workbook(tmp_path / "n.xlsx", [["x"]], headers=["名称"])
    args = [a.format(good=good, notxlsx=notxlsx, noheader=noheader) for a in args]
    code, last, err = call("import_customers", *args)
    assert (code, last) == (2, "created=0 updated=0 unchanged=0 errors=0")
    assert err


def test_export_round_trip_and_scope(org, admin_user, segmgr, good, tmp_path):
    call("import_customers", good, "--bu", "MFG", "--segment", "AUTO", "--year", "2002")
    out = tmp_path / "out.xlsx"
    assert call("export_customers", str(out), "--bu", "MFG", "--year", "2002")[:2] == (0, "exported=2")
    assert call("import_customers", str(out), "--bu", "MFG", "--year", "2002")[:2] == (
        0, "created=0 updated=0 unchanged=2 errors=0")  # fmt: skip
    assert call("export_customers", str(out), "--bu", "MFG", "--year", "2002", "--as", "segmgr")[:2] == (
        0,
        "exported=1",
    )
    assert call("export_customers", str(out), "--bu", "MFG", "--segment", "ELEC", "--year", "2002")[:2] == (
        0,
        "exported=1",
    )
    assert call("export_customers", str(out), "--bu", "NOPE", "--year", "2002")[:2] == (2, "exported=0")
