"""What the journal says happened, and whether it agrees with every answer the load got.

``read_history`` folds the branch stream event by event with the core's own
``evolve`` and records, for every appointment version, which event made it
and what it looked like; plus which Idempotency-Keys created a booking or a
hold, which holds were released and which appointments their client
cancelled. ``violations`` then checks the ledger against it:

- every call answered 2xx is in the journal, as answered;
- no call answered 4xx/5xx (or never sent) is — unless another call with the
  same identity whose outcome is unknown or 2xx explains the event;
- no staff member has two overlapping occupying appointments;
- snapshot + tail (what the server loads) equals the full replay.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from dataclasses import dataclass, field
from typing import Any

from actors.core.branch_state import BranchState, evolve
from actors.core.messages import event_from
from actors.core.model import Appointment
from actors.runtime import load_states
from actors.streams import branch_stream
from storage.journal import Journal
from tests.reliability.ledger import Call, Outcome
from tests.reliability.world import MANAGER, iso_ts


@dataclass(frozen=True, slots=True)
class Step:
    """One version of one appointment, and the event that made it."""

    type: str
    actor: str
    status: str
    start: int
    staff_id: str


@dataclass
class History:
    steps: dict[tuple[str, int], Step] = field(default_factory=dict)
    booked_by_key: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> appointment id
    held_by_key: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> hold id
    released: set[str] = field(default_factory=set)
    cancelled_by_client: set[str] = field(default_factory=set)
    final: BranchState = field(default_factory=BranchState)
    events: int = 0


async def read_history(journal: Journal, branch_id: str) -> History:
    """Fold the branch's whole stream (no snapshot) and index it."""
    h = History()
    for rec in await journal.read_stream(branch_stream(branch_id)):
        event = event_from(rec.type, rec.data)
        evolve(h.final, event)
        h.events += 1
        data = rec.data
        if rec.type == "hold.placed" and data.get("idempotency_key"):
            h.held_by_key[data["idempotency_key"]] = data["hold_id"]
        elif rec.type == "hold.released":
            h.released.add(data["hold_id"])
        elif rec.type == "appointment.cancelled":
            h.cancelled_by_client.add(data["appointment_id"])
        if rec.type == "appointment.created" and data.get("idempotency_key"):
            h.booked_by_key[data["idempotency_key"]] = data["appointment_id"]
        if "appointment_id" in data:
            a = h.final.appointments[data["appointment_id"]]
            h.steps[(a.id, a.version)] = Step(rec.type, rec.actor, a.status.value, a.start, a.staff_id)
    return h


def _identity(call: Call) -> tuple[Any, ...]:
    """Calls with one identity are the ones whose effects cannot be told apart."""
    if call.kind in ("status", "reschedule"):
        return (call.kind, call.appointment_id, call.from_version, tuple(sorted(call.target.items())))
    if call.kind == "cancel":
        return (call.kind, call.appointment_id)
    if call.kind == "release":
        return (call.kind, call.hold_id)
    return (call.kind, call.key)


def _answered_matches(call: Call, step: Step | None, kind: str) -> str | None:
    """Why an acknowledged appointment answer is not in the journal as answered (None: it is)."""
    body = call.body
    if step is None:
        return f"{call.kind} answered {call.http_status} (v{body['version']}) is not in the journal"
    if step.type != kind:
        return f"{call.kind}: version {body['version']} was made by {step.type}, not {kind}"
    answered = (body["status"], iso_ts(body["start"]), body["staff"]["id"])
    if (step.status, step.start, step.staff_id) != answered:
        return f"{call.kind}: journal has {step}, the answer said {answered}"
    return None


def _acked(call: Call, h: History) -> str | None:
    """For a 2xx call: why its effect is missing (None: it is there)."""
    body = call.body
    if call.kind in ("book", "book_hold"):
        if h.booked_by_key.get(call.key or "") != body["id"]:
            return f"{call.kind} {call.key} answered 201 {body['id']} but the journal has no such booking"
        return _answered_matches(call, h.steps.get((body["id"], body["version"])), "appointment.created")
    if call.kind == "hold":
        if h.held_by_key.get(call.key or "") != body["hold_id"]:
            return f"hold {call.key} answered 201 {body['hold_id']} but the journal has no such hold"
        return None
    if call.kind == "release":
        return None if call.hold_id in h.released else f"release of {call.hold_id} answered 204, not journaled"
    kind = {"cancel": "appointment.cancelled", "status": "appointment.status_changed",
            "reschedule": "appointment.rescheduled"}[call.kind]
    if call.kind in ("status", "reschedule") and body["version"] != (call.from_version or 0) + 1:
        return f"{call.kind} of {call.appointment_id} v{call.from_version} answered v{body['version']}"
    return _answered_matches(call, h.steps.get((body["id"], body["version"])), kind)


def _reflected(call: Call, h: History) -> bool:
    """Is the effect this call asked for in the journal?"""
    if call.kind in ("book", "book_hold"):
        return (call.key or "") in h.booked_by_key
    if call.kind == "hold":
        return (call.key or "") in h.held_by_key
    if call.kind == "release":
        return call.hold_id in h.released
    if call.kind == "cancel":
        return call.appointment_id in h.cancelled_by_client
    step = h.steps.get((call.appointment_id or "", (call.from_version or 0) + 1))
    if step is None or step.actor != f"user:{MANAGER}":
        return False
    if call.kind == "status":
        return step.type == "appointment.status_changed" and step.status == call.target["status"]
    return (step.type == "appointment.rescheduled"
            and (step.start, step.staff_id) == (call.target["start"], call.target["staff_id"]))


def ledger_violations(calls: list[Call], h: History, all_calls: list[Call] | None = None) -> list[str]:
    """Check ``calls`` against the journal; ``all_calls`` (default ``calls``) may explain events."""
    explained: dict[tuple[Any, ...], bool] = defaultdict(bool)
    for c in all_calls if all_calls is not None else calls:
        if not c.failed:
            explained[_identity(c)] = True
    problems = []
    for call in calls:
        if call.outcome is Outcome.OK:
            why = _acked(call, h)
            if why:
                problems.append(why)
        elif call.failed and _reflected(call, h) and not explained[_identity(call)]:
            problems.append(f"{call.kind} {_identity(call)} answered {call.http_status or call.error} "
                            f"({call.code}) but its effect is in the journal")
    return problems


def overlaps(state: BranchState) -> list[str]:
    """Pairs of occupying appointments of one staff member that overlap (buffers included)."""
    by_staff: dict[str, list[Appointment]] = defaultdict(list)
    for a in state.appointments.values():
        if a.occupying:
            by_staff[a.staff_id].append(a)
    problems = []
    for staff_id, appts in by_staff.items():
        appts.sort(key=lambda a: a.start)
        for prev, nxt in pairwise(appts):
            if nxt.start < prev.block_end:
                problems.append(f"staff {staff_id}: {prev.id} [{prev.start}, {prev.block_end}) overlaps "
                                f"{nxt.id} [{nxt.start}, {nxt.block_end})")
    return problems


def appointment_rows(state: BranchState) -> dict[str, tuple[int, str, int, str]]:
    return {a.id: (a.version, a.status.value, a.start, a.staff_id) for a in state.appointments.values()}


async def loaded_matches_replay(journal: Journal, branch_id: str, h: History) -> list[str]:
    """What a server start loads (snapshot + tail) must equal the full fold."""
    states, _ = await load_states(journal)
    loaded = states.get(branch_stream(branch_id))
    if not isinstance(loaded, BranchState):
        return ["the branch is missing from snapshot + tail"]
    if loaded.version != h.final.version or appointment_rows(loaded) != appointment_rows(h.final):
        return [f"snapshot + tail (v{loaded.version}) differs from the full replay (v{h.final.version})"]
    return []
