"""Webhook tests run the real app (both backends) with private addresses allowed and quick retries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from actors.core.messages import BookSlot, RegisterClient
from tests.harness import Harness
from tests.pg import require_pg_url
from tests.reliability.databases import throwaway_database
from tests.reliability.server import Backend
from tests.seed import Salon, seed_salon
from tests.webhooks.receiver import Receiver

SLOT = 1772521200  # 2026-03-03 10:00 Moscow
QUICK = {"webhook_allow_private": True, "webhook_backoff_s": 0.02, "webhook_backoff_max_s": 0.1,
         "webhook_timeout_s": 2.0}


@dataclass
class World:
    h: Harness
    client: Any
    salon: Salon
    booked: int = 0

    async def register(self, url: str, events: Any = "*", **extra: Any) -> dict[str, Any]:
        r = await self.client.post("/api/v1/admin/webhooks", headers=self.salon.headers,
                                   json={"url": url, "events": events, **extra})
        assert r.status_code == 201, await r.get_data(as_text=True)
        return await r.get_json()  # type: ignore[no-any-return]

    async def book(self, n: int = 1) -> list[str]:
        """``n`` appointments booked (one ``appointment.created`` each); their ids."""
        rt = self.h.z.runtime
        cut = rt.catalogue.committed.services[self.salon.services["cut"]]
        ids = []
        for _ in range(n):
            i = self.booked
            self.booked += 1
            await rt.clients.ask(RegisterClient(f"c{i}", 5000 + i, f"+7999000{i:04d}", f"Клиент {i}"))
            staff = self.salon.staff[i % len(self.salon.staff)]
            await rt.branch(self.salon.branch_id).ask(
                BookSlot(f"a{i}", f"c{i}", service=rt.catalogue.committed.services[cut.id],
                         start=SLOT + (i // len(self.salon.staff)) * 3600, staff_id=staff))
            ids.append(f"a{i}")
        return ids

    async def deliveries(self, webhook_id: str) -> list[dict[str, Any]]:
        r = await self.client.get(f"/api/v1/admin/webhooks/{webhook_id}/deliveries", headers=self.salon.headers)
        assert r.status_code == 200
        return (await r.get_json())["items"]  # type: ignore[no-any-return]


@pytest.fixture
async def world(harness: Harness) -> World:
    harness.overrides.update(QUICK)
    client = await harness.start()
    salon = await seed_salon(harness, client, staff=3)
    return World(harness, client, salon)


@pytest.fixture
async def receivers() -> AsyncIterator[Callable[..., Any]]:
    made: list[Receiver] = []

    async def make(**kwargs: Any) -> Receiver:
        receiver = await Receiver(**kwargs).start()
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        await receiver.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    """Where a real ``run.py`` keeps its journal (as in tests/reliability/)."""
    if request.param == "sqlite":
        yield Backend("sqlite", tmp_path / "data")
        return
    async with throwaway_database(require_pg_url()) as url:
        yield Backend("postgres", tmp_path / "data", url)
