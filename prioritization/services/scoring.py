"""Writes of stage 2.3.3 scoring: scorecards and the recomputation of scores, ranks and proposals.

The rule itself lives in `prioritization.scoring` (pure). `scores_recompute` reads every score of a
BU-year in ONE aggregate query (sums of tenths × weight per customer and dimension), so it stays close
to the cost of reading the score rows; customers whose evaluators scored unevenly (not every
evaluator every criterion) are averaged per criterion through the pure rule instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.models import CriteriaVersion
from criteria.rules import rule_values, suggest_score
from criteria.selectors import active_version_for
from criteria.services.versions import version_freeze
from prioritization import listcache, scoring
from prioritization.access import Action, scope_for
from prioritization.models import Scorecard, Target
from prospects.models import Customer, CustomerFinancials, ListEntry
from prospects.services.customers import ConcurrentUpdate


class NoCriteriaVersion(ValidationError):
    """The BU has no criteria version in force for the year: nothing can be scored."""


@dataclass(frozen=True)
class ScoreInput:
    """One evaluator's entry for one criterion: `score` None means "not scored" (clears it)."""

    criterion_id: int
    score: Decimal | None
    comment: str = ""
    override_reason: str = ""


def version_in_force(*, unit, year: int) -> CriteriaVersion:
    version = active_version_for(unit=unit, year=year)
    if version is None:
        raise NoCriteriaVersion(
            _("%(unit)s 没有 %(year)s 年度生效的选择标准版本。") % {"unit": unit, "year": year}
        )
    return version


def criterion_specs(version) -> list[scoring.CriterionSpec]:
    """The version's criteria for the pure rule, attractiveness first, each in its order."""
    criteria = sorted(version.criteria.all(), key=lambda c: (c.dimension != "attractiveness", c.order, c.pk))
    return [scoring.CriterionSpec(c.pk, c.dimension, c.weight, c.name) for c in criteria]


def thresholds_of(version) -> scoring.Thresholds:
    return scoring.Thresholds(version.attractiveness_threshold, version.feasibility_threshold)


def capacities_of(version) -> dict:
    return {
        scoring.TIER1: version.capacity_tier1,
        scoring.TIER2: version.capacity_tier2,
        scoring.TIER3: version.capacity_tier3,
    }


# --- suggestions ---------------------------------------------------------------------------------


def suggestions_for(*, customers, version) -> dict[tuple[int, int], Decimal | None]:
    """(customer id, criterion id) → the rule-derived suggestion (None without rule or data), from the
    basic-info table of the year before the planning year (and the one before, for growth)."""
    customers = list(customers)
    ids = [c.pk for c in customers]
    financials = defaultdict(dict)
    for row in CustomerFinancials.objects.filter(
        customer_id__in=ids, year__in=[version.year - 1, version.year - 2]
    ):
        financials[row.customer_id]["current" if row.year == version.year - 1 else "previous"] = row
    criteria = [c for c in version.criteria.all() if c.rule]
    result = {}
    for customer in customers:
        values = rule_values(customer, financials.get(customer.pk, {}))
        for criterion in criteria:
            result[(customer.pk, criterion.pk)] = suggest_score(criterion.rule, values)
    return result


# --- recording scores ----------------------------------------------------------------------------


def _check_customer(scope, customer, version):
    if not scope.can(Action.SCORE, customer):
        raise PermissionDenied
    if customer.unit_id != version.unit_id:
        raise ValidationError(_("客户不属于该选择标准版本的业务单元。"))
    if not ListEntry.objects.filter(customer=customer, year=version.year).exists():
        raise ValidationError(
            _("%(customer)s 不在 %(year)s 年度的客户名单上。") % {"customer": customer, "year": version.year}
        )


def scorecard_revision(*, evaluator, customer: Customer) -> int:
    """The latest change to `evaluator`'s scorecard of `customer` (0: none yet), from its history:
    a form carries it so that a save over someone else's newer save is refused."""
    revisions = Scorecard.history.filter(evaluator_id=evaluator.pk, customer_id=customer.pk)
    return revisions.aggregate(latest=Max("history_id"))["latest"] or 0


def scorecard_revisions(*, evaluator, customer_ids) -> dict[int, int]:
    """`scorecard_revision` of many customers in one query (the grid: one revision per row)."""
    rows = (
        Scorecard.history.filter(evaluator_id=evaluator.pk, customer_id__in=list(customer_ids))
        .values("customer_id")
        .annotate(latest=Max("history_id"))
    )
    return {row["customer_id"]: row["latest"] for row in rows}


def _tenths_text(value) -> str:
    return "—" if value is None else str(scoring.from_tenths(value))


def scorecard_changes_since(*, evaluator, customer: Customer, revision: int) -> list[tuple[str, str, str]]:
    """What changed in `evaluator`'s scores of `customer` after `revision`: (criterion name, score
    then, score now) per changed criterion, "—" for none; from the scorecard history."""
    from criteria.models import Criterion

    then, now = {}, {}
    for row in Scorecard.history.filter(evaluator_id=evaluator.pk, customer_id=customer.pk).order_by(
        "history_id"
    ):
        value = None if row.history_type == "-" else row.score_tenths
        (then if row.history_id <= revision else now)[row.criterion_id] = value
        if row.history_id <= revision:
            now.pop(row.criterion_id, None)
    changed = [key for key, value in now.items() if then.get(key) != value]
    names = dict(Criterion.objects.filter(pk__in=changed).values_list("pk", "name"))
    return [
        (names.get(key, str(key)), _tenths_text(then.get(key)), _tenths_text(now[key]))
        for key in sorted(changed, key=lambda k: names.get(k, ""))
    ]


def _check_revision(*, evaluator, customer: Customer, expected: int, hint: str | None = None) -> None:
    # One save of the customer's scores at a time. FOR NO KEY UPDATE: it does not block the key-share
    # locks of foreign-key checks (a concurrent recompute writing targets of every listed customer
    # would otherwise deadlock with it).
    Customer.objects.select_for_update(no_key=True).filter(pk=customer.pk).exists()
    latest = (
        Scorecard.history.filter(evaluator_id=evaluator.pk, customer_id=customer.pk)
        .select_related("history_user")
        .order_by("-history_id")
        .first()
    )
    if (latest.history_id if latest else 0) != expected:
        changes = scorecard_changes_since(evaluator=evaluator, customer=customer, revision=expected)
        message = _("%(who)s 已在您打开之后修改了%(evaluator)s对 %(customer)s 的评分（%(when)s）。") % {
            "who": (latest.history_user if latest else None) or _("其他用户"),
            "evaluator": evaluator,
            "customer": customer.name,
            "when": timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M:%S") if latest else "—",
        }
        if changes:
            message += _("改动：%(changes)s。") % {
                "changes": "；".join(f"{name} {old} → {new}" for name, old, new in changes)
            }
        raise ConcurrentUpdate(
            message + (hint if hint is not None else _("下方是最新评分，请核对后再保存。"))
        )


@transaction.atomic
def scorecard_record(
    *,
    actor,
    customer: Customer,
    version: CriteriaVersion,
    entries: list[ScoreInput],
    evaluator=None,
    scored_on=None,
    suggestions: dict | None = None,
    recompute: bool = True,
    expected_revision: int | None = None,
    conflict_hint: str | None = None,
) -> int:
    """Record `evaluator`'s (default: the actor's) scores of one customer on the version's criteria.
    A score that departs from the rule's suggestion needs a reason. Returns the number of scores
    written. Freezes the version (criteria cannot change once scoring started). With
    `expected_revision` (`scorecard_revision` when the form was opened) a save over someone else's
    newer save is refused with ConcurrentUpdate naming them, when, and what they changed, ending with
    `conflict_hint` (what the page shows now; default: the scorecard page's)."""
    evaluator = evaluator or actor
    scope = scope_for(actor)
    _check_customer(scope, customer, version)
    if evaluator != actor and not scope_for(evaluator).can(Action.SCORE, customer):
        raise ValidationError(_("%(user)s 无权为该客户评分。") % {"user": evaluator})
    if expected_revision is not None:
        _check_revision(
            evaluator=evaluator, customer=customer, expected=expected_revision, hint=conflict_hint
        )
    if version.status not in ("active", "frozen"):
        raise ValidationError(_("只能按生效的选择标准版本评分。"))
    criteria = {c.pk: c for c in version.criteria.all()}
    if suggestions is None:
        suggestions = suggestions_for(customers=[customer], version=version)
    scored_on = scored_on or timezone.localdate()
    existing = {s.criterion_id: s for s in Scorecard.objects.filter(evaluator=evaluator, customer=customer)}
    errors = {}
    written = 0
    for entry in entries:
        criterion = criteria.get(entry.criterion_id)
        if criterion is None:
            raise ValidationError(_("评估标准不属于该版本。"))
        if entry.score is None:
            if entry.criterion_id in existing:
                existing[entry.criterion_id].delete()
            continue
        try:
            value = scoring.parse_score(entry.score)
        except scoring.ScoreError:
            errors[str(criterion.pk)] = _("%(name)s：得分必须是 1 到 10 之间、最多一位小数的数字。") % {
                "name": criterion.name
            }
            continue
        suggested = suggestions.get((customer.pk, criterion.pk))
        reason = (entry.override_reason or "").strip()
        if suggested is not None and value != suggested and not reason:
            errors[str(criterion.pk)] = _(
                "%(name)s：得分 %(score)s 与规则建议 %(suggested)s 不同，请填写理由。"
            ) % {"name": criterion.name, "score": value, "suggested": suggested}
            continue
        card = existing.get(criterion.pk) or Scorecard(
            evaluator=evaluator, customer=customer, criterion=criterion
        )
        card.year = version.year
        card.score_tenths = int(value * 10)
        card.suggested_tenths = None if suggested is None else int(suggested * 10)
        card.override_reason = reason if suggested is not None and value != suggested else ""
        card.comment = (entry.comment or "").strip()[:500]
        card.scored_on = scored_on
        card._history_user = actor
        card.save()
        written += 1
    if errors:
        raise ValidationError(errors)
    if written:
        version_freeze(version=version)
    if recompute:
        # Only the customer's segment: its rank is within the segment, nothing else can change.
        scores_recompute(unit=customer.unit, year=version.year, version=version, segment=customer.segment)
    return written


# --- recomputation -------------------------------------------------------------------------------


def _aggregate_sql(version, specs, year_param: bool = False):
    """One GROUP BY over the version's score rows: per customer, Σ(tenths × weight) and the row count
    per dimension, and the number of evaluators."""
    attractive = [s for s in specs if s.dimension == scoring.ATTRACTIVENESS]
    feasible = [s for s in specs if s.dimension == scoring.FEASIBILITY]

    def weight_case(items):
        whens = " ".join(f"WHEN {int(s.key)} THEN {int(s.weight)}" for s in items)
        return f"CASE sc.criterion_id {whens} ELSE 0 END" if items else "0"

    def count_case(items):
        ids = ",".join(str(int(s.key)) for s in items) or "NULL"
        return f"CASE WHEN sc.criterion_id IN ({ids}) THEN 1 ELSE 0 END"

    all_ids = ",".join(str(int(s.key)) for s in specs) or "NULL"
    table = Scorecard._meta.db_table
    return (
        f"SELECT sc.customer_id AS customer_id, SUM(sc.score_tenths * {weight_case(attractive)}) AS a_sum,"  # noqa: S608
        f" SUM(sc.score_tenths * {weight_case(feasible)}) AS f_sum,"
        f" SUM({count_case(attractive)}) AS a_rows, SUM({count_case(feasible)}) AS f_rows,"
        " COUNT(DISTINCT sc.evaluator_id) AS evaluators"
        f" FROM {table} sc WHERE {'sc.year = %s AND ' if year_param else ''}sc.criterion_id IN ({all_ids})"
        " GROUP BY sc.customer_id"
    )


def _uneven_evaluations(customer_ids, specs, thresholds):
    """The pure rule over individual rows, for customers whose evaluators did not all score every
    criterion they scored (mean per criterion first)."""
    rows = Scorecard.objects.filter(
        customer_id__in=customer_ids, criterion_id__in=[s.key for s in specs]
    ).values_list("customer_id", "criterion_id", "score_tenths")
    per_customer = defaultdict(lambda: defaultdict(list))
    for customer_id, criterion_id, value in rows:
        per_customer[customer_id][criterion_id].append(Fraction(value, 10))
    return {cid: scoring.evaluate(dict(per_customer[cid]), specs, thresholds) for cid in customer_ids}


def _weights(specs):
    return (
        sum(s.weight for s in specs if s.dimension == scoring.ATTRACTIVENESS),
        sum(s.weight for s in specs if s.dimension == scoring.FEASIBILITY),
    )


def _recompute_sql(specs, segment_ids=None) -> str:
    """ONE query for the BU-year (or the given segments; None stands for customers without one):
    every listed customer with its name and segment, its stored target (scores as integer
    hundredths, so nothing is converted to compare), and the aggregate of its score rows."""
    listed, customers = ListEntry._meta.db_table, Customer._meta.db_table
    targets = Target._meta.db_table
    only = ""
    if segment_ids is not None:
        only = (
            f" AND COALESCE(c.segment_id, -1) IN ({','.join(str(int(s or -1)) for s in segment_ids) or '-2'})"
        )
    return (
        "SELECT le.customer_id, c.name, c.segment_id, t.id,"  # noqa: S608
        " CAST(ROUND(t.attractiveness * 100) AS INTEGER), CAST(ROUND(t.feasibility * 100) AS INTEGER),"
        " t.rank, t.incomplete, t.proposed_tier, agg.a_sum, agg.f_sum, agg.a_rows, agg.f_rows, agg.evaluators"
        f" FROM {listed} le JOIN {customers} c ON c.id = le.customer_id"
        f" LEFT JOIN {targets} t ON t.customer_id = le.customer_id AND t.year = %s"
        # Filtering on the score rows' year lets the database read them in customer order through
        # the (year, customer) index: no sort for the GROUP BY.
        f" LEFT JOIN ({_aggregate_sql(None, specs, year_param=True)}) agg ON agg.customer_id = le.customer_id"
        f" WHERE le.year = %s AND c.unit_id = %s{only}"
    )


def _decimal_text(hundredths: int | None) -> str | None:
    if hundredths is None:
        return None
    sign = "-" if hundredths < 0 else ""
    whole, part = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{part:02d}"


def _hundredths_of(value) -> int | None:
    return None if value is None else int(value * 100)


# The bulk recomputation runs in SQL, in integers: the score rows are aggregated once into a
# temporary table of the listed customers (Σ tenths × weight per dimension packed into one integer,
# row count, evaluators); one INSERT … ON CONFLICT statement then writes the scores (hundredths,
# rounded half-even in integers), the proposed tier (integer comparison with the threshold's
# fraction: exactly at the threshold is above it) and the rank (a window function), only where they
# changed. Segments where that integer rule does not apply (an evaluator left a criterion out, or
# customers have different numbers of evaluators) go through the exact Fraction rule in Python.
AGGREGATE_TABLE = "prioritization_score_aggregate"
PACK = 2**32  # Σ attractiveness in the low 32 bits, Σ feasibility above: one CASE per score row


def _packable(w_attr: int, w_feas: int) -> bool:
    """Whether the packed sums fit: each dimension's Σ(tenths × weight) < 2**31 for any number of
    evaluators a customer can have (at most every user)."""
    from django.contrib.auth import get_user_model

    most = 100 * max(w_attr, w_feas, 1) * max(get_user_model().objects.count(), 1)
    return most < 2**31


def _aggregate_table_sql(specs, packed: bool, one_segment: bool = False) -> str:
    """The temporary table of the listed customers with their aggregates; `one_segment`: only the
    customers of the segment given as the last parameter (ranks are per segment)."""
    listed, customers, cards = ListEntry._meta.db_table, Customer._meta.db_table, Scorecard._meta.db_table
    ids = ",".join(str(int(s.key)) for s in specs) or "NULL"

    def weight(spec, shift):
        return int(spec.weight) * (PACK if shift else 1)

    if packed:
        whens = " ".join(
            f"WHEN {int(s.key)} THEN {weight(s, s.dimension == scoring.FEASIBILITY)}" for s in specs
        )
        sums = f"CAST(SUM(sc.score_tenths * CASE sc.criterion_id {whens} ELSE 0 END) AS BIGINT) AS packed, 0 AS f_sum"
    else:
        attr = " ".join(
            f"WHEN {int(s.key)} THEN {int(s.weight)}" for s in specs if s.dimension == scoring.ATTRACTIVENESS
        )
        feas = " ".join(
            f"WHEN {int(s.key)} THEN {int(s.weight)}" for s in specs if s.dimension == scoring.FEASIBILITY
        )
        sums = (
            f"SUM(sc.score_tenths * CASE sc.criterion_id {attr or 'WHEN 0 THEN 0'} ELSE 0 END) AS packed,"
            f" SUM(sc.score_tenths * CASE sc.criterion_id {feas or 'WHEN 0 THEN 0'} ELSE 0 END) AS f_sum"
        )
    temporary = "TEMPORARY TABLE" if connection.vendor == "postgresql" else "TEMP TABLE"
    only_cards = only_listed = ""
    if one_segment:
        only_cards = f" AND sc.customer_id IN (SELECT c2.id FROM {customers} c2 WHERE c2.segment_id = %s)"  # noqa: S608
        only_listed = " AND c.segment_id = %s"
    return (
        f"CREATE {temporary} {AGGREGATE_TABLE} AS"  # noqa: S608
        " SELECT le.customer_id AS customer_id, c.segment_id AS segment_id, c.name AS name,"
        " agg.packed AS packed, agg.f_sum AS f_sum, agg.n_rows AS n_rows, agg.evaluators AS evaluators"
        f" FROM {listed} le JOIN {customers} c ON c.id = le.customer_id"
        f" LEFT JOIN (SELECT sc.customer_id AS customer_id, {sums}, COUNT(*) AS n_rows,"
        " COUNT(DISTINCT sc.evaluator_id) AS evaluators"
        # The (year, customer) index reads the rows in customer order: no sort for the GROUP BY.
        f" FROM {cards} sc WHERE sc.year = %s AND sc.criterion_id IN ({ids}){only_cards}"
        " GROUP BY sc.customer_id) agg ON agg.customer_id = le.customer_id"
        f" WHERE le.year = %s AND c.unit_id = %s{only_listed}"
    )


def _slow_segments_sql(n_criteria: int) -> str:
    """Segments (−1: none) holding a customer scored unevenly (the unique evaluator × customer ×
    criterion rows number criteria × evaluators exactly when everyone scored every criterion), or
    customers with different numbers of evaluators."""
    return (
        "SELECT COALESCE(segment_id, -1) FROM " + AGGREGATE_TABLE + " GROUP BY segment_id"  # noqa: S608
        f" HAVING SUM(CASE WHEN n_rows IS NOT NULL AND n_rows <> {int(n_criteria)} * evaluators THEN 1 ELSE 0 END) > 0"
        " OR COUNT(DISTINCT evaluators) > 1"
    )


def _upsert_sql(*, packed: bool, w_attr: int, w_feas: int, thresholds: scoring.Thresholds, slow) -> str:
    """One statement: the integer rule for every listed customer outside the `slow` segments."""
    postgresql = connection.vendor == "postgresql"
    ta, tf = scoring.exact(thresholds.attractiveness), scoring.exact(thresholds.feasibility)
    by_code_point = ' COLLATE "C"' if postgresql else ""  # Python's order of names (SQLite: BINARY)

    def hundredths(num, den):
        # (%% is the modulo operator escaped for the parameter style)
        # num / den in hundredths, rounded half-even, in integers (both values are ≥ 0)
        q, r = f"(({num}) * 100 / ({den}))", f"(({num}) * 100 %% ({den}))"
        return (
            f"({q} + CASE WHEN 2 * {r} > ({den}) OR (2 * {r} = ({den}) AND {q} %% 2 = 1) THEN 1 ELSE 0 END)"
        )

    def decimal(h):
        return f"CAST({h} AS NUMERIC) / 100" if postgresql else f"{h} / 100.0"

    a_sum = f"(packed %% {PACK})" if packed else "packed"
    f_sum = f"(packed / {PACK})" if packed else "f_sum"
    a_den, f_den = f"(10 * {int(w_attr)} * evaluators)", f"(10 * {int(w_feas)} * evaluators)"
    skip = ",".join(str(int(s)) for s in slow)
    where = f" WHERE COALESCE(segment_id, -1) NOT IN ({skip})" if skip else ""
    target = Target._meta.db_table
    sums = (
        f"SELECT customer_id, segment_id, name, evaluators, {a_sum} AS a_sum, {f_sum} AS f_sum,"  # noqa: S608
        f" CASE WHEN packed IS NULL THEN 0 ELSE 1 END AS complete FROM {AGGREGATE_TABLE}{where}"
    )
    rule = (
        "SELECT customer_id, complete,"  # noqa: S608
        f" CASE WHEN complete = 1 THEN {decimal(hundredths('a_sum', a_den))} END AS attractiveness,"
        f" CASE WHEN complete = 1 THEN {decimal(hundredths('f_sum', f_den))} END AS feasibility,"
        " CASE WHEN complete = 1 THEN ROW_NUMBER() OVER (PARTITION BY segment_id, complete"
        f" ORDER BY a_sum * {int(w_feas)} + f_sum * {int(w_attr)} DESC, a_sum DESC, name{by_code_point},"
        f" CAST(customer_id AS VARCHAR(20)){by_code_point}) END AS position,"
        " CASE WHEN complete = 0 THEN ''"
        f" WHEN a_sum * {ta.denominator} >= {ta.numerator} * {a_den} AND f_sum * {tf.denominator} >= {tf.numerator} * {f_den}"
        f" THEN '{scoring.TIER1}'"
        f" WHEN f_sum * {tf.denominator} >= {tf.numerator} * {f_den} THEN '{scoring.TIER2}'"
        f" WHEN a_sum * {ta.denominator} >= {ta.numerator} * {a_den} THEN '{scoring.TIER3}'"
        f" ELSE '{scoring.NO}' END AS proposed_tier"
        f" FROM ({sums}) sums"
    )
    changed = " OR ".join(
        f"{target}.{column} IS DISTINCT FROM excluded.{column}"
        for column in ("attractiveness", "feasibility", "rank", "incomplete", "proposed_tier")
    )
    return (
        f"INSERT INTO {target} (customer_id, year, attractiveness, feasibility, rank, incomplete,"  # noqa: S608
        " proposed_tier, scored_at, tier, manual_reason)"
        " SELECT customer_id, %s, attractiveness, feasibility, position,"
        " CASE WHEN complete = 1 THEN FALSE ELSE TRUE END, proposed_tier, %s, '', ''"
        f" FROM ({rule}) computed WHERE TRUE ORDER BY customer_id"
        " ON CONFLICT (customer_id, year) DO UPDATE SET attractiveness = excluded.attractiveness,"
        " feasibility = excluded.feasibility, rank = excluded.rank, incomplete = excluded.incomplete,"
        f" proposed_tier = excluded.proposed_tier, scored_at = excluded.scored_at WHERE {changed}"
    )


def _counts_sql(segment) -> str:
    only = f" WHERE COALESCE(a.segment_id, -1) = {int(segment.pk)}" if segment is not None else ""
    return (
        f"SELECT t.proposed_tier, t.incomplete, COUNT(*) FROM {AGGREGATE_TABLE} a"  # noqa: S608
        f" JOIN {Target._meta.db_table} t ON t.customer_id = a.customer_id AND t.year = %s{only}"
        " GROUP BY t.proposed_tier, t.incomplete"
    )


@transaction.atomic
def scores_recompute(*, unit, year: int, segment=None, version=None, now=None) -> dict[str, int]:
    """Recompute the dimension scores, rank (综合排名, within each segment) and proposed tier of every
    customer on the BU's list for `year` (of `segment` only when given: ranks are per segment, so
    the others cannot change); decided and manual tiers stay. Only changed rows are written.
    Returns the counts of the `score` command's summary (of `segment` when given).

    The cost stays close to one read of the score rows: one aggregate pass in the database, one
    INSERT … ON CONFLICT computing the rule in integers (exactly as the Fraction rule: tested on
    random data against it, on SQLite and PostgreSQL), nothing per customer in Python. Segments
    whose customers need a mean per criterion (uneven evaluators) go through the Fraction rule."""
    version = version or version_in_force(unit=unit, year=year)
    now = now or timezone.now()
    thresholds = thresholds_of(version)
    specs = criterion_specs(version)
    n_attr = sum(1 for s in specs if s.dimension == scoring.ATTRACTIVENESS)
    w_attr, w_feas = _weights(specs)
    integer_rule = bool(n_attr and len(specs) - n_attr and w_attr > 0 and w_feas > 0)
    packed = _packable(w_attr, w_feas)
    stamp = connection.ops.adapt_datetimefield_value(now)
    listcache.bump(unit.pk)  # targets written in SQL: no model signal tells the list pages
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The rank and insert-order sorts of 100,000 rows fit in memory instead of spilling.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            # Every statement here reads the whole BU-year: hash and merge joins. Right after a big
            # import the statistics still say the list is empty, and a nested loop planned on them
            # ran 100,000 × 100,000 comparisons (the score benchmark did not finish in minutes).
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(f"DROP TABLE IF EXISTS {AGGREGATE_TABLE}")
        if segment is not None:
            params = [year, segment.pk, year, unit.pk, segment.pk]
        else:
            params = [year, year, unit.pk]
        cursor.execute(_aggregate_table_sql(specs, packed, one_segment=segment is not None), params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {AGGREGATE_TABLE}")
        if integer_rule:
            cursor.execute(_slow_segments_sql(len(specs)))
            slow = sorted(row[0] for row in cursor.fetchall())
        else:
            cursor.execute(f"SELECT DISTINCT COALESCE(segment_id, -1) FROM {AGGREGATE_TABLE}")  # noqa: S608
            slow = sorted(row[0] for row in cursor.fetchall())
        if integer_rule:
            cursor.execute(
                _upsert_sql(packed=packed, w_attr=w_attr, w_feas=w_feas, thresholds=thresholds, slow=slow),
                [year, stamp],
            )
        if slow:
            _recompute_in_python(
                unit=unit, year=year, specs=specs, thresholds=thresholds, stamp=stamp, segment_ids=slow
            )
        cursor.execute(_counts_sql(segment), [year])
        counts = dict.fromkeys(["scored", "tier1", "tier2", "tier3", "no", "incomplete"], 0)
        for tier, incomplete, number in cursor.fetchall():
            counts["scored"] += number
            counts["incomplete" if incomplete else tier] += number
        cursor.execute(f"DROP TABLE {AGGREGATE_TABLE}")
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")  # the caller's transaction goes on
            cursor.execute("SET LOCAL work_mem TO DEFAULT")
    return counts


def _recompute_in_python(*, unit, year: int, specs, thresholds, stamp, segment_ids) -> None:
    """The listed customers of the given segments (−1: none) through the rule in Python: the
    integer rule where every evaluator scored every criterion, the Fraction rule (mean per
    criterion) for a segment where one did not. Writes changed rows only."""
    n_attr = sum(1 for s in specs if s.dimension == scoring.ATTRACTIVENESS)
    n_feas = len(specs) - n_attr
    w_attr, w_feas = _weights(specs)
    with connection.cursor() as cursor:
        cursor.execute(_recompute_sql(specs, segment_ids), [year, year, year, unit.pk])
        listed = cursor.fetchall()

    by_segment = defaultdict(list)  # segment id → [(customer id, name, sums or None)]
    existing = {}  # customer id → (target pk, a, f, rank, incomplete, proposed)
    uneven = []
    for (
        cid,
        name,
        seg,
        tpk,
        old_a,
        old_f,
        old_rank,
        old_inc,
        old_tier,
        a_sum,
        f_sum,
        a_rows,
        f_rows,
        n,
    ) in listed:
        if tpk is not None:
            existing[cid] = (tpk, old_a, old_f, old_rank, bool(old_inc), old_tier)
        if a_sum is None:
            sums = None
        elif (
            n_attr and n_feas and w_attr > 0 and w_feas > 0 and a_rows == n_attr * n and f_rows == n_feas * n
        ):
            sums = (cid, name, int(a_sum), int(f_sum), n)
        else:
            sums = False
            uneven.append(cid)
        by_segment[seg].append((cid, name, sums))
    uneven_evaluations = _uneven_evaluations(uneven, specs, thresholds) if uneven else {}

    creates, updates = [], []
    for members in by_segment.values():
        if any(m[2] is False for m in members):
            # Mean per criterion needed somewhere in this segment: the exact Fraction rule.
            items = []
            for customer_id, name, sums in members:
                if sums:
                    a, f, tier = scoring.tier_from_sums(
                        sums[2], 10 * w_attr * sums[4], sums[3], 10 * w_feas * sums[4], thresholds
                    )
                    evaluation = scoring.Evaluation(a, f, tier)
                else:
                    evaluation = uneven_evaluations.get(customer_id) or scoring.Evaluation(
                        None, None, None, ("*",)
                    )
                items.append(scoring.Ranked(customer_id, name, evaluation))
            computed = [
                (
                    item.key,
                    item.rank,
                    _hundredths_of(scoring.shown(item.evaluation.attractiveness)),
                    _hundredths_of(scoring.shown(item.evaluation.feasibility)),
                    item.evaluation.incomplete,
                    item.evaluation.tier or "",
                )
                for item in scoring.rank(items)
            ]
        else:
            complete = [m[2] for m in members if m[2]]
            computed = [
                (cid, position, a, f, False, tier)
                for cid, position, a, f, tier in scoring.rank_sum_tuples(complete, w_attr, w_feas, thresholds)
            ]
            computed += [(m[0], None, None, None, True, "") for m in members if not m[2]]
        for cid, rank, a, f, incomplete, tier in computed:
            old = existing.get(cid)
            if old is None:
                creates.append((cid, year, _decimal_text(a), _decimal_text(f), rank, incomplete, tier, stamp))
            elif old[1:] != (a, f, rank, incomplete, tier):
                updates.append((_decimal_text(a), _decimal_text(f), rank, incomplete, tier, stamp, old[0]))
    creates.sort()
    updates.sort(key=lambda row: row[-1])
    table = Target._meta.db_table
    with connection.cursor() as cursor:
        if creates:
            cursor.executemany(
                f"INSERT INTO {table} (customer_id, year, attractiveness, feasibility, rank, incomplete,"  # noqa: S608
                " proposed_tier, scored_at, tier, manual_reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, '', '')",
                creates,
            )
        if updates:
            cursor.executemany(
                f"UPDATE {table} SET attractiveness=%s, feasibility=%s, rank=%s, incomplete=%s,"  # noqa: S608
                " proposed_tier=%s, scored_at=%s WHERE id=%s",
                updates,
            )


def scores_recompute_as(*, actor, unit, year: int, segment=None) -> dict[str, int]:
    """`scores_recompute` for a user who may score (or decide tiers) in the BU/segment."""
    scope = scope_for(actor)
    if not (
        scope.can_in(Action.SCORE, unit=unit, segment=segment)
        or scope.can_in(Action.DECIDE_TIER, unit=unit, segment=segment)
    ):
        raise PermissionDenied
    return scores_recompute(unit=unit, year=year, segment=segment)
