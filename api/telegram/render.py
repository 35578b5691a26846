"""The client interface's JSON answers: holds and free slots (SPEC §3)."""

from __future__ import annotations

from datetime import timedelta

from actors.core.model import Hold
from actors.core.schedule import zone
from actors.scheduler import FreeTimes
from api.localtime import LocalTimes
from api.shapes import utc_iso


def hold_json(hold: Hold, tz_name: str) -> dict[str, object]:
    times = LocalTimes(zone(tz_name))
    return {"hold_id": hold.id, "expires_at": utc_iso(hold.expires_at),
            "start": times.iso(hold.start), "end": times.iso(hold.end), "staff_id": hold.staff_id,
            **({"service_ids": list(hold.service_ids), "total_price": hold.total_price} if hold.service_ids else {})}


def slots_json(free: FreeTimes) -> dict[str, object]:
    """SPEC's answer: every slot, and per local date the number of distinct free start times."""
    times = LocalTimes(zone(free.timezone))
    out: list[dict[str, str]] = []
    counts = {(free.first + timedelta(days=n)).isoformat(): 0 for n in range((free.last - free.first).days + 1)}
    previous = None
    for slot in free.slots:  # sorted by start: count each distinct start once
        start = times.iso(slot.start)
        out.append({"start": start, "end": times.iso(slot.end), "staff_id": slot.staff_id})
        if slot.start != previous:
            previous = slot.start
            counts[start[:10]] = counts.get(start[:10], 0) + 1
    return {"timezone": free.timezone, "days": [{"date": d, "free": n} for d, n in sorted(counts.items())],
            "slots": out}
