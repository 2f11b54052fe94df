import heapq
import os
import secrets
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


def errors_out_check(errors_out: str, source: str) -> Path:
    """The --errors-out target, checked before anything is imported (UnusableInvocation otherwise):
    an .xlsx name in an existing, writable directory, not a directory itself, not the input file."""
    path = Path(errors_out)
    if path.suffix.lower() != ".xlsx":
        raise UnusableInvocation(f"--errors-out must name an .xlsx file: {errors_out}")
    parent = path.parent
    if not parent.is_dir():
        raise UnusableInvocation(f"--errors-out: the directory {parent} does not exist")
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise UnusableInvocation(f"--errors-out: {errors_out} exists and is not a regular file")
        if Path(source).exists() and os.path.samefile(path, source):
            raise UnusableInvocation("--errors-out must not be the input file")
        if not os.access(path, os.W_OK):
            raise UnusableInvocation(f"--errors-out: {errors_out} is not writable")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UnusableInvocation(f"--errors-out: the directory {parent} is not writable")
    return path


def _replace_atomically(path: Path, write) -> None:
    """write(temporary path) next to `path`, then rename it over `path`: a failed write leaves
    neither a half-written workbook nor a missing earlier one."""
    temporary = path.parent / f".{path.stem}-{secrets.token_hex(6)}.xlsx"
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))  # the umask applies
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = (
        "Import a basic-info workbook (客户基本信息表) into a BU's customer database and put the rows on "
        "the BU's list for the planning year. Matches by 客户编号, else by normalised company name within "
        "the BU. All or nothing unless --partial. Acts as --as USERNAME (default: the first active "
        "superuser) and only touches that user's scope: a row naming a customer of another segment that "
        "the user may not change only records an overlap claim, and a warning names the row and the "
        "values not applied. Warnings and row errors go to stderr as 'row N: …'. Exit codes: 0 ok, "
        "1 invalid rows (nothing written unless --partial), 2 unusable invocation or file. "
        "Last line: created=N updated=N unchanged=N errors=N"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument("--bu", required=True, help="business unit code, e.g. MFG")
        parser.add_argument("--segment", help="segment code: the default for rows without 细分市场")
        parser.add_argument("--year", type=int, required=True, help="planning year (figures are of year-1)")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--partial", action="store_true", help="apply the valid rows, reject the others")
        parser.add_argument(
            "--errors-out",
            metavar="OUT.xlsx",
            help=(
                "write the rejected rows to OUT.xlsx as the input had them (its own header row, unknown "
                "columns included, and the rows' cells as written) with an error column 错误原因, to fix "
                "and import again. The path is checked before anything is imported (an .xlsx name in an "
                "existing, writable directory; exit 2 otherwise). When no row is rejected, an existing "
                "OUT.xlsx (from an earlier run) is removed, so the file exists exactly when the last run "
                "rejected rows"
            ),
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
            errors_path = errors_out_check(errors_out, file) if errors_out else None
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
        # Row warnings and row errors in row order (both lists are in row order already).
        notes = heapq.merge(
            ((row, f"row {row}: warning: {warning}") for row, warning in result.row_warnings),
            ((row, f"row {row}: {error}") for row, _raw, error in result.rejected),
            key=lambda note: note[0],
        )
        for _row, text in notes:
            self.stderr.write(text)
        if verbosity >= 2:
            for outcome in result.outcomes:
                if outcome.status != ERROR:
                    detail = "、".join(outcome.changes)
                    if outcome.ignored:
                        detail = f"{detail} (not applied: {'、'.join(outcome.ignored)})".lstrip()
                    self.stdout.write(
                        f"row {outcome.row}: {outcome.status} {outcome.number} {outcome.name} {detail}".rstrip()
                    )
        if errors_path is not None:
            self._errors_out(errors_path, result, unit)
        if dry_run:
            self.stderr.write("dry run: nothing was written")
        elif result.errors and not partial:
            self.stderr.write(
                "nothing was written because some rows are invalid (use --partial to apply the valid rows)"
            )
        self.stdout.write(result.summary)
        if result.errors:
            raise SystemExit(1)

    def _errors_out(self, path: Path, result, unit) -> None:
        if not result.rejected:
            try:
                if path.is_file():
                    path.unlink()
                    self.stderr.write(f"no rejected rows: removed {path} (left by an earlier run)")
                else:
                    self.stderr.write(f"no rejected rows: {path} not written")
            except OSError as exc:
                self.stderr.write(f"no rejected rows, but could not remove the earlier {path}: {exc}")
            return
        try:
            _replace_atomically(
                path, lambda temporary: rejected_rows_write(target=temporary, result=result, unit=unit)
            )
        except OSError as exc:  # the rows are already reported above; the import itself stands
            self.stderr.write(f"could not write the rejected rows to {path}: {exc}")
            return
        if result.applied or result.dry_run:
            self.stderr.write(f"rejected rows written to {path}")
        else:  # all or nothing: the rejected rows alone are not what is left to import
            self.stderr.write(
                f"rejected rows written to {path} (nothing was imported, the valid rows neither: fix the "
                "original file, or import it with --partial first)"
            )
