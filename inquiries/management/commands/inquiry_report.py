from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from inquiries.services.reports import monthly_report_workbook, parse_month
from prioritization.access import Action, scope_for
from prioritization.models import BusinessUnit


class Command(BaseCommand):
    help = (
        "Write the monthly inquiry report of a BU (for the BU VP) to OUT.xlsx. Acts as --as USERNAME "
        "(who must hold inquiry reports for the BU), by default as a superuser. Exit 2: unknown BU or "
        "user, bad month, not allowed, or OUT not writable. Last line: inquiries=N."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="the workbook to write (.xlsx)")
        parser.add_argument("--bu", required=True, help="business unit code")
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--as", dest="as_user", help="act as this user (default: a superuser)")

    def handle(self, *args, **options):
        def fail(message):
            raise CommandError(message, returncode=2)

        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            fail(f"OUT must be an .xlsx file: {out}")
        if not out.parent.exists():
            fail(f"folder does not exist: {out.parent}")
        unit = BusinessUnit.objects.filter(code=options["bu"]).first()
        if unit is None:
            fail(f"unknown BU: {options['bu']}")
        try:
            month = parse_month(options["month"])
        except ValueError:
            fail(f"--month must be YYYY-MM: {options['month']}")
        users = get_user_model().objects.filter(is_active=True)
        if options["as_user"]:
            actor = users.filter(username=options["as_user"]).first()
            if actor is None:
                fail(f"unknown user: {options['as_user']}")
        else:
            actor = users.filter(is_superuser=True).order_by("pk").first()
            if actor is None:
                fail("no superuser exists; pass --as USERNAME")
        if not scope_for(actor).can_in(Action.INQUIRY_REPORTS, unit=unit):
            fail(f"{actor.username} may not read the inquiry reports of {unit.code}")
        content, count = monthly_report_workbook(actor=actor, unit=unit, month=month)
        out.write_bytes(content)
        self.stdout.write(f"inquiries={count}")
