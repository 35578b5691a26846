"""Domain objects → the JSON shapes of SPEC §3. Times in the branch's zone, with offset."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from quart import Response

from actors.core.clock import utc
from actors.core.model import Appointment, Branch, Client, Service, Staff
from actors.scheduler import Card, Scheduler
from actors.core.schedule import exceptions_to_json, schedule_to_json, zone
from actors.core.visits import money, own_duration_min, own_price


def local_iso(ts: float, tz_name: str) -> str:
    return datetime.fromtimestamp(ts, zone(tz_name)).isoformat(timespec="seconds")


def utc_iso(ts: float) -> str:
    return utc(ts).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def branch_json(b: Branch) -> dict[str, Any]:
    return {
        "id": b.id, "name": b.name, "address": b.address, "timezone": b.timezone,
        "slot_step_min": b.slot_step_min, "horizon_days": b.horizon_days,
        "min_notice_min": b.min_notice_min, "cancel_notice_min": b.cancel_notice_min,
        "reschedule_notice_min": b.reschedule_notice_min, "phone": b.phone,
        "location": {"lat": b.location[0], "lon": b.location[1]} if b.location else None,
    }


def service_json(s: Service) -> dict[str, Any]:
    return {"id": s.id, "name": s.name, "price": s.price, "currency": s.currency,
            "duration_min": s.duration_min, "branch_ids": list(s.branch_ids)}


def service_admin_json(s: Service) -> dict[str, Any]:
    return {**service_json(s), "buffer_min": s.buffer_min, "active": s.active}


def staff_json(s: Staff) -> dict[str, Any]:
    return {"id": s.id, "branch_id": s.branch_id, "name": s.name, "service_ids": list(s.service_ids),
            "schedule": schedule_to_json(s.schedule), "exceptions": exceptions_to_json(s.exceptions),
            "service_overrides": overrides_json(s)}


def overrides_json(s: Staff) -> list[dict[str, Any]]:
    """A master's own prices and durations (SPEC §9.2), by service id."""
    return [{"service_id": sid, "price": price, "duration_min": duration}
            for sid, (price, duration) in sorted(s.service_overrides.items())]


def client_json(c: Client) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "phone": c.phone, "telegram_id": c.telegram_id,
            "email": c.email, "birthday": c.birthday or None, "notes": c.notes,
            "source": c.source, "created_at": utc_iso(c.created_at)}


def appointment_json(a: Appointment, scheduler: Scheduler) -> dict[str, Any]:
    """SPEC's appointment shape, with the client, service and staff as committed now."""
    return card_json(scheduler.card(a))


def card_json(card: Card) -> dict[str, Any]:
    """SPEC's appointment shape from a card (the live one, or a time-travel rebuild)."""
    a, tz, client, service, staff = card.appointment, card.timezone, card.client, card.service, card.staff
    services = [{"id": s.id, "name": s.name, "price": own_price(staff, s),
                 "duration_min": own_duration_min(staff, s) if staff else s.duration_min} for s in card.services]
    if len(a.services_of_visit) == 1 and services:  # one service: its length is the visit's
        services[0]["duration_min"] = (a.end - a.start) // 60
    return {
        "id": a.id, "branch_id": a.branch_id, "status": a.status.value,
        "start": local_iso(a.start, tz), "end": local_iso(a.end, tz),
        "source": a.source, "comment": a.comment,
        "created_at": utc_iso(a.created_at), "updated_at": utc_iso(a.updated_at),
        "version": a.version,
        "client": {"id": client.id if client else a.client_id, "name": client.name if client else "",
                   "phone": client.phone if client else None,
                   "telegram_id": client.telegram_id if client else None},
        "service": {"id": a.service_id, "name": service.name if service else "",
                    "price": services[0]["price"] if services else "0.00",
                    "currency": service.currency if service else "RUB",
                    "duration_min": services[0]["duration_min"] if services else (a.end - a.start) // 60},
        "staff": {"id": a.staff_id, "name": staff.name if staff else ""},
        "client_confirmed_at": utc_iso(a.client_confirmed_at) if a.client_confirmed_at is not None else None,
        "feedback": {"rating": a.feedback[0], "comment": a.feedback[1]} if a.feedback else None,
        "services": services,
        "total_price": a.total_price or money(Decimal(str(s["price"])) for s in services),
        "booked_by": a.booked_by,  # the booker's client id when booked for another person
    }


def json_response(payload: Any, status: int = 200) -> Response:
    """Serialise once with orjson (a dict returned from a handler is first copied by
    quart-schema's ``TypeAdapter(dict).dump_python``, which costs as much as a slot list)."""
    return Response(orjson.dumps(payload), status=status, content_type="application/json")
