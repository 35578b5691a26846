"""Manager authentication: argon2 password hashes and JWTs (HS256 pinned).

Tokens carry ``sub`` (login), ``role`` (admin|manager), ``branches``
(ids, or ``["*"]``), ``ver`` (the account's session number: changing the
password, role, branches or access bumps it, which ends every older token)
and ``iat``/``nbf``/``exp``. ``verify`` accepts only HS256
with every claim present, so ``alg: none``, RS/HS confusion, expired,
not-yet-valid and tampered tokens are all just "invalid" (401).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from actors.core.clock import Clock
from actors.core.model import User
from api.problems import ApiError, unauthorized

ALGORITHM = "HS256"
REQUIRED = ["exp", "iat", "nbf", "sub", "role", "branches", "ver"]


@dataclass(frozen=True, slots=True)
class Principal:
    login: str
    role: str
    branches: tuple[str, ...]
    expires_at: float
    session: int = 1

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def sees(self, branch_id: str) -> bool:
        return self.is_admin or "*" in self.branches or branch_id in self.branches

    def check_branch(self, branch_id: str) -> None:
        if not self.sees(branch_id):
            raise ApiError(403, "forbidden", "auth.branch")

    def require_admin(self) -> None:
        if not self.is_admin:
            raise ApiError(403, "forbidden", "auth.admins_only")


class Tokens:
    def __init__(self, secret: str, ttl_s: int, clock: Clock) -> None:
        if len(secret) < 32:
            raise ValueError("the JWT secret must be at least 32 characters")
        self._secret = secret
        self.ttl_s = ttl_s
        self._clock = clock

    def issue(self, user: User) -> str:
        now = int(self._clock.now())
        claims: dict[str, Any] = {
            "sub": user.login, "role": user.role, "branches": list(user.branches), "ver": user.session,
            "iat": now, "nbf": now, "exp": now + self.ttl_s,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != ALGORITHM:
                raise unauthorized("auth.invalid_token")
            claims = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM],
                # Expiry is checked below against the injected clock, not the OS clock.
                options={"require": REQUIRED, "verify_iat": False, "verify_exp": False,
                         "verify_nbf": False},
            )
            now = self._clock.now()
            if not isinstance(claims["exp"], (int, float)) or not isinstance(claims["nbf"], (int, float)):
                raise unauthorized("auth.invalid_token")
            if claims["exp"] <= now or claims["nbf"] > now + 5:
                raise unauthorized("auth.token_expired")
        except jwt.PyJWTError:
            raise unauthorized("auth.invalid_token") from None
        role, branches, session = claims["role"], claims["branches"], claims["ver"]
        if role not in ("admin", "manager") or not isinstance(branches, list) or not all(
            isinstance(b, str) for b in branches
        ) or not isinstance(session, int):
            raise unauthorized("auth.invalid_token")
        return Principal(str(claims["sub"]), role, tuple(branches), float(claims["exp"]), session)

    def current(self, token: str, account: Callable[[str], User | None]) -> Principal:
        """``verify``, and the account must still exist, be enabled and be in the token's session."""
        principal = self.verify(token)
        user = account(principal.login)
        if user is None or user.disabled or user.session != principal.session:
            raise unauthorized("auth.signed_out")
        return principal


def bearer(header: str | None) -> str:
    if not header or not header.startswith("Bearer "):
        raise unauthorized("auth.no_bearer")
    return header[len("Bearer "):].strip()


class Passwords:
    """argon2id hashing; verification runs in a thread (≈0.2 s of CPU each)."""

    def __init__(self) -> None:
        self._hasher = PasswordHasher()
        self._dummy = self._hasher.hash("zapis-dummy-password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    async def hash_async(self, password: str) -> str:
        """``hash`` in a thread: the event loop keeps serving meanwhile."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        # An unknown login still costs one verification, so timing does not reveal it.
        target = password_hash or self._dummy
        ok = await asyncio.to_thread(self._check, target, password)
        return ok and password_hash is not None

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
