import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand

from prioritization.management.commands._scoring_args import (
    add_place_arguments,
    resolve_place,
    resolve_user,
    unusable,
)
from prioritization.services.scoring import NoCriteriaVersion
from prioritization.services.workbooks import UnusableFile, scores_import


class Command(BaseCommand):
    help = (
        "Record an evaluator's scorecards from a filled score sheet (评分表). A score is a number from "
        "1 to 10 with at most one decimal; an empty cell means not scored. Invalid rows: details are "
        "printed and nothing is written (exit 1) unless --partial. Unknown columns are ignored and "
        "reported (warning: lines). Acts as --as USERNAME (default: the evaluator). Last line: "
        "scored=N errors=N"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the filled .xlsx score sheet")
        add_place_arguments(parser, segment=False)
        parser.add_argument("--evaluator", required=True, help="username of the evaluator (评估人)")
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument(
            "--partial", action="store_true", help="write the valid rows despite invalid ones"
        )

    def handle(self, *args, **options):
        unit, _segment = resolve_place(options)
        evaluator = resolve_user(options["evaluator"], what="evaluator")
        actor = resolve_user(options["as_user"]) if options.get("as_user") else evaluator
        path = Path(options["file"])
        if not path.is_file():
            raise unusable(f"file not found: {path}")
        if path.stat().st_size > 20 * 1024 * 1024:
            raise unusable(f"file over 20 MB: {path}")
        try:
            with path.open("rb") as handle:
                result = scores_import(
                    actor=actor,
                    evaluator=evaluator,
                    unit=unit,
                    year=options["year"],
                    file=handle,
                    dry_run=options["dry_run"],
                    partial=options["partial"],
                )
        except (UnusableFile, NoCriteriaVersion) as exc:
            raise unusable("; ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise unusable(f"{actor.username} may not score in {unit.code}") from exc
        except ValidationError as exc:  # refused while writing: nothing was written
            for message in exc.messages:
                self.stdout.write(f"error: {message}")
            self.stdout.write("scored=0 errors=1")
            sys.exit(1)
        for warning in result.warnings:  # e.g. unknown columns, ignored
            self.stdout.write(f"warning: {warning}")
        for row, message in result.errors:
            self.stdout.write(f"row {row}: {message}")
        errors = len({row for row, _m in result.errors})
        summary = f"scored={result.scored if result.written or options['dry_run'] else 0} errors={errors}"
        self.stdout.write(summary)
        if errors:  # the input had invalid rows (with --partial the valid ones were written)
            sys.exit(1)
