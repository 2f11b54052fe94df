from django.core.management.base import BaseCommand

from prioritization.services.demo import DEMO_PASSWORD, USERS, demo_load
from prospects.models import Customer


class Command(BaseCommand):
    help = "Load the demo organisation (idempotent): one user per role, criteria, customers, inquiries."

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=0, help="generated prospects beyond the examples"
        )

    def handle(self, *args, customers, **options):
        if customers < 0:
            self.stderr.write("--customers must be 0 or more")
            raise SystemExit(2)
        org = demo_load(customers=customers)
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        self.stdout.write(f"  {'admin':<11} system administrator (superuser)")
        for username, _name, role, place, _staff in USERS:
            self.stdout.write(f"  {username:<11} {role.label} · {place}")
        count = Customer.objects.filter(unit=org.unit).count()
        self.stdout.write(f"demo: users={org.summary['users']} customers={count}")
