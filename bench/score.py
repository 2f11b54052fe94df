"""Scoring benchmark: `score` (the scores_recompute service behind the command) for N customers with
the 8 default criteria and one evaluator, side by side with a bare SELECT of all their score rows
through the same database connection.

    .venv/bin/python bench/score.py [--rows 100000]

Two score runs are timed: the first (every target row is written) and a re-run after one score per
customer changed nothing (only changed rows are written). Uses DATABASE_URL when set (PostgreSQL,
under a BU of its own, removed afterwards), else a temporary SQLite file.
Last line: ratio = first score run ÷ bare SELECT (INTERFACES.md "Benchmarks"; target ≤ 1.5 on
SQLite, ≤ 1.0 on PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BU = "BENCHSCORE"
YEAR = 2030


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prioritization.settings")
    os.environ.setdefault("AXES_ENABLED", "0")
    tmp = tempfile.mkdtemp(prefix="bench-score-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DJANGO_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_VAR_DIR", tmp)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(rows: int):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from criteria.services.versions import version_activate, version_create
    from prioritization.models import BusinessGroup, BusinessUnit, Scorecard, Segment
    from prospects.models import Customer, ListEntry

    user_model = get_user_model()
    admin = user_model.objects.filter(username="bench-admin").first() or user_model.objects.create_superuser(
        "bench-admin", "bench@example.com", "x"
    )
    with transaction.atomic():
        group, _ = BusinessGroup.objects.get_or_create(code="BENCHBG", defaults={"name": "bench"})
        unit = BusinessUnit.objects.create(group=group, code=BU, name="bench")
        segment = Segment.objects.create(unit=unit, code="S", name="bench")
        version = version_activate(actor=admin, version=version_create(actor=admin, unit=unit, year=YEAR))
        criteria = list(version.criteria.all())
        Customer.objects.bulk_create(
            [
                Customer(
                    unit=unit, segment=segment, number=f"B-{i:06d}", name=f"公司{i}", name_key=f"公司{i}"
                )
                for i in range(rows)
            ],
            batch_size=5000,
        )
        ids = list(Customer.objects.filter(unit=unit).values_list("pk", flat=True))
        ListEntry.objects.bulk_create([ListEntry(customer_id=i, year=YEAR) for i in ids], batch_size=5000)
        rng = random.Random(1)
        today = __import__("datetime").date(YEAR, 1, 15)
        # Raw rows (not ORM objects): building 800,000 score rows is not what is measured.
        table = Scorecard._meta.db_table
        sql = (
            f"INSERT INTO {table} (evaluator_id, customer_id, criterion_id, year, score_tenths, suggested_tenths,"
            " override_reason, comment, scored_on, updated_at) VALUES (%s, %s, %s, %s, %s, NULL, '', '', %s, %s)"
        )
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        day = connection.ops.adapt_datefield_value(today)
        batch = []
        with connection.cursor() as cursor:
            for cid in ids:
                for criterion in criteria:
                    batch.append((admin.pk, cid, criterion.pk, YEAR, rng.randint(10, 100), day, stamp))
                if len(batch) >= 40000:
                    cursor.executemany(sql, batch)
                    batch = []
            cursor.executemany(sql, batch)
    if connection.vendor == "postgresql":
        # Scores arrive over weeks; autovacuum has analysed them long before anyone runs `score`.
        # (Straight after a bulk load the recompute still finishes, on hash joins, but slower.)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return unit, version


def bare_select(version):
    from django.db import connection

    from prioritization.models import Scorecard

    ids = ",".join(str(c.pk) for c in version.criteria.all())
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT customer_id, criterion_id, evaluator_id, score_tenths FROM {Scorecard._meta.db_table}"
            f" WHERE criterion_id IN ({ids})"
        )
        rows = cursor.fetchall()
    return time.perf_counter() - start, len(rows)


def timed_score(unit, version):
    from prioritization.services.scoring import scores_recompute

    start = time.perf_counter()
    counts = scores_recompute(unit=unit, year=YEAR, version=version)
    return time.perf_counter() - start, counts


def cleanup(unit):
    """Remove the bench's rows with plain DELETEs (the ORM would load 800,000 score rows and write a
    history row for each)."""
    from django.db import connection, transaction

    from criteria.models import CriteriaVersion
    from prioritization.models import BusinessGroup, Scorecard, Target
    from prospects.models import Customer, ListEntry

    customers = f"SELECT id FROM {Customer._meta.db_table} WHERE unit_id = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Scorecard, Target, ListEntry):
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE customer_id IN ({customers})", [unit.pk]
            )
        cursor.execute(f"DELETE FROM {Customer._meta.db_table} WHERE unit_id = %s", [unit.pk])
        CriteriaVersion.objects.filter(unit=unit).delete()
        unit.segments.all().delete()
        unit.delete()
        BusinessGroup.objects.filter(code="BENCHBG", units__isnull=True).delete()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="customers (8 score rows each)")
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    t0 = time.perf_counter()
    unit, version = build(args.rows)
    print(f"database={connection.vendor} customers={args.rows} built in {time.perf_counter() - t0:.1f}s")
    try:
        select_times = []
        score_first, counts = timed_score(unit, version)
        for _ in range(3):
            select_times.append(bare_select(version)[0])
        score_again, _counts = timed_score(unit, version)
        select_time = min(select_times)
        print(f"score rows={args.rows * 8} bare_select={select_time:.3f}s")
        print(
            f"score first run (writes every target)={score_first:.3f}s  re-run (nothing changed)={score_again:.3f}s"
        )
        print("counts " + " ".join(f"{k}={v}" for k, v in counts.items()))
        print(f"re-run ratio={score_again / select_time:.2f}")
        print(f"ratio={score_first / select_time:.2f}")
    finally:
        if os.environ.get("DATABASE_URL"):
            cleanup(unit)


if __name__ == "__main__":
    main()
