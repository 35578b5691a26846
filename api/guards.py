"""Who is calling: the manager's JWT, checked on every dashboard/admin request."""

from __future__ import annotations

from quart import request

from api.auth import Principal, bearer
from api.context import app_context
from api.problems import unauthorized


def current_user() -> Principal:
    """The caller's verified token (401 if missing, invalid or expired)."""
    z = app_context()
    if z.tokens is None:
        raise unauthorized("manager sign-in is not configured (ZAPIS_JWT_SECRET)")
    return z.tokens.current(bearer(request.headers.get("Authorization")), z.scheduler.user)


def admin_user() -> Principal:
    user = current_user()
    user.require_admin()
    return user
