"""Brute force on the sign-in and a flood of holds: refused with 429, bounded, nothing given away.

Complements tests/api/test_catalogue.py (the login limit answers 429) and
tests/client/test_auth.py (holds and bookings answer 429 and reset): here
the properties a guesser cares about — the right password is refused too
once the limit is hit, case variants and other logins from one address share
the budget, an unknown login looks exactly like a wrong password and costs
the same work — and that a flood of holds journals at most the limit while
other clients carry on.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.client.kit import at, problem
from tests.harness import Harness
from tests.security.leaks import assert_logs_clean
from tests.security.world import PASSWORD, World, build_world

LOGINS = 5
HOLDS = 4


async def _login(w: World, login: str, password: str, ip: str = "203.0.113.7") -> Any:
    return await w.client.post("/api/v1/auth/login", json={"login": login, "password": password},
                               scope_base={"client": (ip, 40000)})


async def test_guessing_a_password_is_cut_off_even_for_the_right_one(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    w = await build_world(harness, logins_per_minute=LOGINS)
    guesses = [f"guess-{n}" for n in range(LOGINS)]
    for n, guess in enumerate(guesses):
        await problem(await _login(w, "ADMIN" if n % 2 else "admin", guess), 401, "unauthorized")
    r = await _login(w, "admin", PASSWORD)  # right, but too late: the guesser learns nothing
    await problem(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    await problem(await _login(w, "admin", PASSWORD, ip="198.51.100.9"), 429, "rate_limited")  # per login
    w.h.clock.advance(60)
    r = await _login(w, "admin", PASSWORD)
    assert r.status_code == 200 and (await r.get_json())["token_type"] == "bearer"
    assert_logs_clean(caplog, {**w.secrets, "a guessed password": guesses[0]}, guesses)


async def test_one_address_spraying_many_logins_is_cut_off(harness: Harness) -> None:
    w = await build_world(harness, logins_per_minute=LOGINS)
    for n in range(LOGINS):
        await problem(await _login(w, f"user-{n}", "password-1"), 401, "unauthorized")
    await problem(await _login(w, "manager-anna", PASSWORD), 429, "rate_limited")
    r = await _login(w, "manager-anna", PASSWORD, ip="198.51.100.9")  # another address is not blocked
    assert r.status_code == 200


async def _login_via_proxy(w: World, login: str, forwarded: str) -> Any:
    """A sign-in through nginx at 10.0.0.5, which appends the address it received from."""
    return await w.client.post("/api/v1/auth/login", json={"login": login, "password": "password-1"},
                               headers={"X-Forwarded-For": forwarded}, scope_base={"client": ("10.0.0.5", 40000)})


async def test_behind_a_trusted_proxy_each_client_address_has_its_own_sign_in_budget(harness: Harness) -> None:
    w = await build_world(harness, logins_per_minute=LOGINS, trusted_proxy_hops=1)
    for n in range(LOGINS):
        # The client's own claim (the leftmost value) is not believed: only the proxy's entry counts.
        await problem(await _login_via_proxy(w, f"user-{n}", f"192.0.2.{n}, 203.0.113.7"), 401, "unauthorized")
    await problem(await _login_via_proxy(w, "someone", "203.0.113.7"), 429, "rate_limited")
    r = await _login_via_proxy(w, "someone", "198.51.100.9")  # another client behind the same proxy
    await problem(r, 401, "unauthorized")


async def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(harness: Harness) -> None:
    w = await build_world(harness, logins_per_minute=LOGINS)
    for n in range(LOGINS):
        await problem(await _login_via_proxy(w, f"user-{n}", f"198.51.100.{n}"), 401, "unauthorized")
    # A new X-Forwarded-For on each attempt buys nothing: the connection's address is what counts.
    await problem(await _login_via_proxy(w, "someone", "198.51.100.200"), 429, "rate_limited")


async def test_an_unknown_login_looks_and_costs_like_a_wrong_password(harness: Harness) -> None:
    w = await build_world(harness, logins_per_minute=0)
    checks: list[str] = []
    passwords = w.h.z.passwords
    original = passwords._check

    def spy(password_hash: str, password: str) -> bool:
        checks.append(password)
        return original(password_hash, password)

    passwords._check = spy  # type: ignore[method-assign]
    wrong = await _login(w, "admin", "not-the-password")
    unknown = await _login(w, "nobody-here", "not-the-password")
    assert checks == ["not-the-password", "not-the-password"]  # one argon2 verification each
    assert (wrong.status_code, await wrong.get_json()) == (unknown.status_code, await unknown.get_json())


async def test_a_flood_of_holds_journals_at_most_the_limit(harness: Harness) -> None:
    w = await build_world(harness, holds_per_minute=HOLDS)
    seq = await w.last_seq()
    body = {"branch_id": w.home.branch_id, "service_id": w.home.services["cut"]}
    answers = []
    for n in range(30):
        start = at(f"{10 + n % 7}:{'00' if n % 2 else '30'}")
        answers.append((await w.client.post("/api/v1/slots/hold", json={**body, "start": start},
                                            headers=w.tma())).status_code)
    allowed = HOLDS - 1  # the world's own hold was this client's first this minute
    assert answers.count(429) == 30 - allowed and set(answers[:allowed]) <= {201, 409}
    assert await w.last_seq() - seq <= 2 * HOLDS  # a hold (and the one it replaces) per allowed try
    # Another client is not affected by the flood.
    r = await w.client.post("/api/v1/clients/auth", json={"phone": "+79990888001"}, headers=w.tma(888001))
    assert r.status_code == 201
    r = await w.client.post("/api/v1/slots/hold", json={**body, "start": at("16:30")}, headers=w.tma(888001))
    assert r.status_code == 201, await r.get_data(as_text=True)
