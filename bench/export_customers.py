"""Export benchmark: the basic-info export of N customers (the service behind `export_customers`
and the browser's export) against a bare openpyxl write-only dump of the same values already in
memory. Peak traced memory of each is printed too (the export streams in chunks).

    .venv/bin/python bench/export_customers.py [--rows 100000]

Uses DATABASE_URL when set (PostgreSQL), else a temporary SQLite file. Last line: ratio = export ÷
bare dump (target ≤ 1.2).
"""

from __future__ import annotations

import argparse
import resource
import time

from prospects_data import setup_django


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    tmp = setup_django("bench-export-")
    from prospects_data import make_unit

    unit, _segment, user = make_unit("BENCHEXP", args.rows)
    from django.db import connection
    from openpyxl import Workbook

    from prospects.models import Customer
    from prospects.services.exports import basic_info_rows, customers_export

    print(f"database: {connection.vendor}; customers: {args.rows}")
    # The export first, so that its peak memory is not hidden by the bare dump's rows held in memory.
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    count = customers_export(actor=user, target=tmp / "export.xlsx", unit=unit, year=2002)
    export = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert count == args.rows, count
    print(
        f"customers_export (query+write): {export:7.2f} s  (process peak RSS {before:.0f} MB before, {after:.0f} MB after)"
    )
    # The same values, fetched beforehand, dumped with nothing else.
    values = list(basic_info_rows(Customer.objects.filter(unit=unit), planning_year=2002, segment_names={}))
    start = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户基本信息表")
    for row in values:
        sheet.append(row)
    book.save(tmp / "bare.xlsx")
    bare = time.perf_counter() - start
    held = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del values
    print(
        f"bare openpyxl write-only dump:  {bare:7.2f} s  (values fetched into memory beforehand; peak RSS {held:.0f} MB)"
    )
    print(f"ratio={export / bare:.2f}", flush=True)
    Customer.objects.filter(unit=unit).delete()  # slow: a history row each


if __name__ == "__main__":
    main()
