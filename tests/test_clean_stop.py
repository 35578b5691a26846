"""A clean stop (SIGTERM) with a dashboard socket open logs no traceback.

Served as ``run.serve`` serves: Hypercorn with ``run.hypercorn_config`` (so
with protocol pings, whose task keeps a closed socket's connection alive
until its next ping) and a shutdown trigger that closes the sockets first.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from hypercorn.asyncio import serve as hypercorn_serve

from run import build, hypercorn_config
from tests.dashboard.helpers import feed
from tests.harness import Harness, _wait_port, free_port

pytestmark = pytest.mark.slow  # the stop waits Hypercorn's graceful timeout (5 s)

STOP_TIMEOUT_S = 20.0


async def test_a_clean_stop_with_a_dashboard_open_logs_no_traceback(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    settings = harness.settings.with_(host="127.0.0.1", port=port)
    harness.app = app = build(settings, clock=harness.clock, journal=harness.journal_factory())
    stop = asyncio.Event()

    async def shutdown_trigger() -> None:  # as run.serve's: close the dashboard sockets first
        await stop.wait()
        await harness.z.hub.shutdown()

    server = asyncio.create_task(hypercorn_serve(app, hypercorn_config(settings), shutdown_trigger=shutdown_trigger))
    await _wait_port(port)
    token = await harness.user()
    async with feed(f"http://127.0.0.1:{port}", token) as board:
        stop.set()
        assert await board.close_code() == 1001  # "the server is restarting"
    await asyncio.wait_for(server, STOP_TIMEOUT_S)
    noisy = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not noisy, caplog.text
    assert "Traceback" not in caplog.text and "CancelledError" not in caplog.text
