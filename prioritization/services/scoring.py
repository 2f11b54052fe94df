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
from prioritization import scoring
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


def _check_revision(*, evaluator, customer: Customer, expected: int) -> None:
    Customer.objects.select_for_update().filter(pk=customer.pk).exists()  # one save of it at a time
    latest = (
        Scorecard.history.filter(evaluator_id=evaluator.pk, customer_id=customer.pk)
        .select_related("history_user")
        .order_by("-history_id")
        .first()
    )
    if (latest.history_id if latest else 0) != expected:
        raise ConcurrentUpdate(
            _(
                "%(who)s 已在您打开之后修改了%(evaluator)s对 %(customer)s 的评分（%(when)s）。下方是最新评分，请核对后再保存。"
            )
            % {
                "who": latest.history_user or _("其他用户"),
                "evaluator": evaluator,
                "customer": customer.name,
                "when": timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M:%S"),
            }
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
) -> int:
    """Record `evaluator`'s (default: the actor's) scores of one customer on the version's criteria.
    A score that departs from the rule's suggestion needs a reason. Returns the number of scores
    written. Freezes the version (criteria cannot change once scoring started). With
    `expected_revision` (`scorecard_revision` when the form was opened) a save over someone else's
    newer save is refused with ConcurrentUpdate naming them."""
    evaluator = evaluator or actor
    scope = scope_for(actor)
    _check_customer(scope, customer, version)
    if evaluator != actor and not scope_for(evaluator).can(Action.SCORE, customer):
        raise ValidationError(_("%(user)s 无权为该客户评分。") % {"user": evaluator})
    if expected_revision is not None:
        _check_revision(evaluator=evaluator, customer=customer, expected=expected_revision)
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
        scores_recompute(unit=customer.unit, year=version.year, version=version)
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


def _aggregates(version):
    """customer id → (Σ attractiveness tenths×weight, Σ feasibility, evaluators) for customers every
    evaluator of whom scored every criterion, and the list of the other (uneven) customers."""
    specs = criterion_specs(version)
    n_attr = sum(1 for s in specs if s.dimension == scoring.ATTRACTIVENESS)
    n_feas = len(specs) - n_attr
    even, uneven = {}, []
    with connection.cursor() as cursor:
        cursor.execute(_aggregate_sql(version, specs))
        for customer_id, a_sum, f_sum, a_rows, f_rows, evaluators in cursor.fetchall():
            if a_rows == n_attr * evaluators and f_rows == n_feas * evaluators and n_attr and n_feas:
                even[customer_id] = (int(a_sum), int(f_sum), evaluators)
            else:
                uneven.append(customer_id)
    return specs, even, uneven


def _weights(specs):
    return (
        sum(s.weight for s in specs if s.dimension == scoring.ATTRACTIVENESS),
        sum(s.weight for s in specs if s.dimension == scoring.FEASIBILITY),
    )


def evaluations_for(*, version, customer_ids=None) -> dict[int, scoring.Evaluation]:
    """customer id → Evaluation for every customer with at least one score on the version."""
    specs, even, uneven = _aggregates(version)
    thresholds = thresholds_of(version)
    w_attr, w_feas = _weights(specs)
    wanted = None if customer_ids is None else set(customer_ids)
    result = {}
    for customer_id, (a_sum, f_sum, evaluators) in even.items():
        if wanted is None or customer_id in wanted:
            a, f, tier = scoring.tier_from_sums(
                a_sum, 10 * w_attr * evaluators, f_sum, 10 * w_feas * evaluators, thresholds
            )
            result[customer_id] = scoring.Evaluation(a, f, tier)
    uneven = [c for c in uneven if wanted is None or c in wanted]
    if uneven:
        result.update(_uneven_evaluations(uneven, specs, thresholds))
    return result


def _recompute_sql(specs) -> str:
    """ONE query for the whole BU-year: every listed customer with its name and segment, its stored
    target (scores as integer hundredths, so nothing is converted to compare), and the aggregate of
    its score rows (Σ tenths × weight and row counts per dimension, evaluators)."""
    listed, customers = ListEntry._meta.db_table, Customer._meta.db_table
    targets = Target._meta.db_table
    return (
        "SELECT le.customer_id, c.name, c.segment_id, t.id,"  # noqa: S608
        " CAST(ROUND(t.attractiveness * 100) AS INTEGER), CAST(ROUND(t.feasibility * 100) AS INTEGER),"
        " t.rank, t.incomplete, t.proposed_tier, agg.a_sum, agg.f_sum, agg.a_rows, agg.f_rows, agg.evaluators"
        f" FROM {listed} le JOIN {customers} c ON c.id = le.customer_id"
        f" LEFT JOIN {targets} t ON t.customer_id = le.customer_id AND t.year = %s"
        # Filtering on the score rows' year lets the database read them in customer order through
        # the (year, customer) index: no sort for the GROUP BY.
        f" LEFT JOIN ({_aggregate_sql(None, specs, year_param=True)}) agg ON agg.customer_id = le.customer_id"
        " WHERE le.year = %s AND c.unit_id = %s"
    )


def _decimal_text(hundredths: int | None) -> str | None:
    if hundredths is None:
        return None
    sign = "-" if hundredths < 0 else ""
    whole, part = divmod(abs(hundredths), 100)
    return f"{sign}{whole}.{part:02d}"


def _hundredths_of(value) -> int | None:
    return None if value is None else int(value * 100)


@transaction.atomic
def scores_recompute(*, unit, year: int, segment=None, version=None, now=None) -> dict[str, int]:
    """Recompute the dimension scores, rank (综合排名, within each segment) and proposed tier of every
    customer on the BU's list for `year`; decided and manual tiers stay. Only changed rows are written.
    Returns the counts of the `score` command's summary (narrowed to `segment` when given).

    The cost stays close to one read of the score rows: one aggregate query returns every listed
    customer with its sums and its stored target; the rule runs on integers (exactly as the Fraction
    rule, property-tested); rows are written with plain INSERT/UPDATE statements, only where changed.
    Customers whose evaluators scored unevenly go through the pure Fraction rule instead."""
    version = version or version_in_force(unit=unit, year=year)
    now = now or timezone.now()
    thresholds = thresholds_of(version)
    specs = criterion_specs(version)
    n_attr = sum(1 for s in specs if s.dimension == scoring.ATTRACTIVENESS)
    n_feas = len(specs) - n_attr
    w_attr, w_feas = _weights(specs)
    with connection.cursor() as cursor:
        cursor.execute(_recompute_sql(specs), [year, year, year, unit.pk])
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
        elif n_attr and n_feas and a_rows == n_attr * n and f_rows == n_feas * n:
            sums = (cid, name, int(a_sum), int(f_sum), n)
        else:
            sums = False
            uneven.append(cid)
        by_segment[seg].append((cid, name, sums))
    uneven_evaluations = _uneven_evaluations(uneven, specs, thresholds) if uneven else {}

    counts = dict.fromkeys(["scored", "tier1", "tier2", "tier3", "no", "incomplete"], 0)
    creates, updates = [], []
    stamp = connection.ops.adapt_datetimefield_value(now)
    for segment_id, members in by_segment.items():
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
        counted = segment is None or segment_id == segment.pk
        for cid, rank, a, f, incomplete, tier in computed:
            if counted:
                counts["scored"] += 1
                counts[tier or "incomplete"] += 1
            old = existing.get(cid)
            if old is None:
                creates.append((cid, year, _decimal_text(a), _decimal_text(f), rank, incomplete, tier, stamp))
            elif old[1:] != (a, f, rank, incomplete, tier):
                updates.append((_decimal_text(a), _decimal_text(f), rank, incomplete, tier, stamp, old[0]))
    # In customer order, the target indexes (all keyed by customer) grow at their end instead of
    # being rewritten page by page all over.
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
    return counts


def scores_recompute_as(*, actor, unit, year: int, segment=None) -> dict[str, int]:
    """`scores_recompute` for a user who may score (or decide tiers) in the BU/segment."""
    scope = scope_for(actor)
    if not (
        scope.can_in(Action.SCORE, unit=unit, segment=segment)
        or scope.can_in(Action.DECIDE_TIER, unit=unit, segment=segment)
    ):
        raise PermissionDenied
    return scores_recompute(unit=unit, year=year, segment=segment)
