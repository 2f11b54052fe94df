"""Argument handling shared by the prospects commands: --bu, --segment, --as (exit code 2 when they
name nothing)."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from prioritization.models import BusinessUnit, Segment


class UnusableInvocation(CommandError):
    """Exit code 2 (INTERFACES.md): unknown BU/segment/user, missing or unusable file."""

    def __init__(self, message):
        super().__init__(message, returncode=2)


def add_actor_argument(parser):
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USERNAME",
        help="act as this user: only their scope is read or written (default: the first active superuser)",
    )


def resolve_actor(username):
    users = get_user_model().objects.filter(is_active=True)
    if username:
        user = users.filter(username=username).first()
        if user is None:
            raise UnusableInvocation(f"unknown or inactive user: {username}")
        return user
    user = users.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        raise UnusableInvocation("no active superuser exists; pass --as USERNAME")
    return user


def resolve_place(bu_code, segment_code):
    unit = BusinessUnit.objects.filter(code=bu_code).first()
    if unit is None:
        raise UnusableInvocation(f"unknown business unit: {bu_code}")
    segment = None
    if segment_code:
        segment = Segment.objects.filter(unit=unit, code=segment_code).first()
        if segment is None:
            raise UnusableInvocation(f"unknown segment {segment_code} in business unit {bu_code}")
    return unit, segment
