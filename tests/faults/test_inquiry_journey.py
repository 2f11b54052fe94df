"""An inquiry logged through the web goes through its logging reminder and escalation with real
processes: the web server (`manage.py runserver`), a real Celery worker and a real Redis, the clock
moved with `sla_sweep --now`. The e-mails arrive in the mailbox (the file back-end) once each, in the
recipient's language. Then Redis is stopped: the web keeps working (the quick log still saves, pages
using the cache still answer), and once Redis is back the next sweep and the worker catch up."""

from __future__ import annotations

import email
import email.policy
import http.cookiejar
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.faults.chaos import (
    ROOT,
    CeleryProcess,
    ChaosDatabase,
    ChaosRedis,
    free_port,
    process_env,
    run_django,
    wait_for,
)

pytestmark = pytest.mark.chaos
PASSWORD = "demo-pass-123"  # load_demo's users (INTERFACES.md)


@pytest.fixture
def world(tmp_path):
    redis_ = ChaosRedis(tmp_path)
    database = ChaosDatabase(tmp_path)
    env = process_env(database=database, redis_url=redis_.url, var_dir=tmp_path, sweep_seconds=3600)
    env["DJANGO_DEBUG"] = "1"
    processes: list = []
    try:
        yield {"redis": redis_, "db": database, "env": env, "dir": tmp_path, "processes": processes}
    finally:
        for process in processes:
            process.stop()
        redis_.close()
        database.drop()


class Browser:
    """A cookie-keeping HTTP client that logs in and posts forms with their CSRF token."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        request = urllib.request.Request(self.base + path, headers={"Accept-Language": "zh-hans"})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def post(self, path: str, data: dict) -> tuple[int, str, str]:
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Accept-Language": "zh-hans"})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.geturl(), exc.read().decode(errors="replace")

    def login(self, username: str) -> None:
        status, _page = self.get("/accounts/login/")
        assert status == 200
        status, url, _page = self.post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert status == 200 and "/accounts/login/" not in url, (status, url)


def mailbox(directory: Path) -> list[email.message.EmailMessage]:
    """Every message the file back-end wrote (one file per connection, messages separated by a rule)."""
    messages = []
    for path in sorted(directory.glob("*.log")) if directory.exists() else []:
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.strip() + b"\n", policy=email.policy.default))
    return messages


def received(directory: Path, to: str, subject_part: str) -> list:
    return [m for m in mailbox(directory) if to in str(m["To"]) and subject_part in str(m["Subject"])]


def test_an_inquiry_logged_on_the_web_is_reminded_and_escalated_by_the_worker(world):
    env, tmp_path, redis_ = world["env"], world["dir"], world["redis"]
    mail = tmp_path / "mail"
    run_django(["manage.py", "migrate", "--noinput", "-v", "0"], env)
    run_django(["manage.py", "load_demo"], env)

    worker = CeleryProcess("worker", "journey-worker", env, tmp_path)
    world["processes"].append(worker)
    worker.wait_ready(worker.start())
    port = free_port()
    web_log = open(tmp_path / "web.log", "wb")  # noqa: SIM115 - handed to the child
    web = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        cwd=ROOT,
        env=env,
        stdout=web_log,
        stderr=subprocess.STDOUT,
    )
    world["processes"].append(type("Web", (), {"stop": lambda self: (web.terminate(), web.wait(10))})())
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: urllib.request.urlopen(base + "/healthz/", timeout=2).status in (200, 503), 60, "web up")

    pr = Browser(base)
    pr.login("pr")
    status, page = pr.get("/inquiries/log/")
    assert status == 200
    call_at = re.search(r'name="call_at" value="([^"]+)"', page).group(1)  # now, in TIME_ZONE
    segment = re.search(r'<option value="(\d+)"[^>]*>\s*AUTO ', page).group(1)
    status, url, _page = pr.post(
        "/inquiries/log/",
        {"call_at": call_at, "company_name": "昆山旅程测试甲", "phone": "0512-5555 0101", "segment": segment},
    )
    assert status == 200 and re.search(r"/inquiries/\d+/$", url), (status, url)

    # At once: the segment manager of AUTO is told by e-mail (sent by the worker, not the web).
    wait_for(
        lambda: received(mail, "segmgr@example.com", "新的客户查询：昆山旅程测试甲"),
        60,
        "the new-inquiry mail",
    )

    called = datetime.fromisoformat(call_at)
    # (load_demo's own inquiries may fall due too: the sweep's counts include them, the mailbox is exact)
    sweep = run_django(["manage.py", "sla_sweep", "--now", (called + timedelta(minutes=21)).isoformat()], env)
    assert re.fullmatch(r"reminders=[1-9]\d* escalations=\d+", sweep.strip().splitlines()[-1])
    wait_for(
        lambda: received(mail, "pr@example.com", "提醒：请补全来电记录（昆山旅程测试甲）"), 60, "the reminder"
    )
    run_django(
        ["manage.py", "sla_sweep", "--now", (called + timedelta(minutes=21)).isoformat()], env
    )  # again

    sweep = run_django(["manage.py", "sla_sweep", "--now", (called + timedelta(minutes=31)).isoformat()], env)
    assert re.fullmatch(r"reminders=\d+ escalations=[1-9]\d*", sweep.strip().splitlines()[-1])
    wait_for(
        lambda: received(mail, "segmgr@example.com", "超时：来电记录未在 30 分钟内完成"), 60, "the escalation"
    )

    # Redis stops: the web keeps working — the home page (cached figures) and the quick log.
    redis_.stop()
    try:
        started = time.monotonic()
        status, _page = pr.get("/")
        assert status == 200
        status, url, _page = pr.post(
            "/inquiries/log/",
            {
                "call_at": call_at,
                "company_name": "昆山旅程测试乙",
                "phone": "0510-5555 0202",
                "segment": segment,
            },
        )
        assert status == 200 and re.search(r"/inquiries/\d+/$", url), (status, url)
        assert time.monotonic() - started < 30
    finally:
        redis_.start()
    # Back: the worker reconnects; the next sweep reminds about the second inquiry too.
    sweep = run_django(["manage.py", "sla_sweep", "--now", (called + timedelta(minutes=25)).isoformat()], env)
    assert re.fullmatch(r"reminders=[1-9]\d* escalations=\d+", sweep.strip().splitlines()[-1])
    wait_for(
        lambda: received(mail, "pr@example.com", "提醒：请补全来电记录（昆山旅程测试乙）"),
        90,
        "the late reminder",
    )
    worker.check_alive()
    time.sleep(3)  # anything sent twice would have arrived by now

    for to, subject in [
        ("segmgr@example.com", "新的客户查询：昆山旅程测试甲"),
        ("pr@example.com", "提醒：请补全来电记录（昆山旅程测试甲）"),
        ("segmgr@example.com", "超时：来电记录未在 30 分钟内完成（昆山旅程测试甲）"),
    ]:
        assert len(received(mail, to, subject)) == 1, (to, subject)
