"""A browser's socket is served without ``permessage-deflate`` (memory: bench/README.md, "Browser sockets").

Every browser offers the extension and Hypercorn accepts any offer; its
zlib state made each dashboard socket cost 122–180 KiB. ``api/manager/socket.py``
declines it in the handshake. Checked against a real Hypercorn configured as
``run.py`` configures it, with a handshake written byte for byte as Chromium
sends it and with the ``websockets`` client offering deflate; the socket then
works as usual, with plain frames.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os

import websockets

from api.manager.socket import decline_compression
from tests.harness import Harness
from tests.security.served import serve_as_in_production

TIMEOUT = 10.0
PATH = "/api/v1/dashboard/updates"


async def _handshake(host: str, port: int, extensions: str) -> bytes:
    """The server's answer head to a Chromium-like upgrade request offering ``extensions``."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write((
            f"GET {PATH} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: Upgrade\r\nPragma: no-cache\r\n"
            f"Cache-Control: no-cache\r\nUpgrade: websocket\r\nOrigin: http://{host}:{port}\r\n"
            f"Sec-WebSocket-Version: 13\r\nAccept-Encoding: gzip, deflate, br\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Extensions: {extensions}\r\n\r\n").encode())
        await writer.drain()
        return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
    finally:
        writer.close()


async def test_a_browser_offering_deflate_gets_no_extension(harness: Harness) -> None:
    await harness.start()
    token = await harness.user()
    async with serve_as_in_production(harness) as (host, port):
        for offer in ("permessage-deflate; client_max_window_bits",  # Chromium, Firefox
                      "permessage-deflate",
                      "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                      "x-webkit-deflate-frame, permessage-deflate; client_max_window_bits=10"):
            head = await _handshake(host, port, offer)
            assert head.startswith(b"HTTP/1.1 101"), head
            assert b"sec-websocket-extensions" not in head.lower(), (offer, head)

        # A client that offers deflate (websockets does by default) works, with plain frames.
        url = f"ws://{host}:{port}{PATH}"
        async with websockets.connect(url, open_timeout=TIMEOUT, compression="deflate") as conn:
            assert conn.response is not None
            assert "Sec-WebSocket-Extensions" not in conn.response.headers
            assert conn.protocol.extensions == []
            await conn.send(json.dumps({"type": "auth", "token": token}))
            ready = json.loads(await asyncio.wait_for(conn.recv(), TIMEOUT))
            assert ready["type"] == "ready", ready


def test_declining_elsewhere_changes_nothing() -> None:
    """Under another server (the test client, Uvicorn) ``send`` is no Hypercorn stream: left alone."""
    async def send(message: dict[str, object]) -> None:
        return None

    assert decline_compression(send) is False
