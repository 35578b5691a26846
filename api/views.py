"""Domain objects → the JSON shapes of SPEC §3. Times in the branch's zone, with offset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from actors.branch_state import BranchState
from actors.catalogue_core import CatalogueState
from actors.clients_core import ClientsState
from actors.clock import utc
from actors.model import Appointment, Branch, Client, Service, Staff
from actors.runtime import Runtime
from actors.schedule import exceptions_to_json, schedule_to_json, zone


def local_iso(ts: float, tz_name: str) -> str:
    return datetime.fromtimestamp(ts, zone(tz_name)).isoformat(timespec="seconds")


def utc_iso(ts: float) -> str:
    return utc(ts).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def branch_json(b: Branch) -> dict[str, Any]:
    return {
        "id": b.id, "name": b.name, "address": b.address, "timezone": b.timezone,
        "slot_step_min": b.slot_step_min, "horizon_days": b.horizon_days,
        "min_notice_min": b.min_notice_min, "cancel_notice_min": b.cancel_notice_min,
    }


def service_json(s: Service) -> dict[str, Any]:
    return {"id": s.id, "name": s.name, "price": s.price, "currency": s.currency,
            "duration_min": s.duration_min, "branch_ids": list(s.branch_ids)}


def service_admin_json(s: Service) -> dict[str, Any]:
    return {**service_json(s), "buffer_min": s.buffer_min, "active": s.active}


def staff_json(s: Staff) -> dict[str, Any]:
    return {"id": s.id, "branch_id": s.branch_id, "name": s.name, "service_ids": list(s.service_ids),
            "schedule": schedule_to_json(s.schedule), "exceptions": exceptions_to_json(s.exceptions)}


def client_json(c: Client) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "phone": c.phone, "telegram_id": c.telegram_id,
            "email": c.email, "birthday": c.birthday or None, "notes": c.notes,
            "source": c.source, "created_at": utc_iso(c.created_at)}


def appointment_json(a: Appointment, runtime: Runtime) -> dict[str, Any]:
    """SPEC's appointment shape, with the client, service and staff as they are now."""
    return appointment_view(a, runtime.branches[a.branch_id].state, runtime.clients.state,
                            runtime.catalogue.state)


def appointment_view(
    a: Appointment, branch: BranchState, clients: ClientsState, catalogue: CatalogueState,
) -> dict[str, Any]:
    """SPEC's appointment shape from explicit states (the live ones, or a time-travel rebuild)."""
    tz = branch.branch.timezone if branch.branch else "UTC"
    client = clients.clients.get(a.client_id)
    service = catalogue.services.get(a.service_id)
    staff = branch.staff.get(a.staff_id)
    return {
        "id": a.id, "branch_id": a.branch_id, "status": a.status.value,
        "start": local_iso(a.start, tz), "end": local_iso(a.end, tz),
        "source": a.source, "comment": a.comment,
        "created_at": utc_iso(a.created_at), "updated_at": utc_iso(a.updated_at),
        "version": a.version,
        "client": {"id": a.client_id, "name": client.name if client else "",
                   "phone": client.phone if client else None,
                   "telegram_id": client.telegram_id if client else None},
        "service": {"id": a.service_id, "name": service.name if service else "",
                    "price": service.price if service else "0.00",
                    "currency": service.currency if service else "RUB",
                    "duration_min": (a.end - a.start) // 60},
        "staff": {"id": a.staff_id, "name": staff.name if staff else ""},
    }
