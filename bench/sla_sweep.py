"""SLA sweep benchmark: one sweep over 100,000 open inquiries of which 1,000 are due, against one
sweep over 1,000 open inquiries with the same 1,000 due. The sweep reads only rows whose indexed
`next_sla_at` has passed, so its cost should follow what is due, not what is open.

Each due inquiry owes a logging reminder (a quick capture 21 minutes old); the sweep records the
in-app notification and the outbox e-mail for each. Handing the outbox to the Celery worker is not
part of the sweep and is switched off here (no broker needed).

    .venv/bin/python bench/sla_sweep.py [--rows 100000] [--due 1000] [--repeat 3]

Uses DATABASE_URL when set (PostgreSQL; the data is made under its own BU and removed afterwards),
else a temporary SQLite file. Last line: ratio = sweep with --rows open ÷ sweep with --due open
(best of --repeat runs each; lower is better; the target is ≤ 2, and each sweep under 1 s).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prioritization.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("AXES_ENABLED", "0")
    tmp = None
    if not os.environ.get("DATABASE_URL"):
        tmp = tempfile.mkdtemp(prefix="bench-sla-")
        os.environ["DJANGO_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
        os.environ.setdefault("DJANGO_VAR_DIR", tmp)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return tmp


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="open inquiries in the large run")
    parser.add_argument(
        "--due", type=int, default=1_000, help="due inquiries (and open ones in the small run)"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print where one sweep spends its time")
    args = parser.parse_args()
    if args.rows < args.due:
        parser.error("--rows must be at least --due")
    setup_django()

    from django.db import connection, transaction
    from django.utils import timezone

    from inquiries import sla
    from inquiries.models import Inquiry
    from inquiries.services import sweep
    from prioritization.models import BusinessGroup, BusinessUnit, Membership, Notification, Role, Segment
    from prioritization.services import notifications

    notifications._enqueue = lambda outbound_id: None  # the worker's part, not the sweep's

    from django.contrib.auth import get_user_model

    stamp = str(int(time.time()))[-6:]
    group = BusinessGroup.objects.create(code=f"BG{stamp}", name="bench")
    unit = BusinessUnit.objects.create(group=group, code=f"BU{stamp}", name="bench")
    segment = Segment.objects.create(unit=unit, code="SEG", name="bench")
    users = get_user_model().objects
    logger = users.create_user(f"bench-pr-{stamp}", f"pr{stamp}@example.com", "x")
    manager = users.create_user(f"bench-sm-{stamp}", f"sm{stamp}@example.com", "x")
    Membership.objects.create(user=logger, role=Role.PR_OWNER, group=group, unit=unit)
    Membership.objects.create(
        user=manager, role=Role.SEGMENT_MANAGER, group=group, unit=unit, segment=segment
    )

    now = timezone.now()
    from django.template.loader import get_template
    from django.urls import reverse

    reverse("inquiries:detail", args=[1])  # warm the URL resolver and templates as a running worker has
    for clock in ("log", "reply", "followup"):
        for event in ("reminder", "escalation"):
            get_template(f"emails/inquiries/{clock}_{event}.txt")

    def make(n, *, due):
        call_at = now - timedelta(minutes=21) if due else now - timedelta(minutes=5)
        log = sla.log_deadline(call_at)
        reply = sla.reply_deadline(call_at, "important")
        rows = []
        for i in range(n):
            inquiry = Inquiry(
                unit=unit, segment=segment, call_at=call_at, company_name=f"公司{i}", phone="1",
                logged_by=logger, created_at=call_at, log_remind_at=log.remind_at, log_due_at=log.due_at,
                reply_remind_at=reply.remind_at, reply_due_at=reply.due_at,
            )  # fmt: skip
            if not due:  # complete: the next thing owed is the reply reminder, hours away
                inquiry.completed_at = call_at
                inquiry.status = "logged"
            inquiry.next_sla_at = sla.next_check_at(inquiry.clocks())
            rows.append(inquiry)
        for start in range(0, n, 5000):
            Inquiry.objects.bulk_create(rows[start : start + 5000])

    def reset_due():
        with transaction.atomic():
            Notification.objects.filter(key__startswith="inquiry:", recipient__in=[logger, manager]).delete()
            Inquiry.objects.filter(unit=unit, completed_at__isnull=True).update(
                log_reminded_at=None, next_sla_at=now - timedelta(minutes=1)
            )

    def measure(label):
        times, cpu = [], []
        reset_due()
        sweep.sla_sweep(now=now)  # warm-up (query plans, template and translation caches)
        for _ in range(args.repeat):
            reset_due()
            started, cpu_started = time.perf_counter(), time.process_time()
            result = sweep.sla_sweep(now=now)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
            assert result.reminders == args.due, result
            assert sweep.sla_sweep(now=now).reminders == 0  # the second run sends nothing
        if args.profile:
            import cProfile
            import pstats

            reset_due()
            profiler = cProfile.Profile()
            profiler.runcall(sweep.sla_sweep, now=now)
            pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(40)
        best = min(times)
        print(f"{label}: sweep {best:.3f}s best, {statistics.median(times):.3f}s median of {args.repeat} "
              f"(this process's CPU: {min(cpu):.3f}s best; {args.due} due; {args.due} reminders recorded "
              f"each run, 0 on an immediate re-run)")  # fmt: skip
        return best  # the least disturbed run: other processes on the machine only add noise

    print(f"database: {connection.vendor}")
    try:
        make(args.due, due=True)
        small = measure(f"{args.due:>7,} open")
        make(args.rows - args.due, due=False)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        open_count = Inquiry.objects.filter(unit=unit, closed_at__isnull=True).count()
        large = measure(f"{open_count:>7,} open")
    finally:
        if os.environ.get("DATABASE_URL"):
            Inquiry.objects.filter(unit=unit).delete()
            Notification.objects.filter(recipient__in=[logger, manager]).delete()
            Membership.objects.filter(unit=unit).delete()
            Segment.objects.filter(unit=unit).delete()
            unit.delete()
            group.delete()
            logger.delete()
            manager.delete()
    print(f"ratio={large / small:.2f}")


if __name__ == "__main__":
    main()
