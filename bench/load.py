"""Load scenario: N signed-in users of every role working at once against the real web stack
(gunicorn + the product's settings), on a database with the demo organisation plus --customers
generated prospects and --inquiries generated inquiries (bulk INSERTs, not the demo's one-by-one path).

Each simulated user logs in through the login form, then loops over the main pages of their role
(home, customer list, search, a customer, criteria, scoring, matrix, tiers, owners, pipeline, contacts,
plans, inquiry board, reviews, notifications — those their role may open) for a fixed number of
requests; the PR owners also log inquiries (GET + POST of the quick-log form). Users arrive over
--ramp seconds (default 10, as a load tool's spawn rate; 0 = all at once). Prints throughput and
p50/p95/p99 per page and overall, and the errors, for each concurrency level.
Last line: ratio = p95 at the first level ÷ 300 ms (lower is better; ≤ 1 meets the target).

    DATABASE_URL=postgres://…/workbench_load REDIS_URL=redis://127.0.0.1:6391/5 \
        .venv/bin/python bench/load.py [--customers 100000] [--inquiries 50000] [--levels 20,50]
        [--requests 40] [--workers 2]

The seed is kept between runs (re-seeded only when the counts differ). Uses a temporary SQLite file
when DATABASE_URL is unset. Traffic goes to 127.0.0.1 only; every request has a 30 s timeout and the
whole run a deadline (--deadline seconds), so it always stops by itself.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 300.0
SEED_PREFIX = "LD"
PAGES = [
    ("home", "/"),
    ("customers", "/customers/"),
    ("search", "/customers/?q=%E6%B1%BD%E8%BD%A6"),
    ("customers p5", "/customers/?page=5"),
    ("customer", "/customers/{customer}/"),
    ("segments", "/customers/segments/"),
    ("notifications", "/notifications/"),
    ("criteria", "/criteria/"),
    ("scoring", "/targets/scoring/"),
    ("matrix", "/targets/matrix/"),
    ("tiers", "/targets/tiers/"),
    ("owners", "/targets/owners/"),
    ("pipeline", "/targets/pipeline/"),
    ("contacts", "/targets/contacts/"),
    ("plans", "/targets/plans/"),
    ("inquiries", "/inquiries/"),
    ("reviews", "/reviews/"),
]
USERNAMES = ["buvp", "segmgr", "segmgr2", "researcher", "pr", "am1", "am2", "bgvp"]
QUICK_LOG = "/inquiries/log/"


# --- seeding (runs in a child process with Django set up) ------------------------------------------
def seed(customers: int, inquiries: int) -> None:
    import random
    from datetime import timedelta

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prioritization.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from inquiries.models import Inquiry
    from prioritization.models import BusinessUnit, Segment
    from prospects.models import Customer, CustomerFinancials, ListEntry
    from prospects.services.bulk import insert_rows

    unit = BusinessUnit.objects.get(code="MFG")
    segments = list(Segment.objects.filter(unit=unit).order_by("code"))
    users = {u.username: u for u in get_user_model().objects.filter(username__in=USERNAMES)}
    have_c = Customer.objects.filter(unit=unit, number__startswith=f"{SEED_PREFIX}-").count()
    have_i = Inquiry.objects.filter(unit=unit, company_name__startswith="负载").count()
    if have_c == customers and have_i == inquiries:
        print(f"seed present: {customers} customers, {inquiries} inquiries")
        return
    started = time.perf_counter()
    rng = random.Random(20021)
    now = timezone.now()
    year = timezone.localdate().year
    with transaction.atomic():
        Inquiry.objects.filter(unit=unit, company_name__startswith="负载").delete()
        Customer.objects.filter(unit=unit, number__startswith=f"{SEED_PREFIX}-").delete()
        defaults = {f.attname: f.get_default() for f in Customer._meta.concrete_fields if not f.primary_key}
        cities, stems = (
            ["上海", "北京", "深圳", "苏州", "宁波", "天津"],
            ["汽车", "电子", "制药", "精密", "重工", "科技"],
        )
        owners = [users["am1"].pk, users["am2"].pk, None, None, None]
        rows = []
        for n in range(customers):
            name = f"{rng.choice(cities)}{rng.choice(stems)}{rng.choice(stems)}有限公司{n:06d}"
            rows.append({
                **defaults, "unit_id": unit.pk, "segment_id": segments[n % len(segments)].pk,
                "number": f"{SEED_PREFIX}-{n + 1:06d}", "name": name, "name_key": name,
                "size_class": rng.choice(["large", "medium", "small"]), "location": rng.choice(cities),
                "competitors": "IBM、HP", "attitude": "high", "brand_rank": rng.randint(1, 500),
                "ownership": "state", "employees": rng.randint(50, 50000), "it_staff": rng.randint(1, 200),
                "source": "行业年鉴", "completeness": rng.randint(20, 100), "daily_owner_id": owners[n % 5],
                "overall_owner_id": users["segmgr"].pk if n % 5 < 2 else None,
                "created_at": now, "updated_at": now, "last_verified_at": now, "version": 1,
            })  # fmt: skip
            if len(rows) == 10000:
                insert_rows(Customer, rows)
                rows = []
        insert_rows(Customer, rows)
        ids = list(
            Customer.objects.filter(unit=unit, number__startswith=f"{SEED_PREFIX}-").values_list(
                "pk", flat=True
            )
        )
        for start in range(0, len(ids), 10000):
            chunk = ids[start : start + 10000]
            insert_rows(CustomerFinancials, [
                {"customer_id": i, "year": year - 1, "revenue": rng.randint(500, 3000000),
                 "it_spend": rng.randint(1, 9000), "purchases_from_us": 0} for i in chunk
            ])  # fmt: skip
            insert_rows(
                ListEntry,
                [{"customer_id": i, "year": year, "origin": "import", "added_at": now} for i in chunk],
            )
        statuses = ["closed"] * 6 + ["followed_up", "material_sent", "decided", "logged", "captured"]
        rows = []
        for n in range(inquiries):
            call_at = now - timedelta(minutes=rng.randint(10, 60 * 24 * 365))
            status = statuses[n % len(statuses)]
            rows.append({
                "unit_id": unit.pk, "segment_id": segments[n % len(segments)].pk,
                "customer_id": ids[rng.randrange(len(ids))] if ids and n % 3 == 0 else None,
                "status": status, "call_at": call_at, "company_name": f"负载来电公司{n:06d}",
                "phone": "021-5555 0101", "logged_by_id": users["pr"].pk, "created_at": call_at,
                "completed_at": call_at + timedelta(minutes=10),
                "log_remind_at": call_at + timedelta(minutes=20), "log_due_at": call_at + timedelta(minutes=30),
                "reply_remind_at": call_at + timedelta(hours=20), "reply_due_at": call_at + timedelta(hours=24),
                "closed_at": call_at + timedelta(days=10) if status == "closed" else None,
            })  # fmt: skip
            if len(rows) == 10000:
                insert_rows(Inquiry, rows)
                rows = []
        insert_rows(Inquiry, rows)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from prioritization import listcache

    listcache.bump_all()  # rows written with plain INSERTs: no figure cached before them may answer
    print(f"seeded {customers} customers and {inquiries} inquiries in {time.perf_counter() - started:.1f} s")


# --- traffic ---------------------------------------------------------------------------------------
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

    def request(self, path: str, data: dict | None = None) -> tuple[int, float, str]:
        start = time.perf_counter()
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        try:
            with self.opener.open(request, timeout=30) as response:
                text = response.read().decode(errors="replace")
                status = response.status
        except urllib.error.HTTPError as exc:
            status, text = exc.code, ""
        except OSError as exc:  # timeout, connection reset
            status, text = 599, str(exc)
        return status, (time.perf_counter() - start) * 1000, text

    def token(self, html: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def login(self) -> None:
        _, _, html = self.request("/accounts/login/")
        data = {
            "username": self.username,
            "password": "demo-pass-123",
            "csrfmiddlewaretoken": self.token(html),
        }
        _, _, html = self.request("/accounts/login/", data)
        if 'name="password"' in html:
            raise SystemExit(f"login failed for {self.username}")

    def log_inquiry(self, n: int) -> tuple[int, float]:
        status, ms1, html = self.request(QUICK_LOG)
        if status != 200:
            return status, ms1
        data = {
            "csrfmiddlewaretoken": self.token(html), "call_at": time.strftime("%Y-%m-%dT%H:%M"),
            "company_name": f"压测来电{self.username}{n}", "phone": "021-5555 0102",
        }  # fmt: skip
        status, ms2, html = self.request(QUICK_LOG, data)
        if status == 200 and "/inquiries/log/" in html and "is-invalid" in html:
            status = 422  # the form came back with errors
        return status, ms1 + ms2


def pages_by_user(base: str, customer_id: int, deadline: float) -> dict[str, list[tuple[str, str]]]:
    """The pages each demo user may open (status 200), probed by all users at once."""
    result = {}

    def probe(username: str) -> None:
        user = User(base, username)
        user.login()
        pages = [(n, p.format(customer=customer_id)) for n, p in PAGES]
        result[username] = [("quick log", QUICK_LOG)] if username == "pr" else []
        for name, path in pages:
            if user.request(path)[0] == 200:
                result[username].append((name, path))

    threads = [threading.Thread(target=probe, args=(u,), daemon=True) for u in USERNAMES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(1.0, deadline - time.monotonic()))
    return {u: result.get(u) or [("home", "/")] for u in USERNAMES}


def run_users(
    base, users, requests, pages_for, deadline, think=(0.0, 0.0), ramp=0.0
) -> tuple[dict[str, list[float]], list]:
    timings: dict[str, list[float]] = {}
    errors = []
    lock = threading.Lock()

    def work(index: int) -> None:
        pause = random.Random(index)
        # People arrive over the ramp, not all in one second (locust's spawn rate): twenty Argon2
        # logins at once would be measured as the first pages' time.
        time.sleep(pause.uniform(0, ramp))
        user = User(base, USERNAMES[index % len(USERNAMES)])
        user.login()
        pages = pages_for[user.username]
        for n in range(requests):
            if n and think[1] > 0:
                time.sleep(pause.uniform(*think))  # a person reads the page before the next click
            if time.monotonic() > deadline:
                break
            name, path = pages[(index + n) % len(pages)]
            if path == QUICK_LOG:
                status, ms = user.log_inquiry(n)
                ok = status == 302 or status == 200
            else:
                status, ms, _ = user.request(path)
                ok = status == 200
            with lock:
                if not ok:
                    errors.append((name, status))
                timings.setdefault(name, []).append(ms)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(1.0, deadline - time.monotonic() + 35))
    return timings, errors


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(label: str, timings: dict[str, list[float]], errors: list, seconds: float) -> float:
    everything = [ms for values in timings.values() for ms in values]
    if not everything:
        print(f"{label}: no request finished before the deadline")
        return float("inf")
    print(f"{label}: {len(everything)} requests in {seconds:.1f} s = {len(everything) / seconds:.1f} req/s, "
          f"errors: {len(errors)}{' e.g. ' + str(errors[:3]) if errors else ''}")  # fmt: skip
    for name, values in sorted(timings.items(), key=lambda kv: -pct(kv[1], 95)):
        print(f"  {name:<14} n={len(values):4d}  p50={statistics.median(values):7.1f} ms  "
              f"p95={pct(values, 95):7.1f} ms  p99={pct(values, 99):7.1f} ms")  # fmt: skip
    p95 = pct(everything, 95)
    print(f"  {'ALL':<14} n={len(everything):4d}  p50={statistics.median(everything):7.1f} ms  "
          f"p95={p95:7.1f} ms  p99={pct(everything, 99):7.1f} ms")  # fmt: skip
    return p95


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=100000, help="generated prospects")
    parser.add_argument("--inquiries", type=int, default=50000, help="generated inquiries")
    parser.add_argument("--levels", default="20,50", help="concurrent users, comma separated")
    parser.add_argument("--requests", type=int, default=40, help="requests per user and level")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--deadline", type=int, default=180, help="seconds of traffic per level at most")
    parser.add_argument(
        "--think",
        default="0,0",
        help="seconds a user waits between two requests, MIN,MAX (uniform, like locust's between()); "
        "0,0 = a closed loop with no pause (the harshest reading)",
    )
    parser.add_argument(
        "--ramp", type=float, default=10.0, help="seconds over which the users arrive (0: all at once)"
    )
    parser.add_argument("--exclude", default="", help="page names to leave out, comma separated")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.seed_only:
        seed(options.customers, options.inquiries)
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="workbench-load-"))
    # DEBUG on: production settings demand HTTPS-only cookies, which plain-HTTP local traffic cannot carry.
    env = {**os.environ, "DJANGO_VAR_DIR": str(tmp), "DJANGO_DEBUG": "1", "AXES_ENABLED": "0"}
    env.pop("DJANGO_TESTING", None)
    if not env.get("DATABASE_URL"):
        env["DJANGO_SQLITE_PATH"] = str(tmp / "load.sqlite3")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")
    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]
    print(f"database: {'PostgreSQL' if env.get('DATABASE_URL') else 'SQLite'}; redis: {env['REDIS_URL']}; "
          f"nproc={os.cpu_count()}; gunicorn {options.workers} workers × {options.threads} threads; "
          f"think time {options.think} s")  # fmt: skip
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    subprocess.run([python, __file__, "--seed-only", "--customers", str(options.customers),
                    "--inquiries", str(options.inquiries)], env=env, check=True, cwd=ROOT)  # fmt: skip
    customer_id = subprocess.run(
        [*manage, "shell", "-c",
         "from prospects.models import Customer; print(Customer.objects.filter(unit__code='MFG').order_by('pk').first().pk)"],
        env=env, check=True, cwd=ROOT, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    port = free_port()
    gunicorn = Path(python).parent / "gunicorn"
    server = subprocess.Popen(
        [str(gunicorn), "prioritization.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(options.workers), "--threads", str(options.threads), "--timeout", "60",
         "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    first_p95 = None
    try:
        start_wait = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz/", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > start_wait:
                    raise
                time.sleep(0.3)
        excluded = {x.strip() for x in options.exclude.split(",") if x.strip()}
        PAGES[:] = [(n, p) for n, p in PAGES if n not in excluded]
        pages_for = pages_by_user(base, int(customer_id), time.monotonic() + options.deadline)
        for username, pages in pages_for.items():
            print(f"  {username}: {', '.join(n for n, _ in pages)}")
        for level in [int(x) for x in options.levels.split(",")]:
            start = time.perf_counter()
            deadline = time.monotonic() + options.deadline
            think = tuple(float(x) for x in options.think.split(","))
            timings, errors = run_users(base, level, options.requests, pages_for, deadline, think, options.ramp)
            p95 = report(f"{level} users", timings, errors, time.perf_counter() - start)
            first_p95 = p95 if first_p95 is None else first_p95
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=20)
    print(f"target: p95 at the first level <= {TARGET_P95_MS:.0f} ms")
    print(f"ratio={(first_p95 or 0) / TARGET_P95_MS:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
