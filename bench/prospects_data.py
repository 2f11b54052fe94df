"""Shared set-up of the prospects benchmarks: Django on a temporary SQLite file (or DATABASE_URL),
production-like settings, and N generated customers made with plain INSERTs."""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(prefix: str) -> Path:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prioritization.settings")
    os.environ.setdefault("AXES_ENABLED", "0")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,testserver")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DJANGO_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    os.environ.setdefault("DJANGO_VAR_DIR", str(tmp))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return tmp


def make_unit(code: str, customers: int, *, year: int = 2002):
    """A BU with one segment, a researcher, and `customers` customers on the year's list."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from prioritization.models import BusinessGroup, BusinessUnit, Membership, Role, Segment
    from prospects.models import Contact, Customer, CustomerFinancials, ListEntry
    from prospects.services.bulk import insert_rows

    group, _ = BusinessGroup.objects.get_or_create(code="BENCHBG", defaults={"name": "基准业务群"})
    unit, _ = BusinessUnit.objects.get_or_create(code=code, defaults={"name": f"基准{code}", "group": group})
    Customer.objects.filter(unit=unit).delete()
    segment, _ = Segment.objects.get_or_create(unit=unit, code="AUTO", defaults={"name": "汽车制造业"})
    user, _ = get_user_model().objects.get_or_create(username=f"bench-{code.lower()}")
    Membership.objects.get_or_create(user=user, role=Role.RESEARCHER, group=group, unit=unit, segment=None)
    rng = random.Random(7)
    now = timezone.now()
    defaults = {f.attname: f.get_default() for f in Customer._meta.concrete_fields if not f.primary_key}
    with transaction.atomic():
        rows = []
        for n in range(customers):
            if len(rows) == 10_000:  # in chunks: the benchmarks' memory figures are not this set-up's
                insert_rows(Customer, rows)
                rows = []
            rows.append({
                **defaults, "unit_id": unit.pk, "segment_id": segment.pk, "number": f"{code}-{n + 1:06d}",
                "name": f"基准公司{n:06d}", "name_key": f"基准公司{n:06d}", "size_class": rng.choice(["large", "medium", "small"]),
                "location": rng.choice(["北京", "上海", "深圳"]), "competitors": "IBM、HP", "attitude": "high",
                "brand_rank": rng.randint(1, 500), "ownership": "state", "employees": rng.randint(50, 50000),
                "it_staff": rng.randint(1, 200), "source": "行业年鉴", "completeness": rng.randint(20, 100),
                "created_at": now, "updated_at": now, "last_verified_at": now, "version": 1,
            })  # fmt: skip
        insert_rows(Customer, rows)
        del rows
        ids = list(Customer.objects.filter(unit=unit).values_list("pk", flat=True))
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            insert_rows(CustomerFinancials, [{"customer_id": i, "year": year - 1, "revenue": rng.randint(500, 3000000),
                                              "it_spend": rng.randint(1, 9000), "purchases_from_us": 0} for i in chunk])  # fmt: skip
            insert_rows(ListEntry, [{"customer_id": i, "year": year, "origin": "import", "added_at": now} for i in chunk])  # fmt: skip
            insert_rows(Contact, [{"customer_id": i, "name": "联系人", "is_primary": True} for i in chunk])  # fmt: skip
    refresh_statistics()
    return unit, segment, user


def refresh_statistics():
    """What autovacuum does within a minute of a bulk load (and the import does itself): measured
    right after the INSERTs, PostgreSQL would still plan for an empty BU (a 100,000-row nested loop
    for a 50-row page) and the figures would be the planner's, not the page's."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
