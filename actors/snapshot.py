"""Snapshots: every stream's state as plain msgpack data, stamped with ``SCHEMA``.

Bump ``SCHEMA`` whenever a state's shape changes: an older snapshot is then
ignored and the state is rebuilt by full replay (slower start, same result).
Derived indexes are not stored; they are rebuilt on load.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import msgpack

from actors.core.branch_state import BranchState, IdempotencyEntry, rebuild_indexes
from actors.core.catalogue import CatalogueState
from actors.core.users import UsersState
from actors.core.waitlist_entries import entry_of, entry_row
from actors.core.clients import ClientsState, rebuild_client_indexes
from actors.core.model import Appointment, Branch, Client, Hold, Service, Staff, Status, User

SCHEMA = 5  # 2: Staff.service_overrides, Appointment/Hold.service_ids and total_price; 3:
# Appointment.client_confirmed_at and feedback, Branch.reschedule_notice_min, Staff.feed_token_hash;
# 4: Branch.phone and location; 5: Appointment.booked_by

State = BranchState | ClientsState | CatalogueState | UsersState


def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


_APPT, _HOLD, _BRANCH = _names(Appointment), _names(Hold), _names(Branch)
_CLIENT, _SERVICE, _USER = _names(Client), _names(Service), _names(User)
_STATUS: dict[str, Status] = {s.value: s for s in Status}  # a dict hit costs far less than Status(v)


def _row(obj: Any, names: tuple[str, ...]) -> list[Any]:
    return [getattr(obj, n) for n in names]


def _spans(d: dict[str, tuple[tuple[int, int], ...]]) -> dict[str, list[list[int]]]:
    return {k: [list(p) for p in v] for k, v in d.items()}


def _unspans(d: dict[str, list[list[int]]]) -> dict[str, tuple[tuple[int, int], ...]]:
    return {k: tuple((a, b) for a, b in v) for k, v in d.items()}


def encode_state(state: State) -> dict[str, Any]:
    match state:
        case BranchState():
            return {
                "kind": "branch", "v": state.version,
                "branch": _row(state.branch, _BRANCH) if state.branch else None,
                "staff": [[s.id, s.branch_id, s.name, list(s.service_ids), _spans(s.schedule),
                           _spans(s.exceptions), s.active,
                           {k: list(v) for k, v in s.service_overrides.items()}, s.feed_token_hash]
                          for s in state.staff.values()],
                "appts": [_row(a, _APPT) for a in state.appointments.values()],
                "holds": [_row(h, _HOLD) for h in state.holds.values()],
                "idem": [[c, k, e.request_hash, e.result_id, e.at]
                         for (c, k), e in state.idempotency.items()],
                "wait": [entry_row(e) for e in state.waitlist.values()],
            }
        case ClientsState():
            return {"kind": "clients", "v": state.version,
                    "clients": [_row(c, _CLIENT) for c in state.clients.values()], "merged": state.merged}
        case CatalogueState():
            return {"kind": "catalogue", "v": state.version,
                    "services": [_row(s, _SERVICE) for s in state.services.values()]}
        case UsersState():
            return {"kind": "users", "v": state.version,
                    "users": [_row(u, _USER) for u in state.users.values()]}
    raise TypeError(type(state))


def decode_state(data: dict[str, Any]) -> State:
    kind = data["kind"]
    if kind == "branch":
        st = BranchState(version=data["v"])
        st.branch = Branch(*data["branch"]) if data["branch"] else None
        if st.branch is not None and st.branch.location is not None:  # msgpack made the tuple a list
            st.branch = replace(st.branch, location=(st.branch.location[0], st.branch.location[1]))
        for sid, bid, name, svc, sched, exc, active, own, *feed in data["staff"]:  # 8 fields before feed_token_hash
            st.staff[sid] = Staff(sid, bid, name, tuple(svc), _unspans(sched), _unspans(exc), active,
                                  {k: (p, d) for k, (p, d) in own.items()}, *feed)
        status_at, ids_at = _APPT.index("status"), _APPT.index("service_ids")
        feedback_at = _APPT.index("feedback")
        for row in data["appts"]:
            row[status_at] = _STATUS.get(row[status_at]) or Status(row[status_at])
            row[ids_at] = tuple(row[ids_at])
            if row[feedback_at] is not None:  # msgpack turns the (rating, comment) tuple into a list
                row[feedback_at] = tuple(row[feedback_at])
            appt = Appointment(*row)
            st.appointments[appt.id] = appt
        hold_ids_at = _HOLD.index("service_ids")
        for row in data["holds"]:
            row[hold_ids_at] = tuple(row[hold_ids_at])
            hold = Hold(*row)
            st.holds[hold.id] = hold
        st.idempotency = {(c, k): IdempotencyEntry(h, r, at) for c, k, h, r, at in data["idem"]}
        branch_id = st.branch.id if st.branch else ""  # snapshots before the waitlist had none:
        st.waitlist = {row[0]: entry_of(row, branch_id) for row in data.get("wait", ())}  # none existed
        return rebuild_indexes(st)
    if kind == "clients":
        cs = ClientsState(version=data["v"])
        cs.clients = {row[0]: Client(*row) for row in data["clients"]}
        cs.merged = dict(data.get("merged", {}))  # snapshots before merges had none
        return rebuild_client_indexes(cs)
    if kind == "catalogue":
        cat = CatalogueState(version=data["v"])
        for row in data["services"]:
            svc = Service(*row)
            cat.services[svc.id] = _with_tuple(svc)
        return cat
    if kind == "users":
        us = UsersState(version=data["v"])
        for login, role, branches, pw, *rest in data["users"]:  # rows before accounts had 4 fields
            us.users[login] = User(login, role, tuple(branches), pw, *rest)
        return us
    raise ValueError(f"unknown state kind {kind!r}")


def _with_tuple(svc: Service) -> Service:
    return replace(svc, branch_ids=tuple(svc.branch_ids))


def pack(streams: dict[str, State]) -> bytes:
    return pack_encoded({name: encode_state(s) for name, s in streams.items()})


def pack_encoded(encoded: dict[str, dict[str, Any]]) -> bytes:
    blob: bytes = msgpack.packb({"schema": SCHEMA, "streams": encoded}, use_bin_type=True)
    return blob


def unpack(blob: bytes) -> dict[str, State] | None:
    """The streams in ``blob``, or None if it is of another schema or unreadable."""
    try:
        data = msgpack.unpackb(blob, raw=False, strict_map_key=False)
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            return None
        return {name: decode_state(s) for name, s in data["streams"].items()}
    except Exception:  # noqa: BLE001 - any damage means "replay instead"
        return None
