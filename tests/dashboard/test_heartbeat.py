"""Dead sockets are found: Hypercorn as ``run.py`` configures it pings, and a socket that
never answers is closed after ``read_timeout``; a live browser (which pongs) stays."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hypercorn.asyncio import serve as hypercorn_serve
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from run import hypercorn_config
from tests.dashboard.conftest import Env
from tests.dashboard.helpers import TIMEOUT, WS_PATH, feed
from tests.harness import no_lifespan, _wait_port, free_port

READ_TIMEOUT_S = 1.0


@asynccontextmanager
async def production_server(env: Env) -> AsyncIterator[str]:
    """The started app behind Hypercorn configured by ``run.hypercorn_config``."""
    port = free_port()
    config = hypercorn_config(env.h.settings.with_(port=port))
    config.read_timeout = READ_TIMEOUT_S
    config.errorlog = None
    stop = asyncio.Event()
    assert env.h.app is not None
    task = asyncio.create_task(hypercorn_serve(no_lifespan(env.h.app), config, shutdown_trigger=stop.wait))
    await _wait_port(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        await asyncio.wait_for(task, TIMEOUT)


async def _silent_socket(port: int, token: str) -> asyncio.StreamWriter:
    """Handshake and authenticate by hand, then never read or answer a ping again."""
    ws = WSConnection(ConnectionType.CLIENT)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(ws.send(Request(host=f"127.0.0.1:{port}", target=WS_PATH)))
    while True:
        ws.receive_data(await asyncio.wait_for(reader.read(65536), TIMEOUT))
        if any(isinstance(e, AcceptConnection) for e in ws.events()):
            break
    writer.write(ws.send(TextMessage(json.dumps({"type": "auth", "token": token}))))
    await writer.drain()
    return writer


async def test_a_socket_that_stops_answering_pings_is_closed_and_freed(env: Env) -> None:
    hub = env.h.z.hub
    assert hub is not None
    token = (await env.h.admin_headers())["Authorization"][7:]
    async with production_server(env) as base:
        port = int(base.rsplit(":", 1)[1])
        async with feed(base, token) as alive:
            writer = await _silent_socket(port, token)
            try:
                # The live socket keeps getting heartbeats well past the read timeout…
                pings = 0
                while pings * env.h.settings.ws_ping_interval_s < 2 * READ_TIMEOUT_S:
                    assert (await alive.frame())["type"] == "ping"
                    pings += 1
                # …while the silent one has been dropped by then, or will be shortly.
                while hub.sessions > 1:
                    assert pings * env.h.settings.ws_ping_interval_s < 10 * READ_TIMEOUT_S, "never dropped"
                    await asyncio.wait_for(alive.frame(), TIMEOUT)
                    pings += 1
                assert hub.subscribers == 1
            finally:
                writer.close()
