"""Manager sign-in: ``POST /api/v1/auth/login`` → a JWT (SPEC §3)."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, request
from quart_schema import document_response

from api.validated import validate_body
from api.context import app_context
from api.problems import ApiError
from api.schemas import LoginIn, TokenOut

bp = Blueprint("session", __name__, url_prefix="/api/v1")


@bp.post("/auth/login")
@validate_body(LoginIn)
@document_response(TokenOut)
async def login(data: LoginIn) -> dict[str, Any]:
    ctx = app_context()
    if ctx.tokens is None:
        raise ApiError(401, "unauthorized", "auth.not_configured")
    await ctx.login_limiter.hit(f"login:{data.login.lower()}")
    await ctx.login_limiter.hit(f"ip:{request.remote_addr}")
    user = ctx.scheduler.user(data.login)
    ok = await ctx.passwords.verify(user.password_hash if user else None, data.password)
    if not ok:  # created or reset by `run.py create-user`/`set-password` in another process since?
        await ctx.scheduler.refresh_users()
        fresh = ctx.scheduler.user(data.login)
        if fresh is not None and fresh != user:
            user, ok = fresh, await ctx.passwords.verify(fresh.password_hash, data.password)
    if not ok or user is None:
        raise ApiError(401, "unauthorized", "auth.wrong_password")
    if user.disabled:
        raise ApiError(401, "unauthorized", "auth.disabled")
    return {"access_token": ctx.tokens.issue(user), "token_type": "bearer", "expires_in": ctx.tokens.ttl_s}
