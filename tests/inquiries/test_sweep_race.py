"""Two sweeps racing on PostgreSQL (SELECT … FOR UPDATE SKIP LOCKED): each notification once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections

from inquiries.services.sweep import sla_sweep
from prioritization.models import Notification
from tests.inquiries.conftest import T0

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SKIP LOCKED races need PostgreSQL")
def test_two_racing_sweeps_send_each_reminder_once(org, pr, segmgr, log):
    assert connection.vendor == "postgresql"
    for n in range(60):
        log(pr, company_name=f"公司{n}", complete=False)
    results, barrier = [], threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(sla_sweep(now=T0 + timedelta(minutes=21), batch=5))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.reminders for r in results) == 60
    assert Notification.objects.filter(key__endswith="log-reminder").count() == 60
