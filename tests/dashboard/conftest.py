"""Fixtures of the dashboard tests: a seeded salon on both backends, with a pausable journal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from storage.journal import Journal
from tests.dashboard.helpers import BOT_TOKEN, GatedJournal
from tests.harness import Harness
from tests.seed import Salon, seed_salon


@dataclass
class Env:
    h: Harness
    client: Any
    salon: Salon
    journals: list[GatedJournal] = field(default_factory=list)

    @property
    def journal(self) -> GatedJournal:
        """The journal of the running app (a new one after each restart)."""
        return self.journals[-1]


@pytest.fixture
async def env(journal_factory: Callable[[], Journal], tmp_path: Path) -> AsyncIterator[Env]:
    journals: list[GatedJournal] = []

    def make() -> Journal:
        journals.append(GatedJournal(journal_factory()))
        return journals[-1]  # type: ignore[return-value]

    h = Harness(make, tmp_path, overrides={
        "telegram_bot_token": BOT_TOKEN, "bot_mode": "off",
        "ws_auth_timeout_s": 0.3, "ws_ping_interval_s": 0.2,
    })
    try:
        client = await h.start()
        salon = await seed_salon(h, client)
        yield Env(h, client, salon, journals)
    finally:
        await h.stop()
