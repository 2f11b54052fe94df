"""Customer-list benchmark: server time of the customer list page (first page and a later page,
default page size, with a filter) for a researcher whose BU has N customers, against the same pages
for a researcher whose BU has 1,000. Also checks that the number of queries does not grow.

    .venv/bin/python bench/customer_list.py [--rows 100000] [--repeat 15]

Uses DATABASE_URL when set (PostgreSQL), else a temporary SQLite file. Last line: ratio = median
page time with --rows customers ÷ with 1,000 (target ≤ 2).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from prospects_data import setup_django

# Pages render with the development static storage (no collected manifest); query logging is the
# same for both sizes.
os.environ["DJANGO_DEBUG"] = "1"

PAGES = [{}, {"page": 5}, {"size_class": "large", "sort": "-completeness"}, {"q": "基准公司0009"}]


def measure(client, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, per_page = [], set(), {}
    for _ in range(repeat):
        for params in PAGES:
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get("/customers/", params, HTTP_HOST="localhost")
                times.append(time.perf_counter() - start)
            per_page.setdefault(str(params), []).append(times[-1])
            assert response.status_code == 200, response.status_code
            queries.add(len(ctx.captured_queries))
    for params, seconds in per_page.items():
        print(f"    {params:45} median {statistics.median(seconds) * 1000:7.1f} ms")
    return statistics.median(times), queries


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="leave the generated customers in the database")
    args = parser.parse_args()
    setup_django("bench-list-")
    from prospects_data import make_unit

    small_unit, _s, small_user = make_unit("BENCHSMALL", 1000)
    big_unit, _b, big_user = make_unit("BENCHBIG", args.rows)
    from django.db import connection
    from django.test import Client

    from prospects.models import Customer

    print(f"database: {connection.vendor}")
    results = {}
    for label, user in (("1,000", small_user), (f"{args.rows:,}", big_user)):
        client = Client()
        client.force_login(user)
        client.get("/customers/", HTTP_HOST="localhost")  # warm up
        results[label] = measure(client, args.repeat)
        median, queries = results[label]
        print(
            f"list page with {label:>8} customers: median {median * 1000:7.1f} ms  queries per page {sorted(queries)}"
        )
    small, big = results["1,000"][0], results[f"{args.rows:,}"][0]
    print(f"ratio={big / small:.2f}", flush=True)
    if not args.keep:
        Customer.objects.filter(unit__in=[small_unit, big_unit]).delete()  # slow: a history row each


if __name__ == "__main__":
    main()
