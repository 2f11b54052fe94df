"""Sessions end after DJANGO_SESSION_IDLE_SECONDS without a request. Instead of writing the session
on every request (a database write per page view), the session is renewed at most every few
minutes, so the idle timeout holds to within that interval."""

import time

RENEW_EVERY_SECONDS = 300


class SessionIdleRenewalMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key and getattr(request, "user", None) is not None:
            now = int(time.time())
            if request.user.is_authenticated and now - session.get("_renewed_at", 0) >= RENEW_EVERY_SECONDS:
                session["_renewed_at"] = now  # marks the session modified: saved with a fresh expiry
        return self.get_response(request)
