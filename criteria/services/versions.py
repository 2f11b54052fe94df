"""Writes to criteria versions: create (from a template or by copying), edit while draft, activate,
freeze on first score, revise. Every path (browser form, xlsx import, admin, demo) comes here."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from criteria.defaults import (
    DEFAULT_CRITERIA,
    DEFAULT_PRINCIPLES,
    DEFAULT_TEMPLATE_NAME,
    DEFAULT_TEMPLATE_NAME_EN,
)
from criteria.excel import version_workbook_read
from criteria.models import (
    CriteriaTemplate,
    CriteriaVersion,
    Criterion,
    TargetSegment,
    TemplateCriterion,
    TierPrinciple,
    VersionStatus,
)
from criteria.models.versions import DEFAULT_CADENCE_DAYS, IN_FORCE
from criteria.rules import RuleError, rule_validate
from criteria.services.revisions import (
    PAGE_CRITERIA,
    PAGE_SEGMENTS,
    PAGE_TIERS,
    version_page_revision_check,
)
from criteria.validation import (
    CADENCE_DAYS_MAX,
    CADENCE_DAYS_MIN,
    QUOTA_MAX,
    cadence_is_valid,
    criteria_errors,
    quota_is_valid,
)
from prioritization.access import Action, scope_for
from prioritization.models import AuditEvent, BusinessUnit
from prioritization.services.audit import audit_record
from prioritization.tiers import Tier

# Above this many target segments the form warns (PROCESS.md: 1–3 per BU); it does not refuse.
RECOMMENDED_MAX_SEGMENTS = 3

CRITERION_FIELDS = ("dimension", "order", "name", "name_en", "description", "guidance", "weight", "rule")
PRINCIPLE_FIELDS = ("name", "service_principle", "contact_cadence_days", "expected_actions")
SETTINGS_FIELDS = (
    "attractiveness_threshold",
    "feasibility_threshold",
    "capacity_tier1",
    "capacity_tier2",
    "capacity_tier3",
    "large_min",
    "medium_min",
    "note",
)


class VersionNotEditable(ValidationError):
    """The version is no longer a draft (active, frozen or retired): revise it instead."""


# --- helpers -------------------------------------------------------------------------------------
def _require_manage_unit(actor, unit):
    if not scope_for(actor).can_in(Action.MANAGE_CRITERIA, unit=unit):
        raise PermissionDenied


def _require_manage(actor, version):
    if not scope_for(actor).can(Action.MANAGE_CRITERIA, version):
        raise PermissionDenied


def not_editable_message(version) -> str:
    # The status labels carry their own wording (生效, 已冻结（评分已开始）, 已被取代): quote them.
    return _("版本 %(version)s 的状态为“%(status)s”，不能再修改；请使用“修订”创建新的草稿。") % {
        "version": version,
        "status": version.get_status_display(),
    }


def _locked_draft(version) -> CriteriaVersion:
    current = CriteriaVersion.objects.select_for_update().get(pk=version.pk)
    if current.status != VersionStatus.DRAFT:
        raise VersionNotEditable(not_editable_message(current))
    return current


def _next_number(unit, year) -> int:
    # Lock the BU row so two simultaneous creations do not pick the same number.
    BusinessUnit.objects.select_for_update().filter(pk=unit.pk).first()
    top = CriteriaVersion.objects.filter(unit=unit, year=year).aggregate(n=Max("number"))["n"]
    return (top or 0) + 1


def _add_default_principles(version, actor):
    bulk_create_with_history(
        [
            TierPrinciple(
                version=version,
                tier=tier,
                name=name,
                service_principle=principle,
                expected_actions=actions,
                contact_cadence_days=DEFAULT_CADENCE_DAYS[tier],
            )
            for tier, (name, principle, actions) in DEFAULT_PRINCIPLES.items()
        ],
        TierPrinciple,
        default_user=actor,
    )


def template_default() -> CriteriaTemplate:
    """The default template: the one marked default in the admin console; if an administrator
    deleted it, it is shipped again from criteria/defaults.py."""
    template = CriteriaTemplate.objects.filter(is_default=True).first()
    if template is not None:
        return template
    template, created = CriteriaTemplate.objects.get_or_create(
        name=DEFAULT_TEMPLATE_NAME, defaults={"name_en": DEFAULT_TEMPLATE_NAME_EN, "is_default": True}
    )
    if created or not template.criteria.exists():
        template_default_fill(template)
    return template


def template_default_fill(template):
    orders: dict[str, int] = {}
    for dimension, name, name_en, weight, description, guidance, rule in DEFAULT_CRITERIA:
        orders[dimension] = orders.get(dimension, 0) + 1
        TemplateCriterion.objects.get_or_create(
            template=template,
            name=name,
            defaults={
                "dimension": dimension,
                "order": orders[dimension],
                "name_en": name_en,
                "weight": weight,
                "description": description,
                "guidance": guidance,
                "rule": rule,
            },
        )


# --- create --------------------------------------------------------------------------------------
@transaction.atomic
def version_create(
    *, actor, unit: BusinessUnit, year: int, template: CriteriaTemplate | None = None, note: str = ""
) -> CriteriaVersion:
    """A new draft for (BU, year) with the template's criteria (the default template when none is
    given), the default tier principles and the default size bands; no target segments yet."""
    _require_manage_unit(actor, unit)
    template = template or template_default()
    template_criteria = list(template.criteria.all())
    errors = criteria_errors(
        [{"dimension": tc.dimension, "name": tc.name, "weight": tc.weight} for tc in template_criteria]
    )
    if errors:
        raise ValidationError(
            [
                _(
                    "模板“%(template)s”不符合选择标准的规则，不能据此创建版本；请系统管理员在管理后台修正模板："
                )
                % {"template": template},
                *errors,
            ]
        )
    version = CriteriaVersion.objects.create(
        unit=unit, year=year, number=_next_number(unit, year), created_by=actor, note=note
    )
    criteria = []
    for tc in template_criteria:
        values = {f: getattr(tc, f) for f in CRITERION_FIELDS}
        try:
            values["rule"] = rule_validate(values["rule"])
        except RuleError:
            values["rule"] = None  # a template edited in admin with a broken rule: start without it
        criteria.append(Criterion(version=version, **values))
    bulk_create_with_history(criteria, Criterion, default_user=actor)
    _add_default_principles(version, actor)
    return version


def _copy_into(source: CriteriaVersion, target: CriteriaVersion, actor):
    bulk_create_with_history(
        [
            Criterion(version=target, **{f: getattr(c, f) for f in CRITERION_FIELDS})
            for c in source.criteria.all()
        ],
        Criterion,
        default_user=actor,
    )
    bulk_create_with_history(
        [
            TierPrinciple(version=target, tier=p.tier, **{f: getattr(p, f) for f in PRINCIPLE_FIELDS})
            for p in source.principles.all()
        ],
        TierPrinciple,
        default_user=actor,
    )
    bulk_create_with_history(
        [
            TargetSegment(
                version=target,
                segment_id=t.segment_id,
                quota_large=t.quota_large,
                quota_medium=t.quota_medium,
                quota_small=t.quota_small,
            )
            for t in source.target_segments.filter(segment__is_active=True)
        ],
        TargetSegment,
        default_user=actor,
    )


@transaction.atomic
def version_copy(*, actor, source: CriteriaVersion, year: int, note: str = "") -> CriteriaVersion:
    """A new draft for (source's BU, year) with everything of `source`: criteria, rules, settings,
    principles, target segments and quotas. Used for "copy last year's" and for "revise"."""
    if not scope_for(actor).can(Action.VIEW_CRITERIA, source):
        raise PermissionDenied
    _require_manage_unit(actor, source.unit)
    version = CriteriaVersion.objects.create(
        unit=source.unit,
        year=year,
        number=_next_number(source.unit, year),
        based_on=source,
        created_by=actor,
        note=note,
        **{f: getattr(source, f) for f in SETTINGS_FIELDS if f != "note"},
    )
    _copy_into(source, version, actor)
    return version


def version_to_copy_forward(*, unit, year: int) -> CriteriaVersion | None:
    """Last year's version to start this year's from: the one in force, else the latest one."""
    versions = CriteriaVersion.objects.filter(unit=unit, year=year - 1)
    return (
        versions.filter(status__in=IN_FORCE).first()
        or versions.exclude(status=VersionStatus.DRAFT).first()
        or versions.first()
    )


@transaction.atomic
def version_copy_last_year(*, actor, unit: BusinessUnit, year: int) -> CriteriaVersion:
    source = version_to_copy_forward(unit=unit, year=year)
    if source is None:
        raise ValidationError(
            _("%(unit)s 在 %(year)s 年没有可复制的选择标准版本。") % {"unit": unit, "year": year - 1}
        )
    return version_copy(
        actor=actor, source=source, year=year, note=_("复制自 %(source)s") % {"source": source}
    )


@transaction.atomic
def version_revise(*, actor, version: CriteriaVersion) -> CriteriaVersion:
    """A new draft copy of an active, frozen or retired version of the same year."""
    return version_copy(
        actor=actor, source=version, year=version.year, note=_("修订自 %(source)s") % {"source": version}
    )


# --- edit (drafts only) --------------------------------------------------------------------------
def _clean_rule(rule, name):
    try:
        return rule_validate(rule)
    except RuleError as exc:
        raise ValidationError(
            _("“%(name)s”的量化规则无效：%(error)s") % {"name": name, "error": str(exc)}
        ) from exc


@transaction.atomic
def version_criteria_set(
    *, actor, version: CriteriaVersion, criteria: list[dict], expected_revision: str | None = None
) -> CriteriaVersion:
    """Replace the version's criteria by `criteria` (dicts of CRITERION_FIELDS, plus "id" for an
    existing criterion kept). Refused as a whole, with messages naming the dimension, when the set
    breaks the rules of criteria_errors. With `expected_revision` (the edit page's revision when it
    was opened) a save over someone else's newer save is refused with ConcurrentUpdate."""
    _require_manage(actor, version)
    version = _locked_draft(version)
    version_page_revision_check(version, PAGE_CRITERIA, expected_revision)
    errors = criteria_errors(criteria)
    rules = {}
    for row in criteria:
        try:
            rules[id(row)] = _clean_rule(row.get("rule"), row.get("name"))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    existing = {c.pk: c for c in version.criteria.all()}
    kept = set()
    orders: dict[str, int] = {}
    # Free the names first so a swap of two names does not trip the unique constraint.
    to_update, to_create = [], []
    for row in criteria:
        orders[row["dimension"]] = orders.get(row["dimension"], 0) + 1
        values = {f: row.get(f, "") for f in CRITERION_FIELDS}
        values["order"] = orders[row["dimension"]]
        values["name"] = values["name"].strip()
        values["rule"] = rules[id(row)]
        criterion = existing.get(row.get("id"))
        if criterion is not None:
            kept.add(criterion.pk)
            if any(getattr(criterion, f) != values[f] for f in CRITERION_FIELDS):
                for f in CRITERION_FIELDS:
                    setattr(criterion, f, values[f])
                to_update.append(criterion)
        else:
            to_create.append(Criterion(version=version, **values))
    for pk, criterion in existing.items():
        if pk not in kept:
            criterion._history_user = actor
            criterion.delete()
    for criterion in to_update:
        # A temporary unique name frees the old one for a swap of names (PostgreSQL refuses NUL bytes).
        Criterion.objects.filter(pk=criterion.pk).update(name=f"__renaming__{criterion.pk}")
    for criterion in to_update + to_create:
        criterion._history_user = actor
        criterion.save()  # one by one so that history records who changed what
    return version


def _size_band_errors(large_min, medium_min) -> list[str]:
    """The size bands' rule (the database's criteria_size_bands_ordered) in the users' words."""
    try:
        large, medium = Decimal(str(large_min)), Decimal(str(medium_min))
    except (ArithmeticError, ValueError):
        return [_("规模划分的营业额下限必须是数字。")]
    if not (large.is_finite() and medium.is_finite()):
        return [_("规模划分的营业额下限必须是数字。")]
    errors = []
    if medium < 0 or large < 0:
        errors.append(_("营业额下限不能为负数。"))
    if medium >= large:
        errors.append(_("中型客户营业额下限必须低于大型客户下限。"))
    return errors


@transaction.atomic
def version_settings_update(*, actor, version: CriteriaVersion, **fields) -> CriteriaVersion:
    """Thresholds, optional tier capacities, size bands and the revision note."""
    _require_manage(actor, version)
    version = _locked_draft(version)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"unknown settings {sorted(unknown)}")
    for name, value in fields.items():
        setattr(version, name, value)
    band_errors = _size_band_errors(version.large_min, version.medium_min)
    if band_errors:
        raise ValidationError({"medium_min": band_errors})
    # The bands' check constraint is stated above in words; its generic message must not show.
    version.full_clean(exclude=["unit", "based_on", "created_by", "activated_by"], validate_constraints=False)
    version._history_user = actor
    version.save()
    return version


def _principle_errors(principles: dict) -> list[str]:
    errors = []
    for tier, values in principles.items():
        label = Tier(tier).label
        if not (values.get("name") or "").strip():
            errors.append(_("%(tier)s：分级名称不能为空。") % {"tier": label})
        if not cadence_is_valid(values.get("contact_cadence_days")):
            errors.append(
                _("%(tier)s：联系频率必须是 %(min)s–%(max)s 之间的整数天数。")
                % {"tier": label, "min": CADENCE_DAYS_MIN, "max": CADENCE_DAYS_MAX}
            )
    return errors


@transaction.atomic
def version_principles_set(*, actor, version: CriteriaVersion, principles: dict) -> CriteriaVersion:
    """`principles` maps tier → dict of PRINCIPLE_FIELDS. Checked as a whole before anything is
    written."""
    _require_manage(actor, version)
    version = _locked_draft(version)
    principles = {Tier(tier): values for tier, values in principles.items()}
    errors = _principle_errors(principles)
    if errors:
        raise ValidationError(errors)
    for tier, values in principles.items():
        principle, _created = TierPrinciple.objects.get_or_create(version=version, tier=tier, defaults=values)
        if any(getattr(principle, f) != values.get(f, getattr(principle, f)) for f in PRINCIPLE_FIELDS):
            for f in PRINCIPLE_FIELDS:
                if f in values:
                    setattr(principle, f, values[f])
            principle._history_user = actor
            principle.save()
    return version


def _target_segment_errors(version, rows: list[dict]) -> list[str]:
    errors, seen = [], set()
    for row in rows:
        segment = row["segment"]
        if segment.unit_id != version.unit_id:
            errors.append(_("细分市场 %(segment)s 不属于该业务单元。") % {"segment": segment})
        elif segment.pk in seen:
            errors.append(_("细分市场 %(segment)s 重复。") % {"segment": segment})
        seen.add(segment.pk)
        if not all(quota_is_valid(row.get(k, 0)) for k in ("quota_large", "quota_medium", "quota_small")):
            errors.append(
                _("细分市场 %(segment)s：配额必须是 0–%(max)s 之间的整数。")
                % {"segment": segment, "max": QUOTA_MAX}
            )
    return errors


@transaction.atomic
def version_target_segments_set(*, actor, version: CriteriaVersion, rows: list[dict]) -> list[str]:
    """Replace the target segments: rows of {"segment", "quota_large", "quota_medium",
    "quota_small"}. Checked as a whole before anything is written. Returns warnings (more than
    RECOMMENDED_MAX_SEGMENTS segments)."""
    _require_manage(actor, version)
    version = _locked_draft(version)
    errors = _target_segment_errors(version, rows)
    if errors:
        raise ValidationError(errors)
    seen = {row["segment"].pk for row in rows}
    existing = {t.segment_id: t for t in version.target_segments.all()}
    for segment_id, target in existing.items():
        if segment_id not in seen:
            target._history_user = actor
            target.delete()
    for row in rows:
        quotas = {
            k: row.get(k, default)
            for k, default in (("quota_large", 30), ("quota_medium", 50), ("quota_small", 20))
        }
        target = existing.get(row["segment"].pk)
        if target is None:
            target = TargetSegment(version=version, segment=row["segment"], **quotas)
        elif all(getattr(target, k) == v for k, v in quotas.items()):
            continue
        for k, v in quotas.items():
            setattr(target, k, v)
        target._history_user = actor
        target.save()
    return target_segment_warnings(len(rows))


@transaction.atomic
def version_tiers_save(
    *,
    actor,
    version: CriteriaVersion,
    settings: dict,
    principles: dict,
    expected_revision: str | None = None,
) -> CriteriaVersion:
    """The "thresholds and tier principles" page in one transaction: all of it or nothing. With
    `expected_revision` a save over someone else's newer save of this page is refused."""
    _require_manage(actor, version)
    version = _locked_draft(version)
    version_page_revision_check(version, PAGE_TIERS, expected_revision)
    errors = _principle_errors({Tier(t): v for t, v in principles.items()})
    if errors:
        raise ValidationError(errors)
    version_settings_update(actor=actor, version=version, **settings)
    return version_principles_set(actor=actor, version=version, principles=principles)


@transaction.atomic
def version_segments_save(
    *,
    actor,
    version: CriteriaVersion,
    large_min,
    medium_min,
    rows: list[dict],
    expected_revision: str | None = None,
) -> list[str]:
    """The "target segments, quotas and size bands" page in one transaction, checked as a whole
    before anything is written. Returns the segment warnings."""
    _require_manage(actor, version)
    version = _locked_draft(version)
    version_page_revision_check(version, PAGE_SEGMENTS, expected_revision)
    errors = _size_band_errors(large_min, medium_min) + _target_segment_errors(version, rows)
    if errors:
        raise ValidationError(errors)
    version_settings_update(actor=actor, version=version, large_min=large_min, medium_min=medium_min)
    return version_target_segments_set(actor=actor, version=version, rows=rows)


def target_segment_warnings(count: int) -> list[str]:
    if count > RECOMMENDED_MAX_SEGMENTS:
        return [
            _("已选择 %(count)s 个重点细分市场；建议每个业务单元 1–3 个，以便集中资源。") % {"count": count}
        ]
    return []


@transaction.atomic
def version_delete(*, actor, version: CriteriaVersion) -> None:
    """Drafts only; a version that was ever in force stays for the record."""
    _require_manage(actor, version)
    version = _locked_draft(version)
    version.delete()


# --- lifecycle -----------------------------------------------------------------------------------
def version_activation_errors(version: CriteriaVersion) -> list[str]:
    rows = [{"dimension": c.dimension, "name": c.name, "weight": c.weight} for c in version.criteria.all()]
    errors = criteria_errors(rows)
    missing = {t.value for t in Tier} - set(version.principles.values_list("tier", flat=True))
    if missing:
        errors.append(
            _("缺少分级客户管理原则：%(tiers)s。")
            % {"tiers": "、".join(str(Tier(t).label) for t in sorted(missing))}
        )
    return errors


@transaction.atomic
def version_activate(*, actor, version: CriteriaVersion, now=None) -> CriteriaVersion:
    """Make a complete draft the version in force for its BU-year. The version in force before it
    (if any) is retired; scores already recorded against it stay bound to it."""
    _require_manage(actor, version)
    version = _locked_draft(version)
    errors = version_activation_errors(version)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    for previous in CriteriaVersion.objects.select_for_update().filter(
        unit_id=version.unit_id, year=version.year, status__in=IN_FORCE
    ):
        previous.status = VersionStatus.RETIRED
        previous._change_reason = _("被 %(version)s 取代") % {"version": version}
        previous.save()
    version.status = VersionStatus.ACTIVE
    version.activated_at = now
    version.activated_by = actor
    version.save()
    return version


@transaction.atomic
def version_freeze(*, version: CriteriaVersion, now=None) -> CriteriaVersion:
    """Freeze the version because a score has been recorded against it (called by the scoring
    stage inside its transaction). Idempotent: a frozen or retired version is returned unchanged.
    Scoring against a draft is a programming error of the caller."""
    current = CriteriaVersion.objects.select_for_update().get(pk=version.pk)
    if current.status == VersionStatus.DRAFT:
        raise ValidationError(_("草稿版本不能用于评分；请先使其生效。"))
    if current.status == VersionStatus.ACTIVE:
        current.status = VersionStatus.FROZEN
        current.frozen_at = now or timezone.now()
        current._change_reason = _("已记录第一份评分，版本自动冻结")
        current.save()
    version.status, version.frozen_at = current.status, current.frozen_at
    return current


@transaction.atomic
def version_import(*, actor, version: CriteriaVersion, data: bytes) -> list[str]:
    """Replace a draft's content by an xlsx workbook of `criteria.excel`'s layout, with the same
    validation as the browser form; all or nothing. Raises WorkbookUnusable for an unusable file
    and ValidationError (every message) for invalid content. Returns warnings."""
    _require_manage(actor, version)
    _locked_draft(version)
    content, errors = version_workbook_read(data)
    existing = {c.name: c.pk for c in version.criteria.all()}
    for row in content["criteria"]:
        row["id"] = existing.get(row["name"])
    segment_rows = []
    if content["segments"] is not None:
        segments = {s.code: s for s in version.unit.segments.all()}
        segments.update({s.name: s for s in segments.values()})
        for number, key, quotas in content["segments"]:
            segment = segments.get(key)
            if segment is None:
                errors.append(
                    _("重点细分市场 第 %(row)s 行：本业务单元没有细分市场“%(segment)s”。")
                    % {"row": number, "segment": key}
                )
                continue
            segment_rows.append({"segment": segment, **quotas})
    if errors:
        raise ValidationError(errors)
    version_criteria_set(actor=actor, version=version, criteria=content["criteria"])
    if content["principles"]:
        version_principles_set(actor=actor, version=version, principles=content["principles"])
    if content["settings"]:
        version_settings_update(actor=actor, version=version, **content["settings"])
    warnings = []
    if content["segments"] is not None:
        warnings = version_target_segments_set(actor=actor, version=version, rows=segment_rows)
    audit_record(kind=AuditEvent.Kind.IMPORT, actor=actor, unit=version.unit, target=f"criteria {version}")
    return warnings
