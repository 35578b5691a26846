"""Test harness: the real app graph (``run.build``) on a chosen journal and a manual clock.

``Harness.start()`` runs the app's real start-up (``app.test_app()``), so
the journal is opened, state is loaded and actors run exactly as in
production; ``restart()`` stops everything and starts a new app on the same
database. ``serve()`` puts the app behind a real Hypercorn on a free port.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config
from quart import Quart

from actors.core.clock import ManualClock
from actors.core.messages import CreateUser
from actors.core.model import User
from api.context import AppContext
from run import build
from settings import Settings
from storage.journal import Journal

JWT_SECRET = "test-secret-0123456789abcdef-0123456789"
# A Monday morning in Moscow, far from any DST change.
T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Harness:
    journal_factory: Callable[[], Journal]
    data_dir: Path
    clock: ManualClock = field(default_factory=lambda: ManualClock(T0))
    overrides: dict[str, Any] = field(default_factory=dict)
    app: Quart | None = None
    _ctx: Any = None

    @property
    def settings(self) -> Settings:
        base = Settings(data_dir=self.data_dir, jwt_secret=JWT_SECRET, bot_mode="off")
        return base.with_(**self.overrides)

    @property
    def z(self) -> AppContext:
        assert self.app is not None, "start() the harness first"
        return self.app.extensions["zapis"]  # type: ignore[no-any-return]

    async def start(self) -> Any:
        """Start the app; returns Quart's test client."""
        self.app = build(self.settings, clock=self.clock, journal=self.journal_factory())
        self._ctx = self.app.test_app()
        await self._ctx.__aenter__()
        return self.client()

    def client(self) -> Any:
        assert self.app is not None
        return self.app.test_client()

    async def stop(self) -> None:
        if self._ctx is not None:
            await self._ctx.__aexit__(None, None, None)
            self._ctx = None

    async def restart(self) -> Any:
        await self.stop()
        return await self.start()

    async def user(self, login: str = "admin", role: str = "admin", branches: tuple[str, ...] = ("*",)) -> str:
        """Create an account (if missing) and return a valid JWT for it."""
        users = self.z.runtime.users
        if login not in users.committed.users:
            await users.ask(CreateUser(login, role, branches, self.z.passwords.hash("password-123")))
        user: User = users.committed.users[login]
        assert self.z.tokens is not None
        return self.z.tokens.issue(user)

    async def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.user()}"}

    @asynccontextmanager
    async def serve(self) -> AsyncIterator[str]:
        """The started app behind a real Hypercorn; yields its base URL."""
        assert self.app is not None
        port = free_port()
        config = Config()
        config.bind = [f"127.0.0.1:{port}"]
        config.accesslog = None
        config.errorlog = None
        stop = asyncio.Event()
        # The app is already started by start(); Hypercorn must not run the lifespan again.
        task = asyncio.create_task(hypercorn_serve(no_lifespan(self.app), config, shutdown_trigger=stop.wait))
        await _wait_port(port)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)


def no_lifespan(app: Quart | Callable[[], Quart]) -> Any:
    """``app`` for Hypercorn, answering the lifespan itself (the app is started already).

    Pass a callable to serve whatever app it returns at each request (one that survives restarts).
    """

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        target = app if isinstance(app, Quart) else app()
        await target(scope, receive, send)

    return asgi


async def _wait_port(port: int, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.02)
