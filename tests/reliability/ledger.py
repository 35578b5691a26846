"""Every request the load sends, with what it asked for and what came back.

An answer is one of four outcomes:

- ``OK``: a 2xx — the server said "yes", so its effect must be durable;
- ``REFUSED``: a 4xx/5xx answer — the effect must NOT be in the journal
  (except a 503 that says the outcome is unknown, which is ``UNKNOWN``);
- ``NOT_SENT``: the connection was refused — the server never saw it;
- ``UNKNOWN``: the connection died or timed out after the request went out
  (e.g. mid-kill): the effect may or may not be there; it counts neither way.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import httpx


class Outcome(Enum):
    OK = "ok"
    REFUSED = "refused"
    NOT_SENT = "not_sent"
    UNKNOWN = "unknown"


@dataclass(slots=True)
class Call:
    """One write the load sent, with the facts the checks need to find its effect."""

    kind: str  # hold | book | book_hold | release | cancel | status | reschedule
    cycle: int
    key: str | None = None  # Idempotency-Key (hold, book, book_hold)
    client_id: str | None = None
    appointment_id: str | None = None
    hold_id: str | None = None
    from_version: int | None = None  # the version a manager command names
    target: dict[str, Any] = field(default_factory=dict)  # status / start / staff_id asked for
    http_status: int | None = None
    body: Any = None
    outcome: Outcome = Outcome.UNKNOWN
    sent_at: float = 0.0  # time.monotonic()
    answered_at: float = 0.0
    error: str = ""

    @property
    def failed(self) -> bool:
        """Definitely not applied: answered with an error, or never reached the server."""
        return self.outcome in (Outcome.REFUSED, Outcome.NOT_SENT)

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None


def outcome_of(status: int, body: Any) -> Outcome:
    if 200 <= status < 300:
        return Outcome.OK
    if status == 503 and isinstance(body, dict) and "unknown" in str(body.get("detail", "")).lower():
        return Outcome.UNKNOWN  # the database went away mid-commit and did not come back in time
    return Outcome.REFUSED


@dataclass
class Ledger:
    """All calls, plus counters of reads and of answers by status."""

    calls: list[Call] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    reads: Counter[str] = field(default_factory=Counter)  # "<path> <status>"
    transport_errors: Counter[str] = field(default_factory=Counter)

    async def send(self, http: httpx.AsyncClient, call: Call, method: str, url: str,
                   **kwargs: Any) -> Call:
        """Send one write and record its outcome (never raises for transport errors)."""
        self.calls.append(call)
        call.sent_at = time.monotonic()
        try:
            response = await http.request(method, url, **kwargs)
        except httpx.ConnectError as exc:
            call.outcome, call.error = Outcome.NOT_SENT, type(exc).__name__
        except httpx.TransportError as exc:
            call.outcome, call.error = Outcome.UNKNOWN, type(exc).__name__
        else:
            call.http_status = response.status_code
            call.body = _json(response)
            call.outcome = outcome_of(response.status_code, call.body)
            self.statuses[response.status_code] += 1
        call.answered_at = time.monotonic()
        if call.error:
            self.transport_errors[call.error] += 1
        return call

    async def read(self, http: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response | None:
        """A GET that changes nothing: only counted."""
        try:
            response = await http.get(url, **kwargs)
        except httpx.TransportError as exc:
            self.transport_errors[type(exc).__name__] += 1
            return None
        self.reads[f"{url} {response.status_code}"] += 1
        return response

    def of_cycle(self, cycle: int) -> list[Call]:
        return [c for c in self.calls if c.cycle == cycle]

    def tally(self, calls: list[Call] | None = None) -> Counter[str]:
        """``{"<kind> <outcome>": n}`` — the summary printed per cycle."""
        return Counter(f"{c.kind} {c.outcome.value}" for c in (self.calls if calls is None else calls))


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text[:200]
