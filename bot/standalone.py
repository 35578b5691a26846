"""``python run.py bot``: the bot in its own process, against a running server.

Updates are answered through the client API at ``ZAPIS_API_BASE_URL``; the
notifier reads the same journal as the server (``ZAPIS_DATABASE_URL``, or the
SQLite file under ``ZAPIS_DATA_DIR``) into its own projection, and polls it
every few seconds (the commit listener only sees this process's commits).
Run the server with ``ZAPIS_BOT_MODE=off`` then, so that only one process
sends notifications (a second one would be refused by the ledger's expected
version, but each could still send a message the other already sent). Polling
only: in webhook mode Telegram posts to the server, which runs the bot itself.
"""

from __future__ import annotations

import asyncio
import logging

from actors.clock import SystemClock
from bot.service import BotService
from bot.views import JournalProjection
from settings import Settings
from storage.factory import open_journal

log = logging.getLogger(__name__)


async def run_standalone(settings: Settings, stop: asyncio.Event) -> None:
    journal = open_journal(settings.database_url, settings.data_dir)
    await journal.open()
    try:
        service = BotService(settings, journal, JournalProjection(journal), SystemClock())
        await service.start()
        try:
            await stop.wait()
        finally:
            await service.stop()
    finally:
        await journal.close()
