"""A lean WebSocket client for the fan-out benchmark (raw asyncio protocol, no library).

Each socket costs a few microseconds per frame, so a thousand of them in one
process measure the server, not the client: a frame's arrival time is taken
when its bytes reach ``data_received``; payloads are kept raw and decoded
(inflated, for permessage-deflate) only after the run. It offers
``permessage-deflate`` like a browser when ``deflate`` is set.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson

TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def masked(opcode: int, payload: bytes) -> bytes:
    """A client → server frame (clients must mask)."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    key = (mask * (n // 4 + 1))[:n]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big") if n else b""
    return head + mask + body


@dataclass
class Frame:
    at: float  # time.monotonic() when its last bytes arrived
    payload: bytes
    compressed: bool


@dataclass(eq=False)
class LeanSocket(asyncio.Protocol):
    host: str
    path: str
    hello: bytes
    deflate: bool
    on_frame: Any  # callable(LeanSocket) after each text frame
    frames: list[Frame] = field(default_factory=list)
    close_code: int | None = None
    transport: Any = None
    _buf: bytearray = field(default_factory=bytearray)
    _upgraded: bool = False
    opened: asyncio.Future[None] | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        ext = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" if self.deflate else ""
        transport.write((
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{ext}\r\n"
        ).encode())

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self._buf += data
        if not self._upgraded:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self._buf[:end])
            del self._buf[:end + 4]
            if not head.startswith(b"HTTP/1.1 101"):
                raise ConnectionError(head.decode(errors="replace"))
            self._upgraded = True
            self.transport.write(masked(TEXT, self.hello))
        self._frames(now)

    def _frames(self, now: float) -> None:
        buf = self._buf
        while len(buf) >= 2:
            b0, n, off = buf[0], buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    return
                n, off = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n, off = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < off + n:
                return
            payload = bytes(buf[off:off + n])
            del buf[:off + n]
            opcode = b0 & 0x0F
            if opcode == TEXT:
                self.frames.append(Frame(now, payload, bool(b0 & 0x40)))
                self.on_frame(self)
            elif opcode == PING:
                self.transport.write(masked(PONG, payload))
            elif opcode == CLOSE:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.close_code is None:
            self.close_code = 1006

    def decoded(self) -> list[dict[str, Any]]:
        """Every text frame as JSON (inflated in order: the compressor keeps its context)."""
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        out = []
        for f in self.frames:
            raw = inflater.decompress(f.payload + b"\x00\x00\xff\xff") if f.compressed else f.payload
            out.append(orjson.loads(raw))
        return out


async def open_socket(loop: asyncio.AbstractEventLoop, host: str, port: int, path: str, hello: dict[str, Any],
                      deflate: bool, on_frame: Any) -> LeanSocket:
    sock = LeanSocket(f"{host}:{port}", path, orjson.dumps(hello), deflate, on_frame)
    await loop.create_connection(lambda: sock, host, port)
    return sock
