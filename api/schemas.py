"""Request and response models (pydantic) — the OpenAPI document is built from them.

Requests forbid unknown fields, so a typo is a 400, not a silent no-op.
A validator refuses with ``InvalidValue(key, **params)``: a catalogue text
(``api/texts``) the 400 words in the reader's language.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, field_validator

from actors.core.errors import Message
from api.texts.language import render

Name = Annotated[str, Field(min_length=1, max_length=200)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
HHMM = Annotated[str, Field(pattern=r"^\d\d:\d\d$")]


class InvalidValue(ValueError):
    """A validator's refusal: a catalogue key and parameters (English for pydantic's own ``msg``)."""

    def __init__(self, key: str, **params: object) -> None:
        self.message = Message(key, params)
        super().__init__(render(self.message, "en"))


class RequestModel(BaseModel):
    """Every request body and query model: unknown fields are a 400, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def _price(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidValue("price.format") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e9"):
        raise InvalidValue("price.range")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidValue("price.cents")
    return str(amount.quantize(Decimal("0.01")))


# ------------------------------------------------------------ branches


class Location(RequestModel):
    """A branch's place on the map (SPEC §9.6): the bot sends it as a Telegram venue."""

    lat: Annotated[StrictFloat, Field(ge=-90, le=90, allow_inf_nan=False)]  # strict: not true/false, not "55"
    lon: Annotated[StrictFloat, Field(ge=-180, le=180, allow_inf_nan=False)]


class LocationOut(BaseModel):
    lat: float
    lon: float


Phone = Annotated[str, Field(min_length=1, max_length=40)]  # normalized to E.164 by the handler


class BranchIn(RequestModel):
    name: Name
    timezone: Annotated[str, Field(min_length=1, max_length=64)]
    address: Annotated[str, Field(max_length=500)] = ""
    slot_step_min: Annotated[StrictInt, Field(ge=5, le=240)] = 15
    horizon_days: Annotated[StrictInt, Field(ge=1, le=365)] = 30
    min_notice_min: Annotated[StrictInt, Field(ge=0, le=10080)] = 60
    cancel_notice_min: Annotated[StrictInt, Field(ge=0, le=10080)] = 120
    reschedule_notice_min: Annotated[StrictInt, Field(ge=0, le=10080)] | None = None  # null: the cancel notice
    phone: Phone | None = None
    location: Location | None = None


class BranchPatch(RequestModel):
    name: Name | None = None
    timezone: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    slot_step_min: Annotated[StrictInt, Field(ge=5, le=240)] | None = None
    horizon_days: Annotated[StrictInt, Field(ge=1, le=365)] | None = None
    min_notice_min: Annotated[StrictInt, Field(ge=0, le=10080)] | None = None
    cancel_notice_min: Annotated[StrictInt, Field(ge=0, le=10080)] | None = None
    reschedule_notice_min: Annotated[StrictInt, Field(ge=0, le=10080)] | None = None  # an explicit null: the cancel notice
    phone: Phone | None = None  # an explicit null: no phone
    location: Location | None = None  # an explicit null: no location


class BranchOut(BaseModel):
    id: str
    name: str
    address: str
    timezone: str
    slot_step_min: int
    horizon_days: int
    min_notice_min: int
    cancel_notice_min: int
    reschedule_notice_min: int | None  # null: the cancel notice applies
    phone: str | None  # E.164
    location: LocationOut | None


class BranchList(BaseModel):
    items: list[BranchOut]


# ------------------------------------------------------------ services


class ServiceIn(RequestModel):
    name: Name
    price: Annotated[str, Field(max_length=20)]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "RUB"
    duration_min: Annotated[StrictInt, Field(ge=5, le=1440)]
    buffer_min: Annotated[StrictInt, Field(ge=0, le=480)] = 0
    branch_ids: Annotated[list[Id], Field(min_length=1, max_length=1000)]

    @field_validator("price")
    @classmethod
    def _check_price(cls, v: str) -> str:
        return _price(v)


class ServicePatch(RequestModel):
    name: Name | None = None
    price: Annotated[str, Field(max_length=20)] | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    duration_min: Annotated[StrictInt, Field(ge=5, le=1440)] | None = None
    buffer_min: Annotated[StrictInt, Field(ge=0, le=480)] | None = None
    branch_ids: Annotated[list[Id], Field(min_length=1, max_length=1000)] | None = None
    active: StrictBool | None = None

    @field_validator("price")
    @classmethod
    def _check_price(cls, v: str | None) -> str | None:
        return None if v is None else _price(v)


class ServiceOut(BaseModel):
    id: str
    name: str
    price: str
    currency: str
    duration_min: int
    branch_ids: list[str]


class ServiceAdminOut(ServiceOut):
    buffer_min: int
    active: bool


class ServiceList(BaseModel):
    items: list[ServiceOut]


class ServiceAdminList(BaseModel):
    items: list[ServiceAdminOut]


# ------------------------------------------------------------ staff

Intervals = Annotated[list[Annotated[list[HHMM], Field(min_length=2, max_length=2)]], Field(max_length=24)]
IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class ExceptionIn(RequestModel):
    """One date, or a range of dates (a vacation: ``date_from``…``date_to``, both inclusive)."""

    date: IsoDate | None = None
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    intervals: Intervals = []


class OverrideIn(RequestModel):
    """A master's own price and/or duration for a service they do (SPEC §9.2)."""

    service_id: Id
    price: Annotated[str, Field(max_length=20)] | None = None
    duration_min: Annotated[StrictInt, Field(ge=5, le=1440)] | None = None

    @field_validator("price")
    @classmethod
    def _check_price(cls, v: str | None) -> str | None:
        return None if v is None else _price(v)


Overrides = Annotated[list[OverrideIn], Field(max_length=1000)]


class StaffIn(RequestModel):
    branch_id: Id
    name: Name
    service_ids: Annotated[list[Id], Field(max_length=1000)]
    schedule: dict[str, Intervals]
    exceptions: Annotated[list[ExceptionIn], Field(max_length=1000)] = []
    service_overrides: Overrides = []


class StaffPatch(RequestModel):
    name: Name | None = None
    service_ids: Annotated[list[Id], Field(max_length=1000)] | None = None
    schedule: dict[str, Intervals] | None = None
    exceptions: Annotated[list[ExceptionIn], Field(max_length=1000)] | None = None
    service_overrides: Overrides | None = None  # replaces the master's whole list


class ExceptionOut(BaseModel):
    date: str
    intervals: list[list[str]]


class OverrideOut(BaseModel):
    service_id: str
    price: str | None
    duration_min: int | None


class StaffOut(BaseModel):
    id: str
    branch_id: str
    name: str
    service_ids: list[str]
    schedule: dict[str, list[list[str]]]
    exceptions: list[ExceptionOut]
    service_overrides: list[OverrideOut]


class StaffList(BaseModel):
    items: list[StaffOut]


class StaffQuery(BaseModel):
    branch_id: str | None = None


class ServicesQuery(BaseModel):
    branch_id: str | None = None
    staff_id: str | None = None  # that master's services, with their own prices and durations


# ------------------------------------------------------------ auth & system


class LoginIn(RequestModel):
    login: Annotated[str, Field(min_length=1, max_length=100)]
    password: Annotated[str, Field(min_length=1, max_length=1000)]


class TokenOut(BaseModel):
    access_token: str
    token_type: str
    expires_in: int


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    code: str


class Health(BaseModel):
    status: str


# ------------------------------------------------------------ appointments (SPEC's shape)


class AppointmentClient(BaseModel):
    id: str
    name: str
    phone: str | None
    telegram_id: int | None


class AppointmentService(BaseModel):
    id: str
    name: str
    price: str
    currency: str
    duration_min: int


class AppointmentStaff(BaseModel):
    id: str
    name: str


class VisitServiceOut(BaseModel):
    """One service of the visit with the master's own price and duration."""

    id: str
    name: str
    price: str
    duration_min: int


class AppointmentFeedback(BaseModel):
    rating: int
    comment: str


class AppointmentOut(BaseModel):
    """An appointment; times in the branch's timezone with offset (created/updated in UTC)."""

    id: str
    branch_id: str
    status: str
    start: str
    end: str
    source: str
    comment: str
    created_at: str
    updated_at: str
    version: int
    client: AppointmentClient
    service: AppointmentService  # the first service of the visit
    staff: AppointmentStaff
    services: list[VisitServiceOut]  # every service of the visit, in order (SPEC §9.2)
    total_price: str  # the visit's price, fixed at booking
    client_confirmed_at: str | None = None  # the client pressed «Приду» (UTC)
    feedback: AppointmentFeedback | None = None  # the client's rating of a done visit
    booked_by: str | None = None  # the booker's client id when booked for another person (null: self)


class ClientOut(BaseModel):
    id: str
    name: str
    phone: str | None
    telegram_id: int | None
    email: str
    birthday: str | None
    notes: str
    source: str
    created_at: str
