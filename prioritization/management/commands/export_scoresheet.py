from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand

from prioritization.management.commands._scoring_args import (
    add_place_arguments,
    check_output,
    resolve_place,
    resolve_user,
    unusable,
)
from prioritization.services.scoring import NoCriteriaVersion
from prioritization.services.workbooks import scoresheet_write


class Command(BaseCommand):
    help = (
        "Write the score sheet (评分表) of a segment's list: one row per customer, one column per "
        "criterion of the year's criteria version, cells restricted to 1–10. Acts as --as USERNAME "
        "(default: a superuser). Last line: exported=N"
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="the .xlsx file to write")
        add_place_arguments(parser, segment_required=True)

    def handle(self, *args, **options):
        unit, segment = resolve_place(options)
        actor = resolve_user(options.get("as_user"))
        check_output(options["out"])
        try:
            count = scoresheet_write(
                options["out"], actor=actor, unit=unit, segment=segment, year=options["year"]
            )
        except NoCriteriaVersion as exc:
            raise unusable(exc.messages[0]) from exc
        except PermissionDenied as exc:
            raise unusable(f"{actor.username} may not score in {segment}") from exc
        except OSError as exc:
            raise unusable(f"cannot write {options['out']}: {exc}") from exc
        self.stdout.write(f"exported={count}")
