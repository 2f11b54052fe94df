"""Criteria pages × roles: the BG VP sees every version of the BG's BUs; the BU VP manages their
BU's; segment managers, account managers and researchers read the version in force; nobody else
(PR owners included, as issue 3 says) sees anything (404)."""

from django.urls import reverse

from criteria.models import BusinessGroupGoals, BusinessUnitGoals, CriteriaVersion, VersionStatus
from criteria.services.versions import version_activate, version_create
from tests.permissions import Case, everyone


def _versions(ctx):
    ctx.active = version_activate(
        actor=ctx.buvp, version=version_create(actor=ctx.buvp, unit=ctx.org.unit, year=2001)
    )
    ctx.draft = version_create(actor=ctx.buvp, unit=ctx.org.unit, year=2002)
    ctx.foreign = version_activate(
        actor=ctx.outsider, version=version_create(actor=ctx.outsider, unit=ctx.org.other_unit, year=2002)
    )


def _url(name, attr):
    return lambda c: reverse(f"criteria:{name}", args=[getattr(c, attr).pk])


READERS = {
    "admin_user": 200,
    "bgvp": 200,
    "buvp": 200,
    "segmgr": 200,
    "am": 200,
    "researcher": 200,
}
FULL = {"admin_user": 200, "bgvp": 200, "buvp": 200}
MANAGERS_ONLY = {"admin_user": 200, "buvp": 200, "bgvp": 403}
MANAGE_ACTIVE = {
    "admin_user": 302,
    "buvp": 302,
    "bgvp": 403,
    "segmgr": 403,
    "am": 403,
    "researcher": 403,
}


def _draft_activated_only_by_managers(ctx, response, role):
    status = CriteriaVersion.objects.get(pk=ctx.draft.pk).status
    assert status == (VersionStatus.ACTIVE if role in ("admin_user", "buvp") else VersionStatus.DRAFT)


def _nothing_created_unless_allowed(ctx, response, role):
    count = CriteriaVersion.objects.filter(unit=ctx.org.unit, year=2003).count()
    assert count == (1 if role in ("admin_user", "buvp") else 0)


def _group_goals_only_by_bgvp(ctx, response, role):
    exists = BusinessGroupGoals.objects.filter(group=ctx.org.group, year=2002).exists()
    assert exists == (role in ("admin_user", "bgvp"))


def _unit_goals_only_by_buvp(ctx, response, role):
    exists = BusinessUnitGoals.objects.filter(unit=ctx.org.unit, year=2002).exists()
    assert exists == (role in ("admin_user", "buvp"))


def _draft_kept_unless_allowed(ctx, response, role):
    if response.status_code in (403, 404):
        assert CriteriaVersion.objects.filter(pk=ctx.draft.pk).exists()


CASES = [
    Case("criteria-version-list", lambda c: reverse("criteria:version_list"), everyone(200)),
    Case("criteria-goals", lambda c: reverse("criteria:goals"), everyone(200)),
    Case(
        "criteria-detail-active", _url("version_detail", "active"), everyone(404, **READERS), setup=_versions
    ),
    Case("criteria-detail-draft", _url("version_detail", "draft"), everyone(404, **FULL), setup=_versions),
    Case(
        "criteria-detail-foreign",
        _url("version_detail", "foreign"),
        everyone(404, admin_user=200, outsider=200),
        setup=_versions,
    ),
    Case(
        "criteria-export-active", _url("version_export", "active"), everyone(404, **READERS), setup=_versions
    ),
    Case("criteria-export-draft", _url("version_export", "draft"), everyone(404, **FULL), setup=_versions),
    Case(
        "criteria-history-active",
        _url("version_history", "active"),
        everyone(404, **READERS),
        setup=_versions,
    ),
    Case("criteria-history-draft", _url("version_history", "draft"), everyone(404, **FULL), setup=_versions),
    Case(
        "criteria-compare-draft-active",
        lambda c: reverse("criteria:version_compare") + f"?a={c.active.pk}&b={c.draft.pk}",
        everyone(404, **FULL),
        setup=_versions,
    ),
    Case(
        "criteria-edit-draft", _url("version_edit", "draft"), everyone(404, **MANAGERS_ONLY), setup=_versions
    ),
    Case(
        "criteria-tiers-draft",
        _url("version_tiers", "draft"),
        everyone(404, **MANAGERS_ONLY),
        setup=_versions,
    ),
    Case(
        "criteria-segments-draft",
        _url("version_segments", "draft"),
        everyone(404, **MANAGERS_ONLY),
        setup=_versions,
    ),
    Case(
        "criteria-import-draft",
        _url("version_import", "draft"),
        everyone(404, **MANAGERS_ONLY),
        setup=_versions,
    ),
    Case(
        "criteria-edit-active",
        _url("version_edit", "active"),
        everyone(404, **MANAGE_ACTIVE),
        setup=_versions,
    ),
    Case(
        "criteria-activate-draft",
        _url("version_activate", "draft"),
        everyone(404, admin_user=302, buvp=302, bgvp=403),
        method="post",
        setup=_versions,
        check=_draft_activated_only_by_managers,
    ),
    Case(
        "criteria-revise-active",
        _url("version_revise", "active"),
        everyone(404, **MANAGE_ACTIVE),
        method="post",
        setup=_versions,
    ),
    Case(
        "criteria-revise-foreign",
        _url("version_revise", "foreign"),
        everyone(404, admin_user=302, outsider=302),
        method="post",
        setup=_versions,
    ),
    Case(
        "criteria-create-in-mfg",
        lambda c: reverse("criteria:version_create"),
        everyone(403, admin_user=302, buvp=302, outsider=400),
        method="post",
        data=lambda c: {"unit": c.org.unit.pk, "year": 2003, "source": "template"},
        check=_nothing_created_unless_allowed,
    ),
    Case(
        "criteria-goals-save-group",
        lambda c: reverse("criteria:goals") + "?year=2002",
        everyone(403, admin_user=302, bgvp=302, outsider=404, nobody=404, pr=404),
        method="post",
        data=lambda c: {"kind": "group", "target": c.org.group.pk},
        check=_group_goals_only_by_bgvp,
    ),
    Case(
        "criteria-goals-save-unit",
        lambda c: reverse("criteria:goals") + "?year=2002",
        everyone(403, admin_user=302, buvp=302, outsider=404, nobody=404, pr=404),
        method="post",
        data=lambda c: {"kind": "unit", "target": c.org.unit.pk},
        check=_unit_goals_only_by_buvp,
    ),
    Case(
        "criteria-delete-draft",
        _url("version_delete", "draft"),
        everyone(404, admin_user=302, buvp=302, bgvp=403),
        method="post",
        setup=_versions,
        check=_draft_kept_unless_allowed,
    ),
    Case(
        "criteria-delete-foreign",
        _url("version_delete", "foreign"),
        everyone(404, admin_user=302, outsider=302),
        method="post",
        setup=_versions,
    ),
]
