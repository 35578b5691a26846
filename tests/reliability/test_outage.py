"""Database outage under load, CI size: PostgreSQL cut off by a TCP proxy for 3 s, then back.

The shared test cluster keeps running for everyone else; only this server's
connections (through ``tests.pg.TcpProxy``) die. ``bench/outage.py`` stops
the real cluster instead. The promises checked are listed in
``tests/reliability/outage.py``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.pg import TcpProxy, require_pg_url, with_host_port
from tests.reliability.databases import throwaway_database
from tests.reliability.outage import OutageConfig, run_outage
from tests.reliability.server import Backend

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


class ProxyCutter:
    def __init__(self, proxy: TcpProxy) -> None:
        self.proxy = proxy

    async def cut(self) -> None:
        await self.proxy.stop()

    async def restore(self) -> float:
        await self.proxy.start()
        return time.monotonic()


@pytest.fixture
async def proxied(tmp_path: Path) -> AsyncIterator[tuple[Backend, TcpProxy]]:
    async with throwaway_database(require_pg_url()) as url:
        proxy = TcpProxy.for_url(url)
        await proxy.start()
        try:
            yield Backend("postgres", tmp_path / "data", with_host_port(url, "127.0.0.1", proxy.port)), proxy
        finally:
            await proxy.stop()


async def test_database_outage_under_load_answers_503_keeps_reads_and_recovers_by_itself(
    proxied: tuple[Backend, TcpProxy], tmp_path: Path
) -> None:
    backend, proxy = proxied
    result = await run_outage(backend, tmp_path, ProxyCutter(proxy), OutageConfig())
    context = f"marks {result.marks()}\ntimeline {result.timeline()}"
    assert not result.problems, "\n".join(result.problems) + "\n" + context
    assert result.recovery_s is not None and result.recovery_s <= 5.0, context
