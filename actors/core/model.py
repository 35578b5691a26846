"""Plain domain data. Instants are ``int`` seconds since the epoch (UTC);
wall-clock times are minutes since local midnight; dates are ISO strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

Instant = int  # seconds since the epoch, UTC
Minutes = int  # minutes since local midnight (0..1440)
Interval = tuple[Minutes, Minutes]  # [start, end) wall-clock minutes

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Status(StrEnum):
    NEW = "new"
    CONFIRMED = "confirmed"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


# Kanban columns in SPEC order with their Russian titles.
COLUMNS: tuple[tuple[Status, str], ...] = (
    (Status.NEW, "Новые"),
    (Status.CONFIRMED, "Подтверждены"),
    (Status.IN_PROGRESS, "В работе"),
    (Status.DONE, "Выполнено"),
    (Status.CANCELLED, "Отменены"),
    (Status.NO_SHOW, "Не пришёл"),
)

# Every status but cancelled occupies the staff member's time.
OCCUPYING = frozenset(s for s in Status if s is not Status.CANCELLED)
# A reschedule is refused for these.
FINAL = frozenset({Status.DONE, Status.CANCELLED, Status.NO_SHOW})


@dataclass(frozen=True, slots=True)
class Branch:
    id: str
    name: str
    timezone: str
    address: str = ""
    slot_step_min: int = 15
    horizon_days: int = 30
    min_notice_min: int = 60
    cancel_notice_min: int = 120
    active: bool = True
    reschedule_notice_min: int | None = None  # a client's reschedule; None: cancel_notice_min
    phone: str | None = None  # E.164, the salon's phone the bot gives (SPEC §9.6)
    location: tuple[float, float] | None = None  # (lat, lon) for the bot's venue message (SPEC §9.6)

    @property
    def reschedule_notice(self) -> int:
        """Minutes before the old start until which a client may reschedule."""
        return self.cancel_notice_min if self.reschedule_notice_min is None else self.reschedule_notice_min


@dataclass(frozen=True, slots=True)
class Staff:
    id: str
    branch_id: str
    name: str
    service_ids: tuple[str, ...]
    schedule: dict[str, tuple[Interval, ...]]  # weekday name -> intervals
    exceptions: dict[str, tuple[Interval, ...]] = field(default_factory=dict)  # ISO date -> intervals
    active: bool = True
    # service_id -> (own price or None, own duration_min or None): the master's values (SPEC §9.2)
    service_overrides: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    # SHA-256 (hex) of the master's calendar-feed token; "" while no feed URL was issued (SPEC §9.4)
    feed_token_hash: str = ""


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    name: str
    price: str  # decimal string, "1500.00"
    currency: str
    duration_min: int
    buffer_min: int
    branch_ids: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True, slots=True)
class Appointment:
    id: str
    branch_id: str
    client_id: str
    service_id: str
    staff_id: str
    start: Instant
    end: Instant
    block_end: Instant  # end + the service's buffer at booking time
    status: Status
    source: str  # bot | manual
    comment: str
    created_at: float
    updated_at: float
    version: int
    service_ids: tuple[str, ...] = ()  # every service of the visit in order; () means (service_id,)
    total_price: str = ""  # decimal string fixed at booking; "" (old events): the catalogue's price
    client_confirmed_at: float | None = None  # the client pressed «Приду» (SPEC §9.3)
    feedback: tuple[int, str] | None = None  # (rating 1..5, comment) after a done visit
    booked_by: str | None = None  # the booker's client id when booked for another person (None: self)

    @property
    def occupying(self) -> bool:
        return self.status in OCCUPYING

    @property
    def services_of_visit(self) -> tuple[str, ...]:
        return self.service_ids or (self.service_id,)


@dataclass(frozen=True, slots=True)
class Hold:
    id: str
    client_id: str
    service_id: str
    staff_id: str
    start: Instant
    end: Instant
    block_end: Instant
    expires_at: float
    service_ids: tuple[str, ...] = ()  # as Appointment's
    total_price: str = ""

    def live(self, now: float) -> bool:
        return now < self.expires_at


@dataclass(frozen=True, slots=True)
class Client:
    id: str
    name: str
    phone: str | None  # E.164
    telegram_id: int | None
    email: str = ""
    birthday: str = ""  # ISO date or ""
    notes: str = ""
    source: str = "bot"  # bot | manual | import
    created_at: float = 0.0


@dataclass(frozen=True, slots=True)
class User:
    login: str
    role: str  # admin | manager
    branches: tuple[str, ...]  # ("*",) for all
    password_hash: str
    disabled: bool = False
    session: int = 1  # tokens carry it; a change of password, role, branches or access bumps it

    def sees(self, branch_id: str) -> bool:
        return "*" in self.branches or branch_id in self.branches
