"""Load scenario: 20 signed-in users working at once against the real web stack (gunicorn + the
product's settings), on a database with the demo organisation and N generated prospects.

Each simulated user logs in through the login form, then loops over the pages of their day (home,
customer list and search, a customer, the stage pages that exist) for a fixed number of requests.
Prints p50/p95/p99 latency and throughput per page and overall, for 1 user and for 20 users.
Last line: ratio = p95 at 20 users ÷ 300 ms (lower is better; ≤ 1 meets the target).

    .venv/bin/python bench/load.py [--rows 2000] [--users 20] [--requests 30]

Uses DATABASE_URL when set (PostgreSQL), else a temporary SQLite file. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 300.0
PAGES = [
    ("home", "/"),
    ("customers", "/customers/"),
    ("search", "/customers/?q=%E6%B1%BD%E8%BD%A6"),
    ("customers p2", "/customers/?page=2"),
    ("notifications", "/notifications/"),
    ("criteria", "/criteria/"),
    ("matrix", "/targets/matrix/"),
    ("inquiries", "/inquiries/"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class User:
    def __init__(self, base: str, username: str):
        self.base = base
        self.username = username
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, float]:
        start = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        return status, (time.perf_counter() - start) * 1000

    def login(self) -> None:
        with self.opener.open(self.base + "/accounts/login/", timeout=30) as response:
            html = response.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        data = urllib.parse.urlencode(
            {"username": self.username, "password": "demo-pass-123", "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            self.base + "/accounts/login/", data=data, headers={"Referer": self.base + "/accounts/login/"}
        )
        with self.opener.open(request, timeout=30) as response:
            if "/accounts/login/" in response.url:
                raise SystemExit(f"login failed for {self.username}")


def available_pages(base: str) -> list[tuple[str, str]]:
    probe = User(base, "buvp")
    probe.login()
    return [(name, path) for name, path in PAGES if probe.get(path)[0] == 200]


def run_users(base: str, users: int, requests: int, pages) -> dict[str, list[float]]:
    usernames = ["buvp", "segmgr", "segmgr2", "researcher", "pr", "am1", "am2", "bgvp"]
    timings: dict[str, list[float]] = {name: [] for name, _ in pages}
    errors = []
    lock = threading.Lock()

    def work(index: int) -> None:
        user = User(base, usernames[index % len(usernames)])
        user.login()
        for n in range(requests):
            name, path = pages[(index + n) % len(pages)]
            status, ms = user.get(path)
            with lock:
                if status != 200:
                    errors.append((name, status))
                timings[name].append(ms)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(f"  errors: {len(errors)} e.g. {errors[:3]}")
    return timings


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(label: str, timings: dict[str, list[float]], seconds: float) -> float:
    everything = [ms for values in timings.values() for ms in values]
    print(f"{label}: {len(everything)} requests in {seconds:.1f} s = {len(everything) / seconds:.1f} req/s")
    for name, values in timings.items():
        if values:
            print(f"  {name:<14} p50={statistics.median(values):7.1f} ms  p95={pct(values, 95):7.1f} ms")
    p95 = pct(everything, 95)
    print(
        f"  {'ALL':<14} p50={statistics.median(everything):7.1f} ms  p95={p95:7.1f} ms  p99={pct(everything, 99):7.1f} ms"
    )
    return p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000, help="generated prospects")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=30, help="requests per user")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    options = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="workbench-load-"))
    env = {**os.environ, "DJANGO_VAR_DIR": str(tmp), "DJANGO_DEBUG": "1", "AXES_ENABLED": "0"}
    env.pop("DJANGO_TESTING", None)
    if not env.get("DATABASE_URL"):
        env["DJANGO_SQLITE_PATH"] = str(tmp / "load.sqlite3")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")  # pages must not need Redis to render
    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]
    print(
        f"database: {'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'}; preparing {options.rows} prospects …"
    )
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo", "--customers", str(options.rows)], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    port = free_port()
    gunicorn = Path(python).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "prioritization.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(options.workers), "--threads", "4", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        pages = available_pages(base)
        print("pages:", ", ".join(name for name, _ in pages))
        start = time.perf_counter()
        single = run_users(base, 1, options.requests, pages)
        report("1 user", single, time.perf_counter() - start)
        start = time.perf_counter()
        many = run_users(base, options.users, options.requests, pages)
        p95 = report(f"{options.users} users", many, time.perf_counter() - start)
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"target: p95 at {options.users} users <= {TARGET_P95_MS:.0f} ms")
    print(f"ratio={p95 / TARGET_P95_MS:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
