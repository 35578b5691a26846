"""``GET /clients/export?format=csv|xlsx``: the client base as a file (SPEC §9.4).

The same clients as ``GET /clients`` (every client, ``q`` filtering by the
same search rule), ordered by name, with the figures of the client's card
(``GET /clients/{id}`` ``stats``) counted in the caller's branches. Times of
visits are the visit branch's local time; «Добавлен» is UTC (a client
belongs to no branch).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from actors.core.model import Appointment, Client
from actors.core.schedule import zone
from actors.scheduler import Scheduler
from api.exports import Table, Value
from api.texts import exports as t


class ExportQuery(BaseModel):
    format: Literal["csv", "xlsx"] = "xlsx"
    q: Annotated[str, Field(max_length=200)] | None = None


def _local(a: Appointment | None, scheduler: Scheduler) -> datetime | None:
    if a is None:
        return None
    tz = zone(scheduler.branch(a.branch_id, include_closed=True).timezone)
    return datetime.fromtimestamp(a.start, tz).replace(tzinfo=None)


def _birthday(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def client_rows(clients: list[Client], scheduler: Scheduler, sees: Callable[[str], bool]) -> Table:
    rows: list[tuple[Value, ...]] = []
    for c in sorted(clients, key=lambda c: (c.name.casefold(), c.id)):
        stats = scheduler.client_stats(c.id, sees)
        rows.append((
            c.name, c.phone, c.email or None, _birthday(c.birthday), c.telegram_id, t.SOURCES.get(c.source, c.source),
            c.notes or None, datetime.fromtimestamp(c.created_at, UTC).replace(tzinfo=None, microsecond=0),
            stats.visits_done, stats.no_shows, stats.cancelled, Decimal(stats.spent),
            _local(stats.last_visit, scheduler), _local(stats.next_visit, scheduler)))
    return Table(t.CLIENTS, t.CLIENT_HEADERS, rows)
