"""The Django side of the chaos test, run as a separate process against the chaos database (the same
environment the worker and beat get), never inside pytest's own test database:

    python -m tests.faults.chaos_django seed ANCHOR_EPOCH TIMERS WINDOW_SECONDS
    python -m tests.faults.chaos_django resolve MAIL_DIR
    python -m tests.faults.chaos_django report MAIL_DIR [OUTBOX_IDS_RESENT_BY_THE_ADMINISTRATOR]

`seed` writes an organisation and TIMERS inquiries whose single SLA event (a logging reminder to
the person who logged the call, or — every third timer — an escalation to the segment manager)
falls due between ANCHOR and ANCHOR + WINDOW. `report` prints, as JSON, what was recorded and
e-mailed for them: notifications and outbox rows against the expected events, and every message
found in the file back-end's mail files (by the outbox row's Message-ID).

`resolve` does what the administrator does about e-mails left in doubt by a worker killed in the
middle of sending one after the message started to leave (marked by `data_started_at`; the product
never resends those by itself: the message may have arrived — a send killed before that mark is
retried automatically). Once such a send is stale the outbox sweep marks it "unknown"; the administrator lists the unknown
e-mails in the admin, looks each one up by its Message-ID in the mail log (here: the mail files) and
resends, with the admin action, those that never arrived."""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prioritization.settings")

REMINDER_RECIPIENTS = 4
MESSAGE_ID = re.compile(rb"^message-id:\s*<outbox-(\d+)\.", re.IGNORECASE | re.MULTILINE)


def _is_escalation(index: int) -> bool:
    return index % 3 == 2


def seed(anchor: float, timers: int, window: float) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from inquiries.models import Inquiry, Status
    from inquiries.services.inquiries import refresh_next_sla
    from prioritization.models import BusinessGroup, BusinessUnit, Membership, Role, Segment

    User = get_user_model()
    start = datetime.fromtimestamp(anchor, tz=UTC)
    with transaction.atomic():
        group = BusinessGroup.objects.create(code="CHAOS", name="混沌测试业务群")
        unit = BusinessUnit.objects.create(group=group, code="CHAOSBU", name="混沌测试业务单元")
        segment = Segment.objects.create(unit=unit, code="CHAOSSEG", name="混沌测试细分市场")
        User.objects.create(username="chaos-admin", is_staff=True, is_superuser=True)
        manager = User.objects.create(username="chaos-segmgr", email="chaos-segmgr@example.com")
        Membership.objects.create(
            user=manager, role=Role.SEGMENT_MANAGER, group=group, unit=unit, segment=segment
        )
        loggers = []
        for n in range(REMINDER_RECIPIENTS):
            user = User.objects.create(username=f"chaos-pr{n}", email=f"chaos-pr{n}@example.com")
            Membership.objects.create(user=user, role=Role.PR_OWNER, group=group, unit=unit)
            loggers.append(user)
        rows = []
        for index in range(timers):
            due = start + timedelta(seconds=window * index / timers)
            call_at = due - timedelta(minutes=20)
            row = Inquiry(
                unit=unit,
                segment=segment,
                status=Status.CAPTURED,
                call_at=call_at,
                company_name=f"混沌公司{index:04d}",
                phone="010-0000",
                logged_by=loggers[index % REMINDER_RECIPIENTS],
                created_at=call_at,
                # One event per timer: a reminder whose deadline lies beyond the test, or an
                # escalation (reminder instant = deadline, so no reminder precedes it).
                log_remind_at=due,
                log_due_at=due if _is_escalation(index) else due + timedelta(hours=2),
                reply_remind_at=call_at + timedelta(hours=18),
                reply_due_at=call_at + timedelta(hours=24),
            )
            refresh_next_sla(row)
            assert row.next_sla_at == due
            rows.append(row)
        Inquiry.objects.bulk_create(rows, batch_size=500)
    return {"timers": timers, "first_due": start.isoformat(), "manager": manager.pk}


def _mail_counts(mail_dir: Path) -> dict[int, int]:
    counts: dict[int, int] = {}
    for path in sorted(mail_dir.glob("*")):
        for match in MESSAGE_ID.finditer(path.read_bytes()):
            pk = int(match.group(1))
            counts[pk] = counts.get(pk, 0) + 1
    return counts


def resolve(mail_dir: Path) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from prioritization.models import OutboundEmail
    from prioritization.services.notifications import SENDING_STALE_AFTER, outbox_flush

    # Time passes: the sweep, run as of the moment those sends are stale, marks them unknown.
    stale = outbox_flush(now=timezone.now() + SENDING_STALE_AFTER + timedelta(minutes=1))["stale"]
    unknown = list(OutboundEmail.objects.filter(status=OutboundEmail.Status.UNKNOWN))
    mails = _mail_counts(mail_dir)
    never_arrived = [row.pk for row in unknown if mails.get(row.pk, 0) == 0]
    client = Client()
    client.force_login(get_user_model().objects.get(username="chaos-admin"))
    listed = client.get("/admin/prioritization/outboundemail/", {"status__exact": "unknown"})
    assert listed.status_code == 200
    assert all(f"/admin/prioritization/outboundemail/{row.pk}/" in listed.text for row in unknown), (
        listed.text
    )
    if never_arrived:
        response = client.post(
            "/admin/prioritization/outboundemail/", {"action": "resend", "_selected_action": never_arrived}
        )
        assert response.status_code == 302
    return {
        "stale": stale,
        "unknown": len(unknown),
        "confirmed_delivered": [row.pk for row in unknown if mails.get(row.pk, 0) == 1],
        "resent": never_arrived,
    }


def report(mail_dir: Path, resent: set[int]) -> dict:
    from inquiries.models import Inquiry
    from prioritization.models import Membership, Notification, OutboundEmail, Role

    manager_ids = set(Membership.objects.filter(role=Role.SEGMENT_MANAGER).values_list("user_id", flat=True))
    expected: dict[tuple[int, str], datetime] = {}
    for pk, remind_at, due_at, logged_by in Inquiry.objects.values_list(
        "pk", "log_remind_at", "log_due_at", "logged_by_id"
    ):
        if remind_at == due_at:
            for manager in manager_ids:
                expected[(manager, f"inquiry:{pk}:log-escalation")] = due_at
        else:
            expected[(logged_by, f"inquiry:{pk}:log-reminder")] = remind_at
    notifications = {
        (n.recipient_id, n.key): n for n in Notification.objects.filter(key__startswith="inquiry:")
    }
    rows = {row.notification_id: row for row in OutboundEmail.objects.all()}
    mails = _mail_counts(mail_dir)
    now = datetime.now(tz=UTC)
    statuses: dict[str, int] = {}
    sent_once = duplicates = missed = not_recorded = 0
    in_doubt, recorded_late, mailed_late = [], [], []
    for pair, due in expected.items():
        notification = notifications.get(pair)
        if notification is None:
            not_recorded += 1
            missed += 1
            continue
        recorded_late.append((notification.created_at - due).total_seconds())
        row = rows.get(notification.pk)
        if row is None:
            missed += 1
            continue
        statuses[row.status] = statuses.get(row.status, 0) + 1
        copies = mails.get(row.pk, 0)
        if row.status in (OutboundEmail.Status.SENDING, OutboundEmail.Status.UNKNOWN):
            in_doubt.append({"outbox": row.pk, "status": row.status, "copies": copies})
        if copies == 1:
            sent_once += 1
            if row.sent_at and row.pk not in resent:  # those waited for the administrator
                mailed_late.append((row.sent_at - due).total_seconds())
        elif copies > 1:
            duplicates += 1
        else:
            missed += 1
        if copies and row.status == OutboundEmail.Status.PENDING:
            raise AssertionError(f"outbox row {row.pk} is pending although its mail left")
    return {
        "expected": len(expected),
        "recorded": len(notifications),
        "unexpected_records": len(set(notifications) - set(expected)),
        "not_recorded": not_recorded,
        "outbox_rows": len(rows),
        "statuses": statuses,
        "mail_messages": sum(mails.values()),
        "mails_without_row": sorted(set(mails) - {row.pk for row in rows.values()}),
        "sent_once": sent_once,
        "duplicates": duplicates,
        "missed": missed,
        "in_doubt": in_doubt,
        "max_recorded_lateness": max(recorded_late, default=None),
        "max_mailed_lateness": max(mailed_late, default=None),
        "remaining_due": Inquiry.objects.filter(next_sla_at__lte=now).count(),
    }


def main(argv: list[str]) -> int:
    import django

    django.setup()
    if argv[0] == "seed":
        result = seed(float(argv[1]), int(argv[2]), float(argv[3]))
    elif argv[0] == "resolve":
        result = resolve(Path(argv[1]))
    elif argv[0] == "report":
        result = report(Path(argv[1]), {int(pk) for pk in argv[2:3] and argv[2].split(",") if pk})
    else:
        raise SystemExit(f"unknown command {argv[0]!r}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
