"""The notifier's durable memory: the journal stream ``notifier`` (no extra table, both backends).

Events (actor ``system:notifier``), appended one per delivered message::

    notifier.sent        {"seq", "kind", "chat", "outcome"}   the message for event ``seq`` went out
    notifier.reminded    {"key", "appointment_id", "hours", "start", "chat", "outcome"}
    notifier.checkpoint  {"seq"}   every event up to ``seq`` is handled (nothing to send)

``upto`` — the highest ``seq`` of a ``sent`` or ``checkpoint`` — is where the
notifier resumes after a restart; events it only read (no message) are
covered by a checkpoint every ``checkpoint_every`` events and on a clean stop.
A mark is appended right after its message was accepted by Telegram, so a
crash repeats at most the message in flight. ``outcome`` is ``sent`` or
``refused: …`` (a user who blocked the bot: not retried forever).

The very first start (an empty stream) checkpoints at the journal's end: the
history before the bot existed is not sent to anyone. Appends expect the
stream's version: a second notifier on the same journal (a misconfiguration)
fails loudly with ``ConcurrencyConflict``; this one reloads and goes on.
The stream is skipped by ``actors.streams.fold`` and hidden from
``GET /system/journal`` unless asked for by name.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from actors.core.clock import Clock, utc
from actors.streams import NOTIFIER
from storage.journal import ConcurrencyConflict, Journal, JournalUnavailable, NewEvent

log = logging.getLogger(__name__)

SENT, REMINDED, CHECKPOINT = "notifier.sent", "notifier.reminded", "notifier.checkpoint"
ACTOR = "system:notifier"
FORGET_AFTER_S = 86400  # reminder marks of visits that started longer ago than this are dropped on load


class Ledger:
    def __init__(self, journal: Journal, clock: Clock, *, max_delay_s: float = 30.0) -> None:
        self._journal = journal
        self._clock = clock
        self._max_delay_s = max_delay_s
        self.version = 0
        self.upto = 0
        self.reminded: dict[str, int] = {}  # key -> the visit's start

    async def load(self) -> None:
        """Read the stream (first start: checkpoint at the journal's end)."""
        await self._reload()
        if self.version == 0:
            await self.checkpoint(await self._journal.last_seq())
        now = self._clock.now()
        self.reminded = {k: s for k, s in self.reminded.items() if s > now - FORGET_AFTER_S}

    async def _reload(self) -> None:
        self.version, self.upto, self.reminded = 0, 0, {}
        for rec in await self._journal.read_stream(NOTIFIER):
            self._apply(rec.type, rec.data)
            self.version = rec.version

    def _apply(self, type_: str, data: dict[str, Any]) -> None:
        if type_ in (SENT, CHECKPOINT):
            self.upto = max(self.upto, int(data["seq"]))
        elif type_ == REMINDED:
            self.reminded[str(data["key"])] = int(data["start"])

    async def sent(self, seq: int, kind: str, chat: int, outcome: str) -> None:
        await self._append(SENT, {"seq": seq, "kind": kind, "chat": chat, "outcome": outcome})

    async def remind(self, key: str, appointment_id: str, hours: int, start: int, chat: int,
                     outcome: str) -> None:
        await self._append(REMINDED, {"key": key, "appointment_id": appointment_id, "hours": hours,
                                      "start": start, "chat": chat, "outcome": outcome})

    async def checkpoint(self, seq: int) -> None:
        await self._append(CHECKPOINT, {"seq": seq})

    async def _append(self, type_: str, data: dict[str, Any]) -> None:
        """Append until it is durable: the database may be away for a while (backoff, cancellable)."""
        delay = 0.2
        while True:
            try:
                recorded = await self._journal.append(
                    NOTIFIER, self.version, [NewEvent(type_, data, utc(self._clock.now()), ACTOR)])
            except ConcurrencyConflict:
                log.warning("another notifier writes the %r stream: two bots on one journal?", NOTIFIER)
                await self._reload()
                continue
            except JournalUnavailable as err:
                log.warning("notifier mark not saved (%s); retrying in %.1f s", err, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_delay_s)
                continue
            self.version = recorded[-1].version
            self._apply(type_, data)
            return
