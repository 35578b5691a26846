"""Manager accounts (stream ``users``): who may sign in, with which role and branches."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from actors.core.errors import InvalidInput, InvalidTransition, NotFound
from actors.core.messages import Event, UpdateUser, UserCreated, UserUpdated
from actors.core.model import User

ROLES = ("admin", "manager")


@dataclass(slots=True)
class UsersState:
    version: int = 0
    users: dict[str, User] = field(default_factory=dict)

    def copy(self) -> UsersState:
        return UsersState(self.version, dict(self.users))


def evolve_users(state: UsersState, event: Event) -> UsersState:
    state.version += 1
    match event:
        case UserCreated():
            state.users[event.login] = User(event.login, event.role, tuple(event.branches), event.password_hash)
        case UserUpdated():
            changes = dict(event.changes)
            if "branches" in changes:
                changes["branches"] = tuple(changes["branches"])
            state.users[event.login] = replace(state.users[event.login], session=event.session, **changes)
        case _:
            raise TypeError(f"not a users event: {event!r}")
    return state


def create_user(state: UsersState, login: str, role: str, branches: tuple[str, ...], password_hash: str) -> list[Event]:
    if login in state.users:
        raise InvalidInput("user.exists", login=login)
    if role not in ROLES:
        raise InvalidInput("user.role")
    return [UserCreated(login, role, list(branches), password_hash)]


def update_user(state: UsersState, cmd: UpdateUser) -> list[Event]:
    """A changed account; any change ends its sessions (a new ``session``). Nothing changed: no event.

    The last active admin cannot be disabled or made a manager: nobody could
    administer the salon from the browser any more.
    """
    user = state.users.get(cmd.login)
    if user is None:
        raise NotFound("user.not_found")
    if cmd.role is not None and cmd.role not in ROLES:
        raise InvalidInput("user.role")
    wanted: dict[str, Any] = {"role": cmd.role, "branches": cmd.branches, "password_hash": cmd.password_hash,
                              "disabled": cmd.disabled}
    changes = {k: v for k, v in wanted.items() if v is not None and v != getattr(user, k)}
    if not changes:
        return []
    after = replace(user, **changes)
    if _active_admin(user) and not _active_admin(after) and not any(
            _active_admin(u) for u in state.users.values() if u.login != user.login):
        raise InvalidTransition("user.last_admin")
    if "branches" in changes:
        changes["branches"] = list(changes["branches"])
    return [UserUpdated(cmd.login, changes, user.session + 1)]


def _active_admin(user: User) -> bool:
    return user.role == "admin" and not user.disabled
