"""Size limits on the real Hypercorn with the production config: bodies, headers, socket frames.

A body over the limit is refused with 413 from its declared size, before a
byte of it is read (the tests never send it); a chunked body without a
declared size is cut off at the limit; headers and WebSocket frames have
their own caps. After each refusal the server answers the next caller, and
nothing was journaled.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import websockets

from api.admin.imports import MULTIPART_OVERHEAD
from run import build, hypercorn_config
from tests.harness import Harness
from tests.security.rawhttp import exchange
from tests.security.served import serve_as_in_production
from tests.security.world import World, build_world

MAX_BODY = 4096
IMPORT_MAX = 100_000
TIMEOUT = 10.0


def _head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: zapis.test", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _targets(w: World) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("POST", "/api/v1/auth/login", {}),
        ("POST", "/api/v1/admin/branches", w.admin),
        ("POST", "/api/v1/appointments", w.tma()),
        ("PATCH", f"/api/v1/appointments/{w.appointment_id}/status", w.manager),
    ]


async def _healthy(host: str, port: int) -> None:
    async with httpx.AsyncClient(timeout=TIMEOUT) as http:
        assert (await http.get(f"http://{host}:{port}/healthz")).status_code == 200


async def test_bodies_over_the_limit_are_413_without_being_read(harness: Harness) -> None:
    w = await build_world(harness, max_body_bytes=MAX_BODY, import_max_bytes=IMPORT_MAX)
    seq = await w.last_seq()
    async with serve_as_in_production(harness) as (host, port):
        for method, path, auth in _targets(w):
            # Declared too large: answered from the headers alone (the body is never sent).
            head = _head(method, path, {**auth, "Content-Type": "application/json",
                                        "Content-Length": str(MAX_BODY + 1)})
            answer = await exchange(host, port, head)
            assert answer.status == 413, (path, answer.head)
            assert json.loads(answer.body)["code"] == "payload_too_large"
            # Not declared (chunked): cut off once the limit is passed.
            chunk = b"[" + b"1," * MAX_BODY + b"1]"
            body = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n"
            head = _head(method, path, {**auth, "Content-Type": "application/json", "Transfer-Encoding": "chunked"})
            answer = await exchange(host, port, head + body)
            assert answer.status == 413, (path, answer.head)
        # The import has its own, larger limit, enforced the same way.
        head = _head("POST", "/api/v1/system/import", {
            **w.admin, "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(IMPORT_MAX + MULTIPART_OVERHEAD + 1)})
        answer = await exchange(host, port, head)
        assert answer.status == 413 and json.loads(answer.body)["code"] == "file_too_large"
        await _healthy(host, port)
    assert await w.last_seq() == seq


async def test_oversized_headers_are_refused_and_the_server_keeps_serving(harness: Harness) -> None:
    await build_world(harness)
    async with serve_as_in_production(harness) as (host, port):
        limit = hypercorn_config(harness.settings).h11_max_incomplete_size
        head = _head("GET", "/healthz", {"X-Padding": "a" * (3 * limit)})  # h11 checks per incomplete read
        answer = await exchange(host, port, head)
        assert answer.status in (None, 400, 413, 431), answer.head
        assert answer.closed or "connection: close" in answer.head.lower()
        await _healthy(host, port)


async def test_a_socket_frame_over_the_limit_closes_the_socket(harness: Harness) -> None:
    w = await build_world(harness, ws_auth_timeout_s=5.0)
    async with serve_as_in_production(harness) as (host, port):
        limit = hypercorn_config(harness.settings).websocket_max_message_size
        url = f"ws://{host}:{port}/api/v1/dashboard/updates"
        async with websockets.connect(url, open_timeout=TIMEOUT, max_size=None) as conn:
            await conn.send(json.dumps({"type": "auth", "token": w.admin_token, "pad": "a" * limit}))
            try:
                await asyncio.wait_for(conn.recv(), TIMEOUT)
            except websockets.ConnectionClosed:
                pass
            assert conn.close_code == 1009, conn.close_code  # message too big
        async with websockets.connect(url, open_timeout=TIMEOUT) as conn:  # the next one is served
            await conn.send(json.dumps({"type": "auth", "token": w.admin_token}))
            assert json.loads(await asyncio.wait_for(conn.recv(), TIMEOUT))["type"] == "ready"


async def test_the_production_limits_and_timeouts_are_set(harness: Harness) -> None:
    """What the abuse tests shorten or exercise is, in production, finite and sensible."""
    settings = harness.settings
    config = hypercorn_config(settings)
    assert config.read_timeout == 30  # a silent client is dropped
    assert config.keep_alive_timeout == 5  # unfinished headers and idle keep-alive
    assert config.h11_max_incomplete_size == 64 * 1024
    assert config.websocket_max_message_size == 64 * 1024
    app = build(settings, journal=harness.journal_factory())
    assert app.config["BODY_TIMEOUT"] == 30  # a body must arrive within this (408)
    assert settings.max_body_bytes == 1_000_000 and settings.ws_auth_timeout_s == 5.0
