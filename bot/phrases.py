"""A client's Russian words about when («завтра вечером», «в пятницу в 10», «15.12») → a wanted range.

Pure: ``parse(text, now, tz)`` reads the message on an injected ``now`` (epoch
seconds) in the branch's zone and returns a ``Wish`` — local days
``first``..``last`` (inclusive) and minutes of the day ``start``..``end``
(end exclusive, 1440 = midnight) — or None when the message names no day and
no time. Words around the date are ignored («а можно сегодня в 13:00?»), so a
question reads as well as a bare date; anything contradictory or impossible
(«32 декабря», «в 25:00») is None rather than a guess.

Conventions (what a salon client means): «утром» 06–12, «днём» 12–17,
«вечером» 17–24, «в обед» 12–14; «в 10» is the hour 10:00–11:00, «в 10:30» the
half hour from it; an hour 1–7 without «утра» is afternoon («в 3» = 15:00);
a weekday is the nearest one, today included; «на выходных» the nearest
Saturday–Sunday; a date without a year is the next such date; a time alone is
today if it is still ahead, else tomorrow. ``bounds`` turns a wish into UTC
instants — where a night the clocks change makes a day 23 or 25 hours long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

DAY_MIN = 1440

_MONTHS = {"январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7, "август": 8,
           "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12}
_WEEKDAYS = (("понедельник", "пн"), ("вторник", "вт"), ("сред", "ср"), ("четверг", "чт"),
             ("пятниц", "пт"), ("суббот", "сб"), ("воскресень", "вс"))
_PARTS = {"утр": (360, 720), "дн": (720, 1020), "днем": (720, 1020), "вечер": (1020, DAY_MIN),
          "обед": (720, 840)}
_NUMBERS = {"один": 1, "одну": 1, "два": 2, "две": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6,
            "семь": 7, "десять": 10}


_NUMERIC_DATE = re.compile(r"(?<![\d:])(?<!в )(?<!к )(?<!до )(?<!после )(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?(?![\d:])")
_DAY_MONTH = re.compile(r" (\d{1,2}) (январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*")


@dataclass(frozen=True, slots=True)
class Wish:
    first: date
    last: date
    start: int = 0  # minutes from local midnight
    end: int = DAY_MIN  # exclusive

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def fits(self, at: datetime) -> bool:
        """Whether the local ``at`` is inside the wish."""
        minute = at.hour * 60 + at.minute
        return self.first <= at.date() <= self.last and self.start <= minute < self.end


def bounds(wish: Wish, tz: ZoneInfo) -> tuple[float, float]:
    """The wish's first and last instant (epoch seconds), each day's wall clock read in ``tz``."""
    def at(d: date, minute: int) -> float:
        base = datetime(d.year, d.month, d.day, tzinfo=tz)
        if minute >= DAY_MIN:
            nxt = d + timedelta(days=1)
            return datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz).timestamp()
        return base.replace(hour=minute // 60, minute=minute % 60).timestamp()
    return at(wish.first, wish.start), at(wish.last, wish.end)


def _clean(text: str) -> str:
    text = text.lower().replace("ё", "е")
    text = re.sub(r"[^\w:.\s-]", " ", text)
    return " " + re.sub(r"\s+", " ", text).strip(" .") + " "


def _next_weekday(today: date, weekday: int, *, following: bool = False) -> date:
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=ahead + (7 if following and ahead == 0 else 0))


def _dates(s: str, today: date) -> tuple[date, date] | None | Literal[False]:
    """The days the text names; False when none; None when it names an impossible one."""
    found: list[tuple[date, date]] = []

    def one(d: date) -> None:
        found.append((d, d))

    if " послезавтра " in s:
        one(today + timedelta(days=2))
    elif " завтра " in s:
        one(today + timedelta(days=1))
    if " сегодня " in s:
        one(today)
    if m := re.search(r" через (?:(\d+|\w+) )?(день|дня|дней|неделю|недели|недель) ", s):
        count = m.group(1)
        n = 1 if count is None else int(count) if count.isdigit() else _NUMBERS.get(count, -1)
        if n < 0:
            return None
        one(today + timedelta(days=n * (7 if m.group(2).startswith("недел") else 1)))
    if re.search(r" (?:на|в|во) выходн\w* ", s):
        if today.weekday() == 6:
            found.append((today, today))
        else:
            sat = _next_weekday(today, 5)
            found.append((sat, sat + timedelta(days=1)))
    if m := re.search(r" на (этой|следующей|будущей) неделе ", s):
        monday = today - timedelta(days=today.weekday())
        if m.group(1) == "этой":
            found.append((today, monday + timedelta(days=6)))
        else:
            found.append((monday + timedelta(days=7), monday + timedelta(days=13)))
    for i, (stem, short) in enumerate(_WEEKDAYS):
        if m := re.search(rf" (?:(?:в|во) )?(следующ\w+ )?(?:{stem}\w*|{short}) ", s):
            one(_next_weekday(today, i, following=bool(m.group(1))))
    for m in re.finditer(r" (\d{1,2}) ([а-я]+)", s):
        month = next((n for stem, n in _MONTHS.items() if m.group(2).startswith(stem)
                      and (stem != "ма" or m.group(2) in ("мая", "май"))), None)
        if month is not None:
            d = _date(today, int(m.group(1)), month, None)
            if d is None:
                return None
            one(d)
    for m in _NUMERIC_DATE.finditer(s):
        year = int(m.group(3)) if m.group(3) else None
        d = _date(today, int(m.group(1)), int(m.group(2)), (year + 2000 if year is not None and year < 100 else year))
        if d is None:
            return None
        one(d)
    if not found:
        return False
    if len(set(found)) > 1:  # «сегодня в пятницу»: two different days named
        return None
    return found[0]


def _date(today: date, day: int, month: int, year: int | None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day)
        d = date(today.year, month, day)
        return d if d >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def _hour(raw: str, after: str) -> int | None:
    """``raw`` ("10", "13:30", "9.15") as minutes; 1–7 without «утра» is afternoon."""
    parts = re.split(r"[:.]", raw)
    h, mins = int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    if h > 24 or mins > 59 or (h == 24 and mins):
        return None
    if after.startswith(("вечер", "дня")) and h < 12:
        h += 12
    elif not after.startswith(("утр", "ноч")) and 1 <= h <= 7 and len(parts) == 1:
        h += 12
    return h * 60 + mins


def _times(s: str) -> tuple[int, int] | None | Literal[False]:
    """The minutes of the day the text names; False when none; None when impossible."""
    clock = r"(\d{1,2}(?:[:.]\d{2})?)(?: ?ч\w*)?(?: (\w+))?"
    if m := re.search(rf" (?:с|от) {clock} (?:до|по) {clock}", s):
        a, b = _hour(m.group(1), m.group(2) or ""), _hour(m.group(3), m.group(4) or "")
        return None if a is None or b is None or a >= b else (a, b)
    if m := re.search(rf" (?:после|позже|с|от) {clock}", s):
        a = _hour(m.group(1), m.group(2) or "")
        return None if a is None else (a, DAY_MIN)
    if m := re.search(rf" (?:до|раньше) {clock}", s):
        b = _hour(m.group(1), m.group(2) or "")
        return None if b is None else (0, b)
    if m := re.search(rf" (?:в|к|на) {clock}", s):
        raw = m.group(1)
        if re.fullmatch(r"\d{1,2}\.\d{2}", raw) and not re.search(r" (?:в|к|на) \d{1,2}\.\d{2}(?: |$)", s):
            return False
        a = _hour(raw, m.group(2) or "")
        if a is None or a >= DAY_MIN:
            return None
        return (a, min(a + 60, DAY_MIN)) if ":" not in raw and "." not in raw else (a, min(a + 30, DAY_MIN))
    if " после обеда " in s:
        return (840, DAY_MIN)
    for stem, span in _PARTS.items():
        if re.search(rf" (?:с |ближе к |к )?{stem}(?:ом|ем|а|у)? ", s) or (stem == "днем" and " днем " in s):
            return span
    if " в обед " in s:
        return _PARTS["обед"]
    return False


def parse(text: str, now: float, tz: ZoneInfo) -> Wish | None:
    """The days and hours ``text`` asks for, read at ``now`` in ``tz``; None if it names none."""
    if not text or len(text) > 200:
        return None
    s = _clean(text)
    here = datetime.fromtimestamp(now, tz)
    today = here.date()
    days, hours = _dates(s, today), _times(_DAY_MONTH.sub(" ", _NUMERIC_DATE.sub(" ", s)))
    if days is None or hours is None or (days is False and hours is False):
        return None
    start, end = (0, DAY_MIN) if hours is False else hours
    if days is False:  # a time alone: today if it is still ahead, else tomorrow
        minute = here.hour * 60 + here.minute
        first = today if end > minute else today + timedelta(days=1)
        return Wish(first, first, start, end)
    return Wish(days[0], days[1], start, end)


def pack(wish: Wish) -> str:
    """A compact form for a button's data: ``YYYYMMDD+N_start-end`` (N extra days; no colon, aiogram's separator)."""
    return f"{wish.first:%Y%m%d}+{(wish.last - wish.first).days}_{wish.start}-{wish.end}"


def unpack(raw: str) -> Wish | None:
    m = re.fullmatch(r"(\d{8})\+(\d{1,2})_(\d{1,4})-(\d{1,4})", raw)
    if m is None:
        return None
    try:
        first = datetime.strptime(m.group(1), "%Y%m%d").date()
    except ValueError:
        return None
    start, end = int(m.group(3)), int(m.group(4))
    if not 0 <= start < end <= DAY_MIN:
        return None
    return Wish(first, first + timedelta(days=int(m.group(2))), start, end)
