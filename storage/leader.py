"""Which server process runs the single senders (the notifier and its reminders, snapshots).

Several processes share one PostgreSQL (SPEC §9.5), but a message must go
out once and one process is enough to save snapshots. ``PostgresLeadership``
elects one with a *session* advisory lock held on a dedicated connection:
``pg_try_advisory_lock`` every ``retry_s`` until it is granted; the holder
pings its connection every ``check_s`` and stops leading as soon as the
connection fails (PostgreSQL releases the lock when the session ends, so
another process takes over within about ``retry_s``). A process that is
paused keeps its session and so its lock: nobody sends meanwhile. A process
whose connection was cut may still be sending for up to one ``check_s``
before it notices; the notifier's ledger (its appends expect the stream's
version) is the fence that makes it stand down at its next mark.

``AlwaysLeader`` is for SQLite (one process) and for journals that are not
PostgreSQL. ``run_while_leader`` runs a piece of work during each term and
cancels it when the term ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from typing import Protocol

import asyncpg

log = logging.getLogger(__name__)

_DRIVER_ERRORS = (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError,
                  asyncpg.InternalClientError)
Listener = Callable[[bool], None]


class Leadership(Protocol):
    @property
    def is_leader(self) -> bool: ...

    async def start(self) -> None:
        """Begin (a first attempt is made before this returns)."""

    async def close(self) -> None:
        """Stop leading and competing (listeners are not told: the process is stopping)."""

    async def acquired(self) -> None:
        """Return once this process leads (at once if it does)."""

    async def lost(self) -> None:
        """Return once this process does not lead (at once if it does not)."""

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener(True)`` when a term begins and ``listener(False)`` when it is lost."""


class AlwaysLeader:
    """One process: it always leads."""

    is_leader = True

    def __init__(self) -> None:
        self._closed = asyncio.Event()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        self._closed.set()

    async def acquired(self) -> None:
        return None

    async def lost(self) -> None:
        await self._closed.wait()

    def add_listener(self, listener: Listener) -> None:
        listener(True)


def leader_lock_key(schema: str) -> int:
    """The advisory-lock key of the leader of ``schema`` (one election per journal)."""
    digest = hashlib.blake2b(f"zapis:leader:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class PostgresLeadership:
    def __init__(self, dsn: str, schema: str, *, retry_s: float = 1.0, check_s: float = 1.0,
                 timeout_s: float = 3.0) -> None:
        self._dsn, self.schema = dsn, schema
        self.key = leader_lock_key(schema)
        self.retry_s, self.check_s, self.timeout_s = retry_s, check_s, timeout_s
        self._leading = asyncio.Event()
        self._following = asyncio.Event()
        self._following.set()
        self._listeners: list[Listener] = []
        self._task: asyncio.Task[None] | None = None
        self._first_try = asyncio.Event()
        self._closing = False
        self.terms = 0  # how many times this process became the leader
        self.backend_pid: int | None = None  # the election connection's server process (while connected)

    @property
    def is_leader(self) -> bool:
        return self._leading.is_set()

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)
        listener(self.is_leader)

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="zapis-leader-election")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._first_try.wait(), self.timeout_s + 1)

    async def close(self) -> None:
        self._closing = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def acquired(self) -> None:
        await self._leading.wait()

    async def lost(self) -> None:
        await self._following.wait()

    def _set(self, leading: bool) -> None:
        if leading == self.is_leader:
            return
        if leading:
            self.terms += 1
            self._following.clear()
            self._leading.set()
            log.info("leader: this process now runs the notifier, reminders and snapshots")
        else:
            self._leading.clear()
            self._following.set()
            if not self._closing:
                log.warning("leader: leadership lost; the notifier, reminders and snapshots stop here")
        if self._closing:
            return
        for listener in self._listeners:
            try:
                listener(leading)
            except Exception:  # noqa: BLE001 - one listener must not stop the others
                log.exception("leader listener %r raised", listener)

    async def _run(self) -> None:
        while True:
            conn: asyncpg.Connection | None = None
            led = False
            try:
                conn = await asyncpg.connect(self._dsn, timeout=self.timeout_s)
                self.backend_pid = conn.get_server_pid()
                while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key,
                                              timeout=self.timeout_s):
                    self._first_try.set()
                    await asyncio.sleep(self.retry_s)
                self._set(True)
                led = True
                self._first_try.set()
                while True:  # hold: a failed ping means the session (and so the lock) may be gone
                    await asyncio.sleep(self.check_s)
                    if conn.is_closed():
                        raise ConnectionError("the leader's connection closed")
                    await conn.fetchval("SELECT 1", timeout=self.timeout_s)
            except (*_DRIVER_ERRORS, ConnectionError) as exc:
                if self.is_leader:
                    log.warning("leader: connection failed (%s: %s)", type(exc).__name__, exc)
            except Exception:  # noqa: BLE001 - the election must go on
                log.exception("leader: election failed; retrying")
            finally:
                leading = self.is_leader
                self._set(False)
                self._first_try.set()
                self.backend_pid = None
                if conn is not None:
                    await _close(conn, self.key if leading else None)
            # A process that just lost its term (its connection failed) lets the others go first.
            await asyncio.sleep(self.retry_s * (2 if led else 1))


async def _close(conn: asyncpg.Connection, unlock: int | None) -> None:
    """End the session (and so release the lock); terminate it if it does not close in time.

    The lock is released explicitly first when it is held: a closed session's
    backend may hold it a moment longer, and a restart should lead at once.
    """
    try:
        if unlock is not None and not conn.is_closed():
            await conn.fetchval("SELECT pg_advisory_unlock($1)", unlock, timeout=1)
        await asyncio.wait_for(conn.close(), timeout=2)
    except _DRIVER_ERRORS:
        conn.terminate()
    except asyncio.CancelledError:
        conn.terminate()
        raise


async def run_while_leader(leadership: Leadership, work: Callable[[], Coroutine[Any, Any, None]], what: str,
                           *, restart_s: float = 1.0) -> None:
    """Run ``work()`` during each term of ``leadership``; cancel it when the term ends. Until cancelled."""
    while True:
        await leadership.acquired()
        task: asyncio.Task[None] = asyncio.create_task(work(), name=f"zapis-{what}")
        lost = asyncio.create_task(leadership.lost(), name=f"zapis-{what}-lost")
        try:
            await asyncio.wait({task, lost}, return_when=asyncio.FIRST_COMPLETED)
        finally:  # (also when we are cancelled: stop the work before returning)
            if not task.done():
                task.cancel()
            lost.cancel()
            await asyncio.gather(task, lost, return_exceptions=True)
        if lost.cancelled() and not task.cancelled():  # the work ended by itself while leading
            error = task.exception()
            if error is not None:
                log.error("%s stopped (%s: %s); restarting", what, type(error).__name__, error)
            await asyncio.sleep(restart_s)
