"""Export of the basic-info table: the same layout the importer reads, so that importing an export
back changes nothing. Streams in key-ordered chunks (flat memory) through the user's scope."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.db.models import FilteredRelation, Q, QuerySet
from django.utils.translation import gettext as _

from prioritization.access import Action, scope_for
from prioritization.models import AuditEvent, BusinessUnit, Segment
from prioritization.services.audit import audit_record
from prospects.excel.columns import CHOICE_LABELS
from prospects.excel.writer import write_basic_info, write_rows_as_given
from prospects.models import Customer

CHUNK = 5000
_FIELDS = (
    "pk", "number", "name", "segment_id", "size_class", "location", "competitors", "attitude",
    "brand_rank", "ownership", "employees", "disclosures", "it_staff", "source",
)  # fmt: skip


def _amount(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value


def basic_info_rows(
    queryset: QuerySet, *, planning_year: int, segment_names: dict[int, str]
) -> Iterator[list]:
    """One list per customer in the basic-info column order; figures of planning_year - 1."""
    sizes, attitudes, ownerships = (
        CHOICE_LABELS["size_class"],
        CHOICE_LABELS["attitude"],
        CHOICE_LABELS["ownership"],
    )
    # The previous year's figures joined in the same query (at most one row per customer and year).
    values = (
        queryset.annotate(fy=FilteredRelation("financials", condition=Q(financials__year=planning_year - 1)))
        .order_by("pk")
        .values_list(*_FIELDS, "fy__revenue", "fy__it_spend", "fy__purchases_from_us")
    )
    last = 0
    while True:
        rows = list(values.filter(pk__gt=last)[:CHUNK])
        if not rows:
            return
        last = rows[-1][0]
        for (_pk, number, name, segment_id, size, location, competitors, attitude, brand_rank, ownership,
             employees, disclosures, it_staff, source, revenue, it_spend, purchases) in rows:  # fmt: skip
            yield [
                number, name, segment_names.get(segment_id), sizes.get(size), _amount(revenue),
                location or None, _amount(it_spend), _amount(purchases), competitors or None,
                attitudes.get(attitude), brand_rank, ownerships.get(ownership), employees,
                disclosures or None, it_staff, source or None,
            ]  # fmt: skip


def _reporting(rows: Iterator[list], progress: Callable[[int], None]) -> Iterator[list]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % CHUNK == 0:
            progress(done)
    progress(done)


def customers_for_export(*, actor, unit: BusinessUnit, year: int, segment: Segment | None = None) -> QuerySet:
    """The customers on the BU's list for `year` (narrowed to a segment), within the user's scope."""
    qs = Customer.objects.filter(unit=unit, list_entries__year=year)
    if segment is not None:
        qs = qs.filter(segment=segment)
    return scope_for(actor).filter(qs, Action.VIEW)


def customers_export(*, actor, target, unit: BusinessUnit, year: int, queryset: QuerySet | None = None,
                     segment: Segment | None = None, progress: Callable[[int], None] | None = None) -> int:  # fmt: skip
    """Write the basic-info workbook of `queryset` (default: the year's list) to `target`;
    `progress(rows_written)` is called after every chunk."""
    if queryset is None:
        queryset = customers_for_export(actor=actor, unit=unit, year=year, segment=segment)
    else:
        queryset = scope_for(actor).filter(queryset, Action.VIEW)
    segments = list(Segment.objects.filter(unit=unit).order_by("code"))
    names = {s.pk: s.name for s in segments}
    rows = basic_info_rows(queryset, planning_year=year, segment_names=names)
    if progress is not None:
        rows = _reporting(rows, progress)
    count = write_basic_info(
        target,
        rows,
        planning_year=year,
        segment_labels=[s.name for s in segments],
    )
    audit_record(
        kind=AuditEvent.Kind.EXPORT,
        actor=actor,
        unit=unit,
        target=f"customers {year}",
        detail={"rows": count},
    )
    return count


def template_write(*, target, unit: BusinessUnit, year: int) -> int:
    segments = list(Segment.objects.filter(unit=unit, is_active=True).order_by("code"))
    return write_basic_info(target, [], planning_year=year, segment_labels=[s.name for s in segments])


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


ERROR_HEADER_TEXTS = ("错误原因",)  # an earlier rejected-rows file's error column, whatever the language now


def rejected_rows_write(*, target, result, unit: BusinessUnit) -> int:
    """The rows an import rejected, exactly as the user wrote them, to fix and upload again: the
    file's own header row (every header cell as written — a 「公司营业额(2024)」 stays 2024 — unknown
    columns such as 序号 or 备注 included, same order and same column letters) and the rejected rows'
    cells as given, plus an error column (错误原因). A file that already has an error column (an
    earlier rejected-rows file, fixed and uploaded again) gets the new reasons in that column."""
    error_header = _("错误原因")
    headers: list = list(result.headers)
    width = max([len(headers), *(len(raw) for _row, raw, _error in result.rejected)])
    headers += [""] * (width - len(headers))
    # Trailing columns with neither a header nor a value in a rejected row (a used range that
    # reaches further right than the data) are left out.
    while (
        width
        and _blank(headers[width - 1])
        and all(width > len(raw) or _blank(raw[width - 1]) for _row, raw, _error in result.rejected)
    ):
        width -= 1
    headers = headers[:width]
    known = {error_header, *ERROR_HEADER_TEXTS}
    error_index = next(
        (i for i, text in enumerate(headers) if isinstance(text, str) and text.strip() in known), None
    )
    if error_index is None:
        error_index = width
        headers.append(error_header)
        width += 1
    pad = [None] * result.first_col  # the sheet's first used column keeps its letter

    def rows():
        for row, raw, error in result.rejected:
            values = [None if v == "" else v for v in raw[:width]]
            values += [None] * (width - len(values))
            values[error_index] = f"{_('第 %(row)s 行') % {'row': row}}：{error}"
            yield pad + values

    segments = list(Segment.objects.filter(unit=unit).order_by("code"))
    positions = {key: result.first_col + index for key, index in result.column_index.items()}
    return write_rows_as_given(
        target, pad + [text or None for text in headers], rows(), planning_year=result.planning_year,
        segment_labels=[s.name for s in segments], positions=positions,
        note_columns=[result.first_col + error_index],
    )  # fmt: skip
