"""Turning one cell into a field value: text, phone, telegram_id, birthday.

Cells come typed from the spreadsheet readers (``Cell``) or as text from
CSV. Decisions worth knowing:

* Numbers that are whole (``87015558672.0`` from .xls/.xlsx, or the text
  ``7.9991234567E+10`` a spreadsheet wrote into a CSV) become digits
  before they are read as a phone.
* A phone cell is parsed whole first (so ``8 (423) 202-25-11, доб. 100``
  keeps its extension); if that fails, ``phonenumbers.PhoneNumberMatcher``
  looks for numbers in it (``+7 999 …, +7 916 …``, Google's ``a ::: b``);
  the first is the phone, the others go to notes.
* Text dates: ``YYYY-MM-DD`` (also with ``.`` or ``/``); ``DD.MM.YYYY`` and
  ``DD-MM-YYYY`` are day-first (what Russian and European software writes);
  ``M/D/YY`` with slashes is month-first (what US-locale spreadsheets write)
  unless the first number cannot be a month. Two-digit years follow
  Excel: 00–29 are 2000–2029, 30–99 are 1930–1999. A plain number in a
  birthday column is an Excel serial date (1900 system).
* A date that cannot be read is not an error (birthday is optional): the
  birthday stays "" and the text is kept in notes, so nothing is lost.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import phonenumbers

from actors.core.errors import InvalidInput
from actors.core.phones import normalize_phone

Cell = str | int | float | bool | date | datetime | time | timedelta | None

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's 1900 leap bug
MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_TELEGRAM_ID = 2**53  # Telegram: ids fit in 52 bits
_FLOATY = re.compile(r"^\+?\d+\.0+$|^\d(\.\d+)?[eE]\+?\d+$")
_ISO = re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})([-./])(\d{1,2})\2(\d{2}|\d{4})$")
_PUNCTUATED = re.compile(r"^\+?[\d\s().-]+$")
_PUNCTUATION = str.maketrans("", "", " \t\u00a0().-")
_TELEGRAM_LINK = re.compile(r"^(?:https?://)?(?:t\.me|telegram\.me)/|^@")


def text(cell: Cell) -> str:
    """The cell as text the way a user sees it, whitespace collapsed."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat(" ")
    if isinstance(cell, (int, date, time)):
        return cell.isoformat() if isinstance(cell, (date, time)) else str(cell)
    # Every Unicode space (NBSP too) collapsed; NUL dropped (OOXML spells it ``_x0000_``
    # and no journal can store it).
    return " ".join(str(cell).replace("\x00", "").split())


def _digits_of_number(raw: str) -> str:
    """``87015558672.0`` / ``7.9991234567E+10`` -> the integer digits, else ``raw``."""
    if not _FLOATY.match(raw):
        return raw
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return raw
    if number != number.to_integral_value():
        return raw
    return ("+" if raw.startswith("+") else "") + str(int(number))


def phones(cell: Cell, region: str) -> tuple[list[str], str]:
    """All valid phones in the cell (E.164) and the cleaned raw text."""
    raw = _digits_of_number(text(cell))
    if not raw:
        return [], ""
    # Only digits and punctuation: drop the punctuation first (phonenumbers
    # ignores it anyway, but parses the bare form about twice as fast).
    bare = raw.translate(_PUNCTUATION) if _PUNCTUATED.match(raw) else raw
    try:
        return [normalize_phone(bare, region)], raw
    except InvalidInput:
        pass
    found: list[str] = []
    for match in phonenumbers.PhoneNumberMatcher(raw, region, leniency=phonenumbers.Leniency.VALID):
        try:
            number = normalize_phone(match.raw_string, region)
        except InvalidInput:
            continue
        if number not in found:
            found.append(number)
    return found, raw


def telegram(cell: Cell) -> tuple[int | None, str]:
    """``(id, "")`` for a numeric id; ``(None, handle)`` for ``@name``/links.

    Raises ``ValueError`` for anything else non-empty (e.g. ``12ab``).
    """
    if isinstance(cell, bool):
        raise ValueError(str(cell))
    if isinstance(cell, (int, float)) and float(cell).is_integer():
        value = int(cell)
    else:
        raw = _digits_of_number(text(cell))
        if not raw:
            return None, ""
        if _TELEGRAM_LINK.match(raw):
            return None, raw
        if not raw.isdigit():
            raise ValueError(raw)
        value = int(raw)
    if not 0 < value < MAX_TELEGRAM_ID:
        raise ValueError(str(value))
    return value, ""


def _year(raw: str) -> int:
    year = int(raw)
    if len(raw) == 2:
        year += 2000 if year <= 29 else 1900
    return year


def _checked(year: int, month: int, day: int) -> str:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year}")
    return date(year, month, day).isoformat()


def birthday(cell: Cell) -> str:
    """ISO date, or raise ``ValueError`` (the caller keeps the text in notes)."""
    if isinstance(cell, datetime):
        cell = cell.date()
    if isinstance(cell, date):
        return _checked(cell.year, cell.month, cell.day)
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if not 1 <= cell < 2958466:
            raise ValueError(str(cell))
        day = EXCEL_EPOCH + timedelta(days=int(cell))
        return _checked(day.year, day.month, day.day)
    raw = text(cell)
    raw = re.split(r"[ T]", raw, maxsplit=1)[0] if raw[:1].isdigit() else raw  # drop a time
    if match := _ISO.match(raw):
        return _checked(int(match[1]), int(match[2]), int(match[3]))
    if match := _DMY.match(raw):
        first, sep, second, year = int(match[1]), match[2], int(match[3]), _year(match[4])
        month_first = sep == "/" and first <= 12
        if month_first:
            return _checked(year, first, second)
        return _checked(year, second, first)
    if raw.isdigit() and 3 <= len(raw) <= 5:  # a serial number that arrived as text
        return birthday(int(raw))
    raise ValueError(raw)
