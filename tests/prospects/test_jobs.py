"""Large workbook imports/exports run as background jobs (WorkbookJob): progress page, owner-only
download, the WORKBOOK_SYNC_MAX_ROWS threshold, idempotent task."""

from django.urls import reverse
from openpyxl import load_workbook

from prospects.models import Customer, WorkbookJob
from prospects.services.jobs import workbook_job_run
from tests.factories import CustomerFactory
from tests.prospects.workbooks import row, workbook


def _upload(client, org, path):
    with path.open("rb") as handle:
        response = client.post(reverse("prospects:import_upload"),
                               {"unit": org.unit.pk, "segment": org.auto.pk, "year": 2002, "file": handle})  # fmt: skip
    assert response.status_code == 302
    return response["Location"].rstrip("/").split("/")[-1]


def test_large_import_runs_as_a_job_with_progress_and_rejected_rows(
    as_user, researcher, buvp, org, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WORKBOOK_SYNC_MAX_ROWS = 3
    client = as_user(researcher)
    rows = [row(f"大客户{i}", revenue=100 + i) for i in range(5)] + [row("坏", ownership="国企")]
    token = _upload(client, org, workbook(tmp_path / "big.xlsx", rows))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("prospects:import_apply", args=[token]), {"mode": "partial"})
    job = WorkbookJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "prospects:job_detail", args=[job.pk]
    )
    assert job.kind == "import" and job.status == "done" and job.user == researcher
    assert job.result == {"created": 5, "updated": 0, "unchanged": 0, "errors": 1, "applied": True}
    assert Customer.objects.filter(name__startswith="大客户").count() == 5
    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and "100%" in body and "hx-get" not in body
    assert "新增 5，更新 0，未变化 0，出错 1。" in body
    download = client.get(reverse("prospects:job_download", args=[job.pk]))
    target = tmp_path / "r.xlsx"
    target.write_bytes(b"".join(download.streaming_content))
    assert load_workbook(target)["客户基本信息表"].cell(row=2, column=2).value == "坏"
    other = as_user(buvp)
    assert other.get(reverse("prospects:job_detail", args=[job.pk])).status_code == 404
    assert other.get(reverse("prospects:job_download", args=[job.pk])).status_code == 404


def test_small_import_stays_synchronous(as_user, researcher, org, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WORKBOOK_SYNC_MAX_ROWS = 3
    client = as_user(researcher)
    token = _upload(client, org, workbook(tmp_path / "small.xlsx", [row(f"小客户{i}") for i in range(3)]))
    response = client.post(reverse("prospects:import_apply", args=[token]), {"mode": "all"})
    assert response.status_code == 200 and response.context["result"].created == 3
    assert not WorkbookJob.objects.exists()


def test_large_export_runs_as_a_job_and_only_its_owner_downloads(
    as_user, researcher, buvp, org, customers, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WORKBOOK_SYNC_MAX_ROWS = 5
    for i in range(8):
        CustomerFactory(segment=org.auto, name=f"导出{i}")
    client = as_user(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("prospects:export_download"), {"segment": org.auto.pk})
    job = WorkbookJob.objects.get()
    assert response.status_code == 302 and job.kind == "export" and job.status == "done"
    assert job.result == {"rows": 10} and (job.done, job.total) == (10, 10)
    page = client.get(reverse("prospects:job_detail", args=[job.pk]))
    assert (
        "100%" in page.content.decode()
        and reverse("prospects:job_download", args=[job.pk]) in page.content.decode()
    )
    partial = client.get(reverse("prospects:job_detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    download = client.get(reverse("prospects:job_download", args=[job.pk]))
    target = tmp_path / "e.xlsx"
    target.write_bytes(b"".join(download.streaming_content))
    names = {r[1].value for r in load_workbook(target)["客户基本信息表"].iter_rows(min_row=2)}
    assert names == {"中国一汽", "上海大众"} | {f"导出{i}" for i in range(8)}
    other = as_user(buvp)
    assert other.get(reverse("prospects:job_download", args=[job.pk])).status_code == 404
    assert other.get(reverse("prospects:job_detail", args=[job.pk])).status_code == 404


def test_export_below_threshold_is_synchronous(as_user, researcher, org, customers, settings):
    settings.WORKBOOK_SYNC_MAX_ROWS = 5
    response = as_user(researcher).get(reverse("prospects:export_download"), {"segment": org.auto.pk})
    assert response.status_code == 200 and not WorkbookJob.objects.exists()


def test_queued_job_page_polls_and_a_done_job_is_not_rerun(
    as_user, researcher, org, customers, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    job = WorkbookJob.objects.create(kind="export", user=researcher, unit=org.unit, year=2002, total=4)
    page = as_user(researcher).get(reverse("prospects:job_detail", args=[job.pk])).content.decode()
    assert f'hx-get="{reverse("prospects:job_detail", args=[job.pk])}"' in page and "every 2s" in page
    assert as_user(researcher).get(reverse("prospects:job_download", args=[job.pk])).status_code == 404
    done = workbook_job_run(job.pk)
    assert done.status == "done"
    finished_at, path = done.finished_at, done.output_path
    WorkbookJob.objects.filter(pk=job.pk).update(result={"rows": -1})
    again = workbook_job_run(job.pk)
    assert again.finished_at == finished_at and again.result == {"rows": -1} and again.output_path == path


def test_an_unreachable_queue_fails_the_job_with_a_message_and_writes_nothing(
    as_user, researcher, org, tmp_path, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from prospects import tasks

    def broker_down(*args, **kwargs):  # what Celery raises when Redis cannot be reached
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.workbook_job, "delay", broker_down)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WORKBOOK_SYNC_MAX_ROWS = 3
    client = as_user(researcher)
    token = _upload(client, org, workbook(tmp_path / "big.xlsx", [row(f"排队客户{i}") for i in range(5)]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("prospects:import_apply", args=[token]), {"mode": "all"})
    job = WorkbookJob.objects.get()
    assert response.status_code == 302 and job.status == "failed"
    assert not Customer.objects.filter(name__startswith="排队客户").exists()
    page = client.get(response["Location"]).content.decode()
    assert "后台任务服务暂时不可用" in page
