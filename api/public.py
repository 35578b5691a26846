"""Public catalogue (no auth), manager sign-in, health and readiness."""

from __future__ import annotations

from quart import Blueprint, Response, request
from quart_schema import document_response, validate_querystring, validate_request

from actors.errors import NotFound
from api.context import zapis
from api.problems import ApiError, problem
from api.schemas import BranchList, Health, LoginIn, ServiceList, ServicesQuery, TokenOut
from api.views import branch_json, service_json
from storage.journal import JournalError

bp = Blueprint("public", __name__)


@bp.get("/api/v1/branches")
@document_response(BranchList)
async def branches() -> dict:
    return {"items": [branch_json(b) for b in zapis().runtime.open_branches()]}


@bp.get("/api/v1/services")
@validate_querystring(ServicesQuery)
@document_response(ServiceList)
async def services(query_args: ServicesQuery) -> dict:
    runtime = zapis().runtime
    open_ids = {b.id for b in runtime.open_branches()}
    if query_args.branch_id is not None and query_args.branch_id not in open_ids:
        raise NotFound("branch not found")
    items = []
    for svc in sorted(runtime.catalogue.state.services.values(), key=lambda s: (s.name, s.id)):
        offered = [b for b in svc.branch_ids if b in open_ids]
        if not svc.active or not offered:
            continue
        if query_args.branch_id is not None and query_args.branch_id not in offered:
            continue
        items.append({**service_json(svc), "branch_ids": offered})
    return {"items": items}


@bp.post("/api/v1/auth/login")
@validate_request(LoginIn)
@document_response(TokenOut)
async def login(data: LoginIn) -> dict:
    z = zapis()
    if z.tokens is None:
        raise ApiError(401, "unauthorized", "manager sign-in is not configured (ZAPIS_JWT_SECRET)")
    z.login_limiter.hit(f"login:{data.login.lower()}")
    z.login_limiter.hit(f"ip:{request.remote_addr}")
    user = z.runtime.users.state.users.get(data.login)
    if user is None:  # created by `run.py create-user` in another process since start-up?
        await z.runtime.refresh_users()
        user = z.runtime.users.state.users.get(data.login)
    if not await z.passwords.verify(user.password_hash if user else None, data.password) or user is None:
        raise ApiError(401, "unauthorized", "wrong login or password")
    return {"access_token": z.tokens.issue(user), "token_type": "bearer", "expires_in": z.tokens.ttl_s}


@bp.get("/healthz")
@document_response(Health)
async def healthz() -> dict:
    return {"status": "ok"}


@bp.get("/readyz")
@document_response(Health)
async def readyz() -> Response | dict:
    z = zapis()
    if not z.ready:
        return problem(503, "unavailable", "starting up")
    try:
        await z.journal.ping()
    except JournalError:
        return problem(503, "unavailable", "the journal's database is unreachable")
    return {"status": "ready"}
