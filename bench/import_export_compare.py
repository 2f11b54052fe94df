"""Our basic-info import against django-import-export (what a Django user would reach for), on the
same N-row workbook into the same Customer model, side by side in one run.

django-import-export is NOT a dependency of the product: install it in a throwaway environment
outside the repository and run this script with that interpreter, e.g.

    python3.12 -m venv /tmp/die && /tmp/die/bin/pip install 'django==6.1.*' django-import-export
    echo "$PWD/.venv/lib/python3.12/site-packages" > /tmp/die/lib/python3.12/site-packages/zz_project.pth
    /tmp/die/bin/python bench/import_export_compare.py [--rows 100000]

Without it the script says so and exits 0. Each import runs in a child process (its own wall time and
peak memory) on a fresh BU: ours (`import_customers`: validated, new customers with their figures and
list entries), then a ModelResource with the library's defaults, then tuned (use_bulk, skip_diff,
batch_size=1000). Uses DATABASE_URL when set, else a temporary SQLite file. Last line:
ratio = our import ÷ django-import-export tuned (lower is better).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BU = "BENCHIEX"
# The Customer fields of the basic-info table that a ModelResource can map one-to-one (figures live in
# CustomerFinancials, choices are labels: a plain Resource takes the columns as they are).
IEX_COLUMNS = {"name": 1, "location": 5, "competitors": 8, "brand_rank": 10, "employees": 12, "it_staff": 14,
               "source": 15}  # fmt: skip


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prioritization.settings")
    os.environ.setdefault("AXES_ENABLED", "0")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
    if not os.environ.get("DATABASE_URL") and not os.environ.get("DJANGO_SQLITE_PATH"):
        tmp = tempfile.mkdtemp(prefix="bench-iex-")
        os.environ["DJANGO_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
        os.environ.setdefault("DJANGO_VAR_DIR", tmp)
    import django

    django.setup()


def fresh_unit():
    from django.contrib.auth import get_user_model

    from prioritization.models import BusinessGroup, BusinessUnit, Segment
    from prospects.models import Customer

    group, _ = BusinessGroup.objects.get_or_create(code="BENCHBG", defaults={"name": "基准业务群"})
    unit, _ = BusinessUnit.objects.get_or_create(
        code=BU, defaults={"name": "基准对比业务单元", "group": group}
    )
    Customer.objects.filter(unit=unit).delete()
    BusinessUnit.objects.filter(pk=unit.pk).update(next_customer_seq=1)
    Segment.objects.get_or_create(unit=unit, code="AUTO", defaults={"name": "汽车制造业"})
    get_user_model().objects.get_or_create(username="bench-admin", defaults={"is_superuser": True})
    return unit


def phase_ours(path: str, rows: int, year: int) -> dict:
    import io

    from django.core.management import call_command

    fresh_unit()
    out = io.StringIO()
    start = time.perf_counter()
    call_command(
        "import_customers", path, bu=BU, segment="AUTO", year=year, stdout=out, **{"as": "bench-admin"}
    )
    seconds = time.perf_counter() - start
    summary = out.getvalue().strip().splitlines()[-1]
    assert summary.startswith(f"created={rows} "), summary
    return {"seconds": seconds}


def phase_iex(path: str, tuned: bool) -> dict:
    import tablib
    from import_export import fields, resources

    from prospects.models import Customer, SizeClass, normalize_name

    unit = fresh_unit()
    segment = unit.segments.get(code="AUTO")
    counter = iter(range(1, 10**9))

    class Meta:
        model = Customer
        fields = tuple(IEX_COLUMNS)
        import_id_fields = ("name",)
        if tuned:
            use_bulk = True
            skip_diff = True
            batch_size = 1000

    def before_save_instance(self, instance, row, **kwargs):
        instance.unit = unit
        instance.segment = segment
        instance.size_class = instance.size_class or SizeClass.SMALL
        instance.name_key = normalize_name(instance.name)
        instance.number = f"IEX-{next(counter):06d}"

    resource_class = type("CustomerResource", (resources.ModelResource,), {
        "Meta": Meta, "before_save_instance": before_save_instance,
        **{name: fields.Field(attribute=name, column_name=name) for name in IEX_COLUMNS},
    })  # fmt: skip
    start = time.perf_counter()
    # What the library's admin import does with an .xlsx: tablib reads it (openpyxl read-only).
    with open(path, "rb") as handle:
        sheet = tablib.Dataset().load(handle.read(), format="xlsx")
    data = tablib.Dataset(headers=list(IEX_COLUMNS))
    for values in sheet:
        data.append([values[i] for i in IEX_COLUMNS.values()])
    result = resource_class().import_data(data, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - start
    assert result.totals["new"] == len(data), result.totals
    assert Customer.objects.filter(unit=unit).count() == len(data)
    return {"seconds": seconds}


def run_phase(name: str, path: Path, args) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--file", str(path), "--rows", str(args.rows),
         "--year", str(args.year)],
        env=dict(os.environ), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-3000:])
        raise SystemExit(f"phase {name} exited {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--year", type=int, default=2002)
    parser.add_argument("--phase", choices=["ours", "iex-defaults", "iex-tuned"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if importlib.util.find_spec("import_export") is None or importlib.util.find_spec("tablib") is None:
        print("django-import-export is not installed in this interpreter: nothing compared.")
        print("Install it in a throwaway environment outside the repository (see this script's docstring).")
        return 0
    setup_django()
    if args.phase:
        if args.phase == "ours":
            figures = phase_ours(args.file, args.rows, args.year)
        else:
            figures = phase_iex(args.file, tuned=args.phase == "iex-tuned")
        figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return 0

    import import_export
    from django.core.management import call_command
    from django.db import connection
    from import_customers import make_workbook

    call_command("migrate", verbosity=0)
    tmp = Path(tempfile.mkdtemp(prefix="bench-iex-file-"))
    path = tmp / "basic-info.xlsx"
    make_workbook(path, args.rows, args.year)
    print(
        f"database: {connection.vendor}; rows: {args.rows}; django-import-export {import_export.__version__}"
    )
    ours = run_phase("ours", path, args)
    print(
        f"import_customers (ours, validated):          {ours['seconds']:8.2f} s   peak RSS {ours['peak_mb']:5.0f} MB"
    )
    results = {}
    for name, label in (
        ("iex-defaults", "defaults"),
        ("iex-tuned", "tuned: use_bulk, skip_diff, batch_size"),
    ):
        results[name] = run_phase(name, path, args)
        figures = results[name]
        print(f"django-import-export ({label}): {figures['seconds']:8.2f} s   peak RSS {figures['peak_mb']:5.0f} MB"
              f"   ours/theirs={ours['seconds'] / figures['seconds']:.2f}")  # fmt: skip
    fresh_unit()  # leave no rows behind (PostgreSQL)
    from prospects.models import Customer

    Customer.objects.filter(unit__code=BU).delete()
    print(f"ratio={ours['seconds'] / results['iex-tuned']['seconds']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
