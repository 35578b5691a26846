"""Proofreading (issue 16): every text of the bot's catalogue, rendered with sample values, reads as Russian.

Every public constant of ``bot/texts.py`` and every function there that returns a text (called
with sample values chosen by parameter name and type, each flag both ways, at three moments:
no clock, the same day, days before) and every notice of ``bot/notices.py``: no doubled colon
in a sentence («Меню: /menu» after a colon), no weekday left in the nominative after «вас»,
no English word (only the name Telegram and the commands), no «None»/«null», no doubled space.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterator
from datetime import date, datetime
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from bot import notices, texts

MOSCOW = ZoneInfo("Europe/Moscow")
VISIT = datetime(2026, 12, 4, 10, 0, tzinfo=MOSCOW)  # a Friday
MOMENTS = (None, datetime(2026, 12, 4, 8, 0, tzinfo=MOSCOW).timestamp(),
           datetime(2026, 12, 1, 8, 0, tzinfo=MOSCOW).timestamp())
ALLOWED_LATIN = {"Telegram"}
NOT_TEXTS = {"HOME_ZONE", "zone_key"}  # a zone's key, not shown as it is
SAMPLES: dict[str, object] = {
    "amount": "1500", "currency": "RUB", "total": "Итого: <b>3 000 ₽</b>", "salon_phone": "+74951234567",
    "e164": "+74951234567", "phone": "+74951234567", "code": "new", "status": "confirmed", "part": "m",
    "service": "Стрижка", "services": "Стрижка + укладка", "visit": "Стрижка + укладка", "master": "Ольга",
    "branch": "Салон на Пушкина", "address": "ул. Пушкина, 10", "name": "Анна", "place": "Салон, ул. Пушкина, 10",
    "span": "суббота, 5 декабря", "now_true": "Запись в силе.", "call": "Позвоните, пожалуйста, в салон.",
    "shown": "✅ Вы записаны!", "value": "Анна", "tz": MOSCOW, "first": date(2026, 12, 4), "last": date(2026, 12, 6),
    "start_min": 600, "end_min": 720, "minutes_before": 120, "cancel_min": 120,
    "move_min": 60, "duration_min": 90, "n": 90, "rating": 4, "seconds": 30,
}
BY_TYPE: dict[object, list[object]] = {
    str: ["Стрижка"], int: [90], bool: [True, False], datetime: [VISIT], date: [VISIT.date()],
    float: [VISIT.timestamp()],
}


def _choices(name: str, hint: object) -> list[object]:
    if name in SAMPLES:
        return [SAMPLES[name]]
    for t in typing.get_args(hint) or (hint,):
        if t in BY_TYPE:
            return BY_TYPE[t]
    raise AssertionError(f"no sample for {name}: {hint}")


def rendered() -> Iterator[tuple[str, str]]:
    for name, value in vars(texts).items():
        if name.isupper() and isinstance(value, str) and name not in NOT_TEXTS:
            yield name, value
    for name, fn in vars(texts).items():
        if (not callable(fn) or getattr(fn, "__module__", "") != texts.__name__ or name.startswith("_")
                or name in NOT_TEXTS):
            continue
        hints = typing.get_type_hints(fn)
        if hints.get("return") is not str:
            continue
        params = [p for p in inspect.signature(fn).parameters.values() if p.default is inspect.Parameter.empty
                  or p.annotation in ("bool", "bool | None")]
        for args in product(*(_choices(p.name, hints[p.name]) for p in params)):
            yield name, _at_moments(lambda a=args, f=fn, ps=params: f(**{p.name: v for p, v in zip(ps, a)}))
    visit = notices.Visit(VISIT, "Стрижка", "Ольга", "Салон, ул. Пушкина, 10", "+74951234567", 120, 1500)
    for status in texts.STATUSES:
        yield f"status_changed({status})", _at_moments(lambda s=status: notices.status_changed(visit, s))
    yield "booked_for_you", _at_moments(lambda: notices.booked_for_you(visit))
    yield "rescheduled", _at_moments(lambda: notices.rescheduled(visit))
    for now in (VISIT.timestamp() - 3600, VISIT.timestamp() - 86400, VISIT.timestamp() - 100 * 3600):
        yield "reminder", notices.reminder(visit, now)


def _at_moments(render: Callable[[], str]) -> str:
    out = []
    for moment in MOMENTS:
        token = texts.NOW.set(moment)
        try:
            out.append(render())
        finally:
            texts.NOW.reset(token)
    return "\n".join(out)


CASES = list(rendered())


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def test_the_catalogue_is_covered() -> None:
    names = {name for name, _ in CASES}
    assert {"held", "booked", "at_when", "status_changed(no_show)", "reminder", "call_salon"} <= names
    assert len(CASES) > 120


@pytest.mark.parametrize(("name", "text"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_reads_as_russian(name: str, text: str) -> None:
    shown = plain(text)
    for sentence in re.split(r"[.!?\n]", re.sub(r"\d{1,2}:\d{2}", "ЧЧ", shown)):
        assert sentence.count(":") <= 1, f"{name}: a doubled colon in {sentence!r}"
    assert not re.search(r"вас\s+(понедельник|вторник|среда|четверг|пятница|суббота|воскресенье)", shown), name
    latin = set(re.findall(r"[A-Za-z]{2,}", re.sub(r"/[a-z]+", "", shown))) - ALLOWED_LATIN  # /book is a command
    assert not latin, f"{name}: English words {latin} in {shown!r}"
    assert "None" not in shown and "null" not in shown, name
    assert "  " not in shown, f"{name}: a doubled space in {shown!r}"


def test_facts_are_known_as_facts_and_steps_are_not() -> None:
    """``texts.is_fact`` decides which messages are never edited (bot/ui.py): every fact text, and no step."""
    visit = notices.Visit(VISIT, "Стрижка", "Ольга", "Салон, ул. Пушкина, 10", "+74951234567", 120, 120)
    facts = [
        texts.booked("Стрижка", VISIT, "Ольга", "Салон", "ул. Пушкина, 10"), texts.cancelled(VISIT),
        texts.moved("Стрижка", VISIT, "Ольга"), texts.visit_confirmed("Стрижка", VISIT), texts.feedback_thanks(5),
        texts.waitlist_joined("Стрижка", VISIT.date(), VISIT.date(), None, "m"), texts.WAITLIST_LEFT,
        notices.booked_for_you(visit), notices.rescheduled(visit), notices.reminder(visit, VISIT.timestamp() - 86400),
        *(notices.status_changed(visit, s) for s in texts.STATUSES),
    ]
    steps = [
        texts.MENU, texts.CHOOSE_SERVICE, texts.HOLD_EXPIRED, texts.choose_day("Стрижка", True),
        texts.choose_time("Стрижка", VISIT.date(), None, True), texts.held("Стрижка", VISIT, "Ольга", VISIT, ""),
        texts.ask_cancel(VISIT, "Стрижка"), texts.my_list(["• a"], []), texts.move_choose_day("Стрижка", VISIT, True),
        texts.ask_move("Стрижка", VISIT, VISIT), texts.offer("Стрижка", VISIT, "Ольга", "Салон", VISIT),
        texts.feedback_ask("Стрижка", VISIT, "Ольга"),
    ]
    for text in facts:
        assert texts.is_fact(" ".join(plain(text).split())), text
    for text in steps:
        assert not texts.is_fact(" ".join(plain(text).split())), text
