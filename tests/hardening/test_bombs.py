"""XML and zip bombs: a billion-laughs workbook and zip bombs (real and lying about their size) are
refused within 5 s, with peak memory under 200 MB, and change no row — for the customer import
(service and browser upload), the score-sheet import (command and page) and the criteria-version
import. Peak memory is measured in a fresh interpreter (ru_maxrss) running the parsing layer."""

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from criteria.excel import CRITERIA_SHEET
from criteria.services.versions import version_activate, version_create
from prioritization.models import Scorecard
from prospects.excel.reader import WorkbookError
from prospects.models import Customer, CustomerFinancials, ListEntry
from prospects.services.imports import customers_import
from tests.hardening import bombs
from tests.prospects.workbooks import HEADERS_2001

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("_parse_probe.py")
KINDS = ["billion_laughs", "inflating_bomb", "declared_bomb", "far_cell"]
SCORE_HEADERS = ["客户编号", "公司名称", "财务业绩", "IT支出"]
CRITERIA_HEADERS = ["维度", "名称", "权重(%)"]
LIMIT_SECONDS, LIMIT_MB = 5.0, 200


def bomb(kind, headers=HEADERS_2001, sheet="客户基本信息表") -> bytes:
    return getattr(bombs, kind)(headers, [["", "甲公司", "AUTO"]], sheet)


def snapshot():
    return (
        list(Customer.objects.order_by("pk").values_list("pk", "version", "name")),
        CustomerFinancials.objects.count(),
        ListEntry.objects.count(),
        Scorecard.objects.count(),
    )


def test_openpyxl_runs_with_defusedxml_in_the_web_process():
    assert openpyxl.xml.DEFUSEDXML is True
    # The web process as gunicorn starts it: the WSGI application module, fresh interpreter.
    code = "import prioritization.wsgi, openpyxl.xml as x; print(x.DEFUSEDXML)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "True", out.stderr


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "target,headers,sheet",
    [
        ("customers", HEADERS_2001, "客户基本信息表"),
        ("scoresheet", SCORE_HEADERS, "评分表"),
        ("criteria", CRITERIA_HEADERS, CRITERIA_SHEET),
    ],
)
def test_parsing_a_bomb_is_refused_fast_in_bounded_memory(tmp_path, kind, target, headers, sheet):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb(kind, headers, sheet))
    out = subprocess.run(
        [sys.executable, str(PROBE), target, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{target} {kind}: {figures}")
    expected = {"customers": "WorkbookError", "scoresheet": "UnusableFile", "criteria": "WorkbookUnusable"}
    assert figures["error"] == expected[target], figures
    assert figures["seconds"] < LIMIT_SECONDS, figures
    assert figures["peak_mb"] < LIMIT_MB, figures


@pytest.mark.parametrize("kind", KINDS)
def test_customer_import_service_refuses_a_bomb_and_writes_nothing(
    org, researcher, customers, tmp_path, kind
):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb(kind))
    before = snapshot()
    for options in ({"dry_run": True}, {}, {"partial": True}):
        started = time.process_time()
        with pytest.raises(WorkbookError):
            customers_import(
                actor=researcher, path=path, unit=org.unit, segment=org.auto, year=2002, **options
            )
        assert time.process_time() - started < LIMIT_SECONDS
    assert snapshot() == before


@pytest.mark.parametrize("kind", KINDS)
def test_browser_upload_of_a_bomb_shows_the_problem_and_writes_nothing(
    as_user, org, researcher, customers, kind
):
    client = as_user(researcher)
    before = snapshot()
    started = time.process_time()
    response = client.post(
        reverse("prospects:import_upload"),
        {"unit": org.unit.pk, "segment": org.auto.pk, "year": 2002,
         "file": SimpleUploadedFile("bomb.xlsx", bomb(kind))},
    )  # fmt: skip
    assert response.status_code in (200, 302, 400)
    if response.status_code == 302:  # stored; the preview runs the dry run and shows the problem
        preview = client.get(response["Location"])
        assert preview.status_code == 200
        assert preview.context["problem"] and preview.context["result"] is None
        applied = client.post(response["Location"].rstrip("/") + "/apply/", {"mode": "partial"})
        assert applied.status_code == 302
    assert time.process_time() - started < 3 * LIMIT_SECONDS
    assert snapshot() == before


@pytest.fixture
def scoring_year(org, admin_user, customers):
    version = version_activate(
        actor=admin_user, version=version_create(actor=admin_user, unit=org.unit, year=2025)
    )
    for customer in (customers.owned, customers.auto, customers.elec):
        ListEntry.objects.get_or_create(customer=customer, year=2025)
    return version


@pytest.mark.parametrize("kind", KINDS)
def test_score_sheet_import_refuses_a_bomb(as_user, org, segmgr, scoring_year, tmp_path, kind):
    data = bomb(kind, SCORE_HEADERS, "评分表")
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data)
    before = snapshot()
    started = time.process_time()
    with pytest.raises(CommandError) as exit_info:
        call_command("import_scores", str(path), "--bu", "MFG", "--year", "2025", "--evaluator", "segmgr",
                     "--partial", stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert exit_info.value.returncode == 2
    assert time.process_time() - started < LIMIT_SECONDS
    response = as_user(segmgr).post(
        reverse("prioritization:scoresheet_import") + "?unit=MFG&year=2025",
        {"file": SimpleUploadedFile("bomb.xlsx", data), "apply": "1", "partial": "1"},
    )
    assert response.status_code in (200, 400)
    assert response.context["error"]
    assert snapshot() == before


@pytest.mark.parametrize("kind", KINDS)
def test_criteria_version_import_refuses_a_bomb(as_user, org, buvp, kind):
    draft = version_create(actor=buvp, unit=org.unit, year=2002)
    criteria = list(draft.criteria.order_by("pk").values_list("pk", "name", "weight", "guidance"))
    started = time.process_time()
    response = as_user(buvp).post(
        reverse("criteria:version_import", args=[draft.pk]),
        {"file": SimpleUploadedFile("v.xlsx", bomb(kind, CRITERIA_HEADERS, CRITERIA_SHEET))},
    )
    assert time.process_time() - started < LIMIT_SECONDS
    assert response.status_code == 400
    assert response.context["errors"]
    assert list(draft.criteria.order_by("pk").values_list("pk", "name", "weight", "guidance")) == criteria
