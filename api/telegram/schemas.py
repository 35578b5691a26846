"""Request and response models of the client (Telegram) interface, SPEC §3.

Bodies forbid unknown fields and use strict types: a typo or a number where
a string belongs is a 400, never a silent guess. Instants are ISO 8601 with
an offset and dates ``YYYY-MM-DD``; both are parsed by ``api.params`` so that
a date that does not exist (2026-02-30) is a 400 problem document too.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from api.schemas import AppointmentOut, ClientOut, InvalidValue, RequestModel

Id = Annotated[StrictStr, Field(min_length=1, max_length=64)]
When = Annotated[StrictStr, Field(min_length=1, max_length=40, examples=["2026-03-02T10:00:00+03:00"],
                                  json_schema_extra={"format": "date-time"})]
# quart-schema reads a query parameter's ``required`` from the property's own schema.
QUERY_REQUIRED: dict[str, object] = {"required": True}
QueryId = Annotated[str, Field(min_length=1, max_length=64, json_schema_extra=QUERY_REQUIRED)]
Day = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-03-02"],
                           json_schema_extra={"format": "date", **QUERY_REQUIRED})]


class ClientAuthIn(RequestModel):
    phone: Annotated[StrictStr, Field(min_length=1, max_length=40, examples=["+7 999 123-45-67"])]
    name: Annotated[StrictStr, Field(max_length=200)] | None = None


class ClientEnvelope(BaseModel):
    """The client profile bound to this Telegram account."""

    client: ClientOut


class SlotsQuery(BaseModel):
    branch_id: QueryId
    # repeated for a visit of several services, in order (SPEC §9.2)
    service_id: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]],
                          Field(min_length=1, max_length=10, json_schema_extra=QUERY_REQUIRED)]
    date_from: Day
    date_to: Day
    staff_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None


class DayOut(BaseModel):
    date: str
    free: int


class SlotOut(BaseModel):
    start: str
    end: str
    staff_id: str


class SlotsOut(BaseModel):
    """Free slots: one per free (start, staff) pair, and a per-day count of free start times."""

    timezone: str
    days: list[DayOut]
    slots: list[SlotOut]


ServiceIdList = Annotated[list[Id], Field(min_length=1, max_length=10)]


class HoldIn(RequestModel):
    """``service_id``, or ``service_ids`` for a visit of several services (one of the two)."""

    branch_id: Id
    service_id: Id | None = None
    service_ids: ServiceIdList | None = None
    start: When
    staff_id: Id | None = None


class HoldOut(BaseModel):
    """The slot is held for this client until ``expires_at``."""

    hold_id: str
    expires_at: str
    start: str
    end: str
    staff_id: str


_BY_SLOT = ("branch_id", "service_id", "start", "staff_id")


class ForPersonIn(RequestModel):
    """«Записать другого человека»: the visit's person (any common phone format)."""

    name: Annotated[StrictStr, Field(min_length=1, max_length=200, examples=["Мама"])]
    phone: Annotated[StrictStr, Field(min_length=1, max_length=40, examples=["+7 916 555-01-02"])]

    @model_validator(mode="after")
    def _named(self) -> "ForPersonIn":
        if not self.name.strip():
            raise InvalidValue("booking.for_name")
        return self


class BookingIn(RequestModel):
    """Book by ``hold_id`` (a live hold of yours), or by ``branch_id`` + ``service_id`` + ``start``."""

    # The two forms, for OpenAPI (the validator below enforces them; null counts as absent).
    model_config = ConfigDict(extra="forbid", json_schema_extra={"oneOf": [
        {"required": ["hold_id"],
         "properties": {"hold_id": {"type": "string"}, **{k: {"type": "null"} for k in _BY_SLOT}}},
        {"required": ["branch_id", "service_id", "start"],
         "properties": {"hold_id": {"type": "null"}, "branch_id": {"type": "string"},
                        "service_id": {"type": "string"}, "start": {"type": "string"}}},
    ]})

    hold_id: Id | None = None
    branch_id: Id | None = None
    service_id: Id | None = None
    start: When | None = None
    staff_id: Id | None = None
    comment: Annotated[StrictStr, Field(max_length=1000)] = ""
    service_ids: ServiceIdList | None = None  # instead of service_id: a visit of several services
    # the visit is for this person; you get its messages ("for" in JSON: a Python keyword)
    for_: ForPersonIn | None = Field(None, alias="for")

    @model_validator(mode="after")
    def _one_way(self) -> "BookingIn":
        by_slot = (self.branch_id, self.service_id, self.start, self.staff_id, self.service_ids)
        if self.hold_id is not None:
            if any(v is not None for v in by_slot):
                raise InvalidValue("booking.not_both")
        elif self.branch_id is None or (self.service_id is None and self.service_ids is None) or self.start is None:
            raise InvalidValue("booking.hold_or_time")
        return self


class IdempotencyHeaders(BaseModel):
    idempotency_key: Annotated[
        str, Field(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$",
                   description="Any unique string (e.g. a UUID); a retry with the same key and "
                               "body returns the first answer")
    ] | None = None


class MyQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=100)] = 20
    cursor: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class RescheduleIn(RequestModel):
    """A new start for your visit; ``staff_id`` to change the master (default: the same one)."""

    start: When
    staff_id: Id | None = None


class FeedbackIn(RequestModel):
    rating: Annotated[int, Field(strict=True, ge=1, le=5, description="1 (bad) to 5 (excellent)")]
    comment: Annotated[StrictStr, Field(max_length=1000)] = ""


class AppointmentPage(BaseModel):
    """Your appointments, newest start first."""

    items: list[AppointmentOut]
    next_cursor: str | None


class NoContent(BaseModel):
    """No content."""
