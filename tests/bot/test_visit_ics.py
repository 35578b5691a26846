"""«Добавить в календарь»: the visit's .ics parsed back with icalendar (SPEC §9.6)."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar

from bot.visit_ics import ics_filename, visit_ics

APPOINTMENT = {
    "id": "a1b2c3d4e5f6", "start": "2026-12-05T14:00:00+03:00", "end": "2026-12-05T15:30:00+03:00",
    "service": {"name": "Стрижка"}, "services": [{"name": "Стрижка"}, {"name": "Укладка"}],
    "staff": {"name": "Анна"},
}
BRANCH = {"name": "Центр", "address": "ул. Ленина, 1", "phone": "+74951234567",
          "location": {"lat": 55.7558, "lon": 37.6173}}


def one_event(raw: bytes) -> icalendar.Event:
    cal = icalendar.Calendar.from_ical(raw)
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    return events[0]


def test_the_file_names_the_visit_in_utc_with_place_and_phone() -> None:
    event = one_event(visit_ics(APPOINTMENT, BRANCH, now=1_790_000_000))
    assert str(event["uid"]) == "a1b2c3d4e5f6"
    assert event.decoded("dtstart") == datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 12, 5, 12, 30, tzinfo=UTC)
    assert event["dtstart"].to_ical() == b"20261205T110000Z"
    assert str(event["summary"]) == "Стрижка + Укладка — Центр"
    assert str(event["location"]) == "ул. Ленина, 1"
    assert "+74951234567" in str(event["description"]) and "Анна" in str(event["description"])
    assert event.decoded("geo") is not None


def test_without_a_phone_or_address_the_file_still_reads() -> None:
    branch = {"name": "Центр", "address": "", "phone": None, "location": None}
    event = one_event(visit_ics({**APPOINTMENT, "services": None}, branch, now=1_790_000_000))
    assert str(event["summary"]) == "Стрижка — Центр"
    assert str(event["location"]) == "Центр"
    assert "Телефон" not in str(event.get("description", ""))
    assert "geo" not in event
    assert ics_filename(APPOINTMENT) == "zapis-20261205-1400.ics"
