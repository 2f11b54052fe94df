"""Import of a basic-info workbook (2.3.2): reader → validator → match → bulk writes.

All or nothing by default: rows are validated and matched chunk by chunk; once a row has an error,
nothing more is written and the transaction is rolled back at the end (every error is still
reported). With `partial=True` the valid rows are applied and the rejected ones are returned (with
their raw values) for a rejected-rows workbook. `dry_run=True` writes nothing and tells per row what
would happen. Memory stays flat: only the matching keys of earlier rows and the outcomes are kept."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.selectors import size_bands_for
from prioritization import listcache
from prioritization.access import Action, scope_for
from prioritization.models import AuditEvent, BusinessUnit, Segment
from prioritization.services.audit import audit_record
from prospects.completeness import FINANCIAL_FIELDS, completeness_percent
from prospects.excel.columns import AMOUNT_KEYS, BY_KEY, CUSTOMER_KEYS, normalize_header
from prospects.excel.reader import WorkbookError, open_basic_info
from prospects.excel.validator import CleanRow, RowContext, resolve_amount_years, validate_row
from prospects.models import Customer, CustomerFinancials, ListEntry, SegmentClaim
from prospects.services.bulk import copy_to_history, insert_rows, update_rows
from prospects.services.customers import customer_number_allocate

CHUNK = 2000
NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
_COUNTERS = {NEW: "created", UPDATE: "updated", UNCHANGED: "unchanged"}


@dataclass
class RowOutcome:
    row: int
    status: str
    name: str = ""
    number: str = ""
    changes: list[str] = field(default_factory=list)  # headers of the columns that change
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    warnings: list[str] = field(default_factory=list)
    customer_id: int | None = None
    # headers of the columns whose values differ but are not applied (a customer outside the user's
    # scope, recorded as an overlap claim only)
    ignored: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    planning_year: int
    header_row: int = 0
    headers: list[str] = field(default_factory=list)  # every header cell as written, by raw-row index
    first_col: int = 0  # 0-based sheet column of raw index 0 (the sheet's first used column)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    outcomes: list[RowOutcome] = field(default_factory=list)
    rejected: list[tuple[int, list, str]] = field(default_factory=list)  # (row, raw values, error text)
    headers_by_key: dict[str, str] = field(default_factory=dict)  # column key → header as written
    column_index: dict[str, int] = field(default_factory=dict)  # column key → position in the raw row
    unknown_columns: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # about the whole file
    # (row, warning) of every row, kept even without keep_outcomes: an overlap claim, values that are
    # not applied because the customer is outside the user's scope
    row_warnings: list[tuple[int, str]] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False

    @property
    def summary(self) -> str:
        return (
            f"created={self.created} updated={self.updated} unchanged={self.unchanged} errors={self.errors}"
        )


class _Rollback(Exception):
    pass


class _Stored(SimpleNamespace):
    """A stored row read as plain values: a 100,000-row re-import builds no model instance (their
    construction and init signals were a tenth of its time)."""

    @property
    def pk(self):
        return self.id


def _same(current, new) -> bool:
    if isinstance(new, Decimal) or isinstance(current, Decimal):
        return current is not None and new is not None and Decimal(current) == Decimal(new)
    return current == new


class _Importer:
    def __init__(self, *, actor, unit, segment, year, dry_run, partial, keep_outcomes, now):
        self.actor, self.unit, self.segment, self.year = actor, unit, segment, year
        self.dry_run, self.partial, self.keep_outcomes = dry_run, partial, keep_outcomes
        self.now = now
        self.scope = scope_for(actor)
        segments = list(Segment.objects.filter(unit=unit).order_by("code"))
        self.segments = {s.pk: s for s in segments}
        self.importable = {s.pk for s in segments if self.scope.can_in(Action.IMPORT, unit=unit, segment=s)}
        self.segment_keys = {}
        for s in segments:
            self.segment_keys[normalize_header(s.code)] = s.pk
            self.segment_keys[normalize_header(s.name)] = s.pk
        self.seen_customers: dict[int, int] = {}  # customer pk → first row that matched it
        self.seen_names: dict[str, int] = {}  # name key → first row that uses it
        self.seen_numbers: dict[str, int] = {}
        self.stop_writing = False

    # --- one chunk ------------------------------------------------------------------------------
    def process(self, chunk: list[tuple[int, CleanRow | None, list, list]], result: ImportResult):
        valid = [c for _r, c, _raw, _e in chunk if c is not None]
        numbers = {c.number for c in valid if c.number}
        keys = {c.name_key for c in valid}
        existing = [
            _Stored(**values)
            for values in Customer.objects.filter(unit=self.unit)
            .filter(Q(number__in=numbers) | Q(name_key__in=keys))
            .values()
        ]
        by_number = {c.number: c for c in existing}
        by_key = {c.name_key: c for c in existing}
        changeable = set(
            self.scope.filter(
                Customer.objects.filter(pk__in=[c.pk for c in existing]), Action.CHANGE
            ).values_list("pk", flat=True)
        )
        years = {y for c in valid for (y, _k) in c.amounts}
        stored_figures = CustomerFinancials.objects.filter(
            customer_id__in=[c.pk for c in existing], year__in=years
        ).values()
        finance = {(values["customer_id"], values["year"]): _Stored(**values) for values in stored_figures}

        plans = []  # (outcome, clean, customer or None, new financials)
        for row, clean, raw, errors in chunk:
            if clean is None:
                self._reject(result, RowOutcome(row=row, status=ERROR, errors=errors), raw)
                continue
            outcome = RowOutcome(row=row, status=UNCHANGED, name=clean.name, number=clean.number)
            errors = self._match_errors(clean, by_number, by_key)
            customer = None
            if not errors:
                customer = by_number.get(clean.number) if clean.number else by_key.get(clean.name_key)
                errors = self._permission_errors(clean, customer, changeable, outcome)
            if errors:
                outcome.status, outcome.errors = ERROR, errors
                self._reject(result, outcome, raw)
                continue
            self._remember(clean, customer)
            if customer is None:
                outcome.status = NEW
                outcome.changes = [result_header(result, k) for k in self._filled_keys(clean)]
            elif customer.pk in changeable:
                outcome.customer_id = customer.pk
                outcome.number = customer.number
                outcome.changes = self._diff(clean, customer, finance, result)
                if clean.segment_id and customer.segment_id and clean.segment_id != customer.segment_id:
                    outcome.warnings.append(self._overlap_warning(customer, clean.segment_id))
                outcome.status = UPDATE if outcome.changes else UNCHANGED
            else:  # another segment's customer that this user may not change: an overlap claim only
                outcome.customer_id, outcome.number = customer.pk, customer.number
                outcome.warnings.append(self._overlap_warning(customer, clean.segment_id))
                # The customer stays unchanged (so the row counts as unchanged), but the row's values
                # that differ from the stored ones are not applied: say so, or the user takes them
                # for imported.
                outcome.ignored = self._diff(clean, customer, finance, result)
                if outcome.ignored:
                    outcome.warnings.append(
                        _(
                            "客户 %(number)s「%(name)s」不在您可以修改的范围内，本行以下列的值不会写入：%(columns)s。"
                        )
                        % {
                            "number": customer.number,
                            "name": customer.name,
                            "columns": "、".join(outcome.ignored),
                        }
                    )
            result.row_warnings.extend((row, warning) for warning in outcome.warnings)
            plans.append((outcome, clean, customer))
            if self.keep_outcomes:
                result.outcomes.append(outcome)
            counter = _COUNTERS[outcome.status]
            setattr(result, counter, getattr(result, counter) + 1)
        if result.errors and not self.partial:
            self.stop_writing = True
        if not self.dry_run and not self.stop_writing:
            self._write(plans, finance, changeable)

    def _overlap_warning(self, customer, segment_id) -> str:
        current = self.segments.get(customer.segment_id)
        claimed = self.segments.get(segment_id)
        return _(
            "该客户属于细分市场「%(current)s」，「%(claimed)s」也将其列入名单：已记为重叠，由业务单元营销副总裁决。"
        ) % {
            "current": current.name if current else "—",
            "claimed": claimed.name if claimed else "—",
        }

    def _reject(self, result, outcome, raw):
        result.errors += 1
        if self.keep_outcomes:
            result.outcomes.append(outcome)
        text = "；".join(f"{column}：{message}" for column, message in outcome.errors)
        result.rejected.append((outcome.row, list(raw), text))

    def _match_errors(self, clean, by_number, by_key):
        name_header = BY_KEY["name"].header
        if clean.number:
            customer = by_number.get(clean.number)
            if customer is None:
                return [
                    (
                        BY_KEY["number"].header,
                        _("本业务单元没有客户编号为「%(number)s」的客户（新客户请留空编号）")
                        % {"number": clean.number},
                    )
                ]
            first = self.seen_customers.get(customer.pk)
            if first:
                return [(BY_KEY["number"].header, _("与第 %(row)s 行是同一个客户") % {"row": first})]
            owner = by_key.get(clean.name_key)
            if owner is not None and owner.pk != customer.pk:
                return [(name_header, _("本业务单元已有同名客户 %(number)s") % {"number": owner.number})]
            first = self.seen_names.get(clean.name_key)
            if first:
                return [(name_header, _("与第 %(row)s 行的公司名称相同") % {"row": first})]
            return []
        customer = by_key.get(clean.name_key)
        first = self.seen_customers.get(customer.pk) if customer else self.seen_names.get(clean.name_key)
        if first is None and customer is not None:
            first = self.seen_names.get(clean.name_key)
        if first:
            return [(name_header, _("与第 %(row)s 行是同一个客户") % {"row": first})]
        return []

    def _permission_errors(self, clean, customer, changeable, outcome):
        segment_id = clean.segment_id
        if customer is None:
            if segment_id is None:
                return [(BY_KEY["segment"].header, _("请填写细分市场"))]
            if segment_id not in self.importable:
                return [
                    (
                        BY_KEY["segment"].header,
                        _("您无权向细分市场「%(segment)s」导入客户")
                        % {"segment": self.segments[segment_id].name},
                    )
                ]
            return []
        if customer.pk in changeable:
            return []
        if segment_id is not None and segment_id in self.importable and segment_id != customer.segment_id:
            return []  # recorded as an overlap claim
        return [
            (
                BY_KEY["name"].header,
                _("该客户已存在（%(number)s），但不在您可以修改的范围内") % {"number": customer.number},
            )
        ]

    def _remember(self, clean, customer):
        if customer is not None:
            self.seen_customers[customer.pk] = clean.row
            self.seen_names.setdefault(customer.name_key, clean.row)
        self.seen_names.setdefault(clean.name_key, clean.row)

    @staticmethod
    def _filled_keys(clean):
        keys = [k for k in CUSTOMER_KEYS if k in clean.fields]
        keys += [k for (_y, k) in clean.amounts]
        return keys

    def _diff(self, clean, customer, finance, result) -> list[str]:
        changes = []
        if clean.number and clean.name != customer.name:  # matched by name: the name is the same one
            changes.append(result_header(result, "name"))
        for key, value in clean.fields.items():
            if key == "size_class" and clean.size_derived and customer.size_class:
                continue  # a derived size never overrides a size someone set
            if not _same(getattr(customer, key), value):
                changes.append(result_header(result, key))
        if customer.segment_id is None and clean.segment_id:
            changes.append(result_header(result, "segment"))
        for (year, key), value in clean.amounts.items():
            row = finance.get((customer.pk, year))
            if row is None or not _same(getattr(row, key), value):
                changes.append(result_header(result, key))
        return changes

    # --- writes ---------------------------------------------------------------------------------
    def _write(self, plans, finance, changeable):
        now, actor_id = self.now, self.actor.pk
        history = functools.partial(copy_to_history, Customer, history_date=now, history_user_id=actor_id)

        # New customers: numbers under the BU's row lock, plain INSERTs (COPY on PostgreSQL), ids read
        # back by number, history rows copied by the database.
        new_rows = [(o, c) for o, c, _cust in plans if o.status == NEW]
        if new_rows:
            numbers = customer_number_allocate(unit=self.unit, count=len(new_rows))
            inserts = []
            for (outcome, clean), number in zip(new_rows, numbers, strict=True):
                values = {
                    **_customer_defaults(),
                    "unit_id": self.unit.pk, "segment_id": clean.segment_id, "number": number, "name": clean.name,
                    "name_key": clean.name_key, "created_by_id": actor_id, "updated_by_id": actor_id,
                    "last_verified_at": now, "created_at": now, "updated_at": now, "version": 1,
                    **clean.fields,
                }  # fmt: skip
                values["completeness"] = self._completeness(values, clean, None)
                outcome.number = number
                inserts.append(values)
            insert_rows(Customer, inserts)
            ids = dict(
                Customer.objects.filter(unit=self.unit, number__in=numbers).values_list("number", "pk")
            )
            for outcome, _clean in new_rows:
                outcome.customer_id = ids[outcome.number]
            history([outcome.customer_id for outcome, _clean in new_rows], history_type="+")

        # Changed customers: one UPDATE per row (executemany), then their history rows. Their newest
        # figures (for completeness) are read only when some row changes: a re-import of an
        # unchanged file reads nothing more than the matching needs.
        changed_ids = [customer.pk for outcome, _clean, customer in plans if outcome.status == UPDATE]
        latest = {}
        if changed_ids:
            newest_first = CustomerFinancials.objects.filter(customer_id__in=changed_ids).order_by(
                "customer_id", "-year"
            )
            for f in newest_first:
                latest.setdefault(f.customer_id, f)
        updates = []
        # Each column once (公司名称 is also one of the sheet's text columns): PostgreSQL refuses an
        # UPDATE that assigns a column twice.
        columns = list(dict.fromkeys(["name", "name_key", "segment_id", *CUSTOMER_KEYS, "version", "updated_by_id",
                                      "updated_at", "last_verified_at", "completeness"]))  # fmt: skip
        for outcome, clean, customer in plans:
            if outcome.status != UPDATE:
                continue
            if clean.number:
                customer.name, customer.name_key = clean.name, clean.name_key
            for key, value in clean.fields.items():
                if key == "size_class" and clean.size_derived and customer.size_class:
                    continue
                setattr(customer, key, value)
            if customer.segment_id is None and clean.segment_id:
                customer.segment_id = clean.segment_id
            customer.version += 1
            customer.updated_by_id = actor_id
            customer.updated_at = now
            customer.last_verified_at = now
            values = {f.attname: getattr(customer, f.attname) for f in Customer._meta.concrete_fields}
            customer.completeness = values["completeness"] = self._completeness(
                values, clean, latest.get(customer.pk)
            )
            updates.append((customer.pk, *(values[c] for c in columns)))
        update_rows(Customer, columns, updates)
        history([row[0] for row in updates], history_type="~")

        # Figures of the year(s) named in the headers.
        new_finance, changed_finance = [], []
        for outcome, clean, _customer in plans:
            if outcome.status not in (NEW, UPDATE) or not clean.amounts:
                continue
            per_year: dict[int, dict] = {}
            for (year, key), value in clean.amounts.items():
                per_year.setdefault(year, {})[key] = value
            for year, values in per_year.items():
                row = finance.get((outcome.customer_id, year))
                if row is None:
                    new_finance.append({"customer_id": outcome.customer_id, "year": year, **values})
                else:
                    for key, value in values.items():
                        setattr(row, key, value)
                    changed_finance.append((row.pk, *(getattr(row, k) for k in AMOUNT_KEYS)))
        insert_rows(CustomerFinancials, new_finance)
        update_rows(CustomerFinancials, list(AMOUNT_KEYS), changed_finance)

        # The year's list, and overlap claims of other segments.
        ids = [o.customer_id for o, _c, _cust in plans]
        stored = [cust.pk for _o, _c, cust in plans if cust is not None]  # new customers are on no list
        listed = set(
            ListEntry.objects.filter(year=self.year, customer_id__in=stored).values_list(
                "customer_id", flat=True
            )
            if stored
            else ()
        )
        entries = [
            {"customer_id": cid, "year": self.year, "origin": ListEntry.Origin.IMPORT, "added_by_id": actor_id,
             "added_at": now}
            for cid in dict.fromkeys(ids) if cid not in listed
        ]  # fmt: skip
        insert_rows(ListEntry, entries)
        claims = []
        for outcome, clean, customer in plans:
            current_segment = customer.segment_id if customer is not None else clean.segment_id
            if clean.segment_id and current_segment and clean.segment_id != current_segment:
                claims.append(SegmentClaim(customer_id=outcome.customer_id, segment_id=clean.segment_id,
                                           year=self.year, claimed_by=self.actor))  # fmt: skip
        if claims:
            SegmentClaim.objects.bulk_create(claims, ignore_conflicts=True)

    def _completeness(self, values: dict, clean, latest_row):
        figures = {f: getattr(latest_row, f) for f in FINANCIAL_FIELDS} if latest_row is not None else {}
        if clean.amounts:
            newest = max(y for (y, _k) in clean.amounts)
            if latest_row is None or newest >= latest_row.year:
                if latest_row is None or newest > latest_row.year:
                    figures = {}
                figures.update({k: v for (y, k), v in clean.amounts.items() if y == newest})
        return completeness_percent(values, figures or None)


@functools.cache
def _customer_defaults_cached() -> tuple:
    return tuple((f.attname, f.get_default()) for f in Customer._meta.concrete_fields if not f.primary_key)


def _customer_defaults() -> dict:
    return dict(_customer_defaults_cached())


ANALYZE_AFTER_ROWS = 10_000
_ANALYZED = (Customer, ListEntry)  # what the list pages filter and join on


def _refresh_statistics():
    """After a large import, refresh PostgreSQL's statistics of the tables it filled, as autovacuum
    would a minute later: until then the planner takes the BU for empty and the customer list's
    first page sorted 100,000 joined rows (0.5 s) instead of reading 50 from the index (0.4 ms)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in _ANALYZED:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def result_header(result: ImportResult, key: str) -> str:
    return result.headers_by_key.get(key, BY_KEY[key].header)


def customers_import(
    *,
    actor,
    path,
    unit: BusinessUnit,
    year: int,
    segment: Segment | None = None,
    dry_run: bool = False,
    partial: bool = False,
    keep_outcomes: bool = True,
    progress: Callable[[int, int], None] | None = None,
    now=None,
) -> ImportResult:
    """Import a basic-info workbook into `unit` for planning `year`. Raises WorkbookError when the
    file cannot be used at all, PermissionDenied when the user may not import there."""
    if segment is not None and segment.unit_id != unit.pk:
        raise WorkbookError(
            _("细分市场 %(segment)s 不属于业务单元 %(unit)s。") % {"segment": segment.code, "unit": unit.code}
        )
    scope = scope_for(actor)
    if not scope.can_in(Action.IMPORT, unit=unit, segment=segment):
        raise PermissionDenied
    sheet = open_basic_info(path)
    result = ImportResult(planning_year=year, dry_run=dry_run)
    result.header_row, result.headers, result.first_col = sheet.header_row, sheet.headers, sheet.first_col
    result.unknown_columns = sheet.unknown
    result.headers_by_key = {m.column.key: m.text for m in sheet.matches}
    result.column_index = {m.column.key: m.index for m in sheet.matches}
    found_years = {m.column.key: m.year for m in sheet.matches if m.column.key in AMOUNT_KEYS}
    amount_years, warnings = resolve_amount_years(found_years, year)
    result.warnings.extend(warnings)
    if sheet.unknown:
        result.warnings.append(
            _("以下列无法识别，已忽略：%(columns)s")
            % {"columns": "、".join(f"{letter}「{text}」" for letter, text in sheet.unknown)}
        )
    importer = _Importer(
        actor=actor, unit=unit, segment=segment, year=year, dry_run=dry_run, partial=partial,
        keep_outcomes=keep_outcomes, now=now or timezone.now(),
    )  # fmt: skip
    labels = tuple(f"{s.code}/{s.name}" for s in importer.segments.values())
    ctx = RowContext(
        planning_year=year,
        segments=importer.segment_keys,
        segment_labels=labels,
        default_segment_id=segment.pk if segment else None,
        size_bands=size_bands_for(unit=unit, year=year),
        amount_years=amount_years,
        headers=result.headers_by_key,
    )
    try:
        with transaction.atomic():
            chunk, done = [], 0
            for row, raw, cells in sheet.rows():
                clean, errors = validate_row(row, raw, ctx)
                chunk.append((row, clean, cells, errors))
                if len(chunk) >= CHUNK:
                    importer.process(chunk, result)
                    done += len(chunk)
                    chunk = []
                    if progress:
                        progress(done, sheet.data_rows)
            if chunk:
                importer.process(chunk, result)
                done += len(chunk)
                if progress:
                    progress(done, sheet.data_rows)
            if dry_run or (result.errors and not partial):
                raise _Rollback
            result.applied = True
            listcache.bump(unit.pk)  # rows written in bulk: no model signal tells the list pages
            audit_record(kind=AuditEvent.Kind.IMPORT, actor=actor, unit=unit, target=f"customers {year}",
                         detail={"partial": partial, "errors": result.errors})  # fmt: skip
            if result.created + result.updated >= ANALYZE_AFTER_ROWS:
                transaction.on_commit(_refresh_statistics, robust=True)  # data already saved
    except _Rollback:
        result.applied = False
    return result
