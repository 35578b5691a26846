"""The checks themselves catch what they are for (fast: a real journal, no server).

A checker that passes everything proves nothing, so each rule is shown
failing on a fabricated ledger: an acknowledged booking missing from the
journal, a refused one present, a 2xx whose answer differs from the event,
an unknown outcome counting neither way, an overlap.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from actors.core.branch_state import BranchState
from actors.core.messages import AppointmentBooked, BranchOpened, StatusChanged, event_data
from actors.core.model import Appointment, Status
from actors.streams import branch_stream
from storage.journal import NewEvent
from storage.sqlite import SqliteJournal
from tests.reliability.ledger import Call, Outcome, outcome_of
from tests.reliability.verify import History, ledger_violations, overlaps, read_history
from tests.reliability.world import MANAGER, iso

START = int(datetime(2030, 1, 7, 10, 0, tzinfo=UTC).timestamp())
AT = datetime(2030, 1, 1, tzinfo=UTC)


def booked(appt_id: str, key: str, start: int = START) -> AppointmentBooked:
    return AppointmentBooked(appt_id, "c1", "svc", "s1", start, start + 3600, start + 3600, "new", "bot", "",
                             0.0, idempotency_key=key)


@pytest.fixture
async def history(tmp_path: Path) -> AsyncIterator[History]:
    journal = SqliteJournal(tmp_path / "j.sqlite3")
    await journal.open()
    try:
        opened = BranchOpened("b1", "B", "UTC", "", 15, 30, 0, 0)
        events = [opened, booked("a1", "k1"), StatusChanged("a1", "confirmed", "new", 0.0)]
        await journal.append(branch_stream("b1"), 0, [
            NewEvent(e.TYPE, event_data(e), AT, f"user:{MANAGER}" if isinstance(e, StatusChanged) else "client:c1")
            for e in events])
        yield await read_history(journal, "b1")
    finally:
        await journal.close()


def answer(appt_id: str, version: int, status: str = "new", start: int = START) -> dict[str, object]:
    return {"id": appt_id, "version": version, "status": status, "start": iso(start), "staff": {"id": "s1"}}


def test_the_journal_explains_acknowledged_calls(history: History) -> None:
    calls = [
        Call("book", 1, key="k1", outcome=Outcome.OK, http_status=201, body=answer("a1", 1)),
        Call("status", 1, appointment_id="a1", from_version=1, target={"status": "confirmed"},
             outcome=Outcome.OK, http_status=200, body=answer("a1", 2, "confirmed")),
        Call("book", 1, key="k2", outcome=Outcome.REFUSED, http_status=409),
        Call("book", 1, key="k3", outcome=Outcome.UNKNOWN),
    ]
    assert ledger_violations(calls, history) == []


def test_a_lost_acknowledged_booking_is_caught(history: History) -> None:
    lost = Call("book", 1, key="k9", outcome=Outcome.OK, http_status=201, body=answer("a9", 1))
    assert ledger_violations([lost], history)


def test_an_answer_that_differs_from_the_journal_is_caught(history: History) -> None:
    wrong = Call("status", 1, appointment_id="a1", from_version=1, target={"status": "confirmed"},
                 outcome=Outcome.OK, http_status=200, body=answer("a1", 2, "done"))
    assert ledger_violations([wrong], history)


def test_a_refused_write_that_is_in_the_journal_is_caught(history: History) -> None:
    refused = Call("book", 1, key="k1", outcome=Outcome.REFUSED, http_status=503)
    never_sent = Call("status", 1, appointment_id="a1", from_version=1, target={"status": "confirmed"},
                      outcome=Outcome.NOT_SENT)
    assert len(ledger_violations([refused, never_sent], history)) == 2
    # ... unless a call with the same identity whose outcome is unknown explains it.
    twin = Call("book", 1, key="k1", outcome=Outcome.UNKNOWN)
    assert ledger_violations([refused], history, [refused, twin]) == []


def test_overlapping_occupying_appointments_are_caught() -> None:
    state = BranchState()

    def appt(appt_id: str, start: int, status: Status = Status.NEW) -> Appointment:
        return Appointment(appt_id, "b1", "c1", "svc", "s1", start, start + 3600, start + 4500, status,
                           "bot", "", 0.0, 0.0, 1)

    state.appointments = {"a": appt("a", START), "b": appt("b", START + 3600)}
    assert overlaps(state)  # b starts inside a's buffer
    state.appointments["b"] = appt("b", START + 3600, Status.CANCELLED)
    assert overlaps(state) == []


def test_a_503_with_an_unknown_outcome_counts_neither_way() -> None:
    assert outcome_of(503, {"code": "unavailable", "detail": "the outcome is unknown"}) is Outcome.UNKNOWN
    assert outcome_of(503, {"code": "unavailable", "detail": "nothing was saved"}) is Outcome.REFUSED
    assert outcome_of(201, {}) is Outcome.OK
