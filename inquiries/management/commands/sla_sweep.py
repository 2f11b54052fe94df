from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inquiries.services.sweep import sla_sweep


class Command(BaseCommand):
    help = (
        "One pass of the inquiry SLA engine (what Celery beat runs every minute): sends the reminders "
        "and escalations due, each exactly once. --now ISO-8601 evaluates as of that instant (a time "
        "without a zone is in TIME_ZONE). Runs as the system: recipients come from each inquiry's "
        "scope. Last line: reminders=N escalations=N."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="evaluate as of this instant (ISO-8601)")

    def handle(self, *args, **options):
        now = timezone.now()
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(
                    f"--now is not an ISO-8601 date-time: {options['now']}", returncode=2
                ) from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        result = sla_sweep(now=now)
        self.stdout.write(f"reminders={result.reminders} escalations={result.escalations}")
