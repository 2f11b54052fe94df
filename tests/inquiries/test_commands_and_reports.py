"""sla_sweep and inquiry_report commands (exit codes, --now, last lines), the daily and monthly
reports, tasks and the demo."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from inquiries.models import Inquiry
from inquiries.services import inquiries as services
from inquiries.services.reports import daily_report_send, daily_window, monthly_report_send
from prioritization.models import Notification
from tests.inquiries.conftest import T0

pytestmark = pytest.mark.django_db


def last_line(capsys):
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_sla_sweep_with_now_sends_once_and_prints_the_summary(org, pr, segmgr, log, capsys):
    log(pr, complete=False)
    call_command("sla_sweep", "--now", (T0 + timedelta(minutes=21)).isoformat())
    assert last_line(capsys) == "reminders=1 escalations=0"
    call_command("sla_sweep", "--now", (T0 + timedelta(minutes=21)).isoformat())
    assert last_line(capsys) == "reminders=0 escalations=0"
    call_command("sla_sweep", "--now", "2025-03-12T10:31:00")  # naive: in TIME_ZONE
    assert last_line(capsys) == "reminders=0 escalations=1"


def test_sla_sweep_rejects_a_bad_now_with_exit_code_2(db):
    with pytest.raises(CommandError) as error:
        call_command("sla_sweep", "--now", "yesterday")
    assert error.value.returncode == 2


def test_inquiry_report_writes_the_workbook_with_text_never_formulas(
    org, pr, segmgr, buvp, log, tmp_path, capsys
):
    log(pr, company_name='=HYPERLINK("http://x")')
    log(pr, company_name="普通公司", segment=org.elec)
    inquiry = log(pr, company_name="已答复公司")
    services.inquiry_decide(
        actor=segmgr, inquiry=inquiry, importance="important", reply="x", decision="no_resources",
        now=T0 + timedelta(hours=5),
    )  # fmt: skip
    out = tmp_path / "report.xlsx"
    call_command("inquiry_report", str(out), "--bu", "MFG", "--month", "2025-03", "--as", "buvp")
    assert last_line(capsys) == "inquiries=3"
    wb = load_workbook(out)
    assert {
        "汇总",
        "按细分市场",
        "按查询类型",
        "按周",
        "答复时间分布",
        "决定与转化",
        "按人员",
        "明细",
    } <= set(wb.sheetnames)
    detail = wb["明细"]
    names = {detail.cell(row, 3).value: detail.cell(row, 3).data_type for row in range(2, detail.max_row + 1)}
    assert names['=HYPERLINK("http://x")'] == "s"
    response = {row[0].value: row[1].value for row in wb["答复时间分布"].iter_rows(min_row=2)}
    assert response["4–8h"] == 1


def test_inquiry_report_counts_only_the_month(org, pr, log, tmp_path, capsys, admin_user):
    log(pr)
    log(pr, call_at=T0 - timedelta(days=30), company_name="二月")
    call_command("inquiry_report", str(tmp_path / "r.xlsx"), "--bu", "MFG", "--month", "2025-02")
    assert last_line(capsys) == "inquiries=1"


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (["--bu", "NOPE", "--month", "2025-03"], "unknown BU"),
        (["--bu", "MFG", "--month", "2025-13"], "bad month"),
        (["--bu", "MFG", "--month", "2025-03", "--as", "ghost"], "unknown user"),
        (["--bu", "MFG", "--month", "2025-03", "--as", "segmgr"], "not allowed"),
    ],
)
def test_inquiry_report_unusable_invocations_exit_2(org, segmgr, admin_user, tmp_path, args, why):
    with pytest.raises(CommandError) as error:
        call_command("inquiry_report", str(tmp_path / "r.xlsx"), *args)
    assert error.value.returncode == 2, why
    assert not (tmp_path / "r.xlsx").exists()


def test_inquiry_report_refuses_a_non_xlsx_target(org, admin_user, tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("inquiry_report", str(tmp_path / "r.csv"), "--bu", "MFG", "--month", "2025-03")
    assert error.value.returncode == 2


def test_daily_report_covers_the_24_hours_before_8_and_is_sent_once(org, pr, segmgr, buvp, log):
    log(pr, call_at=T0, company_name="昨天上午")  # Wednesday 10:00
    log(pr, call_at=T0 + timedelta(hours=23), company_name="今早九点")  # Thursday 09:00: next report
    log(pr, call_at=T0, company_name="电子", segment=org.elec)
    thursday_9 = T0 + timedelta(hours=23)
    start, end = daily_window(thursday_9)
    assert (start, end) == (T0 - timedelta(hours=2), T0 + timedelta(hours=22))
    assert daily_report_send(now=thursday_9) == 2  # AUTO → segmgr, ELEC → the BU VP (no manager)
    assert daily_report_send(now=thursday_9 + timedelta(hours=1)) == 0
    report = Notification.objects.get(recipient=segmgr, key__startswith="inquiry-daily:")
    assert "昨天上午" in report.body
    assert "今早九点" not in report.body
    assert Notification.objects.filter(recipient=buvp, key__startswith="inquiry-daily:").count() == 1


def test_monthly_report_goes_to_the_bu_vp_on_the_first_once(org, pr, buvp, log):
    log(pr)
    april_first = T0.replace(month=4, day=1, hour=8)
    assert monthly_report_send(now=april_first) == 1
    assert monthly_report_send(now=april_first + timedelta(hours=5)) == 0
    note = Notification.objects.get(recipient=buvp, key__startswith="inquiry-monthly:")
    assert "month=2025-03" in note.url


def test_beat_tasks_run_the_services(org, pr, segmgr, log):
    from inquiries import tasks

    log(pr, complete=False)
    with time_machine.travel(T0 + timedelta(minutes=21), tick=False):
        assert tasks.sla_sweep.delay().get() == {"reminders": 1, "escalations": 0}
        assert tasks.sla_sweep.delay().get() == {"reminders": 0, "escalations": 0}


def test_beat_schedule_has_the_sweep_every_minute():
    from django.conf import settings

    entries = {e["task"]: e for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert entries["inquiries.sla_sweep"]["schedule"] == 60.0
    assert "inquiries.daily_report" in entries
    assert "inquiries.monthly_report" in entries


def test_demo_inquiries_are_idempotent(db):
    from prioritization.services.demo import demo_load

    demo_load()
    count = Inquiry.objects.count()
    demo_load()
    assert count == Inquiry.objects.count() >= 4
