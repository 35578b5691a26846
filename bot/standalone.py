"""``python run.py bot``: the bot in its own process, against a running server.

Updates are answered through the client API at ``ZAPIS_API_BASE_URL``; the
notifier reads the same journal as the server (``ZAPIS_DATABASE_URL``, or the
SQLite file under ``ZAPIS_DATA_DIR``) into its own projection, and polls it
every ``poll_s`` seconds (the commit listener only sees this process's commits).
Run the server with ``ZAPIS_BOT_MODE=off`` then, so that only one process
sends notifications (a second one would be refused by the ledger's expected
version, but each could still send a message the other already sent). Polling
only: in webhook mode Telegram posts to the server, which runs the bot itself.
"""

from __future__ import annotations

import asyncio
import logging

from actors.core.clock import Clock, SystemClock
from bot.service import BotService
from bot.state_view import JournalProjection
from settings import Settings
from storage.factory import open_journal
from storage.journal import Journal

log = logging.getLogger(__name__)


async def run_standalone(settings: Settings, stop: asyncio.Event, *, journal: Journal | None = None,
                         clock: Clock | None = None, poll_s: float = 2.0) -> None:
    """Run until ``stop`` is set. Tests pass their own journal (a second connection) and clock."""
    journal = journal or open_journal(settings.database_url, settings.data_dir)
    await journal.open()
    try:
        service = BotService(settings, journal, JournalProjection(journal), clock or SystemClock(),
                             notify_poll_s=poll_s)
        await service.start()
        try:
            await stop.wait()
        finally:
            await service.stop()
    finally:
        await journal.close()
