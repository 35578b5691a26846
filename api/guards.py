"""Who is calling: the manager's JWT, checked on every dashboard/admin request."""

from __future__ import annotations

from quart import g, request

from api.auth import Principal, bearer
from api.context import app_context
from api.problems import unauthorized


def current_user() -> Principal:
    """The caller's verified token (401 if missing, invalid or expired)."""
    z = app_context()
    if z.tokens is None:
        raise unauthorized("auth.not_configured")
    return z.tokens.current(bearer(request.headers.get("Authorization")), z.scheduler.user)


def admin_user() -> Principal:
    user = current_user()
    user.require_admin()
    return user


def who() -> str:
    """The journal's ``actor`` for a change the signed-in user makes (``user:<login>``);
    the blueprint's guard has put the user on ``g``."""
    user: Principal = g.user
    return f"user:{user.login}"
