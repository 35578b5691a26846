"""Two zapis app instances on ONE PostgreSQL schema, each behind its own Hypercorn.

PostgreSQL only: skipped without ``ZAPIS_TEST_DATABASE_URL``, a failure when
``ZAPIS_REQUIRE_POSTGRES=1`` (``tests/pg.py``). Both harnesses build their
journals on the same fresh schema, so they are two processes of one salon
chain in everything but the OS process: separate journals (pools, writers,
LISTEN connections), runtimes, hubs and servers.

The poll is slowed to 30 s, so whatever a test sees from the other process
arrived through a commit hint (NOTIFY) or an on-demand catch-up, never by
waiting for the poll.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.postgres import PostgresJournal
from tests.client.kit import TOKEN
from tests.harness import Harness
from tests.pg import fresh_pg_schema, require_pg_url

POLL_S = 30.0


@dataclass
class Node:
    h: Harness
    client: Any  # Quart's test client
    url: str  # the node's Hypercorn

    @property
    def journal(self) -> PostgresJournal:
        journal = self.h.z.journal
        assert isinstance(journal, PostgresJournal)
        return journal


@dataclass
class Cluster:
    nodes: list[Node]
    schema: str

    @property
    def a(self) -> Node:
        return self.nodes[0]

    @property
    def b(self) -> Node:
        return self.nodes[1]

    async def settle(self) -> None:
        """Every node applies everything committed so far (deterministic, no waiting)."""
        for node in self.nodes:
            await node.h.z.runtime.catch_up()


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    url = require_pg_url()
    async with fresh_pg_schema(url) as schema, AsyncExitStack() as stack:
        harnesses = []
        for name in ("a", "b"):
            (tmp_path / name).mkdir()
            harnesses.append(Harness(
                lambda: PostgresJournal(url, schema=schema, poll_s=POLL_S), tmp_path / name,
                overrides={"telegram_bot_token": TOKEN, "holds_per_minute": 0, "bookings_per_minute": 0}))
        nodes = []
        try:
            for h in harnesses:
                client = await h.start()
                nodes.append(Node(h, client, await stack.enter_async_context(h.serve())))
            yield Cluster(nodes, schema)
        finally:
            await stack.aclose()
            for h in harnesses:
                await h.stop()


def one_winner(responses: list[httpx.Response]) -> httpx.Response:
    """The one 201 of a race; every other answer a 409 ``slot_unavailable``."""
    won = [r for r in responses if r.status_code == 201]
    lost = [r for r in responses if r.status_code == 409]
    assert len(won) + len(lost) == len(responses), [(r.status_code, r.text) for r in responses
                                                     if r.status_code not in (201, 409)]
    assert all(r.json()["code"] == "slot_unavailable" for r in lost), [r.json() for r in lost]
    assert len(won) == 1, [r.text for r in won]
    return won[0]
