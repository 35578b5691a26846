"""Manager accounts (stream ``users``): who may sign in, with which role and branches."""

from __future__ import annotations

from dataclasses import dataclass, field

from actors.core.errors import InvalidInput
from actors.core.messages import Event, UserCreated
from actors.core.model import User


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
        case _:
            raise TypeError(f"not a users event: {event!r}")
    return state


def create_user(state: UsersState, login: str, role: str, branches: tuple[str, ...], password_hash: str) -> list[Event]:
    if login in state.users:
        raise InvalidInput(f"user {login!r} already exists")
    if role not in ("admin", "manager"):
        raise InvalidInput("role must be admin or manager")
    return [UserCreated(login, role, list(branches), password_hash)]
