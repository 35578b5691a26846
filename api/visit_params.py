"""A request's services: ``service_id``, or ``service_ids`` for a visit of several (SPEC §9.2)."""

from __future__ import annotations

from collections.abc import Sequence

from actors.core.errors import InvalidInput
from actors.scheduler import ServiceIds
from api.problems import ApiError
from api.schemas import OverrideIn


def wanted(service_ids: Sequence[str]) -> ServiceIds:
    """``?service_id=`` given once: that service (single-service answers stay as they were);
    repeated: the visit's services in order."""
    return service_ids[0] if len(service_ids) == 1 else tuple(service_ids)


def one_of(service_id: str | None, service_ids: Sequence[str] | None) -> ServiceIds:
    """A body's ``service_id`` or ``service_ids``: exactly one of them (422 otherwise)."""
    if (service_id is None) == (service_ids is None):
        raise ApiError(422, "validation_error", "visit.one_of")
    return service_id if service_id is not None else wanted(service_ids or ())


def overrides_of(rows: Sequence[OverrideIn]) -> dict[str, tuple[str | None, int | None]]:
    """``service_overrides`` of a staff body as the model keeps them (400 for a repeat or an
    empty row; the application layer checks the services against the catalogue and the master)."""
    out: dict[str, tuple[str | None, int | None]] = {}
    for row in rows:
        if row.service_id in out:
            raise InvalidInput("override.repeated", service=row.service_id)
        if row.price is None and row.duration_min is None:
            raise InvalidInput("override.empty")
        out[row.service_id] = (row.price, row.duration_min)
    return out
