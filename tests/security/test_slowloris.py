"""Slowloris on the real Hypercorn (production config): trickled bodies and headers are cut off.

Sixty raw sockets trickle at once — bodies one byte at a time to a public and
an authenticated endpoint, and headers that never end — while the server
keeps answering ``/healthz`` and an authenticated read. A body must arrive
within ``BODY_TIMEOUT`` (30 s in production, 1.5 s here so the test is
short; tests/security/test_limits.py pins the production value) or it is
answered 408 and the connection closed; unfinished headers are dropped
after Hypercorn's ``keep_alive_timeout`` (5 s, as in production).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from run import hypercorn_config
from tests.harness import Harness
from tests.security.rawhttp import Trickled, trickle
from tests.security.served import serve_as_in_production
from tests.security.world import build_world

BODY_TIMEOUT_S = 1.5
PER_KIND = 20
SLACK_S = 4.0  # scheduling on a busy CI machine


def _opening(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: zapis.test", "Content-Type: application/json",
             "Content-Length: 1000", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n{").encode()


async def test_trickled_bodies_and_headers_are_cut_off_while_others_are_served(harness: Harness) -> None:
    w = await build_world(harness)
    assert harness.app is not None
    harness.app.config["BODY_TIMEOUT"] = BODY_TIMEOUT_S
    header_timeout = hypercorn_config(harness.settings).keep_alive_timeout
    seq = await w.last_seq()
    async with serve_as_in_production(harness) as (host, port):
        give_up = header_timeout + BODY_TIMEOUT_S + 3 * SLACK_S
        bodies = [trickle(host, port, _opening(path, auth), b" ", every=0.2, give_up_after=give_up)
                  for path, auth in (("/api/v1/auth/login", {}), ("/api/v1/admin/branches", w.admin))
                  for _ in range(PER_KIND)]
        headers = [trickle(host, port, b"GET /healthz HTTP/1.1\r\nHost: zapis.test\r\n", b"X-a: b\r\n",
                           every=0.2, give_up_after=give_up) for _ in range(PER_KIND)]
        attack = asyncio.gather(*bodies, *headers)
        latencies = await _serve_others_until(attack, f"http://{host}:{port}", w.admin)
        results: list[Trickled] = attack.result()
    body_results, header_results = results[: 2 * PER_KIND], results[2 * PER_KIND:]
    for r in body_results:
        assert r.answer.status == 408, r
        assert json.loads(r.answer.body)["code"] == "validation_error"
        assert BODY_TIMEOUT_S - 0.2 <= r.seconds <= BODY_TIMEOUT_S + SLACK_S, r.seconds
    for r in header_results:
        assert r.answer.status is None and r.answer.closed, r  # dropped, no answer
        assert r.seconds <= header_timeout + SLACK_S, r.seconds
    assert len(latencies) >= 3 and max(latencies) < 2.0, latencies
    assert await w.last_seq() == seq


async def _serve_others_until(attack: asyncio.Future[Any], base: str, admin: dict[str, str]) -> list[float]:
    """While the attack runs, keep asking for /healthz and the board; the time each answer took."""
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        while not attack.done():
            start = time.monotonic()
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/api/v1/dashboard/board", headers=admin)).status_code == 200
            latencies.append(time.monotonic() - start)
            await asyncio.wait({attack}, timeout=0.25)  # wakes at once when the attack is over
    await attack  # re-raise anything from the attackers
    return latencies
