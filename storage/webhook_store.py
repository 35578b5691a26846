"""Webhook deliveries' durable memory: per-endpoint positions and per-attempt records (SPEC §9.4).

A port (``WebhookStore``) with two adapters: SQLite here (tables in the
journal's own file, on a connection of their own) and PostgreSQL in
``storage/webhook_store_pg.py`` (tables in the journal's schema). These are
tables beside the journal, not journal events: an endpoint that is down for
a day makes thousands of attempts, which are bookkeeping of the delivery
worker (``api/webhooks/worker.py``), not facts of the salon.

``webhook_positions (webhook_id, seq)``: the endpoint has been given (or has
given up on) every event up to ``seq``; the worker resumes after it.
``webhook_attempts``: one row per POST (or per refusal before it), newest
kept (``KEEP_ATTEMPTS`` per endpoint). The worker saves attempts in order,
several per transaction when they come faster than the disk, each
transaction with the position they reach: an attempt that ends an event
(2xx, or giving up) is written in the same transaction as the position
past it, so a crash can never skip an event — at worst the events whose
attempts were not saved yet are sent again.
Driver errors become ``JournalUnavailable``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from storage.sqlite import _Connection  # the journal's thread-confined connection

KEEP_ATTEMPTS = 1000  # per endpoint; older attempts are deleted
PRUNE_EVERY = 100  # attempts recorded per endpoint between two prunes

DELIVERED, FAILED, GAVE_UP = "delivered", "failed", "gave_up"


@dataclass(frozen=True, slots=True)
class Attempt:
    webhook_id: str
    seq: int  # the event's journal position (``X-Zapis-Delivery``)
    event: str  # its type (``X-Zapis-Event``)
    attempt: int  # 1, 2, … for this event and endpoint
    status: int | None  # the HTTP status, None when no answer came
    error: str  # why it failed ("" for a 2xx)
    duration_ms: int
    at: float  # when the attempt started (UTC seconds)
    first_at: float  # when the first attempt for this event started (24 h of retries from it)
    outcome: str  # DELIVERED | FAILED | GAVE_UP


class WebhookStore(Protocol):
    async def open(self) -> None:
        """Connect and create the tables if missing."""

    async def close(self) -> None: ...

    async def positions(self) -> dict[str, int]:
        """Every endpoint's position (endpoints never delivered to are absent)."""

    async def save(self, webhook_id: str, attempts: Sequence[Attempt], position: int | None) -> None:
        """In one transaction: the attempts, and the endpoint's position moved to ``position``
        (never backwards; None: unchanged)."""

    async def attempts(self, webhook_id: str, *, limit: int = 50, seq: int | None = None) -> list[Attempt]:
        """The newest attempts first (of one event with ``seq``)."""

    async def forget(self, webhook_id: str) -> None:
        """Drop a deleted endpoint's position and attempts."""


_COLUMNS = "webhook_id, seq, event, attempt, status, error, duration_ms, at, first_at, outcome"
_SQLITE_TABLES = (
    "CREATE TABLE IF NOT EXISTS webhook_positions (webhook_id TEXT PRIMARY KEY, seq INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS webhook_attempts (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " webhook_id TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL, attempt INTEGER NOT NULL,"
    " status INTEGER, error TEXT NOT NULL, duration_ms INTEGER NOT NULL, at REAL NOT NULL,"
    " first_at REAL NOT NULL, outcome TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS webhook_attempts_by_hook ON webhook_attempts (webhook_id, id)",
)
_UPSERT = ("INSERT INTO webhook_positions (webhook_id, seq) VALUES (?, ?) ON CONFLICT (webhook_id)"
           " DO UPDATE SET seq = max(seq, excluded.seq)")


def _row(row: Any) -> Attempt:
    return Attempt(str(row[0]), int(row[1]), str(row[2]), int(row[3]), None if row[4] is None else int(row[4]),
                   str(row[5]), int(row[6]), float(row[7]), float(row[8]), str(row[9]))


def _values(a: Attempt) -> tuple[Any, ...]:
    return (a.webhook_id, a.seq, a.event, a.attempt, a.status, a.error, a.duration_ms, a.at, a.first_at,
            a.outcome)


class SqliteWebhookStore:
    """The store in the journal's SQLite file (one process: SQLite serves one)."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 10.0) -> None:
        self.path = Path(path)
        self._conn = _Connection(self.path, busy_timeout_s, query_only=False)
        self._recorded: dict[str, int] = {}

    async def open(self) -> None:
        await self._conn.open()
        await self._conn.run(_sqlite_create)

    async def close(self) -> None:
        await self._conn.close()

    async def positions(self) -> dict[str, int]:
        rows = await self._conn.run(_sqlite_fetch, "SELECT webhook_id, seq FROM webhook_positions", ())
        return {str(r[0]): int(r[1]) for r in rows}

    async def save(self, webhook_id: str, attempts: Sequence[Attempt], position: int | None) -> None:
        before = self._recorded.get(webhook_id, 0)
        count = self._recorded[webhook_id] = before + len(attempts)
        statements: list[tuple[str, tuple[Any, ...]]] = [
            (f"INSERT INTO webhook_attempts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", _values(a))
            for a in attempts]
        if position is not None:
            statements.append((_UPSERT, (webhook_id, position)))
        if count // PRUNE_EVERY > before // PRUNE_EVERY:
            statements.append(("DELETE FROM webhook_attempts WHERE webhook_id = ? AND id <= (SELECT id FROM"
                               " webhook_attempts WHERE webhook_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                               (webhook_id, webhook_id, KEEP_ATTEMPTS)))
        if statements:
            await self._conn.run(_sqlite_write, statements)

    async def attempts(self, webhook_id: str, *, limit: int = 50, seq: int | None = None) -> list[Attempt]:
        where = "webhook_id = ?" if seq is None else "webhook_id = ? AND seq = ?"
        params: tuple[Any, ...] = (webhook_id, limit) if seq is None else (webhook_id, seq, limit)
        sql = f"SELECT {_COLUMNS} FROM webhook_attempts WHERE {where} ORDER BY id DESC LIMIT ?"
        return [_row(r) for r in await self._conn.run(_sqlite_fetch, sql, params)]

    async def forget(self, webhook_id: str) -> None:
        await self._conn.run(_sqlite_write, [
            ("DELETE FROM webhook_positions WHERE webhook_id = ?", (webhook_id,)),
            ("DELETE FROM webhook_attempts WHERE webhook_id = ?", (webhook_id,))])


def _sqlite_create(conn: sqlite3.Connection) -> None:
    # WAL + NORMAL: a commit survives the process dying, only a power cut can lose the last
    # ones — then positions fall back a little and those events are sent again (at least
    # once still holds), while each delivery costs no fsync of its own.
    conn.execute("PRAGMA synchronous=NORMAL")
    for statement in _SQLITE_TABLES:
        conn.execute(statement)


def _sqlite_fetch(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[Any]:
    return conn.execute(sql, params).fetchall()


def _sqlite_write(conn: sqlite3.Connection, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for sql, params in statements:
            conn.execute(sql, params)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise

