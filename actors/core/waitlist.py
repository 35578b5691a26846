"""The waitlist's decisions (SPEC §9.3): who gets freed time, and when an offer ends. Pure.

The branch actor decides an offer in the same turn as the event that frees
the time, so the offer is one more decision in the branch stream: with
several processes, optimistic concurrency makes it happen once. Time frees
up when a visit is cancelled (by the client or a manager's status move),
moved (its old time), a hold is released or replaced, a hold or an offer
runs out (``check``, sent by ``actors/waitlist_timer.py`` when due), an
entry holding an offer leaves, or a master gets a new working exception
(that whole day).

Each freed span (a master, a stretch of time) goes to the entries in join
order: the oldest entry that matches gets the earliest free grid start of
its visit that touches the span — a hold for the client for the entry's
``offer_ttl_s`` (``hold.placed`` + ``waitlist.offered``). What is left of
the span goes on to the next entries. An entry matches when it waits (no
offer), its client holds no other time in the branch (they are choosing
already), its master (if named) is the span's, that master does every
service, the start lies on the client grid inside notice and horizon, on a
date of the entry and at a local time in ``[time_from, time_to)``, the
visit is free, and the entry was never offered that (master, start).

An offer ends when the client books with it (``waitlist.booked``), declines
it (``DELETE /slots/hold``), lets it run out, replaces it with another hold
of theirs, or leaves the list; its time is then offered to the next
matching entry (``waitlist.declined`` carries the span). So one slot is
never offered to two entries at once, and an offer never outlives its entry.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from actors.core.branch_state import BranchState
from actors.core.errors import InvalidInput, NotFound
from actors.core.ids import derived_ids
from actors.core.messages import (
    AppointmentBooked,
    CancelledByClient,
    Event,
    HoldLapsed,
    HoldReleased,
    JoinWaitlist,
    LeaveWaitlist,
    Rescheduled,
    SlotHeld,
    StaffUpdated,
    StatusChanged,
    WaitlistBooked,
    WaitlistDeclined,
    WaitlistEnded,
    WaitlistJoined,
    WaitlistOffered,
)
from actors.core.model import Hold, Instant, Service, Staff
from actors.core.schedule import local_date, local_instant, zone
from actors.core.slots import blocking_holds, bookable_window, grid_starts, is_free
from actors.core.visits import journaled_ids, visit_price, visit_span
from actors.core.waitlist_entries import OFFERED, WAITING, WaitEntry, service_row

MAX_ACTIVE_PER_CLIENT = 10  # a client's waiting entries in one branch


@dataclass(frozen=True, slots=True)
class Span:
    """Time a master has free again: ``[start, end)`` (an appointment's or hold's block)."""

    staff_id: str
    start: float
    end: float


# ------------------------------------------------------------------ commands


def join(state: BranchState, cmd: JoinWaitlist, now: float) -> list[Event]:
    """``POST /waitlist``: the entry, if some master of the branch could ever take the visit."""
    assert state.branch is not None
    tz = zone(state.branch.timezone)
    first, last = date.fromisoformat(cmd.date_from), date.fromisoformat(cmd.date_to)
    if last < local_date(int(now), tz):
        raise InvalidInput("waitlist.past")
    if cmd.staff_id is not None:
        staff = state.staff.get(cmd.staff_id)
        if staff is None or not staff.active:
            raise NotFound("staff.not_in_branch")
        masters = [staff]
    else:
        masters = [s for s in state.staff.values() if s.active]
    if not any(_does_all(s, cmd.services) for s in masters):
        raise InvalidInput("waitlist.nobody")
    mine = sum(1 for e in state.waitlist.values() if e.client_id == cmd.client_id and e.active)
    if mine >= MAX_ACTIVE_PER_CLIENT:
        raise InvalidInput("waitlist.too_many", limit=MAX_ACTIVE_PER_CLIENT)
    ends_at = local_instant(last + timedelta(days=1), 0, tz)
    return [WaitlistJoined(cmd.entry_id, cmd.client_id, [service_row(s) for s in cmd.services],
                           first.isoformat(), last.isoformat(), cmd.staff_id, cmd.time_from, cmd.time_to,
                           ends_at, cmd.offer_ttl_s, now)]


def leave(state: BranchState, cmd: LeaveWaitlist, now: float) -> list[Event]:
    """``DELETE /waitlist/{id}``: the entry ends (an offer it holds is passed on); again: nothing."""
    entry = state.waitlist.get(cmd.entry_id)
    if entry is None or entry.client_id != cmd.client_id:
        raise NotFound("waitlist.not_found")
    if not entry.active:
        return []
    return [*_withdraw(entry, "ended", now), WaitlistEnded(entry.id, entry.client_id, "left", now)]


def check(state: BranchState, now: float) -> list[Event]:
    """What time alone changed by ``now``: offers run out, entries past their dates end, and
    holds that ran out while someone waits are let go (so their time is offered)."""
    events: list[Event] = []
    offer_holds = set()
    for e in state.waitlist.values():
        if not e.active:
            continue
        if e.offer is not None:
            offer_holds.add(e.offer.hold_id)
        if e.ends_at <= now:
            events += [*_withdraw(e, "ended", now), WaitlistEnded(e.id, e.client_id, "expired", now)]
        elif e.offer is not None and e.offer.expires_at <= now:
            events += _withdraw(e, "expired", now)
    if any(e.active for e in state.waitlist.values()):
        events += [HoldLapsed(h.id, now) for h in state.holds.values()
                   if h.expires_at <= now and h.id not in offer_holds]
    return events


def next_due(state: BranchState) -> float:
    """When ``check`` next has something to do (``inf``: never, as things stand)."""
    due = math.inf
    waiting = False
    for e in state.waitlist.values():
        if e.active:
            waiting = True
            due = min(due, e.ends_at, e.offer.expires_at if e.offer is not None else math.inf)
    if waiting:
        due = min(due, min((h.expires_at for h in state.holds.values()), default=math.inf))
    return due


def _withdraw(e: WaitEntry, reason: str, now: float) -> list[Event]:
    if e.offer is None:
        return []
    o = e.offer
    return [WaitlistDeclined(e.id, e.client_id, o.hold_id, o.staff_id, o.start, o.block_end, reason, now)]


# ------------------------------------------------------------------ what frees time


def freed_spans(before: BranchState, events: Sequence[Event]) -> list[Span]:
    """The time ``events`` give back, read from the state they are decided against."""
    if not events or not any(e.active for e in before.waitlist.values()):
        return []
    out: list[Span] = []
    for ev in events:
        match ev:
            case CancelledByClient() | Rescheduled():
                a = before.appointments.get(ev.appointment_id)
                if a is not None and a.occupying:
                    out.append(Span(a.staff_id, a.start, a.block_end))
            case StatusChanged() if ev.status == "cancelled" and ev.previous != "cancelled":
                a = before.appointments.get(ev.appointment_id)
                if a is not None:
                    out.append(Span(a.staff_id, a.start, a.block_end))
            case HoldReleased() | HoldLapsed():
                h = before.holds.get(ev.hold_id)
                if h is not None:
                    out.append(Span(h.staff_id, h.start, h.block_end))
            case SlotHeld():  # the client's other hold in the branch is replaced
                h = before.holds.get(before.hold_of_client.get(ev.client_id, ""))
                if h is not None:
                    out.append(Span(h.staff_id, h.start, h.block_end))
            case WaitlistDeclined():
                out.append(Span(ev.staff_id, ev.start, ev.block_end))
            case StaffUpdated() if "exceptions" in ev.changes and before.branch is not None:
                out += _new_days(before, ev.staff_id, ev.changes["exceptions"])
    return out


def _new_days(before: BranchState, staff_id: str, exceptions: dict[str, list[list[int]]]) -> list[Span]:
    """Whole local days whose exception changed (a new working exception may add hours)."""
    staff = before.staff.get(staff_id)
    assert before.branch is not None
    tz = zone(before.branch.timezone)
    old = staff.exceptions if staff is not None else {}
    out = []
    for day, intervals in exceptions.items():
        if tuple(tuple(p) for p in intervals) != tuple(old.get(day, ())):
            d = date.fromisoformat(day)
            out.append(Span(staff_id, local_instant(d, 0, tz), local_instant(d + timedelta(days=1), 0, tz)))
    return out


# ------------------------------------------------------------------ after the events


def follow_up(state: BranchState, events: Sequence[Event], freed: Iterable[Span], now: float) -> list[Event]:
    """The waitlist's reaction to ``events``, decided against the state right after them."""
    spans = list(freed)
    if not state.waitlist or not (spans or any(isinstance(ev, _TOUCH_HOLDS) for ev in events)):
        return []
    out: list[Event] = []
    booked = {ev.hold_id: ev.appointment_id for ev in events if isinstance(ev, AppointmentBooked) and ev.hold_id}
    released = {ev.hold_id for ev in events if isinstance(ev, HoldReleased)}
    busy: set[str] = set()  # entries whose offer ended just now: not offered again in this turn
    for e in state.waitlist.values():
        if e.status != OFFERED or e.offer is None:
            continue
        o = e.offer
        if o.hold_id in booked:
            out.append(WaitlistBooked(e.id, e.client_id, booked[o.hold_id], now))
        elif o.hold_id not in state.holds:
            reason = "declined" if o.hold_id in released else "expired" if o.expires_at <= now else "replaced"
            out.append(WaitlistDeclined(e.id, e.client_id, o.hold_id, o.staff_id, o.start, o.block_end, reason, now))
            spans.append(Span(o.staff_id, o.start, o.block_end))
            busy.add(e.id)
    if spans:
        out += offers(state, spans, now, skip=busy,
                      declined={(ev.entry_id, ev.staff_id, ev.start) for ev in [*events, *out]
                                if isinstance(ev, WaitlistDeclined)})
    return out


# Events after which an offer's hold may be gone (booked with, released, replaced or pruned).
_TOUCH_HOLDS = (AppointmentBooked, HoldReleased, SlotHeld)


def offers(state: BranchState, spans: Sequence[Span], now: float, *, skip: set[str] | frozenset[str] = frozenset(),
           declined: set[tuple[str, str, int]] | None = None) -> list[Event]:
    """Offer each freed span to the oldest matching entries (each gets at most one offer)."""
    assert state.branch is not None
    declined = declined or set()
    earliest, latest = bookable_window(state, now)
    holds = blocking_holds(state, now, None)
    taken: list[Span] = []  # offered in this call
    served: set[str] = set()  # clients offered in this call
    out: list[Event] = []
    new_id = derived_ids(f"waitlist:{state.branch.id}:{state.version}")
    tz = zone(state.branch.timezone)
    # Wishes alike (same master, length, dates and hours) that found no start need not look again:
    # an offer in this call only takes time away. A thousand entries waiting for the same thing
    # cost one search. Only a search free of declined starts is remembered (declines only remove).
    nothing: set[tuple[object, ...]] = set()
    for e in state.waitlist.values():
        if e.status != WAITING or e.id in skip or e.client_id in served or _holding(state, e.client_id, now):
            continue  # (one live hold per client and branch: one offer per client at a time)
        for i, span in enumerate(spans):
            staff = state.staff.get(span.staff_id)
            if staff is None or (e.staff_id is not None and e.staff_id != staff.id) or not _does_all(staff, e.services):
                continue
            duration, block = visit_span(staff, e.services)
            alike = (i, staff.id, duration, block, e.date_from, e.date_to, e.time_from, e.time_to)
            if alike in nothing:
                continue
            start = _first_start(state, e, staff, span, duration, block, (earliest, latest), holds, taken,
                                 declined, tz)
            if start is None:
                if not e.declined and not any(d[0] == e.id for d in declined):
                    nothing.add(alike)
                continue
            hold_id = new_id()
            expires = now + e.offer_ttl_s
            out += [SlotHeld(hold_id, e.client_id, e.services[0].id, staff.id, start, start + duration,
                             start + block, expires, now, None, None, journaled_ids(e.services),
                             visit_price(staff, e.services)),
                    WaitlistOffered(e.id, e.client_id, hold_id, staff.id, start, start + duration, start + block, expires, now)]
            taken.append(Span(staff.id, start, start + block))
            served.add(e.client_id)
            break
    return out


def _first_start(state: BranchState, e: WaitEntry, staff: Staff, span: Span, duration: int, block: int,
                 window: tuple[float, float], holds: list[Hold], taken: list[Span],
                 declined: set[tuple[str, str, int]], tz: ZoneInfo) -> Instant | None:
    """A grid start of ``e``'s visit with ``staff`` whose block touches ``span``: the span's own
    start when it fits (the time that was given up), else the earliest."""
    first_day, last_day = date.fromisoformat(e.date_from), date.fromisoformat(e.date_to)
    lo, hi = max(span.start - block + 1, window[0]), min(span.end - 1, window[1])
    if lo > hi:
        return None
    day = max(local_date(math.ceil(lo), tz), first_day)
    end_day = min(local_date(math.floor(hi), tz), last_day)
    while day <= end_day:
        starts = sorted(grid_starts(state, staff, day, duration), key=lambda t: (t != span.start, t))
        for t in starts:
            if t < lo or t > hi or (staff.id, t) in e.declined or (e.id, staff.id, t) in declined:
                continue
            if not _in_hours(e, t, tz):
                continue
            if any(s.staff_id == staff.id and s.start < t + block and t < s.end for s in taken):
                continue
            if is_free(state, staff.id, t, t + block, holds):
                return t
        day += timedelta(days=1)
    return None


def _in_hours(e: WaitEntry, t: Instant, tz: ZoneInfo) -> bool:
    if e.time_from is None and e.time_to is None:
        return True
    local = datetime.fromtimestamp(t, tz)
    minute = local.hour * 60 + local.minute
    return (e.time_from or 0) <= minute < (e.time_to if e.time_to is not None else 24 * 60)


def _holding(state: BranchState, client_id: str, now: float) -> bool:
    hold = state.holds.get(state.hold_of_client.get(client_id, ""))
    return hold is not None and hold.live(now)


def _does_all(staff: Staff, services: Sequence[Service]) -> bool:
    return staff.active and all(s.id in staff.service_ids for s in services)
