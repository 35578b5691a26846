"""A real HTTP receiver for webhook tests: an aiohttp server on a free port that records each POST.

``answers`` are the statuses it gives, in turn (the last one repeats);
``hang`` makes it accept the request and never answer. Waiting is on a
condition with a timeout, never a sleep.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web


@dataclass(frozen=True)
class Received:
    event: str
    delivery: int
    signature: str
    raw: bytes
    content_type: str = ""

    @property
    def body(self) -> dict[str, Any]:
        return orjson.loads(self.raw)  # type: ignore[no-any-return]

    def signed_with(self, secret: str) -> bool:
        mac = hmac.new(secret.encode(), self.raw, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.signature, f"sha256={mac}")


@dataclass
class Receiver:
    answers: list[int] = field(default_factory=lambda: [200])
    hang: bool = False
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        got = Received(request.headers.get("X-Zapis-Event", ""), int(request.headers.get("X-Zapis-Delivery", "0")),
                       request.headers.get("X-Zapis-Signature", ""), raw, request.headers.get("Content-Type", ""))
        async with self._changed:
            self.received.append(got)
            status = self.answers[min(len(self.received) - 1, len(self.answers) - 1)]
            self._changed.notify_all()
        if self.hang:
            await self._release.wait()
        return web.Response(status=status, text="ok")

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Until at least ``count`` requests arrived; all of them."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.received) >= count), timeout)
        return list(self.received)

    def deliveries(self) -> list[int]:
        return [r.delivery for r in self.received]
