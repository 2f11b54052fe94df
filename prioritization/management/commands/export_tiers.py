from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand

from prioritization.management.commands._scoring_args import (
    add_place_arguments,
    check_output,
    resolve_place,
    resolve_user,
    unusable,
)
from prioritization.services.workbooks import tiers_write


class Command(BaseCommand):
    help = (
        "Write the tiered target list and owner list (目标客户分级名单) of the BU-year, optionally one "
        "segment. Acts as --as USERNAME (default: a superuser). Last line: exported=N"
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="the .xlsx file to write")
        add_place_arguments(parser)

    def handle(self, *args, **options):
        unit, segment = resolve_place(options)
        actor = resolve_user(options.get("as_user"))
        check_output(options["out"])
        try:
            count = tiers_write(options["out"], actor=actor, unit=unit, year=options["year"], segment=segment)
        except PermissionDenied as exc:
            raise unusable(f"{actor.username} may not see {segment.code if segment else unit.code}") from exc
        except OSError as exc:
            raise unusable(f"cannot write {options['out']}: {exc}") from exc
        self.stdout.write(f"exported={count}")
