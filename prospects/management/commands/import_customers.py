from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand

from prospects.excel.reader import WorkbookError
from prospects.management.arguments import (
    UnusableInvocation,
    add_actor_argument,
    resolve_actor,
    resolve_place,
)
from prospects.services.exports import rejected_rows_write
from prospects.services.imports import ERROR, customers_import


class Command(BaseCommand):
    help = (
        "Import a basic-info workbook (客户基本信息表) into a BU's customer database and put the rows on "
        "the BU's list for the planning year. Matches by 客户编号, else by normalised company name within "
        "the BU. All or nothing unless --partial. Acts as --as USERNAME (default: the first active "
        "superuser) and only touches that user's scope. Exit codes: 0 ok, 1 invalid rows (nothing written "
        "unless --partial), 2 unusable invocation or file. Last line: created=N updated=N unchanged=N errors=N"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument("--bu", required=True, help="business unit code, e.g. MFG")
        parser.add_argument("--segment", help="segment code: the default for rows without 细分市场")
        parser.add_argument("--year", type=int, required=True, help="planning year (figures are of year-1)")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--partial", action="store_true", help="apply the valid rows, reject the others")
        parser.add_argument(
            "--errors-out", metavar="OUT.xlsx", help="write the rejected rows with an error column"
        )
        add_actor_argument(parser)

    def handle(
        self, *args, file, bu, segment, year, dry_run, partial, errors_out, as_user, verbosity, **options
    ):
        summary = "created=0 updated=0 unchanged=0 errors=0"
        try:
            actor = resolve_actor(as_user)
            unit, segment_obj = resolve_place(bu, segment)
            if not 1900 <= year <= 2200:
                raise UnusableInvocation(f"implausible planning year: {year}")
            try:
                result = customers_import(
                    actor=actor, path=Path(file), unit=unit, segment=segment_obj, year=year,
                    dry_run=dry_run, partial=partial, keep_outcomes=verbosity >= 2,
                )  # fmt: skip
            except WorkbookError as exc:
                raise UnusableInvocation(str(exc)) from exc
            except PermissionDenied as exc:
                raise UnusableInvocation(
                    f"{actor.username} may not import customers into {bu} {segment or ''}"
                ) from exc
        except UnusableInvocation as exc:
            self.stderr.write(str(exc))
            self.stdout.write(summary)
            raise SystemExit(2) from exc

        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        for row, _raw, error in result.rejected:
            self.stderr.write(f"row {row}: {error}")
        if verbosity >= 2:
            for outcome in result.outcomes:
                if outcome.status != ERROR:
                    detail = "、".join(outcome.changes)
                    self.stdout.write(
                        f"row {outcome.row}: {outcome.status} {outcome.number} {outcome.name} {detail}".rstrip()
                    )
        if errors_out and result.rejected:
            rejected_rows_write(target=errors_out, result=result, unit=unit)
            self.stderr.write(f"rejected rows written to {errors_out}")
        if dry_run:
            self.stderr.write("dry run: nothing was written")
        elif result.errors and not partial:
            self.stderr.write(
                "nothing was written because some rows are invalid (use --partial to apply the valid rows)"
            )
        self.stdout.write(result.summary)
        if result.errors:
            raise SystemExit(1)
