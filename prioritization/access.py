"""Access, written once: which rows a user may see and what they may do to them.

`Scope(user)` is the one mapping from a user's role memberships to data. Lists use
`scope.filter(queryset, action)` (a SQL filter, never a Python loop); single objects use
`scope.get_or_404(queryset, action, pk=…)` (out of scope is a 404, as if it did not exist) or
`scope.can(action, obj)`; creating in a place uses `scope.can_in(action, unit=…, segment=…)`.
Views, admin, exports, commands, reports, e-mails and tasks all go through it.

A model takes part by declaring `scope_paths = ScopePaths(...)`: the ORM paths from it to its
business group, business unit, segment and owner users. A child object declares its parent's paths
with a prefix (`ScopePaths.through("customer", Customer.scope_paths)`), so it is always checked
through its parent.
"""

from __future__ import annotations

import contextlib
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from prioritization.models import BusinessUnit, Membership, Role, Segment
from prioritization.scopepaths import ScopePaths

__all__ = ["CAPABILITIES", "Action", "Scope", "ScopePaths", "scope_for"]


class Action:
    """What a user may do. Each role holds a set of these (CAPABILITIES) within its row scope."""

    VIEW = "view"  # see the record
    CHANGE = "change"  # edit basic information / upkeep of the record
    IMPORT = "import"  # bring customers in by Excel / add to a list
    MANAGE_ORG = "manage_org"  # segments and role memberships (admin console)
    VIEW_CRITERIA = "view_criteria"  # read the active criteria version of the BU
    MANAGE_CRITERIA = "manage_criteria"  # create, edit, activate criteria versions; BU goals
    SET_BG_GOALS = "set_bg_goals"  # BG mission and goals
    SCORE = "score"  # record scorecards
    DECIDE_TIER = "decide_tier"  # accept proposals / set tiers by hand
    ASSIGN_OWNER = "assign_owner"  # overall and daily owners
    MERGE_BU_LIST = "merge_bu_list"  # resolve overlaps between segments, approve the BU list
    APPROVE_BG_LIST = "approve_bg_list"  # merge and approve the BG list, arbitrate between BUs
    LOG_INQUIRY = "log_inquiry"  # take and log inbound inquiries
    DECIDE_INQUIRY = "decide_inquiry"  # important/secondary, reply, list as target or say no
    FOLLOW_UP = "follow_up"  # send material, follow up within 7 days
    INQUIRY_REPORTS = "inquiry_reports"  # daily and monthly inquiry reports
    REVIEW = "review"  # write one's part of the annual review
    SUBMIT_REVIEW = "submit_review"  # BU VP submits the BU review
    CONFIRM_REVIEW = "confirm_review"  # BG VP confirms next year's goals


A = Action
_BU_LEADER = {
    A.VIEW, A.CHANGE, A.IMPORT, A.MANAGE_ORG, A.VIEW_CRITERIA, A.MANAGE_CRITERIA, A.SCORE,
    A.DECIDE_TIER, A.ASSIGN_OWNER, A.MERGE_BU_LIST, A.LOG_INQUIRY, A.DECIDE_INQUIRY,
    A.INQUIRY_REPORTS, A.REVIEW, A.SUBMIT_REVIEW,
}  # fmt: skip
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.BG_VP: frozenset({
        A.VIEW, A.MANAGE_ORG, A.VIEW_CRITERIA, A.SET_BG_GOALS, A.APPROVE_BG_LIST, A.INQUIRY_REPORTS,
        A.REVIEW, A.CONFIRM_REVIEW,
    }),
    # The BU VP also holds every segment-manager duty of a BU that has no segment manager.
    Role.BU_VP: frozenset(_BU_LEADER),
    Role.SEGMENT_MANAGER: frozenset({
        A.VIEW, A.CHANGE, A.IMPORT, A.VIEW_CRITERIA, A.SCORE, A.DECIDE_TIER, A.ASSIGN_OWNER,
        A.LOG_INQUIRY, A.DECIDE_INQUIRY, A.REVIEW,
    }),
    Role.ACCOUNT_MANAGER: frozenset({A.VIEW, A.CHANGE, A.VIEW_CRITERIA, A.LOG_INQUIRY, A.FOLLOW_UP, A.REVIEW}),
    Role.RESEARCHER: frozenset({A.VIEW, A.CHANGE, A.IMPORT, A.VIEW_CRITERIA}),
    Role.PR_OWNER: frozenset({A.VIEW, A.LOG_INQUIRY, A.INQUIRY_REPORTS, A.REVIEW}),
}  # fmt: skip

# Roles whose row scope is "the accounts they own" rather than their whole unit or segment.
ACCOUNT_SCOPED_ROLES = frozenset({Role.ACCOUNT_MANAGER})
# Decision (issue 4): an account manager also READS the customer database of their segment (the
# rows their segment manager sees: the segment's lists), read-only; every other action, and every
# other owned model (inquiries, targets, scorecards, jobs), stays limited to what they own.
SEGMENT_READABLE_BY_ACCOUNT_MANAGERS = frozenset({
    "prospects.customer", "prospects.customerfinancials", "prospects.contact", "prospects.listentry",
    "prospects.segmentclaim",
})  # fmt: skip


def _eq(path: str, value) -> Q:
    if path == "self":
        return Q(pk=value)
    return Q(**{f"{path}_id": value})


_NOTHING = Q(pk__in=[])


def paths_of(model) -> ScopePaths:
    try:
        return model.scope_paths
    except AttributeError as exc:  # a programming error, not a user error
        raise TypeError(f"{model.__name__} declares no scope_paths") from exc


class Scope:
    """What one user may see and do. Cheap to build (one query for the memberships, on first use)."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def memberships(self) -> list[Membership]:
        if not self.user.is_authenticated or not self.user.is_active:
            return []
        return list(Membership.objects.filter(user=self.user).select_related("group", "unit", "segment"))

    @property
    def is_admin(self) -> bool:
        return bool(self.user.is_authenticated and self.user.is_active and self.user.is_superuser)

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(m.role for m in self.memberships)

    def has_role(self, *roles) -> bool:
        return any(r in self.roles for r in roles)

    def allows(self, action: str) -> bool:
        """Whether the user holds `action` anywhere at all (used to show a menu entry)."""
        return self.is_admin or any(action in CAPABILITIES[m.role] for m in self.memberships)

    def _memberships_for(self, action):
        return [m for m in self.memberships if action in CAPABILITIES[m.role]]

    # --- rows ------------------------------------------------------------------------------------
    def _membership_q(self, m: Membership, paths: ScopePaths, action: str, model=None) -> Q:
        if m.role == Role.BG_VP:
            return _eq(paths.group, m.group_id)
        if paths.unit is None:
            # A group-level record (e.g. the BG itself): members of its BUs may read it.
            return _eq(paths.group, m.group_id) if action == A.VIEW else _NOTHING
        if m.segment_id is not None and paths.segment is not None:
            q = _eq(paths.segment, m.segment_id)
        else:
            q = _eq(paths.unit, m.unit_id)
        segment_read = (
            action == A.VIEW
            and m.segment_id is not None
            and model is not None
            and model._meta.label_lower in SEGMENT_READABLE_BY_ACCOUNT_MANAGERS
        )
        if m.role in ACCOUNT_SCOPED_ROLES and paths.owners and not segment_read:
            owned = Q()
            for owner in paths.owners:
                owned |= _eq(owner, self.user.pk)
            q &= owned
        return q

    def q_for(self, model, action: str = A.VIEW) -> Q:
        if self.is_admin:
            return Q()
        paths = paths_of(model)
        q = _NOTHING
        for m in self._memberships_for(action):
            q |= self._membership_q(m, paths, action, model)
        return q

    def filter(self, queryset, action: str = A.VIEW):
        return queryset.filter(self.q_for(queryset.model, action))

    def get_or_404(self, queryset, action: str = A.VIEW, **lookup):
        """The object if the user may `action` it; 404 if they cannot see it; 403 if they can see
        it but not do `action` to it."""
        try:
            obj = self.filter(queryset, A.VIEW).get(**lookup)
        except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404 from exc
        if action != A.VIEW and not self.can(action, obj):
            raise PermissionDenied
        return obj

    def can(self, action: str, obj) -> bool:
        if self.is_admin:
            return True
        if not self.allows(action):
            return False
        model = type(obj)
        return model._default_manager.filter(pk=obj.pk).filter(self.q_for(model, action)).exists()

    # --- places (for creating records and for choosing a unit/segment in forms) ------------------
    def can_in(self, action: str, *, unit: BusinessUnit, segment: Segment | None = None) -> bool:
        """Whether the user may `action` in this BU (and segment): e.g. import customers there."""
        if self.is_admin:
            return True
        for m in self._memberships_for(action):
            if m.role == Role.BG_VP and unit.group_id == m.group_id:
                return True
            if m.unit_id == unit.pk and (m.segment_id is None or (segment and m.segment_id == segment.pk)):
                return True
        return False

    def units(self, action: str = A.VIEW):
        return self.filter(BusinessUnit.objects.select_related("group"), action)

    def segments(self, action: str = A.VIEW):
        return self.filter(Segment.objects.select_related("unit"), action)


def scope_for(request_or_user) -> Scope:
    """The Scope of a request's user or of a user (commands, tasks), built once per user object so
    that a page's views, selectors and context processors share one membership query."""
    user = getattr(request_or_user, "user", request_or_user)
    scope = getattr(user, "_workbench_scope", None)
    if scope is None or scope.user is not user:
        scope = Scope(user)
        with contextlib.suppress(AttributeError):  # e.g. a user class with __slots__
            user._workbench_scope = scope
    return scope


def scope_forget(user) -> None:
    """Drop a cached Scope after the user's memberships changed."""
    user.__dict__.pop("_workbench_scope", None)
