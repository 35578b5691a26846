"""What ``run.py migrate`` compares between the SQLite source and the PostgreSQL target (``storage/migrate.py``).

A ``Tally`` is one pass over a journal in seq order: per-stream event counts
and last versions, the last seq, a digest of every event and the states it
folds into, by the server's own ``fold``. Events are digested with their
JSON keys sorted (jsonb keeps keys in its own order) and states as their
snapshot encoding with sorted keys. A ``RowTally`` digests the rows of a
table beside the journal, in any order (the two databases sort text
differently).

This is the one module under ``storage/`` that knows the states: the check
is a replay, and a replay needs them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from actors.snapshot import State, encode_state
from actors.streams import BRANCH_PREFIX, CLIENTS, fold, fresh
from storage.journal import Recorded

_DUMP = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
ROLLED_BACK = "the transaction was rolled back, the target holds no events"


class MigrationRefused(Exception):
    """Nothing was copied and the target is as it was (exit code 2)."""


class MigrationFailed(Exception):
    """The copy or a check failed; the transaction was rolled back (exit code 1)."""


@dataclass
class Tally:
    """What a pass over a journal saw: per-stream counts and versions, a digest, the folded states."""

    streams: dict[str, list[int]] = field(default_factory=dict)  # stream → [events, last version]
    last_seq: int = 0
    events: int = 0
    states: dict[str, State] = field(default_factory=dict)
    _digest: Any = field(default_factory=lambda: hashlib.blake2b(digest_size=32))

    def add(self, records: Sequence[Recorded]) -> None:
        dumps, update = orjson.dumps, self._digest.update
        for r in records:
            update(dumps((r.seq, r.stream, r.version, r.type, r.at, r.actor, r.data), option=_DUMP))
            seen = self.streams.get(r.stream)
            if seen is None:
                self.streams[r.stream] = [1, r.version]
            else:
                seen[0] += 1
                seen[1] = max(seen[1], r.version)
        if records:
            self.last_seq = records[-1].seq
            self.events += len(records)
        fold(records, self.states)

    @property
    def digest(self) -> str:
        return self._digest.hexdigest()  # type: ignore[no-any-return]

    def state_digests(self) -> dict[str, bytes]:
        """Each stream's state as a digest; the states themselves are dropped (memory)."""
        digests = {name: state_digest(s) for name, s in self.states.items()}
        self.states = {}
        return digests


@dataclass
class RowTally:
    """Rows of a table beside the journal: their count and an order-free digest (a sum of row hashes)."""

    rows: int = 0
    total: int = 0

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        for row in rows:
            digest = hashlib.blake2b(orjson.dumps(list(row), option=_DUMP), digest_size=32).digest()
            self.total = (self.total + int.from_bytes(digest, "big")) % 2**256
        self.rows += len(rows)


def state_digest(state: State) -> bytes:
    return hashlib.blake2b(orjson.dumps(encode_state(state), option=_DUMP, default=str)).digest()


def differing(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """Streams whose states differ; a stream missing on one side counts as fresh there."""
    def of(d: dict[str, bytes], name: str) -> bytes:
        return d[name] if name in d else state_digest(fresh(name))

    return sorted(n for n in a.keys() | b.keys() if of(a, n) != of(b, n))


def compare(copied: Tally, back: Tally, expected: dict[str, bytes], replayed: dict[str, bytes]) -> None:
    """The source's pass against the target's; any difference is a ``MigrationFailed``."""
    if back.streams != copied.streams or back.last_seq != copied.last_seq:
        differ = sorted(n for n in back.streams.keys() | copied.streams.keys()
                        if back.streams.get(n) != copied.streams.get(n))
        raise MigrationFailed(f"the target's events differ from the source's: last seq {back.last_seq} vs"
                              f" {copied.last_seq}, counts or versions in {differ[:10]}; {ROLLED_BACK}")
    if back.digest != copied.digest:
        raise MigrationFailed(f"the target's events read back differ from the source's (digest); {ROLLED_BACK}")
    differ = differing(expected, replayed)
    if differ:
        raise MigrationFailed(f"replaying the target gives another state than replaying the source in"
                              f" {differ[:10]}; {ROLLED_BACK}")


def census(states: dict[str, State]) -> tuple[int, int, int]:
    """(branches, appointments, clients) of folded states, for the report."""
    branches = [s for n, s in states.items() if n.startswith(BRANCH_PREFIX)]
    clients = states.get(CLIENTS)
    return (sum(1 for s in branches if getattr(s, "branch", None) is not None),
            sum(len(getattr(s, "appointments", {})) for s in branches),
            len(getattr(clients, "clients", {})))


def stream_table(streams: dict[str, list[int]], limit: int = 20) -> list[str]:
    """Events per stream; with many branches, the branch streams are summed into one line."""
    rows = sorted(streams.items())
    if len(rows) > limit:
        branch = [(n, v) for n, v in rows if n.startswith(BRANCH_PREFIX)]
        rows = [(n, v) for n, v in rows if not n.startswith(BRANCH_PREFIX)]
        rows.append((f"{BRANCH_PREFIX}* ({len(branch)} streams)", [sum(v[0] for _, v in branch), 0]))
    width = max((len(n) for n, _ in rows), default=6)
    return [f"{'stream':<{width}}  {'events':>10}"] + [f"{n:<{width}}  {v[0]:>10,}" for n, v in rows]
