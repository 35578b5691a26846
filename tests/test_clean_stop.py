"""A clean stop (SIGTERM) with a dashboard socket open is quick and logs no traceback.

Served as ``run.serve`` serves: Hypercorn with ``run.hypercorn_config`` (so
with protocol pings, whose task kept a closed socket's connection alive
until its next ping) and ``run.close_sockets`` as the shutdown trigger.
"""

from __future__ import annotations

import asyncio
import logging

import pytest
from hypercorn.asyncio import serve as hypercorn_serve

from run import build, close_sockets, hypercorn_config
from tests.dashboard.helpers import feed
from tests.harness import Harness, _wait_port, free_port


STOP_TIMEOUT_S = 20.0


async def test_a_clean_stop_with_a_dashboard_open_logs_no_traceback(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    settings = harness.settings.with_(host="127.0.0.1", port=port)
    harness.app = app = build(settings, clock=harness.clock, journal=harness.journal_factory())
    stop = asyncio.Event()

    async def shutdown_trigger() -> None:  # as run.serve's
        await stop.wait()
        await close_sockets(app)

    config = hypercorn_config(settings)
    server = asyncio.create_task(hypercorn_serve(app, config, shutdown_trigger=shutdown_trigger))
    await _wait_port(port)
    token = await harness.user()
    loop = asyncio.get_running_loop()
    async with feed(f"http://127.0.0.1:{port}", token) as board:
        stopping = loop.time()
        stop.set()
        assert await board.close_code() == 1001  # "the server is restarting"
    await asyncio.wait_for(server, STOP_TIMEOUT_S)
    # Not held until the graceful timeout by the closed socket's protocol-ping task.
    assert loop.time() - stopping < config.graceful_timeout
    noisy = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not noisy, caplog.text
    assert "Traceback" not in caplog.text and "CancelledError" not in caplog.text
