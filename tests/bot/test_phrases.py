"""Russian free-text dates and times (bot/phrases.py) on a fixed clock, DST nights included."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.phrases import DAY_MIN, Wish, bounds, pack, parse, unpack

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 4, 16, 0, tzinfo=MSK).timestamp()  # Friday 4 December 2026, 16:00 Moscow
ALL = (0, DAY_MIN)


def d(day: int, month: int = 12, year: int = 2026) -> date:
    return date(year, month, day)


TABLE: list[tuple[str, tuple[date, date], tuple[int, int]]] = [
    ("сегодня", (d(4), d(4)), ALL),
    ("Сегодня!", (d(4), d(4)), ALL),
    ("завтра", (d(5), d(5)), ALL),
    ("завтра вечером", (d(5), d(5)), (1020, DAY_MIN)),
    ("послезавтра", (d(6), d(6)), ALL),
    ("послезавтра после 15", (d(6), d(6)), (900, DAY_MIN)),
    ("в пятницу в 10", (d(4), d(4)), (600, 660)),  # today is Friday: the nearest one is today
    ("в следующую пятницу", (d(11), d(11)), ALL),
    ("в понедельник", (d(7), d(7)), ALL),
    ("во вторник утром", (d(8), d(8)), (360, 720)),
    ("в среду днём", (d(9), d(9)), (720, 1020)),
    ("в субботу утром", (d(5), d(5)), (360, 720)),
    ("в воскресенье в 7 вечера", (d(6), d(6)), (1140, 1200)),
    ("в чт", (d(10), d(10)), ALL),
    ("5 декабря", (d(5), d(5)), ALL),
    ("на 5 декабря", (d(5), d(5)), ALL),
    ("15 декабря в 11", (d(15), d(15)), (660, 720)),
    ("1 января", (d(1, 1, 2027), d(1, 1, 2027)), ALL),  # past this year: next year's
    ("3 мая в 12:15", (d(3, 5, 2027), d(3, 5, 2027)), (735, 765)),
    ("15.12", (d(15), d(15)), ALL),
    ("15.12.2027", (d(15, 12, 2027), d(15, 12, 2027)), ALL),
    ("через неделю", (d(11), d(11)), ALL),
    ("через 2 недели", (d(18), d(18)), ALL),
    ("через три дня днём", (d(7), d(7)), (720, 1020)),
    ("сегодня в 13:00", (d(4), d(4)), (780, 810)),
    ("а можно сегодня в 18:30?", (d(4), d(4)), (1110, 1140)),
    ("на выходных", (d(5), d(6)), ALL),
    ("на следующей неделе", (d(7), d(13)), ALL),
    ("на этой неделе вечером", (d(4), d(6)), (1020, DAY_MIN)),
    ("в 10:30", (d(5), d(5)), (630, 660)),  # 10:30 has passed today: tomorrow
    ("в 19", (d(4), d(4)), (1140, 1200)),
    ("в 3", (d(5), d(5)), (900, 960)),  # an hour 1–7 is afternoon; 15:00 has passed: tomorrow
    ("в 7 утра", (d(5), d(5)), (420, 480)),
    ("вечером", (d(4), d(4)), (1020, DAY_MIN)),
    ("утром", (d(5), d(5)), (360, 720)),
    ("в обед", (d(5), d(5)), (720, 840)),
    ("завтра с 10 до 12", (d(5), d(5)), (600, 720)),
    ("завтра до 12", (d(5), d(5)), (0, 720)),
    ("в 13.30 завтра", (d(5), d(5)), (810, 840)),
]

NOTHING = ["привет", "Спасибо!", "", "   ", "8 999 123-45-67", "+7 (999) 123-45-67", "как дела?",
           "32 декабря", "29 февраля", "31.11", "в 25:00", "в 10:75", "сегодня в субботу", "с 12 до 10",
           "🙂", "через сто дней", "a" * 300]


@pytest.mark.parametrize("text, days, hours", TABLE, ids=[t for t, _, _ in TABLE])
def test_a_phrase_reads_as_its_range(text: str, days: tuple[date, date], hours: tuple[int, int]) -> None:
    assert parse(text, NOW, MSK) == Wish(days[0], days[1], *hours)


@pytest.mark.parametrize("text", NOTHING)
def test_no_date_or_time_or_an_impossible_one_is_none(text: str) -> None:
    assert parse(text, NOW, MSK) is None


def test_the_table_is_long_enough() -> None:
    assert len(TABLE) >= 30


def utc(*args: int) -> float:
    return datetime(*args, tzinfo=timezone.utc).timestamp()


def test_the_night_new_york_falls_back() -> None:
    """23:30 on 31 October in New York is already 1 November in UTC; 1 November has 25 hours."""
    ny = ZoneInfo("America/New_York")
    now = utc(2026, 11, 1, 3, 30)
    today = parse("сегодня", now, ny)
    assert today == Wish(d(31, 10), d(31, 10))
    tomorrow = parse("завтра", now, ny)
    assert tomorrow == Wish(d(1, 11), d(1, 11))
    first, last = bounds(tomorrow, ny)
    assert (first, last) == (utc(2026, 11, 1, 4), utc(2026, 11, 2, 5))  # EDT midnight to EST midnight
    assert last - first == 25 * 3600
    evening = parse("завтра вечером", now, ny)
    assert evening is not None and bounds(evening, ny) == (utc(2026, 11, 1, 22), utc(2026, 11, 2, 5))


def test_the_night_berlin_springs_forward() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 3, 28, 22, 0, tzinfo=berlin).timestamp()
    morning = parse("завтра утром", now, berlin)
    assert morning == Wish(d(29, 3), d(29, 3), 360, 720)
    assert bounds(morning, berlin) == (utc(2026, 3, 29, 4), utc(2026, 3, 29, 10))  # CEST already
    whole = parse("завтра", now, berlin)
    assert whole is not None
    first, last = bounds(whole, berlin)
    assert last - first == 23 * 3600


def test_a_wish_fits_and_packs_into_a_button() -> None:
    wish = parse("на выходных вечером", NOW, MSK)
    assert wish is not None and wish.days() == [d(5), d(6)]
    assert wish.fits(datetime(2026, 12, 6, 18, 0, tzinfo=MSK))
    assert not wish.fits(datetime(2026, 12, 6, 12, 0, tzinfo=MSK))
    assert unpack(pack(wish)) == wish and len(pack(wish)) <= 20
    assert unpack("20261341+0_0-10") is None and unpack("20261204+0_900-600") is None
