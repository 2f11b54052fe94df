from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand

from prioritization.management.commands._scoring_args import (
    add_place_arguments,
    resolve_place,
    resolve_user,
    unusable,
)
from prioritization.services.scoring import NoCriteriaVersion, scores_recompute, scores_recompute_as


class Command(BaseCommand):
    help = (
        "Recompute weighted attractiveness/feasibility scores, ranks (综合排名, within each segment) and "
        "proposed tiers of the BU's list for the year (--segment: of that segment only); decided and "
        "manual tiers stay. Acts as --as "
        "USERNAME (default: a superuser). Last line: scored=N tier1=N tier2=N tier3=N no=N incomplete=N"
    )

    def add_arguments(self, parser):
        add_place_arguments(parser)

    def handle(self, *args, **options):
        unit, segment = resolve_place(options)
        actor = resolve_user(options.get("as_user"))
        try:
            if actor.is_superuser:
                counts = scores_recompute(unit=unit, year=options["year"], segment=segment)
            else:
                counts = scores_recompute_as(actor=actor, unit=unit, year=options["year"], segment=segment)
        except NoCriteriaVersion as exc:
            raise unusable(exc.messages[0]) from exc
        except PermissionDenied as exc:
            raise unusable(f"{actor.username} may not score in {unit.code}") from exc
        except ValidationError as exc:
            raise unusable("; ".join(exc.messages)) from exc
        self.stdout.write(
            "scored={scored} tier1={tier1} tier2={tier2} tier3={tier3} no={no} incomplete={incomplete}".format(
                **counts
            )
        )
