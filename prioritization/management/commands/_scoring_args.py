"""Shared argument handling of the stage 2.3.3 commands (export_scoresheet, import_scores, score,
export_tiers): --bu, --year, --segment and --as. Exit code 2 for an unusable invocation."""

import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from prioritization.models import BusinessUnit, Segment

AS_HELP = "act as this user (their scope and rights apply); default: the first active superuser"


def add_place_arguments(parser, *, segment=True, segment_required=False):
    parser.add_argument("--bu", required=True, help="business unit code")
    parser.add_argument("--year", required=True, type=int, help="planning year (YYYY)")
    if segment:
        parser.add_argument("--segment", required=segment_required, help="segment code")
    parser.add_argument("--as", dest="as_user", help=AS_HELP)


def unusable(message):
    return CommandError(message, returncode=2)


def resolve_place(options):
    unit = BusinessUnit.objects.select_related("group").filter(code=options["bu"]).first()
    if unit is None:
        raise unusable(f"unknown BU: {options['bu']}")
    segment = None
    if options.get("segment"):
        segment = Segment.objects.filter(unit=unit, code=options["segment"]).first()
        if segment is None:
            raise unusable(f"unknown segment of {unit.code}: {options['segment']}")
    return unit, segment


def resolve_user(username, *, what="user"):
    user_model = get_user_model()
    if username:
        user = user_model.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise unusable(f"unknown {what}: {username}")
        return user
    user = user_model.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise unusable("no active superuser to act as; pass --as USERNAME")
    return user


def check_output(out) -> None:
    """Refuse (exit 2) an output path that cannot be written before anything is built: a
    directory, a missing folder, no write permission."""
    path = Path(out)
    folder = path.parent
    if path.is_dir():
        raise unusable(f"cannot write {out}: it is a directory")
    if not folder.is_dir():
        raise unusable(f"cannot write {out}: no such directory {folder}")
    if path.exists():
        if not os.access(path, os.W_OK):
            raise unusable(f"cannot write {out}: permission denied")
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise unusable(f"cannot write {out}: permission denied")
