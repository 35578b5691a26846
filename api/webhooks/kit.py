"""The webhooks' pieces, built by ``run.py``: registrations, the delivery store, the worker."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from actors.webhooks import Webhooks
from api.webhooks.worker import Deliveries, Policy
from storage.journal import JournalUnavailable
from storage.webhook_store import WebhookStore

log = logging.getLogger(__name__)


@dataclass(slots=True)
class WebhookKit:
    webhooks: Webhooks  # registrations (the ``webhooks`` stream)
    store: WebhookStore  # positions and attempts (every process reads them)
    deliveries: Deliveries  # the worker (runs while this process leads)
    policy: Policy

    async def start(self) -> None:
        with contextlib.suppress(JournalUnavailable):  # the worker retries; reads answer 503 meanwhile
            await self.store.open()
        self.deliveries.start()

    async def stop(self) -> None:
        await self.deliveries.stop()
        with contextlib.suppress(JournalUnavailable):
            await self.store.close()
