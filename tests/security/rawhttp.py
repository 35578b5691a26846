"""HTTP/1.1 over a raw socket: what a hostile client sends, byte by byte, with every wait bounded."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from dataclasses import dataclass

TIMEOUT = 10.0


@dataclass
class Answer:
    status: int | None  # None: closed without an answer
    head: str
    body: bytes
    closed: bool  # the server closed the connection


async def read_answer(reader: asyncio.StreamReader, timeout: float = TIMEOUT, prefix: bytes = b"") -> Answer:
    """One response (by Content-Length), or whatever came before the server closed."""
    raw = prefix
    try:
        async with asyncio.timeout(timeout):
            while b"\r\n\r\n" not in raw:
                chunk = await reader.read(65536)
                if not chunk:
                    return Answer(_status(raw), raw.decode("latin-1"), b"", True)
                raw += chunk
            head, _, body = raw.partition(b"\r\n\r\n")
            length = _content_length(head)
            while len(body) < length:
                chunk = await reader.read(65536)
                if not chunk:
                    break
                body += chunk
    except TimeoutError:
        return Answer(_status(raw), raw.decode("latin-1"), b"", False)
    return Answer(_status(head), head.decode("latin-1"), body, reader.at_eof())


def _status(raw: bytes) -> int | None:
    parts = raw.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[0].startswith(b"HTTP/") and parts[1].isdigit() else None


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return 0


async def exchange(host: str, port: int, data: bytes, timeout: float = TIMEOUT) -> Answer:
    """Send ``data`` (headers, maybe a body), read one answer, close."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        await writer.drain()
        return await read_answer(reader, timeout)
    finally:
        writer.close()


@dataclass
class Trickled:
    answer: Answer
    seconds: float  # from the first byte until the server answered or closed
    sent: int  # bytes trickled after the opening


async def trickle(host: str, port: int, opening: bytes, drip: bytes, *, every: float, give_up_after: float) -> Trickled:
    """Send ``opening``, then ``drip`` every ``every`` seconds until the server answers or closes.

    Each pause is a wait for the server's answer (bounded by ``every``), so the
    loop ends as soon as the server acts; ``give_up_after`` bounds it for good.
    """
    reader, writer = await asyncio.open_connection(host, port)
    start, sent = time.monotonic(), 0
    try:
        writer.write(opening)
        await writer.drain()
        while time.monotonic() - start < give_up_after:
            try:
                first = await asyncio.wait_for(reader.read(1), every)
            except TimeoutError:
                try:
                    writer.write(drip)
                    await writer.drain()
                    sent += len(drip)
                except (ConnectionError, OSError):
                    return Trickled(Answer(None, "", b"", True), time.monotonic() - start, sent)
                continue
            if not first:
                return Trickled(Answer(None, "", b"", True), time.monotonic() - start, sent)
            seconds = time.monotonic() - start
            return Trickled(await read_answer(reader, prefix=first), seconds, sent)
        return Trickled(Answer(None, "", b"", False), time.monotonic() - start, sent)
    finally:
        writer.close()


async def silent_websocket(host: str, port: int, path: str, timeout: float = TIMEOUT) -> int | None:
    """Open a WebSocket, send nothing, and return the close code the server ends it with.

    A bare handshake and frame reader: thousands of these stay cheap on the
    client side, so the test measures the server. None: closed without a code.
    """
    key = base64.b64encode(os.urandom(16)).decode()
    reader, writer = await asyncio.open_connection(host, port)
    try:
        async with asyncio.timeout(timeout):
            writer.write((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                          f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n").encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            if _status(head) != 101:
                return None
            while True:
                first, second = await reader.readexactly(2)
                size = second & 0x7F
                if size == 126:
                    size = int.from_bytes(await reader.readexactly(2), "big")
                elif size == 127:
                    size = int.from_bytes(await reader.readexactly(8), "big")
                payload = await reader.readexactly(size)
                if first & 0x0F == 0x8:  # close
                    return int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    finally:
        writer.close()
