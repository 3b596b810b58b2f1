"""Who may use the admin page: a login with BRIEFBOT_ADMIN_TOKEN, a signed session cookie (HttpOnly, SameSite),
a CSRF token in every form, a limit on login attempts, and headers that keep the page out of frames and caches."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "briefbot_admin"
SESSION_MAX_AGE_S = 12 * 3600  # a working day; then log in again
LOGIN_ATTEMPTS = RateLimitItemPerMinute(10)  # per client address: a token cannot be guessed at speed
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
# The page loads its own script, style and SVG only; no frames (clickjacking); nothing kept by caches.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def session_secret(token: str) -> str:
    """The cookie-signing key, derived from the admin token: every worker agrees, and a new token ends every
    session signed with the old one."""
    return hmac.new(token.encode(), b"briefbot admin session", hashlib.sha256).hexdigest()


class Gatekeeper:
    """Checks the token at login, the session on every page and the CSRF token on every form."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def may_try(self, request: Request) -> bool:
        """False while this address has used up its login attempts."""
        host = request.client.host if request.client else "unknown"
        return self._limiter.hit(LOGIN_ATTEMPTS, "admin-login", host)

    def token_ok(self, given: str) -> bool:
        return hmac.compare_digest(given.strip().encode(), self._token)

    @staticmethod
    def logged_in(request: Request) -> bool:
        return bool(request.session.get("auth"))

    @staticmethod
    def log_in(request: Request) -> None:
        request.session.clear()  # a new session at login: no fixation of one handed out before
        request.session.update({"auth": 1, "csrf": secrets.token_urlsafe(24), "conv": secrets.token_hex(6)})

    @staticmethod
    def csrf(request: Request) -> str:
        """This session's CSRF token (one is made for the login form's session too)."""
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(24)
        return str(token)

    @staticmethod
    def csrf_ok(request: Request, form: Any) -> bool:
        expected = request.session.get("csrf", "")
        given = str(form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, ""))
        return bool(expected) and hmac.compare_digest(given.encode(), str(expected).encode())


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every response of the wrapped app (a plain ASGI middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
