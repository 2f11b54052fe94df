from django.core.management.base import BaseCommand

from prospects.management.arguments import (
    UnusableInvocation,
    add_actor_argument,
    resolve_actor,
    resolve_place,
)
from prospects.services.exports import customers_export


class Command(BaseCommand):
    help = (
        "Write the basic-info table (客户基本信息表) of the customers on a BU's list for the planning year "
        "(narrowed to --segment), with the figures of year-1; importing it back changes nothing. Acts as "
        "--as USERNAME (default: the first active superuser) and exports only that user's scope. "
        "Exit codes: 0 ok, 2 unusable invocation. Last line: exported=N"
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="the .xlsx file to write")
        parser.add_argument("--bu", required=True, help="business unit code, e.g. MFG")
        parser.add_argument("--segment", help="segment code")
        parser.add_argument("--year", type=int, required=True, help="planning year")
        add_actor_argument(parser)

    def handle(self, *args, out, bu, segment, year, as_user, **options):
        try:
            actor = resolve_actor(as_user)
            unit, segment_obj = resolve_place(bu, segment)
            if not out.lower().endswith(".xlsx"):
                raise UnusableInvocation("the output file must end in .xlsx")
            try:
                count = customers_export(actor=actor, target=out, unit=unit, year=year, segment=segment_obj)
            except OSError as exc:
                raise UnusableInvocation(f"cannot write {out}: {exc}") from exc
        except UnusableInvocation as exc:
            self.stderr.write(str(exc))
            self.stdout.write("exported=0")
            raise SystemExit(2) from exc
        self.stdout.write(f"exported={count}")
