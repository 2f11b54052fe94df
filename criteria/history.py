"""The change log of a version (who, when, what), read from django-simple-history in a fixed number
of queries: one per tracked model, diffs computed in Python."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from criteria.models import CriteriaVersion, Criterion, TargetSegment, TierPrinciple

TYPE_LABELS = {"+": _("新增"), "~": _("修改"), "-": _("删除")}
IGNORED = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "history_user_id",
}


@dataclass
class Entry:
    when: object
    who: object
    kind: str
    subject: str
    changes: list[tuple[str, object, object]] = field(default_factory=list)
    reason: str = ""

    @property
    def kind_label(self):
        return TYPE_LABELS.get(self.kind, self.kind)


def _fields(model):
    return [f for f in model._meta.concrete_fields if f.attname not in IGNORED]


def _display(record, f):
    value = getattr(record, f.attname)
    if f.choices and value is not None:
        return dict(f.flatchoices).get(value, value)
    return value


def _entries(records, model, subject_of):
    fields = [f for f in _fields(model) if f.name not in {"id", "version", "created_at"}]
    previous = {}
    out = []
    for record in records:
        before = previous.get(record.id)
        changes = []
        if record.history_type == "~" and before is not None:
            for f in fields:
                old, new = getattr(before, f.attname), getattr(record, f.attname)
                if old != new:
                    changes.append((f.verbose_name, _display(before, f), _display(record, f)))
            if not changes:
                previous[record.id] = record
                continue
        elif record.history_type == "+":
            changes = [
                (f.verbose_name, None, _display(record, f))
                for f in fields
                if getattr(record, f.attname) not in (None, "")
            ]
        previous[record.id] = record
        out.append(
            Entry(
                when=record.history_date,
                who=record.history_user,
                kind=record.history_type,
                subject=subject_of(record),
                changes=changes,
                reason=record.history_change_reason or "",
            )
        )
    return out


def entries_for(version: CriteriaVersion) -> list[Entry]:
    """Every recorded change of the version and of its criteria, principles and target segments,
    newest first."""
    entries = []
    entries += _entries(
        version.history.select_related("history_user").order_by("history_date", "history_id"),
        CriteriaVersion,
        lambda r: _("版本设置"),
    )
    entries += _entries(
        Criterion.history.filter(version_id=version.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id"),
        Criterion,
        lambda r: _("评估标准“%(name)s”") % {"name": r.name},
    )
    entries += _entries(
        TierPrinciple.history.filter(version_id=version.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id"),
        TierPrinciple,
        lambda r: _("分级原则 %(tier)s") % {"tier": r.get_tier_display()},
    )
    entries += _entries(
        TargetSegment.history.filter(version_id=version.pk)
        .select_related("history_user", "segment")
        .order_by("id", "history_date", "history_id"),
        TargetSegment,
        lambda r: _("重点细分市场 %(segment)s") % {"segment": r.segment},
    )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries
