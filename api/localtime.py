"""Fast ISO 8601 rendering of many instants in one zone (slot lists).

``datetime.fromtimestamp(ts, zone).isoformat()`` costs about 3 µs; a day's
slot list renders hundreds of instants. ``LocalTimes`` learns, per local
day, whether the UTC offset is constant across it (it is on every day but a
DST change day) and then renders by arithmetic; instants of a day with an
offset change are rendered by ``datetime`` one by one, so DST days stay exact.
Build one per request (it caches per zone and day).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def _offset_text(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    hh, rest = divmod(seconds, 3600)
    mm, ss = divmod(rest, 60)
    return f"{sign}{hh:02d}:{mm:02d}" + (f":{ss:02d}" if ss else "")


class LocalTimes:
    def __init__(self, tz: ZoneInfo) -> None:
        self._tz = tz
        # (first instant of the local day, first instant of the next, offset s, "YYYY-MM-DDT", "+03:00")
        self._days: list[tuple[int, int, int, str, str]] = []
        self._seen: dict[int, str] = {}

    def iso(self, ts: int) -> str:
        text = self._seen.get(ts)
        if text is not None:  # slot lists repeat instants: one staff's end is another's start
            return text
        for start, end, offset, prefix, suffix in self._days:
            if start <= ts < end:
                hh, rest = divmod(ts - start, 3600)  # the day starts at local 00:00
                mm, ss = divmod(rest, 60)
                text = f"{prefix}{hh:02d}:{mm:02d}:{ss:02d}{suffix}"
                break
        else:
            moment = datetime.fromtimestamp(ts, self._tz)
            self._learn(moment)
            text = moment.isoformat(timespec="seconds")
        if len(self._seen) < 4096:
            self._seen[ts] = text
        return text

    def _learn(self, moment: datetime) -> None:
        tz = self._tz
        day = moment.date()
        start_dt = datetime(day.year, day.month, day.day, tzinfo=tz)
        nxt = day + timedelta(days=1)
        start = int(start_dt.timestamp())
        end = int(datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz).timestamp())
        at_start = datetime.fromtimestamp(start, tz)
        first, last = at_start.utcoffset(), datetime.fromtimestamp(end - 1, tz).utcoffset()
        if first is None or first != last or first.microseconds or at_start.hour or at_start.minute:
            return  # an offset change that day, or a day not starting at 00:00: one by one
        offset = int(first.total_seconds())
        if len(self._days) >= 64:
            self._days.pop(0)
        self._days.append((start, end, offset, f"{day.isoformat()}T", _offset_text(offset)))
