"""The dashboard socket under abuse: hostile first frames, and 2,000 sockets that never authenticate.

Each bad first frame is closed with its code (4401 not authenticated, 4400 a
frame of the wrong shape) and nothing worse: no 1011, no error in the log.
The flood opens 2,000 sockets (500 at a time) that send nothing, on the
production Hypercorn config with a 0.5 s auth timeout; meanwhile an
authenticated board keeps receiving its events and ``/healthz`` keeps
answering, every idle socket is closed with 4401 in bounded time, and
afterwards the server holds no socket task, subscriber or queued frame for
them and its memory is back within a bound.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.client.kit import at
from tests.harness import Harness
from tests.security.served import serve_as_in_production
from tests.security.world import World, build_world

TIMEOUT = 10.0
PATH = "/api/v1/dashboard/updates"


async def _close_code(url: str, first: str | bytes | None) -> int | None:
    async with websockets.connect(url, open_timeout=TIMEOUT) as conn:
        if first is not None:
            await conn.send(first)
        try:
            frame = await asyncio.wait_for(conn.recv(), TIMEOUT)
        except websockets.ConnectionClosed:
            return conn.close_code
        raise AssertionError(f"expected a close, got {frame!r}")


async def test_hostile_first_frames_are_closed_with_their_code(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    w = await build_world(harness, ws_auth_timeout_s=1.0)
    token = w.admin_token
    frames: list[tuple[str | bytes | None, int]] = [
        (None, 4401),  # says nothing
        ("not json", 4401), (b"\xff\xfe", 4401), ("[]", 4401), ('"auth"', 4401),
        (json.dumps({"type": "auth"}), 4401), (json.dumps({"type": "auth", "token": 5}), 4401),
        (json.dumps({"type": "auth", "token": "x" * 10000}), 4401),
        (json.dumps({"type": "auth", "token": token, "branch_ids": "all"}), 4400),
        (json.dumps({"type": "auth", "token": token, "branch_ids": ["x" * 65]}), 4400),
        (json.dumps({"type": "auth", "token": token, "after_seq": -1}), 4400),
        (json.dumps({"type": "auth", "token": token, "after_seq": 1.5}), 4400),
        (json.dumps({"type": "auth", "token": token, "after_seq": True}), 4400),
        (json.dumps({"type": "auth", "token": token, "after_seq": 2**63}), 4400),  # no journal can seek there
        (json.dumps({"type": "auth", "token": token, "after_seq": 10**400}), 4401),  # orjson: not JSON it reads
    ]
    async with serve_as_in_production(harness) as (host, port):
        url = f"ws://{host}:{port}{PATH}"
        for first, code in frames:
            assert await _close_code(url, first) == code, first if first is None else str(first)[:80]
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]  # before the server stops
    assert errors == [], [r.getMessage() for r in errors]


# ------------------------------------------------------------ the flood

ATTEMPTS = 2000
WAVE = 500
AUTH_TIMEOUT_S = 0.5
RSS_GROWTH_MB = 24  # from wave 2 to the last: per-socket leaks would add up far beyond this
HEALTHZ_S = 2.0
ROOT = Path(__file__).resolve().parents[2]


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def _settled(baseline: int, timeout: float = TIMEOUT) -> int:
    """Wait until the loop runs no more tasks than ``baseline`` (the sockets' tasks are gone)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(asyncio.all_tasks()) > baseline and loop.time() < deadline:
        await asyncio.sleep(0.05)  # polling a condition, bounded by the deadline
    return len(asyncio.all_tasks())


async def test_2000_sockets_that_never_authenticate_do_not_exhaust_the_server(harness: Harness) -> None:
    # Hypercorn's ping task outlives a closed socket by up to one ping interval (it sleeps,
    # then sees the close): 1 s here, so "nothing left behind" is observable quickly.
    w = await build_world(harness, ws_auth_timeout_s=AUTH_TIMEOUT_S, ws_ping_interval_s=1.0)
    hub = harness.z.hub
    assert hub is not None
    async with serve_as_in_production(harness) as (host, port):
        url = f"ws://{host}:{port}{PATH}"
        async with websockets.connect(url, open_timeout=TIMEOUT) as board:
            await board.send(json.dumps({"type": "auth", "token": w.manager_token}))
            assert json.loads(await asyncio.wait_for(board.recv(), TIMEOUT))["type"] == "ready"
            baseline = len(asyncio.all_tasks())
            rss: list[float] = []
            codes: Counter[str] = Counter()
            for wave in range(ATTEMPTS // WAVE):
                attacker = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "tests.security.flood", host, str(port), PATH, str(WAVE),
                    cwd=ROOT, stdout=asyncio.subprocess.PIPE)
                await _meanwhile(w, url, board, attacker, hhmm=f"1{wave}:30")
                out, _ = await asyncio.wait_for(attacker.communicate(), TIMEOUT * 3)
                codes.update(json.loads(out))
                left = await _settled(baseline)
                assert left <= baseline, sorted(_tasks_summary().items(), key=lambda kv: -kv[1])[:8]
                gc.collect()
                rss.append(_rss_mb())
            assert hub.sessions == 1 and hub.subscribers == 1  # the board only
    print(f"\n{ATTEMPTS} silent sockets: close codes {dict(codes)}, RSS after each wave (MB) "
          f"{[round(m, 1) for m in rss]}")
    assert codes == {"4401": ATTEMPTS}, codes
    assert rss[-1] - rss[1] < RSS_GROWTH_MB, rss


def _tasks_summary() -> dict[str, int]:
    return dict(Counter(getattr(t.get_coro(), "__qualname__", repr(t.get_coro())) for t in asyncio.all_tasks()))


async def _meanwhile(w: World, url: str, board: Any, attacker: Any, hhmm: str) -> None:
    """While a wave is open: /healthz answers, a new board authenticates, the open board gets a booking."""
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        start = time.monotonic()
        r = await http.get(url.replace("ws://", "http://").replace(PATH, "/healthz"))
        assert r.status_code == 200 and time.monotonic() - start < HEALTHZ_S, time.monotonic() - start
    async with websockets.connect(url, open_timeout=TIMEOUT) as late:
        await late.send(json.dumps({"type": "auth", "token": w.admin_token}))
        assert json.loads(await asyncio.wait_for(late.recv(), TIMEOUT))["type"] == "ready"
    r = await w.client.post("/api/v1/appointments/manual", headers=w.admin, json={
        "branch_id": w.home.branch_id, "service_id": w.home.services["cut"], "start": at(hhmm),
        "client": {"phone": "+79990999001"}})
    assert r.status_code == 201, await r.get_data(as_text=True)
    while True:
        frame = json.loads(await asyncio.wait_for(board.recv(), TIMEOUT))
        if frame["type"] == "appointment.created":
            assert frame["appointment"]["start"] == at(hhmm)
            break
