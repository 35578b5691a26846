"""The started app behind a real Hypercorn configured exactly as ``run.py`` configures it.

``Harness.serve()`` uses Hypercorn's defaults; the abuse tests need the
production settings (read timeout, header size, WebSocket message size), so
this builds the config with ``run.hypercorn_config`` and only moves the
bind address (and, where a test says so, a timeout) — never the defences.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from hypercorn.asyncio import serve as hypercorn_serve

from run import hypercorn_config
from tests.harness import Harness, no_lifespan, _wait_port, free_port


@asynccontextmanager
async def serve_as_in_production(h: Harness, port: int | None = None, **config: Any) -> AsyncIterator[tuple[str, int]]:
    """Yields (host, port) of a Hypercorn running ``run.hypercorn_config(h.settings)``."""
    assert h.app is not None, "start() the harness first"
    port = port or free_port()
    cfg = hypercorn_config(h.settings)
    cfg.bind = [f"127.0.0.1:{port}"]
    cfg.errorlog = None
    for name, value in config.items():
        setattr(cfg, name, value)
    stop = asyncio.Event()
    task = asyncio.create_task(hypercorn_serve(no_lifespan(h.app), cfg, shutdown_trigger=stop.wait))
    await _wait_port(port)
    try:
        yield "127.0.0.1", port
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
