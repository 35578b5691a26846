"""Working time: parsing weekly schedules and turning local days into UTC spans.

Working intervals are local wall-clock times. A local day's interval becomes
a span of real instants: its start and end are each resolved in the branch's
zone, so on a DST day the interval lasts its real length (an hour shorter in
spring, longer in autumn). A wall time that does not exist (spring gap) is
read with the offset before the gap, i.e. it moves forward with the clocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from actors.core.errors import InvalidInput
from actors.core.model import WEEKDAYS, Instant, Interval, Staff


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or ``InvalidInput`` for an unknown one."""
    return _zone(name)


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    if not isinstance(name, str) or not name or name.startswith(("/", ".")) or ".." in name:
        raise InvalidInput("timezone.unknown", name=name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput("timezone.unknown", name=name) from None


def parse_hhmm(text: object) -> int:
    """``"09:30"`` → 570. ``"24:00"`` is allowed as an end of day."""
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        raise InvalidInput("time.format", text=text)
    hh, mm = text[:2], text[3:]
    if not (hh.isdigit() and mm.isdigit()):
        raise InvalidInput("time.format", text=text)
    minutes = int(hh) * 60 + int(mm)
    if int(mm) > 59 or minutes > 24 * 60:
        raise InvalidInput("time.no_such", text=text)
    return minutes


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_intervals(raw: object, where: str) -> tuple[Interval, ...]:
    """``[["09:00","13:00"],["14:00","18:00"]]`` → sorted, non-overlapping minute pairs."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidInput("intervals.list", where=where)
    spans: list[Interval] = []
    for pair in raw:
        if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
            raise InvalidInput("intervals.pair", where=where)
        start, end = parse_hhmm(pair[0]), parse_hhmm(pair[1])
        if end <= start:
            raise InvalidInput("intervals.reversed", where=where, start=pair[0], end=pair[1])
        spans.append((start, end))
    spans.sort()
    for (_, prev_end), (start, _) in zip(spans, spans[1:]):
        if start < prev_end:
            raise InvalidInput("intervals.overlap", where=where)
    return tuple(spans)


def parse_schedule(raw: object) -> dict[str, tuple[Interval, ...]]:
    if not isinstance(raw, Mapping):
        raise InvalidInput("schedule.mapping")
    unknown = [k for k in raw if k not in WEEKDAYS]
    if unknown:
        raise InvalidInput("schedule.weekday", day=unknown[0])
    return {day: parse_intervals(raw[day], f"schedule.{day}") for day in WEEKDAYS if day in raw}


MAX_EXCEPTION_DAYS = 366  # one range (a vacation) at most a year
MAX_EXCEPTION_DATES = 2000  # all the dates a staff member's exceptions name


def parse_exceptions(raw: object) -> dict[str, tuple[Interval, ...]]:
    """Dated exceptions → ISO date → intervals (an empty tuple is a day off).

    An item names one ``date``, or a range ``date_from``…``date_to`` (both
    inclusive: a vacation) whose every day gets the same intervals.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise InvalidInput("exceptions.list")
    out: dict[str, tuple[Interval, ...]] = {}
    for item in raw:
        if not isinstance(item, Mapping):
            raise InvalidInput("exceptions.item")
        for day in _exception_days(item):
            if day.isoformat() in out:
                raise InvalidInput("exceptions.twice", date=day.isoformat())
            out[day.isoformat()] = parse_intervals(item.get("intervals") or [], f"exceptions[{day.isoformat()}]")
        if len(out) > MAX_EXCEPTION_DATES:
            raise InvalidInput("exceptions.too_many", max=MAX_EXCEPTION_DATES)
    return out


def _exception_days(item: Mapping[str, object]) -> list[date]:
    one, first, last = item.get("date"), item.get("date_from"), item.get("date_to")
    if one is not None and first is None and last is None:
        return [parse_date(one, "exceptions.date")]
    if one is None and first is not None and last is not None:
        start, end = parse_date(first, "exceptions.date_from"), parse_date(last, "exceptions.date_to")
        check_range(start, end, MAX_EXCEPTION_DAYS)
        return [start + timedelta(days=i) for i in range((end - start).days + 1)]
    raise InvalidInput("exceptions.one_or_range")


def parse_date(raw: object, where: str = "date") -> date:
    if not isinstance(raw, str):
        raise InvalidInput("date.format", where=where)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("date.no_such", where=where, raw=raw) from None


def check_range(first: date, last: date, max_days: int) -> None:
    """The one rule for a range of local dates (both inclusive): in order, at most ``max_days``."""
    if last < first:
        raise InvalidInput("range.reversed")
    if (last - first).days + 1 > max_days:
        raise InvalidInput("range.too_long", days=max_days)


def intervals_on(staff: Staff, day: date) -> tuple[Interval, ...]:
    """The staff member's local working intervals on ``day`` (exceptions win)."""
    special = staff.exceptions.get(day.isoformat())
    if special is not None:
        return special
    return staff.schedule.get(WEEKDAYS[day.weekday()], ())


def local_instant(day: date, minutes: int, tz: ZoneInfo) -> Instant:
    """The UTC instant of wall time ``minutes`` on local ``day`` (first occurrence)."""
    base = datetime.combine(day, time(0), tzinfo=tz) if minutes < 1440 else None
    if base is None:  # 24:00 is the next day's midnight
        return int(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).timestamp())
    wall = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=tz)
    return int(wall.timestamp())


def working_spans(staff: Staff, day: date, tz: ZoneInfo) -> list[tuple[Instant, Instant]]:
    """Real-time spans ``[start, end)`` the staff member works on local ``day``."""
    return [
        (local_instant(day, a, tz), local_instant(day, b, tz))
        for a, b in intervals_on(staff, day)
    ]


def local_date(instant: Instant, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(instant, tz).date()


def days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def schedule_to_json(schedule: Mapping[str, tuple[Interval, ...]]) -> dict[str, list[list[str]]]:
    return {d: [[format_hhmm(a), format_hhmm(b)] for a, b in spans] for d, spans in schedule.items()}


def exceptions_to_json(exceptions: Mapping[str, tuple[Interval, ...]]) -> list[dict[str, object]]:
    return [
        {"date": d, "intervals": [[format_hhmm(a), format_hhmm(b)] for a, b in spans]}
        for d, spans in sorted(exceptions.items())
    ]
