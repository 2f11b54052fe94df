import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from prioritization.models import Profile
from prioritization.services.notifications import notify
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_home_lists_the_duties_of_each_role_held(client, org, segmgr):
    from prioritization.models import Role
    from tests.factories import grant

    grant(segmgr, Role.RESEARCHER, org.unit)
    client.force_login(segmgr)
    html = client.get(reverse("home")).content.decode()
    assert 'data-testid="role-segment_manager"' in html
    assert 'data-testid="role-researcher"' in html
    assert 'data-testid="role-bu_vp"' not in html
    assert "AUTO 汽车制造业" in html


def test_home_of_a_user_without_roles_explains_what_to_do(client, nobody):
    client.force_login(nobody)
    html = client.get(reverse("home")).content.decode()
    assert "您还没有任何角色" in html


def test_login_with_password_and_language_preference(client, segmgr):
    Profile.objects.update_or_create(user=segmgr, defaults={"language": "en"})
    response = client.post(reverse("login"), {"username": "segmgr", "password": "pw-for-tests-123"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    assert client.get(reverse("home")).wsgi_request.LANGUAGE_CODE == "en"


def test_switching_language_is_remembered_in_the_profile(client, segmgr):
    client.force_login(segmgr)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/customers/"})
    assert response.status_code == 302 and response["Location"] == "/customers/"
    assert Profile.objects.get(user=segmgr).language == "en"


def test_language_switch_refuses_foreign_redirects_and_unknown_languages(client, segmgr):
    client.force_login(segmgr)
    response = client.post(reverse("set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert "django_language" not in response.cookies


def test_chinese_browser_defaults_to_simplified_chinese(client, db):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.wsgi_request.LANGUAGE_CODE == "zh-hans"
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.wsgi_request.LANGUAGE_CODE == "en"


def test_repeated_failed_logins_lock_the_account(client, segmgr, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "segmgr", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "segmgr", "password": "pw-for-tests-123"})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_password_reset_sends_an_email_with_a_working_link(client, segmgr):
    response = client.post(reverse("password_reset"), {"email": segmgr.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link[link.index("/accounts/reset/") :].strip()
    response = client.get(path, follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": "A-new-pass-987", "new_password2": "A-new-pass-987"}
    )
    assert response.status_code == 302
    segmgr.refresh_from_db()
    assert segmgr.check_password("A-new-pass-987")


def test_password_change(client, segmgr):
    client.force_login(segmgr)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-for-tests-123",
            "new_password1": "Another-pass-555",
            "new_password2": "Another-pass-555",
        },
    )
    assert response.status_code == 302
    segmgr.refresh_from_db()
    assert segmgr.check_password("Another-pass-555")


def test_pages_send_a_content_security_policy_without_unsafe_inline_scripts(client, segmgr):
    client.force_login(segmgr)
    csp = client.get(reverse("home"))["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if "script-src" in part)
    assert "'self'" in script_src and "unsafe-inline" not in script_src


def test_no_template_has_an_inline_script():
    offenders = []
    for path in ROOT.rglob("*.html"):
        if ".venv" in path.parts or "static" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for chunk in text.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            if "src=" not in head and 'type="application/json"' not in head:
                offenders.append(str(path))
    assert offenders == []


def test_notifications_page_lists_and_marks_read(client, segmgr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipients=[segmgr],
            key="t:1",
            template="emails/notice.txt",
            context={"subject": "测试通知 X", "body": "正文"},
            url="/",
        )
    client.force_login(segmgr)
    html = client.get(reverse("notification_list")).content.decode()
    assert "测试通知 X" in html
    notification = segmgr.notifications.get()
    response = client.post(reverse("notification_read", args=[notification.pk]))
    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None
    other = UserFactory(username="other")
    client.force_login(other)
    assert client.post(reverse("notification_read", args=[notification.pk])).status_code == 404


def _settings_process(env):
    return subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='prioritization.settings'; django.setup()"],
        cwd=ROOT, env={**{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}, **env},
        capture_output=True, text=True,
    )  # fmt: skip


def test_production_settings_refuse_to_start_without_secret_key():
    result = _settings_process({"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "x.example.com"})
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts():
    result = _settings_process({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 60})
    assert result.returncode != 0 and "DJANGO_ALLOWED_HOSTS" in result.stderr


@pytest.mark.parametrize("path", ["/static/vendor/echarts/echarts.min.js", "/static/vendor/htmx/htmx.min.js"])
def test_front_end_libraries_are_vendored(path):
    assert (ROOT / "static" / path.removeprefix("/static/")).exists()


def test_logins_failures_and_role_changes_are_audited(client, org, segmgr, buvp):
    from prioritization.models import AuditEvent, Role
    from prioritization.services.organization import membership_grant

    client.post(reverse("login"), {"username": "segmgr", "password": "wrong"})
    client.post(reverse("login"), {"username": "segmgr", "password": "pw-for-tests-123"})
    membership_grant(actor=buvp, user=segmgr, role=Role.RESEARCHER, place=org.unit)
    kinds = list(AuditEvent.objects.order_by("pk").values_list("kind", "username"))
    assert kinds == [("login_failed", "segmgr"), ("login", "segmgr"), ("role_granted", "buvp")]
    assert AuditEvent.objects.get(kind="role_granted").unit == org.unit


def test_axes_locks_one_username_without_locking_the_others(client, segmgr, pr, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "segmgr", "password": "wrong"})
    assert (
        client.post(reverse("login"), {"username": "pr", "password": "pw-for-tests-123"}).status_code == 302
    )


def test_sessions_expire_when_idle_and_are_renewed_by_activity(client, segmgr, settings):
    import time_machine
    from django.utils import timezone

    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.post(reverse("login"), {"username": "segmgr", "password": "pw-for-tests-123"})
    with time_machine.travel(start + timedelta(hours=7), tick=False):
        assert client.get(reverse("home")).status_code == 200  # activity renews the session
    with time_machine.travel(start + timedelta(hours=14), tick=False):
        assert client.get(reverse("home")).status_code == 200  # 7 h idle: still within 8 h
    with time_machine.travel(start + timedelta(hours=22, minutes=1), tick=False):
        assert client.get(reverse("home")).status_code == 302  # 8 h idle: signed out


def test_passwords_are_hashed_with_argon2_in_production():
    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='prioritization.settings'; "
         "django.setup(); from django.contrib.auth.hashers import make_password; print(make_password('x'))"],
        cwd=ROOT, env={k: v for k, v in os.environ.items() if k != "DJANGO_TESTING"} | {"DJANGO_TESTING": "0"},
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.stdout.startswith("argon2$"), result.stderr[-500:]
