"""A bounded cache of clients' availability answers (``Scheduler.free_slots``).

An answer is a pure function of the branch's committed state, the service's
duration and buffer, the query (dates, staff) and the asking client's own
hold, and of ``now``. An entry is therefore kept with

- the committed state it was computed from, **the object and its stream
  version**: any committed event of the branch (a booking, a hold, a release,
  a cancel, a schedule or rule change — this process's or another's, which the
  runtime's commit listener folds into the same committed state) bumps the
  version, and a state rebuilt from the journal is another object; either
  makes the entry a miss;
- the key ``(branch, service, duration, buffer, first, last, staff, own hold)``:
  the client matters only through their own hold (a client holds at most one
  per branch, and only it is left out of the blocking holds), so clients
  without a hold share an answer;
- the interval of ``now`` over which time alone cannot change it (``Stable``):
  from the instant it was computed until ``now + minimum notice`` passes the
  answer's first start, ``now + horizon`` reaches the next grid start beyond
  it, or the earliest blocking live hold expires — whichever comes first.

A hit is then the answer an uncached computation would give at that ``now``
(``tests/core/test_availability_cache.py`` checks this for random commands and
clock moves). Callers may keep a rendering with the entry (``body``): it is
computed from the answer alone. Least recently used entries are dropped beyond
``max_entries``.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from actors.core.branch_state import BranchState

T = TypeVar("T")

INF = math.inf


@dataclass(frozen=True, slots=True)
class Stable:
    """The ``now`` values for which an answer computed at ``since`` stays the same, state unchanged.

    The comparisons are the ones ``free_slots`` makes (``now + notice`` against a
    start, ``now + horizon`` against a start, ``now < expires_at``), computed the
    same way, so the bound is exact, not approximate.
    """

    since: float
    notice_s: int
    horizon_s: int
    first_start: float = INF  # the answer's earliest slot start (∞: no slot to lose)
    next_start: float = INF  # the earliest grid start beyond now + horizon (∞: none to gain)
    holds_until: float = INF  # the earliest expiry of a hold that hides slots (∞: none)

    def covers(self, now: float) -> bool:
        return (self.since <= now < self.holds_until
                and now + self.notice_s <= self.first_start
                and now + self.horizon_s < self.next_start)


@dataclass(slots=True)
class Entry(Generic[T]):
    state: BranchState
    version: int
    stable: Stable
    value: T
    body: bytes | None = None  # the caller's rendering of ``value``, made on first use


class AvailabilityCache(Generic[T]):
    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Entry[T]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, state: BranchState, now: float) -> Entry[T] | None:
        entry = self._entries.get(key)
        if entry is not None and entry.state is state and entry.version == state.version \
                and entry.stable.covers(now):
            self._entries.move_to_end(key)
            self.hits += 1
            return entry
        self.misses += 1
        return None

    def put(self, key: Hashable, state: BranchState, stable: Stable, value: T) -> Entry[T]:
        entry = Entry(state, state.version, stable, value)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return entry

    def clear(self) -> None:
        self._entries.clear()
