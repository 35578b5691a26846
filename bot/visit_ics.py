"""«Добавить в календарь» (SPEC §9.6): one visit as an ``.ics`` file, built with ``icalendar``.

Pure: the client API's appointment and the branch's card in, iCalendar bytes
out. UID is the appointment id, so importing the file again (after a
reschedule) updates the same calendar entry instead of adding a second one;
times are UTC (``...Z``), which every calendar shows in its own zone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event

from bot import texts


def _utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC).replace(microsecond=0)


def visit_ics(appointment: dict[str, Any], branch: dict[str, Any], now: float) -> bytes:
    """The visit as a one-event calendar: services, master, the branch's address and phone."""
    services = " + ".join(s["name"] for s in appointment.get("services") or [appointment["service"]])
    staff = appointment.get("staff", {}).get("name") or ""
    event = Event()
    event.add("uid", appointment["id"])
    event.add("dtstamp", datetime.fromtimestamp(now, UTC).replace(microsecond=0))
    event.add("dtstart", _utc(appointment["start"]))
    event.add("dtend", _utc(appointment["end"]))
    event.add("summary", texts.ics_summary(services, branch.get("name", "")))
    event.add("location", branch.get("address") or branch.get("name", ""))
    event.add("description", texts.ics_description(staff, branch.get("phone")))
    location = branch.get("location")
    if location:
        event.add("geo", (float(location["lat"]), float(location["lon"])))
    cal = Calendar()
    cal.add("prodid", "-//zapis//visit//RU")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical


def ics_filename(appointment: dict[str, Any]) -> str:
    return f"zapis-{datetime.fromisoformat(appointment['start']):%Y%m%d-%H%M}.ics"
