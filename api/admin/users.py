"""Manager and admin accounts (SPEC §9.1), admins only.

``GET /admin/users``, ``POST /admin/users`` ``{"login","role","branch_ids"|"*","password"}``,
``PATCH /admin/users/{login}`` ``{"role"?,"branch_ids"?,"password"?,"disabled"?}``. An
account's id is its login. A change of password, role, branches or access
ends the account's sessions: its older tokens answer 401 on the next
request and its dashboard sockets close with 4401 at once (the token's
``ver`` is the account's session number, checked on every request). The
last active admin cannot be disabled or made a manager (409). Passwords
are hashed here (argon2) and never leave the server.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictBool
from quart import Blueprint, g
from quart_schema import document_response, security_scheme_blueprint

from actors.core.errors import NotFound
from actors.core.messages import UpdateUser
from actors.core.model import User
from api.context import app_context
from api.guards import admin_user, who
from api.schemas import RequestModel
from api.validated import validate_body

bp = Blueprint("admin_users", __name__, url_prefix="/api/v1/admin")
security_scheme_blueprint(bp, [{"bearer": []}])

Login = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]
Password = Annotated[str, Field(min_length=8, max_length=1000)]
BranchIds = list[Annotated[str, Field(min_length=1, max_length=64)]] | Literal["*"]


class UserIn(RequestModel):
    login: Login
    role: Literal["admin", "manager"]
    branch_ids: BranchIds = "*"
    password: Password


class UserPatch(RequestModel):
    role: Literal["admin", "manager"] | None = None
    branch_ids: BranchIds | None = None
    password: Password | None = None
    disabled: StrictBool | None = None


class UserOut(BaseModel):
    id: str
    login: str
    role: str
    branch_ids: list[str] | Literal["*"]
    disabled: bool


class UserList(BaseModel):
    items: list[UserOut]


@bp.before_request
async def _admins_only() -> None:
    """Authenticate before the body is validated: a stranger gets 401, not 400."""
    g.user = admin_user()


def _branches(raw: list[str] | Literal["*"]) -> tuple[str, ...]:
    return ("*",) if raw == "*" or "*" in raw else tuple(raw)


def user_json(u: User) -> dict[str, Any]:
    return {"id": u.login, "login": u.login, "role": u.role,
            "branch_ids": "*" if "*" in u.branches else list(u.branches), "disabled": u.disabled}


@bp.get("/users")
@document_response(UserList)
async def list_users() -> dict[str, Any]:
    return {"items": [user_json(u) for u in app_context().scheduler.users()]}


@bp.post("/users")
@validate_body(UserIn)
@document_response(UserOut, 201)
async def create_user(data: UserIn) -> tuple[dict[str, Any], int]:
    """A new account (400 if the login exists or a branch is unknown)."""
    ctx, by = app_context(), who()
    password_hash = await ctx.passwords.hash_async(data.password)
    user = await ctx.scheduler.create_user(data.login, data.role, _branches(data.branch_ids), password_hash, by)
    return user_json(user), 201


@bp.patch("/users/<login>")
@validate_body(UserPatch)
@document_response(UserOut)
async def patch_user(login: str, data: UserPatch) -> dict[str, Any]:
    """Change role, branches, password or access; any real change signs the account out everywhere."""
    ctx, by = app_context(), who()
    if ctx.scheduler.user(login) is None:
        raise NotFound("user.not_found")
    password_hash = await ctx.passwords.hash_async(data.password) if data.password is not None else None
    change = UpdateUser(login, role=data.role,
                        branches=_branches(data.branch_ids) if data.branch_ids is not None else None,
                        password_hash=password_hash, disabled=data.disabled)
    return user_json(await ctx.scheduler.update_user(change, by))
