"""A visit: one or more services done back to back by one master (SPEC §9.2); pure.

A master may have their own price and duration for a service
(``Staff.service_overrides``); every computation of a visit's length and
price goes through here, so slots, holds, bookings, reschedules and reports
agree. The visit's length is the sum of the master's durations of its
services; only the last service's buffer follows it. Its price is the sum
of the master's prices, fixed on the appointment at booking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from actors.core.errors import DomainError, InvalidInput
from actors.core.model import Service, Staff

Visit = tuple[Service, ...]  # the visit's services in order; never empty
MAX_SERVICES = 10  # one visit holds at most this many services


class StaffLacksService(DomainError):
    """The named master does not do one of the visit's services (409)."""

    code = "staff_lacks_service"


def check_visit_ids(service_ids: Sequence[str]) -> None:
    """A visit names 1..MAX_SERVICES services, none twice (400 otherwise)."""
    if not 1 <= len(service_ids) <= MAX_SERVICES:
        raise InvalidInput("visit.count", max=MAX_SERVICES)
    if len(set(service_ids)) != len(service_ids):
        raise InvalidInput("visit.repeated")


def as_visit(service: Service | Sequence[Service]) -> Visit:
    """A single service as a visit of one; a sequence as it is."""
    return (service,) if isinstance(service, Service) else tuple(service)


def own_duration_min(staff: Staff, service: Service) -> int:
    """The master's duration of ``service`` (their own, else the catalogue's)."""
    own = staff.service_overrides.get(service.id)
    return own[1] if own is not None and own[1] is not None else service.duration_min


def own_price(staff: Staff | None, service: Service) -> str:
    """The master's price of ``service`` (their own, else the catalogue's)."""
    own = staff.service_overrides.get(service.id) if staff is not None else None
    return own[0] if own is not None and own[0] is not None else service.price


def does_all(staff: Staff, visit: Visit) -> bool:
    return staff.active and all(s.id in staff.service_ids for s in visit)


def visit_span(staff: Staff, visit: Visit) -> tuple[int, int]:
    """(duration, duration + the last service's buffer) of the visit with ``staff``, in seconds."""
    if len(visit) == 1 and not staff.service_overrides:  # the common case, on the hot path
        svc = visit[0]
        return svc.duration_min * 60, (svc.duration_min + svc.buffer_min) * 60
    duration = sum(own_duration_min(staff, s) for s in visit) * 60
    return duration, duration + visit[-1].buffer_min * 60


def visit_price(staff: Staff | None, visit: Visit) -> str:
    """The visit's total with the master's own prices, as a decimal string ("3500.00")."""
    return money(Decimal(own_price(staff, s)) for s in visit)


def money(amounts: Iterable[Decimal]) -> str:
    """The sum of ``amounts`` as a decimal string with cents."""
    return str(sum(amounts, Decimal("0")).quantize(Decimal("0.01")))


def journaled_ids(visit: Visit) -> list[str] | None:
    """What an event stores of the services: None for one (old events' shape), all ids otherwise."""
    return [s.id for s in visit] if len(visit) > 1 else None


def check_staff(staff: Staff, visit: Visit) -> None:
    """StaffLacksService when the named master does not do every service of the visit."""
    for svc in visit:
        if svc.id not in staff.service_ids:
            raise StaffLacksService("visit.staff_lacks_service", service=svc.name, staff=staff.name)


def encode_overrides(overrides: Mapping[str, tuple[str | None, int | None]]) -> dict[str, list[object]]:
    """A master's own values as the journal stores them: service_id -> [price|None, duration|None]."""
    return {sid: [price, duration] for sid, (price, duration) in overrides.items()}


def price_range(staff: Sequence[Staff], service: Service) -> tuple[str, str]:
    """(lowest, highest) price of ``service`` among the masters who do it (catalogue if none)."""
    prices = [Decimal(own_price(s, service)) for s in staff if s.active and service.id in s.service_ids]
    if not prices:
        return service.price, service.price
    return money([min(prices)]), money([max(prices)])


Overrides = Mapping[str, tuple[str | None, int | None]]


def check_overrides(overrides: Overrides, service_ids: Sequence[str]) -> None:
    """Own values only for services the master does (400 otherwise)."""
    for sid in overrides:
        if sid not in service_ids:
            raise InvalidInput("override.not_done", service=sid)


def with_overrides_checked(staff: Staff, changes: Mapping[str, object]) -> dict[str, object]:
    """A staff change with its ``service_overrides`` checked against the master's services
    after the change; a service the master stops doing takes its own values with it."""
    out = dict(changes)
    service_ids = out.get("service_ids", staff.service_ids)
    assert isinstance(service_ids, tuple)
    if "service_overrides" in out:
        own = out["service_overrides"]
        assert isinstance(own, dict)
        check_overrides(own, service_ids)
    elif any(sid not in service_ids for sid in staff.service_overrides):
        out["service_overrides"] = {k: v for k, v in staff.service_overrides.items() if k in service_ids}
    return out
