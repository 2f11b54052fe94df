"""`make run` really comes up: the web answers, the Celery worker answers a ping, beat ticks, and
Ctrl-C stops every process it started. Runs scripts/run.py (what `make run` calls) in a temporary
folder with its own SQLite file, never the developer's or a production database."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import redis

pytestmark = pytest.mark.smoke
ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Exception as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen within {timeout} s (last error: {last!r})")


def get(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


@pytest.fixture
def running(tmp_path):
    web_port, redis_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_TESTING")}
    env["DJANGO_VAR_DIR"] = str(tmp_path)
    env["DJANGO_SQLITE_PATH"] = str(tmp_path / "smoke.sqlite3")
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/14"
        redis_url = env["REDIS_URL"]
        redis.Redis.from_url(redis_url).flushdb()
    else:
        env.pop("REDIS_URL", None)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
    log = open(tmp_path / "run.log", "w")  # noqa: SIM115 - closed in the finalizer
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run.py"), "--port", str(web_port),
         "--redis-port", str(redis_port), "--demo-customers", "10"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    yield {"process": process, "url": f"http://127.0.0.1:{web_port}", "redis_url": redis_url, "env": env,
           "log": tmp_path / "run.log", "web_port": web_port}  # fmt: skip
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


def test_make_run_comes_up_and_stops_cleanly(running):
    process, url = running["process"], running["url"]
    try:
        status, body = wait_for(lambda: get(f"{url}/healthz/"), 120, "the web server answering")
        assert status == 200
        assert json.loads(body) == {"status": "ok", "defusedxml": True}
        status, body = get(f"{url}/accounts/login/")
        assert status == 200 and "csrfmiddlewaretoken" in body.decode()
        status, _css = get(f"{url}/static/vendor/bootstrap/bootstrap.min.css")
        assert status == 200

        def worker_pong():
            out = subprocess.run(
                [sys.executable, "-m", "celery", "-A", "prioritization", "inspect", "ping", "--timeout", "3"],
                cwd=ROOT, env=running["env"] | {"REDIS_URL": running["redis_url"]},
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
            return "pong" in out.stdout

        wait_for(worker_pong, 90, "the Celery worker answering a ping")
        facts = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); from prioritization.tasks import runtime_facts; "
             "print(runtime_facts.apply_async().get(timeout=20))"],
            cwd=ROOT, env=running["env"] | {"REDIS_URL": running["redis_url"], "CELERY_TASK_ALWAYS_EAGER": "0",
                                            "DJANGO_SETTINGS_MODULE": "prioritization.settings"},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert "'defusedxml': True" in facts.stdout, facts.stderr[-2000:]
        client = redis.Redis.from_url(running["redis_url"])
        wait_for(lambda: client.keys("*workbench:heartbeat*"), 60, "beat scheduling the heartbeat")
        assert "demo: users=9" in running["log"].read_text()
    except AssertionError:
        print(running["log"].read_text()[-5000:])
        raise

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0  # four children stopped one after the other
    with pytest.raises(OSError):
        get(f"{url}/healthz/")
    # Nothing it started is left behind in its process group.
    leftover = subprocess.run(
        ["pgrep", "-g", str(process.pid)], capture_output=True, text=True
    ).stdout.split()
    assert leftover == []
