"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, Response
from quart_schema import document_response

from api.context import app_context
from api.problems import problem, text
from api.schemas import Health
from storage.journal import JournalError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@document_response(Health)
async def healthz() -> dict[str, Any]:
    return {"status": "ok"}


@bp.get("/readyz")
@document_response(Health)
async def readyz() -> Response | dict[str, Any]:
    ctx = app_context()
    if not ctx.ready:
        return problem(503, "unavailable", text("server.starting"))
    try:
        await ctx.journal.ping()
    except JournalError:
        return problem(503, "unavailable", text("db.unreachable"))
    return {"status": "ready"}
