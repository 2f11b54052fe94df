"""Import benchmark: the whole validated import of a basic-info workbook through the
`import_customers` command (new customers), then the re-import of the same file (all unchanged),
side by side with openpyxl's read-only mode merely iterating that file's rows.

    .venv/bin/python bench/import_customers.py [--rows 100000]

The command runs as a child process, so its wall time includes Django start-up and its peak memory
(max RSS) is its own. If django-import-export is importable (e.g. PYTHONPATH=/tmp/iex after
`pip install --target /tmp/iex django-import-export`), its default Resource import of the same rows is
timed too. Uses DATABASE_URL when set (PostgreSQL, under a BU of its own, removed afterwards), else a
temporary SQLite file. Last line: ratio = first import ÷ openpyxl read-only iteration (target ≤ 1).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BU = "BENCHIMP"


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prioritization.settings")
    os.environ.setdefault("AXES_ENABLED", "0")
    # Production-like: no per-query SQL logging (DEBUG=1 keeps every query's text in memory).
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
    tmp = tempfile.mkdtemp(prefix="bench-import-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["DJANGO_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    os.environ.setdefault("DJANGO_VAR_DIR", tmp)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return Path(tmp)


def make_org():
    from django.contrib.auth import get_user_model

    from prioritization.models import BusinessGroup, BusinessUnit, Segment
    from prospects.models import Customer

    group, _ = BusinessGroup.objects.get_or_create(code="BENCHBG", defaults={"name": "基准业务群"})
    unit, _ = BusinessUnit.objects.get_or_create(code=BU, defaults={"name": "基准业务单元", "group": group})
    Customer.objects.filter(unit=unit).delete()
    BusinessUnit.objects.filter(pk=unit.pk).update(next_customer_seq=1)
    Segment.objects.get_or_create(unit=unit, code="AUTO", defaults={"name": "汽车制造业"})
    user, _created = get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    return unit, user


def make_workbook(path: Path, rows: int, year: int):
    from openpyxl import Workbook

    from prospects.excel.writer import basic_info_headers

    rng = random.Random(2002)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户基本信息表")
    sheet.append(basic_info_headers(year))
    cities = ["北京", "上海", "天津", "重庆", "苏州", "杭州", "宁波", "深圳"]
    for n in range(rows):
        revenue = rng.choice([rng.randint(200000, 3000000), rng.randint(10000, 199999), rng.randint(500, 9999)])
        sheet.append([
            None, f"基准公司{n:06d}有限公司", "汽车制造业", None, revenue, rng.choice(cities), f"{revenue // 300:,}",
            rng.choice([0, revenue // 2000]), "IBM、HP", rng.choice("高中低"), rng.randint(1, 500),
            rng.choice(["国有", "合资", "民营", "外资"]), rng.randint(50, 50000), "", rng.randint(1, 200), "行业年鉴",
        ])  # fmt: skip
    book.save(path)


def openpyxl_iterate(path: Path) -> float:
    from openpyxl import load_workbook

    start = time.perf_counter()
    book = load_workbook(path, read_only=True)
    count = sum(1 for _ in book["客户基本信息表"].iter_rows(values_only=True))
    book.close()
    assert count > 0
    return time.perf_counter() - start


def run_command(path: Path, year: int) -> tuple[float, str, float]:
    env = dict(os.environ)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "import_customers", str(path), "--bu", BU, "--segment", "AUTO",
         "--year", str(year), "--as", "bench-admin"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        print(done.stderr[-2000:])
        raise SystemExit(f"import_customers exited {done.returncode}")
    return elapsed, done.stdout.strip().splitlines()[-1], max(peak, before) / 1024


def import_export_baseline(path: Path, rows: int) -> float | None:
    try:
        import tablib
        from import_export import resources
    except ImportError:
        return None
    from django.db import transaction
    from openpyxl import load_workbook

    from prospects.models import Customer, normalize_name

    unit = Customer._meta.get_field("unit").related_model.objects.get(code=BU)

    class CustomerResource(resources.ModelResource):
        class Meta:
            model = Customer
            fields = ("name", "location", "competitors", "brand_rank", "employees", "it_staff", "source")
            import_id_fields = ("name",)

        def before_save_instance(self, instance, row, **kwargs):
            instance.unit = unit
            instance.name_key = normalize_name(instance.name)
            instance.number = f"IEX-{instance.name_key[-8:]}"

    start = time.perf_counter()
    book = load_workbook(path, read_only=True)
    data = tablib.Dataset(headers=["name", "location", "competitors", "brand_rank", "employees", "it_staff", "source"])
    for index, values in enumerate(book["客户基本信息表"].iter_rows(values_only=True)):
        if index:
            data.append([values[1] + "-iex", values[5], values[8], values[10], values[12], values[14], values[15]])
    with transaction.atomic():
        result = CustomerResource().import_data(data, dry_run=False, raise_errors=True)
    elapsed = time.perf_counter() - start
    assert result.totals["new"] == rows
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=2002)
    args = parser.parse_args()
    tmp = setup_django()
    from django.db import connection

    unit, _user = make_org()
    path = tmp / "basic-info.xlsx"
    make_workbook(path, args.rows, args.year)
    size = path.stat().st_size / 1048576
    print(f"database: {connection.vendor}; rows: {args.rows} x 16 columns; file {size:.1f} MB")
    bare = openpyxl_iterate(path)
    print(f"openpyxl read-only iteration:        {bare:8.2f} s")
    first, summary, peak1 = run_command(path, args.year)
    print(f"import_customers (new customers):    {first:8.2f} s   peak RSS {peak1:6.0f} MB   {summary}")
    again, summary, peak2 = run_command(path, args.year)
    print(f"import_customers again (unchanged):  {again:8.2f} s   peak RSS {peak2:6.0f} MB   {summary}")
    iex = import_export_baseline(path, args.rows)
    if iex is None:
        print("django-import-export: not installed (see the docstring); not measured")
    else:
        print(f"django-import-export (defaults):     {iex:8.2f} s   ratio ours/theirs={first / iex:.2f}")
    print(f"re-import / first import: {again / first:.2f}")
    print(f"ratio={first / bare:.2f}", flush=True)
    from prospects.models import Customer

    Customer.objects.filter(unit=unit).delete()  # slow: a history row each


if __name__ == "__main__":
    main()
