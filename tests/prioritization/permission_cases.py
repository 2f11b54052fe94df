from django.urls import reverse

from tests.permissions import Case, everyone


def _note(ctx):
    from prioritization.models import Notification

    ctx.note = Notification.objects.create(recipient=ctx.buvp, key="matrix-test", subject="x", url="/")


CASES = [
    Case("home", lambda c: reverse("home"), everyone(200)),
    Case("notifications", lambda c: reverse("notification_list"), everyone(200)),
    Case("healthz", lambda c: reverse("healthz"), everyone(200, anon=200)),
    Case(
        "admin-membership-list",
        lambda c: reverse("admin:prioritization_membership_changelist"),
        everyone(302, admin_user=200, bgvp=200, buvp=200, outsider=200),
    ),
    Case(
        "admin-segment-change-in-scope",
        lambda c: reverse("admin:prioritization_segment_change", args=[c.org.auto.pk]),
        # Outside the scope the admin says "does not exist" and returns to its index (302).
        everyone(302, admin_user=200, bgvp=200, buvp=200),
    ),
    Case(
        "admin-outbox-superuser-only",
        lambda c: reverse("admin:prioritization_outboundemail_changelist"),
        everyone(302, admin_user=200, bgvp=403, buvp=403, outsider=403),
    ),
    Case(
        "notification-read-buvps",
        lambda c: reverse("notification_read", args=[c.note.pk]),
        everyone(404, buvp=302),  # only its recipient opens (and marks read) a notification
        method="post",
        setup=_note,
    ),
]
