"""The event journal port: what every backend promises (SPEC §1).

Exceptions (all derive from ``JournalError``)::

    JournalError
    ├── ConcurrencyConflict   the stream is not at the expected version
    └── JournalUnavailable    the database cannot be reached; nothing was
        │                     saved
        └── JournalInDoubt    the connection died during COMMIT and the
                              database stayed away: the append may or may
                              not be durable (re-read the stream)

Backends translate driver errors into these; callers never see asyncpg or
sqlite3 exceptions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


class JournalError(Exception):
    """Base of every journal failure."""


class ConcurrencyConflict(JournalError):
    """An append expected a stream version the stream is no longer at."""

    def __init__(self, stream: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream!r} is at version {actual}, expected {expected}")
        self.stream = stream
        self.expected = expected
        self.actual = actual


class JournalUnavailable(JournalError):
    """The journal's database is unreachable; the append was not acknowledged."""


class JournalInDoubt(JournalUnavailable):
    """The connection died while COMMIT was in flight and the outcome could not be learnt in time.

    The events may or may not be durable; the journal keeps resolving the
    doubt and, if they were committed, tells its listeners once it knows.
    """


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended; the journal assigns seq and version."""

    type: str
    data: dict[str, Any]
    at: datetime  # UTC, from the caller's (injectable) clock
    actor: str = "system"  # who caused it: "client:<id>", "user:<login>", "system"


@dataclass(frozen=True, slots=True)
class Recorded:
    """An event as stored: global position ``seq``, position ``version`` in its stream."""

    seq: int
    stream: str
    version: int
    type: str
    at: datetime
    actor: str
    data: dict[str, Any] = field(hash=False)
    # True for a record this process's own writer just committed (its listeners
    # may reuse the appender's decoded events); False for one read back from
    # the database, e.g. another process's commit delivered by a catch-up.
    local: bool = field(default=False, compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Opaque state blob covering every event with ``seq <= seq``."""

    seq: int
    schema: int
    blob: bytes


# Called by the journal's single writer after each committed batch, in seq
# order, before the appenders are answered. Must not block or raise. A
# following journal (``Follower``) also calls it with other processes'
# records, always in seq order with no gap.
CommitListener = Callable[[Sequence[Recorded]], None]


class Journal(Protocol):
    """Append-only event store with a global order and per-stream versions."""

    async def open(self) -> None:
        """Connect, create or migrate the schema, start the writer."""

    async def close(self) -> None:
        """Flush pending appends, stop the writer, disconnect."""

    async def append(
        self, stream: str, expected_version: int, events: Sequence[NewEvent]
    ) -> list[Recorded]:
        """Durably append ``events`` to ``stream`` if it is at ``expected_version``.

        Returns the recorded events (with seq and version) once they are
        committed. Raises ``ConcurrencyConflict`` or ``JournalUnavailable``.
        Concurrent appends from many tasks are committed together in batches.
        """

    async def read_stream(self, stream: str, from_version: int = 1) -> list[Recorded]:
        """Events of one stream with ``version >= from_version``, in order."""

    def read_all(
        self, after_seq: int = 0, *, stream: str | None = None, limit: int | None = None
    ) -> AsyncIterator[Recorded]:
        """Committed events with ``seq > after_seq`` in seq order (streamed in chunks)."""

    async def last_seq(self) -> int:
        """The highest committed seq (0 for an empty journal)."""

    async def stream_version(self, stream: str) -> int:
        """The stream's current version (0 if it has no events)."""

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        """Store ``snapshot``, replacing older ones."""

    async def load_snapshot(self) -> Snapshot | None:
        """The latest snapshot, or None."""

    async def ping(self) -> None:
        """Raise ``JournalUnavailable`` unless the database answers."""

    def add_listener(self, listener: CommitListener) -> None:
        """Call ``listener`` with every batch this process commits, in seq order."""


@runtime_checkable
class Follower(Protocol):
    """A journal shared by several processes (PostgreSQL) that can follow the others' commits.

    Once ``follow(after_seq)`` is called, the listeners receive EVERY committed
    record after ``after_seq`` exactly once, strictly in ``seq`` order and with
    no gap, whichever process committed it: before delivering its own batch
    the writer first delivers the foreign records in between. Foreign records
    are fetched when a commit hint arrives (``LISTEN/NOTIFY``), by a periodic
    poll, and on demand with ``catch_up``. A lost hint costs latency only.
    """

    def follow(self, after_seq: int) -> None:
        """Deliver every committed record after ``after_seq`` from now on (own and foreign)."""

    async def catch_up(self) -> int:
        """Deliver whatever other processes committed so far; the last seq delivered.

        Raises ``JournalUnavailable`` when the database cannot be read.
        """
