"""Request and response models of the manager dashboard and the journal (SPEC §3).

Requests forbid unknown fields (a typo is a 400, not a silent no-op).
Response models only document the shapes for the OpenAPI document.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictInt, field_validator

from actors.core.model import Status
from api.schemas import AppointmentOut, ClientOut, RequestModel

Id = Annotated[str, Field(min_length=1, max_length=64)]
Version = Annotated[StrictInt, Field(ge=1)]
Instant = Annotated[str, Field(min_length=1, max_length=40)]
LocalDate = Annotated[str, Field(min_length=1, max_length=20)]


# ------------------------------------------------------------ appointments


class StatusIn(RequestModel):
    status: Status
    version: Version | None = None


class RescheduleIn(RequestModel):
    start: Instant
    staff_id: Id | None = None
    version: Version | None = None


class ManualClientIn(RequestModel):
    phone: Annotated[str, Field(min_length=1, max_length=40)]
    name: Annotated[str, Field(max_length=200)] = ""


class ManualBookingIn(RequestModel):
    """``service_id``, or ``service_ids`` for a visit of several services (one of the two)."""

    branch_id: Id
    service_id: Id | None = None
    start: Instant
    staff_id: Id | None = None
    client: ManualClientIn
    comment: Annotated[str, Field(max_length=2000)] = ""
    status: Status | None = None
    service_ids: Annotated[list[Id], Field(min_length=1, max_length=10)] | None = None


# ------------------------------------------------------------ board


class BoardQuery(BaseModel):
    branch_id: Annotated[list[Id], Field(max_length=200)] | None = None
    date_from: LocalDate | None = None
    date_to: LocalDate | None = None
    as_of: Instant | None = None

    @field_validator("branch_id", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class BoardColumn(BaseModel):
    status: str
    title: str
    cards: list[AppointmentOut]


class StaffHours(BaseModel):
    date: str
    intervals: list[list[str]]


class BoardStaff(BaseModel):
    id: str
    branch_id: str
    name: str
    service_ids: list[str]
    active: bool
    hours: list[StaffHours]


class BoardBranch(BaseModel):
    id: str
    name: str
    timezone: str
    date_from: str
    date_to: str


class BoardOut(BaseModel):
    seq: int
    as_of: str | None
    branches: list[BoardBranch]
    columns: list[BoardColumn]
    staff: list[BoardStaff]


# ------------------------------------------------------------ clients


class ClientsQuery(BaseModel):
    q: Annotated[str, Field(max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=1000)] | None = None


class ClientPage(BaseModel):
    items: list[ClientOut]
    next_cursor: str | None


class ClientStatsOut(BaseModel):
    visits_done: int
    no_shows: int
    cancelled: int
    spent: str  # decimal, the done visits' service prices
    last_visit: str | None  # start of the latest done visit (branch time)
    next_visit: str | None  # start of the soonest new/confirmed visit ahead


class ClientDetail(BaseModel):
    client: ClientOut
    stats: ClientStatsOut
    appointments: list[AppointmentOut]


class ClientPatch(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    phone: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    email: Annotated[str, Field(max_length=200)] | None = None
    birthday: Annotated[str, Field(max_length=10)] | None = None  # YYYY-MM-DD, or "" to clear
    notes: Annotated[str, Field(max_length=4000)] | None = None


class MergeIn(RequestModel):
    from_id: Annotated[str, Field(min_length=1, max_length=64)]


# ------------------------------------------------------------ journal


MAX_SEQ = 2**63 - 1  # seq is a 64-bit integer in both journals
IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]  # a local date, YYYY-MM-DD


class JournalQuery(BaseModel):
    """``type`` may repeat; ``date_from``/``date_to`` are local dates of the event's ``at``
    (the branch's zone for a branch's event, UTC for the others), both inclusive."""

    after_seq: Annotated[int, Field(ge=0, le=MAX_SEQ)] = 0
    stream: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100
    client_id: Id | None = None
    staff_id: Id | None = None
    appointment_id: Id | None = None
    type: Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(max_length=50)] | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None

    @field_validator("type", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v

    @field_validator("date_from", "date_to")
    @classmethod
    def _real_date(cls, v: str | None) -> str | None:
        if v is not None:
            date.fromisoformat(v)  # 2026-02-30 is a ValueError: a 400 like any bad field
        return v


class JournalEvent(BaseModel):
    seq: int
    stream: str
    version: int
    type: str
    at: str
    actor: str
    data: dict[str, Any]
    text: str  # one Russian sentence: who did what, with names and the branch's local times


class JournalPage(BaseModel):
    events: list[JournalEvent]
    next_after_seq: int | None
