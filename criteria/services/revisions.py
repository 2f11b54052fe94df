"""Optimistic locking of a draft's edit pages: each page carries the revision of what it shows (from
the history tables), and a save over someone else's newer save of the same part is refused, naming
who saved it and when (the pattern of prospects' ConcurrentUpdate)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from criteria.models import CriteriaVersion, Criterion, TargetSegment, TierPrinciple
from prospects.services.customers import ConcurrentUpdate

PAGE_CRITERIA = "criteria"
PAGE_TIERS = "tiers"
PAGE_SEGMENTS = "segments"

# The version's own fields each page edits (the other parts are child rows of the version).
_VERSION_FIELDS = {
    PAGE_CRITERIA: (),
    PAGE_TIERS: (
        "attractiveness_threshold",
        "feasibility_threshold",
        "capacity_tier1",
        "capacity_tier2",
        "capacity_tier3",
        "note",
    ),
    PAGE_SEGMENTS: ("large_min", "medium_min"),
}
_CHILD_MODEL = {PAGE_CRITERIA: Criterion, PAGE_TIERS: TierPrinciple, PAGE_SEGMENTS: TargetSegment}


@dataclass(frozen=True)
class _Change:
    history_id: int
    who: object
    when: object


def _latest_child_change(model, version) -> _Change | None:
    row = (
        model.history.filter(version_id=version.pk)
        .select_related("history_user")
        .order_by("-history_id")
        .first()
    )
    return _Change(row.history_id, row.history_user, row.history_date) if row else None


def _latest_version_change(version, fields) -> _Change | None:
    """The version's last history row that changed one of `fields` (or created the version)."""
    if not fields:
        return None
    latest, previous = None, None
    for row in (
        CriteriaVersion.history.filter(id=version.pk).select_related("history_user").order_by("history_id")
    ):
        if previous is None or any(getattr(row, f) != getattr(previous, f) for f in fields):
            latest = row
        previous = row
    return _Change(latest.history_id, latest.history_user, latest.history_date) if latest else None


def _changes(version, page) -> list[_Change | None]:
    return [
        _latest_child_change(_CHILD_MODEL[page], version),
        _latest_version_change(version, _VERSION_FIELDS[page]),
    ]


def version_page_revision(version: CriteriaVersion, page: str) -> str:
    """The revision of what `page` of the version shows; the page's form carries it back."""
    return ".".join(str(c.history_id if c else 0) for c in _changes(version, page))


def version_page_revision_check(version: CriteriaVersion, page: str, expected: str | None) -> None:
    """Refuse (ConcurrentUpdate) a save of `page` made from a form that showed revision `expected`
    when the page's part of the version has changed since. `expected` None: no check (callers that
    do not show a form, such as carrying a review forward). Call it under the version's row lock."""
    if expected is None:
        return
    changes = _changes(version, page)
    if ".".join(str(c.history_id if c else 0) for c in changes) == expected:
        return
    latest = max((c for c in changes if c), key=lambda c: c.when, default=None)
    raise ConcurrentUpdate(
        _(
            "%(who)s 已在您打开本页之后修改并保存了版本 %(version)s（%(when)s）。您的修改未保存，请重新打开本页后再修改。"
        )
        % {
            "who": (latest.who if latest else None) or _("其他用户"),
            "version": version,
            "when": timezone.localtime(latest.when).strftime("%Y-%m-%d %H:%M:%S") if latest else "—",
        }
    )
