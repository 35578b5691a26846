"""Services (stream ``catalogue``): a small, rarely written stream whose ``decide``
logic is a few checks, kept here beside its ``evolve``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from actors.core.errors import InvalidInput, NotFound
from actors.core.messages import Event, ServiceAdded, ServiceRemoved, ServiceUpdated
from actors.core.model import Service


@dataclass(slots=True)
class CatalogueState:
    version: int = 0
    services: dict[str, Service] = field(default_factory=dict)

    def service(self, service_id: str, *, active_only: bool = True) -> Service:
        svc = self.services.get(service_id)
        if svc is None or (active_only and not svc.active):
            raise NotFound("service.not_found")
        return svc

    def copy(self) -> CatalogueState:
        return CatalogueState(self.version, dict(self.services))


def evolve_catalogue(state: CatalogueState, event: Event) -> CatalogueState:
    state.version += 1
    match event:
        case ServiceAdded():
            state.services[event.service_id] = Service(
                event.service_id, event.name, event.price, event.currency, event.duration_min,
                event.buffer_min, tuple(event.branch_ids))
        case ServiceUpdated():
            changes = dict(event.changes)
            if "branch_ids" in changes:
                changes["branch_ids"] = tuple(changes["branch_ids"])
            state.services[event.service_id] = replace(state.services[event.service_id], **changes)
        case ServiceRemoved():
            state.services[event.service_id] = replace(state.services[event.service_id], active=False)
        case _:
            raise TypeError(f"not a catalogue event: {event!r}")
    return state


def add_service(state: CatalogueState, service: Service) -> list[Event]:
    if service.id in state.services:
        raise InvalidInput("service.exists")
    s = service
    return [ServiceAdded(s.id, s.name, s.price, s.currency, s.duration_min, s.buffer_min, list(s.branch_ids))]


def update_service(state: CatalogueState, service_id: str, changes: dict[str, Any]) -> list[Event]:
    current = state.service(service_id, active_only=False)  # an archived service can be edited and restored
    diff = {k: (list(v) if k == "branch_ids" else v) for k, v in changes.items() if getattr(current, k) != v}
    return [ServiceUpdated(service_id, diff)] if diff else []


def remove_service(state: CatalogueState, service_id: str) -> list[Event]:
    state.service(service_id)
    return [ServiceRemoved(service_id)]
