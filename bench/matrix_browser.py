"""Browser benchmark of the evaluation matrix (issue 5): the matrix page of a BU-year with --rows
scored customers (default 5,000, the chart's point cap) must render and be interactive in under
2 s in a real browser.

Seeds the demo organisation plus --rows customers on MFG's list with complete Targets (bulk INSERTs,
like bench/load.py), serves the product with gunicorn, signs in as the BU VP (every segment) in Debian's
Chromium (Playwright), then measures from navigation start to
  1. the chart rendered (ECharts' "finished" event, the point count on the chart element), and
  2. interactive: the mouse over a plotted customer shows its tooltip (company name and scores).
Several runs; prints each and the median; the last line is ratio = median interactive time ÷ 2 s.

    [DATABASE_URL=postgres://…/any] .venv/bin/python bench/matrix_browser.py [--rows 5000] [--runs 5]

With DATABASE_URL the benchmark uses its own database `workbench_matrix_bench` on that server
(created when missing; the URL's own database is not touched); without it a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 2000.0
DB_NAME = "workbench_matrix_bench"
PREFIX = "MB"


def own_database(url: str) -> str:
    """The same server as `url`, database DB_NAME (created when missing)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return parts._replace(path=f"/{DB_NAME}").geturl()


def seed(rows: int) -> None:
    """The demo organisation is loaded by the caller; add `rows` scored customers to MFG's list for
    the latest year in force, spread over the segments, with complete Targets (scores 1–10, ranks,
    proposed tiers by the 5.5 thresholds). Idempotent: kept when the count matches."""
    import random

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prioritization.settings")
    django.setup()
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from criteria.models import CriteriaVersion
    from criteria.models.versions import IN_FORCE
    from prioritization.models import BusinessUnit, Segment, Target
    from prospects.models import Customer, ListEntry
    from prospects.services.bulk import insert_rows

    unit = BusinessUnit.objects.filter(code="MFG").first()
    if unit is None:
        sys.exit(3)  # no demo organisation yet: the caller loads it
    year = (
        CriteriaVersion.objects.filter(unit=unit, status__in=IN_FORCE)
        .order_by("-year")
        .values_list("year", flat=True)
    ).first() or timezone.localdate().year
    scored = Target.objects.filter(
        year=year, incomplete=False, customer__unit=unit, customer__list_entries__year=year
    )
    if scored.count() == rows:
        print(f"seed present: {rows} scored customers, year {year}")
        return
    # The demo's own scored customers count too: the BU-year holds exactly `rows` scored customers.
    rows_total, rows = rows, rows - scored.exclude(customer__number__startswith=f"{PREFIX}-").count()
    started = time.perf_counter()
    rng = random.Random(5005)
    segments = list(Segment.objects.filter(unit=unit).order_by("code"))
    now = timezone.now()
    with transaction.atomic():
        Customer.objects.filter(unit=unit, number__startswith=f"{PREFIX}-").delete()
        insert_rows(Customer, [
            {"unit_id": unit.pk, "segment_id": segments[n % len(segments)].pk, "number": f"{PREFIX}-{n + 1:06d}",
             "name": f"矩阵测试公司{n:05d}", "name_key": f"矩阵测试公司{n:05d}", "size_class": rng.choice(["large", "medium", "small"]),
             "ownership": rng.choice(["state", "private", "jv"]), "completeness": rng.randint(20, 100),
             "created_at": now, "updated_at": now, "last_verified_at": now, "version": 1}
            for n in range(rows)
        ])  # fmt: skip
        ids = list(
            Customer.objects.filter(unit=unit, number__startswith=f"{PREFIX}-")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        insert_rows(
            ListEntry, [{"customer_id": i, "year": year, "origin": "import", "added_at": now} for i in ids]
        )
        scores = [
            (i, Decimal(rng.randint(100, 1000)) / 100, Decimal(rng.randint(100, 1000)) / 100) for i in ids
        ]
        ranked = sorted(scores, key=lambda s: (-(s[1] + s[2]), -s[1], s[0]))
        threshold = Decimal("5.5")

        def proposal(a, f):
            if a >= threshold:
                return "tier1" if f >= threshold else "tier3"
            return "tier2" if f >= threshold else "no"

        insert_rows(Target, [
            {"customer_id": i, "year": year, "attractiveness": a, "feasibility": f, "rank": r + 1,
             "incomplete": False, "proposed_tier": proposal(a, f), "scored_at": now}
            for r, (i, a, f) in enumerate(ranked)
        ])  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"seeded {rows} scored customers ({rows_total} in all) for {year} in {time.perf_counter() - started:.1f} s"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("Chromium not found (apt-get install chromium, or set CHROMIUM_PATH)")


HOVER = """async () => {
  const el = document.getElementById('matrix-chart');
  const chart = echarts.getInstanceByDom(el);
  const data = JSON.parse(document.getElementById('matrix-data').textContent);
  let x, y, text;
  if (data.mode === 'cells') {  // above the point cap: the biggest score cell
    const c = data.cells.reduce((a, b) => (b[2] > a[2] ? b : a));
    [x, y] = chart.convertToPixel({seriesIndex: 0}, [Math.min(10, (c[5] + c[6]) / 2), Math.min(10, (c[3] + c[4]) / 2)]);
    text = c[2] + ' ' + data.labels.customers;
  } else {  // a customer in the middle of the ranking
    const p = data.points[Math.floor(data.points.length / 2)];
    [x, y] = chart.convertToPixel({seriesIndex: 0}, [p[4], p[3]]);
    text = p[2];
  }
  const box = el.getBoundingClientRect();
  return [box.left + x, box.top + y, text];
}"""


def measure(page, base: str) -> tuple[float, float, int]:
    """(ms to the chart rendered, ms to a hover tooltip shown, points) for one navigation."""
    page.goto(base + "/")  # leave the matrix so the next navigation starts cold (cache kept)
    start = time.perf_counter()
    page.goto(base + "/targets/matrix/?bu=MFG", wait_until="commit")
    page.wait_for_function(
        "() => { const el = document.getElementById('matrix-chart'); return el && el.dataset.rendered === '1'; }",
        timeout=60000,
    )
    rendered = (time.perf_counter() - start) * 1000
    x, y, text = page.evaluate(HOVER)
    page.mouse.move(x, y)
    page.locator("#matrix-chart div", has_text=text).last.wait_for(state="visible", timeout=30000)
    interactive = (time.perf_counter() - start) * 1000
    points = int(page.locator("#matrix-chart").get_attribute("data-points"))
    page.mouse.move(0, 0)
    return rendered, interactive, points


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5000, help="scored customers on the list")
    parser.add_argument("--runs", type=int, default=5, help="measured navigations (after one warm-up)")
    options = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="workbench-matrix-"))
    env = {**os.environ, "DJANGO_VAR_DIR": str(tmp), "DJANGO_DEBUG": "1", "AXES_ENABLED": "0"}
    env.pop("DJANGO_TESTING", None)
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = own_database(env["DATABASE_URL"])
    else:
        env["DJANGO_SQLITE_PATH"] = str(tmp / "matrix.sqlite3")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")
    python = sys.executable
    manage = [python, str(ROOT / "manage.py")]
    print(
        f"database: {'PostgreSQL ' + DB_NAME if 'DATABASE_URL' in env else 'SQLite'}; nproc={os.cpu_count()}"
    )
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    seeding = [python, __file__, "--seed-only", "--rows", str(options.rows)]
    code = subprocess.run(seeding, env=env, cwd=ROOT).returncode
    if code == 3:  # no demo organisation yet: load it once, then seed
        subprocess.run([*manage, "load_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        subprocess.run(seeding, env=env, check=True, cwd=ROOT)
    elif code:
        raise SystemExit(f"seeding failed (exit {code})")
    port = free_port()
    server = subprocess.Popen(
        [str(Path(python).parent / "gunicorn"), "prioritization.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--threads", "4", "--timeout", "60", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    results = []
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
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium(), args=["--headless=new", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            page.goto(base + "/accounts/login/")
            page.fill("input[name=username]", "buvp")
            page.fill("input[name=password]", "demo-pass-123")
            page.click("[data-testid=login-submit]")
            page.wait_for_url(base + "/")
            measure(page, base)  # warm-up: static files cached, server warm
            for run in range(options.runs):
                rendered, interactive, points = measure(page, base)
                results.append(interactive)
                print(f"run {run + 1}: {points} points, chart rendered {rendered:.0f} ms, "
                      f"hover tooltip shown {interactive:.0f} ms")  # fmt: skip
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    median = statistics.median(results)
    print(f"median navigation → interactive (hover tooltip): {median:.0f} ms; target {TARGET_MS:.0f} ms")
    print(f"ratio={median / TARGET_MS:.3f}")
    return 0


if __name__ == "__main__":
    if "--seed-only" in sys.argv:
        rows = int(sys.argv[sys.argv.index("--rows") + 1])
        seed(rows)
        sys.exit(0)
    sys.exit(main())
