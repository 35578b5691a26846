"""Waitlist entries as a branch holds them, and how the waitlist's events change them (pure).

Kept apart from ``waitlist.py`` (the decisions) so that ``branch_state`` can
apply the events without importing the slot search. An entry is
``waiting`` (no offer), ``offered`` (a live hold is kept for the client),
``booked`` (the client booked with the offer's hold) or ``ended`` (left, or
its last date passed). Entries stay in join order: the oldest matching
entry gets freed time first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from actors.core.messages import Event, WaitlistBooked, WaitlistDeclined, WaitlistEnded, WaitlistJoined, WaitlistOffered
from actors.core.model import Instant, Service

WAITING, OFFERED, BOOKED, ENDED = "waiting", "offered", "booked", "ended"
ACTIVE = frozenset({WAITING, OFFERED})


@dataclass(frozen=True, slots=True)
class Offer:
    hold_id: str
    staff_id: str
    start: Instant
    end: Instant
    block_end: Instant
    expires_at: float


@dataclass(frozen=True, slots=True)
class WaitEntry:
    id: str
    client_id: str
    services: tuple[Service, ...]  # as the catalogue had them when the client joined
    date_from: str
    date_to: str
    staff_id: str | None
    time_from: int | None  # local minutes; a start in [time_from, time_to)
    time_to: int | None
    ends_at: float
    offer_ttl_s: int
    created_at: float
    status: str = WAITING
    offer: Offer | None = None
    declined: tuple[tuple[str, Instant], ...] = ()  # (staff, start) offered before: never again
    updated_at: float = 0.0
    appointment_id: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def service_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.services)


def service_row(s: Service) -> list[Any]:
    return [s.id, s.name, s.price, s.currency, s.duration_min, s.buffer_min]


def service_of(row: list[Any], branch_id: str) -> Service:
    sid, name, price, currency, duration, buffer = row
    return Service(sid, name, price, currency, int(duration), int(buffer), (branch_id,))


def apply_waitlist(entries: dict[str, WaitEntry], event: Event, branch_id: str) -> str | None:
    """Apply one waitlist event to ``entries``; the id of a hold it releases, if any."""
    match event:
        case WaitlistJoined():
            _forget_old(entries, event.at)
            entries[event.entry_id] = WaitEntry(
                event.entry_id, event.client_id, tuple(service_of(r, branch_id) for r in event.services),
                event.date_from, event.date_to, event.staff_id, event.time_from, event.time_to,
                event.ends_at, event.offer_ttl_s, event.at, updated_at=event.at)
        case WaitlistOffered():
            e = entries[event.entry_id]
            entries[e.id] = replace(e, status=OFFERED, updated_at=event.at, offer=Offer(
                event.hold_id, event.staff_id, event.start, event.end, event.block_end, event.expires_at))
        case WaitlistDeclined():
            e = entries[event.entry_id]
            entries[e.id] = replace(e, status=WAITING if e.status == OFFERED else e.status, offer=None,
                                    declined=(*e.declined, (event.staff_id, event.start)), updated_at=event.at)
            return event.hold_id
        case WaitlistBooked():
            e = entries[event.entry_id]
            entries[e.id] = replace(e, status=BOOKED, offer=None, appointment_id=event.appointment_id,
                                    updated_at=event.at)
        case WaitlistEnded():
            e = entries[event.entry_id]
            entries[e.id] = replace(e, status=ENDED, offer=None, updated_at=event.at)
            return e.offer.hold_id if e.offer is not None else None
    return None


KEEP_CLOSED_S = 7 * 86400  # a booked or ended entry is kept this long after its last day


def _forget_old(entries: dict[str, WaitEntry], now: float) -> None:
    """Drop booked and ended entries a week past their last day (keyed on the event's time,
    so replay forgets the same ones): the state does not grow with every wait ever."""
    for old in [e.id for e in entries.values() if not e.active and e.ends_at + KEEP_CLOSED_S < now]:
        del entries[old]


def entry_row(e: WaitEntry) -> list[Any]:
    """A snapshot row (``actors/snapshot.py``)."""
    offer = e.offer
    return [e.id, e.client_id, [service_row(s) for s in e.services], e.date_from, e.date_to, e.staff_id,
            e.time_from, e.time_to, e.ends_at, e.offer_ttl_s, e.created_at, e.status,
            [offer.hold_id, offer.staff_id, offer.start, offer.end, offer.block_end, offer.expires_at]
            if offer else None, [list(d) for d in e.declined], e.updated_at, e.appointment_id]


def entry_of(row: list[Any], branch_id: str) -> WaitEntry:
    (eid, client_id, services, date_from, date_to, staff_id, time_from, time_to, ends_at, ttl, created_at,
     status, offer, declined, updated_at, appointment_id) = row
    return WaitEntry(eid, client_id, tuple(service_of(r, branch_id) for r in services), date_from, date_to,
                     staff_id, time_from, time_to, ends_at, ttl, created_at, status,
                     Offer(*offer) if offer else None, tuple((s, int(t)) for s, t in declined), updated_at,
                     appointment_id)
